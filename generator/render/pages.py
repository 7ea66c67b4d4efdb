"""Pages to {path: bytes}. Pure: everything comes in as arguments."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable, Container, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property, partial
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    select_autoescape,
)
from jinja2.loaders import split_template_path
from markupsafe import Markup

from generator.config.settings import case_url
from generator.core import times
from generator.core.errors import LocatedError, OutpostError, byte_line, shown_name
from generator.core.history import ComponentHistory, histories_for
from generator.core.model import (
    ComponentStatus,
    Config,
    Impact,
    Notice,
    NoticeType,
    Update,
    update_anchors,
    update_stamp,
)
from generator.core.statuspage import began_early, timeline_updates, went_under
from generator.core.textcut import shortened
from generator.core.timeline import (
    Banner,
    ComponentState,
    NoticeView,
    Snapshot,
    standing_status,
)
from generator.disk import files_under, regular_bytes
from generator.render.bars import LEGEND, BarRow, bar_row, day_label, uptime_text
from generator.render.markup import (
    MarkdownRenderer,
    absolute_links,
    focusable_tables,
    isolated,
    part_languages,
)
from generator.render.overrides import (
    BUILTIN_TEMPLATES,
    TEMPLATE_OVERRIDES,
    TOO_DEEP,
    override_folder,
)
from generator.render.produced import Fragments, NoFragments, Page
from generator.render.snippets import loader_policy, loader_script

# The optional script of the Open page, component pages and open notices' pages: each
# time followed by an empty ``.ago`` gains how long ago it was ("Updated 2:00 PM CDT
# (3 minutes ago)", an incident's start, a card's latest update: a reader in another
# zone need not convert "1:27 PM CDT"), and a warning shows once the page is older than
# the stale_after setting (the paragraph's data-stale, in minutes). It runs at once,
# where it stands, and again once the page is read (the cards come after it). Constant,
# so _headers allows it by its hash; the page says every time without it.
STALENESS_SCRIPT = (
    "(function(){var p=document.getElementById('built'),w=document.getElementById('stale'),"
    "t=p&&p.querySelector('time');if(!t||!w)return;var s=+p.getAttribute('data-stale');"
    "function m(e){return Math.max(0,Math.floor((Date.now()-Date.parse("
    "e.getAttribute('datetime')))/60000))}function f(){"
    "document.querySelectorAll('time+.ago').forEach(function(a){var n=m("
    "a.previousElementSibling),h=Math.floor(n/60);a.textContent=' ('+(n<1?'just now':"
    "n<120?n+(n==1?' minute':' minutes')+' ago':h<48?h+' hours ago':Math.floor(h/24)+"
    "' days ago')+')';});w.hidden=!(s>0&&m(t)>s);}f();"
    "document.addEventListener('DOMContentLoaded',f);setInterval(f,60000);})();"
)
# Escape hides the words of the bar under the pointer (WCAG 1.4.13 asks that what hover
# shows can be dismissed without moving the pointer) until the pointer leaves that bar.
# Without it the words show and go on hover alone, as they did.
BARS_SCRIPT = (
    "(function(){var d;document.addEventListener('keydown',function(e){var h;"
    "if((e.key=='Escape'||e.key=='Esc')&&(h=document.querySelector('.bars i:hover'))){"
    "d=h;h.classList.add('hush');}});document.addEventListener('mouseout',function(e){"
    "if(d&&!d.contains(e.relatedTarget)){d.classList.remove('hush');d=null;}});})();"
)


def script_hash(script: str) -> str:
    """The CSP source allowing an inline script: 'sha256-...'."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


STATIC = resources.files("generator.render") / "static"


BANNER_TITLE_MAX = 100  # characters of a title in the site banner (as in embeds' fragment)


@dataclass(frozen=True)
class BannerText:
    state: str  # incident | maintenance | none
    label: str  # "Incident in progress"
    detail: str | None  # the notice title, or "3 open notifications"
    path: str  # relative to the base URL
    title: str = ""  # the notice title that ``detail`` starts with

    @property
    def shown_title(self) -> str:
        """The title as the site banner shows it: at most BANNER_TITLE_MAX characters,
        so that on a phone the banner leaves the page's first screen to what is broken
        and since when (the notice's card and page, just below, show it whole)."""
        return shortened(self.title, BANNER_TITLE_MAX)

    @property
    def after_title(self) -> str:
        """The detail's words after the title (a window, "and 2 more notices"): the
        banner isolates the title from them, so a right-to-left title stays whole."""
        return (self.detail or "")[len(self.title):]


@dataclass(frozen=True)
class FeedLink:
    path: str
    type: str
    title: str
    label: str


@dataclass(frozen=True)
class Site:
    """Everything a producer needs to render: read-only."""

    config: Config
    snapshot: Snapshot
    notices: tuple[Notice, ...]
    markdown: MarkdownRenderer
    templates: Environment
    css_path: str
    feeds: tuple[FeedLink, ...] = field(default=())
    # The sha256 of each notice's file, by id: a page input standing for the whole notice.
    notice_digests: Mapping[str, str] = field(default_factory=dict)
    # What every templated page shows beyond its own inputs (settings, template overrides,
    # banner, feeds, stylesheet; ``now`` or the open notices only where templates read
    # them): the shared part of each page's declared inputs.
    chrome: str = ""
    fragments: Fragments = field(default_factory=NoFragments, compare=False, repr=False)
    inputs: str = ""  # digest of outpost.yaml, templates/ and the notices, for manifest.json

    @property
    def now(self) -> datetime:
        return self.snapshot.now

    @cached_property
    def histories(self) -> tuple[ComponentHistory, ...]:
        """Every component's status history at ``now`` (computed once per build)."""
        return histories_for(self.config, self.notices, self.now)

    @cached_property
    def zone_abbreviations(self) -> str:
        """The abbreviations of the site zone this year, as every page's footer names
        them ('CST/CDT'): read from 53 weeks, so once per build."""
        return times.zone_abbreviations(self.config.timezone, self.now.year)

    @cached_property
    def titles(self) -> dict[str, str]:
        """Every notice's title by id (bars and component pages name the day's notices)."""
        return {n.id: n.title for n in self.notices}

    @cached_property
    def bar_rows(self) -> dict[str, BarRow]:
        """Each component's daily bars and uptime over ``history_days``, by id."""
        return {c.id: bar_row(c, h, self.config.history_days, self.titles)
                for c, h in zip(self.config.components, self.histories, strict=True)}


NO_NOTICES = "No current open notifications"
INCIDENT_LABEL = "Incident in progress"
MAINTENANCE_LABEL = "Maintenance in progress"
SCHEDULED_LABEL = "Scheduled maintenance"
MORE_ONE = ", and 1 more notice"
MORE_MANY = ", and {n} more notices"


def notice_label(item: NoticeView, component: str | None = None) -> str:
    """The banner's word for one open notice: an incident's worst component status
    ("Major outage"), else "Incident in progress"; a maintenance's phase. ``component``:
    the status it gives that component (a component's banner speaks of it alone)."""
    notice = item.notice
    if notice.is_maintenance:
        return SCHEDULED_LABEL if item.is_upcoming else MAINTENANCE_LABEL
    named = notice.components if component is None else (component,)
    worst = max((notice.status_of(c) for c in named), key=lambda st: st.rank,
                default=ComponentStatus.OPERATIONAL)
    if worst in (ComponentStatus.OPERATIONAL, ComponentStatus.UNDER_MAINTENANCE):
        return INCIDENT_LABEL
    return worst.label


def notice_detail(item: NoticeView, zone: Any, now: datetime) -> str:
    """How the banner names a notice: its title, and a maintenance's window."""
    if not item.notice.is_maintenance:
        return item.notice.title
    same_year = item.started.astimezone(zone).year == now.astimezone(zone).year
    window = times.display_range(item.started, item.shown_end, zone, year=not same_year)
    return f"{item.notice.title}, {window}"


def banner_text(snapshot: Snapshot, zone: Any, component: str | None = None) -> BannerText:
    """The banner's words: the most important open notice (the most severe incident,
    else the maintenance in progress, else the next one), and how many more are open.
    ``component``: the banner of that component, labelled by its status."""
    state = snapshot.banner
    if state is Banner.NONE:
        return BannerText("none", NO_NOTICES, None, "")
    first = snapshot.open[0]
    detail = notice_detail(first, zone, snapshot.now)
    more = len(snapshot.open) - 1
    if more:
        detail += MORE_ONE if more == 1 else MORE_MANY.replace("{n}", str(more))
    # The link goes to the notice's card on the Open page: a page every build already
    # has, so a half-published mirror never links to a notice page not yet uploaded.
    return BannerText(state.value, notice_label(first, component), detail,
                      f"#notice-{first.notice.id}", first.notice.title)


@dataclass(frozen=True)
class Overall:
    """The one line at the top of the Open page (and in banner.json): the answer to
    "is it working?" in plain words, derived from the worst component status and the
    open notices. ``indicator`` uses Statuspage's words: none, minor, major, critical
    or maintenance."""

    indicator: str
    label: str  # "Partial outage"
    names: tuple[str, ...]  # the components (or the notice title) it names: ("Customer sites",)
    note: str | None  # "Scheduled maintenance Jan 9, 2027, 10:00 PM - ... CST"
    # The notice whose start (a maintenance's window) the line gives as since when: the
    # earliest in effect behind what it names; None when nothing is in effect.
    since: NoticeView | None = None

    @property
    def text(self) -> str:
        """The line as words: "Partial outage: Customer sites"."""
        if not self.names:
            return self.label
        return f"{self.label}: {name_list(list(self.names), names_shown(self.names))}"


_INDICATOR = {
    ComponentStatus.OPERATIONAL: "none",
    ComponentStatus.UNDER_MAINTENANCE: "maintenance",
    ComponentStatus.DEGRADED_PERFORMANCE: "minor",
    ComponentStatus.PARTIAL_OUTAGE: "major",
    ComponentStatus.MAJOR_OUTAGE: "critical",
}
_IMPACT_INDICATOR = {Impact.NONE: "minor", Impact.MINOR: "minor", Impact.MAJOR: "major",
                     Impact.CRITICAL: "critical"}
OVERALL_NAMES = 3  # components named in the line before "and N more"
# Characters of names the line shows, the length one name may have: three names that
# long took 13 lines of a 320 px phone and pushed "since when" off its first screen.
OVERALL_CHARS = 100


def names_shown(names: Sequence[str]) -> int:
    """How many of ``names`` the overall line names before "and N more": at most three,
    while they take at most OVERALL_CHARS characters (the first always)."""
    shown, length = 0, 0
    for name in names[:OVERALL_NAMES]:
        length += len(name)
        if shown and length > OVERALL_CHARS:
            break
        shown += 1
    return shown


def name_list(names: list[str], limit: int = OVERALL_NAMES) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, C and 2 more'."""
    if len(names) > limit:
        return f"{', '.join(names[:limit])} and {len(names) - limit} more"
    if len(names) > 1:
        return f"{', '.join(names[:-1])} and {names[-1]}"
    return names[0] if names else ""


def first_behind(open_views: Iterable[NoticeView], component_ids: Container[str],
                 status: ComponentStatus) -> NoticeView | None:
    """Since when components have had a status: the first notice in effect giving one of
    them that status (open notices are ranked by impact, then by their latest update),
    a maintenance begun early by when it began, not by its window."""
    return min((v for v in open_views if not v.is_upcoming and any(
        c in component_ids and v.notice.status_of(c) is status
        for c in v.notice.components)), key=lambda v: began_early(v) or v.started,
        default=None)


def shown_start(item: NoticeView) -> datetime:
    """Where the range a page shows for a notice begins: a maintenance begun early and
    done in or after its window, when it began, as its timeline, the bars and the API
    have it (from the window's start, the range read as neither the planned window nor
    when the work ran). An open one says since when apart (since_range), and one done
    before its window shows the planned window whole."""
    early = began_early(item)
    if early is None or item.is_open or item.shown_end != item.ended:
        return item.started
    return early


def overall_status(snapshot: Snapshot, zone: Any, component: bool = False) -> Overall:
    """The overall line for a snapshot: a whole site, or (``component``) one component's
    scope, whose snapshot holds that component alone and says just its status."""
    worst = max((state.status for state in snapshot.components),
                key=lambda status: status.rank, default=ComponentStatus.OPERATIONAL)
    incidents = [v for v in snapshot.open if v.notice.type is NoticeType.INCIDENT]
    running = [v for v in snapshot.open if v.notice.is_maintenance and not v.is_upcoming]
    upcoming = [v for v in snapshot.open if v.is_upcoming]
    note = None
    if upcoming:
        first = min(upcoming, key=lambda v: v.started)
        same_year = first.started.astimezone(zone).year == snapshot.now.astimezone(zone).year
        note = "Scheduled maintenance " + times.display_range(
            first.started, first.shown_end, zone, year=not same_year)
    if component and snapshot.components:
        return Overall(_INDICATOR[worst], worst.label, (), note)
    names = tuple(s.component.name for s in snapshot.components if s.status is worst)
    since = first_behind(snapshot.open, {s.component.id for s in snapshot.components
                                         if s.status is worst}, worst)
    if worst not in (ComponentStatus.OPERATIONAL, ComponentStatus.UNDER_MAINTENANCE):
        return Overall(_INDICATOR[worst], worst.label, names, note, since)
    if incidents:
        return Overall(_IMPACT_INDICATOR[incidents[0].notice.impact], INCIDENT_LABEL,
                       (incidents[0].notice.title,), note, incidents[0])
    if worst is ComponentStatus.UNDER_MAINTENANCE:
        # A maintenance's window is its own components' alone: under another's names
        # it read as when they come back ("Web, Email and Grade book" over a migration's
        # three months, the grade book's two hours). The cards below give each window.
        named = {s.component.id for s in snapshot.components if s.status is worst}
        covers = since is not None and named <= {
            c for c in since.notice.components if since.notice.status_of(c) is worst}
        return Overall(_INDICATOR[worst], worst.label, names, note, since if covers else None)
    if running:
        return Overall("maintenance", MAINTENANCE_LABEL, (running[0].notice.title,),
                       note, running[0])
    return Overall("none", "All systems operational", (), note)


def template_environment(root: Path | None,
                         compiled: BytecodeCache | None = None) -> Environment:
    """User templates in root/templates override the built-in ones by name.
    ``compiled`` keeps compiled templates across processes (generator/cache.py)."""
    loaders: list[Any] = []
    if root is not None and (overrides := override_folder(root)) is not None:
        loaders.append(_TemplateFolder(str(overrides)))
    loaders.append(FileSystemLoader(str(BUILTIN_TEMPLATES)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per build: templates don't change mid-build
        bytecode_cache=compiled,
    )
    return env


def _install_filters(env: Environment, config: Config, markdown: MarkdownRenderer) -> None:
    zone = config.timezone
    # Every time a reader sees carries its zone abbreviation.
    env.filters["when"] = lambda moment: times.display_with_zone(moment, zone)
    env.filters["when_zone"] = lambda moment: times.display_with_zone(moment, zone)
    env.filters["clock"] = lambda moment: times.clock(moment, zone)
    env.filters["iso"] = lambda moment: times.iso(moment, zone)
    # Kept for templates copied before 'anchors': not unique when updates share a minute.
    env.filters["stamp"] = times.utc_stamp
    env.filters["span"] = lambda item: _unbroken(
        times.display_range(shown_start(item), item.shown_end, zone))
    env.filters["shown_start"] = shown_start
    env.filters["began_early"] = began_early
    env.filters["md"] = lambda text, top=None: Markup(focusable_tables(markdown(text, top)))
    # Text written for a notice page, shown on another (its latest update on the Open
    # page): its relative links ('../', '#update-...') resolved as they would be there.
    env.filters["links_from"] = lambda html, page: Markup(absolute_links(str(html), page))
    env.filters["affected"] = lambda item: affected(item, config)
    env.filters["by_month"] = lambda items: by_month(items, zone)
    env.filters["unbroken"] = _unbroken
    # Outpost's own words are English whatever the notices' language: on a site in
    # another, its templates mark them so, and the site's text within them as its own.
    ui_lang, text_lang = part_languages(config.language)
    env.globals["ui_lang"], env.globals["text_lang"] = ui_lang, text_lang
    env.filters["isolated"] = partial(_isolated, lang=text_lang)
    # A phrase of the site's own inside Outpost's words ('ask {{ alerts_contact }}').
    env.filters["site_text"] = lambda text: (Markup("<span%s>%s</span>") % (text_lang, text)
                                             if text_lang else text)
    env.filters["uptime"] = uptime_text
    env.filters["host"] = lambda url: (urlsplit(url).netloc + urlsplit(url).path).rstrip("/")
    env.filters["case_url"] = lambda notice: case_url(config.submit_case_url, notice.id,
                                                      notice.title)
    # What a portal owner pastes to embed the banner, for this site's address.
    env.globals["embed_loader"] = loader_script(config.base_url, config.mirrors)
    env.globals["embed_policy"] = loader_policy(config.base_url, config.mirrors)


def affected(item: NoticeView, config: Config
             ) -> list[tuple[str, ComponentStatus | None]]:
    """The components a notice lists, by name, each with the status the notice gives it
    while in effect (an open incident, a maintenance in progress), else None: a
    resolved or upcoming notice shows no active-looking severity."""
    in_effect = item.is_open and not item.is_upcoming
    rows = []
    for component_id in item.notice.components:
        component = config.component(component_id)
        name = component.name if component else component_id
        rows.append((name, item.notice.status_of(component_id) if in_effect else None))
    return rows


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")


def by_month(items: Iterable[NoticeView], zone: Any) -> list[tuple[str, list[NoticeView]]]:
    """Closed notices under month headings ("November 2026"), by when each ended, in
    the order given (most recent first)."""
    months: dict[str, list[NoticeView]] = {}
    for item in items:
        local = (item.ended or item.updated).astimezone(zone)
        months.setdefault(f"{_MONTH_NAMES[local.month - 1]} {local.year}", []).append(item)
    return list(months.items())


def _isolated(names: tuple[str, ...], lang: Markup) -> Markup:
    """``name_list`` of names each in a <bdi> (with ``lang``), so right-to-left names
    listed in an English sentence keep its order rather than merge into one run."""
    return Markup(name_list([isolated(name, lang) for name in names], names_shown(names)))


def _unbroken(text: str) -> str:
    """A range whose dash never starts a line: a no-break space before it."""
    return text.replace(f" {times.DASH} ", f"\u00a0{times.DASH} ")


def stylesheet() -> tuple[str, bytes]:
    """The content-hashed stylesheet path and its bytes."""
    css = (STATIC / "outpost.css").read_bytes()
    digest = hashlib.sha256(css).hexdigest()[:10]
    return f"assets/outpost.{digest}.css", css


def make_site(config: Config, snapshot: Snapshot, notices: Iterable[Notice],
              root: Path | None, feeds: tuple[FeedLink, ...] = (),
              compiled: BytecodeCache | None = None,
              notice_digests: Mapping[str, str] | None = None,
              fragments: Fragments | None = None) -> Site:
    markdown = MarkdownRenderer()
    env = template_environment(root, compiled)
    _install_filters(env, config, markdown)
    css_path, _ = stylesheet()
    site = Site(config, snapshot, tuple(notices), markdown, env, css_path, feeds,
                notice_digests=notice_digests or {}, fragments=fragments or NoFragments())
    return replace(site, chrome=chrome(site, root))


# Pages other than the Open page are kept between builds. If a template they use reads
# ``now`` or the open notices (the built-in ones don't: only the Open page shows them),
# those become inputs of every kept page; so do the features' settings (publish:,
# notify:, in ``config.extras``), which no built-in page shows.
_USES_NOW = re.compile(r"\bnow\b")
_USES_SNAPSHOT = re.compile(r"\bsnapshot\.(?!banner\b)")
_USES_EXTRAS = re.compile(r"\bextras?\b")  # config.extras, config.extra('notify')
_UNKEPT_TEMPLATES = {"open.html"}
# What a template's lexer yields that is no code: its comments and the text of the page.
_NOT_CODE = frozenset({"comment", "linecomment", "data"})
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def _reads_site_state(text: str) -> bool:
    return bool(_USES_NOW.search(text) or _USES_SNAPSHOT.search(text)
                or _USES_EXTRAS.search(text))


def _template_code(lexer: Environment, text: str, built_in: bool = False) -> str:
    """The code of a template's tags, as far as it may read ``now`` or the snapshot:
    its comments and page text left out, as words there read nothing (a comment's
    "status now" made the build time an input of every kept page). A template that
    does not lex is given whole: it cannot render anyway. A built-in one whose words
    are all in comments is not lexed (lexing took 2 % of a rebuild): none of them
    holds a comment's opening inside a tag's string (tests/test_declared_inputs.py)."""
    if not _reads_site_state(text) or (
            built_in and not _reads_site_state(_JINJA_COMMENT.sub("", text))):
        return ""
    try:
        return "".join(value for _, kind, value in lexer.lex(text) if kind not in _NOT_CODE)
    except TemplateSyntaxError:
        return text


def _template_sources(root: Path | None, lexer: Environment) -> tuple[str, str]:
    """A digest of every override file in root/templates, and the code of the templates
    kept pages may use (overrides and built-in ones; see _template_code)."""
    digest = hashlib.sha256()
    texts: list[str] = []
    overrides = override_folder(root) if root is not None else None
    for folder in (overrides, Path(str(BUILTIN_TEMPLATES))):
        if folder is None:
            continue
        for path in files_under(folder, folder.parent):  # through links, as Jinja reads
            data = regular_bytes(path)
            if data is None:  # gone since it was listed: the build names it, if needed
                continue
            if folder is overrides:
                digest.update(os.fsencode(path.relative_to(folder).as_posix()) + b"\0" + data)
            if path.suffix == ".html" and path.name not in _UNKEPT_TEMPLATES:
                texts.append(_template_code(lexer, data.decode("utf-8", errors="replace"),
                                            built_in=folder is not overrides))
    return digest.hexdigest(), "\n".join(texts)


def chrome(site: Site, root: Path | None) -> str:
    """The digest of what every kept page shares (see ``Site.chrome``)."""
    overrides, sources = _template_sources(root, site.templates)
    snapshot = site.snapshot
    # A setting of publish: or notify: changes no page unless a template reads it: it
    # re-rendered every page (a contact added: 9 s at 10,000 notices).
    config = site.config if _USES_EXTRAS.search(sources) else replace(site.config, extras=())
    parts: list[Any] = [repr(config), overrides, site.css_path, repr(site.feeds),
                        snapshot.banner.value, repr(banner_text(snapshot, site.config.timezone)),
                        site.now.year]
    if _USES_NOW.search(sources):
        parts.append(site.now.isoformat())
    if _USES_SNAPSHOT.search(sources):
        parts.append(repr([(v.notice.id, len(v.updates), v.status) for v in snapshot.open]))
        parts.append(repr(snapshot.components))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


class TemplateFailed(LocatedError):
    """A template (usually an override in the repo's templates/) could not render:
    ``templates/notice.html:3: message``."""


_TOP_LEVEL = "top-level template code"  # Jinja's name for a template's own frame


def _template_frames(exc: BaseException) -> list[tuple[str, int, str]]:
    """(file, line, Jinja's name for the code) of each template frame in ``exc``'s
    traceback, outermost first."""
    frames = []
    trace = exc.__traceback__
    while trace is not None:
        code = trace.tb_frame.f_code
        if code.co_filename.endswith(".html"):
            frames.append((code.co_filename, trace.tb_lineno, code.co_name))
        trace = trace.tb_next
    return frames


def _built_in(filename: str) -> bool:
    """Whether a template's file is one of the package's (their names are absolute
    paths; the repository's overrides are named relative to it, see _TemplateFolder)."""
    folder = os.path.abspath(str(BUILTIN_TEMPLATES))
    return os.path.isabs(filename) and filename.startswith(folder + os.sep)


def _template_failure(exc: Exception, template: str) -> TemplateFailed | None:
    """The message for ``exc``, raised while rendering ``template``: its innermost
    template's file and line (for an error that is not a TemplateError, the innermost
    override's). None for such an error where no override ran: a bug, not the site's
    doing."""
    where, line = template, getattr(exc, "lineno", None)
    frames = _template_frames(exc)
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        where = exc.filename
    elif frames:
        where, line, _ = frames[-1]
    if isinstance(exc, TemplateError):
        # A missing one's message is its bare name; a list of names says it already.
        message = (f"no template '{exc.name}', neither in {TEMPLATE_OVERRIDES}/ nor built in"
                   if type(exc) is TemplateNotFound else exc.message or type(exc).__name__)
        return TemplateFailed(f"{where}{f':{line}' if line else ''}: {message}")
    own = [frame for frame in frames if not _built_in(frame[0])]
    if not own:  # only the package's templates ran: a bug, not the site's doing
        return None
    if _built_in(where):  # a built-in macro or block failed on what an override gave it
        where, line, _ = own[-1]
    if isinstance(exc, RecursionError):
        innermost = frames[-50:]
        names = {name for _, _, name in innermost}
        # Only templates' own code and blocks, no macro: templates that extend, include or
        # import each other in a cycle (a block is where an extending one's include runs).
        # Blocks alone are a block calling itself ({{ self.content() }} inside it).
        if _TOP_LEVEL in names and all(name == _TOP_LEVEL or name.startswith("block ")
                                       for name in names):
            # The templates of the cycle, in the order the rendering entered them, from
            # the first override: the line's start names a file the repository has.
            cycle = {file for file, _, _ in innermost}
            files = [file for file in dict.fromkeys(f for f, _, _ in frames) if file in cycle]
            first = next((i for i, file in enumerate(files) if not _built_in(file)), 0)
            files = files[first:] + files[:first]
            entered = next(line for file, line, _ in frames if file == files[0])
            shown = [f"the built-in {os.path.basename(file)}" if _built_in(file) else file
                     for file in files]
            through = f" (through {', '.join(shown[1:])})" if len(files) > 1 else ""
            return TemplateFailed(f"{shown[0]}:{entered}: extends, includes or imports "
                                  f"itself{through}")
        what = "a block" if all(name.startswith("block ") for name in names) else "a macro"
        return TemplateFailed(f"{where}:{line}: {what} calls itself without end")
    detail = f"{exc} ({type(exc).__name__})" if str(exc) else type(exc).__name__
    return TemplateFailed(f"{where}:{line}: {detail}")


def template_text(site: Site, template: str, **context: Any) -> str:
    """``template`` rendered with ``context`` alone (the embeds' banner); a failing one,
    usually an override in the repo's templates/, is a TemplateFailed naming its file
    and line."""
    try:
        return site.templates.get_template(template).render(**context)
    except OutpostError:
        raise
    except Exception as exc:
        failure = _template_failure(exc, template)
        if failure is None:
            raise
        raise failure from None


class _TemplateFolder(FileSystemLoader):
    """The repository's templates/ folder. Its templates are named as the repository
    has them (templates/notice.html), as problems with notices are, wherever the
    repository lies: that name is what errors show. A file that is not UTF-8 is a
    TemplateFailed naming its first such byte's line, and so is one nesting deeper
    than Jinja's parser or Python's compiler go, naming the file."""

    def load(self, environment: Environment, name: str,
             globals: MutableMapping[str, Any] | None = None) -> Template:
        try:
            return super().load(environment, name, globals)
        except (RecursionError, SyntaxError):  # Jinja's own syntax errors are no SyntaxError
            shown = f"{TEMPLATE_OVERRIDES}/{shown_name('/'.join(split_template_path(name)))}"
            raise TemplateFailed(f"{shown}: {TOO_DEEP}") from None

    def get_source(self, environment: Environment, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        shown = f"{TEMPLATE_OVERRIDES}/{shown_name('/'.join(split_template_path(template)))}"
        try:
            source, _, uptodate = super().get_source(environment, template)
            return source, shown, uptodate
        except UnicodeDecodeError:
            for folder in self.searchpath:
                path = os.path.join(folder, *split_template_path(template))
                if os.path.isfile(path):
                    raw = Path(path).read_bytes()
                    try:
                        raw.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        line = byte_line(raw, exc.start)
                        raise TemplateFailed(
                            f"{shown}:{line}: not valid UTF-8 (byte "
                            f"0x{raw[exc.start]:02x}): save it as UTF-8") from None
            raise


def page_html(site: Site, template: str, root: str, tab: str, **context: Any) -> bytes:
    """A templated page of the site (for producers outside this module)."""
    return _page(site, template, root, tab, **context)


def _page(site: Site, template: str, root: str, tab: str, **context: Any) -> bytes:
    """A page: ``template`` with what every page's chrome reads, and ``context``."""
    context.setdefault("updated", None)  # the footer's "Updated" time: the Open page's now
    context.setdefault("case_url", case_url(site.config.submit_case_url))  # no notice
    context.setdefault("feeds", site.feeds)  # a component's pages put its own first
    context.setdefault("tab_page", False)  # True on the Open and Closed pages themselves
    context.setdefault("bars_script", None)  # on the pages with bars
    return template_text(
        site, template,
        config=site.config,
        snapshot=site.snapshot,
        now=site.now,
        root=root,
        css=site.css_path,
        tab=tab,
        banner_text=banner_text(site.snapshot, site.config.timezone),
        zone_name=times.zone_name(site.config.timezone),
        zone_abbrevs=site.zone_abbreviations,
        **context,
    ).encode("utf-8")


def _component_groups(states: Iterable[ComponentState]
                      ) -> list[tuple[str | None, list[ComponentState]]]:
    """Components by group, in the order of outpost.yaml; those without a group first,
    as after a group's heading they would read as its members."""
    groups: dict[str | None, list[ComponentState]] = {None: []}
    for state in states:
        groups.setdefault(state.component.group, []).append(state)
    return [(group, members) for group, members in groups.items() if members]


def group_statuses(states: Iterable[ComponentState]) -> dict[str, ComponentStatus]:
    """Each group's worst component status, which Statuspage shows on a group's row
    (and the API's group row has)."""
    worst: dict[str, ComponentStatus] = {}
    for state in states:
        group = state.component.group
        if group is not None and (group not in worst or state.status.rank > worst[group].rank):
            worst[group] = state.status
    return worst


def recent_history(snapshot: Snapshot, zone: Any, days: int
                   ) -> list[tuple[str, list[NoticeView]]]:
    """The last ``days`` days in the site zone, today first, as (heading, notices that
    started that day, newest first): an incident by its first update, a maintenance
    by its window, or the In progress (or Verifying) update that began it early.
    Quiet days are listed with no notices; upcoming maintenance is not history."""
    today = snapshot.now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    by_day: dict[date, list[tuple[datetime, NoticeView]]] = {}
    # Started before this, a notice started before the first day in any zone (two
    # days' margin for the zone's offset and its clock changes): no conversion.
    long_before = snapshot.now - timedelta(days=days + 2)
    for item in (*snapshot.open, *snapshot.closed):
        if item.is_upcoming or item.started < long_before:
            continue
        # Begun early, it is in progress (and on the day's bar) before its window.
        began = (went_under(item) if item.notice.is_maintenance else None) or item.started
        if began > snapshot.now:
            continue
        day = began.astimezone(zone).date()
        if first <= day <= today:
            by_day.setdefault(day, []).append((began, item))
    result = []
    for offset in range(days):
        day = today - timedelta(days=offset)
        items = [item for _, item in sorted(by_day.get(day, []),
                                            key=lambda b: (-b[0].timestamp(), b[1].notice.id))]
        result.append((day_label(day), items))
    return result


def timeline(item: NoticeView, now: datetime, anchors: list[str]
             ) -> list[tuple[Update, str]]:
    """A notice page's timeline, newest first: each update with its HTML id (``anchors``,
    update_anchors of ``item.updates``). A maintenance's window edges that no update
    announced come as the API lists them (the automatic In progress and Completed),
    each anchored at its time, which no update shares (one there would have announced
    it). Each update carries the status its word stands for, as the API lists it
    (a Scheduled posted once the window opened reads In progress)."""
    notice = item.notice
    if not notice.is_maintenance:
        return list(zip(item.updates, anchors, strict=True))
    by_update = {id(update): anchor
                 for update, anchor in zip(item.updates, anchors, strict=True)}
    return [(replace(update, status=standing_status(notice, update)),
             by_update.get(id(update)) or f"update-{update_stamp(update.at)}")
            for update in timeline_updates(item, now)]


def closed_by_year(closed: Iterable[NoticeView], zone: Any) -> dict[int, list[NoticeView]]:
    """Closed notices by the year each ended in the site zone, in the order given."""
    years: dict[int, list[NoticeView]] = {}
    for item in closed:
        years.setdefault(times.local_year(item.ended or item.updated, zone), []).append(item)
    return years


def _notice_page(site: Site, item: NoticeView, names: Mapping[str, str]) -> bytes:
    """notices/<id>/index.html."""
    anchors = update_anchors(item.updates)
    notice = item.notice
    # An open notice's page says when it was built, as the Open page does: a contact
    # sent here by an email must see that "Investigating" is not hours old.
    built = ({"updated": site.now, "staleness_script": Markup(STALENESS_SCRIPT)}
             if item.is_open else {})
    return _page(site, "notice.html", "../../", "open" if item.is_open else "closed",
                 item=item, affected=[names.get(c, c) for c in notice.components],
                 anchors=anchors, timeline=timeline(item, site.now, anchors),
                 case_url=case_url(site.config.submit_case_url, notice.id, notice.title),
                 **built)


def render_pages(site: Site) -> dict[str, bytes | Page]:
    """index.html, closed pages, one page per visible notice, and 404.html."""
    config, snapshot = site.config, site.snapshot
    files: dict[str, bytes | Page] = {}
    css_path, css = stylesheet()
    files[css_path] = css
    files["index.html"] = _page(site, "open.html", "./", "open", tab_page=True, updated=site.now,
                                staleness_script=Markup(STALENESS_SCRIPT),
                                bars_script=Markup(BARS_SCRIPT),
                                overall=overall_status(snapshot, config.timezone),
                                component_groups=_component_groups(snapshot.components),
                                group_statuses=group_statuses(snapshot.components),
                                bar_rows=site.bar_rows, legend_items=LEGEND,
                                recent=recent_history(snapshot, config.timezone,
                                                      config.recent_days),
                                latest_updates={item.notice.id:
                                                timeline_updates(item, site.now)[0]
                                                for item in snapshot.open})
    by_year = closed_by_year(snapshot.closed, config.timezone)
    year_counts = [(year, len(items)) for year, items in sorted(by_year.items(), reverse=True)]
    show_years = year_counts if len(snapshot.closed) > config.closed_recent else []
    recent = snapshot.closed[: config.closed_recent]
    files["closed/index.html"] = Page(
        (site.chrome, recent, show_years), lambda: _page(
            site, "closed.html", "../", "closed", tab_page=True, heading="Closed Notifications",
            items=recent, years=show_years, current_year=None))
    if show_years:
        for year, items in by_year.items():
            files[f"closed/{year}/index.html"] = Page(
                (site.chrome, items, year_counts),
                lambda year=year, items=items: _page(  # type: ignore[misc]
                    site, "closed.html", "../../", "closed",
                    heading=f"Closed Notifications: {year}", items=items,
                    years=year_counts, current_year=year))
    names = {c.id: c.name for c in config.components}
    for item in (*snapshot.open, *snapshot.closed):
        # An open notice's page shows the build time: it changes with every build.
        files[f"notices/{item.notice.id}/index.html"] = Page(
            (site.chrome, item, site.now) if item.is_open else (site.chrome, item),
            partial(_notice_page, site, item, names))
    files["subscribe/index.html"] = Page(
        (site.chrome,), lambda: _page(site, "subscribe.html", "../", ""))
    files["404.html"] = Page((site.chrome,), lambda: _page(site, "404.html", config.base_path, ""))
    return files

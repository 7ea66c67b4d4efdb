"""Pages to {path: bytes}. Pure: everything comes in as arguments."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)
from markupsafe import Markup

from generator.core import times
from generator.core.errors import OutpostError
from generator.core.model import Config, Notice, update_anchors
from generator.core.timeline import Banner, ComponentState, NoticeView, Snapshot
from generator.render.markup import MarkdownRenderer
from generator.render.produced import Fragments, NoFragments, Page

BUILTIN_TEMPLATES = resources.files("generator.render") / "templates"
STATIC = resources.files("generator.render") / "static"
TEMPLATE_OVERRIDES = "templates"


@dataclass(frozen=True)
class BannerText:
    state: str  # incident | maintenance | none
    label: str  # "Incident in progress"
    detail: str | None  # the notice title, or "3 open notifications"
    path: str  # relative to the base URL


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


def banner_text(snapshot: Snapshot) -> BannerText:
    """The banner's words: the state, and the most important open notice."""
    state = snapshot.banner
    if state is Banner.NONE:
        return BannerText("none", "No current open notifications", None, "")
    if state is Banner.INCIDENT:
        label = "Incident in progress"
    elif any(not v.is_upcoming for v in snapshot.open):
        label = "Maintenance in progress"
    else:
        label = "Scheduled maintenance"
    if len(snapshot.open) == 1:
        only = snapshot.open[0].notice
        return BannerText(state.value, label, only.title, f"notices/{only.id}/")
    return BannerText(state.value, label, f"{len(snapshot.open)} open notifications", "")


def template_environment(root: Path | None,
                         compiled: BytecodeCache | None = None) -> Environment:
    """User templates in root/templates override the built-in ones by name.
    ``compiled`` keeps compiled templates across processes (generator/cache.py)."""
    loaders: list[Any] = []
    if root is not None and (root / TEMPLATE_OVERRIDES).is_dir():
        loaders.append(FileSystemLoader(str(root / TEMPLATE_OVERRIDES)))
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
    env.filters["when"] = lambda moment: times.display(moment, zone)
    env.filters["when_zone"] = lambda moment: times.display_with_zone(moment, zone)
    env.filters["iso"] = lambda moment: times.iso(moment, zone)
    # Kept for templates copied before 'anchors': not unique when updates share a minute.
    env.filters["stamp"] = times.utc_stamp
    env.filters["span"] = lambda item: times.display_range(item.started, item.shown_end, zone)
    env.filters["md"] = lambda text: Markup(markdown(text))


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
# those become inputs of every kept page.
_USES_NOW = re.compile(r"\bnow\b")
_USES_SNAPSHOT = re.compile(r"\bsnapshot\.(?!banner\b)")
_UNKEPT_TEMPLATES = {"open.html"}


def _template_sources(root: Path | None) -> tuple[str, str]:
    """A digest of every override file in root/templates, and the text of the templates
    kept pages may use (overrides and built-in ones)."""
    digest = hashlib.sha256()
    texts: list[str] = []
    overrides = root / TEMPLATE_OVERRIDES if root is not None else None
    for folder in (overrides, Path(str(BUILTIN_TEMPLATES))):
        if folder is None or not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            data = path.read_bytes()
            if folder is overrides:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + data)
            if path.suffix == ".html" and path.name not in _UNKEPT_TEMPLATES:
                texts.append(data.decode("utf-8", errors="replace"))
    return digest.hexdigest(), "\n".join(texts)


def chrome(site: Site, root: Path | None) -> str:
    """The digest of what every kept page shares (see ``Site.chrome``)."""
    overrides, sources = _template_sources(root)
    snapshot = site.snapshot
    parts: list[Any] = [repr(site.config), overrides, site.css_path, repr(site.feeds),
                        snapshot.banner.value, repr(banner_text(snapshot)), site.now.year]
    if _USES_NOW.search(sources):
        parts.append(site.now.isoformat())
    if _USES_SNAPSHOT.search(sources):
        parts.append(repr([(v.notice.id, len(v.updates), v.status) for v in snapshot.open]))
        parts.append(repr(snapshot.components))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _zone_abbreviations(config: Config, now: datetime) -> str:
    zone = config.timezone
    names = {times.abbreviation(now.replace(month=month, day=1), zone) for month in (1, 7)}
    return "/".join(sorted(names, reverse=True))


class TemplateFailed(OutpostError):
    """A template (usually an override in the repo's templates/) could not render."""


def _template_failure(exc: TemplateError, template: str) -> TemplateFailed:
    where, line = template, getattr(exc, "lineno", None)
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        where = exc.filename
    else:
        trace = exc.__traceback__
        while trace is not None:  # the innermost frame that is a template
            if trace.tb_frame.f_code.co_filename.endswith(".html"):
                where, line = trace.tb_frame.f_code.co_filename, trace.tb_lineno
            trace = trace.tb_next
    return TemplateFailed(f"template {where}{f':{line}' if line else ''}: "
                          f"{exc.message or type(exc).__name__}")


def _page(site: Site, template: str, root: str, tab: str, **context: Any) -> bytes:
    try:
        return _render(site, template, root, tab, **context)
    except TemplateError as exc:
        raise _template_failure(exc, template) from None


def _render(site: Site, template: str, root: str, tab: str, **context: Any) -> bytes:
    context.setdefault("updated", None)  # the footer's "Updated" time: the Open page's now
    html = site.templates.get_template(template).render(
        config=site.config,
        snapshot=site.snapshot,
        now=site.now,
        root=root,
        css=site.css_path,
        tab=tab,
        feeds=site.feeds,
        banner_text=banner_text(site.snapshot),
        zone_name=site.config.timezone.key,
        zone_abbrevs=_zone_abbreviations(site.config, site.now),
        **context,
    )
    return html.encode("utf-8")


def _component_groups(states: Iterable[ComponentState]
                      ) -> list[tuple[str | None, list[ComponentState]]]:
    groups: dict[str | None, list[ComponentState]] = {}
    for state in states:
        groups.setdefault(state.component.group, []).append(state)
    return list(groups.items())


def _years(closed: Iterable[NoticeView], zone: Any) -> dict[int, list[NoticeView]]:
    years: dict[int, list[NoticeView]] = {}
    for item in closed:
        years.setdefault((item.ended or item.updated).astimezone(zone).year, []).append(item)
    return years


def render_pages(site: Site) -> dict[str, bytes | Page]:
    """index.html, closed pages, one page per visible notice, and 404.html."""
    config, snapshot = site.config, site.snapshot
    files: dict[str, bytes | Page] = {}
    css_path, css = stylesheet()
    files[css_path] = css
    files["index.html"] = _page(site, "open.html", "./", "open", updated=site.now,
                                component_groups=_component_groups(snapshot.components))
    by_year = _years(snapshot.closed, config.timezone)
    year_counts = [(year, len(items)) for year, items in sorted(by_year.items(), reverse=True)]
    show_years = year_counts if len(snapshot.closed) > config.closed_recent else []
    recent = snapshot.closed[: config.closed_recent]
    files["closed/index.html"] = Page(
        (site.chrome, recent, show_years), lambda: _page(
            site, "closed.html", "../", "closed", heading="Closed Notifications",
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
        files[f"notices/{item.notice.id}/index.html"] = Page(
            (site.chrome, item), lambda item=item: _page(  # type: ignore[misc]
                site, "notice.html", "../../", "open" if item.is_open else "closed",
                item=item, affected=[names.get(c, c) for c in item.notice.components],
                anchors=update_anchors(item.updates)))
    files["404.html"] = _page(site, "404.html", config.base_path, "")
    return files

"""Pages to {path: bytes}. Pure: everything comes in as arguments."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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

from generator.config.settings import Config
from generator.core import times
from generator.core.errors import OutpostError
from generator.core.model import Notice
from generator.core.timeline import Banner, ComponentState, NoticeView, Snapshot
from generator.render.markup import MarkdownRenderer

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
class NoticePart:
    """A memo input that stands for a notice's whole file (the page cache adds the
    file's digest) plus a detail, such as which update a feed item shows."""

    notice_id: str
    detail: str


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
    # memo(path, inputs, render) -> bytes: the page cache of incremental builds
    # (generator/cache.py). ``inputs`` must list everything the page shows beyond the
    # chrome every page shares (settings, templates, banner, feeds); ``now`` is not an
    # input of cached pages: only the Open page shows it.
    memo: Callable[[str, tuple[Any, ...], Callable[[], bytes]], bytes] = field(
        default=lambda path, inputs, render: render(), compare=False, repr=False)

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
              compiled: BytecodeCache | None = None) -> Site:
    markdown = MarkdownRenderer()
    env = template_environment(root, compiled)
    _install_filters(env, config, markdown)
    css_path, _ = stylesheet()
    return Site(config, snapshot, tuple(notices), markdown, env, css_path, feeds)


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


def render_pages(site: Site) -> dict[str, bytes]:
    """index.html, closed pages, one page per visible notice, and 404.html."""
    config, snapshot = site.config, site.snapshot
    files: dict[str, bytes] = {}
    css_path, css = stylesheet()
    files[css_path] = css
    files["index.html"] = _page(site, "open.html", "./", "open", updated=site.now,
                                component_groups=_component_groups(snapshot.components))
    by_year = _years(snapshot.closed, config.timezone)
    year_counts = [(year, len(items)) for year, items in sorted(by_year.items(), reverse=True)]
    show_years = year_counts if len(snapshot.closed) > config.closed_recent else []
    recent = snapshot.closed[: config.closed_recent]
    files["closed/index.html"] = site.memo(
        "closed/index.html", (recent, show_years), lambda: _page(
            site, "closed.html", "../", "closed", heading="Closed Notifications",
            items=recent, years=show_years, current_year=None))
    if show_years:
        for year, items in by_year.items():
            files[f"closed/{year}/index.html"] = site.memo(
                f"closed/{year}/index.html", (items, year_counts),
                lambda year=year, items=items: _page(  # type: ignore[misc]
                    site, "closed.html", "../../", "closed",
                    heading=f"Closed Notifications: {year}", items=items,
                    years=year_counts, current_year=year))
    names = {c.id: c.name for c in config.components}
    for item in (*snapshot.open, *snapshot.closed):
        path = f"notices/{item.notice.id}/index.html"
        files[path] = site.memo(path, (item,), lambda item=item: _page(  # type: ignore[misc]
            site, "notice.html", "../../", "open" if item.is_open else "closed", item=item,
            affected=[names.get(c, c) for c in item.notice.components]))
    files["404.html"] = _page(site, "404.html", config.base_path, "")
    return files

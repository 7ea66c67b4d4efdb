"""Banners other portals embed: fragment, JSON, script, iframe page and badges.

Outputs (paths relative to base_url; public contracts documented in the README's
"Embed the banner")::

    banner.html  banner.json  embed.js  embed/banner.html  badge.svg
    components/<id>/banner.html  components/<id>/banner.json  components/<id>/badge.svg

The wording comes from render.banner_text so the site banner and every embed agree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

from generator.core import times
from generator.core.model import Component, Config, NoticeType
from generator.core.textcut import ELLIPSIS, cut
from generator.core.timeline import NoticeView, Snapshot
from generator.render import pages
from generator.render.badges import badge_svg
from generator.render.markup import part_languages, words_language
from generator.render.pages import Site, banner_text, overall_status, template_text
from generator.render.snippets import BANNER_HEIGHT, COLOURS, EMBED_CSS

JSON_VERSION = 1
# Characters of the title shown in the fragment: as many as the site banner shows.
FRAGMENT_TITLE_MAX = pages.BANNER_TITLE_MAX
FRAGMENT_MAX = 1536  # bytes of banner.html, its final newline included (README: 1.5 KB)
# 16x16 stroke icons: a warning triangle, a clock, a check in a circle.
_RING = "M1.5 8a6.5 6.5 0 1 0 13 0 6.5 6.5 0 1 0-13 0z"
ICONS = {
    "incident": "M8 1.5 15 14H1zM8 6v4m0 1.5v1.2",
    "maintenance": _RING + "M8 4v4l3 2",
    "none": _RING + "M5 8.2l2 2 4-4",
}
EMBED_JS = resources.files("generator.render") / "static" / "embed.js"


@dataclass(frozen=True)
class Scope:
    """The whole site, or one component: where its files go and what it shows."""

    prefix: str  # "" or "components/<id>/"
    component: Component | None
    snapshot: Snapshot

    @property
    def component_id(self) -> str | None:
        return self.component.id if self.component else None


def _utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return times.utc_iso(moment)


def client_texts() -> dict[str, str]:
    """The banner's words, the same constants render.banner_text uses, so embed.js
    words a state it computes at view time exactly as the site does. ``more`` and
    ``one`` follow the most important notice's title when several are open; ``count``
    is kept for clients of the first version of this format."""
    return {
        "incident": pages.INCIDENT_LABEL,
        "maintenance": pages.MAINTENANCE_LABEL,
        "scheduled": pages.SCHEDULED_LABEL,
        "none": pages.NO_NOTICES,
        "count": "{n} open notifications",
        "one": pages.MORE_ONE,
        "more": pages.MORE_MANY,
    }


def _importance_to(component_id: str, item: NoticeView) -> tuple[int, int]:
    """A component's open notices in order (a stable sort keeps the site's otherwise):
    incidents first, the worst for it first, so its banner names what hurts it most."""
    if item.notice.type is NoticeType.INCIDENT:
        return (0, -item.notice.status_of(component_id).rank)
    return (1, 0)


def scopes(site: Site) -> list[Scope]:
    """The site-wide scope, then one per declared component."""
    snapshot = site.snapshot
    result = [Scope("", None, snapshot)]
    for component in site.config.components:
        mine = tuple(sorted((v for v in snapshot.open if component.id in v.notice.components),
                            key=partial(_importance_to, component.id)))
        states = tuple(s for s in snapshot.components if s.component.id == component.id)
        result.append(Scope(f"components/{component.id}/", component,
                            replace(snapshot, open=mine, closed=(), components=states)))
    return result


def _notice_json(item: NoticeView, config: Config, now: datetime, component: str | None
                 ) -> dict[str, Any]:
    notice = item.notice
    incident = notice.type is NoticeType.INCIDENT
    base_url = config.base_url
    return {
        "label": pages.notice_label(item, component),
        "detail": pages.notice_detail(item, config.timezone, now),
        "id": notice.id,
        "title": notice.title,
        "type": notice.type.value,
        "status": item.status.slug,
        "impact": notice.impact.value if incident else None,
        "start": _utc(item.started),
        "end": _utc(item.ended),
        "url": f"{base_url}notices/{notice.id}/",
        "components": list(notice.components),
    }


def banner_json(site: Site, scope: Scope) -> dict[str, Any]:
    """The banner.json document for one scope (format version 1)."""
    config = site.config
    text = banner_text(scope.snapshot, site.config.timezone, scope.component_id)
    overall = overall_status(scope.snapshot, config.timezone, scope.component is not None)
    component = scope.component
    return {
        "version": JSON_VERSION,
        "generated_at": _utc(site.now),
        "site": {"title": config.title, "url": config.base_url,
                 "hosts": [config.base_url, *config.mirrors]},
        "component": {"id": component.id, "name": component.name} if component else None,
        "state": text.state,
        "label": text.label,
        "detail": text.detail,
        "url": config.base_url,
        "overall": {"indicator": overall.indicator, "text": overall.text, "note": overall.note,
                    "updated": times.clock(site.now, config.timezone)},
        "texts": client_texts(),
        "notices": [_notice_json(item, config, site.now, scope.component_id)
                    for item in scope.snapshot.open],
    }


def _shorten(text: str, limit: int, budget: int) -> Markup:
    """``text`` escaped for HTML, ending in an ellipsis if it had to be cut to at most
    ``limit`` characters and ``budget`` bytes of UTF-8 once escaped. The cut falls
    between whole characters, so never inside an entity such as ``&amp;``."""
    sizes = [len(escape(char).encode("utf-8")) for char in text]
    if len(text) <= limit and sum(sizes) <= budget:
        return escape(text)
    room = budget - len(ELLIPSIS.encode("utf-8"))
    if room < 0:
        return Markup("")
    keep = 0
    while keep < min(len(text), limit - 1) and sizes[keep] <= room:
        room -= sizes[keep]
        keep += 1
    return escape(cut(text, keep))


def fragment(site: Site, snapshot: Snapshot, framed: bool = False,
             component: str | None = None) -> str:
    """The self-contained banner HTML: inline !important styles, no script, at most
    FRAGMENT_MAX bytes as banner.html (the built-in template; the title is cut to fit).
    ``framed``: for the iframe page, one line of BANNER_HEIGHT whose link opens in the
    top window; the browser cuts what does not fit, so the detail goes in whole. The
    title goes in a <bdi> apart from the words after it, as on the site banner.
    ``component``: the banner of that component (see banner_text)."""
    text = banner_text(snapshot, site.config.timezone, component)
    whole = text.detail or ""
    title_lang = part_languages(site.config.language)[1]

    def render(title: Markup, after: Markup) -> str:
        return template_text(
            site, "embed/fragment.html", state=text.state, colours=COLOURS[text.state],
            icon=ICONS[text.state], label=text.label, detail=title + after, title=title,
            after=after,
            link=site.config.base_url, target="_top" if framed else None, framed=framed,
            height=BANNER_HEIGHT, words=f"{text.label}: {whole}" if whole else text.label,
            language=words_language(site.config.language), title_lang=title_lang,
        ).strip()

    after = escape(text.after_title)
    if framed:
        return render(escape(text.title), after)
    # As on the site banner, only the title is cut: what follows it (a maintenance's
    # window, "and 2 more notices") always shows.
    budget = FRAGMENT_MAX - 1  # the file's final newline
    title = _shorten(text.title, FRAGMENT_TITLE_MAX, budget)
    while True:
        html = render(title, after)
        # The title goes in verbatim: what the fragment is over by comes off the title.
        over = len(html.encode("utf-8")) - budget
        if over <= 0 or not title:
            return html
        title = _shorten(text.title, FRAGMENT_TITLE_MAX, len(title.encode("utf-8")) - over)


def iframe_page(site: Site) -> str:
    """embed/banner.html: the fragment as a page; its link opens in the top window."""
    text = banner_text(site.snapshot, site.config.timezone)
    return template_text(
        site, "embed/page.html", language=site.config.language, title=site.config.title,
        label=text.label, fragment=Markup(fragment(site, site.snapshot, framed=True)))


def _squeeze(line: str) -> str:
    """Remove spaces outside string literals unless two words or two +/- meet."""
    out: list[str] = []
    quote: str | None = None
    escaped = False
    for index, char in enumerate(line):
        if quote:
            out.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
            out.append(char)
        elif char == " ":
            before = out[-1] if out else ""
            after = line[index + 1] if index + 1 < len(line) else ""
            if (_is_word(before) and _is_word(after)) or (before + after) in ("++", "--", "+-",
                                                                             "-+"):
                out.append(char)
        elif char == "}" and out and out[-1] == ";":
            out[-1] = char  # a statement ends at a closing brace anyway
        else:
            out.append(char)
    return "".join(out)


def _is_word(char: str) -> bool:
    return bool(char) and (char.isalnum() or char in "_$")


def minify_js(source: str) -> str:
    """Drop whole-line comments, indentation, blank lines, spaces between tokens,
    line breaks that cannot end a statement and semicolons before a closing brace.
    Safe for embed.js, which has no regular-expression or template literals, no
    block comments, no multi-line strings and no empty statements."""
    if "`" in source or "/*" in source:
        raise ValueError("embed.js must not use template literals or block comments")
    lines = (line.strip() for line in source.splitlines())
    out = ""
    for line in (_squeeze(line) for line in lines if line and not line.startswith("//")):
        # A break after { ; , ( or before } . ) : never ends a statement: drop it.
        joined = (not out or out.endswith(("{", ";", ",", "("))
                  or line.startswith(("}", ".", ")", ":")))
        if line.startswith("}") and out.endswith(";"):
            out = out[:-1]
        out += line if joined else "\n" + line
    return out + "\n"


def embed_script(site: Site) -> str:
    """embed.js with the hosts (base_url, then mirrors), stylesheet, icons and the site's
    language filled in."""
    hosts = [site.config.base_url, *site.config.mirrors]
    script = minify_js(EMBED_JS.read_text(encoding="utf-8"))
    # The icons' keys are names, unquoted: six bytes of the script's budget.
    icons = "{" + ",".join(f"{state}:{_js(path)}" for state, path in ICONS.items()) + "}"
    values = {"OUTPOST_HOSTS": _js(hosts), "OUTPOST_CSS": _js(EMBED_CSS),
              "OUTPOST_ICONS": icons, "OUTPOST_LANG": _js(site.config.language)}
    for name in values:
        assert script.count(name) == 1, name
    # One pass over the script: a value is never searched for placeholders itself.
    return _PLACEHOLDER.sub(lambda found: values[found[0]], script)


def _js(value: object) -> str:
    """``value`` as a JavaScript literal: compact JSON, ASCII only."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


_PLACEHOLDER = re.compile(r"\bOUTPOST_(?:HOSTS|CSS|ICONS|LANG)\b")


def _badge(site: Site, scope: Scope) -> str:
    text = banner_text(scope.snapshot, site.config.timezone)
    words = {"incident": "incident", "none": "no open notices"}
    if text.state == "maintenance":
        upcoming = all(v.is_upcoming for v in scope.snapshot.open)
        message = "scheduled maintenance" if upcoming else "maintenance"
    else:
        message = words[text.state]
    label = scope.component.name if scope.component else "status"
    return badge_svg(label, message, COLOURS[text.state]["bg"], COLOURS[text.state]["fg"])


def render_embeds(site: Site) -> dict[str, bytes]:
    """Producer: every embeddable banner output as {path: bytes}."""
    files: dict[str, bytes] = {}
    for scope in scopes(site):
        document = json.dumps(banner_json(site, scope), ensure_ascii=False, indent=1)
        files[f"{scope.prefix}banner.json"] = (document + "\n").encode("utf-8")
        files[f"{scope.prefix}banner.html"] = (
            fragment(site, scope.snapshot, component=scope.component_id) + "\n"
        ).encode("utf-8")
        files[f"{scope.prefix}badge.svg"] = _badge(site, scope).encode("utf-8")
    files["embed/banner.html"] = iframe_page(site).encode("utf-8")
    files["embed.js"] = embed_script(site).encode("utf-8")
    return files

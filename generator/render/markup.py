"""Markdown to sanitized HTML.

Notices are written in GitHub Flavored Markdown, rendered by cmark-gfm (GitHub's own
C implementation, through cmarkgfm): the same dialect GitHub shows when staff preview
a notice in the repository, and about 25 times faster than Python-Markdown. Raw HTML
is let through by cmark and then cleaned by nh3 with an allow-list, so what is kept
is decided in one place.
"""

from __future__ import annotations

import re
from functools import cache
from html import escape

import nh3

from generator.core.dialect import html_depth, to_html
from generator.core.model import MAX_DEPTH

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"},
                      "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
_HEADING_TAG = re.compile(r"<(/?)h([1-6])\b")


class MarkdownRenderer:
    """Renders Markdown to safe HTML, remembering results within one build."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int | None], str] = {}

    def __call__(self, text: str, top: int | None = None) -> str:
        cached = self._cache.get((text, top))
        if cached is None:
            cached = render_markdown(text, top)
            self._cache[(text, top)] = cached
        return cached


def render_markdown(text: str, top: int | None = None) -> str:
    """One update body as safe HTML. With ``top``, its headings are renumbered to sit
    under the page's own: the highest becomes h<top>, the next level down h<top+1>, and
    so on, so no level is skipped (fit_headings); without it, shift_headings. In time
    linear in its size."""
    html = to_html(text)
    if html_depth(html) > MAX_DEPTH:  # refused by check; never parsed deeply here
        return "<pre>" + escape(text) + "</pre>"
    return sanitize(shift_headings(html) if top is None else fit_headings(html, top))


def fit_headings(html: str, top: int) -> str:
    """Each heading level used, from the highest, becomes top, top+1, ... (h6 at most):
    a body with '###' and '#####' under an h3 becomes h4 and h5, never h4 and h6."""
    levels = sorted({int(match[2]) for match in _HEADING_TAG.finditer(html)})
    new = {level: min(top + index, 6) for index, level in enumerate(levels)}
    return _HEADING_TAG.sub(lambda m: f"<{m[1]}h{new[int(m[2])]}", html)


def shift_headings(html: str) -> str:
    """Updates sit under h3 headings on notice pages, so a '# Title' inside one becomes
    an h2 and '### Details' an h4: every heading one level down, h6 at most."""
    return _HEADING_TAG.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 1, 6)}", html)


def sanitize(html: str) -> str:
    return _cleaner().clean(html).strip()


@cache
def _cleaner() -> nh3.Cleaner:
    """One configured cleaner: nh3.clean() rebuilds its allow-lists on every call."""
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )

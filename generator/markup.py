"""Markdown to sanitized HTML. Python-Markdown passes raw HTML and javascript: links
through, so its output always goes through nh3 with an allow-list."""

from __future__ import annotations

import nh3
from markdown import Markdown

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6", "hr",
    "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"},
                      "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


class MarkdownRenderer:
    """Renders Markdown to safe HTML, remembering results within one build."""

    def __init__(self) -> None:
        # Updates sit under h3 headings on notice pages: '### Details' inside one
        # becomes an h4 (toc's baselevel shifts every heading down one level).
        self._md = Markdown(extensions=["fenced_code", "tables", "sane_lists", "toc"],
                            extension_configs={"toc": {"baselevel": 2, "marker": ""}},
                            output_format="html")
        self._cache: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        cached = self._cache.get(text)
        if cached is None:
            html = self._md.reset().convert(text)
            cached = sanitize(html)
            self._cache[text] = cached
        return cached


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()

"""Markdown to sanitized HTML, and its links made absolute for text read away from its
page (emails, feeds).

Notices are written in GitHub Flavored Markdown, rendered by cmark-gfm (GitHub's own
C implementation, through cmarkgfm): the same dialect GitHub shows when staff preview
a notice in the repository, and about 25 times faster than Python-Markdown. Raw HTML
is let through by cmark and then cleaned by nh3 with an allow-list, so what is kept
is decided in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from html import escape, unescape
from urllib.parse import urljoin

import nh3
from markupsafe import Markup

from generator.core.dialect import URL_SCHEMES, html_depth, to_html
from generator.core.model import MAX_DEPTH

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"},
                      "td": {"align"}, "ol": {"start"}}
_HEADING_TAG = re.compile(r"<(/?)h([1-6])\b")
# An image in cmark's output (or in raw HTML, before sanitizing): a tag whose quoted
# values may hold '>', and its alt text, in any of HTML's three ways of writing a value.
_IMAGE_TAG = re.compile(r"""<img\b(?:[^<>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
_ALT = re.compile(r"""\salt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
# cmark-gfm's footnote markup: a reference's link (its number kept), a note's links back
# to its references (dropped, with the space before), and the notes' section.
_FOOTNOTE_REF = re.compile(r'<a href="#fn-[^"<>]*" id="fnref-[^"<>]*" data-footnote-ref>'
                           r"([^<>]*)</a>")
_FOOTNOTE_BACKREF = re.compile(r' ?<a href="#fnref-[^"<>]*" class="footnote-backref"[^<>]*>'
                               r'\u21a9(?:<sup class="footnote-ref">[^<>]*</sup>)?</a>')
# GitHub's alert marker as cmark writes it: alone on a quote's first line, which a soft
# or hard line break or the paragraph's end closes.
_ALERT = re.compile(r"(<blockquote>\n<p>)\[!(note|tip|important|warning|caution)\]"
                    r"(</p>|<br />)?\n", re.IGNORECASE)
_FOOTNOTES = "<section class=\"footnotes\" data-footnotes>"
# Elements an HTML parser reads on into until their end tag, whatever lies between: raw
# text, RCDATA, a template's contents (and plaintext, which nothing ends).
_READ_TO_END = ("script", "style", "template", "textarea", "title", "xmp", "iframe",
                "noembed", "noframes", "noscript", "plaintext")
_READ_TO_END_TAG = re.compile(r"<(/?)(" + "|".join(_READ_TO_END) + r")(?=[\t\n\f />])",
                              re.IGNORECASE)
# The blocks that take their direction from their own text on the pages (outpost.css:
# 'unicode-bidi: plaintext'), so a paragraph in Hebrew or Arabic reads right to left
# next to English ones.
OWN_DIRECTION = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "td", "th")
_OWN_DIRECTION_TAG = re.compile(r"<(" + "|".join(OWN_DIRECTION) + r")(?=[\s>])")
# In sanitized HTML (nh3's serializer): text and attribute values never hold a raw '<'
# or '>', and every value is double-quoted with '"' escaped, so these patterns cannot
# match inside text or inside another attribute's value.
_LINK_TAG = re.compile(r"<a\s[^<>]*>")
_HREF = re.compile(r'\shref="([^"]*)"')
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_URL_SPACE = "".join(map(chr, range(0x21)))  # C0 controls and space: trimmed from URLs
# Where Markdown source names a link target: after '](' (inline links and images), after
# a reference definition's '[label]:' (not a footnote's '[^label]:'), and in raw HTML's
# href=. A destination is
# '<...>', or a run without spaces whose parentheses nest at most one level.
_DESTINATION = r"(<(?:[^<>\n\\]|\\.)*>|(?!<)(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*)"
_TARGET = re.compile(
    r"(\]\([ \t]*\n?[ \t]*)" + _DESTINATION
    + r"|^( {0,3}\[(?!\^)(?:[^\[\]\\\n]|\\.)+\]:[ \t]*\n?[ \t]*)" + _DESTINATION
    + r"""|(\shref[ \t]*=[ \t]*)("[^"\n]*"|'[^'\n]*'|[^\s"'=<>`]+)""",
    re.MULTILINE | re.IGNORECASE)


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
    html = alerts_as_words(footnotes_without_links(images_as_text(unclosed_as_text(html))))
    return sanitize(shift_headings(html) if top is None else fit_headings(html, top))


def unclosed_as_text(html: str) -> str:
    """cmark's HTML with each start tag of a _READ_TO_END element that no end tag
    follows written as text ('&lt;script>'), as typed: pasted from a log, such a tag led
    the sanitizer to drop the rest of the update (a script, a style) or to show it as
    markup ('</p> <p>'). Closed, the element is left to the sanitizer. In an attribute's
    value the entity reads as the '<' it was."""
    tags = list(_READ_TO_END_TAG.finditer(html))
    if not tags:
        return html
    last_end: dict[str, int] = {}
    for tag in tags:
        if tag[1]:
            last_end[tag[2].lower()] = tag.start()
    out: list[str] = []
    done = 0  # where the html is copied to
    closing: str | None = None  # the element read on into, until its end tag
    for tag in tags:
        name = tag[2].lower()
        if closing is not None:
            if tag[1] and name == closing:
                closing = None
            continue
        if tag[1] or tag.start() < done:
            continue
        if name != "plaintext" and last_end.get(name, -1) > tag.start():
            closing = name
            continue
        out.append(html[done:tag.start()] + "&lt;")
        done = tag.start() + 1
    return "".join(out) + html[done:]


def images_as_text(html: str) -> str:
    """Each image replaced by its alt text: pages load nothing from other hosts (which
    may be the ones down), but what the image said stays, and a linked image such as a
    badge keeps its link's name. The sanitizer cleans the text afterwards."""
    if "<i" not in html and "<I" not in html:  # most updates: no scan
        return html

    def alt_text(tag: re.Match[str]) -> str:
        found = _ALT.search(tag[0])
        return next((value for value in found.groups() if value is not None), "") if found else ""

    return _IMAGE_TAG.sub(alt_text, html)


def footnotes_without_links(html: str) -> str:
    """cmark's footnotes as a number where each is referred to, and the notes after a
    rule, without their links to each other: the sanitizer keeps no ids to link to
    (and two updates on one page would share them), nor do feeds and mail."""
    if "data-footnote" not in html:  # most updates: no scan
        return html
    html = _FOOTNOTE_BACKREF.sub("", _FOOTNOTE_REF.sub(r"\1", html))
    return html.replace(_FOOTNOTES, "<hr />")


def alerts_as_words(html: str) -> str:
    """A quote opening with GitHub's alert marker alone on its first line ('> [!NOTE]')
    headed by the marker's word in bold on a line of its own, as GitHub's preview heads
    its callout."""
    if "[!" not in html:  # most updates: no scan
        return html
    return _ALERT.sub(lambda m: f"{m[1]}<strong>{m[2].capitalize()}</strong>"
                                f"{m[3] or '<br />'}\n", html)


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


def focusable_tables(html: str) -> str:
    """Sanitized HTML with each table reachable by Tab: a table wider than the screen
    scrolls inside the page, and a keyboard can scroll only what it can focus (not every
    browser focuses such a box by itself). For pages only: feeds and mail keep tables
    as they are."""
    return html.replace("<table>", '<table tabindex="0">')  # text never holds a raw '<'


def own_direction(html: str) -> str:
    """Sanitized ``html`` with each OWN_DIRECTION block marked dir="auto", as the pages'
    stylesheet sets them: for feed readers and mail clients, which show no stylesheet."""
    return _OWN_DIRECTION_TAG.sub(r'<\1 dir="auto"', html)  # text never holds a raw '<'


NO_LANG = Markup("")  # a part in the line's own language


def isolated(text: str, lang: Markup = NO_LANG) -> Markup:
    """``text`` escaped in a <bdi>: a right-to-left title or name in an English line
    keeps its own order, its closing '!' or '(DNS)' on its own side. ``lang``: the
    attribute saying its language, where the line's is another (part_languages)."""
    return Markup("<bdi%s>%s</bdi>") % (lang, text)


def words_language(language: str) -> str:
    """The language of Outpost's own words on a site whose notices are in ``language``:
    English, said as the site says it where the site is in English."""
    return language if language.partition("-")[0].lower() == "en" else "en"


def part_languages(language: str) -> tuple[Markup, Markup]:
    """The lang attributes of Outpost's own words and of the site's text, for a site
    whose notices are written in ``language``: none where it is English; else the
    words are marked English and the site's text in them as ``language`` (WCAG 3.1.2:
    a screen reader reads each in its own language)."""
    if words_language(language) == language:
        return NO_LANG, NO_LANG
    return Markup(' lang="en"'), Markup(' lang="%s"') % language


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


def absolute_links(html: str, page: str) -> str:
    """Sanitized ``html`` with every relative link resolved against ``page``, the URL
    of the page the text was written for: absolute for mail clients and feed readers,
    which have no page to resolve '../', '/x' or '#x' against; relative to the page
    showing it (the Open page) otherwise."""
    if 'href="' not in html:
        return html
    return _LINK_TAG.sub(lambda tag: _HREF.sub(lambda m: _absolute_href(m, page), tag[0]),
                         html)


def _absolute_href(match: re.Match[str], page: str) -> str:
    url = unescape(match[1]).strip(_URL_SPACE)
    if _SCHEME.match(url):  # absolute: the sanitizer kept only http, https and mailto
        return match[0]
    try:
        resolved = urljoin(page, url)
    except ValueError:  # e.g. '//[bad/': no address to give; drop the link, keep the text
        return ""
    return f' href="{_attribute(resolved)}"'


def _attribute(value: str) -> str:
    """An attribute value escaped as nh3 writes it, so the output keeps its invariants."""
    return (value.replace("&", "&amp;").replace("\xa0", "&nbsp;").replace('"', "&quot;")
            .replace("<", "&lt;").replace(">", "&gt;"))


def absolute_targets(text: str, page: str,
                     markdown: Callable[[str], str] = render_markdown) -> str:
    """Markdown ``text`` with each relative link target written as an absolute URL
    resolved against ``page``, for a plain-text email, which shows the Markdown as
    written. The rewrite is kept only if ``markdown`` renders it exactly as the original
    with absolute_links; otherwise (a target inside a code span, say) ``text`` is
    returned unchanged."""
    rewritten = _TARGET.sub(lambda match: _absolute_target(match, page), text)
    if rewritten == text or markdown(rewritten) != absolute_links(markdown(text), page):
        return text
    return rewritten


def _absolute_target(match: re.Match[str], page: str) -> str:
    index = next(i for i in (2, 4, 6) if match[i] is not None)
    target = match[index]
    opening, closing = ((target[0], target[-1]) if target[:1] in ('<', '"', "'")
                        else ("", ""))
    url = target[len(opening):len(target) - len(closing)]
    empty_link = index == 2 and match.string.startswith(")", match.end())
    if (not url and not empty_link) or _SCHEME.match(url):
        return match[0]
    try:
        resolved = urljoin(page, url)
    except ValueError:
        return match[0]
    return f"{match[index - 1]}{opening}{resolved}{closing}"

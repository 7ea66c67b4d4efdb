"""The Markdown dialect notices are written in: GitHub Flavored Markdown, through
cmark-gfm (cmarkgfm), the same C implementation GitHub previews use. Written once so
that ``check`` (which refuses texts nesting too deep) and the renderer agree.

cmark-gfm is imported on first use: ``outpost check`` needs it only for the rare text
with enough marks to nest deeply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from html import unescape
from typing import Any

from generator.core.model import MAX_DEPTH, MAX_TEXT, may_nest_deeply

EXTENSIONS = ("table", "strikethrough", "autolink")
# What a link may lead to: the sanitizer keeps no other scheme's link, only its words.
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# A task list item's box: '[ ]' or '[x]' opening a list item's text (or its first
# paragraph's, in a loose list) before a space, read in the HTML as GitHub's own filter
# reads it. cmark-gfm's tasklist extension, which GitHub does not use, ticks a box whose
# item holds '[x]' anywhere, misses items in a quote and sets a loose item's box on a line
# of its own. Readers see a glyph: a form control would need the sanitizer to let <input>
# through, and feed readers and mail clients drop it with the item's state.
_TASK_BOX = re.compile(r"(<li>(?:\n<p>)?)\[([ xX])\](?=[ \t\n])")
_TASK_GLYPHS = {" ": "\u2610", "x": "\u2611", "X": "\u2611"}  # ballot box, with check
# A tag as cmark writes it or as raw HTML passes through; never spans another '<'.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*>")
# A line opening with a letter: words of a paragraph, unless a tag or a link reference
# definition (its destination or title on a line of their own) can hold it.
_WORDS_LINE = re.compile(r"^[ \t]*[^\W\d_]", re.MULTILINE)
_ALT_TEXT = re.compile(r"""<img\b[^<>]*?\balt\s*=\s*(?:"[^"]|'[^']|[^\s"'=<>`])""",
                       re.IGNORECASE)
# A table cell as cmark writes it (or as raw HTML passes through).
_CELL = re.compile(r"<t[dh][\s>]", re.IGNORECASE)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                   "meta", "param", "source", "track", "wbr"})


@cache
def _options() -> int:
    from cmarkgfm.cmark import Options

    # Raw HTML passes cmark untouched (the renderer's sanitizer decides); smart
    # punctuation stays off so what the author typed is what readers see. Footnotes
    # as on GitHub: without them '[^1]: text' defines a link, and '[^1]' links to 'text'.
    options: int = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
    return options


def to_html(text: str) -> str:
    """``text`` as cmark-gfm's HTML, not yet sanitized."""
    freeing = _freeing()
    if freeing is None:
        from cmarkgfm import markdown_to_html_with_extensions

        html: str = markdown_to_html_with_extensions(text, options=_options(),
                                                     extensions=EXTENSIONS)
    else:
        html = _rendered_and_freed(text, *freeing)
    if "<li>" in html:
        html = _TASK_BOX.sub(lambda box: box[1] + _TASK_GLYPHS[box[2]], html)
    return html


@cache
def _freeing() -> tuple[Callable[[int], None], Callable[[Any], None]] | None:
    """cmark-gfm's own functions that free a document and the HTML rendered from it, or
    None where its library does not export them (a Windows build).

    cmarkgfm's markdown_to_html_with_extensions frees its parser but neither the document
    the parser hands over nor the HTML string: 13 KB for an update of 280 characters, so a
    preview of 1,500 notices grew by 23 MB a rebuild (7 GB after 300 saves)."""
    import ctypes

    from cmarkgfm import _cmark

    library = ctypes.CDLL(_cmark.__file__)
    try:
        free_node, allocator = library.cmark_node_free, library.cmark_get_default_mem_allocator
    except AttributeError:
        return None
    free_node.argtypes, free_node.restype = [ctypes.c_void_p], None
    allocator.argtypes, allocator.restype = [], ctypes.c_void_p
    # Documents and their HTML come from this allocator (cmark_parser_new takes it).
    memory = _cmark.ffi.cast("cmark_mem *", allocator())
    return free_node, memory.free


def _rendered_and_freed(text: str, free_node: Callable[[int], None],
                        free: Callable[[Any], None]) -> str:
    """What markdown_to_html_with_extensions returns for ``text``, made by the same calls,
    with the document and the HTML string freed once read."""
    from cmarkgfm import _cmark, cmark

    cmark.core_extensions_ensure_registered()
    parser = cmark.parser_new(_options())
    try:
        for name in EXTENSIONS:
            cmark.parser_attach_syntax_extension(parser, cmark.find_syntax_extension(name))
        cmark.parser_feed(parser, text)
        root = cmark.parser_finish(parser)
        try:
            raw = _cmark.lib.cmark_render_html(root, _options(),
                                               cmark.parser_get_syntax_extensions(parser))
            try:
                html: str = _cmark.ffi.string(raw).decode("utf-8")
            finally:
                free(raw)
        finally:
            free_node(int(_cmark.ffi.cast("uintptr_t", root)))
    finally:
        cmark.parser_free(parser)
    return html


def shows_text(text: str) -> bool:
    """Whether ``text`` rendered shows readers any text, an image's alt text included:
    not one made only of link reference definitions, empty elements (a bare list
    marker, an empty heading, a rule), spaces written as entities, or invisible
    characters (a zero-width space pasted from chat). Rendered only
    when no line of plain words says so at once, and never past the limits (a text
    over them, which the loader refuses for that, counts as showing text)."""
    if "<" not in text and "]:" not in text and _WORDS_LINE.search(text):
        return True
    if len(text) > MAX_TEXT or markdown_depth(text) > MAX_DEPTH:
        return True
    html = to_html(text)
    return bool(_ALT_TEXT.search(html) or _has_visible(unescape(_TAG.sub("", html))))


def _has_visible(text: str) -> bool:
    """Whether ``text`` holds a character that is neither a space nor an invisible format
    character (a zero-width space, joiner or mark, U+FEFF, a soft hyphen)."""
    import unicodedata

    return any(not char.isspace() and unicodedata.category(char) != "Cf" for char in text)


def html_depth(html: str) -> int:
    """The deepest nesting of elements in ``html``, counting unclosed tags as open; the
    scan stops one past MAX_DEPTH (deeper is refused anyway)."""
    if html.count("<") <= MAX_DEPTH:
        return 0
    depth = deepest = 0
    for match in _TAG.finditer(html):
        if match[1]:
            depth = max(depth - 1, 0)
        elif match[2].lower() not in _VOID and not match[0].endswith("/>"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
    return deepest


def markdown_depth(text: str) -> int:
    """How deeply the HTML made of ``text`` nests its elements (an upper bound, and at
    most MAX_DEPTH + 1), or 0 when ``text`` has too few marks to nest that deep."""
    if not may_nest_deeply(text):
        return 0
    return html_depth(to_html(text))


def table_cells(text: str) -> int:
    """How many table cells the HTML made of ``text`` holds, or 0 when it cannot hold
    more than ``text`` has characters (a few counts, no parsing): each cell written takes
    a character, but a row shorter than its table's header is filled to its width."""
    most = (2 * text.count("|") + 1) * (text.count("\n") + 1) + text.count("<")
    if most <= len(text):
        return 0
    return len(_CELL.findall(to_html(text)))

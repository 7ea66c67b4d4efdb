"""Slack's mrkdwn from an update's sanitized HTML: '*bold*', '_italic_', '~struck~',
'<url|text>', '> ' quotes, bullets; every other text is ``literal``. Converting the
HTML, not the Markdown source, reads the update as the pages do (cmark's parse, nh3's
allow-list)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_MARKS = {"strong": "*", "b": "*", "em": "_", "i": "_", "del": "~", "s": "~"}
_BLOCKS = {"p", "blockquote", "ul", "ol", "pre", "table", "hr", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"br", "hr"}
_CODE_FENCE = "```"
_BLANK_LINE = re.compile(r"\n\s*\n")
_LINKABLE = re.compile(r"(?:https?|mailto):", re.IGNORECASE)  # what the sanitizer keeps
# An <ol>'s start as a browser reads it (HTML's rules for parsing integers): leading
# ASCII digits after spaces, within the 9 digits cmark writes; otherwise 1.
_LIST_START = re.compile(r"[\t\n\f\r ]*([-+]?[0-9]{1,9})(?![0-9])")


# Slack documents entities for '&', '<' and '>' only: its marks have no escape. A mark
# opens or closes only with a non-word character (or the text's edge) on its outer
# side, and an invisible character counts as one (adding some is how formatting is
# forced inside a word), so it cannot hide a mark: a mark that could act as one is
# written as its look-alike instead. Between letters or digits ('db_primary', '2*3',
# ':white_check_mark:') it cannot, and stays as typed.
_LOOKALIKE_TICK = "\u02cb"
_LOOKALIKES = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": _LOOKALIKE_TICK})
_LOOSE_MARK = re.compile(r"(?<![^\W_])[*_~`]|[*_~`](?![^\W_])")
# A quote is a '>' that begins a line; a zero-width space before it keeps the '>'.
_QUOTE_START = re.compile(r"^&gt;", re.MULTILINE)
_TICK_RUN = re.compile(r"`(?=`)")
ZERO_WIDTH_SPACE = "\u200b"
# Words that notify a whole channel or server: '@channel', '@here' and '@all' as words
# (Mattermost, Rocket.Chat, Slack with link names), '@everyone' and '@here' wherever
# they stand (Discord's Slack endpoint); and Discord's role and user mentions, '<@&1>'
# and '<@1>', which its Slack endpoint reads once it decodes Slack's '&lt;' as Slack
# does. A word joiner after the '@' shows the text as typed and matches none.
_MENTION = re.compile(r"(?<=&lt;)@(?!\u2060)|@(?=everyone|here|(?:channel|all)(?![^\W_]))",
                      re.IGNORECASE)
WORD_JOINER = "\u2060"
# The texts of an update are made literal one by one: a mention split by an element
# ('@<abbr>here</abbr>', '@<em></em>everyone') meets only in the joined mrkdwn, which
# is checked again outside its links ('<https://x.org/@all|...>' is an address).
_LINK_OR_MENTION = re.compile(r"<[^<>]*>|" + _MENTION.pattern, re.IGNORECASE)


def _entities(text: str) -> str:
    """Slack's three entities: what a URL needs."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_escape(text: str) -> str:
    """Text a chat shows as typed: no '<!channel>', '<@U123>' or '<url>', and no mention
    of everyone, a role or a user."""
    return _MENTION.sub("@" + WORD_JOINER, _entities(text))


def literal(text: str) -> str:
    """``text`` as mrkdwn that Slack shows as typed: no mention, link, mark or quote."""
    unmarked = _LOOSE_MARK.sub(lambda mark: mark[0].translate(_LOOKALIKES), text)
    return _QUOTE_START.sub(ZERO_WIDTH_SPACE + "&gt;", slack_escape(unmarked))


# Mattermost and Rocket.Chat show a Slack message's 'text' as Markdown, which reads
# marks inside a word too ('a*b*c', 'x`y`z', 'x~~y~~'; not '_', as in mrkdwn), links
# and images written '[text](url)', and a backslash before punctuation as its escape
# ('\&amp;' shows '&amp;'): a zero-width space after the ']' or the '\' keeps them text.
# Discord hides what stands between '||' and '||' (a spoiler): a zero-width space
# between two '|' keeps it shown.
_MARKDOWN_MARK = re.compile(r"[*~`]")
_MARKDOWN_SYNTAX = re.compile(r"\](?=\()|\\(?=[!-/:-@\[-`{-~])|\|(?=\|)")


def plain(text: str) -> str:
    """``text`` that Slack's mrkdwn and Mattermost's Markdown both show as typed: a
    message's 'text', which receivers that read no blocks show alone."""
    unmarked = _MARKDOWN_MARK.sub(lambda mark: mark[0].translate(_LOOKALIKES), text)
    return literal(_MARKDOWN_SYNTAX.sub(lambda syntax: syntax[0] + ZERO_WIDTH_SPACE, unmarked))


def _code(text: str) -> str:
    """Code block text: only '```' would end the block; a zero-width space between
    backticks keeps them all visible."""
    return _TICK_RUN.sub("`" + ZERO_WIDTH_SPACE, slack_escape(text))


def units(text: str) -> int:
    """``text``'s length in UTF-8 bytes: never less than what Slack may count. Its
    documentation says characters, but text of emoji under 3,000 characters (or UTF-16
    units, JavaScript's count) has been refused, reported as counted in bytes. A text
    that fits in bytes fits whichever it counts."""
    return len(text.encode("utf-8", "surrogatepass"))


def fitted(text: str, room: int) -> str:
    """Mrkdwn ``text`` in at most ``room`` units (``units``): cut with '...' when longer,
    never inside an escape ('&am') or a link ('<https://exa'), nor inside a character,
    and a code block left open is closed, so that what follows is not read as code."""
    if units(text) <= room:
        return text
    closing = "\n" + _CODE_FENCE  # room kept for it, whether or not it is needed
    budget = max(room - len("...") - len(closing), 0)
    kept = text[:budget]
    while units(kept) > budget:  # each pass drops at least a quarter of what is over
        kept = kept[:len(kept) - (units(kept) - budget + 3) // 4]
    cut = re.sub(r"&[a-z]*$|<[^>]*$", "", kept) + "..."
    return cut + closing if cut.count(_CODE_FENCE) % 2 else cut


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    children: list[_Element | str] = field(default_factory=list)


class _Tree(HTMLParser):
    """Sanitized HTML (nh3's serializer: every element closed) as a tree."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("", {})
        self._open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = _Element(tag, {name: value or "" for name, value in attrs})
        self._open[-1].children.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and len(self._open) > 1:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        self._open[-1].children.append(data)


def from_html(html: str) -> str:
    """Sanitized HTML as mrkdwn; its links are kept as they are (make them absolute first)."""
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return _LINK_OR_MENTION.sub(lambda found: found[0] if found[0].startswith("<")
                                else "@" + WORD_JOINER, _blocks(tree.root.children, "\n\n"))


def _blocks(children: list[_Element | str], between: str) -> str:
    """Blocks separated by ``between``; the inline runs between them are blocks too."""
    blocks: list[str] = []
    run: list[str] = []
    for child in [*children, _Element("p", {})]:  # the sentinel flushes the last run
        if isinstance(child, _Element) and child.tag in _BLOCKS:
            blocks += [_tight("".join(run)).strip(), _block(child)]
            run = []
        else:
            run.append(_inline(child))
    return between.join(block for block in blocks if block.strip())


def _block(element: _Element) -> str:
    tag = element.tag
    if tag == "p":
        return _inline_children(element).strip()
    if tag == "pre":
        code = _plain(element).rstrip("\n")
        return f"{_CODE_FENCE}\n{_code(code)}\n{_CODE_FENCE}"
    if tag == "blockquote":
        quoted = _blocks(element.children, "\n\n")
        return "\n".join(f"> {line}" for line in quoted.split("\n")) if quoted else ""
    if tag in ("ul", "ol"):
        return _list(element)
    if tag == "table":
        return "\n".join(" | ".join(_inline_children(cell).strip() for cell in _elements(row))
                         for row in _rows(element))
    if tag == "hr":
        return "---"
    return _mark("*", _inline_children(element).strip())  # a heading


def _list(element: _Element) -> str:
    start = _LIST_START.match(element.attrs.get("start", ""))
    number = int(start[1]) if start else 1
    items = []
    for item in _elements(element):
        marker = "\u2022 " if element.tag == "ul" else f"{number}. "
        number += 1
        first, *rest = _blocks(item.children, "\n").split("\n")
        items.append("\n".join([marker + first, *(f"    {line}" for line in rest)]))
    return "\n".join(items)


def _inline(node: _Element | str) -> str:
    if isinstance(node, str):
        return literal(node)
    if node.tag == "br":
        return "\n"
    if node.tag in ("code", "kbd"):  # any backtick would end the code; nothing else
        # acts inside it, so 'SELECT * FROM t_1' stays as typed
        return _mark("`", slack_escape(_plain(node).replace("`", _LOOKALIKE_TICK)))
    if node.tag == "a":
        return _link(node)
    inner = _inline_children(node)
    if node.tag == "sup":  # Slack has none: 'm^2', and a footnote's 'relay^1', not 'relay1'
        return "^" + inner
    return _mark(_MARKS[node.tag], inner) if node.tag in _MARKS else inner


def _link(element: _Element) -> str:
    text = literal(" ".join(_plain(element).split()))  # a link's text is one line
    href = element.attrs.get("href", "")
    if not _LINKABLE.match(href):  # relative: '<!channel|x>' would notify everyone
        return text
    url = _entities(href).replace("|", "%7C")  # '|' would end the address
    return (f"<{url}>" if text in ("", url, url.removeprefix("mailto:"))
            else f"<{url}|{text}>")


def _mark(mark: str, inner: str) -> str:
    """'*x*': Slack reads a mark only next to the text, so spaces stay outside it."""
    text = inner.strip()
    if not text:
        return inner
    start = len(inner) - len(inner.lstrip())
    return f"{inner[:start]}{mark}{text}{mark}{inner[start + len(text):]}"


def _inline_children(element: _Element) -> str:
    return _tight("".join(_inline(child) for child in element.children))


def _tight(text: str) -> str:
    """Inline text holds no blank line: cmark writes a newline after each '<br />'."""
    return _BLANK_LINE.sub("\n", text)


def _plain(node: _Element | str) -> str:
    """The text alone, unescaped: code and link texts take no marks."""
    if isinstance(node, str):
        return node
    return "\n" if node.tag == "br" else "".join(_plain(child) for child in node.children)


def _elements(element: _Element) -> list[_Element]:
    return [child for child in element.children if isinstance(child, _Element)]


def _rows(table: _Element) -> list[_Element]:
    """The table's rows, in its thead and tbody."""
    return [row for part in _elements(table)
            for row in ([part] if part.tag == "tr" else _elements(part))]

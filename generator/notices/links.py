"""``outpost check``'s warning about a link in a notice that leads nowhere on the site.

A notice's text is read on its page, ``notices/<id>/``, and its relative links resolve
from there (feeds, mail and the Open page write them out against that page too). A
link written as GitHub's preview of the file reads it ('../docs/runbook.md', 'other.md')
leads into the notice's own folder, or to a Markdown file the site never publishes. A
link with another scheme than http, https or mailto ('tel:') shows as its words alone.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from html import unescape
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from generator.core.dialect import URL_SCHEMES, to_html
from generator.core.errors import Problem, cut_quote
from generator.core.model import Notice
from generator.notices.grammar import (
    NOTICES_DIR,
    front_matter_close,
    split_body,
    text_lines,
    without_comments,
)
from generator.notices.loader import MAX_REPORTED_LINES

# Where a text may hold a link worth a look: an inline link or a reference definition
# whose target is not a full http(s) or mailto address, or a raw tag. Most links are
# full addresses, which never lead nowhere on this site: a notice holding only those is
# not read again (a site's every notice was, doubling 'outpost check').
_MAY_LINK = re.compile(r"\](?:\(|:)[ \t\n]*<?(?!(?:https?|mailto):|//)", re.IGNORECASE)
_RAW_LINK = re.compile(r"href", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# A link's target in cmark's HTML (or raw HTML passed through), in each way of quoting it.
_HREF = re.compile(r"""<a\s[^<>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""",
                   re.IGNORECASE)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_PAGE = "index.html"


def may_link(text: str) -> bool:
    """Whether Markdown ``text`` may hold a link: the rest is left unparsed."""
    # Plain substring tests first: they are many times faster than a pattern's search,
    # and most texts fail them (check reads every update of every notice).
    return ((("](" in text or "]:" in text) and _MAY_LINK.search(text) is not None)
            or ("<" in text and _RAW_LINK.search(text) is not None))


def notice_may_link(notice: Notice) -> bool:
    """Whether any text of ``notice`` may hold a link, so its file is worth reading."""
    texts = [notice.summary, *(update.body for update in notice.updates)]
    if notice.postmortem is not None:
        texts.append(notice.postmortem.body)
    return any(map(may_link, texts))


def broken_links(text: str, notice: Notice, base_url: str, notice_ids: Collection[str]
                 ) -> list[Problem]:
    """A warning at each link of the notice file ``text`` that leads nowhere from the
    notice's page on the site at ``base_url`` (into the notices' folder but to no
    notice's page of ``notice_ids``, or to a Markdown file, which the site never has) or
    shows as its words alone; the first MAX_REPORTED_LINES of them."""
    closing = front_matter_close(text, max(text.find("\n"), 0))
    if closing is None:
        return []
    first = text.count("\n", 0, closing.start() + 1) + 2  # the line after '---'
    body = text[closing.end() + 1:]
    summary, sections, _ = split_body(body, first)
    starts = [first, *(line for line, _, _ in sections)]
    parts = [(start, end, written) for start, end, written in zip(
        starts, [*starts[1:], first + body.count("\n") + 1],
        [summary, *(written for _, _, written in sections)], strict=True)]
    prose = [(number, unescape(line)) for number, line, _, is_prose
             in text_lines(body, first) if is_prose]
    warnings: list[Problem] = []
    for start, end, written in parts:
        for href, advice in link_advice(written, notice.id, base_url, notice_ids):
            if len(warnings) == MAX_REPORTED_LINES:  # each is looked for in the lines
                return warnings
            line = next((number for number, shown in prose
                         if start <= number < end and href in shown), start)
            warnings.append(Problem(notice.path, line, advice))
    return warnings


def link_advice(text: str, notice_id: str, base_url: str, notice_ids: Collection[str]
                ) -> list[tuple[str, str]]:
    """Each relative link of Markdown ``text`` (an update of notice ``notice_id``) that
    leads nowhere from the notice's page, with what the warning says of it."""
    if not may_link(text):
        return []
    page = f"{base_url}{NOTICES_DIR}/{notice_id}/"
    found = []
    for href in dict.fromkeys(_hrefs(without_comments(text))):
        # Named as written: cmark percent-encodes what a URL may not hold raw (a space).
        written = href if href in unescape(text) else unquote(href)
        advice = _advice(href, written, page, base_url, notice_ids)
        if advice is not None:
            found.append((written, advice))
    return found


def _hrefs(text: str) -> list[str]:
    """The link targets of Markdown ``text``, as a browser reads them, but those leading
    to another site ('https://...', '//host/...')."""
    html = _COMMENT.sub("", to_html(text))
    found = (unescape(next(value for value in match.groups() if value is not None)).strip()
             for match in _HREF.finditer(html))
    return [href for href in found if href and not href.startswith("//")
            and ((scheme := _SCHEME.match(href)) is None
                 or scheme[1].lower() not in URL_SCHEMES)]


def _advice(href: str, written: str, page: str, base_url: str, notice_ids: Collection[str]
            ) -> str | None:
    """What the warning says of link ``href`` (``written`` so) read from ``page``: one
    with a scheme pages keep no link of; a relative one leading into notices/ but to no
    notice's page, or to a Markdown file. None for the others."""
    if _SCHEME.match(href):  # as 'tel:' or 'ftp:': the sanitizer keeps its words alone
        *others, last = sorted(URL_SCHEMES)
        return (f"the link '{cut_quote(written)}' is shown as its words alone, no link: links may "
                f"use {', '.join(others)} and {last} only")
    try:
        target = urlsplit(urljoin(page, href))
    except ValueError:  # such as '//[bad': not a link the site keeps
        return None
    site = urlsplit(base_url)
    path = unquote(target.path)
    inside = path.startswith(site.path)
    named = path[len(site.path):] if inside else target._replace(query="", fragment="").geturl()
    if inside and named.startswith(f"{NOTICES_DIR}/"):
        notice_id, _, rest = named[len(NOTICES_DIR) + 1:].partition("/")
        if notice_id in notice_ids and rest in ("", _PAGE):
            return None
    elif not path.lower().endswith(".md"):
        return None
    meant = PurePosixPath(unquote(urlsplit(href).path)).name
    meant = meant[:-3] if meant.lower().endswith(".md") else meant
    fragment = f"#{target.fragment}" if target.fragment else ""
    instead = (f"to link to that notice's page, write '../{meant}/{fragment}'"
               if meant in notice_ids else
               "write the full address (https://...) of the page it means")
    return (f"the link '{cut_quote(written)}' leads nowhere: read from the notice's page "
            f"({NOTICES_DIR}/{PurePosixPath(page).name}/), it names {cut_quote(named)}, which the "
            f"site does not have; {instead}")

"""An update's Markdown as Slack mrkdwn: Slack shows '**bold**' and '[text](url)' as
typed, and reads '*bold*', '<url|text>'; '&', '<' and '>' must be escaped."""

from __future__ import annotations

import re
from html import unescape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core.dialect import to_html
from generator.notify.mrkdwn import fitted, from_html, plain, units
from generator.render.markup import render_markdown


def mrkdwn(markdown: str) -> str:
    return from_html(render_markdown(markdown))


@pytest.mark.parametrize(("markdown", "expected"), [
    ("We are **replacing** it, _slowly_ and ~~quietly~~.",
     "We are *replacing* it, _slowly_ and ~quietly~."),
    ("See [the status](https://status.example.org/a?b=1&c=2) or <https://example.net>.",
     "See <https://status.example.org/a?b=1&amp;c=2|the status> or <https://example.net>."),
    ("Mail [ops](mailto:ops@example.org).", "Mail <mailto:ops@example.org|ops>."),
    ("[**Bold** link](https://example.net/x|y)", "<https://example.net/x%7Cy|Bold link>"),
    ("Tom & Jerry <b>say</b> 1 < 2 > 0 <!channel> <script>x()</script>",
     "Tom &amp; Jerry *say* 1 &lt; 2 &gt; 0 &lt;!channel&gt;"),
    ("Run `a<b && c` now.", "Run `a&lt;b &amp;&amp; c` now."),
    ("```\nif a < b:\n    *x*\n```", "```\nif a &lt; b:\n    *x*\n```"),
    ("First line\nsecond line\n\nNext paragraph.", "First line\nsecond line\n\nNext paragraph."),
    ("Line  \nbreak", "Line\nbreak"),
    ("# Cause\nA disk.", "*Cause*\n\nA disk."),
    ("- one\n- two\n  1. sub\n  2. more\n\nAfter.",
     "• one\n• two\n    1. sub\n    2. more\n\nAfter."),
    ("3. three\n4. four", "3. three\n4. four"),
    ("- [x] done\n- [ ] next", "\u2022 \u2611 done\n\u2022 \u2610 next"),
    ("The relay[^1] failed.\n\n[^1]: In Chicago.", "The relay^1 failed.\n\n---\n\n1. In Chicago."),
    ("10 m<sup>2</sup>", "10 m^2"),
    ("> quoted **words**\n> more\n\nafter", "> quoted *words*\n> more\n\nafter"),
    ("| a | b |\n|---|---|\n| 1 | 2 |", "a | b\n1 | 2"),
    ("![a diagram](x.png) here", "a diagram here"),
    ("** not bold **", "\u2217\u2217 not bold \u2217\u2217"),
])
def test_markdown_becomes_slack_mrkdwn(markdown: str, expected: str) -> None:
    assert mrkdwn(markdown) == expected


ZWSP = "\u200b"


@pytest.mark.parametrize(("markdown", "expected"), [
    # A bare '```' opened a code block that swallowed the rest, the notice's link too.
    ("Use ``` to fence", "Use \u02cb\u02cb\u02cb to fence"),
    ("\\*important\\* and 2 * 3", "\u2217important\u2217 and 2 \u2217 3"),
    ("\\_draft\\_ \\~gone\\~ `` a`b ``", "\u02cddraft\u02cd \u223cgone\u223c `a\u02cbb`"),
    ("\\> not a quote\n\\> nor this", f"{ZWSP}&gt; not a quote\n{ZWSP}&gt; nor this"),
    ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
    ("[a \\*b\\* ```](https://x.org/?a=1&b=2)",
     "<https://x.org/?a=1&amp;b=2|a \u2217b\u2217 \u02cb\u02cb\u02cb>"),
    ("```\nx = '```'\n```", f"```\nx = '`{ZWSP}`{ZWSP}`'\n```"),
    # In inline code only a backtick acts (it would end the code): the rest is kept.
    ("Run `SELECT * FROM t_1 WHERE a ~ b` now", "Run `SELECT * FROM t_1 WHERE a ~ b` now"),
    # Between letters or digits a mark can neither open nor close: kept for copying.
    ("db_primary, 2*3, a~b and :white_check_mark:", "db_primary, 2*3, a~b and :white_check_mark:"),
])
def test_literal_text_stays_literal(markdown: str, expected: str) -> None:
    """Slack has no escape for its marks: text the Markdown meant literally must not
    become bold, code or a quote in the chat, nor close what the message opened."""
    assert mrkdwn(markdown) == expected


def test_a_relative_link_keeps_only_its_text() -> None:
    """Links are made absolute first; one that is not must not become '<!channel|x>'."""
    assert mrkdwn("[everyone](<!channel>) and [up](../)") == "everyone and up"


@pytest.mark.parametrize(("markdown", "expected"), [
    ("@channel, @Here! (@ALL) x.@everyone @all-hands",
     "@\u2060channel, @\u2060Here! (@\u2060ALL) x.@\u2060everyone @\u2060all-hands"),
    ("[@here](https://x.org/@all) `@channel`",
     "<https://x.org/@all|@\u2060here> `@\u2060channel`"),
    # Discord reads '@everyone' and '@here' inside words too; the others are names there.
    ("a@everyoneb @herebert", "a@\u2060everyoneb @\u2060herebert"),
    ("@allen, @channels and ops@allied.example",
     "@allen, @channels and <mailto:ops@allied.example>"),
    # Discord's role and user mentions, as its Slack endpoint reads our escapes.
    ("Paged <@&123456> and <@789>, <@!42> `<@&1>`",
     "Paged &lt;@\u2060&amp;123456&gt; and &lt;@\u2060789&gt;, &lt;@\u2060!42&gt; "
     "`&lt;@\u2060&amp;1&gt;`"),
])
def test_no_mention_of_everyone(markdown: str, expected: str) -> None:
    """Mattermost, Rocket.Chat and Discord page a whole channel or server for these
    words in a webhook's text: a word joiner after the '@' keeps them as words only."""
    assert mrkdwn(markdown) == expected


@pytest.mark.parametrize(("markdown", "expected"), [
    ('@<abbr title="x">here</abbr> now', "@\u2060here now"),
    ("@<em></em>everyone, @<sub>channel</sub>", "@\u2060everyone, @\u2060channel"),
    ("a [@](../)here", "a @\u2060here"),
    ("&lt;<sub>@</sub>&amp;123&gt;", "&lt;@\u2060&amp;123&gt;"),
])
def test_no_mention_across_inline_elements(markdown: str, expected: str) -> None:
    """Each text between tags was checked alone: an '@' and 'here' on either side of an
    empty or unmarked element ('abbr', 'sub', a relative link) met in the chat's text."""
    assert mrkdwn(markdown) == expected


# A mention as a receiver reads it, outside links: no word joiner after its '@'.
_LIVE_MENTION = re.compile(r"&lt;@(?!\u2060)|@(?=everyone|here|(?:channel|all)(?![^\W_]))",
                           re.IGNORECASE)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["@", "here", "everyone", "channel", "&lt;", "<", "&", "1",
                                 ">", "<abbr>", "</abbr>", "<em></em>", "<sub>", "</sub>",
                                 "[@](../)", "[x](https://x.org/@here)", " ", "*", "\n"]),
                max_size=30).map("".join))
def test_mrkdwn_mentions_no_one(markdown: str) -> None:
    assert not _LIVE_MENTION.search(_LINK.sub(" ", mrkdwn(markdown)))


# Outside '<url|text>' links and the '> ' of a quote (in a list item, after its bullet),
# mrkdwn holds no '<' or '>' and no '&' but an escape's: Slack would read '<!channel>'.
_LINK = re.compile(r"<(?:https?|mailto):[^<>|\s]+(?:\|[^<>]*)?>")
_ESCAPED = re.compile(r"([^<>&]|&amp;|&lt;|&gt;)*", re.S)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab &<>*_~`[]()!|#>-1.\n\\", "https://x.org/", "<!channel>",
                                 "<b>", "</b>", "```", "> ", "- ", '<a href="https://y.org/?a&b">']),
                max_size=40).map("".join))
def test_mrkdwn_escapes_everything_outside_its_own_syntax(markdown: str) -> None:
    text = _LINK.sub("", mrkdwn(markdown))
    text = re.sub(r"^(?:> |\u2022 |\d+\. | )+", "", text, flags=re.M)  # line starts
    assert _ESCAPED.fullmatch(text), text


@pytest.mark.parametrize(("start", "expected"), [
    ("abc", "1. x"), ("1e5", "1. x"), ("", "1. x"), (" 7", "7. x"), ("-2", "-2. x"),
    ("3rd", "3. x"), ("\u0663", "1. x"), ("9" * 5000, "1. x"),
])
def test_a_raw_list_start_is_read_as_a_browser_reads_it(start: str, expected: str) -> None:
    """Raw HTML keeps any 'start' (the sanitizer allows the attribute, not its value):
    a browser reads leading ASCII digits and counts from 1 when there are none; int()
    crashed the whole notify run on 'abc', and on 5,000 digits."""
    assert mrkdwn(f'<ol start="{start}"><li>x</li></ol>') == expected


# What a chat shows for a look-alike, a zero-width space or a word joiner: the typed text.
_AS_TYPED = str.maketrans({"\u2217": "*", "\u02cd": "_", "\u223c": "~", "\u02cb": "`",
                           "\u200b": None, "\u2060": None})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab &<>*_~`[]()!|#:@\\", "&amp;", "@here", "1. "]),
                max_size=40).map("".join))
def test_a_plain_text_shows_as_typed_in_markdown(title: str) -> None:
    """Mattermost shows a Slack message's 'text' as Markdown (cmark's GFM here): no mark,
    link, image, escape or entity of a title acts."""
    html = to_html(f"[Status] Investigating: {plain(title)} (link)")
    shown = re.fullmatch(r"<p>([^<]*)</p>\n", html)
    assert shown, html
    assert unescape(shown[1]).translate(_AS_TYPED) == f"[Status] Investigating: {title} (link)"
    assert "||" not in plain(title)  # Discord's spoiler: the text between would be hidden


def test_a_discord_spoiler_in_a_plain_text_shows() -> None:
    """Discord hides '||secret||' behind a spoiler: the title would not show as typed."""
    assert plain("Mail || web down ||") == "Mail |\u200b| web down |\u200b|"
    assert plain("a|||b") == "a|\u200b|\u200b|b"


@given(st.lists(st.sampled_from([*"ab &<>`\n", "😀", "✅", "é", "中", "&amp;", "```"]),
                max_size=400),
       st.integers(min_value=12, max_value=300))
def test_fitted_text_fits_slack_s_count(parts: list[str], room: int) -> None:
    """A text cut to fit its characters could still be refused by Slack, which has
    refused text of emoji under its limit: it is cut to fit in UTF-8 bytes."""
    text = "".join(parts)
    cut = fitted(text, room)
    assert units(cut) == len(cut.encode("utf-8")) <= room
    if units(text) <= room:
        assert cut == text

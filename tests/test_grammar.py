"""The notice grammar is written once (generator/notices/grammar.py), and what the tools
write with it reads back through it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config import yamlnodes as yn
from generator.core.errors import InputError
from generator.core.model import ID_PATTERN, Status
from generator.core.times import has_offset, parse_time
from generator.notices import edit, grammar, lookup
from tests.conftest import Run

ZONES = [ZoneInfo("America/Chicago"), ZoneInfo("Europe/London"), ZoneInfo("UTC")]
moments = st.integers(0, 60 * 24 * 800).map(
    lambda m: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=m))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(Status), moments, st.sampled_from(ZONES), st.booleans())
def test_written_headings_read_back(status: Status, at: datetime, zone: ZoneInfo,
                                    silent: bool) -> None:
    line = grammar.write_heading(status, at, zone, silent)
    assert grammar.is_heading(line)
    match = grammar.HEADING.match(line)
    assert match is not None
    assert match["status"] == status.value
    assert parse_time(match["time"], zone) == at
    assert match["flag"] == (grammar.SILENT if silent else None)
    assert grammar.split_body(line + "\ntext", 3) == (
        "", [(3, line, "text")], []) == grammar.split_body_lines(line + "\ntext", 3)


MESSAGE_LINES = ["text", "## x", "##", "###", " ## x", "    ## x", "```", "````", "~~~",
                 " ```", "``` py", "", "```vpn reset``` did not help.", "```python",
                 "```` \t", "~~~ `x`", "<!--", "-->", "<!-- x -->"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(MESSAGE_LINES), min_size=1, max_size=8))
def test_messages_are_refused_exactly_where_the_reference_sees_a_heading(
        lines: list[str]) -> None:
    body = "\n".join(lines)
    _, sections, _ = grammar.split_body_lines(body, 1)
    if not sections:
        edit.refuse_headings(body)
        return
    with pytest.raises(edit.EditError) as raised:
        edit.refuse_headings(body)
    assert str(raised.value).startswith(f"line {sections[0][0]} of the message starts with")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(MESSAGE_LINES), min_size=1, max_size=8))
def test_a_fence_is_left_open_exactly_when_a_heading_after_the_text_is_read_as_code(
        lines: list[str]) -> None:
    body = "\n".join(lines)
    _, sections, problems = grammar.split_body_lines(body + "\n## After - x", 1)
    if problems:  # a comment never closed: hidden, not code
        return
    read_as_heading = bool(sections) and sections[-1][1] == "## After - x"
    fence = grammar.open_fence(body)
    assert (fence is None) == read_as_heading
    if fence is not None:  # the line that opened it, after which no heading is read
        line, run = fence
        assert lines[line - 1].lstrip(" ").startswith(run)
        assert all(number < line for number, _, _ in sections)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(ID_PATTERN, fullmatch=True))
def test_a_notice_file_is_named_by_its_id_and_gives_it_back(notice_id: str) -> None:
    path = grammar.notice_file(Path("/repo"), notice_id)
    assert path.parent == Path("/repo") / grammar.NOTICES_DIR
    assert path.name == grammar.file_name(notice_id)
    assert grammar.id_of_file(path.name) == grammar.file_stem(path.name) == notice_id


@pytest.mark.parametrize("name", ["Outage.md", "outage.MD", "outage", "outage.md.bak",
                                  ".md", "two words.md"])
def test_a_file_name_that_is_no_id_and_md_gives_no_id(name: str) -> None:
    assert grammar.id_of_file(name) is None


def test_fence_rule() -> None:
    assert grammar.fence_after(None, "```", "") == "```"
    assert grammar.fence_after(None, "```", " py") == "```"  # an info string
    assert grammar.fence_after(None, "```", "vpn reset``` did not help.") is None  # code
    assert grammar.fence_after(None, "~~~", " `x`") == "~~~"  # tildes take any info string
    assert grammar.fence_after("````", "```", "") == "````"  # shorter: still open
    assert grammar.fence_after("```", "~~~", "") == "```"  # the other character: still open
    assert grammar.fence_after("```", "````", "") is None
    assert grammar.fence_after("```", "```", " \t ") is None  # spaces and tabs may follow
    assert grammar.fence_after("```", "```", "python") == "```"  # nothing else may
    assert grammar.fence_after("~~~", "~~~~", " x") == "~~~"


def test_a_line_of_inline_code_opens_no_fence() -> None:
    body = ("```vpn reset``` did not help.\n\n## Resolved - 2026-01-01 11:00\nFixed.\n\n"
            "## Monitoring - 2026-01-01 10:00\nx")
    expected = ("```vpn reset``` did not help.", [
        (9, "## Resolved - 2026-01-01 11:00", "Fixed."),
        (12, "## Monitoring - 2026-01-01 10:00", "x")], [])
    assert grammar.split_body(body, 7) == expected == grammar.split_body_lines(body, 7)


def test_only_a_bare_fence_run_closes_a_fence() -> None:
    body = "```\n## a\n```python\n## b\n~~~\n````  \t\n## c\nx"
    expected = ("```\n## a\n```python\n## b\n~~~\n````", [(13, "## c", "x")], [])
    assert grammar.split_body(body, 7) == expected == grammar.split_body_lines(body, 7)


def test_headings_in_an_html_comment_are_text() -> None:
    body = ("Summary.\n<!--\n## Resolved - 2026-01-01 11:00\nDraft.\n-->\n\n"
            "## Monitoring - 2026-01-01 10:30\nx\n  <!-- one line -->\n## Identified - "
            "2026-01-01 10:00\ny\n<!-- never closed\n## Investigating - 2026-01-01 09:00\nz")
    expected = ("Summary.\n<!--\n## Resolved - 2026-01-01 11:00\nDraft.\n-->", [
        (13, "## Monitoring - 2026-01-01 10:30", "x\n  <!-- one line -->"),
        (16, "## Identified - 2026-01-01 10:00",
         "y\n<!-- never closed\n## Investigating - 2026-01-01 09:00\nz")],
        [(18, grammar.UNCLOSED_COMMENT)])
    assert grammar.split_body(body, 7) == expected == grammar.split_body_lines(body, 7)
    fenced = "```\n<!--\n```\n## x\n<!-- ```\n## y\n-->"
    assert grammar.split_body(fenced, 1) == (
        "```\n<!--\n```", [(4, "## x", "<!-- ```\n## y\n-->")], []
    ) == grammar.split_body_lines(fenced, 1)


@pytest.mark.parametrize(("text", "visible"), [
    ("No comment.", "No comment."),
    ("Mail flows.\n<!-- note -->\nWatching.", "Mail flows.\n\nWatching."),
    ("Mail flows.\n\n<!--\n## Resolved - 2026-01-01 11:00\nDraft.\n-->\n\nWatching.",
     "Mail flows.\n\nWatching."),
    ("<!-- first -->\n\nText\n   <!-- a\nb -->\n<!-- c -->", "Text"),
    ("<!-- all of it\n-->", ""),
    # A comment inside a paragraph goes too (it reached the API, calendars and mail),
    # opening and closing on one line, outside code spans, escapes and possible code.
    ("```\n<!-- shown as code -->\n```\nText <!-- inline, not a block -->",
     "```\n<!-- shown as code -->\n```\nText"),
    ("Done <!-- internal note --> ok.", "Done  ok."),
    ("Done  <!-- a -->\nmore", "Done\nmore"),  # no line break made of the spaces left
    ("Done  <!-- a --> <!-- b -->\nmore", "Done\nmore"),  # nor of those before two
    ("Done  <!-- a -->  \nmore", "Done    \nmore"),  # the one written stays
    ("a `<!-- code -->` b <!-- c -->", "a `<!-- code -->` b"),
    ("a ``x ` <!-- code -->`` b", "a ``x ` <!-- code -->`` b"),
    ("a `open\nstill <!-- code -->` b", "a `open\nstill <!-- code -->` b"),
    ("a ` <!-- c --> b", "a ` <!-- c --> b"),  # a code span may go on: left as written
    ("a<!-- c -->b and `x`<!-- c --> <!-- c -->", "a<!-- c -->b and `x`<!-- c -->"),
    ("Done <!-- c -->. Then <!-- c -->, and <!-- c -->?", "Done . Then , and ?"),
    ("_a <!-- c -->_ and a <!-- c -->_b_", "_a <!-- c -->_ and a <!-- c -->_b_"),
    ("a \\<!-- shown --> b", "a \\<!-- shown --> b"),
    ("a <!-- over\nlines --> b", "a <!-- over\nlines --> b"),  # left as written
    ("text\n    code <!-- c -->", "text\n    code <!-- c -->"),
    # Code in a fence that a list item or a quote opens is shown as written.
    ("- ~~~\n  kill <!-- pid --> now\n  ~~~", "- ~~~\n  kill <!-- pid --> now\n  ~~~"),
    ("> ~~~\n> a <!-- c --> b\n> ~~~\n\nc <!-- d -->",
     "> ~~~\n> a <!-- c --> b\n> ~~~\n\nc <!-- d -->"),
    ("1. ```\n\n   a <!-- c --> b\n   ```", "1. ```\n\n   a <!-- c --> b\n   ```"),
    ("- a\n  ~~~\nb <!-- c --> d\n  ~~~\ne <!-- c --> f",  # the item's fence ends with it
     "- a\n  ~~~\nb <!-- c --> d\n  ~~~\ne <!-- c --> f"),
    ("a <!-- c --> b\n\n    code <!-- c -->", "a  b\n\n    code <!-- c -->"),
    ("a <!-- b --> c <!-- d", "a <!-- b --> c <!-- d"),  # '<!-- d' may go on: as written
    # Closed by '--->', which Markdown reads as no comment, or as one going on: left as
    # written, as pages show what they show of it.
    ("a <!-- b ---> c --> e", "a <!-- b ---> c --> e"),
    ("a <!-- b ---> c\nd <!-- e --> f", "a <!-- b ---> c\nd <!-- e --> f"),
    # After marks alone, taking it out would make a rule, a heading's underline, an
    # empty list item, or a link's definition that a page does not show.
    ("a\n--- <!-- c -->\n- <!-- c -->\n[l]: http://x <!-- c -->",
     "a\n--- <!-- c -->\n- <!-- c -->\n[l]: http://x <!-- c -->"),
    ("<!-- ```\n-->\n<!-- x -->\n\n```\nkept\n```", "```\nkept\n```"),
    ("    <!-- indented code -->", "    <!-- indented code -->"),
    ("a\n<!-- b -->\nc\n<!-- never closed", "a\n<!-- b -->\nc\n<!-- never closed"),  # refused
    # Text after the '-->' that ends a comment block is shown, as a block of its own.
    ("Looking.\n<!-- TODO: confirm with vendor --> ETA 15:00.\nMore.",
     "Looking.\n\nETA 15:00.\n\nMore."),
    ("<!-- x --> text", "text"),
    ("a\n<!--\n## Resolved - 2026-01-01 11:00\n-->   Still.\n\nb", "a\n\nStill.\n\nb"),
    ("a\n<!-- x -->\n<!-- y --> b\n<!-- z -->\n\nc", "a\n\nb\n\nc"),
    ("<!--> shown\n<!---> too", "shown\n\ntoo"),
    ("<!-- a --> b <!-- c --> d <!-- e", "b  d <!-- e"),  # the browser hides c, not e
    ("a\n<!-- x --> \t\nb", "a\n\nb"),
    # Inside a tag's attribute value or a link's destination or title, '<!--' is text of
    # the value, which pages show (a link's tooltip): left as written, over lines too.
    ('See <a href="https://x.example/" title="a <!-- b --> c">it</a> <!-- d -->.',
     'See <a href="https://x.example/" title="a <!-- b --> c">it</a> .'),
    ("<abbr title='a <!-- b --> c'>x</abbr> and <b>bold</b> <!-- d --> e",
     "<abbr title='a <!-- b --> c'>x</abbr> and <b>bold</b>  e"),
    ('See <a href="https://x.example/"\ntitle="a <!-- b --> c">it</a> <!-- d -->.',
     'See <a href="https://x.example/"\ntitle="a <!-- b --> c">it</a> <!-- d -->.'),
    ('See [it](https://x.example/ "a <!-- b --> c") <!-- d -->, then [x](<y z> (a <!-- b -->))',
     'See [it](https://x.example/ "a <!-- b --> c") , then [x](<y z> (a <!-- b -->))'),
    ('See [it](https://x.example/\n"a <!-- b --> c")',
     'See [it](https://x.example/\n"a <!-- b --> c")'),
    ('See [it][r] <!-- d -->.\n\n[r]: https://x.example/\n"a <!-- b --> c"',
     'See [it][r] .\n\n[r]: https://x.example/\n"a <!-- b --> c"'),
    ("See <https://x.example/a> and <help@x.example> <!-- d -->",
     "See <https://x.example/a> and <help@x.example>"),
    # No tag, but taking the comment out may make one, with the line below.
    ("a <b <!-- x --> c", "a <b <!-- x --> c"),
])
def test_comment_blocks_are_left_out_of_the_text_readers_get(text: str, visible: str) -> None:
    assert grammar.without_comments(text) == visible


VISIBLE_LINES = ["", "text", "## x", "### y", "```", "~~~", "``` py", "```vpn reset``` x",
                 "<!--", "<!-- x -->", "-->", "x -->", "a <!--", "   <!-- x", " ```", "<!-->"]


words = st.text(st.sampled_from("ab.#* "), min_size=1, max_size=6).filter(str.strip)
gaps = st.sampled_from(["", " ", "  ", "\t"])
# A comment block: its lines, and the text of them that is not in a comment.
one_line_comments = st.builds(
    lambda indent, inside, tail, hidden: (
        [f"{indent}<!--{inside}-->{tail}" + (f"<!-- {hidden} -->" if hidden else "")], tail),
    st.sampled_from(["", " ", "   "]), st.sampled_from(["", " x ", " a > b ", " ## y "]),
    st.one_of(gaps, words), st.one_of(st.just(""), words))
block_comments = st.builds(
    lambda first, inside, tail: ([f"<!--{first}", *inside, f"x -->{tail}"], tail),
    st.sampled_from(["", " draft"]), st.lists(st.sampled_from(["", "## R", "text", "```"]),
                                               max_size=3),
    st.one_of(gaps, words))
text_lines = st.one_of(st.just(""), words).map(lambda line: ([line], line))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(one_line_comments, block_comments, text_lines), max_size=10))
def test_no_text_outside_a_comment_is_lost(pieces: list[tuple[list[str], str]]) -> None:
    """Every character outside '<!--' ... '-->' (but spaces) survives, in order, and no
    character inside one does."""
    text = "\n".join(line for lines, _ in pieces for line in lines)
    outside = "".join(shown for _, shown in pieces)
    assert "".join(grammar.without_comments(text).split()) == "".join(outside.split())


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(VISIBLE_LINES), max_size=10))
def test_leaving_comments_out_renders_the_same(lines: list[str]) -> None:
    """Pages render the text with its comments left out as they rendered it with them
    (on these lines; next to an indented code block or a list item the blank line left
    where a comment stood may join two blocks that the comment kept apart)."""
    from generator.render.markup import render_markdown

    def page(markdown: str) -> str:
        return re.sub(r">\s+<", "><", render_markdown(markdown)).strip()

    text = "\n".join(lines)
    assert page(grammar.without_comments(text)) == page(text)


TAIL_LINES = [*VISIBLE_LINES, "<!-- x --> tail", "x --> tail", "<!--> tail",
              "<!-- x --> a <!-- y --> b"]
# Lines of paragraphs holding comments, code spans and escapes (comment blocks, and the
# text after one's end that the other tests hold, aside).
INLINE_LINES = ["", "a <!-- x --> b", "a <!-- x ---> b", "a <!--> b", "a <!---> b",
                "a  <!-- x -->", "a <!-- x -->  ", "`<!-- x -->`",
                "a ` b", "``a ` <!-- x --> ``", "\\<!-- x -->", "c", "a <!-- x", "x --> d",
                "    code <!-- x -->", "```", "*a <!-- x --> b*", "` <!-- x -->`", "x<!-- y -->",
                "a <!-- x -->* b*", "* <!-- x -->", "_a <!-- x -->_", "& <!-- x -->amp;",
                "[a <!-- x -->](b)", "a <!-- x -->`", "a <!-- x -->_b_", "*a* <!-- x -->.",
                "&amp <!-- x -->;", "b <!-- x -->, c", "_a <!-- x -->._", "1. <!-- x -->",
                "> <!-- x -->", "- a <!-- x --> b", "> * <!-- x -->", "2) x <!-- y -->",
                "[l]: http://x <!-- c -->", "--- <!-- c -->", "=== <!-- c -->", "***",
                "* * * <!-- c -->", "x <!-- c --> <!-- d -->", "> a <!-- b -->",
                "x  <!-- c --> <!-- d -->", "- ~~~", "> ~~~", "  ~~~",
                'a <a href="x" title="b <!-- c --> d">e</a> f', 'a <a href="x"',
                'title="b <!-- c --> d">e</a>', "[a](x 'b <!-- c --> d') e", "[a](x",
                "'b <!-- c --> d')", "[r]: x", "a <b <!-- c --> d",
                "<https://x.example/> <!-- c -->", "<a@b.example> <!-- c --> d"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(INLINE_LINES), max_size=8))
def test_leaving_inline_comments_out_renders_the_same(lines: list[str]) -> None:
    """A paragraph renders the same with its one-line comments left out, as a browser
    shows it (runs of spaces as one, none beside a tag)."""
    from generator.render.markup import render_markdown

    def page(markdown: str) -> str:
        spaced = re.sub(r"\s+", " ", render_markdown(markdown))
        return re.sub(r" ?(<[^>]+>) ?", r"\1", spaced).strip()

    text = "\n".join(lines)
    assert page(grammar.without_comments(text)) == page(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TAIL_LINES), max_size=10))
def test_leaving_comments_out_shows_the_same_text(lines: list[str]) -> None:
    """Pages show the same words with comments left out as with them, text after a
    comment's '-->' included (set as a paragraph, where GitHub shows it bare)."""
    from generator.render.markup import render_markdown

    def words(markdown: str) -> list[str]:
        return re.sub(r"<[^>]*>", " ", render_markdown(markdown)).split()

    text = "\n".join(lines)
    assert words(grammar.without_comments(text)) == words(text)


# Lines whose block structure the grammar models: no list items, block quotes, setext
# underlines or HTML blocks other than comments.
CMARK_LINES = ["", " ", "text", "## Resolved - 2026-01-01 10:00", "##", "###", "#", "## x ##",
               " ## x", "   ##", "    ## x", "```", "````", " ```", "   ````", "    ```", "~~~",
               "~~~~ x", "``` py", "```vpn reset``` did not help.", "``` `x", "~~~ `x`",
               "```python", "```\t", "```` ", "~~~~ \t ", "<!--", "   <!-- x", "    <!--",
               "<!-- x -->", "<!-->", "<!--->", "-->", "x -->", "a <!--", "-- >", "<!-- ```",
               "<!-- x --> ## x", "x --> ## x"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(CMARK_LINES), max_size=12))
def test_update_headings_are_the_headings_github_shows(lines: list[str]) -> None:
    """The reference splits where cmark-gfm (GitHub's renderer) sees a level-2 heading:
    each is an update or, when indented, a problem; no other line is either."""
    from cmarkgfm import markdown_to_html_with_extensions
    from cmarkgfm.cmark import Options

    body = "\n".join(lines)
    html = markdown_to_html_with_extensions(body, options=Options.CMARK_OPT_SOURCEPOS,
                                            extensions=())
    shown = {int(line) for line in re.findall(r'<h2 data-sourcepos="(\d+):', html)}
    _, sections, problems = grammar.split_body_lines(body, 1)
    indented = {line for line, message in problems if message == grammar.INDENTED_HEADING}
    assert {line for line, _, _ in sections} | indented == shown


titles = st.text(st.sampled_from("abcXYZ019 .,-()é"), min_size=1, max_size=30).map(
    str.strip).filter(lambda t: t and t[0].isalnum())


@settings(max_examples=200, deadline=None)
@given(titles | st.text(st.sampled_from("ab \"'\\#:Д"), min_size=1, max_size=12).map(
    str.strip).filter(bool), st.sampled_from(["---", "...", "---  "]), st.booleans())
def test_look_up_reads_the_title_of_the_front_matter_only(
        tmp_path_factory: pytest.TempPathFactory, title: str, close: str, quoted: bool) -> None:
    """As written by 'outpost new' (quoted with escapes when it holds a quote, so that
    'Портал "Дневник"' is found by its last word) or single-quoted by hand."""
    path = tmp_path_factory.mktemp("t") / "n.md"
    written = yn.scalar_text(title) if not quoted else "'" + title.replace("'", "''") + "'"
    path.write_text(f"---\ntype: incident\ntitle: {written}\n{close}\n"
                    "title: not this one\n## Resolved - 2026-01-01 10:00\nx\n")
    assert lookup.read_title(path) == title


def test_ids_follow_one_pattern_in_settings_files_and_init(empty_repo: Path,
                                                           run: Run) -> None:
    assert grammar.ID_PATTERN is ID_PATTERN
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("id: api", "id: API"))
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (1, (
        "outpost.yaml:7: Config value 'components[1].id': expected an id of lowercase "
        "letters, digits and hyphens, received 'API'\n1 problem found.\n"))
    config.write_text(config.read_text().replace("id: API", "id: api"))
    (empty_repo / "notices" / "Bad_Name.md").write_text("x")
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (1, (  # the name, and the content too
        "notices/Bad_Name.md:1: expected '---' on the first line, to open the front matter\n"
        "notices/Bad_Name.md:1: file name must be lowercase letters, digits and hyphens "
        "(it becomes the notice's URL): rename it 'bad-name.md'\n2 problems found.\n"))
    init = run(empty_repo, "init", str(empty_repo / "new"), "--timezone", "UTC",
               "--component", "Web=Website")
    assert init.exit_code == 2  # a value that is not one: a usage error
    assert init.output.endswith(
        "\nError: --component: 'Web' is not an id of lowercase letters, digits and hyphens\n")


OFFSETS = ["", "Z", " Z", "+05:30", " -05:00", "-0500", " CST", "+25:00", " PM"]


@settings(max_examples=300, deadline=None)
@given(moments, st.sampled_from(OFFSETS), st.sampled_from(["T", " "]), st.booleans())
def test_a_time_with_an_offset_means_the_same_in_every_zone(
        at: datetime, offset: str, separator: str, seconds: bool) -> None:
    text = at.strftime(f"%Y-%m-%d{separator}%H:%M" + (":%S" if seconds else "")) + offset
    assert has_offset(text) == (offset.strip() not in ("", "CST", "PM"))
    if not has_offset(text):
        return
    meanings = set()
    for zone in ZONES:
        try:
            meanings.add(parse_time(text, zone).isoformat())
        except InputError as exc:
            meanings.add(str(exc).replace(zone.key, "ZONE"))
    assert len(meanings) == 1


def test_an_update_opening_with_indented_code_keeps_it_code(empty_repo: Path,
                                                             run: Run) -> None:
    """Four spaces open a code block, as on GitHub, also on an update's or the summary's
    first line: its text was stripped, so the first line lost them and the block read
    as a paragraph, commands run together."""
    assert grammar.split_body("\n    $ a\n    $ b\n\n## x\n\n    $ c\n\n", 7) == (
        "    $ a\n    $ b", [(11, "## x", "    $ c")], [])
    (empty_repo / "notices" / "relay.md").write_text(
        "---\ntitle: Mail delays\ntype: incident\n---\n    $ systemctl stop relay\n\n"
        "## Identified - 2026-11-28 05:00\n    $ systemctl restart relay\n"
        "    $ systemctl status relay\n\nDone.\n")
    assert run(empty_repo, "build", "--now", "2026-11-28 06:00").exit_code == 0
    page = (empty_repo / "site" / "notices" / "relay" / "index.html").read_text()
    assert "<pre><code>$ systemctl stop relay\n</code></pre>" in page
    assert ("<pre><code>$ systemctl restart relay\n$ systemctl status relay\n</code></pre>"
            in page)


KEYS = ("title", "type", "impact", "components", "start", "end")


@pytest.mark.parametrize(("body", "line"), [
    ("x\n---\ntitle: B\ntype: incident\n---\n", 3),  # a whole front matter
    ("x\nimpact: minor\ncomponents: [web]\n---\n", 2),  # where the sides agreed at first
    ("x\n---\n\ntitle: a word\n", None),  # a rule, then a paragraph
    ("x\n\n---\n", None),
    ("```yaml\n---\ntitle: B\n---\n```\n", None),  # an example, in a code fence
    ("<!--\n---\ntitle: B\n---\n-->\n", None),  # in a comment
    ("Title: B\n---\n", None),  # a heading underlined, not a key
])
def test_front_matter_again(body: str, line: int | None) -> None:
    assert grammar.front_matter_again(body, 1, KEYS) == line


@pytest.mark.parametrize(("body", "lines"), [
    ("x\n\n    ## Resolved - 2026-01-01 11:00\n", [(3, grammar.INDENTED_HEADING)]),
    ("x\n\t## resolved \u2013 2026-01-01 11:00 [silent]\n",  # any case, dash, flag
     [(2, grammar.INDENTED_HEADING)]),
    ("x\n      ## Postmortem - 2026-01-02 09:00\n", [(2, grammar.INDENTED_HEADING)]),
    ("x\n### Resolved - 2026-01-01 11:00\nDone.\n", [(2, grammar.WRONG_LEVEL)]),
    ("x\n# Identified - 2026-01-01 10:40\n", [(2, grammar.WRONG_LEVEL)]),
    ("x\n\n    ## Notes - what we saw\n", []),  # not a status: a heading of its own text
    ("x\n### Update - see the graph below\n", []),  # a subheading: no date
    ("x\n### What we changed\n", []),
    ("```\n    ## Resolved - 2026-01-01 11:00\n### Resolved - 2026-01-01 11:00\n```\n", []),
    ("<!--\n    ## Resolved - 2026-01-01 11:00\n-->\n", []),  # in a comment
    ("x\n   ## Resolved - 2026-01-01 11:00\n", []),  # three spaces: split_body's to name
    # Pasted from chat, or a file joined to one with a byte order mark: read as text.
    ("x\n\u200b## Resolved - 2026-01-01 11:00\n",
     [(2, grammar.unseen_before_heading("\u200b"))]),
    ("x\n\ufeff## Investigating - 2026-01-01 10:00\n",
     [(2, grammar.unseen_before_heading("\ufeff"))]),
    ("x\n \u00a0## Resolved - 2026-01-01 11:00\n",
     [(2, grammar.unseen_before_heading("\u00a0"))]),
    ("x\n\u200bSee ## Resolved - 2026-01-01 11:00\n", []),  # no heading
    ("```\n\u200b## Resolved - 2026-01-01 11:00\n```\n", []),  # code
    # Markdown's underlined headings, a status and a date: an update without its '##'.
    ("x\n\nResolved - 2026-01-01 11:00\n===\nDone.\n", [(3, grammar.UNDERLINED)]),
    ("x\n  completed \u2014 2026-01-01 11:00 \n---\n", [(2, grammar.UNDERLINED)]),
    ("x\n\nResolved - 2026-01-01 11:00\n\n---\n", []),  # a rule, not an underline
    ("x\nNotes - 2026-01-01 11:00\n---\n", []),  # no status: a subheading of its own
    ("x\nResolved - see below\n===\n", []),  # no date
    ("```\nResolved - 2026-01-01 11:00\n===\n```\n", []),  # code
    ("- Resolved - 2026-01-01 11:00\n---\n", []),  # a list item, then a rule
])
def test_misplaced_headings(body: str, lines: list[tuple[int, str]]) -> None:
    assert grammar.misplaced_headings(body, 1) == lines


def test_a_resolved_heading_after_an_invisible_character_is_a_problem(
        empty_repo: Path, run: Run) -> None:
    """A zero-width space pasted from chat before '## Resolved - ...' made the line text
    of the update above: check passed, the incident stayed open, and its page showed
    the heading as words."""
    (empty_repo / "notices" / "x.md").write_text(
        "---\ntitle: Slow sign-in\ntype: incident\n---\n"
        "\u200b## Resolved - 2026-01-01 11:00\nFixed.\n\n"
        "## Investigating - 2026-01-01 10:00\nLooking.\n", encoding="utf-8")
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (1, (
        "notices/x.md:5: a zero width space (U+200B), which an editor shows as nothing or "
        "as a space, stands before this heading's '##': it is read as text of the update "
        "above, and its own update is lost: remove it\n1 problem found.\n"))

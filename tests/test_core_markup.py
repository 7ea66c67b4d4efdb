"""Markdown in notices is sanitized; titles are plain text."""

from __future__ import annotations

from pathlib import Path

from generator.render.markup import MarkdownRenderer
from tests.conftest import FIXED_NOW, Run


def test_markdown_cannot_inject_script() -> None:
    render = MarkdownRenderer()
    assert render("<script>alert(1)</script>\n\nHi <b onclick=\"x()\">there</b>") == (
        "<p>Hi <b>there</b></p>")
    assert render("[x](javascript:alert(1)) [y](https://ok.example/) [z](mailto:a@b.example)"
                  ) == ('<p><a rel="noopener noreferrer nofollow">x</a> '
                        '<a href="https://ok.example/" rel="noopener noreferrer nofollow">y</a> '
                        '<a href="mailto:a@b.example" rel="noopener noreferrer nofollow">z</a></p>')
    assert render('![pixel](https://tracker.example/p.png)\n\n<iframe src="https://x"></iframe>'
                  '\n\n<style>body{}</style>') == "<p></p>"


def test_headings_inside_updates_sit_below_the_update_heading() -> None:
    render = MarkdownRenderer()
    assert render("### Details\n\n#### More\n\n# Loud") == (
        "<h4>Details</h4>\n<h5>More</h5>\n<h2>Loud</h2>")
    # Fitted under a page heading: the levels used close up, starting at ``top``.
    assert render("### Details\n\n##### More\n\n# Loud", 4) == (
        "<h5>Details</h5>\n<h6>More</h6>\n<h4>Loud</h4>")
    assert render("### Details\n\n###### Fine print", 3) == (
        "<h3>Details</h3>\n<h4>Fine print</h4>")


def test_markdown_features_kept() -> None:
    render = MarkdownRenderer()
    html = render("- one\n- two\n\n```\ncode <b>\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<ul>\n<li>one</li>" in html
    assert "<pre><code>code &lt;b&gt;\n</code></pre>" in html
    assert "<td>1</td>" in html


def test_titles_are_plain_text(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    (empty_repo / "notices" / "x.md").write_text(
        "---\ntitle: \"<img src=x onerror=alert(1)> **bold**\"\ntype: incident\n---\n"
        "## Investigating - 2026-11-28 05:00\nLooking.\n")
    site = tmp_path / "site"
    assert run(empty_repo, "build", "--out", str(site), "--now", FIXED_NOW).exit_code == 0
    page = (site / "notices" / "x" / "index.html").read_text()
    assert "<h1>&lt;img src=x onerror=alert(1)&gt; **bold**</h1>" in page
    assert "<img" not in page


def test_github_flavored_markdown() -> None:
    """Notices use GFM, the dialect GitHub previews show: bare links, strikethrough,
    lists nested by two spaces, and no smart quotes."""
    render = MarkdownRenderer()
    assert render("See https://status.example/x and ~~old~~ \"quoted\"") == (
        '<p>See <a href="https://status.example/x" rel="noopener noreferrer nofollow">'
        'https://status.example/x</a> and <del>old</del> "quoted"</p>')
    assert render("- outer\n  - inner") == (
        "<ul>\n<li>outer\n<ul>\n<li>inner</li>\n</ul>\n</li>\n</ul>")
    assert render("3. third\n4. fourth") == '<ol start="3">\n<li>third</li>\n<li>fourth</li>\n</ol>'

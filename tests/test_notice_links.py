"""A notice's relative links are read from its page, notices/<id>/: check and the
authoring commands warn of one that leads nowhere there, with what to write instead."""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.notices.links import may_link
from tests.conftest import Run

LATER = "2026-11-28 23:00"

EARLIER = ("---\ntitle: Slow sign-in\ntype: incident\n---\n"
           "## Resolved - 2026-11-27 10:00\nFixed.\n\n"
           "## Investigating - 2026-11-27 09:00\nLooking.\n")
LINKED = """\
---
title: Email delays
type: incident
---
Runbook: [the relay's](../docs/relay.md).

## Investigating - 2026-11-28 09:00
Like [last time](2026-11-27-sign-in), see [its fix](2026-11-27-sign-in.md#update-x).

```
[in code](../docs/code.md)
```
<!-- [draft](../docs/draft.md) -->
These stay: [last time](../2026-11-27-sign-in/), [this update](#update-x),
[the Open page](../../), [a component](../../components/web/), [mail](mailto:a@b.org),
[the site](https://status.example.org/notices/nosuch/) and <a href="../nosuch/">one
more</a>.
"""


def test_a_link_leading_nowhere_from_the_notice_page_is_warned_of(empty_repo: Path,
                                                                   run: Run) -> None:
    """'[runbook](../docs/x.md)' reads as the repository's file in GitHub's preview; on
    the site it named notices/docs/x.md, and 'other-notice' a page inside this one's:
    check passed both, and readers got a 404."""
    notices = empty_repo / "notices"
    (notices / "2026-11-27-sign-in.md").write_text(EARLIER)
    (notices / "2026-11-28-email.md").write_text(LINKED)
    result = run(empty_repo, "check", "--now", LATER)
    assert (result.exit_code, result.output) == (0, (
        "notices/2026-11-28-email.md:5: warning: the link '../docs/relay.md' leads nowhere: "
        "read from the notice's page (notices/2026-11-28-email/), it names "
        "notices/docs/relay.md, which the site does not have; write the full address "
        "(https://...) of the page it means\n"
        "notices/2026-11-28-email.md:8: warning: the link '2026-11-27-sign-in' leads "
        "nowhere: read from the notice's page (notices/2026-11-28-email/), it names "
        "notices/2026-11-28-email/2026-11-27-sign-in, which the site does not have; to "
        "link to that notice's page, write '../2026-11-27-sign-in/'\n"
        "notices/2026-11-28-email.md:8: warning: the link '2026-11-27-sign-in.md#update-x' "
        "leads nowhere: read from the notice's page (notices/2026-11-28-email/), it names "
        "notices/2026-11-28-email/2026-11-27-sign-in.md, which the site does not have; to "
        "link to that notice's page, write '../2026-11-27-sign-in/#update-x'\n"
        "notices/2026-11-28-email.md:16: warning: the link '../nosuch/' leads nowhere: read "
        "from the notice's page (notices/2026-11-28-email/), it names notices/nosuch/, "
        "which the site does not have; write the full address (https://...) of the page "
        "it means\n"
        "OK: outpost.yaml and 2 notices are valid (4 warnings).\n"))
    github = run(empty_repo, "check", "--now", LATER, "--format", "github")
    assert github.output.splitlines()[0] == (
        "::warning file=notices/2026-11-28-email.md,line=5::the link '../docs/relay.md' "
        "leads nowhere: read from the notice's page (notices/2026-11-28-email/), it names "
        "notices/docs/relay.md, which the site does not have; write the full address "
        "(https://...) of the page it means")


def test_a_site_below_a_path_names_links_leaving_it(empty_repo: Path, run: Run) -> None:
    """Below base_url's path, a link climbing out of the site to a page of the host is
    left alone; to a Markdown file it is named by its address."""
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("https://status.example.org/",
                                                 "https://example.org/status/"))
    (empty_repo / "notices" / "2026-11-28-email.md").write_text(
        "---\ntitle: Email delays\ntype: incident\n---\n## Investigating - 2026-11-28 09:00\n"
        "See [support](../../../support/) and [notes](../../../notes/relay.md).\n")
    assert run(empty_repo, "check", "--now", LATER).output == (
        "notices/2026-11-28-email.md:6: warning: the link '../../../notes/relay.md' leads "
        "nowhere: read from the notice's page (notices/2026-11-28-email/), it names "
        "https://example.org/notes/relay.md, which the site does not have; write the full "
        "address (https://...) of the page it means\n"
        "OK: outpost.yaml and 1 notice are valid (1 warning).\n")


def test_posting_a_link_leading_nowhere_warns(empty_repo: Path, run: Run) -> None:
    """The authoring commands write the text as asked and warn as check does."""
    (empty_repo / "notices" / "2026-11-27-sign-in.md").write_text(EARLIER)
    result = run(empty_repo, "new", "incident", "Email delays", "--at", "2026-11-28 09:00",
                 "-m", "Like [last time](2026-11-27-sign-in.md).")
    assert (result.exit_code, result.output) == (0, (
        "Created 2026-11-28-email-delays: notices/2026-11-28-email-delays.md\n"
        "Warning: the link '2026-11-27-sign-in.md' leads nowhere: read from the notice's "
        "page (notices/2026-11-28-email-delays/), it names "
        "notices/2026-11-28-email-delays/2026-11-27-sign-in.md, which the site does not "
        "have; to link to that notice's page, write '../2026-11-27-sign-in/'.\n"))
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 09:30",
                 "-m", "Like [last time](../2026-11-27-sign-in/).")
    assert (result.exit_code, result.output) == (0, (
        "Posted Update - 2026-11-28 09:30 to 2026-11-28-email-delays: "
        "notices/2026-11-28-email-delays.md\n"))
    result = run(empty_repo, "resolve", "email", "--at", "2026-11-28 10:00",
                 "-m", "Done; see [the runbook](../docs/relay.md).")
    assert (result.exit_code, result.output) == (0, (
        "Posted Resolved - 2026-11-28 10:00 to 2026-11-28-email-delays: "
        "notices/2026-11-28-email-delays.md\n"
        "Warning: the link '../docs/relay.md' leads nowhere: read from the notice's page "
        "(notices/2026-11-28-email-delays/), it names notices/docs/relay.md, which the "
        "site does not have; write the full address (https://...) of the page it means.\n"))
    result = run(empty_repo, "postmortem", "email", "--at", "2026-11-28 11:00",
                 "-m", "A full disk ([notes](notes.md)).")
    assert result.output.splitlines()[1] == (
        "Warning: the link 'notes.md' leads nowhere: read from the notice's page "
        "(notices/2026-11-28-email-delays/), it names "
        "notices/2026-11-28-email-delays/notes.md, which the site does not have; write "
        "the full address (https://...) of the page it means.")


def test_a_link_is_named_as_written_at_its_line(empty_repo: Path, run: Run) -> None:
    """Markdown percent-encodes a space or an accent in a link; the warning names the
    link as typed, at its line, a reference definition's too."""
    (empty_repo / "notices" / "2026-11-28-email.md").write_text(
        "---\ntitle: Email delays\ntype: incident\n---\n## Investigating - 2026-11-28 09:00\n"
        "Looking.\n\nSee [notes](<relay notes.md>) and [the café][cafe].\n\n"
        "[cafe]: ../café/\n")
    assert run(empty_repo, "check", "--now", LATER).output == (
        "notices/2026-11-28-email.md:8: warning: the link 'relay notes.md' leads nowhere: "
        "read from the notice's page (notices/2026-11-28-email/), it names "
        "notices/2026-11-28-email/relay notes.md, which the site does not have; write the "
        "full address (https://...) of the page it means\n"
        "notices/2026-11-28-email.md:10: warning: the link '../café/' leads nowhere: read "
        "from the notice's page (notices/2026-11-28-email/), it names notices/café/, which "
        "the site does not have; write the full address (https://...) of the page it "
        "means\n"
        "OK: outpost.yaml and 1 notice are valid (2 warnings).\n")


def test_a_link_pages_keep_no_link_of_is_warned_of(empty_repo: Path, run: Run) -> None:
    """The sanitizer keeps the words of a 'tel:' or 'ftp:' link and drops the link:
    check passed it, and readers found no way to call the desk it named."""
    (empty_repo / "notices" / "2026-11-28-email.md").write_text(
        "---\ntitle: Email delays\ntype: incident\n---\n## Investigating - 2026-11-28 09:00\n"
        "Call [the desk](tel:+15551234), mail <a@b.org>, see <https://example.org/>.\n\n"
        "Files: <ftp://files.example.org/>, [Mail](MAILTO:a@b.org).\n")
    assert run(empty_repo, "check", "--now", LATER).output == (
        "notices/2026-11-28-email.md:6: warning: the link 'tel:+15551234' is shown as its "
        "words alone, no link: links may use http, https and mailto only\n"
        "notices/2026-11-28-email.md:8: warning: the link 'ftp://files.example.org/' is "
        "shown as its words alone, no link: links may use http, https and mailto only\n"
        "OK: outpost.yaml and 1 notice are valid (2 warnings).\n")
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 09:30",
                 "-m", "Call [the desk](tel:+15551234).")
    assert result.output.splitlines()[1] == (
        "Warning: the link 'tel:+15551234' is shown as its words alone, no link: links may "
        "use http, https and mailto only.")


def test_a_notice_full_of_such_links_is_read_at_once(empty_repo: Path, run: Run) -> None:
    """Each link was looked for through every line of its notice: 60,000 links in a
    notice under the size limit took check a minute. The first 20 are named."""
    updates = "".join(f"## Update - 2026-11-28 10:{minute:02}\n"
                      + "".join(f"[a](x{minute}-{i}.md)\n" for i in range(2_000)) + "\n"
                      for minute in range(30))
    (empty_repo / "notices" / "2026-11-28-email.md").write_text(
        "---\ntitle: Email delays\ntype: incident\n---\n" + updates
        + "## Investigating - 2026-11-28 09:00\nLooking.\n")
    started = time.monotonic()
    output = run(empty_repo, "check", "--now", LATER).output.splitlines()
    assert time.monotonic() - started < 10
    assert len(output) == 21 and output[-1] == (
        "OK: outpost.yaml and 1 notice are valid (20 warnings).")
    assert output[19].startswith("notices/2026-11-28-email.md:25: warning: the link "
                                 "'x0-19.md'")


_PIECES = ("[a](", "](", "]:", "[r]: ", "<a href=", "<A HREF='", "../x.md", "x.md",
           "notices/y/", "https://e.org/", "HTTP://e.org/", "mailto:a@b", "tel:1", "//h/",
           " ", "\n", ")", "<", ">", "x", "]", "[", "`", "\"", "&amp;")


@given(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join))
@settings(max_examples=400, deadline=None)
def test_only_texts_that_cannot_warn_are_passed_over(text: str) -> None:
    """may_link's quick look passes over a text only where reading it whole would find
    no link to warn of."""
    if not may_link(text):
        assert _hrefs_warned(text) == []


def _hrefs_warned(text: str) -> list[str]:
    from generator.notices import links

    return [href for href in links._hrefs(text)
            if links._advice(href, href, "https://s.org/notices/n/", "https://s.org/",
                             {"n", "y"}) is not None]

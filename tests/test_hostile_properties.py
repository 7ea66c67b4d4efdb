"""check passing means every later step passes: for any notice `outpost check` accepts,
`outpost build` (every page, feed, calendar and API file), the feeds read back, and
`outpost notify --dry-run` succeed. Titles and bodies are arbitrary Unicode, control
characters, line separators and markup included."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import feedparser
import icalendar
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.app import cli
from generator.config.schema import spaced
from generator.config.yamlnodes import scalar_text
from tests.conftest import MINIMAL_CONFIG

NOW = "2026-11-28T18:00:00Z"
CONFIG = MINIMAL_CONFIG + """\
notify:
  since: 2026-11-01 00:00
  from: Test Status <status@example.org>
  smtp:
    host: 127.0.0.1
    port: 9
    security: none
  contacts:
    - email: alice@example.org
"""
# Characters that broke a step before, or could: controls, separators, markup, escapes.
AWKWARD = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\r", "\n", "\t",
           "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\U0001f389", "<", ">", "&",
           "\\", '"', "'", ";", ",", ":", "#", "*", "`", "]]>", "<script>", "## ", "---",
           "> ", "- ", "[x](javascript:alert(1))", "<img src=x onerror=alert(1)>", "|",
           "&#1;", "&#xFFFE;", "&#x202e;", "[^1]", "[!NOTE]", "- [x] "]
unicode = st.characters(exclude_categories=("Cs",))  # UTF-8 cannot carry lone surrogates
printable = st.characters(exclude_categories=("Cs", "Cc"))
# Mostly text check accepts, so that the steps after it run often; sometimes anything.
awkward_text = st.lists(st.one_of(printable, printable, printable, unicode,
                                  st.sampled_from(AWKWARD)), min_size=1, max_size=30
                        ).map("".join)


def notice_text(title: str, body: str, maintenance: bool) -> str:
    if maintenance:
        return (f"---\ntitle: {scalar_text(title)}\ntype: maintenance\ncomponents: [web]\n"
                "start: 2026-11-29 10:00\nend: 2026-11-29 12:00\n---\n"
                f"## Scheduled - 2026-11-28 09:00\n{body}\n")
    return (f"---\ntitle: {scalar_text(title)}\ntype: incident\nimpact: major\n"
            f"components: [api]\n---\n## Investigating - 2026-11-28 09:00\n{body}\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=awkward_text, body=awkward_text, maintenance=st.booleans())
def test_what_check_accepts_builds_feeds_and_notifies(title: str, body: str,
                                                      maintenance: bool) -> None:
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "repo"
        (root / "notices").mkdir(parents=True)
        (root / "outpost.yaml").write_text(CONFIG)
        (root / "notices" / "awkward.md").write_bytes(
            notice_text(title, body, maintenance).encode("utf-8"))
        checked = runner.invoke(cli, ["--root", str(root), "check"])
        assert checked.exit_code in (0, 1), checked.output
        assert "Traceback" not in checked.output
        if checked.exit_code == 1:
            for line in checked.output.splitlines()[:-1]:  # each problem is one whole line
                assert line.startswith("notices/awkward.md:"), checked.output
            return
        built = runner.invoke(cli, ["--root", str(root), "build", "--now", NOW])
        assert built.exit_code == 0, built.output
        site = root / "site"
        for feed in ("feed.xml", "atom.xml", "components/web/feed.xml",
                     "components/api/atom.xml"):
            parsed = feedparser.parse((site / feed).read_bytes())
            assert not parsed.bozo, (feed, parsed.bozo_exception)
        calendar = icalendar.Calendar.from_ical((site / "maintenance.ics").read_bytes())
        events = calendar.walk("VEVENT")
        assert len(events) == (1 if maintenance else 0)
        if maintenance:
            # As every title is read: a run of blanks holding a tab is one space.
            assert str(events[0]["SUMMARY"]) == spaced(title).strip()
        for api in site.glob("api/**/*.json"):
            json.loads(api.read_bytes())
        notified = runner.invoke(cli, ["--root", str(root), "notify", "--dry-run",
                                       "--now", NOW])
        assert notified.exit_code == 0, notified.output
        assert len(notified.output.splitlines()) > 1

"""The benchmark harness works (quick mode); it never asserts on timings."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import hugo, peer, synth
from bench.measure import Sample
from bench.report import write_results
from bench.run import page_weights
from tests.conftest import Run

REPO = Path(__file__).resolve().parent.parent


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_synthetic_repo_is_deterministic_and_valid(tmp_path: Path, run: Run) -> None:
    first = synth.make_repo(tmp_path / "a", 100)
    second = synth.make_repo(tmp_path / "b", 100)
    assert _tree(first) == _tree(second)
    assert len(list((first / "notices").glob("*.md"))) == 100
    result = run(first, "check")
    assert result.output == "OK: outpost.yaml and 100 notices are valid.\n"
    result = run(first, "build", "--out", str(tmp_path / "site"), "--now", synth.NOW)
    assert result.exit_code == 0, result.output
    index = (tmp_path / "site" / "index.html").read_text()
    assert "Sign-in errors for some districts" in index  # the hot notice is open
    synth.add_update(first, 1)
    result = run(first, "build", "--out", str(tmp_path / "site"), "--now", synth.NOW)
    page = (tmp_path / "site" / "notices" / synth.HOT_NOTICE / "index.html").read_text()
    assert "Still working on it (update 1)." in page
    weights = page_weights(tmp_path / "site")
    assert weights["Open page HTML + CSS (gzip)"].endswith(" KB")
    assert weights["largest page (gzip)"].endswith("`)")
    assert re.fullmatch(r"[0-9.]+ KB \(`components/[a-z-]+/index.html`\)",
                        weights["largest component page (gzip)"])
    assert re.fullmatch(r"[0-9.]+ KB \([0-9.]+ KB raw\)", weights["`api/uptime.json` (gzip)"])


def test_measured_builds_include_component_pages_bars_and_uptime(tmp_path: Path, run: Run
                                                                 ) -> None:
    """The synthetic notices name the ten components, so every measured build renders
    their pages, the Open page's bars and api/uptime.json, with notices in the window."""
    root = synth.make_repo(tmp_path / "repo", 100)
    result = run(root, "build", "--out", str(tmp_path / "site"), "--now", synth.NOW)
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"
    bar = re.compile(r'<i class="b-[a-z_]+"><span>')
    assert len(bar.findall((site / "index.html").read_text())) == 90 * len(synth.COMPONENTS)
    for component_id, _, _ in synth.COMPONENTS:
        page = (site / "components" / component_id / "index.html").read_text()
        assert len(bar.findall(page)) == 90, component_id
    uptime = json.loads((site / "api" / "uptime.json").read_text())
    assert [c["id"] for c in uptime["components"]] == [c[0] for c in synth.COMPONENTS]
    troubled = {c["id"] for c in uptime["components"]
                for day in c["days"] if day["status"] not in ("operational", "no_data")}
    assert troubled  # the window holds notices: the bars are not all quiet


def test_page_weights_report_missing_files(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_bytes(b"<p>hi</p>")
    weights = page_weights(tmp_path)
    assert weights["`embed.js` (gzip)"] == "missing"
    assert weights["`banner.html` (gzip)"] == "missing"
    assert weights["largest component page (gzip)"] == "missing"
    assert weights["`api/uptime.json` (gzip)"] == "missing"


def test_write_results_keeps_notes_and_replaces_the_run(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    write_results(path, "## Run of 1\n\nfirst\n", "# Notes\n")
    path.write_text(path.read_text().replace("# Notes", "# Notes\n\nhand-written"))
    write_results(path, "## Run of 2\n\nsecond\n", "# Notes\n")
    text = path.read_text()
    assert "hand-written" in text and "second" in text and "first" not in text


def test_quick_mode_writes_a_table(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--results", str(results),
         "--work", str(tmp_path / "work")],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    text = results.read_text()
    assert "| measure | 100 notices |" in text
    for row in ("full build", "rebuild, nothing changed", "rebuild after one new update",
                "rebuild after one new update, a minute later",
                "`outpost check`, first run (no cache)", "`outpost check`, cache warm",
                "`outpost update` (whole process)",
                "peak memory of a full build", "Open page HTML + CSS (gzip)",
                "largest component page (gzip)", "`api/uptime.json` (gzip)"):
        line = next(line for line in text.splitlines() if line.startswith(f"| {row} |"))
        assert " s" in line or " MB" in line or " KB" in line, line
        assert "failed" not in line, line
    assert "- Machine: " in text and "- Commit: " in text
    assert done.stdout.strip().startswith("## Run of ")


# --- python -m bench --peer hugo ------------------------------------------------------

HAS_HUGO = shutil.which("hugo") is not None


def test_hugo_twin_has_one_page_per_notice_with_the_same_markdown(tmp_path: Path) -> None:
    outpost = synth.make_repo(tmp_path / "outpost", 100)
    assert hugo.write_site(outpost, tmp_path / "hugo") == 100
    issues = tmp_path / "hugo" / "content" / "issues"
    names = sorted(p.stem for p in issues.glob("*.md") if p.name != "_index.md")
    assert names == sorted(p.stem for p in (outpost / "notices").glob("*.md"))
    for relative in ("_default/baseof.html", "_default/single.html", "_default/list.html",
                     "index.html"):
        assert (tmp_path / "hugo" / "layouts" / relative).is_file(), relative
    config = (tmp_path / "hugo" / "config.toml").read_text()
    assert 'disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT"]' in config
    assert "rssLimit = 100" in config
    # The open hot notice: its first update is the oldest heading; not resolved.
    source = (outpost / "notices" / f"{synth.HOT_NOTICE}.md").read_text()
    page = (issues / f"{synth.HOT_NOTICE}.md").read_text()
    front, body = page.split("\n---\n", 1)
    assert front.splitlines() == [
        "---", 'title: "Sign-in errors for some districts"', "date: 2026-11-27T16:00:00-06:00",
        "resolved: false", "severity: none",
        'affected: ["Campus Community", "Mobile notifications", "Single sign-on"]',
        "kind: incident", "section: issues"]
    assert body == source.split("\n---\n", 1)[1]
    # The same files give the same twin, byte for byte.
    hugo.write_site(outpost, tmp_path / "again")
    assert _tree(tmp_path / "hugo") == _tree(tmp_path / "again")


def test_hugo_page_of_a_closed_notice_and_an_ambiguous_time() -> None:
    text = ("---\ntitle: Timeouts (CDN edge)\ntype: incident\nimpact: major\n"
            "components: [sso, email-delivery]\n---\n"
            "## Resolved - 2025-11-02 01:30 -06:00\nFixed.\n\n"
            "## Investigating - 2025-11-02 01:10 -05:00\nLooking.\n")
    page = hugo.convert("2025-11-02-cdn", text)
    assert page.first == datetime(2025, 11, 2, 6, 10, tzinfo=UTC)
    assert page.closed == datetime(2025, 11, 2, 7, 30, tzinfo=UTC)
    assert page.components == ("sso", "email-delivery")
    assert hugo.page_text(page).splitlines()[:8] == [
        "---", 'title: "Timeouts (CDN edge)"', "date: 2025-11-02T01:10:00-05:00",
        "resolved: true", "resolvedWhen: 2025-11-02T01:30:00-06:00", "severity: major",
        'affected: ["Single sign-on", "Email delivery"]', "kind: incident"]
    with pytest.raises(ValueError, match=r"^x: no update heading$"):
        hugo.convert("x", "---\ntitle: t\ntype: incident\n---\nNo headings.\n")


def test_floor_writes_one_page_per_notice_and_a_list(tmp_path: Path) -> None:
    outpost = synth.make_repo(tmp_path / "outpost", 30)
    (outpost / "notices" / "zz-escaped.md").write_text(
        "---\ntitle: <b>Mail</b> & more\ntype: incident\nimpact: minor\n"
        "components: [sso]\n---\n## Resolved - 2025-11-02 01:30 -06:00\nFixed *now*.\n\n"
        "## Investigating - 2025-11-02 01:10\nLooking <script>alert(1)</script>.\n")
    out = tmp_path / "floor"
    done = subprocess.run([sys.executable, "-m", "bench.floor", str(outpost), str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    names = sorted(p.stem for p in (outpost / "notices").glob("*.md"))
    assert sorted(p.parent.name for p in (out / "notices").glob("*/index.html")) == names
    listing = (out / "index.html").read_text()
    assert listing.count("<li>") == 31
    assert '<a href="notices/zz-escaped/">&lt;b&gt;Mail&lt;/b&gt; &amp; more</a>' in listing
    hot = (out / "notices" / synth.HOT_NOTICE / "index.html").read_text()
    assert "Sign-in errors for some districts" in listing and "<h2>Investigating</h2>" in hot
    page = (out / "notices" / "zz-escaped" / "index.html").read_text()
    assert "<h1>&lt;b&gt;Mail&lt;/b&gt; &amp; more</h1>" in page
    assert "<h2>Resolved</h2> <time>2025-11-02 01:30</time>\n<p>Fixed <em>now</em>.</p>" in page
    assert "<script>" not in page  # sanitized, as Outpost's pages are


def test_floor_rebuild_writes_the_one_notice_s_page_again(tmp_path: Path) -> None:
    outpost = synth.make_repo(tmp_path / "outpost", 30)
    out = tmp_path / "floor"
    hot = out / "notices" / synth.HOT_NOTICE / "index.html"
    for _ in range(2):  # the folder is there the second time, as after a build
        done = subprocess.run([sys.executable, "-m", "bench.floor", str(outpost), str(out),
                               "--rebuild", synth.HOT_NOTICE], cwd=REPO, capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert [p.relative_to(out) for p in out.rglob("*") if p.is_file()] == [
            hot.relative_to(out)]
    synth.add_update(outpost, 1)
    subprocess.run([sys.executable, "-m", "bench.floor", str(outpost), str(out), "--rebuild",
                    synth.HOT_NOTICE], cwd=REPO, timeout=120, check=True)
    assert "Still working on it (update 1)." in hot.read_text()


@pytest.mark.parametrize("args", [[], ["root"], ["root", "out", "--rebuild"],
                                  ["root", "out", "--rebiuld", "x"]])
def test_floor_called_wrongly_prints_its_usage(args: list[str]) -> None:
    """The README gives `python -m bench.floor ROOT OUT`: without them it said
    'IndexError: list index out of range' under a traceback."""
    done = subprocess.run([sys.executable, "-m", "bench.floor", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "", "usage: python -m bench.floor ROOT OUT [--rebuild ID]\n")


def test_peer_ratios_are_hugo_over_outpost() -> None:
    assert peer.ratio(0.85, 1.96) == pytest.approx(0.4337, abs=1e-4)
    assert peer.ratio(17.0, 5.6) == pytest.approx(3.0357, abs=1e-4)
    assert peer.ratio(None, 1.0) is None
    assert peer.ratio(1.0, None) is None
    assert peer.ratio(1.0, 0.0) is None

    def samples(*pairs: tuple[float, float]) -> list[Sample]:
        return [Sample(seconds, mb) for seconds, mb in pairs]

    size = peer.PeerSize(1000, {
        peer.COLD: peer.Pair(outpost=samples((1.96, 267.0), (2.5, 270.0), (1.5, 260.0)),
                             hugo=samples((0.85, 748.0), (0.9, 700.0), (0.8, 760.0))),
        peer.ONE_UPDATE: peer.Pair(outpost=samples((0.5, 90.0)), hugo=samples((1.5, 500.0)),
                                   note="failed: boom"),
    })
    size.pairs[peer.COLD].floor = samples((0.5, 60.0), (0.4, 50.0), (0.6, 70.0))
    assert peer.rows(size) == [
        ("full build from scratch", "1.96 s", "0.85 s", "0.43", "0.50 s", "1.70"),
        ("rebuild after one new update", "0.50 s", "1.50 s", "3.00 (failed: boom)", "n/a",
         "n/a"),
        ("peak memory (full build)", "267 MiB", "748 MiB", "2.80", "60 MiB", "12.47"),
    ]
    assert peer.table([peer.PeerSize(100)]) == [
        "| measure | notices | Outpost | Hugo | Hugo / Outpost | Python floor | Hugo / floor |",
        "|---|---|---|---|---|---|---|",
        "| full build from scratch | 100 | n/a | n/a | n/a (not run) | n/a | n/a |",
        "| rebuild after one new update | 100 | n/a | n/a | n/a (not run) | n/a | n/a |",
        "| peak memory (full build) | 100 | n/a | n/a | n/a | n/a | n/a |",
    ]


def test_peer_section_is_replaced_in_place() -> None:
    notes = "# Benchmark results\n\nnotes\n"
    runs = "\n## Run of 1\n\ntable\n"
    first = peer.replace_section(notes + runs, f"{peer.SECTION}\n\nfirst\n")
    assert first == notes + f"\n{peer.SECTION}\n\nfirst\n" + runs
    second = peer.replace_section(first, f"{peer.SECTION}\n\nsecond\n")
    assert second == notes + f"\n{peer.SECTION}\n\nsecond\n" + runs
    assert peer.replace_section(notes, f"{peer.SECTION}\n\nx\n") == (
        notes + f"\n{peer.SECTION}\n\nx\n")


def test_peer_without_hugo_says_how_to_install_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PATH"}
    env["PATH"] = str(tmp_path)  # no hugo there
    done = subprocess.run([sys.executable, "-m", "bench", "--peer", "hugo", "--quick",
                           "--results", str(tmp_path / "R.md")], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (1, peer.INSTALL_HINT + "\n")
    assert not (tmp_path / "R.md").exists()


@pytest.mark.skipif(not HAS_HUGO, reason="hugo is not installed (apt-get install -y hugo)")
def test_peer_quick_runs_both_generators(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Notes\n\nkept\n\n## Run of 1\n\nkept too\n")
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--peer", "hugo", "--quick", "--results",
         str(results), "--work", str(tmp_path / "work")],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    text = results.read_text()
    assert text.startswith("# Notes\n\nkept\n\n## Side by side with Hugo\n")
    assert text.endswith("\n## Run of 1\n\nkept too\n")
    for name in ("full build from scratch", "rebuild after one new update",
                 "peak memory (full build)"):
        line = next(line for line in text.splitlines() if line.startswith(f"| {name} | 100 |"))
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[2].endswith((" s", " MiB")) and cells[3].endswith((" s", " MiB")), line
        float(cells[4])  # a ratio, not n/a or failed
        assert cells[5].endswith((" s", " MiB")), line
        float(cells[6])
    public = tmp_path / "work" / "peer-public-100"
    pages = list((public / "issues").glob("*/index.html"))
    assert len(pages) == 100
    hot = (public / "issues" / synth.HOT_NOTICE / "index.html").read_text()
    assert "Still working on it (update 1)." in hot  # the update reached Hugo's page too
    assert (public / "index.xml").read_text().count("<item>") == 100
    floor = tmp_path / "work" / "peer-floor-100"
    assert len(list((floor / "notices").glob("*/index.html"))) == 100

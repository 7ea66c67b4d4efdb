"""The embed outputs as files: budgets, banner.json, fragment, badges, the minifier."""

from __future__ import annotations

import base64
import hashlib
import html as htmllib
import itertools
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.app import project, recipe
from generator.build.inputs import load_valid
from generator.build.pipeline import render_site
from generator.core.timeline import select
from generator.render import badges, embeds, snippets
from generator.render.badges import badge_svg
from generator.render.mediatypes import is_cross_origin_data
from generator.render.pages import Site, banner_text, make_site
from tests.conftest import FIXED_NOW, REPO, Run
from tests.embed_support import NOW, build_site, incident, maintenance, write_repo

BASE = "https://status.example.org/"


@pytest.fixture
def example_site(example_repo: Path, run: Run, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    result = run(example_repo, "build", "--out", str(out), "--now", FIXED_NOW)
    assert result.exit_code == 0, result.output
    return out


def files_for(tmp_path: Path, notices: dict[str, str], mirrors: tuple[str, ...] = ()
              ) -> dict[str, bytes]:
    repo = write_repo(tmp_path / "repo", BASE, notices, mirrors)
    checked = load_valid(project(repo), "stop")
    return render_site(checked.config, checked.notices, NOW, recipe(), templates=repo).files


def test_budgets_on_the_example_site(example_site: Path) -> None:
    assert len((example_site / "embed.js").read_bytes()) <= 4096
    fragments = [example_site / "banner.html", *example_site.glob("components/*/banner.html")]
    assert len(fragments) == 6
    for fragment in fragments:
        assert len(fragment.read_bytes()) <= 1536, fragment


def test_embed_js_with_three_mirrors_fits_the_budget(tmp_path: Path) -> None:
    """About 4 KB: one mirror fits 4,096 bytes, three of 36 characters no more than
    4,160 bytes; the README gives the sizes as they are (it said 4,160 bytes of a script
    of 4,155), and each mirror's URL length plus 3 bytes."""
    mirrors = tuple(f"https://status-mirror-{n}.example.net/" for n in range(1, 4))
    sizes = [len(files_for(tmp_path / str(n), {}, mirrors=mirrors[:n])["embed.js"])
             for n in range(4)]
    assert sizes[1] <= 4096 and sizes[3] <= 4160
    assert [b - a for a, b in itertools.pairwise(sizes)] == [len(m) + 3 for m in mirrors]
    readme = " ".join((REPO / "README.md").read_text().split())
    assert f"The script is about {sizes[0] / 1024:.2f} KB;" in readme
    assert (f"`https://status-mirror-1.example.net/` make it about {sizes[3] / 1024:.2f} KB "
            f"({sizes[3]:,} bytes)") in readme


def test_every_embed_output_exists_and_is_cross_origin_data(example_site: Path) -> None:
    expected = ["banner.html", "banner.json", "embed.js", "embed/banner.html", "badge.svg"]
    for component in ("customer-sites", "support-portal"):
        expected += [f"components/{component}/{name}"
                     for name in ("banner.html", "banner.json", "badge.svg")]
    for path in expected:
        assert (example_site / path).is_file(), path
        assert is_cross_origin_data(path), path


def test_example_banner_json_agrees_with_the_site_banner(example_site: Path) -> None:
    data = json.loads((example_site / "banner.json").read_text())
    index = (example_site / "index.html").read_text()
    assert data["label"] == "Scheduled maintenance" and data["state"] == "maintenance"
    assert f"<strong>{data['label']}:</strong>" in index  # the title follows
    assert data["generated_at"] == "2026-11-28T12:00:00Z"
    assert data["detail"] == ("Campus server upgrade, Jan 9, 2027, 10:00 PM \u2013 Jan 10, "
                              "2:00 AM CST")
    assert data["notices"] == [{
        "label": "Scheduled maintenance", "detail": data["detail"],
        "id": "2027-01-09-campus-server-upgrade", "title": "Campus server upgrade",
        "type": "maintenance", "status": "scheduled", "impact": None,
        "start": "2027-01-10T04:00:00Z", "end": "2027-01-10T08:00:00Z",
        "url": BASE + "notices/2027-01-09-campus-server-upgrade/",
        "components": ["customer-sites", "mobile-notifications"]}]
    assert data["site"]["hosts"] == [BASE]
    portal = json.loads((example_site / "components/support-portal/banner.json").read_text())
    assert portal["state"] == "none" and portal["notices"] == []
    assert portal["component"] == {"id": "support-portal", "name": "Support Portal"}
    assert portal["label"] == "No current open notifications" and portal["detail"] is None


def test_readme_banner_json_example_is_the_example_site(example_site: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("\n### banner.json\n", 1)[1]
    example = section.split("```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(example) == json.loads((example_site / "banner.json").read_text())


def test_client_texts_are_the_site_banner_words() -> None:
    assert embeds.client_texts() == {
        "incident": "Incident in progress", "maintenance": "Maintenance in progress",
        "scheduled": "Scheduled maintenance", "none": "No current open notifications",
        "count": "{n} open notifications", "one": ", and 1 more notice",
        "more": ", and {n} more notices"}


def test_banner_json_for_an_incident_and_several_notices(tmp_path: Path) -> None:
    files = files_for(tmp_path, {"sign-in": incident("Sign-in failures"),
                                 "api": maintenance("API upgrade")},
                      mirrors=("https://mirror.example.net/status/",))
    data = json.loads(files["banner.json"])
    assert (data["state"], data["label"], data["detail"]) == (
        "incident", "Partial outage", "Sign-in failures, and 1 more notice")
    assert [n["id"] for n in data["notices"]] == ["sign-in", "api"]
    first = data["notices"][0]
    assert (first["status"], first["impact"], first["start"], first["end"]) == (
        "investigating", "major", "2026-11-28T11:30:00Z", None)
    assert data["site"]["hosts"] == [BASE, "https://mirror.example.net/status/"]
    assert b'["https://status.example.org/","https://mirror.example.net/status/"]' in (
        files["embed.js"])
    web = json.loads(files["components/web/banner.json"])
    assert [n["id"] for n in web["notices"]] == ["sign-in"]
    api = json.loads(files["components/api/banner.json"])
    assert (api["state"], api["detail"]) == (
        "maintenance", "API upgrade, Dec 5, 10:00 PM \u2013 Dec 6, 1:00 AM CST")


SWITCH_FAILURE = """\
---
title: Core switch failure
type: incident
impact: critical
components: {web: major_outage, api: degraded_performance}
---
## Investigating - 2026-11-28 05:30
The web servers are unreachable; API calls are slow.
"""

API_LATENCY = """\
---
title: API latency
type: incident
impact: major
components: {api: partial_outage}
---
## Investigating - 2026-11-28 05:00
One API node in three answers.
"""


def test_a_components_banner_speaks_of_that_component(tmp_path: Path) -> None:
    """Each notice is labelled, and the worst for the component named first, by the status
    it gives that component: the API's banner said 'Major outage: Core switch failure',
    the web's status, while the API had a partial outage and its page said so."""
    files = files_for(tmp_path, {"switch": SWITCH_FAILURE, "latency": API_LATENCY})
    api = json.loads(files["components/api/banner.json"])
    assert (api["label"], api["detail"], api["overall"]["text"]) == (
        "Partial outage", "API latency, and 1 more notice", "Partial outage")
    assert [(n["id"], n["label"]) for n in api["notices"]] == [
        ("latency", "Partial outage"), ("switch", "Degraded performance")]
    fragment = files["components/api/banner.html"].decode()
    assert ">Partial outage</b>" in fragment and detail_of(fragment) == api["detail"]
    web = json.loads(files["components/web/banner.json"])
    assert [(n["id"], n["label"]) for n in web["notices"]] == [("switch", "Major outage")]
    whole = json.loads(files["banner.json"])  # the site's: each notice's worst status
    assert (whole["label"], [(n["id"], n["label"]) for n in whole["notices"]]) == (
        "Major outage", [("switch", "Major outage"), ("latency", "Partial outage")])


def detail_of(html: str) -> str:
    """The fragment's words after its label: the title in its <bdi>, then what follows."""
    detail = html.split("<u ", 1)[1].split(">", 1)[1].split("</u>", 1)[0]
    bdi = re.fullmatch(r'<bdi style="[^"]*">(?P<title>[^<]*)</bdi>(?P<after>[^<]*)', detail)
    assert bdi, detail
    return bdi["title"] + bdi["after"]


def test_fragment_is_scoped_script_free_and_links_absolutely(tmp_path: Path) -> None:
    files = files_for(tmp_path, {"sign-in": incident("Sign-in failures")})
    html = files["banner.html"].decode()
    assert html.startswith('<div class="outpost-banner outpost-incident" role="status" '
                           'dir="ltr" lang="en" style="all:initial!important;')
    assert "<script" not in html and "<style" not in html
    assert f'<a href="{BASE}"' in html
    assert "Partial outage</b>: <u" in html and detail_of(html) == "Sign-in failures"
    assert "#f29d38" in html and "<svg" in html
    page = files["embed/banner.html"].decode()
    assert f'<a href="{BASE}" target="_top"' in page and "<script" not in page


def test_hostile_long_title_is_escaped_shortened_and_in_budget(tmp_path: Path) -> None:
    title = "'" + "<script>&\"x" * 22 + "'"  # 242 characters: the limit is 250
    files = files_for(tmp_path, {"evil": incident(title)})
    html = files["banner.html"].decode()
    assert "<script>" not in html and "&lt;script&gt;&amp;&#34;x" in html
    assert html.count("&lt;script&gt;") == 9 and detail_of(html).endswith("\u2026")
    assert len(files["banner.html"]) <= 1536
    data = json.loads(files["banner.json"])
    assert data["notices"][0]["title"] == title.strip("'")


def test_title_of_ampersands_stays_in_budget(tmp_path: Path) -> None:
    files = files_for(tmp_path, {"amp": incident("'" + "&" * 160 + "'")})
    html = files["banner.html"].decode()
    assert len(files["banner.html"]) <= embeds.FRAGMENT_MAX
    assert re.fullmatch(r"(&amp;)+\u2026", detail_of(html)), html


# 90 characters: under the 100 a title is cut to, over them with what follows it.
LONG_BUT_WHOLE = ("Sign-in failures for staff and students on the portal, email and VPN after "
                  "cert rotation")


def _words(html: str) -> str:
    # The site banner keeps a window's dash off the start of a line with a no-break space.
    return htmllib.unescape(re.sub(r"<[^>]+>", "", html)).replace("\u00a0", " ").strip()


@pytest.mark.parametrize("notices", [
    {"a": incident(LONG_BUT_WHOLE), "b": incident("Other"), "c": maintenance("API upgrade")},
    {"c": maintenance(LONG_BUT_WHOLE)},
], ids=["count", "window"])
def test_fragment_keeps_the_count_and_window_after_a_long_title(
        tmp_path: Path, notices: dict[str, str]) -> None:
    """The fragment cut the whole detail to 100 characters: a title of 90 lost what
    follows it ('..., and 2 mor…', a maintenance's date and time) and read unlike the
    site banner, which cuts only the title and keeps the rest."""
    files = files_for(tmp_path, notices)
    site_banner = files["index.html"].decode().split('class="banner ', 1)[1]
    site_words = _words(site_banner.split("<p>", 1)[1].split("</p>", 1)[0])
    assert _words(files["banner.html"].decode()) == site_words
    assert site_words.endswith(("and 2 more notices", "1:00 AM CST"))


US, DE = "\U0001f1fa\U0001f1f8", "\U0001f1e9\U0001f1ea"  # two regional indicators each
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"


@pytest.mark.parametrize(("title", "shown"), [
    ("x" * 98 + US + " down", "x" * 98 + "\u2026"),
    ("x" * 97 + DE + US, "x" * 97 + DE + "\u2026"),
    ("x" * 98 + SCOTLAND, "x" * 98 + "\u2026"),
])
def test_a_shortened_title_never_splits_a_flag(title: str, shown: str) -> None:
    # A cut between a flag's two letters left one: a boxed 'U' where the flag was.
    cut = embeds._shorten(title, embeds.FRAGMENT_TITLE_MAX, 1000)
    assert htmllib.unescape(cut) == shown


# Titles made of what grows when escaped or encoded, or breaks when cut in the middle.
HOSTILE_PIECES = ["&", "<", ">", '"', "'", " ", "\u00e9", "e\u0301", "\u4e2d",
                  "\U0001f600", "\U0001f44d\U0001f3fd", "\U0001f468\u200d\U0001f469",
                  "\ufdfd", "\u2026", "Supercalifragilistic" * 4, "&amp;", "&#34;"]
HEAVY = ["&", '"', "'", "<", ">", "\U0001f600"]  # 4 or 5 bytes each once escaped
hostile_titles = st.one_of(
    st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.characters(exclude_categories=("Cs",))),
             min_size=1, max_size=200).map("".join),
    # Long runs of the heaviest characters: what overran the budget.
    st.lists(st.sampled_from(HEAVY), min_size=60, max_size=200).map("".join),
    st.builds(lambda piece, n: piece * n, st.sampled_from(HOSTILE_PIECES), st.integers(1, 160)))
ENTITY = re.compile(r"&(?:amp|lt|gt|#34|#39);")


@pytest.fixture(scope="module")
def two_notice_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A site whose banner names an incident, then counts a maintenance."""
    repo = write_repo(tmp_path_factory.mktemp("repo"), BASE, {
        "sign-in": incident("Sign-in failures"), "api": maintenance("API upgrade")})
    checked = load_valid(project(repo), "stop")
    return make_site(checked.config, select(checked.notices, NOW, checked.config),
                     checked.notices, repo)


@settings(max_examples=300, deadline=None)
@given(title=hostile_titles, maintenance_only=st.booleans())
def test_fragment_never_exceeds_its_budget(two_notice_site: Site, title: str,
                                           maintenance_only: bool) -> None:
    """The incident named and the maintenance counted, or the maintenance alone with
    its window after the title."""
    site = two_notice_site
    views = list(site.snapshot.open)
    index = 1 if maintenance_only else 0
    views[index] = replace(views[index], notice=replace(views[index].notice, title=title))
    snapshot = replace(site.snapshot, open=tuple(views[index:]))
    html = embeds.fragment(site, snapshot)
    assert len((html + "\n").encode("utf-8")) <= embeds.FRAGMENT_MAX
    shown = detail_of(html)
    # Every & starts a whole entity: no cut fell inside one, and nothing went in unescaped.
    assert "<" not in shown and ">" not in shown
    assert all(ENTITY.match(shown, i) for i in range(len(shown)) if shown[i] == "&")
    words = banner_text(snapshot, site.config.timezone)
    text = htmllib.unescape(shown)
    # The title, whole or cut, then what follows it (the count or the window), whole.
    assert text.endswith(words.after_title)
    title = text[:len(text) - len(words.after_title)]
    if title != words.title:  # cut: a prefix of the title, then the ellipsis
        assert title.endswith("\u2026") and words.title.startswith(title[:-1])
        assert len(title) <= embeds.FRAGMENT_TITLE_MAX
        assert not title[:-1].endswith("\u200d")


def test_badges_are_valid_svg_with_an_accessible_name(tmp_path: Path) -> None:
    files = files_for(tmp_path, {"api": maintenance("API upgrade")})
    svg = ET.fromstring(files["badge.svg"])
    assert svg.get("aria-label") == "status: scheduled maintenance"
    assert svg.get("role") == "img"
    component = ET.fromstring(files["components/api/badge.svg"])
    assert component.get("aria-label") == "API: scheduled maintenance"
    assert ET.fromstring(files["components/web/badge.svg"]).get("aria-label") == (
        "Web: no open notices")
    odd = ET.fromstring(badge_svg("R&D <lab>", "incident", "#f29d38", "#1b1204"))
    assert odd.get("aria-label") == "R&D <lab>: incident"
    assert int(odd.get("width", "0")) > int(ET.fromstring(
        badge_svg("R", "incident", "#f29d38", "#1b1204")).get("width", "0"))


def test_minifier_keeps_strings_and_statements() -> None:
    source = ('// a comment line\n'
              'var a = "x  y // not a comment", b = \'it\\\'s  \';\n'
              '  if (a) {\n'
              '    b = a + +b - -1;\n'
              '  }\n'
              'if (b) { a = "{;}"; }\n'
              'return typeof a\n'
              'f()\n'
              'a = b ? c\n'
              '  : d\n')
    assert embeds.minify_js(source) == (
        'var a="x  y // not a comment",b=\'it\\\'s  \';if(a){b=a+ +b- -1}\n'
        'if(b){a="{;}"}\nreturn typeof a\nf()\na=b?c:d\n')
    with pytest.raises(ValueError) as raised:
        embeds.minify_js("var a = `x`;\n")
    assert str(raised.value) == "embed.js must not use template literals or block comments"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_built_embed_js_parses(example_site: Path) -> None:
    result = subprocess.run(["node", "--check", str(example_site / "embed.js")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_style_hash_matches_the_stylesheet_in_embed_js(example_site: Path) -> None:
    script = (example_site / "embed.js").read_text()
    assert json.dumps(snippets.EMBED_CSS, separators=(",", ":")) in script
    assert snippets.style_hash().startswith("'sha256-") and snippets.style_hash().endswith("='")


def test_repeated_builds_are_identical(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", BASE, {"api": maintenance("API upgrade")})
    first = build_site(repo, tmp_path / "one")
    second = build_site(repo, tmp_path / "two")
    for name in ("banner.html", "banner.json", "embed.js", "badge.svg", "embed/banner.html"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_badge_text_width_counts_wide_characters_as_an_em() -> None:
    assert badges.text_width("\u5b66\u751f\u4fe1\u606f") == 44.0  # four CJK ideographs
    assert badges.text_width("\uff37\uff45\uff42") == 33.0  # fullwidth Latin
    assert badges.text_width("Web \u95e8\u6237") == badges.text_width("Web ") + 22.0


@pytest.mark.parametrize("invisible", [
    "\u200f\u05e9\u05e8\u05ea\u200f",  # Hebrew between its right-to-left marks
    "\u2067ab\u2069", "a\u200b\u200b\u200bb", "soft\u00adhyphen", "\u26a0\ufe0f",
])
def test_badge_text_width_counts_nothing_for_invisible_characters(invisible: str) -> None:
    """Format characters and variation selectors draw nothing; counted as letters, the
    badge was wider than its words, which textLength then spread across it."""
    visible = "".join(c for c in invisible if c not in "\u200f\u2067\u2069\u200b\u00ad\ufe0f")
    assert badges.text_width(invisible) == badges.text_width(visible)


def test_badge_text_width_reads_accents_typed_apart_as_one_letter() -> None:
    """'Vie\u0323\u0302t' (decomposed, as some keyboards and file systems write it) shows
    as 'Vi\u1ec7t': its combining marks sit on the 'e'."""
    assert badges.text_width("Tie\u0302\u0301ng Vie\u0323\u0302t") == badges.text_width(
        "Ti\u1ebfng Vi\u1ec7t")


def notice_text(kind: str, components: str, impact: str = "", window: bool = False) -> str:
    """An open incident, or a maintenance in progress at NOW, with these components."""
    head = f"---\ntitle: Slow\ntype: {kind}\ncomponents: {components}\n{impact}"
    if window:
        head += "start: 2026-11-28 05:00\nend: 2026-11-28 09:00\n"
    return head + "---\n## Investigating - 2026-11-28 05:30\nx\n".replace(
        "Investigating", "In progress" if window else "Investigating")


@pytest.mark.parametrize(("notice", "overall", "status"), [
    # Agree: the components' statuses speak in both.
    (notice_text("incident", "[web]", "impact: major\n"), "major",
     ("major", "Partial System Outage")),
    (notice_text("incident", "{web: degraded_performance}"), "minor",
     ("minor", "Minor Service Outage")),
    (notice_text("incident", "{web: major_outage}", "impact: minor\n"), "critical",
     ("critical", "Major System Outage")),
    (notice_text("maintenance", "{api: partial_outage}", window=True), "major",
     ("major", "Partial System Outage")),
    # Differ on purpose (README, banner.json): Statuspage has no "maintenance"
    # indicator, and an incident of impact none leaves its page operational.
    (notice_text("maintenance", "[api]", window=True), "maintenance",
     ("none", "Service Under Maintenance")),
    (notice_text("incident", "[web]", "impact: none\n"), "minor",
     ("none", "All Systems Operational")),
    # The API follows an incident's impact where it is worse than its components'
    # statuses; the banner and pages speak in component statuses only.
    (notice_text("incident", "{web: degraded_performance}", "impact: critical\n"), "minor",
     ("critical", "Major System Outage")),
], ids=["impact", "mapping", "mapping-above-impact", "maintenance-mapping", "maintenance",
        "impact-none", "impact-above-mapping"])
def test_banner_json_and_status_json_agree_on_severity(
        tmp_path: Path, notice: str, overall: str, status: tuple[str, str]) -> None:
    files = files_for(tmp_path, {"n": notice})
    assert json.loads(files["banner.json"])["overall"]["indicator"] == overall
    assert json.loads(files["api/v2/status.json"])["status"] == dict(
        zip(("indicator", "description"), status, strict=True))


def test_loader_policy_names_each_host_once_and_hashes_the_line() -> None:
    """The policy the Subscribe page gives: embed.js and banner.json from base_url and
    each mirror (by origin, once each), the line and the stylesheet by hash."""
    base = "https://status.example.org/status/"
    mirrors = ("https://mirror.example.net/a/", "https://mirror.example.net/b/",
               "http://127.0.0.1:8080/")
    line = snippets.loader_script(base, mirrors)
    digest = base64.b64encode(hashlib.sha256(line.encode()).digest()).decode()
    hosts = "https://status.example.org https://mirror.example.net http://127.0.0.1:8080"
    assert snippets.loader_policy(base, mirrors) == (
        f"default-src 'self'; script-src 'self' 'sha256-{digest}' {hosts}; "
        f"connect-src 'self' {hosts}; style-src 'self' {snippets.style_hash()}")
    assert line.endswith('(document.currentScript,["https://status.example.org/status/",'
                         '"https://mirror.example.net/a/","https://mirror.example.net/b/",'
                         '"http://127.0.0.1:8080/"],[])')


def test_loader_line_stays_one_script_whatever_the_address() -> None:
    line = snippets.loader_script('https://x.example/</script><script>alert(1)//"/')
    assert "</" not in line and "<script" not in line
    assert '\\"' in line  # the quote stays inside the string

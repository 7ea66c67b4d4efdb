"""_headers and manifest.json: every file gets exactly one value per header, and the
manifest lists every file of the build with its real hash, size and type."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render.headers import _kind, _shared, header_rules, headers_for, urls
from generator.render.manifest import parse_manifest
from generator.render.mediatypes import content_type as type_of
from tests.conftest import FIXED_NOW, Run
from tests.feeds_support import build

SHORT = "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400"
IMMUTABLE = "public, max-age=31536000, immutable"


def parse_headers(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The Netlify/Cloudflare Pages format: a path line, then indented 'Name: value'."""
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith(" "):
            name, value = line.strip().split(": ", 1)
            rules[-1][1].append((name, value))
        else:
            rules.append((line, []))
    return rules


def cloudflare_matches(pattern: str, url: str) -> bool:
    """Cloudflare Pages: a splat matches anything, a :placeholder one path segment;
    the whole path must match."""
    regex = "".join(".*" if part == "*" else "[^/]+" if part.startswith(":")
                    else re.escape(part) for part in re.split(r"(\*|:[A-Za-z]\w*)", pattern))
    return re.fullmatch(regex, url) is not None


def netlify_matches(pattern: str, url: str) -> bool:
    """Netlify: per segment, a :placeholder matches one segment, a lone '*' anything
    (the slash before it optional); a trailing slash is optional, case is ignored."""
    parts = []
    for part in (p for p in pattern.split("/") if p):
        if part.startswith(":"):
            parts.append("([^/]+)")
        elif part == "*":
            parts.append("?(.*)")
        else:
            parts.append("(.*)".join(re.escape(bit) for bit in part.split("*")))
    return re.fullmatch("/" + "/".join(parts) + "/?", url, re.I) is not None


def applied(rules: list[tuple[str, list[tuple[str, str]]]], url: str,
            matches: Callable[[str, str], bool] = cloudflare_matches) -> dict[str, list[str]]:
    """Every matching rule applies; repeated names would be joined by the host."""
    found: dict[str, list[str]] = {}
    for pattern, headers in rules:
        if matches(pattern, url):
            for name, value in headers:
                found.setdefault(name, []).append(value)
    return found


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture
def example_site(example_repo: Path, run: Run, tmp_path: Path) -> Path:
    return build(run, example_repo, FIXED_NOW, tmp_path / "site")


def test_every_file_gets_one_value_per_header(example_site: Path) -> None:
    rules = parse_headers((example_site / "_headers").read_text())
    for path in files_of(example_site):
        if path == "_headers":
            continue
        for url in urls(path):
            got = applied(rules, url)
            assert all(len(values) == 1 for values in got.values()), (url, got)
            expected = IMMUTABLE if path.startswith("assets/") else SHORT
            assert got["Cache-Control"] == [expected], url
            assert got["X-Content-Type-Options"] == ["nosniff"]


@pytest.mark.parametrize(("url", "content_type", "cors"), [
    ("/feed.xml", "application/rss+xml; charset=utf-8", True),
    ("/atom.xml", "application/atom+xml; charset=utf-8", True),
    ("/components/support-portal/feed.xml", "application/rss+xml; charset=utf-8", True),
    ("/components/support-portal/atom.xml", "application/atom+xml; charset=utf-8", True),
    ("/maintenance.ics", "text/calendar; charset=utf-8", True),
    ("/api/v2/summary.json", None, True),
    ("/api/history.json", None, True),
    ("/manifest.json", None, True),
    ("/", None, False),
    ("/notices/2025-03-18-email-delivery-delays/", None, False),
    ("/closed/", None, False),
])
def test_types_and_cors(example_site: Path, url: str, content_type: str | None,
                        cors: bool) -> None:
    got = applied(parse_headers((example_site / "_headers").read_text()), url)
    assert got.get("Content-Type") == ([content_type] if content_type else None)
    assert got.get("Access-Control-Allow-Origin") == (["*"] if cors else None)
    assert got["Cache-Control"] == [SHORT]


def test_headers_for_applies_every_matching_rule_as_hosts_do() -> None:
    rules = [("/*", [("X-A", "1")]), ("/api/*", [("X-A", "2"), ("X-B", "3")]),
             ("/feed.xml", [("X-C", "4")])]
    assert headers_for(rules, "/api/v2/x.json") == {"X-A": "1, 2", "X-B": "3"}
    assert headers_for(rules, "/feed.xml") == {"X-A": "1", "X-C": "4"}
    assert headers_for(rules, "/feed.xml.bak") == {"X-A": "1"}
    assert headers_for(rules, "/api") == {"X-A": "1"}
    assert headers_for(rules, "/api/") == {"X-A": "1, 2", "X-B": "3"}


def test_mixed_folder_gets_one_rule_per_file() -> None:
    rules = header_rules(["assets/site.0123456789ab.css", "assets/logo.png", "index.html"])
    patterns = [pattern for pattern, _ in rules]
    assert "/assets/*" not in patterns
    assert dict(rules)["/assets/site.0123456789ab.css"][0] == ("Cache-Control", IMMUTABLE)
    assert dict(rules)["/assets/logo.png"][0] == ("Cache-Control", SHORT)
    assert patterns[:2] == ["/", "/index.html"]


def test_manifest_lists_every_file_but_itself(example_site: Path) -> None:
    files = files_of(example_site)
    manifest = parse_manifest(files["manifest.json"])
    assert set(manifest.files) == set(files) - {"manifest.json"}
    assert "_headers" in manifest.files
    for path, entry in manifest.files.items():
        assert entry.sha256 == hashlib.sha256(files[path]).hexdigest(), path
        assert entry.size == len(files[path])
    assert manifest.files["feed.xml"].content_type == "application/rss+xml; charset=utf-8"
    assert manifest.files["maintenance.ics"].content_type == "text/calendar; charset=utf-8"
    assert manifest.files["api/v2/summary.json"].content_type == "application/json"
    assert manifest.generated_at == "2026-11-28T12:00:00Z"
    raw = json.loads(files["manifest.json"])
    assert re.fullmatch(r"[0-9a-f]{16}", raw["build_id"])


def test_build_id_follows_content(example_repo: Path, run: Run, tmp_path: Path) -> None:
    one = parse_manifest((build(run, example_repo, FIXED_NOW, tmp_path / "a")
                          / "manifest.json").read_bytes())
    two = parse_manifest((build(run, example_repo, FIXED_NOW, tmp_path / "b")
                          / "manifest.json").read_bytes())
    assert one.build_id == two.build_id
    (example_repo / "notices" / "2027-01-09-campus-server-upgrade.md").unlink()
    three = parse_manifest((build(run, example_repo, FIXED_NOW, tmp_path / "c")
                            / "manifest.json").read_bytes())
    assert three.build_id != one.build_id


@pytest.mark.parametrize(("path", "expected"), [
    ("feed.xml", "application/rss+xml; charset=utf-8"),
    ("components/web/atom.xml", "application/atom+xml; charset=utf-8"),
    ("maintenance.ics", "text/calendar; charset=utf-8"),
    ("api/v2/summary.json", "application/json"),
    ("notices/x/index.html", "text/html; charset=utf-8"),
    ("embed.js", "text/javascript; charset=utf-8"),
    ("badge.svg", "image/svg+xml"),
    ("sitemap.xml", "application/xml; charset=utf-8"),
    ("_headers", "text/plain; charset=utf-8"),
    ("LICENSE", "application/octet-stream"),
])
def test_content_types(path: str, expected: str) -> None:
    from generator.render.mediatypes import content_type

    assert content_type(path) == expected


def test_cache_and_cors_rules() -> None:
    from generator.render.mediatypes import cache_control, is_cross_origin_data, is_hashed_asset

    assert is_hashed_asset("assets/outpost.5311253ef7.css")
    assert not is_hashed_asset("assets/outpost.css")
    assert not is_hashed_asset("notices/outpost.5311253ef7.css")
    assert cache_control("assets/outpost.5311253ef7.css") == IMMUTABLE
    assert cache_control("index.html") == SHORT
    assert all(is_cross_origin_data(p) for p in (
        "api/v2/summary.json", "feed.xml", "maintenance.ics", "banner.html",
        "embed/banner.html", "components/web/badge.svg", "embed.js"))
    assert not any(is_cross_origin_data(p) for p in (
        "index.html", "notices/x/index.html", "assets/outpost.5311253ef7.css"))


def _pattern(path: str) -> str:
    path = re.sub(r"^notices/[^/]+/", "notices/<id>/", path)
    path = re.sub(r"^components/[^/]+/", "components/<id>/", path)
    path = re.sub(r"^components/<id>/\d{4}/", "components/<id>/<year>/", path)
    path = re.sub(r"^closed/\d{4}/", "closed/<year>/", path)
    path = re.sub(r"^api/history/\d{4}\.json$", "api/history/<year>.json", path)
    path = re.sub(r"\.[0-9a-f]{10,}\.", ".<hash>.", path)
    return path.removesuffix("index.html")


def test_readme_lists_every_public_url(example_repo: Path, run: Run, tmp_path: Path) -> None:
    config = example_repo / "outpost.yaml"
    config.write_text(config.read_text() + "closed_recent: 1\n")  # year pages too
    site = build(run, example_repo, FIXED_NOW, tmp_path / "site")
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("\n## Public URLs\n", 1)[1].split("\n## ", 1)[0]
    documented = {"" if url == "/" else url
                  for row in re.findall(r"^\| (.+?) \|", section, re.M)
                  for url in re.findall(r"`([^`]+)`", row)}
    built = {_pattern(path) for path in files_of(site)}
    assert built <= documented, sorted(built - documented)


_NAMES = ["banner.html", "index.html", "a.json", "feed.xml", "cal.ics", "b.svg", "c.js",
          "site.0123456789ab.css", "logo.abcdef0123.png", "n.txt", "noext", ".json",
          "x.HTML", "assets"]
_PATHS = st.builds(lambda folders, name: "/".join([*folders, name]),
                   st.lists(st.sampled_from(["assets", "embed", "api", "notices", "x"]),
                            max_size=2),
                   st.sampled_from(_NAMES))


@settings(max_examples=300, deadline=None)
@given(st.lists(_PATHS, min_size=2, max_size=12, unique=True))
def test_paths_of_one_kind_get_the_same_headers(paths: list[str]) -> None:
    """header_rules makes one header list per kind of path (_kind): two paths of the
    same kind must get the same headers path by path."""
    by_kind: dict[object, list[tuple[str, str]]] = {}
    for path in paths:
        assert by_kind.setdefault(_kind(path), _shared(path)) == _shared(path), path


MANY_COMPONENTS = 16


def test_headers_stay_within_the_hosts_rule_limit(empty_repo: Path, run: Run,
                                                  tmp_path: Path) -> None:
    """Cloudflare Pages reads the first 100 rules of _headers and skips the rest: a
    site with many components (each with its page, feeds, banner and badge) must
    still give every file all its headers, on both hosts, once each."""
    config = empty_repo / "outpost.yaml"
    config.write_text("closed_recent: 1\n" + config.read_text() + "".join(
        f"  - id: part-{n:02d}\n    name: Part {n}\n" for n in range(MANY_COMPONENTS)))
    for year in (2025, 2026):  # two years of closed notices: year pages
        (empty_repo / "notices" / f"outage-{year}.md").write_text(
            f"---\ntitle: Outage {year}\ntype: incident\nimpact: minor\n"
            f"components: [part-15]\n---\n## Resolved - {year}-03-01 11:00\nFixed.\n\n"
            f"## Investigating - {year}-03-01 10:00\nLooking.\n")
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    assert (site / "components/part-15/2025/index.html").is_file()
    rules = parse_headers((site / "_headers").read_text())
    assert len(rules) <= 100
    served = header_rules(list(files_of(site)))  # as outpost serve applies them
    for matcher in (cloudflare_matches, netlify_matches):
        for path in files_of(site):
            if path == "_headers":
                continue
            for url in urls(path):
                expected = dict(_shared(path))
                if path.endswith((".xml", ".ics")):
                    expected["Content-Type"] = type_of(path)
                got = applied(rules, url, matcher)
                assert got == {name: [value] for name, value in expected.items()}, (
                    matcher.__name__, url)
                assert headers_for(served, url) == expected, url


def test_readme_tells_a_dir_target_s_web_server_the_cross_origin_headers() -> None:
    """A `dir` target is served by a web server that reads no _headers: the README tells
    its administrator to send the cross-origin headers _headers gives banner.json, or a
    portal's script embed, whose fetch of banner.json the browser then refuses, shows
    no banner."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    target = readme.split("- **`dir`**", 1)[1].split("- **`git`**", 1)[0]
    said = " ".join(target.split())
    banner = headers_for(header_rules(["banner.json", "index.html"]), "/banner.json")
    for name in ("Access-Control-Allow-Origin", "Cross-Origin-Resource-Policy"):
        assert f"`{name}: {banner[name]}`" in said, name
    assert "`banner.json`" in said and "`embed.js`" in said

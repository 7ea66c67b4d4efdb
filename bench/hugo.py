"""The same incidents as a minimal Hugo status site, for ``python -m bench --peer hugo``.

The site follows cState's content layout (``content/issues/*.md``, one page per
incident, a list page, an RSS feed) with small layouts of its own and none of cState's
quadratic templates. Each Outpost notice becomes one Hugo page whose body is the
notice's Markdown as written (``## Status - time`` headings and all), so both
generators render the same text.

Hugo is Debian's ``hugo`` package (``apt-get install -y hugo``); nothing here needs it
except :func:`hugo_build`.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import synth

CONFIG = """\
baseURL = "https://status.example.org/"
languageCode = "en-us"
title = "Benchmark Support Notifications"
timeZone = "America/Chicago"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT"]
rssLimit = 100

[outputs]
home = ["HTML", "RSS"]
section = ["HTML"]
page = ["HTML"]
"""

LAYOUTS = {
    "_default/baseof.html": """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ .Title }} | {{ .Site.Title }}{{ end }}</title>
<link rel="alternate" type="application/rss+xml" href="{{ "index.xml" | absURL }}">
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a>
 <a href="{{ "issues/" | relURL }}">All incidents</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "index.html": """\
{{ define "title" }}Open incidents | {{ .Site.Title }}{{ end }}
{{ define "main" }}
<h1>Open incidents</h1>
<ul>
{{ range where (where .Site.RegularPages "Section" "issues") "Params.resolved" false }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
 <time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">
{{- .Date.Format "Jan 2, 2006, 03:04 PM MST" }}</time></li>
{{ end }}
</ul>
{{ end }}
""",
    "_default/list.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>
{{ range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
 <time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">
{{- .Date.Format "Jan 2, 2006" }}</time>
 {{ if .Params.resolved }}resolved{{ else }}open{{ end }}</li>
{{ end }}
</ul>
{{ end }}
""",
    "_default/single.html": """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p>{{ .Params.severity }} · {{ delimit .Params.affected ", " }} ·
 {{ if .Params.resolved }}resolved {{ .Params.resolvedWhen }}{{ else }}open{{ end }}</p>
{{ .Content }}
</article>
{{ end }}
""",
}

HEADING = re.compile(r"^## (?P<status>[A-Za-z ]+?) - (?P<at>\d{4}-\d\d-\d\d \d\d:\d\d)"
                     r"(?: (?P<offset>[+-]\d\d:\d\d))?\s*$", re.MULTILINE)
CLOSING = ("Resolved", "Completed")


@dataclass(frozen=True)
class HugoPage:
    name: str
    title: str
    kind: str
    impact: str
    components: tuple[str, ...]
    first: datetime
    closed: datetime | None
    body: str


def _time(at: str, offset: str | None) -> datetime:
    if offset:
        return datetime.fromisoformat(f"{at}:00{offset}")
    return datetime.fromisoformat(at).replace(tzinfo=synth.ZONE)


def convert(name: str, text: str) -> HugoPage:
    """One synthetic notice (``bench/synth.py``'s format) as a Hugo page."""
    _, front, body = text.split("---\n", 2)
    fields = dict(line.split(": ", 1) for line in front.splitlines() if ": " in line)
    headings = list(HEADING.finditer(body))
    if not headings:
        raise ValueError(f"{name}: no update heading")
    newest, oldest = headings[0], headings[-1]
    closed = (_time(newest["at"], newest["offset"]) if newest["status"] in CLOSING
              else None)
    components = tuple(c.strip() for c in fields.get("components", "[]").strip("[]").split(",")
                       if c.strip())
    return HugoPage(name=name, title=fields["title"], kind=fields["type"],
                    impact=fields.get("impact", "maintenance"), components=components,
                    first=_time(oldest["at"], oldest["offset"]), closed=closed,
                    body=body)


def page_text(page: HugoPage) -> str:
    """The content file: TOML-free YAML front matter (JSON strings) and the same body."""
    names = dict((cid, label) for cid, label, _ in synth.COMPONENTS)
    affected = [names.get(c, c) for c in page.components]
    lines = ["---", f"title: {json.dumps(page.title)}", f"date: {page.first.isoformat()}",
             f"resolved: {'true' if page.closed else 'false'}"]
    if page.closed is not None:
        lines.append(f"resolvedWhen: {page.closed.isoformat()}")
    lines += [f"severity: {page.impact}", f"affected: {json.dumps(affected)}",
              f"kind: {page.kind}", "section: issues", "---"]
    return "\n".join(lines) + "\n" + page.body


def write_site(outpost_root: Path, hugo_root: Path) -> int:
    """Write the Hugo site for every notice of ``outpost_root``; returns the page count."""
    shutil.rmtree(hugo_root / "content", ignore_errors=True)
    issues = hugo_root / "content" / "issues"
    issues.mkdir(parents=True)
    (hugo_root / "config.toml").write_text(CONFIG, encoding="utf-8")
    (hugo_root / "content" / "issues" / "_index.md").write_text(
        "---\ntitle: All incidents\n---\n", encoding="utf-8")
    for relative, text in LAYOUTS.items():
        path = hugo_root / "layouts" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    count = 0
    for source in sorted((outpost_root / "notices").glob("*.md")):
        sync_page(source, hugo_root)
        count += 1
    return count


def sync_page(source: Path, hugo_root: Path) -> Path:
    """(Re)write the Hugo page of one Outpost notice file, as after an edit."""
    page = convert(source.stem, source.read_text(encoding="utf-8"))
    target = hugo_root / "content" / "issues" / f"{source.stem}.md"
    target.write_text(page_text(page), encoding="utf-8")
    return target


def hugo_args(hugo_root: Path, out: Path) -> list[str]:
    """The argv of a Hugo build of ``hugo_root`` into ``out``."""
    return ["hugo", "--quiet", "--source", str(hugo_root), "--destination", str(out)]


def clean(hugo_root: Path, out: Path) -> None:
    """What a cold Hugo build starts without: the output and Hugo's resource cache."""
    for path in (out, hugo_root / "resources", hugo_root / ".hugo_build.lock"):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()

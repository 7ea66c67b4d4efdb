"""A floor under Outpost's builds: the least a Python generator on Outpost's own stack
does for the same notices (``python -m bench.floor ROOT OUT``; with ``--rebuild ID``,
the least a rebuild after one notice's update does).

It reads each notice file, parses its front matter with PyYAML's C parser, splits the
updates at their headings, renders each update's Markdown with cmark-gfm and sanitizes
it with nh3, renders one page per notice from one small autoescaped Jinja template
into a folder of its own (the URL shape Outpost keeps), and one list page; on two
processes, as Outpost's cold build is. Nothing else: no checks or line numbers, no
timeline, components, feeds, calendar, API, headers, manifest or cache. ``python -m
bench --peer hugo`` runs it beside Outpost and Hugo: a cold build of Outpost's whole
site cannot go below it, so it says how far "as fast as Hugo" is from this stack.

``--rebuild ID`` starts Python, imports the same stack (PyYAML, cmark-gfm, nh3, Jinja,
and click, which a command line needs) and writes notice ID's page again, alone:
nothing else a rebuild must do (the lists, feeds and API naming the notice, finding
what changed). A rebuild of Outpost's site cannot go below it either.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import cmarkgfm
import nh3
import yaml
from jinja2 import Environment

from bench.hugo import HEADING

_ENV = Environment(autoescape=True)
PAGE = _ENV.from_string("""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ meta.title }} | Status</title>
</head>
<body>
<header><a href="../../">Status</a> <a href="../../closed/">Closed</a></header>
<main><article>
<h1>{{ meta.title }}</h1>
<p>{{ meta.impact or "maintenance" }} · {{ meta.components | join(", ") }}</p>
{% for update in updates %}<section>
<h2>{{ update.status }}</h2> <time>{{ update.at }}</time>
{{ update.html | safe }}</section>
{% endfor %}</article></main>
</body>
</html>
""")
LIST = _ENV.from_string("""\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Notices | Status</title></head>
<body><ul>
{% for id, title in items %}<li><a href="notices/{{ id }}/">{{ title }}</a></li>
{% endfor %}</ul></body></html>
""")


def page(text: str) -> tuple[str, bytes]:
    """One notice file's title and page."""
    _, front, body = text.split("---\n", 2)
    meta = yaml.load(front, Loader=yaml.CSafeLoader)
    headings = list(HEADING.finditer(body))
    updates = []
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(body)
        html = nh3.clean(cmarkgfm.github_flavored_markdown_to_html(body[heading.end():end]))
        updates.append({"status": heading["status"], "at": heading["at"], "html": html})
    return str(meta["title"]), PAGE.render(meta=meta, updates=updates).encode()


def build(root: Path, out: Path, names: list[str]) -> list[tuple[str, str]]:
    """Write the page of each of ``names`` (notice files); (id, title) of each."""
    items = []
    for name in names:
        title, data = page((root / "notices" / name).read_text(encoding="utf-8"))
        folder = out / "notices" / name.removesuffix(".md")
        folder.mkdir(parents=True)
        (folder / "index.html").write_bytes(data)
        items.append((name.removesuffix(".md"), title))
    return items


def rebuild(root: Path, out: Path, notice_id: str) -> None:
    """Write notice ``notice_id``'s page again, and nothing else."""
    import click  # noqa: F401  (a command line's parser: every generator's command has one)

    _, data = page((root / "notices" / f"{notice_id}.md").read_text(encoding="utf-8"))
    folder = out / "notices" / notice_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_bytes(data)


USAGE = "usage: python -m bench.floor ROOT OUT [--rebuild ID]"


def main(argv: list[str]) -> None:
    # No argparse: the floor's start-up is part of what it measures.
    if len(argv) not in (2, 4) or argv[2:3] not in ([], ["--rebuild"]):
        raise SystemExit(USAGE)
    root, out = Path(argv[0]), Path(argv[1])
    if argv[2:3] == ["--rebuild"]:
        rebuild(root, out, argv[3])
        return
    names = sorted(name for name in os.listdir(root / "notices") if name.endswith(".md"))
    (out / "notices").mkdir(parents=True)
    half = len(names) // 2
    reading, writing = os.pipe()
    child = os.fork()  # the second half on the other core; its titles come back by pipe
    if child == 0:
        code = 1
        try:
            os.close(reading)
            with os.fdopen(writing, "w", encoding="utf-8") as pipe:
                json.dump(build(root, out, names[half:]), pipe)
            code = 0
        finally:
            os._exit(code)
    os.close(writing)
    items = build(root, out, names[:half])
    with os.fdopen(reading, encoding="utf-8") as pipe:
        sent = pipe.read()
    _, status = os.waitpid(child, 0)
    if status != 0:
        raise SystemExit("the second process failed")
    items += [(notice_id, title) for notice_id, title in json.loads(sent)]
    (out / "index.html").write_bytes(LIST.render(items=items).encode())


if __name__ == "__main__":
    main(sys.argv[1:])

"""Every `outpost ...` command in the README's shell examples exists and works as written,
and every outpost.yaml example in it is valid.

The examples run in README order in a repository holding the example settings, the
README's own settings examples and a folder publish target (so publish and verify run
for real). `outpost serve` runs with --help, `outpost notify` with --dry-run; an example
with a <placeholder> is checked with --help; one ending in `# exits N` must exit with N.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, fields
from pathlib import Path

import pytest

from generator.core.model import Config
from tests.conftest import FIXED_NOW, REPO, Run

FENCE = re.compile(r"^[ \t]*```(?:sh|shell|bash|console)[ \t]*\n(.*?)^[ \t]*```",
                   re.MULTILINE | re.DOTALL)
EXITS = re.compile(r"\s+#\s*exits\s+(\d+)\s*$")
HELP_ONLY = {"serve"}  # runs until stopped


@dataclass(frozen=True)
class Example:
    line: str  # as written in the README
    args: tuple[str, ...]  # what runs after `outpost`
    exit_code: int


def shell_lines(markdown: str) -> list[str]:
    """Commands from shell code blocks: continuations joined, prompts dropped, and every
    `&&`-joined part on its own."""
    lines: list[str] = []
    for block in FENCE.findall(markdown):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix("$ ")
            lines.extend(part.strip() for part in line.split("&&"))
    return lines


def examples(markdown: str) -> list[Example]:
    found = []
    for line in shell_lines(markdown):
        if not line.startswith("outpost "):
            continue
        expected = EXITS.search(line)
        command = EXITS.sub("", line)
        words = shlex.split(command, comments=True)[1:]
        found.append(Example(line, runnable(words), int(expected[1]) if expected else 0))
    return found


def runnable(words: list[str]) -> tuple[str, ...]:
    """The safe form of an example: --help for servers, publishing and placeholders."""
    positional = [w for w in words if not w.startswith("-")]
    command = positional[0] if positional else ""
    if any("<" in w or w == "..." for w in words) or command in HELP_ONLY:
        head = []
        for word in words:
            if word.startswith("-") or "<" in word or word == "...":
                break
            head.append(word)
        return (*head, "--help")
    if command == "notify" and not {"--dry-run", "--help", "-h"} & set(words):
        if "--test" in words:
            return ("notify", "--help")
        return (*words, "--dry-run")
    return tuple(words)


def test_examples_parse() -> None:
    text = """
Intro `outpost nothing` here.

```sh
$ outpost check
outpost new incident "Checkout errors" \\
  --component web   # a comment
python3 -m pip install outpost-status && outpost init acme --timezone UTC
outpost update <id> --status Identified
outpost serve --port 8001
outpost notify
outpost check   # exits 1
```

```yaml
outpost build: not shell
```
"""
    assert [(e.args, e.exit_code) for e in examples(text)] == [
        (("check",), 0),
        (("new", "incident", "Checkout errors", "--component", "web"), 0),
        (("init", "acme", "--timezone", "UTC"), 0),
        (("update", "--help"), 0),
        (("serve", "--help"), 0),
        (("notify", "--dry-run"), 0),
        (("check",), 1),
    ]


YAML_FENCE = re.compile(r"^```ya?ml[ \t]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def settings_blocks(markdown: str) -> list[str]:
    """YAML examples that are outpost.yaml fragments: their first key is a setting."""
    from generator.app import schema

    names = {f.name for f in schema().fields}
    blocks = []
    for block in YAML_FENCE.findall(markdown):
        keys = re.findall(r"^([a-z_]+):", block, re.MULTILINE)
        if keys and keys[0] in names:
            blocks.append(block)
    return blocks


def readme_repository(root: Path, markdown: str) -> Path:
    """The example settings with no notices, plus every settings example in the README
    (the first block for each key) and a folder publish target; notices start empty."""
    example = (REPO / "outpost.yaml").read_text()
    present = set(re.findall(r"^([a-z_]+):", example, re.MULTILINE))
    parts = [example]
    for block in settings_blocks(markdown):
        keys = set(re.findall(r"^([a-z_]+):", block, re.MULTILINE))
        if not keys & present:
            parts.append(block)
            present |= keys
    if "publish" not in present:
        parts.append(f"publish:\n  - name: folder\n    type: dir\n    path: {root / 'www'}\n")
    root.mkdir()
    (root / "notices").mkdir()
    (root / "outpost.yaml").write_text("\n".join(parts))
    return root


def test_readme_settings_examples_are_valid() -> None:
    """Every outpost.yaml example in the README passes `outpost check` on top of the
    example settings."""
    from generator.app import schema

    example = (REPO / "outpost.yaml").read_text()
    blocks = settings_blocks((REPO / "README.md").read_text())
    assert blocks, "the README should show outpost.yaml examples"
    for block in blocks:
        keys = set(re.findall(r"^([a-z_]+):", block, re.MULTILINE))
        base = "\n".join(chunk for chunk in re.split(r"\n(?=[a-z_]+:)", example)
                         if chunk.split(":", 1)[0] not in keys)
        schema().parse(base + "\n" + block)


@pytest.mark.slow
def test_readme_commands_work_as_written(tmp_path: Path) -> None:
    markdown = (REPO / "README.md").read_text()
    found = examples(markdown)
    assert len(found) >= 8, "the README should show its commands"
    root = readme_repository(tmp_path / "repo", markdown)
    env = {k: v for k, v in os.environ.items() if k not in ("TZ", "PYTHONPATH")}
    env["OUTPOST_SLACK_WEBHOOK"] = "http://127.0.0.1:9/never-called"
    failures = run_examples(found, root, env)
    assert not failures, "README examples that fail:\n" + "\n".join(failures)


def run_examples(found: list[Example], root: Path, env: dict[str, str]) -> list[str]:
    """Run each example in order in ``root``; describe every one that failed."""
    failures = []
    for example in found:
        done = subprocess.run([sys.executable, "-m", "generator", *example.args],
                              cwd=root, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != example.exit_code:
            failures.append(f"{example.line}\n  ran: outpost {shlex.join(example.args)}\n"
                            f"  exit {done.returncode}, expected {example.exit_code}\n"
                            f"  {done.stdout}{done.stderr}".rstrip())
    return failures


def test_status_repository_readme_commands_work(tmp_path: Path) -> None:
    """The README that `outpost init` writes: its commands work in the new repository."""
    root = tmp_path / "status"
    env = {k: v for k, v in os.environ.items() if k not in ("TZ", "PYTHONPATH")}
    subprocess.run([sys.executable, "-m", "generator", "init", str(root), "--timezone",
                    "Europe/Berlin"], env=env, capture_output=True, check=True)
    found = examples((root / "README.md").read_text())
    assert [e.args[:2] for e in found] == [("new", "incident"), ("update", "checkout"),
                                           ("resolve", "checkout"), ("new", "maintenance")]
    failures = run_examples(found, root, env)
    assert not failures, "status README examples that fail:\n" + "\n".join(failures)
    check = subprocess.run([sys.executable, "-m", "generator", "check"], cwd=root, env=env,
                           capture_output=True, text=True, check=False)
    assert check.stdout == "OK: outpost.yaml and 3 notices are valid.\n"


def section(markdown: str, heading: str) -> str:
    """The text of one `## ` section, up to the next heading of that level."""
    return markdown.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def inline_commands(markdown: str) -> str:
    """The `outpost ...` commands written inline (outside code blocks), as a shell block
    for `examples`; an inline command may wrap across lines."""
    outside = re.sub(r"^[ \t]*```.*?^[ \t]*```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    spans = (" ".join(span.split()) for span in re.findall(r"`([^`]+)`", outside))
    return "```sh\n" + "".join(f"{s}\n" for s in spans if s.startswith("outpost ")) + "```\n"


def test_incident_examples_run_next_to_the_example_notices(tmp_path: Path) -> None:
    """'These examples run as written in this repository, next to its example notices':
    the commands of 'During an incident', its block then the ones in its text, in order."""
    text = section((REPO / "README.md").read_text(), "During an incident")
    found = examples(text) + examples(inline_commands(text))
    assert [e.args[0] for e in found].count("postmortem") == 1
    root = tmp_path / "repo"
    shutil.copytree(REPO / "notices", root / "notices")
    shutil.copy(REPO / "outpost.yaml", root / "outpost.yaml")
    env = {k: v for k, v in os.environ.items() if k not in ("TZ", "PYTHONPATH")}
    failures = run_examples(found, root, env)
    assert not failures, "README examples that fail:\n" + "\n".join(failures)


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings (outside code fences)."""
    outside = re.sub(r"^[ \t]*```.*?^[ \t]*```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    anchors: set[str] = set()
    for title in re.findall(r"^#{1,6} (.+)$", outside, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in anchors:
            n += 1
            candidate = f"{slug}-{n}"
        anchors.add(candidate)
    return anchors


def test_github_anchors() -> None:
    text = "# A\n## Calendar (`maintenance.ics`)\n```sh\n# not a heading\n```\n## A\n"
    assert github_anchors(text) == {"a", "calendar-maintenanceics", "a-1"}


def test_readme_links_to_its_own_sections_resolve() -> None:
    markdown = (REPO / "README.md").read_text()
    anchors = github_anchors(markdown)
    links = set(re.findall(r"\]\(#([^)]+)\)", markdown))
    assert links, "the README links its sections"
    assert sorted(links - anchors) == []


def test_for_scripts_recipe_publishes(tmp_path: Path) -> None:
    """'For scripts': the functions it names, called as it says, publish a built site."""
    text = section((REPO / "README.md").read_text(), "Hosting outside your network")
    recipe = text.split("\n### For scripts\n", 1)[1]
    for name in ("publish.runner.publish_targets(targets, site_dir, manifest, root=root)",
                 "publish.base.targets_from_config(config, root, kinds, names)",
                 "app.schema().load(root)", "app.TARGET_KINDS",
                 "publish.runner.read_site(site_dir)"):
        assert f"`generator.{name}`" in " ".join(recipe.split())
    from generator.app import TARGET_KINDS, schema
    from generator.publish.base import targets_from_config
    from generator.publish.runner import publish_targets, read_site

    root = tmp_path / "repo"
    shutil.copytree(REPO / "notices", root / "notices")
    (root / "outpost.yaml").write_text((REPO / "outpost.yaml").read_text() + (
        f"\npublish:\n  - name: folder\n    type: dir\n    path: {tmp_path / 'www'}\n"))
    env = {k: v for k, v in os.environ.items() if k not in ("TZ", "PYTHONPATH")}
    subprocess.run([sys.executable, "-m", "generator", "build", "--now", "2026-11-28 12:00"],
                   cwd=root, env=env, capture_output=True, check=True)
    config = schema().load(root)
    targets = targets_from_config(config, root, TARGET_KINDS, ["folder"])
    site_dir = root / "site"
    [summary] = publish_targets(targets, site_dir, read_site(site_dir), lambda _: None,
                                root=root)
    assert summary.error is None and summary.uploaded > 0
    assert (tmp_path / "www" / "current" / "index.html").is_file()


def test_every_page_template_variable_is_there_with_the_readme_s_examples(
        example_repo: Path, run: Run) -> None:
    """'Every page template also gets': each variable of that table renders in an
    override, and the zone row's examples are what the example site (America/Chicago)
    gets."""
    text = section((REPO / "README.md").read_text(), "Templates")
    table = text.split("Every page template also gets:", 1)[1].split("\n\n", 2)[1]
    rows = {row.split("|")[1]: row for row in table.splitlines()[2:]}
    names = [name for cell in rows for name in re.findall(r"`(\w+)`", cell)]
    assert "zone_name" in names and "banner_text" in names
    templates = example_repo / "templates"
    templates.mkdir()
    (templates / "404.html").write_text(
        "".join(f"{name}={{{{ {name} is defined }}}}\n" for name in names)
        + "zones={{ zone_name }}|{{ zone_abbrevs }}\n")
    assert run(example_repo, "build", "--now", FIXED_NOW).exit_code == 0
    page = (example_repo / "site" / "404.html").read_text()
    assert [line for line in page.splitlines() if line.endswith("=False")] == []
    zone_row = next(row for cell, row in rows.items() if "`zone_name`" in cell)
    assert page.splitlines()[-1] == "zones=" + "|".join(
        re.findall(r"such as `([^`]+)`", zone_row))


def test_the_config_variable_lists_every_setting_it_holds() -> None:
    text = section((REPO / "README.md").read_text(), "Templates")
    row = next(line for line in text.splitlines() if line.startswith("| `config` |"))
    listed = re.findall(r"`(\w+)`", row.split("|")[2])
    assert sorted(listed) == sorted(f.name for f in fields(Config) if f.name != "extras")


def test_the_case_url_filter_takes_the_readme_s_argument(example_repo: Path, run: Run) -> None:
    text = section((REPO / "README.md").read_text(), "Templates")
    usage = re.search(r"`case_url` \(a\s+notice's Submit a case link, `([^`]+)`\)", text)
    assert usage, "the README shows how the case_url filter is called"
    templates = example_repo / "templates"
    templates.mkdir()
    (templates / "notice.html").write_text(f"{{{{ {usage[1]} }}}}\n")
    assert run(example_repo, "build", "--now", FIXED_NOW).exit_code == 0
    page = example_repo / "site" / "notices" / "2024-07-30-digicert-certificate-reissue"
    assert (page / "index.html").read_text().startswith(
        "https://support.example.org/customers/cases/new")


def test_the_layout_names_every_module() -> None:
    """A contributor looking for where uptime or the component pages are made finds each
    module of the package in the Layout table (or its folder as a whole, as `templates/`)."""
    text = section((REPO / "README.md").read_text(), "Contributing")
    text = text.split("\n### Layout\n", 1)[1].split("\n### ", 1)[0]
    missing = [str(path.relative_to(REPO)) for path in sorted((REPO / "generator").rglob("*.py"))
               if path.name not in ("__init__.py", "__main__.py")
               and "templates" not in path.parts and "skeleton" not in path.parts
               and f"`{path.name}`" not in text
               and f"`{path.relative_to(REPO).as_posix()}`" not in text]
    assert missing == []


def test_the_templates_table_names_every_macro_of_macros_html() -> None:
    """An override of macros.html must define each macro a built-in page imports
    (`outpost check` names the one it lacks): the table lists every one it holds."""
    text = section((REPO / "README.md").read_text(), "Templates")
    [row] = [line for line in text.splitlines()
             if line.startswith("| `banner.html`, `macros.html`")]
    named = set(re.findall(r"`(\w+)`", row))
    built_in = (REPO / "generator" / "render" / "templates" / "macros.html").read_text()
    assert sorted(set(re.findall(r"{%-? *macro (\w+)", built_in)) - named) == []


def test_the_notice_view_lists_every_attribute_a_template_reads() -> None:
    """'A `NoticeView` has': every field and property, as the built-in notice page reads
    `item.postmortem`, which an override copying it would find named nowhere."""
    from generator.core.timeline import NoticeView

    text = section((REPO / "README.md").read_text(), "Templates")
    paragraph = " ".join(text.split("A `NoticeView` has", 1)[1].split("A\n`ComponentState`", 1)[0]
                         .split())
    named = set(re.findall(r"`(\w+)`", re.sub(r"\([^()]*\)", "", paragraph)))
    attributes = {f.name for f in fields(NoticeView)} | {
        name for name, value in vars(NoticeView).items()
        if isinstance(value, property) and not name.startswith("_")}
    assert sorted(attributes - named) == []


def test_the_init_table_names_everything_the_gitignore_ignores() -> None:
    """The `.gitignore` row of `outpost init`'s files names each entry of the file it
    writes: it named two of seven, and not the local sent record."""
    from generator.notices import scaffold

    row = next(line for line in section((REPO / "README.md").read_text(),
                                        "Start your own status site").splitlines()
               if line.startswith("| `.gitignore` |"))
    skeleton = Path(scaffold.__file__).parent / "skeleton" / "gitignore"
    entries = [line.strip("/") for line in skeleton.read_text().splitlines()
               if line and not line.startswith("#")]
    assert [entry for entry in entries if entry.removesuffix("*") not in row] == []


def test_two_commands_name_every_package_the_test_command_installs() -> None:
    """'Two commands' lists what ./scripts/test installs through apt when missing."""
    script = (REPO / "scripts" / "test").read_text()
    installed = set(re.findall(r"need\+=\(([\w-]+)\)", script))
    installed |= set(re.findall(r"apt-get install -y -qq ([\w-]+) ", script))
    words = {"chromium": "Chromium", "fonts-wqy-microhei": "a CJK font",
             "default-jre-headless": "a JRE", "git": "git", "npm": "npm", "nginx": "nginx"}
    assert installed == set(words), "a package the test command installs has no words here"
    sentence = section((REPO / "README.md").read_text(), "Two commands").split("```sh")[1]
    sentence = " ".join(sentence.split())
    assert [p for p, w in words.items() if f" {w}" not in sentence.replace(",", " ")] == []


def test_the_preview_tells_how_the_script_embed_shows_its_drafts() -> None:
    """embed.js reads banner.json from base_url and the mirrors, not from where it was
    loaded, so a portal page trying the script against the preview showed the real host's
    banner, or none: the paragraph names the base_url that points it at the preview."""
    from generator.cli.authoring import serve

    port = next(p.default for p in serve.params if p.name == "port")
    text = " ".join(section((REPO / "README.md").read_text(), "During an incident").split())
    preview = text.split("**Preview**", 1)[1]
    assert f"set `base_url: http://127.0.0.1:{port}/` (the preview's address)" in preview


def test_the_templates_folder_is_printed_for_every_way_to_install(tmp_path: Path) -> None:
    """'Templates' prints the built-in templates' folder with the Python Outpost is
    installed in: pipx and `uv tool install`, which the README installs with, keep an
    environment named after the package whose Python is not `python3` on PATH, so the
    one command given failed there ('No module named generator')."""
    import tomllib

    import generator.render

    block = FENCE.findall(section((REPO / "README.md").read_text(), "Templates"))[0]
    commands = [line for line in block.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 3
    package = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["name"]
    tools = tmp_path / "tools"
    (tools / package / "bin").mkdir(parents=True)
    (tools / package / "bin" / "python").symlink_to(sys.executable)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python3").symlink_to(sys.executable)
    # Where pipx and uv say they keep their tools' environments.
    where = (f'pipx() {{ [ "$*" = "environment --value PIPX_LOCAL_VENVS" ] && echo {tools}; }}\n'
             f'uv() {{ [ "$*" = "tool dir" ] && echo {tools}; }}\n')
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    expected = Path(generator.render.__file__).parent / "templates"
    for command in commands:
        done = subprocess.run(["bash", "-c", where + command], env=env, capture_output=True,
                              text=True, check=False)
        assert (done.returncode, done.stdout) == (0, f"{expected}\n"), (command, done.stderr)
    assert (expected / "base.html").is_file()

"""``outpost init``: a ready status repository from the packaged skeleton.

Pure parts (options, the commented outpost.yaml, the file set) are separate from
the one function that touches the disk, which writes nothing when any target
file already exists (unless forced).
"""

from __future__ import annotations

import contextlib
import os
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from generator import __version__, requirement
from generator.config import schema as s
from generator.config import yamlnodes as yn
from generator.config.settings import Schema
from generator.core.errors import InputError, OutpostError
from generator.core.model import MAX_NAME, length_problem
from generator.core.times import ZONE_COPIES, load_zone, write_time
from generator.disk import refused_write, temp_beside
from generator.notices.grammar import ID_PATTERN

SKELETON = resources.files("generator.notices") / "skeleton"
EXAMPLE_NOTICE = "notices/example-delete-me.md"
DOCS_URL = "https://github.com/outpost-status/outpost#settings-reference"
DEFAULT_TITLE = "Service Status"
DEFAULT_BASE_URL = "https://status.example.org/"

# Skeleton file -> path in the new repository. Dot-files are stored without the
# dot so that packaging globs never skip them.
_RENAMES = {"gitignore": ".gitignore", "gitattributes": ".gitattributes", "github/": ".github/",
            # git keeps notices/ only with a file in it: this one, once the example is
            # deleted (the loader skips dot-files); without the folder, check refuses.
            "notices/gitkeep": "notices/.gitkeep"}
# Placeholder values for optional settings in the commented outpost.yaml.
_SAMPLES = {
    "home_url": "https://support.example.org/",
    "submit_case_url": "https://support.example.org/cases/new",
    "description": "Incidents and scheduled maintenance for our services.",
    "mirrors": "[https://status-mirror.example.net/]",
    "publish": "\n- name: pages\n  type: git\n  remote: origin\n  branch: gh-pages\n"
               "  nojekyll: true\n",
    "notify": "\nsince: 2d\nfrom: status@example.org\nsmtp:\n  host: smtp.example.org\n"
              "contacts:\n  - email: it-team@example.org\n",
}


@dataclass(frozen=True)
class InitOptions:
    """What the user filled in; every value already validated."""

    title: str = DEFAULT_TITLE
    timezone: str = "UTC"
    base_url: str = DEFAULT_BASE_URL
    components: tuple[tuple[str, str], ...] = ()
    base_url_given: bool = False


def parse_component(text: str) -> tuple[str, str]:
    """'id=Name' -> (id, Name); InputError for anything else."""
    component_id, sep, name = text.partition("=")
    component_id, name = component_id.strip(), name.strip()
    if not sep or not component_id or not name:
        raise InputError(f"'{text}' should look like 'id=Name', such as 'web=Website'")
    if not ID_PATTERN.fullmatch(component_id):
        raise InputError(f"'{component_id}' is not an id of lowercase letters, digits and "
                         "hyphens")
    name = _one_line(name, f"the name of '{component_id}'")
    if problem := length_problem(name, MAX_NAME, f"name of '{component_id}'"):
        raise InputError(problem)  # a component name's own rule (settings)
    return component_id, name


def _one_line(value: str, what: str) -> str:
    """``value``, which outpost.yaml will hold as a title or name: the check's rules
    (schema.line), named after the option, not after outpost.yaml's line for it."""
    if not value:
        raise InputError(f"{what}: expected non-empty text")
    problem = yn.forbidden_character(value)
    if problem:
        raise InputError(f"{what}: {problem}")
    try:
        return s.line(_scalar(value))
    except InputError as exc:
        raise InputError(f"{what}: {exc}") from None


def make_options(title: str | None, timezone: str, base_url: str | None,
                 components: Iterable[str]) -> InitOptions:
    """Validate the command-line values; InputError names the first bad one."""
    title = _one_line((title or DEFAULT_TITLE).strip(), "--title")
    if problem := length_problem(title):  # the site title's own rule (settings)
        raise InputError(f"--title: {problem}")
    try:
        load_zone(timezone)
    except InputError as exc:
        raise InputError(f"--timezone: {exc}") from None
    url = (base_url or DEFAULT_BASE_URL).strip()
    if base_url is not None:
        try:
            url = s.base_url(_scalar(url))
        except s.Expected as exc:
            raise InputError(f"--base-url: expected {exc}, received '{base_url}'") from None
        except InputError as exc:
            raise InputError(f"--base-url: {exc}") from None
    url = url if url.endswith("/") else url + "/"
    parsed: list[tuple[str, str]] = []
    for text in components:
        try:
            parsed.append(parse_component(text))
        except InputError as exc:
            raise InputError(f"--component: {exc}") from None
    ids = [component_id for component_id, _ in parsed]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError(f"--component: id '{duplicates[0]}' is given more than once")
    return InitOptions(title, timezone, url, tuple(parsed), base_url is not None)


def _scalar(text: str) -> yn.Scalar:
    return yn.Scalar(text, 1, False)


def detect_timezone(environ: Mapping[str, str],
                    localtime: Path = Path("/etc/localtime")) -> tuple[str, str]:
    """The machine's IANA zone and where it came from: TZ, the /etc/localtime
    symlink, or UTC when neither names a zone."""
    tz = environ.get("TZ", "").lstrip(":").strip()
    if tz:
        name = _zone_name(tz.split("zoneinfo/", 1)[1] if "zoneinfo/" in tz else tz)
        if _is_zone(name):
            return name, "the TZ variable"
    try:
        target = os.readlink(localtime)
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        name = _zone_name(target.split("zoneinfo/", 1)[1])
        if _is_zone(name):
            return name, str(localtime)
    return "UTC", "no zone found on this machine"


def _zone_name(name: str) -> str:
    """``name`` without a leading 'posix/' or 'right/': those folders hold copies of the
    plain zones, which the settings name (and other machines have)."""
    return name.split("/", 1)[1] if name.startswith(ZONE_COPIES) else name


def _is_zone(name: str) -> bool:
    try:
        load_zone(name)
    except InputError:
        return False
    return True


def _comment(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, 78 - len(indent), initial_indent=f"{indent}# ",
                         subsequent_indent=f"{indent}# ")


def _field_note(field: s.Field) -> str:
    if field.required:
        return " (Required.)"
    if field.default not in (None, ()):
        end = "" if str(field.default).endswith(".") else "."  # a sentence ends once
        return f" (Default: {field.default}{end})"
    return " (Optional.)"


def config_text(options: InitOptions, schema: Schema) -> str:
    """outpost.yaml with a comment on every setting, including the features' sections."""
    given = {"title": options.title, "base_url": options.base_url,
             "timezone": options.timezone}
    lines = [
        "# Outpost settings for this status site. After a change, run `outpost check`.",
        f"# Every setting is described in the settings reference: {DOCS_URL}",
    ]
    for field in schema.fields:
        lines.append("")
        lines.extend(_comment(field.help + _field_note(field)))
        if field.name in given:
            value = yn.scalar_text(given[field.name])
            note = "" if field.name != "base_url" or options.base_url_given else \
                "  # change this to the site's real address"
            lines.append(f"{field.name}: {value}{note}")
        elif field.name == "components":
            lines.extend(_components(options.components))
        else:
            lines.extend(_commented(field))
    return "\n".join(lines) + "\n"


def _components(components: tuple[tuple[str, str], ...]) -> list[str]:
    if not components:
        return ["components:", "#   - id: website", "#     name: Website",
                "#     description: The public website", "#     group: Public"]
    lines = ["components:"]
    for component_id, name in components:
        lines += [f"  - id: {component_id}", f"    name: {yn.scalar_text(name)}"]
    return lines


def _commented(field: s.Field) -> list[str]:
    sample = _SAMPLES.get(field.name) or field.example
    if sample is None and field.default not in (None, ()):
        sample = str(field.default)
    if sample is None:
        return [f"# {field.name}:"]
    if "\n" in sample.strip():
        body = textwrap.indent(textwrap.dedent(sample).strip("\n"), "  ")
        return [f"# {field.name}:", *(f"# {line}" for line in body.splitlines())]
    return [f"# {field.name}: {sample}"]


def example_notice(options: InitOptions, now: datetime) -> str:
    """The example notice, dated the day before ``now`` in the site's zone."""
    zone = load_zone(options.timezone)
    day = (now.astimezone(zone) - timedelta(days=1)).date()
    # As the tools write times: with the offset only if a daylight-saving change makes
    # the wall time ambiguous.
    stamps = [write_time(datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone), zone)
              for hour, minute in ((9, 0), (9, 40))]
    components = f"components: [{options.components[0][0]}]\n" if options.components else ""
    template = (SKELETON / "notices" / "example-delete-me.md").read_text("utf-8")
    return (template.replace("@COMPONENTS@", components)
            .replace("@FIRST@", stamps[0]).replace("@SECOND@", stamps[1]))


def _skeleton_paths() -> list[str]:
    found = []
    stack = [(SKELETON, "")]
    while stack:
        folder, prefix = stack.pop()
        for entry in folder.iterdir():
            if entry.name == "__pycache__":
                continue
            if entry.is_dir():
                stack.append((entry, f"{prefix}{entry.name}/"))
            else:
                found.append(f"{prefix}{entry.name}")
    return sorted(found)


def _target(path: str) -> str:
    for old, new in _RENAMES.items():
        if path == old or (old.endswith("/") and path.startswith(old)):
            return new + path[len(old):]
    return path


def skeleton_files(options: InitOptions, now: datetime, schema: Schema,
                   version: str = __version__) -> dict[str, bytes]:
    """Every file of the new repository as {relative path: bytes}."""
    replacements = {"@OUTPOST_REQUIREMENT@": requirement(version),
                    "@OUTPOST_S3_REQUIREMENT@": requirement(version, "s3"),
                    "@OUTPOST_VERSION@": version, "@TITLE@": options.title,
                    "@BASE_URL@": options.base_url, "@TIMEZONE@": options.timezone}
    files: dict[str, bytes] = {}
    for path in _skeleton_paths():
        if path == EXAMPLE_NOTICE:
            files[path] = example_notice(options, now).encode("utf-8")
            continue
        text = (SKELETON / path).read_text("utf-8")
        # One pass: a value holding '@TITLE@' is never replaced in turn.
        text = re.sub("|".join(map(re.escape, replacements)),
                      lambda found: replacements[found[0]], text)
        files[_target(path)] = text.encode("utf-8")
    config = config_text(options, schema)
    schema.parse(config)  # the skeleton must pass `outpost check`
    files["outpost.yaml"] = config.encode("utf-8")
    return files


def existing_files(target: Path, files: Iterable[str]) -> list[str]:
    """The files that would be overwritten."""
    return sorted(name for name in files if (target / name).exists()
                  or (target / name).is_symlink())


def write_repository(target: Path, files: Mapping[str, bytes], force: bool) -> list[str]:
    """Write the files under ``target``; refuse, writing nothing, when any exists."""
    if target.exists() and not target.is_dir():
        raise OutpostError(f"{target} exists and is not a folder.")
    clashes = existing_files(target, files)
    blocked = [name for name in clashes if (target / name).is_dir()]
    if blocked:
        raise OutpostError(f"{target / blocked[0]} is a folder; remove it first.")
    for name in files:
        for parent in (target / name).parents:
            if parent == target or target not in parent.parents:
                break
            if parent.exists() and not parent.is_dir():
                raise OutpostError(f"{parent} is a file where Outpost needs a folder. "
                                   "Nothing was written.")
    if clashes and not force:
        listing = "\n".join(f"  {name}" for name in clashes)
        raise OutpostError(f"These files exist already in {target}:\n{listing}\n"
                           "Nothing was written. Use --force to overwrite them.")
    _write_all(target, files)
    return sorted(files)


def _missing_folders(target: Path, files: Mapping[str, bytes]) -> list[Path]:
    """The folders writing ``files`` under ``target`` would make (``target`` and its
    missing parents among them), deepest first."""
    folders = {target, *(parent for name in files for parent in (target / name).parents
                         if target in parent.parents)}
    for folder in list(folders):
        folders.update(p for p in folder.parents if not p.exists())
    return sorted((f for f in folders if not f.exists()), key=lambda f: -len(f.parts))


def _write_all(target: Path, files: Mapping[str, bytes]) -> None:
    """Write every file. A failure while writing (a full disk, a file size limit), or a
    Ctrl-C or SIGTERM, leaves no new file behind, nor any folder it made (a file that
    --force overwrote stays overwritten)."""
    made = _missing_folders(target, files)
    placed: list[Path] = []  # renamed in where no file was
    try:
        _staged_then_renamed(target, files, placed)
    except BaseException as exc:
        for path in placed:
            path.unlink(missing_ok=True)
        for folder in made:
            with contextlib.suppress(OSError):  # not empty: something else wrote there
                folder.rmdir()
        if not isinstance(exc, OSError):  # interrupted: 'Aborted!', as any command
            raise
        why, then = refused_write(exc, "init", no_room="make room and run init again",
                                  not_writable="choose a folder this user may write into")
        raise OutpostError(f"cannot write the repository into {target}: {why}. "
                           f"Nothing was written{': ' + then if then else ''}.") from None


def _staged_then_renamed(target: Path, files: Mapping[str, bytes], placed: list[Path]
                         ) -> None:
    """Stage every file beside its place first, then rename them all in, each onto
    ``placed`` if no file was there; a staged file is removed whatever happens."""
    staged: list[tuple[Path, Path]] = []
    try:
        for name in sorted(files):
            path = target / name
            staged.append((temp_beside(path, files[name]), path))
        for tmp_path, path in staged:
            existed = path.exists()
            os.replace(tmp_path, path)
            if not existed:
                placed.append(path)
    finally:
        for tmp_path, _ in staged:
            tmp_path.unlink(missing_ok=True)

"""Where templates come from: the package's built-in ones, and a repository's
templates/ folder, whose files override them by name. Light to import: ``outpost
check`` reads it without the rendering stack."""

from __future__ import annotations

import contextlib
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from generator.core.errors import (
    UTF16,
    Problem,
    byte_line,
    close_to,
    conflict_markers,
    did_you_mean,
    problems_in,
    saved_as_utf16,
    shown_name,
    utf8,
)
from generator.core.model import MAX_FILE_BYTES
from generator.disk import files_under, leads_outside

if TYPE_CHECKING:
    from jinja2 import Environment
    from jinja2.nodes import Template

BUILTIN_TEMPLATES = resources.files("generator.render") / "templates"
TEMPLATE_OVERRIDES = "templates"


def override_folder(root: Path) -> Path | None:
    """root/templates, or None when there is no such folder or it is a symlink that
    leads out of the repository: that is never read (one to /usr made check read and
    parse every file under it), and unread_overrides names it."""
    folder = root / TEMPLATE_OVERRIDES
    if not folder.is_dir() or (os.path.islink(folder) and leads_outside(folder, root)):
        return None
    return folder


# Python compiles a template's tags nested a hundred deep (ifs, macros), twenty loops or a
# few hundred brackets or operators no more, and Jinja's parser recurses through them.
TOO_DEEP = "nests its tags or brackets too deeply to be compiled: nest them less deeply"
# The filters Outpost gives templates beside Jinja's (render/pages.py installs them):
# compiling a template that names another fails.
FILTERS = frozenset({
    "when", "when_zone", "clock", "iso", "stamp", "span", "began_early", "shown_start", "md",
    "links_from", "affected", "by_month", "unbroken", "isolated", "uptime", "host", "case_url",
    "site_text"})
LEADING_NOWHERE = "symlink leading nowhere, not read: restore what it leads to or remove it"
TOO_BIG = f"file is larger than the limit of {MAX_FILE_BYTES:,} bytes: shorten it"
NOT_A_FILE = ("not a regular file (a named pipe, a socket or a device), not read: put a "
              "template there or remove it")


def unread_overrides(root: Path) -> list[Problem]:
    """The problem of each file of root/templates that is never read: templates/ itself
    when it is a symlink out of the repository, or each symlink in it that leads out (to
    a file or a folder; Jinja would read what it leads to, a runner's credentials say,
    and publish it as a page); each one leading nowhere (its target not there, or not
    staged) and each that is no regular file (the build would use the built-in template
    instead, with no word why); and each larger than a notice may be."""
    folder = root / TEMPLATE_OVERRIDES
    if os.path.islink(folder) and not os.path.exists(folder):
        return [Problem(TEMPLATE_OVERRIDES, 0, LEADING_NOWHERE)]
    if folder.is_dir() and override_folder(root) is None:
        return [Problem(TEMPLATE_OVERRIDES, 0, "symlink to a folder outside the repository, "
                        f"not read: copy the templates into {TEMPLATE_OVERRIDES}/")]
    if not folder.is_dir():
        return []
    return sorted([*(Problem(f"{TEMPLATE_OVERRIDES}/{shown_name(name)}", 0,
                             f"symlink to a {'folder' if (folder / name).is_dir() else 'file'} "
                             f"outside the repository, not read: copy it into "
                             f"{TEMPLATE_OVERRIDES}/") for name in _linked_outside(folder)),
                   *(Problem(f"{TEMPLATE_OVERRIDES}/{shown_name(name)}", 0, LEADING_NOWHERE)
                     for name in _linked_nowhere(folder)),
                   *(Problem(f"{TEMPLATE_OVERRIDES}/{shown_name(name)}", 0, NOT_A_FILE)
                     for name in _not_files(folder)),
                   *(Problem(f"{TEMPLATE_OVERRIDES}/{shown_name(name)}", 0, TOO_BIG)
                     for name in _too_big(folder))])


def _linked_outside(folder: Path) -> list[str]:
    """The names, under ``folder`` (a repository's templates/), of the symlinks in it that
    lead to a file or a folder outside the repository."""
    root = folder.parent
    found = []
    for parent, folders, files in os.walk(folder):  # into no symlinked folder
        for name in [*folders, *files]:
            path = Path(parent, name)
            if path.is_symlink() and path.exists() and leads_outside(path, root):
                found.append(path.relative_to(folder).as_posix())
    return sorted(found)


def _linked_nowhere(folder: Path) -> list[str]:
    """The names, under ``folder`` (a repository's templates/), of the symlinks in it that
    lead nowhere, hidden ones aside: Emacs locks a file it edits with such a link."""
    found = []
    for parent, folders, files in os.walk(folder):  # into no symlinked folder
        for name in [*folders, *files]:
            path = Path(parent, name)
            if path.is_symlink() and not path.exists():
                found.append(path.relative_to(folder).as_posix())
        folders[:] = [name for name in folders if not name.startswith(".")]
    return sorted(name for name in found if not name.rpartition("/")[2].startswith("."))


def _too_big(folder: Path) -> list[str]:
    """The names, under ``folder`` (a repository's templates/), of the templates larger
    than a notice may be, through symlinked folders inside the repository as Jinja reads
    them: a 60 MB override took 12 s and 340 MB to build."""
    return [name for name in _template_names(folder) if _over_limit(folder / name)]


def _over_limit(path: Path) -> bool:
    """Whether ``path`` is a regular file larger than a notice may be: never read, as
    Jinja's parser and compiler take minutes and gigabytes over tens of megabytes."""
    with contextlib.suppress(OSError):
        return path.is_file() and path.stat().st_size > MAX_FILE_BYTES
    return False


def _not_files(folder: Path) -> list[str]:
    """The names, under ``folder`` (a repository's templates/), of what is there that is
    neither a folder nor a regular file, hidden ones aside: the template loader passes
    over it, so the built-in template of that name would be used with no word why."""
    found = []
    for parent, folders, files in os.walk(folder):  # into no symlinked folder
        for name in files:
            path = Path(parent, name)
            if path.exists() and not path.is_file() and not name.startswith("."):
                found.append(path.relative_to(folder).as_posix())
        folders[:] = [name for name in folders if not name.startswith(".")]
    return sorted(found)


def conflicted_overrides(root: Path) -> list[Problem]:
    """A problem at each line an unresolved git merge left in a file of root/templates:
    Jinja renders the markers as text, on every page the template makes."""
    folder = override_folder(root)
    if folder is None:
        return []
    problems = []
    for name in _template_names(folder):
        if _over_limit(folder / name):  # not read: unread_overrides names it
            continue
        try:
            source = (folder / name).read_bytes().decode("utf-8", "replace")
        except OSError:
            continue  # the build names a file it cannot read
        problems.extend(problems_in(f"{TEMPLATE_OVERRIDES}/{shown_name(name)}",
                                    conflict_markers(source)))
    return problems


def _template_names(folder: Path) -> list[str]:
    """Every template file under ``folder`` by its Jinja name (hidden files, such as
    .gitkeep, Python's bytecode folders and symlinks out of the repository left out)."""
    outside = set(_linked_outside(folder))
    names = []
    for path in files_under(folder, folder.parent):  # through links inside, as Jinja reads
        parts = path.relative_to(folder).parts
        if ("/".join(parts) not in outside
                and not any(p.startswith(".") or p == "__pycache__" for p in parts)):
            names.append("/".join(parts))
    return names


def checked_overrides(root: Path) -> tuple[list[Problem], list[Problem]]:
    """The problems and the warnings of the files in root/templates, each read and parsed
    once. A problem for each file no build can render: one that is not UTF-8, holds a
    Jinja syntax error, or extends, includes or imports a template that is neither there
    nor built in (an include marked 'ignore missing' aside); what only rendering tells,
    such as a variable no page has, is the build's to name. A warning for each file that
    is no built-in template's name and that no template extends, includes or imports: a
    misspelt override (notcie.html) changes nothing, silently; none when a template
    names another by a variable, as which ones are used cannot then be told."""
    folder = override_folder(root)
    if folder is None:
        return [], []
    from jinja2 import Environment, TemplateSyntaxError, meta  # Jinja: only with overrides

    overrides = _template_names(folder)
    builtin_folder = Path(str(BUILTIN_TEMPLATES))
    builtin = _template_names(builtin_folder)
    known = {*overrides, *builtin}
    env = Environment()
    env.filters.update(dict.fromkeys(FILTERS, str))  # compiled, never called
    problems: list[Problem] = []
    used: set[str] | None = set()  # None: what the templates use cannot be told
    in_effect: dict[str, Template] = {}  # by name: an override, else the built-in one
    for base, names in ((folder, overrides), (builtin_folder, builtin)):
        for name in names:
            shown = f"{TEMPLATE_OVERRIDES}/{shown_name(name)}"
            if base is folder and _over_limit(base / name):
                used = None  # not read (unread_overrides names it): what it uses is unknown
                continue
            try:
                raw = (base / name).read_bytes()
            except OSError as exc:
                if base is folder:
                    problems.append(Problem(shown, 0, f"cannot be read: {exc.strerror}"))
                used = None
                continue
            # An override's problems are named; one not UTF-8, for that alone. Whatever
            # a file names, it uses, whether it renders or not.
            judged = base is folder
            if judged and (not_utf8 := _not_utf8(raw, shown)) is not None:
                problems.append(not_utf8)
                judged = False
            source = raw.decode("utf-8", "replace")
            try:
                parsed = env.parse(source)
            except (TemplateSyntaxError, RecursionError) as exc:
                if judged and isinstance(exc, TemplateSyntaxError):
                    problems.append(Problem(shown, exc.lineno,
                                            exc.message or "not a valid template"))
                elif judged:
                    problems.append(Problem(shown, 0, TOO_DEEP))
                if used is not None:
                    used.update(other for other in overrides if other in source)
                continue
            if judged:
                problems.extend(_compile_problems(env, parsed, shown))
                problems.extend(_missing_templates(parsed, shown, known))
            in_effect.setdefault(name, parsed)
            for referenced in meta.find_referenced_templates(parsed):
                if referenced is None:
                    used = None
                elif used is not None and (loaded := _loader_name(referenced)) is not None:
                    used.add(loaded)
    problems.extend(_missing_macros(in_effect, set(overrides)))
    if used is None:
        return problems, []
    return problems, [
        Problem(f"{TEMPLATE_OVERRIDES}/{shown_name(name)}", 0,
                "no built-in template has this name and no template uses it: it changes "
                "nothing" + (f" ({hint})" if (hint := did_you_mean(close_to(
                    name, builtin)[:1])) else ""))
        for name in overrides if name not in builtin and name not in used]


def _compile_problems(env: Environment, parsed: Template, shown: str) -> list[Problem]:
    """The problem of the parsed template ``shown`` that compiling it, as the build
    does, finds: a filter or test no template has, or tags nested deeper than Python
    compiles."""
    from jinja2 import TemplateSyntaxError

    try:
        env.compile(parsed)
    except TemplateSyntaxError as exc:  # Jinja's compile-time errors, as parse ones
        return [Problem(shown, exc.lineno, exc.message or "not a valid template")]
    except (RecursionError, SyntaxError):  # Python's compiler on the generated code
        return [Problem(shown, 0, TOO_DEEP)]
    return []


def _not_utf8(raw: bytes, shown: str) -> Problem | None:
    """The problem of the file ``shown`` if its bytes ``raw`` are not UTF-8."""
    try:
        utf8(raw)
    except UnicodeDecodeError as exc:
        if saved_as_utf16(raw):
            return Problem(shown, 1, f"file is {UTF16}: save it as UTF-8")
        return Problem(shown, byte_line(raw, exc.start),
                       f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}): save it as UTF-8")
    return None


def _missing_templates(parsed: Template, shown: str, known: set[str]) -> list[Problem]:
    """A problem for each template that ``parsed`` (the file ``shown``) extends, includes
    or imports by its name and that is not ``known``, and for each import of a list of
    templates (extends and include take the first that exists; an import, none)."""
    from jinja2 import nodes

    problems = []
    for node in parsed.find_all((nodes.Extends, nodes.Include, nodes.Import,
                                 nodes.FromImport)):
        assert isinstance(node, (nodes.Extends, nodes.Include, nodes.Import,
                                 nodes.FromImport))
        if isinstance(node, nodes.Include) and node.ignore_missing:
            continue
        named = node.template
        listed = named.items if isinstance(named, (nodes.List, nodes.Tuple)) else None
        if listed is not None and isinstance(node, (nodes.Import, nodes.FromImport)):
            # Jinja fails the render with "unhashable type: 'list'".
            problems.append(Problem(shown, node.lineno, "an import names one template, "
                                    "not a list of them: name the one to import from"))
            continue
        # A list or tuple: the first of its templates that exists.
        choices = listed if listed is not None else [named]
        if not all(isinstance(c, nodes.Const) and isinstance(c.value, str)
                   for c in choices):
            continue  # named by a variable: only rendering tells
        names = [c.value for c in choices if isinstance(c, nodes.Const)]
        if names and not any(_loader_name(other) in known for other in names):
            problems.append(Problem(shown, node.lineno, f"no template '{names[0]}', "
                                    f"neither in {TEMPLATE_OVERRIDES}/ nor built in"))
    return problems


def _missing_macros(in_effect: dict[str, Template], overrides: set[str]) -> list[Problem]:
    """A problem for each name a template imports from another (``{% from 'macros.html'
    import row %}``) that the other, an override, does not define: a macros.html copied
    before a built-in page began to import a new macro fails that page's rendering, which
    may first happen during an incident (Jinja says so only when the name is called).
    Named at the importing override's line, else at the override lacking it."""
    from jinja2 import nodes

    problems = []
    lacking: dict[tuple[str, str], list[str]] = {}  # (override, name) -> built-ins importing it
    for name, parsed in sorted(in_effect.items()):
        for node in parsed.find_all(nodes.FromImport):
            assert isinstance(node, nodes.FromImport)
            source = node.template
            if not (isinstance(source, nodes.Const) and isinstance(source.value, str)):
                continue
            imported = _loader_name(source.value)
            if imported is None or imported not in in_effect:
                continue  # a missing template is named on its own
            if name not in overrides and imported not in overrides:
                continue  # the built-in templates agree with each other
            defined = _defined_names(imported, in_effect)
            if defined is None:
                continue  # what it defines cannot be told
            for wanted in node.names:
                macro = wanted if isinstance(wanted, str) else wanted[0]
                if macro in defined:
                    continue
                if name in overrides:
                    problems.append(Problem(
                        f"{TEMPLATE_OVERRIDES}/{shown_name(name)}", node.lineno,
                        f"'{shown_name(imported)}' defines no '{macro}' to import"))
                else:
                    lacking.setdefault((imported, macro), []).append(name)
    for (imported, macro), importers in lacking.items():
        problems.append(Problem(
            f"{TEMPLATE_OVERRIDES}/{shown_name(imported)}", 0,
            f"defines no '{macro}', which the built-in {_listed(importers)} "
            f"import{'s' if len(importers) == 1 else ''}: an override copied from an earlier "
            f"version; copy '{macro}' into it from the built-in {shown_name(imported)}"))
    return problems


def _listed(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _defined_names(name: str, in_effect: dict[str, Template]) -> set[str] | None:
    """The names template ``name`` exports: its top-level macros, variables and imports
    (those inside a top-level if too: Jinja runs its branches in the template's own
    frame), with those of the template it extends; None when that cannot be told (it
    extends one named by a variable, missing, or extending it in turn)."""
    from jinja2 import nodes

    defined: set[str] = set()
    seen = {name}
    top_level = list(in_effect[name].body)
    for node in top_level:
        if isinstance(node, nodes.Extends):
            parent = node.template
            if not (isinstance(parent, nodes.Const) and isinstance(parent.value, str)):
                return None
            extended = _loader_name(parent.value)
            if extended is None or extended not in in_effect or extended in seen:
                return None
            seen.add(extended)
            top_level.extend(in_effect[extended].body)
        elif isinstance(node, nodes.If):
            top_level.extend([*node.body, *node.elif_, *node.else_])
        elif isinstance(node, nodes.Macro):
            defined.add(node.name)
        elif isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            targets = [node.target, *node.target.find_all(nodes.Name)]  # one, or a tuple
            defined.update(t.name for t in targets if isinstance(t, nodes.Name))
        elif isinstance(node, nodes.Import):
            defined.add(node.target)
        elif isinstance(node, nodes.FromImport):
            defined.update(n if isinstance(n, str) else n[1] for n in node.names)
    return defined


def _loader_name(name: str) -> str | None:
    """The name under which the loader finds template ``name`` ('./a.html' and
    'x//a.html' are a.html); None for one it never finds ('..')."""
    from jinja2 import TemplateNotFound
    from jinja2.loaders import split_template_path

    try:
        return "/".join(split_template_path(name))
    except TemplateNotFound:
        return None

"""The package's shape: imports flow one way between the stage packages, with no cycle.

Read from the source with ``ast`` (every import counts: module level, inside
functions and under ``TYPE_CHECKING``), so the rule holds for what a reader sees.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "generator"

# Lower ranks are imported by higher ones, never the other way round. ``notices`` and
# ``render`` share a rank and do not import each other. The composition root (app.py,
# and docs.py, which needs the full settings schema) sits on top, under the command's
# first step (entry.py), which loads it.
RANKS = {
    "core": 0, "disk": 0, "__init__": 0,
    "config": 1,
    "notices": 2, "render": 2,
    "build": 3,
    "publish": 4,
    "notify": 5,
    "cli": 6,
    "app": 7,
    "docs": 8, "entry": 8,
    "__main__": 9,
}
# Where importing a module of the package inside a function is allowed: for start-up
# time, and in entry.py, so that a Ctrl-C while the commands load is caught.
LAZY_ALLOWED = ("entry", "app", "docs", "cli")
# Where the process-wide accelerators (fork, the garbage collector) may be touched.
ACCELERATORS_ALLOWED = ("build",)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    """The stage a module belongs to: its first part under ``generator``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@cache
def parsed() -> tuple[tuple[str, Path, ast.Module], ...]:
    return tuple((module_name(path), path, ast.parse(path.read_text("utf-8"), str(path)))
                 for path in sorted(PACKAGE.rglob("*.py")))


def sources() -> Iterator[tuple[str, Path, ast.Module]]:
    yield from parsed()


def imported(module: str, node: ast.AST) -> list[str]:
    """The package's modules an import statement names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.startswith("generator")]
    if not isinstance(node, ast.ImportFrom) or node.module is None:
        return []
    base = node.module
    if node.level:  # relative: from the importing module's package
        package = module.split(".")[: -node.level] if not module.endswith("__init__") else \
            module.split(".")
        base = ".".join([*package, node.module])
    if not base.startswith("generator"):
        return []
    known = {name for name, _, _ in sources()}
    names = [f"{base}.{alias.name}" for alias in node.names]
    return [name if name in known else base for name in names]


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module, _, tree in sources():
        targets = edges.setdefault(module, set())
        for node in ast.walk(tree):
            targets.update(t for t in imported(module, node) if t != module)
    return edges


def test_imports_flow_one_way() -> None:
    wrong = []
    for module, targets in graph().items():
        for target in sorted(targets):
            if target == "generator":
                continue  # the package itself: its version
            here, there = room(module), room(target)
            if here == there:
                continue
            same_rank_neighbours = RANKS[here] == RANKS[there]
            if RANKS[there] > RANKS[here] or same_rank_neighbours:
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_every_module_is_in_a_known_room() -> None:
    assert {room(module) for module, _, _ in sources()} <= set(RANKS)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in edges:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def function_imports(tree: ast.Module) -> Iterator[ast.AST]:
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from (node for node in ast.walk(function)
                        if isinstance(node, (ast.Import, ast.ImportFrom)))


def test_lazy_imports_of_the_package_only_in_the_composition_root_and_cli() -> None:
    lazy = [f"{module}:{node.lineno}"  # type: ignore[attr-defined]
            for module, _, tree in sources() if room(module) not in LAZY_ALLOWED
            for node in function_imports(tree) if imported(module, node)]
    assert lazy == []


def calls(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Dotted names of every call, such as 'gc.freeze' or 'importlib.import_module'."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            parts = []
            target: ast.AST = node.func
            while isinstance(target, ast.Attribute):
                parts.append(target.attr)
                target = target.value
            if isinstance(target, ast.Name):
                parts.append(target.id)
                yield ".".join(reversed(parts)), node.lineno


def test_no_module_is_loaded_by_a_string() -> None:
    loaders = {"importlib.import_module", "__import__", "import_module"}
    found = [f"{module}:{line} {name}" for module, _, tree in sources()
             for name, line in calls(tree) if name in loaders]
    assert found == []


def test_fork_and_the_garbage_collector_only_in_the_builder() -> None:
    found = [f"{module}:{line} {name}" for module, _, tree in sources()
             if room(module) not in ACCELERATORS_ALLOWED
             for name, line in calls(tree)
             if name.startswith("gc.") or name in ("os.fork", "os.forkpty")]
    assert found == []


def test_no_getattr_on_the_site() -> None:
    found = [f"{module}:{line}" for module, _, tree in sources()
             for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name) and node.func.id == "getattr" and node.args
             and "site" in ast.unparse(node.args[0]).lower()
             for line in [node.lineno]]
    assert found == []


@pytest.mark.parametrize("module", ["generator.build.cache", "generator.build.builder",
                                    "generator.build.pipeline", "generator.build.store",
                                    "generator.build.fragments", "generator.build.uptodate",
                                    "generator.build.inputs"])
def test_the_cache_and_builder_are_typed_without_any(module: str) -> None:
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text("utf-8"))
    uses = [node.lineno for node in ast.walk(tree)
            if (isinstance(node, ast.Name) and node.id == "Any")
            or (isinstance(node, ast.Attribute) and node.attr == "Any")]
    assert uses == []


def test_imports_are_read_as_modules() -> None:
    def first(code: str) -> ast.AST:
        return ast.parse(code).body[0]

    assert imported("generator.render.pages", first("from generator.build.cache import X")
                    ) == ["generator.build.cache"]
    assert imported("generator.render.pages", first("from generator.build import cache")
                    ) == ["generator.build.cache"]
    assert imported("generator.render.pages", first("import generator.core.model")
                    ) == ["generator.core.model"]
    assert imported("generator.render.pages", first("from jinja2 import Environment")) == []

"""``python -m bench.ci``: replay the publish workflow's job locally and time each step.

What CI does for every published update, step by step, from the workflow file itself:
a clean clone of the repository at ``--rev`` (actions/checkout; the publish workflows
check out main, and ``--rev`` stands for main's tip when the run starts), a fresh Python
(actions/setup-python; here a fresh virtualenv stands in for the runner's interpreter),
uv on PATH (astral-sh/setup-uv), ``actions/cache`` restored before and saved after the
job, and every ``run:`` step as written (in the shell a runner uses, ``$GITHUB_PATH``,
``$GITHUB_ENV`` and ``$RUNNER_TEMP`` as on a runner). The publish target is a local
bare git repository added to the clone's ``outpost.yaml`` when it has no ``publish:``
list. Secrets are empty; ``HOME`` is a scratch folder, so ``git config --global``
writes nowhere else.

The first run starts with empty caches (pip's, uv's, ``actions/cache``); the following
runs find what the earlier ones saved, as consecutive runs on GitHub do. Nothing of
GitHub's own network is timed: downloading the runner's tools and transferring cached
archives are not part of these figures.

    python -m bench.ci [--rev REV] [--runs 3] [--workflow .github/workflows/publish.yml]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
WORKFLOW = ".github/workflows/publish.yml"
_PASSED = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY",
           "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
RUNNER_KINDS = ("checkout", "python", "uv", "runner")  # GitHub's part, not Outpost's


class ReplayError(Exception):
    """The workflow uses something this replay does not know, or a step failed."""


@dataclass(frozen=True)
class StepTime:
    name: str
    kind: str  # checkout, python, uv, runner, cache, install, outpost
    seconds: float
    output: str = ""


@dataclass
class Context:
    """What ``${{ }}`` expressions can read."""

    run_id: int
    workspace: Path
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    # A replay stops at the first step that fails: every step that ran succeeded.
    succeeded: set[str] = field(default_factory=set)
    # The env context: what steps wrote to $GITHUB_ENV (a step's own env: is applied after).
    env: dict[str, str] = field(default_factory=dict)

    def lookup(self, path: str) -> str:
        parts = path.split(".")
        if parts[0] in ("secrets", "vars"):
            return ""
        if parts[0] == "env" and len(parts) == 2:
            return self.env.get(parts[1], "")
        if path == "runner.os":
            return "Linux"
        if path == "github.run_id":
            return str(self.run_id)
        if path in ("github.workspace",):
            return str(self.workspace)
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.outputs.get(parts[1], {}).get(parts[3], "")
        if parts[0] == "steps" and len(parts) == 3 and parts[2] in ("outcome", "conclusion"):
            return "success" if parts[1] in self.succeeded else "skipped"
        raise ReplayError(f"unsupported expression: {path}")


_CALL = re.compile(r"^(\w+)\((.*)\)$", re.DOTALL)


def _split(text: str, sep: str) -> list[str]:
    """``text`` split on ``sep`` outside quotes and parentheses."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def hash_files(root: Path, patterns: Sequence[str]) -> str:
    """Like GitHub's ``hashFiles``: sha256 over the matching files, '' when none match."""
    # pathlib's '**' matches folders only; GitHub's matches everything below.
    globs = [f"{p}/*" if p == "**" or p.endswith("/**") else p for p in patterns]
    files = sorted({p for pattern in globs for p in root.glob(pattern) if p.is_file()})
    if not files:
        return ""
    outer = hashlib.sha256()
    for path in files:
        outer.update(hashlib.sha256(path.read_bytes()).digest())
    return outer.hexdigest()


def evaluate(expression: str, context: Context) -> str:
    """The value of one expression: literals, contexts, ``||``, ``&&``, ``!``, ``==``,
    ``!=``, calls."""
    alternatives = _split(expression, "||")
    if len(alternatives) > 1:
        for part in alternatives:
            value = evaluate(part, context)
            if value:
                return value
        return ""
    terms = _split(expression, "&&")
    if len(terms) > 1:
        value = ""
        for part in terms:
            value = evaluate(part, context)
            if not value:
                return ""
        return value
    if expression.strip().startswith("!") and not expression.strip().startswith("!="):
        return "" if evaluate(expression.strip()[1:], context) else "true"
    for op in ("!=", "=="):
        sides = _split(expression, op)
        if len(sides) == 2:
            same = evaluate(sides[0], context) == evaluate(sides[1], context)
            return "true" if same == (op == "==") else ""
    text = expression.strip()
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    call = _CALL.match(text)
    if call:
        name, args = call[1], [evaluate(a, context) for a in _split(call[2], ",") if a]
        if name in ("success", "always"):
            return "true"
        if name in ("failure", "cancelled"):  # a replay stops at a failing step
            return ""
        if name == "hashFiles":
            return hash_files(context.workspace, args)
        raise ReplayError(f"unsupported function: {name}()")
    return context.lookup(text)


def interpolate(text: str, context: Context) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda found: evaluate(found[1], context), text)


def condition(text: str | None, context: Context) -> bool:
    if text is None:
        return True
    inner = text.strip()
    if inner.startswith("${{") and inner.endswith("}}"):
        inner = inner[3:-2]
    return bool(evaluate(inner, context))


def _default_shell(level: Mapping[str, Any]) -> str | None:
    """A workflow's or job's ``defaults: run: shell:``, if set."""
    return ((level.get("defaults") or {}).get("run") or {}).get("shell")


def load_job(text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The only job of a workflow: its ``env`` and its steps."""
    data = yaml.safe_load(text)
    jobs = data.get("jobs") or {}
    if len(jobs) != 1:
        raise ReplayError(f"expected one job, found {len(jobs)}")
    (job,) = jobs.values()
    steps = [dict(step) for step in job["steps"]]
    shell = _default_shell(job) or _default_shell(data)
    for step in steps:
        if shell is not None and "run" in step:
            step.setdefault("shell", shell)
    return dict(job.get("env") or {}), steps


# How a runner runs a run: script (GitHub's documented commands): with no shell named,
# bash -e alone, where a command failing before a pipe's last one goes unnoticed.
SHELLS = {None: ["bash", "-e", "-c"],
          "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]}


def install_lines(text: str) -> list[str]:
    """The commands of the workflow's install steps (named 'Install ...'), line by line."""
    _, steps = load_job(text)
    lines: list[str] = []
    for step in steps:
        if str(step.get("name", "")).startswith("Install") and "run" in step:
            lines += [line.strip() for line in step["run"].splitlines() if line.strip()]
    if not lines:
        raise ReplayError("no step named 'Install ...' with a run: command")
    return lines


def _kind(step: Mapping[str, Any]) -> str:
    if str(step.get("name", "")).startswith("Install"):
        return "install"
    run = str(step.get("run", ""))
    if any(line.strip().startswith(("outpost ", "if grep")) for line in run.splitlines()):
        return "outpost"
    return "runner"


def _label(step: Mapping[str, Any]) -> str:
    if "name" in step:
        return str(step["name"])
    return str(step.get("uses") or step.get("run", "")).splitlines()[0]


def find_uv() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    if not Path(found).is_file():
        raise ReplayError("the workflow uses astral-sh/setup-uv but uv is not installed: "
                          "python -m pip install uv")
    return found


def base_python() -> str:
    """The interpreter a fresh virtualenv is made from (not this one's venv)."""
    return str(getattr(sys, "_base_executable", None) or sys.executable)


@dataclass
class Replay:
    """One replay of the job: a fresh workspace, persistent caches under ``caches``."""

    source: Path
    rev: str
    work: Path
    caches: Path
    target: Path
    run_id: int
    log: Callable[[str], None] = lambda _line: None
    rewrites: tuple[tuple[str, str], ...] = ()  # (old, new) applied to run: scripts
    notices: int = 0  # replace the checkout's notices by this many synthetic ones

    def __post_init__(self) -> None:
        # The same paths every run, as on a runner (the workspace and $RUNNER_TEMP do not
        # move between runs): the build cache's stamp includes where libraries live.
        self.root = self.work / "runner"
        shutil.rmtree(self.root, ignore_errors=True)
        self.workspace = self.root / "workspace"
        self.temp = self.root / "temp"
        self.home = self.root / "home"
        for folder in (self.temp, self.home):
            folder.mkdir(parents=True)
        self.context = Context(self.run_id, self.workspace)
        self.path: list[str] = ["/usr/local/bin", "/usr/bin", "/bin"]
        self.env: dict[str, str] = {
            "HOME": str(self.home), "CI": "true", "GITHUB_ACTIONS": "true",
            "RUNNER_TEMP": str(self.temp), "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_PATH": str(self.temp / "github_path"),
            "GITHUB_ENV": str(self.temp / "github_env"),
            "GITHUB_OUTPUT": str(self.temp / "github_output"),
            "LANG": "C.UTF-8", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            # Fresh unless a setup step enables its cache.
            "PIP_CACHE_DIR": str(self.temp / "pip-cache"),
            "UV_CACHE_DIR": str(self.temp / "uv-cache"),
            "UV_PYTHON_DOWNLOADS": "never",
        }
        # How this machine reaches the package index (its CA, a proxy, a mirror) is not
        # the workflow's business but the replay needs it, as a runner has its own.
        self.env |= {k: v for k, v in os.environ.items() if k in _PASSED or
                     k.startswith(("PIP_INDEX", "PIP_EXTRA_INDEX", "PIP_FIND_LINKS",
                                   "PIP_CERT", "UV_INDEX", "UV_EXTRA_INDEX", "UV_NATIVE",
                                   "UV_SYSTEM_CERTS"))}
        self.posts: list[Callable[[], StepTime]] = []
        self.times: list[StepTime] = []

    # --- steps ----------------------------------------------------------------------
    def _checkout(self) -> None:
        subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(self.source),
                        str(self.workspace)], check=True, capture_output=True)
        subprocess.run(["git", "-C", str(self.workspace), "checkout", "-q", self.rev],
                       check=True, capture_output=True)
        if self.notices:  # the same files every run, as a repository that did not change
            from bench import synth

            shutil.rmtree(self.workspace / "notices")
            synth.make_repo(self.workspace, self.notices)
        config = self.workspace / "outpost.yaml"
        text = config.read_text(encoding="utf-8")
        if not re.search(r"^publish:", text, re.MULTILINE):
            config.write_text(text.rstrip("\n") + "\n\npublish:\n  - name: pages\n"
                              f"    type: git\n    remote: {self.target}\n"
                              "    branch: gh-pages\n", encoding="utf-8")

    def _setup_python(self, options: Mapping[str, str]) -> None:
        if options.get("cache") == "pip":
            self.env["PIP_CACHE_DIR"] = str(self.caches / "pip")
        python = self.root / "python"
        subprocess.run([base_python(), "-m", "venv", str(python)], check=True,
                       capture_output=True)
        self.path.insert(0, str(python / "bin"))

    def _setup_uv(self, options: Mapping[str, str]) -> None:
        if str(options.get("enable-cache", "")).lower() == "true":
            self.env["UV_CACHE_DIR"] = str(self.caches / "uv")
        folder = self.root / "uv-bin"
        folder.mkdir()
        (folder / "uv").symlink_to(find_uv())
        self.path.insert(0, str(folder))

    def _cache(self, step: Mapping[str, Any], options: Mapping[str, str]) -> None:
        key = options["key"]
        prefixes = [line.strip() for line in options.get("restore-keys", "").splitlines()
                    if line.strip()]
        paths = [line.strip() for line in options["path"].splitlines() if line.strip()]
        store = self.caches / "actions"
        store.mkdir(parents=True, exist_ok=True)
        entries = sorted(store.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
        hit = store / _safe(key) if (store / _safe(key)).is_dir() else None
        found = hit or next((e for prefix in prefixes for e in entries
                             if (e / "key").read_text().startswith(prefix)), None)
        if found is not None:
            for path in paths:
                if (found / "data" / path).exists():
                    shutil.copytree(found / "data" / path, self.workspace / path,
                                    dirs_exist_ok=True, symlinks=True)
        if "id" in step:
            self.context.outputs[str(step["id"])] = {
                "cache-hit": "true" if hit else "",
                "cache-matched-key": (found / "key").read_text() if found else ""}

        def save() -> StepTime:
            start = time.perf_counter()
            present = [path for path in paths if (self.workspace / path).is_dir()]
            if hit is None and present:
                entry = store / _safe(key)
                shutil.rmtree(entry, ignore_errors=True)
                for path in present:
                    shutil.copytree(self.workspace / path, entry / "data" / path,
                                    symlinks=True)
                (entry / "key").write_text(key)
            return StepTime(f"Post: save {' and '.join(paths)} (actions/cache)", "cache",
                            time.perf_counter() - start,
                            "saved" if hit is None and present else "exact hit: not saved")

        self.posts.append(save)

    def _run(self, script: str, env: Mapping[str, str], shell: str | None = None) -> str:
        if shell not in SHELLS:
            raise ReplayError(f"unsupported shell: {shell}")
        for name in ("github_path", "github_env", "github_output"):
            (self.temp / name).write_text("")
        full = self.env | {"PATH": os.pathsep.join(self.path)} | dict(env)
        done = subprocess.run([*SHELLS[shell], script], cwd=self.workspace, env=full,
                              capture_output=True, text=True, check=False)
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise ReplayError(f"exit {done.returncode}: {script.strip()}\n{output[-3000:]}")
        for line in reversed((self.temp / "github_path").read_text().splitlines()):
            if line.strip():
                self.path.insert(0, line.strip())
        for line in (self.temp / "github_env").read_text().splitlines():
            if "=" in line:
                name, value = line.split("=", 1)
                self.env[name] = self.context.env[name] = value
        return output

    def step(self, step: Mapping[str, Any], job_env: Mapping[str, str]) -> StepTime | None:
        if not condition(step.get("if"), self.context):
            return None
        options = {k: interpolate(str(v), self.context) for k, v in
                   (step.get("with") or {}).items()}
        uses = str(step.get("uses", ""))
        start = time.perf_counter()
        output, kind = "", _kind(step)
        if uses.startswith("actions/checkout@"):
            self._checkout()
            kind = "checkout"
        elif uses.startswith("actions/setup-python@"):
            self._setup_python(options)
            kind = "python"
        elif uses.startswith("astral-sh/setup-uv@"):
            self._setup_uv(options)
            kind = "uv"
        elif uses.startswith("actions/cache@"):
            self._cache(step, options)
            kind = "cache"
        elif uses:
            raise ReplayError(f"unsupported action: {uses}")
        else:
            env = {k: interpolate(str(v), self.context) for k, v in
                   {**job_env, **(step.get("env") or {})}.items()}
            script = interpolate(str(step["run"]), self.context)
            for old, new in self.rewrites:
                script = script.replace(old, new)
            output = self._run(script, env, step.get("shell"))
            if "id" in step:
                self.context.succeeded.add(str(step["id"]))
                lines = (self.temp / "github_output").read_text().splitlines()
                self.context.outputs[str(step["id"])] = dict(
                    line.split("=", 1) for line in lines if "=" in line)
        return StepTime(_label(step), kind, time.perf_counter() - start, output)

    def run(self, workflow: str) -> list[StepTime]:
        job_env, steps = load_job(workflow)
        for step in steps:
            timed = self.step(step, job_env)
            if timed is not None:
                said = timed.output.strip().splitlines()[-1:] if timed.kind == "outpost" else []
                self.log(f"  {timed.seconds:6.2f} s  {timed.name}"
                         + "".join(f"  [{line[:80]}]" for line in said))
                self.times.append(timed)
        for post in reversed(self.posts):
            timed = post()
            self.log(f"  {timed.seconds:6.2f} s  {timed.name}")
            self.times.append(timed)
        return self.times


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", key)


def outpost_part(times: Sequence[StepTime]) -> float:
    """Every step but GitHub's own (checkout, the Python and uv set-up, the token step)."""
    return sum(t.seconds for t in times if t.kind not in RUNNER_KINDS)


def summary(runs: Sequence[Sequence[StepTime]], title: str) -> list[str]:
    """A Markdown table: each step's time in the first run and the median of the others."""
    names = list(dict.fromkeys(t.name for times in runs for t in times))
    warm = runs[1:]
    head = "| step | first run (empty caches) |"
    if warm:
        head += f" warm caches (median of {len(warm)}) |"
    lines = [f"**{title}**", "", head, "|---|---|" + ("---|" if warm else "")]

    def cell(times: Sequence[Sequence[StepTime]], name: str) -> str:
        values = [t.seconds for ts in times for t in ts if t.name == name]
        return f"{statistics.median(values):.2f} s" if values else "skipped"

    for name in names:
        kind = next(t.kind for ts in runs for t in ts if t.name == name)
        label = f"{name} *(GitHub's part)*" if kind in RUNNER_KINDS else name
        row = f"| {label} | {cell(runs[:1], name)} |"
        if warm:
            row += f" {cell(warm, name)} |"
        lines.append(row)
    total = f"| **Outpost's part** | **{outpost_part(runs[0]):.2f} s** |"
    if warm:
        total += f" **{statistics.median(outpost_part(ts) for ts in warm):.2f} s** |"
    lines.append(total)
    chosen = warm or runs[:1]
    medians = {name: statistics.median(t.seconds for ts in chosen for t in ts if t.name == name)
               for name in names if any(t.name == name and t.kind not in RUNNER_KINDS
                                        for ts in chosen for t in ts)}
    slowest = max(medians, key=lambda name: medians[name])
    lines += ["", f"Slowest step of Outpost's part: {slowest} ({medians[slowest]:.2f} s)."]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ci", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rev", action="append", default=None,
                        help="The commit to check out (default HEAD). Repeat it to compare "
                        "commits: their runs alternate, each with its own caches and target.")
    parser.add_argument("--runs", type=int, default=3, help="Runs; the first starts with "
                        "empty caches (default 3).")
    parser.add_argument("--workflow", default=WORKFLOW, help=f"Default {WORKFLOW}.")
    parser.add_argument("--source", type=Path, default=HERE.parent,
                        help="The repository to clone (default: this one).")
    parser.add_argument("--work", type=Path, default=None,
                        help="Scratch folder (default: a temporary one).")
    parser.add_argument("--skeleton", action="store_true",
                        help="Replay the workflow `outpost init` writes instead, in a new site "
                        "made by this checkout's init; its install line gets Outpost from a "
                        "local clone of this checkout tagged as the release it names.")
    parser.add_argument("--notices", type=int, default=0,
                        help="Replace the checkout's notices and settings by this many "
                        "synthetic notices (bench/synth.py), the same in every run.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="outpost-ci-") as scratch:
        work = args.work or Path(scratch)
        rewrites: tuple[tuple[str, str], ...] = ()
        if args.skeleton:
            args.source, rewrites = skeleton_site(args.source, work / "skeleton")
            args.rev = None
        replay_all(args, work, rewrites)


def skeleton_site(checkout: Path, folder: Path) -> tuple[Path, tuple[tuple[str, str], ...]]:
    """A site made by ``outpost init`` (committed), and the rewrite of its install URL."""
    from generator import REPOSITORY, __version__

    shutil.rmtree(folder, ignore_errors=True)
    clone = folder / "outpost"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(checkout), str(clone)],
                   check=True)
    subprocess.run(["git", "-C", str(clone), "tag", "-f", f"v{__version__}"], check=True,
                   capture_output=True)
    site = folder / "site"
    subprocess.run([sys.executable, "-m", "generator", "init", str(site), "--timezone", "UTC",
                    "--title", "Replay Status", "--component", "web=Website"], check=True,
                   capture_output=True, env=os.environ | {"PYTHONPATH": str(checkout)})
    git = ["git", "-C", str(site), "-c", "user.name=Replay", "-c", "user.email=r@example.org"]
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "outpost init"], check=True)
    return site, ((f"git+{REPOSITORY}@", f"git+file://{clone}@"),)


def replay_all(args: argparse.Namespace, work: Path,
               rewrites: tuple[tuple[str, str], ...]) -> None:
    revs: list[str] = args.rev or ["HEAD"]
    workflows, titles = [], []
    for rev in revs:
        shown = subprocess.run(["git", "-C", str(args.source), "show", f"{rev}:{args.workflow}"],
                               capture_output=True, text=True, check=False)
        if shown.returncode != 0:
            raise SystemExit(f"python -m bench.ci: {shown.stderr.strip()}")
        workflows.append(shown.stdout)
        commit = subprocess.run(["git", "-C", str(args.source), "log", "-1", "--format=%h %s",
                                 rev], capture_output=True, text=True, check=True).stdout
        titles.append(f"{args.workflow} at {commit.strip()}")
    load = os.getloadavg()[0]
    runs: list[list[list[StepTime]]] = [[] for _ in revs]
    for index in range(len(revs)):
        folder = work / f"rev-{index}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", "--bare", str(folder / "target.git")],
                       check=True)
    for run_id in range(1, args.runs + 1):
        order = list(range(len(revs)))
        if run_id % 2 == 0:
            order.reverse()
        for index in order:
            folder = work / f"rev-{index}"
            print(f"run {run_id}: {revs[index]}", file=sys.stderr, flush=True)
            replay = Replay(args.source, revs[index], folder, folder / "caches",
                            folder / "target.git", run_id,
                            log=lambda line: print(line, file=sys.stderr, flush=True),
                            rewrites=rewrites, notices=args.notices)
            try:
                runs[index].append(replay.run(workflows[index]))
            except ReplayError as exc:
                raise SystemExit(f"python -m bench.ci: run {run_id} of {revs[index]}: "
                                 f"{exc}") from None
    print(f"Load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.\n")
    for index, title in enumerate(titles):
        print("\n".join(summary(runs[index], title)))
        print("\nInstall step:\n\n```sh\n" + "\n".join(install_lines(workflows[index]))
              + "\n```\n")


if __name__ == "__main__":
    main()

"""Publishing to every target independently: retries, summaries, the site check.

``publish_targets`` and ``verify_targets`` are the library functions behind
``outpost publish`` and ``outpost verify`` (and the publishing benchmark).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from generator.core.errors import OutpostError, StopRequested
from generator.core.wording import counted, noun
from generator.disk import make_folders, regular_bytes, taking_turns
from generator.publish.base import Counts, PublishError, Target, TransientError, redact
from generator.publish.source import RECORD, Source, publish_source, recorded_commit
from generator.render.manifest import MANIFEST, Manifest, parse_manifest

Echo = Callable[[str], None]
FORCED = "publishing anyway (--force): "  # begins the line saying what --force overrode
WAITING = "waiting for another publish to it from this machine to end"


@dataclass(frozen=True)
class Summary:
    """What happened to one target."""

    name: str
    ok: bool
    uploaded: int
    unchanged: int
    deleted: int
    seconds: float
    attempts: int
    error: str | None = None
    live: bool = False  # the target serves this build (failed or not)
    untouched: bool = False  # nothing was written to it (refused, or never reached)

    def line(self) -> str:
        status = "ok" if self.ok else "FAILED"
        text = (f"{self.name}: {status}: {self.uploaded} uploaded, {self.unchanged} unchanged, "
                f"{self.deleted} deleted, {self.seconds:.1f}s")
        if self.attempts > 1:
            text += f", {self.attempts} attempts"
        return text + (f": {self.error}" if self.error else "")


def read_site(site_dir: Path) -> Manifest:
    """The built site's manifest, after checking every listed file is there unchanged."""
    if not site_dir.is_dir():
        raise OutpostError(f"no site at {site_dir}: run outpost build first")
    try:
        raw = (site_dir / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise OutpostError(f"{site_dir / MANIFEST} is missing: run outpost build first") from None
    try:
        manifest = parse_manifest(raw)
    except ValueError:
        raise OutpostError(f"{site_dir / MANIFEST} is not an Outpost manifest: "
                           "run outpost build again") from None
    problems = []
    for path, entry in sorted(manifest.files.items()):
        data = regular_bytes(site_dir / path)  # never a FIFO put there: it would block
        if data is None:
            problems.append(f"{path} is missing" if not os.path.lexists(site_dir / path)
                            else f"{path} is not a readable regular file")
            continue
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            problems.append(f"{path} differs from {MANIFEST}")
    if problems:
        raise OutpostError(f"the site in {site_dir} does not match its {MANIFEST} ("
                           + "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
                           + "): run outpost build again")
    return manifest


def _attempt(target: Target, work: Callable[[], Iterator[str]], echo: Echo,
             sleep: Callable[[float], None], backoff: float) -> tuple[int, str | None]:
    """Run ``work`` with bounded retries on TransientError; (attempts, error or None)."""
    retries = target.settings.retries
    for attempt in range(1, retries + 2):
        try:
            for line in work():
                echo(f"{target.name}: {redact(line)}")
            return attempt, None
        except TransientError as exc:
            if attempt > retries:
                return attempt, (f"{redact(str(exc))} (gave up after "
                                 f"{counted(attempt, 'attempt')})")
            delay = backoff * 2 ** (attempt - 1)
            echo(f"{target.name}: {redact(str(exc))}; retrying in {delay:g}s "
                 f"({attempt}/{retries})")
            sleep(delay)
        except PublishError as exc:
            return attempt, redact(str(exc))
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            return attempt, redact(f"{exc.strerror or exc}{where}")
        except Exception as exc:  # one target's bug must not stop the others
            return attempt, redact(f"unexpected failure ({type(exc).__name__}: {exc})")
    raise AssertionError("unreachable")  # pragma: no cover


def _publish_from(target: Target, site_dir: Path, manifest: Manifest,
                  source: Source | None, force: bool, begin: Callable[[], None]
                  ) -> Iterator[str]:
    """Publish to ``target`` unless ``source`` lacks the commit it was last published
    from (unless ``force``), then record ``source``'s commit there; ``begin`` is called
    once writing to it may start."""
    held = target.read_state(RECORD) if source is not None else None
    why = source.behind(recorded_commit(held)) if source is not None else None
    if source is not None and why is not None and not force:
        # Refused on a retry, after another clone's publish went live there meanwhile:
        # the files this one's first attempt put up are there all the same.
        raise PublishError(source.refusal(target.name, why, target.counts.uploaded))
    if why is not None:
        yield f"{FORCED}it was {why}"
    recorded = source is None or source.record() == held  # a republish writes nothing
    begin()
    for line in target.publish(site_dir, manifest):
        yield line
        # Recorded once the build is live, before what follows (an s3 target's deletions)
        # may fail: a clone still at the commit before must be refused from then on.
        if not recorded and target.counts.live:
            assert source is not None
            target.write_state(RECORD, source.record())
            recorded = True
    if not recorded:
        assert source is not None
        target.write_state(RECORD, source.record())


def _turns(place: str) -> Path:
    """The folder whose lock publishes to ``place`` from this machine take in turn: from
    reading its record (the commit checked) to writing it, so that two run at once from
    two clones never both pass the check (one of them not pulled) and both publish.
    One folder a place, per user, in the temporary folder; one that cannot be made gives
    no lock (see taking_turns)."""
    folder = (Path(tempfile.gettempdir()) / f"outpost-publish-{os.getuid()}"
              / hashlib.sha256(place.encode()).hexdigest()[:32])
    with contextlib.suppress(OSError):
        make_folders(folder)
    return folder


@dataclass(frozen=True)
class _Run:
    """What each target of one publish run is given."""

    site_dir: Path
    manifest: Manifest
    source: Source | None
    force: bool
    echo: Echo
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    backoff: float


@dataclass
class _Progress:
    """How far the publish to one target went, as its attempts go: its summary says
    it, and so does the report of an interrupt."""

    waiting: bool = False  # for another publish to it from this machine to end
    begun: bool = False  # writing to it may have started: it was not refused
    live: bool = False  # it serves this build, whatever failed after

    def begin(self) -> None:
        self.begun = True


def publish_targets(targets: Sequence[Target], site_dir: Path, manifest: Manifest,
                    echo: Echo = print, *, root: Path | None = None, force: bool = False,
                    sleep: Callable[[float], None] = time.sleep,
                    clock: Callable[[], float] = time.monotonic,
                    backoff: float = 1.0) -> list[Summary]:
    """Publish to each target in turn; one failing target does not stop the others.

    ``root``: the notices repository the site was built from. A target last published
    from a commit its git ``HEAD`` does not include (a clone not pulled) is refused, as a
    failing target, unless ``force``; each target then records ``HEAD`` (see source.py).
    """
    run = _Run(site_dir, manifest, publish_source(root) if root is not None else None,
               force, echo, sleep, clock, backoff)
    summaries: list[Summary] = []
    progress = _Progress()
    try:
        for target in targets:
            progress = _Progress()
            summary = _publish_one(run, target, progress)
            summaries.append(summary)
            echo(summary.line())
    except KeyboardInterrupt as stopped:
        _report_interrupt(targets[len(summaries):], progress, stopped, echo)
        raise
    return summaries


def _publish_one(run: _Run, target: Target, progress: _Progress) -> Summary:
    """Publish to ``target`` with retries, once no other publish to it from this machine
    runs; what happened, ``progress`` following it meanwhile."""
    build = run.manifest.build_id
    run.echo(f"{target.name}: publishing build {build} ({len(run.manifest.files)} files) "
             f"to {target.settings.type} target")

    def work() -> Iterator[str]:
        try:
            yield from _publish_from(target, run.site_dir, run.manifest, run.source,
                                     run.force, progress.begin)
        finally:  # a later attempt failing sooner leaves it live all the same
            progress.live = progress.live or target.counts.live

    def wait() -> None:
        progress.waiting = True
        run.echo(f"{target.name}: {WAITING}")

    with taking_turns(_turns(target.place), wait):
        progress.waiting = False
        started = run.clock()  # the wait for another publish is not this one's time
        attempts, error = _attempt(target, work, run.echo, run.sleep, run.backoff)
    if error is not None and progress.live:  # else it read as the old build still served
        error = f"build {build} is live there, but a later step failed: {error}"
    counts: Counts = target.counts
    # Refused, or failed before a file of this build was put there (a bucket missing, a
    # listing that timed out): what it serves is as it was, with no file of this build.
    wrote = progress.live or counts.uploaded > 0 or counts.deleted > 0
    return Summary(target.name, error is None, counts.uploaded, counts.unchanged,
                   counts.deleted, run.clock() - started, attempts, error, progress.live,
                   untouched=not (progress.begun and wrote))


def _report_interrupt(left: Sequence[Target], progress: _Progress,
                      stopped: KeyboardInterrupt, echo: Echo) -> None:
    """Ctrl-C or SIGTERM: name the target stopped (``left[0]``, as far as ``progress``
    went) and those never reached, which still serve the build they had (click itself
    says only "Aborted!")."""
    how = "stopped (SIGTERM)" if isinstance(stopped, StopRequested) else (
        "interrupted (Ctrl-C)")
    if left and progress.waiting:  # nothing of it was read or written yet
        echo(f"{left[0].name}: FAILED: not published: {how} while waiting for "
             "another publish to it to end")
    elif left:
        echo(f"{left[0].name}: FAILED: {how} while publishing; the next publish "
             "completes it")
    for target in left[1:]:
        echo(f"{target.name}: FAILED: not published: interrupted before its turn")


def verify_targets(targets: Sequence[Target], echo: Echo = print, *,
                   sleep: Callable[[float], None] = time.sleep,
                   backoff: float = 1.0, site_dir: Path | None = None
                   ) -> list[tuple[str, str | None]]:
    """Verify each target; returns (name, error or None) per target. ``site_dir``: a
    built site on this machine, the build the targets should serve (see Target.verify),
    or None to read every file back and compare no build."""
    results = []
    for target in targets:
        _, error = _attempt(target, partial(target.verify, site_dir), echo, sleep, backoff)
        echo(f"{target.name}: {'ok' if error is None else 'FAILED: ' + error}")
        results.append((target.name, error))
    return results


def failure_report(failed: Sequence[str], verb: str) -> str:
    return (f"{counted(len(failed), 'target')} failed to {verb}: "
            + ", ".join(failed))


def publish_failure_report(failed: Sequence[Target], live: Collection[str] = (),
                           untouched: Collection[str] = ()) -> str:
    """The failure, what to do about it, and what the failed targets serve meanwhile;
    ``live``: the names of those that serve this build already (a step after failed);
    ``untouched``: of those that nothing was written to (refused before writing)."""
    names = [target.name for target in failed]
    before = [target for target in failed if target.name not in live]
    after = [target for target in failed if target.name in live]
    mixed = (" (an s3 target perhaps mixed with files of this build, never a broken link)"
             if any(target.may_mix_builds and target.name not in untouched
                    for target in before) else "")
    served = [_serve(group, len(group) == len(failed), what) for group, what in (
        (before, f"what {'it' if len(before) == 1 else 'they'} did before{mixed}"),
        (after, "this build already")) if group]
    return (f"{failure_report(names, 'publish')}. Fix the {noun(len(failed), 'cause')}"
            f" above, then run 'outpost publish {' '.join(names)}' again; until then "
            + "; ".join(served))


def _serve(group: Sequence[Target], every: bool, what: str) -> str:
    """'it serves', 'they serve' (``every`` failed target) or 'mirror serves' ``what``."""
    one = len(group) == 1
    names = [target.name for target in group]
    who = ("it" if one else "they") if every else (
        ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])
    return f"{who} {'serves' if one else 'serve'} {what}"

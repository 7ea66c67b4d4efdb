"""Doing one thing to many files quickly: on both cores (fork) and without the cyclic
garbage collector scanning the many new objects over and over."""

from __future__ import annotations

import gc
import os
import pickle
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, Generic, NoReturn, TypeVar

from generator.disk import stops_held

T = TypeVar("T")
R = TypeVar("R")
_PR_SET_PDEATHSIG = 1


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: reading thousands of notices makes hundreds of
    thousands of objects, and each collection would scan them all again. Nothing made
    while paused is a cycle, so nothing is lost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Forked(Generic[R]):
    """Runs ``calls`` in a forked child from now on; ``results()`` returns what they
    returned, in order, or raises what the first failing one raised. If the child dies
    or its results don't pickle, this process makes the calls itself. Without fork (with
    one processor, or no process to spare) the calls run here, when results() is called."""

    def __init__(self, calls: Sequence[Callable[[], R]]) -> None:
        self._calls = calls
        self._pid = 0
        self._reader = -1
        if calls and hasattr(os, "fork") and cores() > 1:
            parent = os.getpid()
            # A stop arriving during the fork was raised before the child was known
            # here: nothing ended it, and it went on writing into a folder the stop was
            # removing. It is held until the child is known (the child keeps it held:
            # a Ctrl-C, which the whole process group gets, is the parent's to handle).
            try:
                with stops_held():
                    forked = _fork()
                    if forked is None:  # no second process to be had: the calls run here
                        return
                    pid, reader, writer = forked
                    if pid == 0:  # the child: work, send, leave without any clean-up
                        _die_with(parent)
                        _child(calls, reader, writer)
                    os.close(writer)
                    self._pid, self._reader = pid, reader
            except BaseException:
                self.close()
                raise

    def results(self) -> list[R]:
        if not self._pid:
            return [call() for call in self._calls]
        data = None
        try:
            with os.fdopen(self._reader, "rb") as pipe:
                self._reader = -1
                data = pipe.read()
        finally:
            self.close(kill=data is None)  # interrupted (Ctrl-C): not wanted any more
        try:
            kind, value = pickle.loads(data)
        except Exception:  # the child died before it sent everything: do its part here
            return [call() for call in self._calls]
        if kind == "error":
            raise value
        return list(value)

    def close(self, kill: bool = True) -> None:
        """Stop waiting for the child (killing it, unless it has sent everything)."""
        if self._reader >= 0:
            os.close(self._reader)
            self._reader = -1
        if self._pid:
            if kill:
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = 0


def _fork() -> tuple[int, int, int] | None:
    """os.fork() with a pipe from the child: (pid, reader, writer); None, leaving no
    descriptor open, where the system has no process or descriptor to spare (EAGAIN,
    ENOMEM, EMFILE): a build then does the work in this process, only slower."""
    try:
        reader, writer = os.pipe()
    except OSError:
        return None
    try:
        return os.fork(), reader, writer
    except OSError:
        os.close(reader)
        os.close(writer)
        return None


def fork_map(work: Callable[[T], R], items: Sequence[T], minimum: int) -> list[R]:
    """``[work(item) for item in items]``; with at least ``minimum`` items, fork and two
    processors, a forked child does the first half while this process does the rest.

    The child's results come back pickled, so they must pickle. If any item raises, the
    exception of the first such item in ``items`` is raised, as the plain loop would.
    """
    if len(items) < minimum or minimum < 2 or not hasattr(os, "fork") or cores() < 2:
        return [work(item) for item in items]
    half = len(items) // 2
    child = Forked([partial(work, item) for item in items[:half]])
    try:
        mine: list[R] = []
        failure: BaseException | None = None
        try:
            mine = [work(item) for item in items[half:]]
        except Exception as exc:  # raised after the child's, which come first
            failure = exc
        theirs = child.results()
    except BaseException:
        child.close()
        raise
    if failure is not None:
        raise failure
    return [*theirs, *mine]


class ForkedRendering:
    """A pipeline ``Executor`` for big builds: the first batch of at least ``minimum``
    pages is shared with a forked child, which renders ``share`` of them while this
    process runs the next producers (the API, the feeds) and then renders the rest."""

    def __init__(self, minimum: int, share: float) -> None:
        self.minimum = minimum
        self.share = share
        self._child: Forked[bytes] | None = None

    def submit(self, jobs: Sequence[Callable[[], bytes]]) -> Callable[[], list[bytes]]:
        if self._child is not None or len(jobs) < self.minimum or cores() < 2:
            return lambda: [job() for job in jobs]
        split = int(len(jobs) * self.share)
        child = self._child = Forked(jobs[:split])
        rest = jobs[split:]

        def results() -> list[bytes]:
            try:
                mine = [job() for job in rest]
            except Exception:
                child.results()  # the child's pages come first: so does their error
                raise
            return child.results() + mine

        return results

    def close(self) -> None:
        if self._child is not None:
            self._child.close()
            self._child = None


class ForkedWork:
    """A pipeline ``Elsewhere``: work started now in a forked child (run here when
    results are asked for, where no child can be started)."""

    def __init__(self) -> None:
        self._child: Forked[Any] | None = None

    def start(self, work: Callable[[], T]) -> Callable[[], T]:
        child = self._child = Forked([work])
        return lambda: child.results()[0]

    def close(self) -> None:
        if self._child is not None:
            self._child.close()
            self._child = None


def cores() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _die_with(parent: int) -> None:
    """Where Linux offers it, end this child when its parent ends: a build killed
    mid-way must not leave a child writing into (and keeping the lock of) a folder the
    next build would remove."""
    import ctypes  # here, in the child: a build that never forks does not load it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the child finishes its share alone
        return
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(1)


def _child(calls: Sequence[Callable[[], Any]], reader: int, writer: int) -> NoReturn:
    status = 0
    try:
        os.close(reader)
        try:
            result: tuple[str, Any] = ("ok", [call() for call in calls])
        except BaseException as exc:
            result = ("error", exc)
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)  # if it can't: status 1
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(data)
    except BaseException:
        status = 1
    finally:
        os._exit(status)


"""Doing one thing to many files quickly: on both cores (fork) and without the cyclic
garbage collector scanning the many new objects over and over."""

from __future__ import annotations

import gc
import os
import pickle
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")
R = TypeVar("R")


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


def fork_map(work: Callable[[T], R], items: Sequence[T], minimum: int) -> list[R]:
    """``[work(item) for item in items]``; with at least ``minimum`` items, fork and two
    processors, a forked child does the first half while this process does the rest.

    The child's results come back pickled, so they must pickle. If any item raises, the
    exception of the first such item in ``items`` is raised, as the plain loop would.
    """
    if len(items) < minimum or minimum < 2 or not hasattr(os, "fork") or cores() < 2:
        return [work(item) for item in items]
    half = len(items) // 2
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: work, send, leave without running any clean-up
        _child(work, items[:half], reader, writer)
    os.close(writer)
    data = None
    try:
        mine: list[R] = []
        failure: BaseException | None = None
        try:
            mine = [work(item) for item in items[half:]]
        except Exception as exc:  # raised after the child's, which come first
            failure = exc
        with os.fdopen(reader, "rb") as pipe:
            reader = -1
            data = pipe.read()
    finally:
        if reader >= 0:
            os.close(reader)
        if data is None:  # interrupted (Ctrl-C): the child's work is not wanted
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    try:
        kind, value = pickle.loads(data)
    except Exception:  # the child died before it sent everything: do its half here
        kind, value = "ok", [work(item) for item in items[:half]]
    if kind == "error":
        raise value
    if failure is not None:
        raise failure
    return [*value, *mine]


def cores() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _child(work: Callable[[Any], Any], items: Sequence[Any], reader: int, writer: int
           ) -> NoReturn:
    status = 0
    try:
        os.close(reader)
        try:
            result: tuple[str, Any] = ("ok", [work(item) for item in items])
        except BaseException as exc:
            result = ("error", exc)
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)  # if it can't: status 1
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(data)
    except BaseException:
        status = 1
    finally:
        os._exit(status)


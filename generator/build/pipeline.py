"""The pipeline: settings + notices + now -> every file of the site, as {path: bytes}.

Select what is open at ``now``, make the read-only Site, run each producer, take each
Page it returns from the cache or render it, then run the finishers, which see every
file. Nothing here touches the disk but the templates, and nothing is global: the
clock, the settings and the accelerators are arguments. The defaults keep nothing
and render every page in this process; the builder (generator/build/builder.py)
passes its page cache and, for big first builds, a second process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from generator.core.model import Config, Notice
from generator.core.timeline import select
from generator.render.feeds import site_feeds
from generator.render.pages import Site, make_site
from generator.render.produced import Fragments, Kept, NoFragments, Page, Produced

if TYPE_CHECKING:
    from jinja2 import BytecodeCache

T = TypeVar("T")

Producer = Callable[[Site], Produced]
# (site, every file so far as (sha256, size)) -> more files (the manifest, headers).
Finisher = Callable[[Site, Mapping[str, tuple[str, int]]], Mapping[str, bytes]]


@dataclass(frozen=True)
class Recipe:
    """What a site is made of: producers, then finishers that see every produced file."""

    producers: tuple[Producer, ...]
    finishers: tuple[Finisher, ...] = ()
    # With a second process (``Elsewhere``), the producers from this index on run there
    # while the ones before it run here.
    split: int = 1


class PageCache(Fragments, Protocol):
    """Pages (and per-notice fragments) kept from an earlier build."""

    def lookup(self, path: str, page: Page) -> tuple[str, Kept | None]:
        """The page's key, and the page if it was kept under that key."""
        ...

    def keep(self, path: str, key: str, data: bytes) -> None:
        """Remember a page rendered for ``key``."""
        ...

    def digest(self, path: str, data: bytes) -> str:
        """The sha256 of ``data`` (a cache knows it for the pages it kept)."""
        ...

    def kept(self, path: str, key: str, render: Callable[[], bytes]) -> Kept | None:
        """The page kept under ``key`` (found by a copy of this cache in a second
        process); ``render`` makes its bytes should its kept file be gone."""
        ...

    def detach(self) -> None:
        """This copy of the cache, in a second process, is done: keep what only it
        learnt and the first process will not be told (the per-notice fragments)."""
        ...


class NoCache(NoFragments):
    """Keeps nothing: every page is rendered (and every fragment made)."""

    def lookup(self, path: str, page: Page) -> tuple[str, Kept | None]:
        return "", None

    def keep(self, path: str, key: str, data: bytes) -> None:
        return None

    def digest(self, path: str, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def kept(self, path: str, key: str, render: Callable[[], bytes]) -> Kept | None:
        return None

    def detach(self) -> None:
        return None


Jobs = Sequence[Callable[[], bytes]]


class Executor(Protocol):
    """Where pages missing from the cache are rendered."""

    def submit(self, jobs: Jobs) -> Callable[[], list[bytes]]:
        """Start ``jobs`` (or not yet); the returned function gives their results in order."""
        ...

    def close(self) -> None:
        """The build failed: stop whatever still runs."""
        ...


class RenderHere:
    """Renders each page in this process, when its results are asked for."""

    def submit(self, jobs: Jobs) -> Callable[[], list[bytes]]:
        return lambda: [job() for job in jobs]

    def close(self) -> None:
        return None


# What producers run in a second process hand back: each file, in their order, with its
# bytes, or a page's key with its bytes when it was rendered there (None: kept); and
# the error a page's rendering raised there, if one did (raised where a build without
# a second process would raise it: after this process's own pages render).
DetachedFile = tuple[str, "bytes | tuple[str, bytes | None]"]
Detached = tuple[list[DetachedFile], Exception | None]


class Elsewhere(Protocol):
    """Where some producers may run while the first ones run here (a second process)."""

    def start(self, work: Callable[[], Detached]) -> Callable[[], Detached]:
        """Start ``work``; the returned function gives what it returned."""
        ...

    def close(self) -> None:
        """The build failed: stop it."""
        ...


def _detached(site: Site, producers: Sequence[Producer], cache: PageCache) -> Detached:
    """Run ``producers`` with ``cache`` (a copy of this process's, in another one), then
    render the pages they made that it does not keep, as render_site does: each file's
    bytes, or its page's key and (unless kept) its bytes; and a rendering's error."""
    made = [(path, item) for produce in producers for path, item in produce(site).items()]
    result: list[DetachedFile] = []
    try:
        for path, item in made:
            if isinstance(item, bytes):
                result.append((path, item))
                continue
            key, kept = cache.lookup(path, item)
            result.append((path, (key, None if kept is not None else item.render())))
    except Exception as exc:  # the first process raises it when a build without one would
        return result, exc
    cache.detach()
    return result, None


class _MadeAgain:
    """The pages of producers that ran in a second process, made again here when a page
    kept there has lost its file: each producer runs here at most once."""

    def __init__(self, site: Site, producers: Sequence[Producer]) -> None:
        self.site = site
        self.producers = producers
        self.made: list[Produced] = []

    def render(self, path: str) -> bytes:
        for index, produce in enumerate(self.producers):
            if index == len(self.made):
                self.made.append(produce(self.site))
            found = self.made[index].get(path)
            if found is not None:
                return found if isinstance(found, bytes) else found.render()
        raise KeyError(path)


class SiteFiles(Mapping[str, bytes]):
    """Every file of the site, in the producers' order; a kept page's bytes are read
    when asked for, and only then."""

    def __init__(self, entries: dict[str, bytes | Kept]) -> None:
        self._entries = entries

    def __getitem__(self, path: str) -> bytes:
        found = self._entries[path]
        return found if isinstance(found, bytes) else found.read()

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def size(self, path: str) -> int:
        found = self._entries[path]
        return len(found) if isinstance(found, bytes) else found.size


@dataclass(frozen=True)
class Rendered:
    """Every file of the site and its sha256."""

    files: SiteFiles
    digests: dict[str, str] = field(default_factory=dict)


Waiting = list[tuple[list[tuple[str, str]], Callable[[], list[bytes]]]]


def _produce(site: Site, producers: Sequence[Producer], cache: PageCache,
             executor: Executor, files: dict[str, bytes | Kept], order: list[str]
             ) -> Waiting:
    """Run ``producers``: each file into ``files`` (a page kept by ``cache`` as Kept),
    its path onto ``order``; the pages to render are handed to ``executor``, producer
    by producer, and returned with their paths and keys."""
    waiting: Waiting = []
    for produce in producers:
        missing: list[tuple[str, str]] = []
        jobs: list[Callable[[], bytes]] = []
        for path, made in produce(site).items():
            order.append(path)
            if isinstance(made, bytes):
                files[path] = made
                continue
            key, kept = cache.lookup(path, made)
            if kept is not None:
                files[path] = kept
            else:
                missing.append((path, key))
                jobs.append(made.render)
        if jobs:  # started now: a second process renders them while the next run
            waiting.append((missing, executor.submit(jobs)))
    return waiting


def _take_rendered(waiting: Waiting, cache: PageCache, files: dict[str, bytes | Kept]
                   ) -> None:
    """The rendered pages into ``files``, each kept by ``cache`` under its key."""
    for missing, results in waiting:
        for (path, key), data in zip(missing, results(), strict=True):
            cache.keep(path, key, data)
            files[path] = data


def _take_detached(made: list[DetachedFile], again: _MadeAgain, cache: PageCache,
                   files: dict[str, bytes | Kept], order: list[str]) -> None:
    """What the producers run in a second process made, into ``files`` and ``order``: a
    page kept there is kept here too (made ``again`` here should its file be gone)."""
    for path, item in made:
        order.append(path)
        if isinstance(item, bytes):
            files[path] = item
            continue
        key, rendered = item
        kept = cache.kept(path, key, partial(again.render, path)) if rendered is None else None
        if kept is not None:
            files[path] = kept
            continue
        data = rendered if rendered is not None else again.render(path)
        cache.keep(path, key, data)
        files[path] = data


def render_site(config: Config, notices: Sequence[Notice], now: datetime, recipe: Recipe,
                *, templates: Path | None = None,
                notice_digests: Mapping[str, str] | None = None,
                cache: PageCache | None = None, executor: Executor | None = None,
                compiled: BytecodeCache | None = None, inputs: str = "",
                elsewhere: Elsewhere | None = None) -> Rendered:
    """Render every file of the site for ``now``.

    ``templates``: the repository whose templates/ folder overrides built-in templates;
    ``notice_digests``: the sha256 of each notice file by id (page inputs use them);
    ``compiled``: compiled templates kept between builds; ``inputs``: the digest of what
    the build read (build.inputs.inputs_digest), which manifest.json carries;
    ``elsewhere``: where the producers from ``recipe.split`` on may run meanwhile.
    """
    cache = cache if cache is not None else NoCache()
    executor = executor if executor is not None else RenderHere()
    site = make_site(config, select(notices, now, config), notices, templates,
                     feeds=site_feeds(config), compiled=compiled,
                     notice_digests=notice_digests, fragments=cache)
    if inputs:
        site = replace(site, inputs=inputs)
    files: dict[str, bytes | Kept] = {}
    order: list[str] = []  # the producers' order, pages rendered later included
    here, there = recipe.producers, recipe.producers[recipe.split:]
    detached: Callable[[], Detached] | None = None
    try:
        if elsewhere is not None and there and recipe.split > 0:
            here = recipe.producers[:recipe.split]
            detached = elsewhere.start(partial(_detached, site, there, cache))
        waiting = _produce(site, here, cache, executor, files, order)
        failed: Exception | None = None
        try:
            _take_rendered(waiting, cache, files)
        except Exception as exc:
            if detached is None:
                raise
            failed = exc
        # Errors come in the order of a build without a second process: the producers'
        # own (here, then there: detached() raises the latter), then the pages'
        # rendering (here, then there).
        there_made, there_failed = detached() if detached is not None else ([], None)
        for error in (failed, there_failed):
            if error is not None:
                raise error
        _take_detached(there_made, _MadeAgain(site, there), cache, files, order)
    except BaseException:
        executor.close()
        if elsewhere is not None:
            elsewhere.close()
        raise
    files = {path: files[path] for path in order}
    digests = {path: found.sha256 if isinstance(found, Kept) else cache.digest(path, found)
               for path, found in files.items()}
    every = SiteFiles(files)
    for finish in recipe.finishers:
        added = finish(site, {path: (digests[path], every.size(path)) for path in files})
        for path, data in added.items():
            files[path] = data
            digests[path] = hashlib.sha256(data).hexdigest()
    return Rendered(every, digests)

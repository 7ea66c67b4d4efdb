"""The finisher: ``_headers`` (Netlify, Cloudflare Pages) and ``manifest.json``.

Both hosts apply *every* rule whose path matches a request and join repeated
header names with a comma, so ``/*`` plus ``/assets/*`` would send two
Cache-Control values. The rules here never overlap on a header name:

* one rule per top-level file (``/feed.xml``), or per top-level folder
  (``/api/*``) when all its files share the same cache and CORS headers, else one
  rule per file in it, its own folder a placeholder (``/components/:id/feed.xml``)
  so that the count stays within what hosts read (Cloudflare Pages: 100 rules);
* Content-Type only where a host would guess wrong from the extension (feeds,
  the calendar), as a rule of its own inside a folder rule's scope.

``headers_for`` applies the rules as those hosts do; ``outpost serve`` answers with it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from functools import lru_cache

from generator.core.times import utc_iso
from generator.render.manifest import MANIFEST, manifest_of
from generator.render.mediatypes import (
    cache_control,
    content_type,
    is_cross_origin_data,
    is_hashed_asset,
    is_page,
)
from generator.render.pages import BARS_SCRIPT, STALENESS_SCRIPT, Site, script_hash

HEADERS = "_headers"
_DECLARED_TYPES = (".xml", ".ics")
Rules = list[tuple[str, list[tuple[str, str]]]]  # (URL pattern, headers), in file order


def urls(path: str) -> list[str]:
    """The URLs a file answers at: folder pages also at their folder URL."""
    if path == "index.html":
        return ["/", "/index.html"]
    if path.endswith("/index.html"):
        return ["/" + path[: -len("index.html")], "/" + path]
    return ["/" + path]


def declares_type(path: str) -> bool:
    """Files whose content type hosts would get wrong from the extension alone."""
    return path.endswith(_DECLARED_TYPES)


# The pages load their stylesheet and nothing else; the inline scripts (the Open page's
# staleness line, Escape on the bars' words) are allowed by their hashes.
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; "
            f"script-src {script_hash(STALENESS_SCRIPT)} {script_hash(BARS_SCRIPT)}; "
            "base-uri 'none'; form-action 'none'")


def _shared(path: str) -> list[tuple[str, str]]:
    headers = [("Cache-Control", cache_control(path)), ("X-Content-Type-Options", "nosniff")]
    if is_cross_origin_data(path):
        headers.append(("Access-Control-Allow-Origin", "*"))
        # A portal that is cross-origin isolated (Cross-Origin-Embedder-Policy:
        # require-corp) loads a script, image or frame only if it allows this.
        headers.append(("Cross-Origin-Resource-Policy", "cross-origin"))
    if _is_embed(path):
        # Such a portal frames only a page with an embedder policy of its own (the page
        # loads nothing: the policy costs it nothing).
        headers.append(("Cross-Origin-Embedder-Policy", "require-corp"))
    if is_page(path):
        headers.append(("Content-Security-Policy", PAGE_CSP))
    return headers


def _is_embed(path: str) -> bool:
    """The framed page (embed.js is a script: an embedder policy means nothing there)."""
    return path.startswith("embed/")


def _kind(path: str) -> tuple[str, bool, bool, bool]:
    """What _shared(path) depends on: the name's extension, whether it is a banner,
    whether it is an embed, whether it is a content-hashed asset."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return (name[dot:] if dot >= 0 else "", name == "banner.html", _is_embed(path),
            is_hashed_asset(path))


def header_rules(paths: list[str]) -> Rules:
    """(URL pattern, headers) rules covering every path, without overlapping names."""
    rules: Rules = []
    shared: dict[tuple[str, bool, bool, bool], tuple[tuple[str, str], ...]] = {}

    def shared_of(path: str) -> tuple[tuple[str, str], ...]:  # one _shared per kind
        kind = _kind(path)
        if kind not in shared:
            shared[kind] = tuple(_shared(path))
        return shared[kind]

    folders: dict[str, list[str]] = {}
    for path in sorted(paths):
        if path == HEADERS:
            continue
        if "/" in path:
            folders.setdefault(path.split("/", 1)[0], []).append(path)
            continue
        rules.extend((url, _with_type(path)) for url in urls(path))
    top_level = [path for path in paths if "/" not in path]
    for folder, members in sorted(folders.items()):
        kinds = {shared_of(path) for path in members}
        # A host may read the slash before a splat as optional, so that '/embed/*'
        # matches /embed.js too and both rules' values are joined ('*, *' is no CORS
        # header): such a folder gets a rule per file instead.
        if len(kinds) == 1 and not any(name.startswith(folder) for name in top_level):
            rules.append((f"/{folder}/*", list(kinds.pop())))
            rules.extend((url, [("Content-Type", content_type(path))])
                         for path in members if declares_type(path) for url in urls(path))
            continue
        rules.extend(_mixed_folder_rules(folder, members))
    return rules


def _with_type(path: str) -> list[tuple[str, str]]:
    headers = _shared(path)
    if declares_type(path):
        headers.insert(0, ("Content-Type", content_type(path)))
    return headers


def _mixed_folder_rules(folder: str, members: list[str]) -> Rules:
    """One rule per file of a folder whose files differ in headers, with each file's
    own folder (``components/<id>/``) written as a placeholder when every file lies in
    one: hosts read a limited number of rules (Cloudflare Pages the first 100), and a
    rule per file of every component would pass that. Netlify's trailing slash is
    optional (``/components/:id/`` also matches ``/components/x``), so a file directly
    in the folder keeps the exact rules."""
    if all(path.count("/") >= 2 for path in members):
        grouped: dict[str, list[str]] = {}
        for path in members:
            rest = path.split("/", 2)[2]
            grouped.setdefault(f"{folder}/:id/{rest}", []).append(path)
        # Each placeholder rule must speak for every file it matches.
        if all(len({tuple(_with_type(path)) for path in paths}) == 1
               for paths in grouped.values()):
            return [(url, _with_type(paths[0])) for pattern, paths in grouped.items()
                    for url in urls(pattern)]
    return [(url, _with_type(path)) for path in members for url in urls(path)]


@lru_cache(maxsize=1024)
def _matcher(pattern: str) -> re.Pattern[str]:
    """A rule's URL pattern: ``*`` (a splat) matches any rest, including nothing, and
    ``:name`` (a placeholder) one path segment."""
    return re.compile("".join(".*" if part == "*" else "[^/]+" if part.startswith(":")
                              else re.escape(part)
                              for part in re.split(r"(\*|:[A-Za-z]\w*)", pattern)))


def headers_for(rules: Rules, url: str) -> dict[str, str]:
    """The headers a host reading ``_headers`` sends for ``url``: every matching rule
    applies, and a name repeated across rules gets its values joined with a comma."""
    found: dict[str, str] = {}
    for pattern, headers in rules:
        if _matcher(pattern).fullmatch(url):
            for name, value in headers:
                found[name] = f"{found[name]}, {value}" if name in found else value
    return found


def headers_file(paths: list[str]) -> bytes:
    lines = ["# Written by Outpost for Netlify and Cloudflare Pages; see the README."]
    for pattern, headers in header_rules(paths):
        lines.append(pattern)
        lines.extend(f"  {name}: {value}" for name, value in headers)
    return ("\n".join(lines) + "\n").encode("utf-8")


def finish(site: Site, files: Mapping[str, tuple[str, int]]) -> dict[str, bytes]:
    """Add _headers, then manifest.json listing every file (itself excepted), from
    each file's (sha256, size)."""
    headers = headers_file([*files, MANIFEST])
    generated = utc_iso(site.now, "auto")  # to the microsecond a build's clock has
    listed = {path: facts for path, facts in files.items() if path != MANIFEST}
    listed[HEADERS] = (hashlib.sha256(headers).hexdigest(), len(headers))
    manifest = manifest_of(listed, generated, site.inputs)
    return {HEADERS: headers, MANIFEST: manifest.to_bytes()}

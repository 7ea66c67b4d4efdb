"""Content types and cache rules per output path, shared by _headers and publishers."""

from __future__ import annotations

import re
from functools import lru_cache

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".ics": "text/calendar; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
}
_FEEDS = {"feed.xml": "application/rss+xml; charset=utf-8",
          "atom.xml": "application/atom+xml; charset=utf-8"}
# Content-hashed assets: assets/name.<10+ hex>.ext
_HASHED = re.compile(r"(^|/)assets/.+\.[0-9a-f]{10,}\.[a-z0-9]+$")

SHORT_CACHE = "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"


def content_type(path: str) -> str:
    return _type_of_name(path.rsplit("/", 1)[-1])


@lru_cache(maxsize=1024)  # most names repeat: a site's pages are all index.html
def _type_of_name(name: str) -> str:
    if name in _FEEDS:
        return _FEEDS[name]
    if name == "_headers":
        return "text/plain; charset=utf-8"
    if name.endswith(".xml"):
        return "application/xml; charset=utf-8"
    dot = name.rfind(".")
    return _TYPES.get(name[dot:].lower() if dot >= 0 else "", "application/octet-stream")


def is_hashed_asset(path: str) -> bool:
    return "assets/" in path and bool(_HASHED.search(path))


def cache_control(path: str) -> str:
    return IMMUTABLE_CACHE if is_hashed_asset(path) else SHORT_CACHE


def is_cross_origin_data(path: str) -> bool:
    """JSON, feeds, calendar and banners: read by other origins' scripts and tools."""
    name = path.rsplit("/", 1)[-1]
    return (name.endswith((".json", ".xml", ".ics", ".svg", ".js"))
            or name == "banner.html")


def is_page(path: str) -> bool:
    """The site's own pages, which get a Content-Security-Policy (not the banners,
    whose fragments carry inline styles and are framed by other sites)."""
    return path.endswith(".html") and not is_cross_origin_data(path) \
        and not path.startswith("embed/")

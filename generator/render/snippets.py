"""What portal owners paste into their pages to embed the banner: the loader's inline
script, and the Content-Security-Policy sources the script embed needs (the README's
"Embed the banner"; the Subscribe and component pages show both for the site's own
address). Also the stylesheet embed.js puts in its shadow root, since a policy allows
it by its hash."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import urlsplit

# The framed banner's height in CSS pixels: the README's iframe snippet gives the frame
# this height, and a frame does not grow with its page.
BANNER_HEIGHT = 44

# Colours as on the site banner (outpost.css, light scheme): background, text.
COLOURS = {
    "incident": {"bg": "#f29d38", "fg": "#1b1204"},
    "maintenance": {"bg": "#2e7d32", "fg": "#fff"},
    "none": {"bg": "#e3e6e9", "fg": "#1b1f24"},
}
# The stylesheet embed.js puts in its shadow root. Constant, so a portal can allow
# it by hash in its Content-Security-Policy (see style_hash()). The host element is the
# portal's, and so is its box: :host resets it only by default, because !important there
# would beat even the portal's own !important, and a portal reserves the banner's space
# with min-height on it. The banner is one line of BANNER_HEIGHT, so that the space
# reserved is the space taken at any width. The age of a saved copy (<i>) sits beside
# the live region, not in it, and takes at most a quarter of the line: on a narrow
# screen both end in an ellipsis, and the status before it reads whole (the age, at its
# full width, left a 320 px phone '⚠ Part'). A title too long
# for the line is cut in its own box (<bdi>, in the title's direction), as on the site
# banner: it keeps its start and its ellipsis ends it, on the left if it reads right to
# left. What follows it (<u>'s span: a window, ", and 2 more notices") gets what room the
# title leaves (it shrinks 99 times faster), so a long title is read, not two stubs.
# ": " keeps its space (pre), as a box of its own between label and title; the title's
# spaces collapse (nowrap), as everywhere else.
EMBED_CSS = (
    ":host{all:initial;display:flex!important}div{flex:1;min-width:0}"
    f"a,i{{all:initial;display:flex;align-items:center;height:{BANNER_HEIGHT}px;"
    "padding:0 16px;font:15px/1.4 system-ui,sans-serif;white-space:pre}"
    "a{gap:8px;cursor:pointer}a:focus-visible{outline:2px solid;outline-offset:-4px}"
    "a>span{display:flex}u{display:flex;white-space:nowrap}u>*+*{flex-shrink:99}"
    f"span,i,bdi,u{{overflow:hidden;text-overflow:ellipsis}}i{{display:block;"
    f"line-height:{BANNER_HEIGHT}px;padding-left:0;max-width:25%}}i:empty{{display:none}}"
    + "".join(f".{state}{{background:{c['bg']};color:{c['fg']}}}"
              for state, c in COLOURS.items())
    + "svg{flex:none;fill:none;stroke:currentColor;stroke-width:1.6}"
)


# The loader: an inline script that adds embed.js beside itself once the portal's load
# event has passed (at once if it has), so that a status host that hangs can never hold
# that event, as a script tag or a frame of our host's would. It asks base_url for
# embed.js, and each mirror in turn while the one asked fails (refuses, errs) or has
# not answered within LOADER_WAIT_MS (a host that is down often accepts connections,
# or lets none through, and never answers): the mirrors are there for the day
# base_url's host is down. The first copy to arrive runs where the line stands; the
# loader then takes the tags still waiting out of the page, so that a copy arriving
# later from a slow host renders no second banner (one out of the page renders none,
# and placeholders take one banner whatever the number of copies). It hands its
# nonce on (a policy allowing scripts by nonce), and the banner renders where it
# stands, or in the page's placeholders. Plain ES5 and one line, as portal owners paste
# it; its text is allowed by its hash (loader_hash), which covers the addresses in it.
# Where it cannot work (no currentScript: an old browser, or the line run by eval) it
# does nothing, and never throws into the portal's page.
LOADER_WAIT_MS = 5000
LOADER = ('(function(t,h,a,g){{g=function(){{try{{var s=document.createElement("script"),o=0,'
          'n=function(){{o++||a.d||h[0]&&g()}};a.push(s);s.src=h.shift()+"embed.js";'
          's.nonce=t.nonce;s.onload=function(){{a.d||(a.d=1,a.forEach(function(x){{'
          'x==s||x.remove()}}))}};s.onerror=n;setTimeout(n,{wait});'
          't.parentNode.insertBefore(s,t.nextSibling)}}catch(e){{}}}};'
          'document.readyState=="complete"?g():addEventListener("load",g)}})'
          '(document.currentScript,{hosts},[])')


def loader_script(base_url: str, mirrors: tuple[str, ...] = ()) -> str:
    """The loader's script text for the site at ``base_url`` with ``mirrors`` (without
    its tags)."""
    # '<' escaped: the text stays one script element whatever the addresses hold.
    hosts = json.dumps([base_url, *mirrors], separators=(",", ":"))
    return LOADER.format(hosts=hosts.replace("<", "\\u003c"), wait=LOADER_WAIT_MS)


def _source(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def loader_hash(base_url: str, mirrors: tuple[str, ...] = ()) -> str:
    """The CSP source allowing the loader of the site at ``base_url`` with ``mirrors``:
    'sha256-...'."""
    return _source(loader_script(base_url, mirrors))


def style_hash() -> str:
    """The CSP source allowing embed.js's shadow-root stylesheet: 'sha256-...'."""
    return _source(EMBED_CSS)


def origin(url: str) -> str:
    """'https://status.example.org' for any URL of that host (a CSP host source)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def loader_policy(base_url: str, mirrors: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy a portal whose own is ``default-src 'self'`` needs
    for the loader: its script by hash, embed.js and banner.json from base_url and each
    mirror, and the banner's stylesheet by hash."""
    hosts = " ".join(dict.fromkeys(origin(url) for url in (base_url, *mirrors)))
    return (f"default-src 'self'; script-src 'self' {loader_hash(base_url, mirrors)} {hosts}; "
            f"connect-src 'self' {hosts}; style-src 'self' {style_hash()}")

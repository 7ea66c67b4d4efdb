"""Shields-style SVG status badges: a gray label, a coloured message."""

from __future__ import annotations

import unicodedata

from markupsafe import escape

# Approximate advance widths of Verdana at 11px; textLength makes the rendering
# fit the computed box exactly whatever font the viewer has.
_NARROW = {" ": 3.9, "i": 3.0, "l": 3.0, "j": 3.8, "f": 3.9, "t": 4.3, "r": 4.7, "I": 4.6,
           ".": 3.5, ",": 3.5, ":": 4.5, ";": 4.5, "'": 3.0, "!": 4.5, "|": 4.5, "-": 4.5,
           "(": 4.5, ")": 4.5}
# Chinese, Japanese, Korean and fullwidth characters (East Asian Width W or F) take
# about a whole em in the fonts that have them: two Latin letters' worth.
_EM = 11.0
_WIDE = {"m": 10.7, "w": 8.9, "M": 8.6, "W": 10.9, "@": 11.0, "%": 11.0}
_LABEL_BG = "#555"
_HEIGHT = 20
_PAD = 6
_RADIUS = 3


def text_width(text: str) -> float:
    """Estimated rendered width of ``text`` in Verdana 11px. Accents typed apart are
    measured on their letter (NFC); format characters (bidi marks, zero-width spaces,
    joiners) and variation selectors draw nothing."""
    total = 0.0
    for char in unicodedata.normalize("NFC", text):
        if unicodedata.category(char) == "Cf" or _is_variation_selector(char):
            continue
        if char in _NARROW:
            total += _NARROW[char]
        elif char in _WIDE:
            total += _WIDE[char]
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            total += _EM
        elif char.isupper():
            total += 7.5
        else:
            total += 6.7
    return round(total, 1)


def _is_variation_selector(char: str) -> bool:
    return "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"


def badge_svg(label: str, message: str, colour: str, text_colour: str) -> str:
    """A 20px-high badge ``label | message`` with an accessible name."""
    label_text, message_text = text_width(label), text_width(message)
    left = round(label_text + 2 * _PAD)
    right = round(message_text + 2 * _PAD)
    width = left + right
    name = escape(f"{label}: {message}")
    # Two paths with the outer corners rounded, not a clipPath: an id is document-wide,
    # so badges pasted into one HTML page would all take the first one's clip.
    corner = f"a{_RADIUS} {_RADIUS} 0 0 1"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{_HEIGHT}" '
        f'role="img" aria-label="{name}"><title>{name}</title>'
        f'<path fill="{_LABEL_BG}" d="M{_RADIUS} 0H{left}V{_HEIGHT}H{_RADIUS}{corner}'
        f'-{_RADIUS}-{_RADIUS}V{_RADIUS}{corner} {_RADIUS}-{_RADIUS}z"/>'
        f'<path fill="{colour}" d="M{left} 0H{width - _RADIUS}{corner} {_RADIUS} {_RADIUS}'
        f'V{_HEIGHT - _RADIUS}{corner}-{_RADIUS} {_RADIUS}H{left}z"/>'
        f'<g text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        f'font-size="11">'
        f'<text x="{left / 2}" y="14" fill="#fff" textLength="{label_text}">'
        f"{escape(label)}</text>"
        f'<text x="{left + right / 2}" y="14" fill="{text_colour}" '
        f'textLength="{message_text}">{escape(message)}</text></g></svg>\n'
    )

"""``python -m generator.docs``: rewrite the README's settings reference from the schema
the composition root declares (``--check``: exit 1 when the README is out of date)."""

from __future__ import annotations

import sys
from pathlib import Path

from generator.app import schema
from generator.config import schema as s
from generator.config.reference import reference, replace_section

README = Path(__file__).resolve().parent.parent / "README.md"


def main(argv: list[str], fields: tuple[s.Field, ...] | None = None) -> int:
    """Rewrite README.md's settings reference, or with --check report drift."""
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"]
    path = Path(paths[0]) if paths else README
    try:
        text = path.read_text("utf-8")
        updated = replace_section(text, reference(fields or schema().fields))
    except (OSError, ValueError) as exc:
        print(f"{path}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return 2
    if check:
        if updated != text:
            print(f"{path}: the settings reference is out of date; run "
                  "`python -m generator.docs`", file=sys.stderr)
            return 1
        return 0
    if updated != text:
        path.write_text(updated, "utf-8")
        print(f"Updated the settings reference in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

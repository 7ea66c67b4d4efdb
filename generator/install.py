"""Where this version of Outpost is installed from.

Outpost is not on the package index yet (``outpost-status`` is the name it will have
there), so every install line, the init skeleton's workflows and the hints in error
messages install the tagged release from its git repository: the tag ``vX.Y.Z``
matches ``generator.__version__``.
"""

from __future__ import annotations

from generator import __version__

REPOSITORY = "https://github.com/outpost-status/outpost"
DISTRIBUTION = "outpost-status"


def requirement(version: str = __version__, extras: str = "") -> str:
    """The pip/uv requirement for ``version``: the release tag in the git repository."""
    name = f"{DISTRIBUTION}[{extras}]" if extras else DISTRIBUTION
    return f"{name} @ git+{REPOSITORY}@v{version}"

"""Outpost: a static status-notification site generator."""

__version__ = "0.2.0"

# Outpost is not on the package index yet (``outpost-status`` is the name it will have
# there): install lines, the init skeleton's workflows and the hints in error messages
# name the release tag ``v<__version__>`` in this repository.
REPOSITORY = "https://github.com/outpost-status/outpost"
DISTRIBUTION = "outpost-status"


def requirement(version: str = __version__, extras: str = "") -> str:
    """The pip/uv requirement for ``version``: its release tag in the git repository."""
    name = f"{DISTRIBUTION}[{extras}]" if extras else DISTRIBUTION
    return f"{name} @ git+{REPOSITORY}@v{version}"

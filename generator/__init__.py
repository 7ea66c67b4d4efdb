"""Outpost: a static status-notification site generator."""

__version__ = "0.1.0"

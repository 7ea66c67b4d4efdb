"""Outpost's benchmark harness: ``python -m bench`` (``--quick`` for 100 notices only)."""

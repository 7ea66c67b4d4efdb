"""Rendering: pages, feeds, calendar, API, embeds and headers as {path: bytes}. Pure."""

"""Backends carry published frames to the hub of every process; they know no connections.
One module each, chosen by URL scheme."""

from __future__ import annotations

from .base import Backend, Deliver

__all__ = ["Backend", "Deliver", "open_backend"]


def open_backend(url: str) -> Backend:
    if url == "memory://":
        from .memory import MemoryBackend

        return MemoryBackend()
    raise ValueError(f"no hub for {url!r}: use memory://")

"""Backends carry published frames to the hub of every process; they know no connections.
One module each, chosen by URL scheme."""

from __future__ import annotations

from .base import Backend, Deliver

__all__ = ["Backend", "Deliver", "open_backend"]


def open_backend(url: str) -> Backend:
    if url == "memory://":
        from .memory import MemoryBackend

        return MemoryBackend()
    if url.startswith(("redis://", "rediss://")):
        try:
            from .redis import RedisBackend
        except ImportError as error:
            raise ValueError(f"{url!r} needs redis-py: pip install 'draagvlak[redis]'") from error
        return RedisBackend(url)
    raise ValueError(f"no hub for {url!r}: use memory://, redis:// or rediss://")

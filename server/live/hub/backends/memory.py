"""`memory://`: one process. A publish is delivered before it returns, so a connection that
subscribes after reading the state can neither miss nor repeat an update."""

from __future__ import annotations

from collections.abc import Callable

from ..outbox import Frame
from .base import Deliver


class MemoryBackend:
    is_shared = False

    def __init__(self) -> None:
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver, resubscribed: Callable[[], None]) -> None:
        self._deliver = deliver

    async def stop(self) -> None:
        self._deliver = None

    async def publish(self, channel: str, frames: list[Frame]) -> None:
        if self._deliver is not None:
            self._deliver(channel, frames)

    async def ping(self) -> None:
        """Always reachable: it is this process."""

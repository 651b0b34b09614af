"""What a backend is: it hands every published frame to its hub's `deliver`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..outbox import Frame

Deliver = Callable[[str, list[Frame]], None]


class Backend(Protocol):
    # Whether other processes publish through it too.
    is_shared: bool

    async def start(self, deliver: Deliver, resubscribed: Callable[[], None]) -> None:
        """From now on every frame published to a channel, here or in another process,
        is handed to `deliver`, once and in the order it was published; `resubscribed`
        is called when, after a time in which other processes' frames were lost, they
        arrive again."""

    async def stop(self) -> None: ...

    async def publish(self, channel: str, frames: list[Frame]) -> None: ...

    async def ping(self) -> None:
        """Returns when messages reach other processes now; raises when they cannot
        (the health check: /healthz)."""

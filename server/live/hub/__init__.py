"""The hub: frames published to a channel reach every connection subscribed to it, in this
process and, through the backend, in every other.

As in encode/broadcaster, one local hub keeps the subscriptions (each connection's
Outbox) and a tiny backend only carries messages, chosen by URL scheme: `memory://`
within one process; an engine such as Redis can be added beside it without touching the
hub or its callers.
"""

from __future__ import annotations

from .backends import Backend, open_backend
from .outbox import Closed, Frame, Lagging, Outbox

__all__ = ["Backend", "Closed", "Frame", "Hub", "Lagging", "Outbox", "open_hub"]


class Hub:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._channels: dict[str, set[Outbox]] = {}

    async def start(self) -> None:
        await self.backend.start(self._deliver)

    async def stop(self) -> None:
        await self.backend.stop()
        self._channels.clear()

    def subscribe(self, channel: str, outbox: Outbox) -> None:
        self._channels.setdefault(channel, set()).add(outbox)

    def unsubscribe(self, channel: str, outbox: Outbox) -> None:
        subscribers = self._channels.get(channel)
        if subscribers is not None:
            subscribers.discard(outbox)
            if not subscribers:
                del self._channels[channel]

    async def publish(self, channel: str, frames: list[Frame]) -> None:
        await self.backend.publish(channel, frames)

    def _deliver(self, channel: str, frames: list[Frame]) -> None:
        """What the backend carried, into the outbox of every local subscriber."""
        for outbox in self._channels.get(channel, ()):
            outbox.put(frames)


def open_hub(url: str) -> Hub:
    return Hub(open_backend(url))

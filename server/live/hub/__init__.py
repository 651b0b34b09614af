"""The hub: frames published to a channel reach every subscriber of it, in this process
and, through the backend, in every other; `publish_here` reaches this process only.

As in encode/broadcaster, one local hub keeps the subscriptions (each connection's
Outbox) and a tiny backend only carries messages, chosen by URL scheme: `memory://`
within one process, `redis://` across processes.

Sessions publish their screens here only: every process renders for its own connections,
in the order of the session's journal, and the backend carries only the journal's
notices between processes (docs/architecture.md, "Several processes").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from .backends import Backend, open_backend
from .outbox import Closed, Frame, Lagging, Outbox

__all__ = ["Backend", "Closed", "Frame", "Hub", "Lagging", "Outbox", "Subscriber", "open_hub"]


class Subscriber(Protocol):
    def put(self, frames: Iterable[Frame]) -> None:
        """Never waits."""


class Hub:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._channels: dict[str, set[Subscriber]] = {}
        self._resubscribed: list[Callable[[], None]] = []

    @property
    def is_shared(self) -> bool:
        """Whether other processes publish here too (their sessions then keep a journal)."""
        return self.backend.is_shared

    def when_resubscribed(self, callback: Callable[[], None]) -> None:
        """`callback` runs after the backend lost other processes' messages for a while and
        hears them again: what was missed must be read from the store."""
        self._resubscribed.append(callback)

    async def start(self) -> None:
        await self.backend.start(self._deliver, self._heard_again)

    async def stop(self) -> None:
        await self.backend.stop()
        self._channels.clear()

    def subscribe(self, channel: str, outbox: Subscriber) -> None:
        self._channels.setdefault(channel, set()).add(outbox)

    def unsubscribe(self, channel: str, outbox: Subscriber) -> None:
        subscribers = self._channels.get(channel)
        if subscribers is not None:
            subscribers.discard(outbox)
            if not subscribers:
                del self._channels[channel]

    async def publish(self, channel: str, frames: list[Frame]) -> None:
        await self.backend.publish(channel, frames)

    async def ping(self) -> None:
        """Raises when other processes cannot be reached now (backends' `ping`)."""
        await self.backend.ping()

    def publish_here(self, channel: str, frames: list[Frame]) -> None:
        """To this process's subscribers only, at once."""
        self._deliver(channel, frames)

    def _deliver(self, channel: str, frames: list[Frame]) -> None:
        """What the backend carried, into the outbox of every local subscriber."""
        for outbox in self._channels.get(channel, ()):
            outbox.put(frames)

    def _heard_again(self) -> None:
        for callback in self._resubscribed:
            callback()


def open_hub(url: str) -> Hub:
    return Hub(open_backend(url))

"""Fan-out of rendered frames to connections, behind a small interface chosen by URL.

`memory://` delivers within this process. Each connection owns an Outbox: a bounded,
coalescing mailbox with its own writer task, so a phone that stops reading only ever
stalls itself. A Redis hub can later carry `publish` between processes unchanged.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Frame:
    """HTML for one or more elements, swapped by id on arrival.

    Frames with the same `key` replace each other while they wait: a phone that falls
    behind skips straight to the latest state instead of replaying every step.
    """

    text: str
    key: str | None = None


class Lagging(Exception):
    """The connection fell too far behind, or a write stalled; it must resync."""


class Outbox:
    def __init__(
        self, send: Callable[[str], Awaitable[None]], *, limit: int, timeout: float
    ) -> None:
        self._send = send
        self._limit = limit
        self._timeout = timeout
        self._pending: dict[object, str] = {}
        self._ready = asyncio.Event()
        self._overflowed = False
        self._unique = itertools.count()

    def put(self, frames: Iterable[Frame]) -> None:
        """Never waits: a full outbox marks the connection as lagging instead."""
        for frame in frames:
            key: object = frame.key if frame.key is not None else next(self._unique)
            # Re-inserting moves a replaced state frame behind the frames before it.
            self._pending.pop(key, None)
            self._pending[key] = frame.text
        if len(self._pending) > self._limit:
            self._overflowed = True
            self._pending.clear()
        self._ready.set()

    async def run(self) -> None:
        """Writes whatever is pending as one message, until cancelled or lagging."""
        while True:
            await self._ready.wait()
            self._ready.clear()
            if self._overflowed:
                raise Lagging("too many updates waiting")
            if not self._pending:
                continue
            texts = list(self._pending.values())
            self._pending.clear()
            text = texts[0] if len(texts) == 1 else "".join(texts)
            try:
                await asyncio.wait_for(self._send(text), self._timeout)
            except TimeoutError:
                raise Lagging("write stalled") from None


class Hub(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def subscribe(self, channel: str, outbox: Outbox) -> None: ...

    def unsubscribe(self, channel: str, outbox: Outbox) -> None: ...

    async def publish(self, channel: str, frames: list[Frame]) -> None: ...


class MemoryHub:
    def __init__(self) -> None:
        self._channels: dict[str, set[Outbox]] = {}

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
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
        for outbox in self._channels.get(channel, ()):
            outbox.put(frames)


def open_hub(url: str) -> Hub:
    if url == "memory://":
        return MemoryHub()
    raise ValueError(f"no hub for {url!r}: use memory://")

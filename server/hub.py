"""Fan-out of rendered frames to connections, behind a small interface chosen by URL.

`memory://` delivers within this process. Each connection owns an Outbox: a bounded,
coalescing mailbox with its own writer task, so a phone that stops reading only ever
stalls itself. A Redis hub can later carry `publish` between processes unchanged.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterable, Iterator
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
    # htmx finds every swap target of a message before it swaps any: an element that
    # replaces others that later frames also target must end its message.
    ends_message: bool = False


# Pending updates are sent together, in messages of at most about this many characters.
MESSAGE_BYTES = 64 * 1024


class Lagging(Exception):
    """The connection fell too far behind, or a write stalled; it must resync."""


class Closed(Exception):
    """The server ended this connection on purpose, with a websocket close code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Outbox:
    def __init__(
        self, send: Callable[[str], Awaitable[None]], *, limit: int, timeout: float
    ) -> None:
        self._send = send
        self._limit = limit
        self._timeout = timeout
        self._pending: dict[object, Frame] = {}
        self._ready = asyncio.Event()
        self._overflowed = False
        self._closing: int | None = None
        self._unique = itertools.count()

    def put(self, frames: Iterable[Frame]) -> None:
        """Never waits: a full outbox marks the connection as lagging instead.

        The unkeyed frames of one call become one entry, so the limit counts updates the
        writer has not caught up with, not the size of one burst.
        """
        batch: list[str] = []
        for frame in frames:
            if frame.key is None:
                batch.append(frame.text)
            else:
                if batch:
                    self._pending[next(self._unique)] = Frame("".join(batch))
                    batch = []
                # Re-inserting moves a replaced state frame behind the frames before it.
                self._pending.pop(frame.key, None)
                self._pending[frame.key] = frame
        if batch:
            self._pending[next(self._unique)] = Frame("".join(batch))
        if len(self._pending) > self._limit:
            self._overflowed = True
            self._pending.clear()
        self._ready.set()

    def close(self, code: int) -> None:
        """Ends the writer: the connection is closed with `code`."""
        self._closing = code
        self._ready.set()

    async def run(self) -> None:
        """Writes whatever is pending in as few messages as it can, until lagging."""
        while True:
            await self._ready.wait()
            self._ready.clear()
            if self._closing is not None:
                raise Closed(self._closing)
            if self._overflowed:
                raise Lagging("too many updates waiting")
            if not self._pending:
                continue
            frames = list(self._pending.values())
            self._pending.clear()
            for message in joined(frames, MESSAGE_BYTES):
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
                # arrives as the send completes, and the writer would never end.
                try:
                    async with asyncio.timeout(self._timeout):
                        await self._send(message)
                except TimeoutError:
                    raise Lagging("write stalled") from None


def joined(frames: list[Frame], limit: int) -> Iterator[str]:
    """Consecutive frames joined into messages of about `limit` characters at most, each
    message ending at the latest after a frame that must end it."""
    message: list[str] = []
    size = 0
    for frame in frames:
        if message and size + len(frame.text) > limit:
            yield "".join(message)
            message, size = [], 0
        message.append(frame.text)
        size += len(frame.text)
        if frame.ends_message:
            yield "".join(message)
            message, size = [], 0
    if message:
        yield "".join(message)


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

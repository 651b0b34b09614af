"""What one connection still has to receive: a bounded, coalescing mailbox, written at the
end of each turn of the event loop, with its own writer task for the writes that must
wait, so a phone that stops reading only ever stalls itself."""

from __future__ import annotations

import asyncio
import itertools
import weakref
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass
from typing import Any


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
    """What one connection still has to receive, and how it gets there.

    Updates put during one turn of the event loop are written together at the end of
    that turn, straight from the loop: for a phone that keeps up this costs no task
    switch, which is most of the price of a delivery. A write that would have to wait
    (the phone's socket buffer is full) is handed to this connection's writer, `run()`,
    which finishes it within the timeout while later updates coalesce behind it.
    """

    def __init__(
        self, send: Callable[[str], Coroutine[Any, Any, None]], *, limit: int, timeout: float
    ) -> None:
        self._send = send
        self._limit = limit
        self._timeout = timeout
        self._pending: dict[object, Frame] = {}
        self._ready = asyncio.Event()
        self._overflowed = False
        self._closing: int | None = None
        self._failed: BaseException | None = None
        self._unique = itertools.count()
        # A send that had to wait, with what it waits for, and the messages behind it.
        self._unfinished: tuple[Coroutine[Any, Any, None], object] | None = None
        self._backlog: list[str] = []
        self._is_writer_busy = False
        self._is_flush_due = False
        self._flusher: _Flusher | None = None

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
        if self._is_writer_busy or self._overflowed or self._closing is not None:
            self._ready.set()
        elif not self._is_flush_due:
            self._is_flush_due = True
            if self._flusher is None:
                self._flusher = _flusher()
            self._flusher.add(self)

    def close(self, code: int) -> None:
        """Ends the writer: the connection is closed with `code`."""
        self._closing = code
        self._ready.set()

    def _flush(self) -> None:
        """Writes what is pending now, as long as each write completes without waiting."""
        self._is_flush_due = False
        if self._is_writer_busy or self._overflowed or self._closing is not None:
            return
        pending = self._pending
        if len(pending) == 1:  # the usual case: one update, one message
            messages = [frame.text for frame in pending.values()]
        else:
            messages = list(joined(list(pending.values()), MESSAGE_BYTES))
        pending.clear()
        for index, message in enumerate(messages):
            send = self._send(message)
            try:
                # One step of the send: with room in the socket buffer it completes here.
                awaited = send.send(None)
            except StopIteration:
                continue
            except Exception as error:  # the connection is gone: its writer ends it
                self._failed = error
                self._ready.set()
                return
            self._unfinished = (send, awaited)
            self._backlog = messages[index + 1 :]
            self._is_writer_busy = True
            self._ready.set()
            return

    async def run(self) -> None:
        """Finishes the writes that had to wait, and sends what piled up meanwhile;
        raises Lagging when the connection falls too far behind or a write stalls."""
        try:
            await self._write()
        finally:
            if self._unfinished is not None:
                self._unfinished[0].close()

    async def _write(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            if self._closing is not None:
                raise Closed(self._closing)
            if self._failed is not None:
                raise self._failed
            if self._overflowed:
                raise Lagging("too many updates waiting")
            if not self._is_writer_busy:
                continue
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
            # arrives as the send completes, and the writer would never end.
            try:
                async with asyncio.timeout(self._timeout):
                    await self._finish_unfinished()
                    while self._backlog or self._pending:
                        if self._overflowed:
                            raise Lagging("too many updates waiting")
                        frames = list(self._pending.values())
                        self._pending.clear()
                        messages = self._backlog + list(joined(frames, MESSAGE_BYTES))
                        self._backlog = []
                        for message in messages:
                            await self._send(message)
            except TimeoutError:
                raise Lagging("write stalled") from None
            self._is_writer_busy = False

    async def _finish_unfinished(self) -> None:
        if self._unfinished is None:
            return
        send, awaited = self._unfinished
        self._unfinished = None
        try:
            if isinstance(awaited, asyncio.Future):
                # What a task does with a future its coroutine yields: take it over.
                awaited._asyncio_future_blocking = False
                await awaited  # the socket drained (or the timeout ends the wait)
            # The send goes on from where it stopped, in a task of its own.
            await asyncio.ensure_future(send)
        finally:
            send.close()  # a no-op once it has finished


class _Flusher:
    """Flushes the outboxes that were put to during one turn of the event loop, at its
    end: one callback for a whole broadcast, not one task switch per connection."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._dirty: list[Outbox] = []

    def add(self, outbox: Outbox) -> None:
        if not self._dirty:
            self._loop.call_soon(self._flush)
        self._dirty.append(outbox)

    def _flush(self) -> None:
        dirty, self._dirty = self._dirty, []
        for outbox in dirty:
            outbox._flush()


_flushers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Flusher] = (
    weakref.WeakKeyDictionary()
)


def _flusher() -> _Flusher:
    loop = asyncio.get_running_loop()
    found = _flushers.get(loop)
    if found is None:
        found = _flushers[loop] = _Flusher(loop)
    return found


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

"""Following a session's journal when several processes serve it. Another process's notice
(carried by the hub), the hub hearing again after an outage, or a quiet spell each make
the session read what it missed from the store: one catch-up at a time, and one more
when something was heard meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from .hub import Frame

log = logging.getLogger("draagvlak.live")

# A notice lost with a publish that failed is made good within this many seconds.
POLL_EVERY = 5.0


def notice(seq: int | None) -> list[Frame]:
    """What a process publishes after saving: the session's new number ("" after a join,
    whose number the store kept to itself)."""
    return [Frame("" if seq is None else str(seq))]


class Follower:
    def __init__(
        self,
        name: str,
        seq: Callable[[], int],
        catch_up: Callable[[], Awaitable[None]],
        poll_every: float = POLL_EVERY,
    ) -> None:
        self.name = name
        self._seq = seq
        self._catch_up = catch_up
        self._again = False
        self._following: asyncio.Task[None] | None = None
        self._polling = asyncio.create_task(self._poll(poll_every), name=f"poll-{name}")

    def put(self, frames: Iterable[Frame]) -> None:
        """A notice from the hub: a number this session has already applied changes nothing."""
        for frame in frames:
            self.heard(int(frame.text) if frame.text.isdigit() else None)

    def heard(self, seq: int | None = None) -> None:
        if seq is not None and seq <= self._seq():
            return
        if self._following is not None and not self._following.done():
            self._again = True
            return
        self._following = asyncio.create_task(self._follow(), name=f"follow-{self.name}")

    async def close(self) -> None:
        tasks = [t for t in (self._polling, self._following) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _follow(self) -> None:
        while True:
            self._again = False
            try:
                await self._catch_up()
            except Exception as error:
                # The store is out of reach for now: the next notice or poll tries again.
                log.warning("session %s: could not read its journal (%r)", self.name, error)
            if not self._again:
                return

    async def _poll(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            self.heard()

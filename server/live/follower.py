"""Following a session's journal when several processes serve it. Another process's notice
(carried by the hub), the hub hearing again after an outage, or a quiet spell each make
the session catch up: one catch-up at a time, and one more when something was heard
meanwhile. A notice carries its journal entry, so a session that heard every entry since
its number applies them without reading the store; anything else (a gap, a join, a poll,
an outage) reads the store."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from .hub import Frame

log = logging.getLogger("draagvlak.live")

# A notice lost with a publish that failed is made good within this many seconds.
POLL_EVERY = 5.0
# A larger entry is not carried: the others read it from the store.
MAX_CARRIED = 64_000

# The entries heard since the last catch-up, by number (their JSON); None: read the store.
Carried = dict[int, str] | None


def notice(seq: int | None, body: str = "") -> list[Frame]:
    """What a process publishes after saving: the session's new number ("" after a join,
    whose number the store kept to itself), and on the next line the entry it numbers."""
    if seq is None:
        return [Frame("")]
    return [Frame(f"{seq}\n{body}" if body and len(body) <= MAX_CARRIED else str(seq))]


class Follower:
    def __init__(
        self,
        name: str,
        seq: Callable[[], int],
        catch_up: Callable[[Carried], Awaitable[None]],
        poll_every: float = POLL_EVERY,
    ) -> None:
        self.name = name
        self._seq = seq
        self._catch_up = catch_up
        self._again = False
        self._carried: Carried = {}
        self._following: asyncio.Task[None] | None = None
        self._polling = asyncio.create_task(self._poll(poll_every), name=f"poll-{name}")

    def put(self, frames: Iterable[Frame]) -> None:
        """A notice from the hub: a number this session has already applied changes nothing."""
        for frame in frames:
            number, _, body = frame.text.partition("\n")
            self.heard(int(number) if number.isdigit() else None, body)

    def heard(self, seq: int | None = None, body: str = "") -> None:
        """`seq` None (a join, a poll, the hub back after an outage): read the store."""
        if seq is not None and seq <= self._seq():
            return
        if seq is None or not body:
            self._carried = None
        elif self._carried is not None:
            self._carried[seq] = body
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
            carried, self._carried = self._carried, {}
            try:
                await self._catch_up(carried)
            except Exception as error:
                self._carried = None  # what was carried is lost with it: read the store
                # The store is out of reach for now: the next notice or poll tries again.
                log.warning("session %s: could not read its journal (%r)", self.name, error)
            if not self._again:
                return

    async def _poll(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            self.heard()

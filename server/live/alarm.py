"""The timer's alarm: a closing timer wakes its session when time is up, after a restart
too. The rules decide what closes (rules/room.py); this only keeps the time."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from ..rules.room import running_timer
from ..rules.state import SessionState, Timer


class Alarm:
    def __init__(self, ring: Callable[[float], None]) -> None:
        self._ring = ring
        self._set: tuple[Timer, asyncio.Task[None]] | None = None

    def watch(self, state: SessionState) -> None:
        """Set for the state's running timer if it closes its phase; a timer that was
        stopped, extended or left behind is forgotten."""
        timer = running_timer(state)
        if self._set is not None:
            if self._set[0] is timer:
                return
            self.stop()
        if timer is not None and timer.closes:
            self._set = (timer, asyncio.create_task(self._wait(timer.ends_at)))

    def stop(self) -> None:
        if self._set is not None:
            self._set[1].cancel()
            self._set = None

    async def _wait(self, ends_at: float) -> None:
        # The event loop's clock is not the wall clock: sleep until the wall clock agrees.
        while (left := ends_at - time.time()) > 0:
            await asyncio.sleep(left)
        with contextlib.suppress(Exception):
            self._ring(time.time())

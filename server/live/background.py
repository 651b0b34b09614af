"""Work a session starts beside its writer (a notice to other processes, a count for the
console, a suggestion): each task held until it is done, since asyncio keeps only a weak
reference, and all cancelled when the session closes."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        """Runs `work` as a task; tasks start in the order they were made."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()

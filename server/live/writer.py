"""The one write path of a session, by name: a batch of commands is decided on a copy of
the state (pure), appended to the store in one transaction, and only then kept and shown.

`Writer` runs it: one task per session takes every command waiting (up to MAX_BATCH), so
a burst of answers costs one commit and one render per audience, not one per answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..rules import Event, decide, evolve_all
from ..rules.state import Actor, Rejection, SessionState
from .presence import Client
from .protocol import Message

log = logging.getLogger("draagvlak.live")

MAX_BATCH = 500
MAX_WAITING = 20_000


@dataclass(frozen=True)
class Submission:
    """A command waiting for the writer: from a connection, which gets a receipt, or from
    the server itself (retention), which waits on `done` instead."""

    actor: Actor
    message: Message
    client: Client | None = None
    done: asyncio.Future[Rejection | None] | None = None


@dataclass(frozen=True)
class Decided:
    """A batch after the rules: the state it leads to, its events, and each command's
    outcome (None: applied)."""

    before: SessionState
    state: SessionState
    events: list[Event]
    outcomes: list[tuple[Submission, Rejection | None]]


def decide_batch(state: SessionState, batch: list[Submission]) -> Decided:
    """Command after command on the state as the earlier ones left it, so limits hold
    exactly; a refused command changes nothing."""
    before = state
    events: list[Event] = []
    outcomes: list[tuple[Submission, Rejection | None]] = []
    for submission in batch:
        command = submission.message.command
        decision = decide(state, submission.actor, command)  # type: ignore[arg-type]
        if isinstance(decision, Rejection):
            outcomes.append((submission, decision))
            continue
        state = evolve_all(state, decision)
        events.extend(decision)
        outcomes.append((submission, None))
    return Decided(before, state, events, outcomes)


class Writer:
    """The session's one writer task: batches of submissions go to `write`, in order; a
    batch that fails is answered "could not be saved", and the writer carries on."""

    def __init__(
        self,
        name: str,
        write: Callable[[list[Submission]], Awaitable[None]],
        refuse: Callable[[Submission, Rejection], None],
    ) -> None:
        self.name = name
        self._write = write
        self._refuse = refuse
        self._inbox: asyncio.Queue[Submission] = asyncio.Queue()
        self._task = asyncio.create_task(self._run(), name=f"session-{name}")
        self._task.add_done_callback(self._ended)

    def submit(self, submission: Submission) -> bool:
        """False when the writer cannot take it now (stopped, or far behind)."""
        if self._task.done() or self._inbox.qsize() >= MAX_WAITING:
            return False
        self._inbox.put_nowait(submission)
        return True

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        while True:
            batch = [await self._inbox.get()]
            while not self._inbox.empty() and len(batch) < MAX_BATCH:
                batch.append(self._inbox.get_nowait())
            try:
                await self._write(batch)
            except Exception:
                log.exception("session %s: a batch of %d command(s) failed", self.name, len(batch))
                for submission in batch:
                    self._refuse(submission, Rejection("save_failed"))

    def _ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("session %s: its writer stopped", self.name, exc_info=task.exception())

"""A session while it runs: its state in memory and one writer that applies commands.

Every command follows one path: the rules decide on a copy of the state, the store saves
the whole batch in one transaction, and only then is the new state kept, rendered once
per audience and published. Commands that arrive together are handled as one batch, so
a burst of answers costs one commit and one render per audience, not one per answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from ..outcome.build import build_outcome
from ..rules import Event, decide, evolve_all
from ..rules.consent import EndSession
from ..rules.grouping import DismissSuggestion, SuggestGroups, SuggestionCommand
from ..rules.state import (
    Actor,
    Limits,
    Phase,
    Rejection,
    Role,
    SessionState,
)
from ..screens.render import Renderer
from ..store import LoadedSession, Store
from ..suggest import suggest_groups
from .hub import Frame, Hub
from .protocol import Message
from .publisher import Audiences, Client, ProposedGroup, View

log = logging.getLogger("draagvlak.live")

MAX_BATCH = 500
MAX_WAITING = 20_000


class NotAdmitted(Exception):
    """A newcomer the session cannot take: `reason` is "full" or "locked"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Submission:
    """A command waiting for the writer: from a connection, which gets a receipt, or from
    the server itself (retention), which waits on `done` instead."""

    actor: Actor
    message: Message
    client: Client | None = None
    done: asyncio.Future[Rejection | None] | None = None


def state_from(loaded: LoadedSession, limits: Limits) -> SessionState:
    record = loaded.record
    settings = record.settings
    answers = {a.number: a for a in loaded.answers}
    receipts = {(r.author, r.msg_id): r.number for r in loaded.receipts}
    return SessionState(
        prompts=record.prompts,
        phase=record.phase,
        prompt_index=record.prompt_index,
        reveal=record.reveal,
        limits=limits,
        answers=MappingProxyType(answers),
        receipts=MappingProxyType(receipts),
        # Numbers are never reused, even after the newest answer was deleted.
        next_number=max(answers, default=0) + 1,
        groups=MappingProxyType({g.number: g for g in loaded.groups}),
        next_group=max((g.number for g in loaded.groups), default=0) + 1,
        is_phone_grouping=record.is_phone_grouping,
        is_locked=bool(settings.get("is_locked", False)),
        votes=MappingProxyType({(v.prompt_index, v.voter, v.item): v.dots for v in loaded.votes}),
        vote_budget=settings.get("vote_budget", 3),
        is_stacking=bool(settings.get("is_stacking", True)),
        revealed=frozenset(settings.get("revealed", ())),
        floor=settings.get("floor", 3),
        expected=settings.get("expected", 0),
        consent_share=settings.get("consent_share", 50),
        decisions=MappingProxyType({d.number: d for d in loaded.decisions}),
        rounds=MappingProxyType({(r.decision, r.number): r for r in loaded.rounds}),
        consents=MappingProxyType(
            {(c.decision, c.round, c.voter): c.response for c in loaded.consents}
        ),
        actions=MappingProxyType({a.number: a for a in loaded.actions}),
        focus=max((d.number for d in loaded.decisions), default=0),
    )


def forget_people(state: SessionState) -> SessionState:
    """After closing: the state without pseudonyms, as the store now holds it."""
    answers = {n: replace(a, author="") for n, a in state.answers.items()}
    return replace(
        state,
        answers=MappingProxyType(answers),
        receipts=MappingProxyType({}),
        votes=MappingProxyType({}),
        consents=MappingProxyType({}),
    )


class LiveSession(Audiences):
    def __init__(
        self,
        loaded: LoadedSession,
        *,
        store: Store,
        hub: Hub,
        renderer: Renderer,
        limits: Limits,
        base_url: str,
        join_key: str = "",
        max_participants: int = 2000,
    ) -> None:
        self.record = loaded.record
        self.id = loaded.record.id
        self.state = state_from(loaded, limits)
        self.participants = set(loaded.participants)
        self.store = store
        self.hub = hub
        self.renderer = renderer
        self.base_url = base_url
        self.join_key = join_key
        self.max_participants = max_participants
        self._present: dict[str, Counter[str]] = {}
        self._clients: set[Client] = set()
        self._watchers: Counter[tuple[View, str]] = Counter()
        self._context: tuple[SessionState, tuple[object, ...], dict[str, Any]] | None = None
        self._qr: tuple[str, str] | None = None
        self._mine_cache: tuple[tuple[object, ...], dict[tuple[str, Hashable], Frame]] | None = None
        # Proposed groups, shown to the facilitator only; nothing moves until accepted.
        self.suggestions: list[ProposedGroup] = []
        self.suggested = False
        self._inbox: asyncio.Queue[Submission] = asyncio.Queue()
        self._worker = asyncio.create_task(self._run(), name=f"session-{self.id}")
        self._worker.add_done_callback(self._worker_ended)

    # Connections ----------------------------------------------------------------------

    def refusal_for(self, pseudonym: str) -> str | None:
        """Why a newcomer cannot come in ("locked", "full"), or None. Whoever joined
        before may always come back; after closing nobody is counted any more."""
        if pseudonym in self.participants or self.state.phase is Phase.ENDED:
            return None
        if self.state.is_locked:
            return "locked"
        if len(self.participants) >= self.max_participants:
            return "full"
        return None

    async def connect(self, client: Client) -> None:
        if client.view is View.PHONE:
            pseudonym = client.actor.pseudonym
            if refusal := self.refusal_for(pseudonym):
                raise NotAdmitted(refusal)
            # After closing nobody is registered again: the session forgot who took part.
            if pseudonym not in self.participants and self.state.phase is not Phase.ENDED:
                await self.store.add_participant(self.id, pseudonym)
                self.participants.add(pseudonym)
                await self._publish_joined()
            self._present.setdefault(pseudonym, Counter())[client.locale] += 1
        self._clients.add(client)
        self._watchers[(client.view, client.locale)] += 1
        # No await from here on: the full state and the subscription belong together,
        # so the client neither misses nor repeats an update published in between.
        for channel in self.channels_for(client):
            self.hub.subscribe(channel, client.outbox)
        client.outbox.put(self.full_state(client))

    def end_connections(self, code: int = 4404) -> None:
        for client in self._clients:
            client.outbox.close(code)

    def disconnect(self, client: Client) -> None:
        if client in self._clients:
            self._clients.discard(client)
            self._watchers[(client.view, client.locale)] -= 1
        for channel in self.channels_for(client):
            self.hub.unsubscribe(channel, client.outbox)
        if client.view is View.PHONE:
            locales = self._present.get(client.actor.pseudonym)
            if locales is not None:
                locales[client.locale] -= 1
                if locales[client.locale] <= 0:
                    del locales[client.locale]
                if not locales:
                    del self._present[client.actor.pseudonym]

    def submit(self, client: Client, message: Message) -> None:
        if self._worker.done() or self._inbox.qsize() >= MAX_WAITING:
            client.outbox.put(self.reply(client, message.msg_id, Rejection("busy")))
            return
        self._inbox.put_nowait(Submission(client.actor, message, client))

    async def end(self) -> None:
        """Closes the session through the one write path, as the facilitator would: the
        retention pass does this to sessions nobody closed."""
        if self.state.phase is Phase.ENDED:
            return
        done: asyncio.Future[Rejection | None] = asyncio.get_running_loop().create_future()
        self._inbox.put_nowait(
            Submission(Actor(Role.FACILITATOR), Message("server", EndSession()), done=done)
        )
        rejection = await done
        if rejection is not None:
            raise RuntimeError(f"session {self.id} could not be closed: {rejection.reason}")

    async def _suggest(
        self, state: SessionState, actor: Actor, command: SuggestionCommand
    ) -> Rejection | None:
        """Suggestions are computed on this server and shown only in the console."""
        if actor.role is not Role.FACILITATOR:
            return Rejection("facilitator_only")
        if state.phase is not Phase.GROUPING:
            return Rejection("not_grouping")
        match command:
            case SuggestGroups():
                loose = [a for a in state.answers_for(state.prompt_index) if a.group is None]
                # A few hundred milliseconds of work at most: off the event loop.
                texts = [a.text for a in loose]
                found = await asyncio.to_thread(suggest_groups, texts, self.record.lang)
                self.suggestions = [
                    ProposedGroup(s.label, tuple(loose[i].number for i in s.answers))
                    for s in found
                    if len(s.answers) > 1
                ]
                self.suggested = True
            case DismissSuggestion(index=index):
                if 0 <= index < len(self.suggestions):
                    del self.suggestions[index]
        return None

    async def close(self) -> None:
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._worker

    # The write path -------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            batch = [await self._inbox.get()]
            while not self._inbox.empty() and len(batch) < MAX_BATCH:
                batch.append(self._inbox.get_nowait())
            try:
                await self._apply(batch)
            except Exception:
                log.exception("session %s: a batch of %d command(s) failed", self.id, len(batch))
                for submission in batch:
                    self._answer(submission, Rejection("save_failed"))

    def _worker_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("session %s: its writer stopped", self.id, exc_info=task.exception())

    async def _apply(self, batch: list[Submission]) -> None:
        before = self.state
        state = before
        events: list[Event] = []
        outcomes: list[tuple[Submission, Rejection | None]] = []
        asked_for_suggestions = False
        for submission in batch:
            command = submission.message.command
            if isinstance(command, SuggestGroups | DismissSuggestion):
                rejection = await self._suggest(state, submission.actor, command)
                outcomes.append((submission, rejection))
                asked_for_suggestions = True
                continue
            decision = decide(state, submission.actor, command)
            if isinstance(decision, Rejection):
                log.info(
                    "session %s: refused %s (%s)", self.id, type(command).__name__, decision.reason
                )
                outcomes.append((submission, decision))
                continue
            state = evolve_all(state, decision)
            events.extend(decision)
            outcomes.append((submission, None))
        outcome = None
        if state.phase is Phase.ENDED and before.phase is not Phase.ENDED:
            closed_at = datetime.now(UTC).isoformat(timespec="seconds")
            outcome = build_outcome(self.record, state, closed_at, len(self.participants))
        await self.store.append(self.id, events, outcome)
        if outcome is not None:
            state = forget_people(state)
            self.participants.clear()
        self.state = state
        try:
            await self._publish(before, events)
            if asked_for_suggestions or (self.suggestions and events):
                await self._publish_suggestions()
        except Exception:
            # Saved is saved: the senders hear so; screens catch up on their next update.
            log.exception("session %s: saved, but could not show the change", self.id)
        replies: dict[Client, list[Frame]] = {}
        for submission, rejection in outcomes:
            client = submission.client
            if client is None:
                self._answer(submission, rejection)
                continue
            replies.setdefault(client, []).extend(
                self.reply(client, submission.message.msg_id, rejection)
            )
        for client, frames in replies.items():
            client.outbox.put(frames)

    def _answer(self, submission: Submission, rejection: Rejection | None) -> None:
        """One submission's receipt, to its connection or to the server's own waiter."""
        if submission.done is not None and not submission.done.done():
            submission.done.set_result(rejection)
        if submission.client is not None:
            reply = self.reply(submission.client, submission.message.msg_id, rejection)
            submission.client.outbox.put(reply)

"""A session while it runs: its state in memory, who is connected, its screens and its one
writer, put together. The write path itself is `_write`, step by step (writer.py has the
loop and the pure part); suggestions are computed beside it, never inside a batch.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from ..outcome.build import build_outcome
from ..rules.asking import ask_from
from ..rules.carried import Verdict, carried_from
from ..rules.consent import EndSession
from ..rules.grouping import DismissSuggestion, SuggestGroups, SuggestionCommand
from ..rules.room import TimeUp, timer_from
from ..rules.state import Actor, Limits, Phase, Projection, Rejection, Role, SessionState
from ..screens.render import Renderer
from ..store import LoadedSession, Store
from ..suggest import suggest_groups
from .alarm import Alarm
from .hub import Frame, Hub
from .presence import Client, Presence, View
from .protocol import Message
from .publisher import ProposedGroup, Publisher
from .writer import Submission, Writer, decide_batch

log = logging.getLogger("draagvlak.live")


class NotAdmitted(Exception):
    """A newcomer the session cannot take: `reason` is "full" or "locked"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
        asks=MappingProxyType(
            {int(index): ask_from(f) for index, f in settings.get("asks", {}).items()}
        ),
        choices=MappingProxyType({(c.prompt_index, c.voter): c.values for c in loaded.choices}),
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
        focus=settings.get("focus", max((d.number for d in loaded.decisions), default=0)),
        projection=Projection(settings.get("projection", Projection.ROOM.value)),
        page=settings.get("page", 0),
        timer=timer_from(settings.get("timer")),
        carried=tuple(a for a in map(carried_from, settings.get("carried", ())) if a),
        verdicts=MappingProxyType(
            {key: Verdict(value) for key, value in settings.get("verdicts", {}).items()}
        ),
    )


def forget_people(state: SessionState) -> SessionState:
    """After closing: the state without pseudonyms, as the store now holds it."""
    answers = {n: replace(a, author="") for n, a in state.answers.items()}
    return replace(
        state,
        answers=MappingProxyType(answers),
        receipts=MappingProxyType({}),
        votes=MappingProxyType({}),
        choices=MappingProxyType({}),
        consents=MappingProxyType({}),
    )


class LiveSession:
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
        took_part: int = 0,
    ) -> None:
        self.record = loaded.record
        self.id = loaded.record.id
        self.state = state_from(loaded, limits)
        self.participants = set(loaded.participants)
        # How many took part, kept when the session forgets who they were.
        self.took_part = took_part
        self.store = store
        self.hub = hub
        self.max_participants = max_participants
        self.presence = Presence()
        self.screens = Publisher(
            self.record,
            self.state,
            renderer=renderer,
            hub=hub,
            presence=self.presence,
            base_url=base_url,
            join_key=join_key,
        )
        self.screens.show(self.state, self.joined)
        self.writer = Writer(self.id, self._write, self._answer)
        self._suggesting: set[asyncio.Task[None]] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._suggestions_lock = asyncio.Lock()
        self.alarm = Alarm(self._time_up)
        self.alarm.watch(self.state)

    # What pages and the websocket read -----------------------------------------------

    @property
    def base_url(self) -> str:
        return self.screens.base_url

    @base_url.setter
    def base_url(self, value: str) -> None:
        self.screens.base_url = value

    @property
    def qr(self) -> str:
        return self.screens.links.qr

    def context(self) -> dict[str, Any]:
        return self.screens.context()

    def reply(self, client: Client, msg_id: str, rejection: Rejection | None) -> list[Frame]:
        return self.screens.reply(client, msg_id, rejection)

    # Connections ----------------------------------------------------------------------

    @property
    def joined(self) -> int:
        """How many joined; after closing, how many took part."""
        return len(self.participants) or self.took_part

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
                self.screens.show(self.state, len(self.participants))
                await self.screens.publish_joined()
        self.presence.add(client)
        if client.is_fallback and client.view is View.PHONE:
            self._count_fallback()
        # No await from here on: the full state and the subscription belong together,
        # so the client neither misses nor repeats an update published in between.
        for channel in self.screens.channels_for(client):
            self.hub.subscribe(channel, client.outbox)
        client.outbox.put(self.screens.full_state(client))

    def end_connections(self, code: int = 4404) -> None:
        for client in self.presence.clients:
            client.outbox.close(code)

    def disconnect(self, client: Client) -> None:
        was_there = client in self.presence.clients
        self.presence.remove(client)
        for channel in self.screens.channels_for(client):
            self.hub.unsubscribe(channel, client.outbox)
        if was_there and client.is_fallback and client.view is View.PHONE:
            self._count_fallback()

    def _count_fallback(self) -> None:
        """The console shows how many phones use the fallback; a phone's coming and going
        is no write, so the count is published beside the writer."""
        task = asyncio.create_task(self.screens.publish_joined())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # Commands -------------------------------------------------------------------------

    def submit(self, client: Client, message: Message) -> None:
        if isinstance(message.command, SuggestGroups | DismissSuggestion):
            task = asyncio.create_task(self._suggest(client, message, message.command))
            self._suggesting.add(task)
            task.add_done_callback(self._suggesting.discard)
            return
        if not self.writer.submit(Submission(client.actor, message, client)):
            client.outbox.put(self.reply(client, message.msg_id, Rejection("busy")))

    async def end(self) -> None:
        """Closes the session through the one write path, as the facilitator would: the
        retention pass does this to sessions nobody closed."""
        if self.state.phase is Phase.ENDED:
            return
        done: asyncio.Future[Rejection | None] = asyncio.get_running_loop().create_future()
        message = Message("server", EndSession())
        if not self.writer.submit(Submission(Actor(Role.FACILITATOR), message, done=done)):
            raise RuntimeError(f"session {self.id} could not be closed: its writer is busy")
        rejection = await done
        if rejection is not None:
            raise RuntimeError(f"session {self.id} could not be closed: {rejection.reason}")

    async def close(self) -> None:
        for task in [*self._suggesting, *self._background]:
            task.cancel()
        self.alarm.stop()
        await self.writer.close()

    def _time_up(self, now: float) -> None:
        message = Message("timer", TimeUp(now))
        self.writer.submit(Submission(Actor(Role.FACILITATOR), message))

    # The write path -------------------------------------------------------------------

    async def _write(self, batch: list[Submission]) -> None:
        # 1. The rules decide, on a copy of the state.
        decided = decide_batch(self.state, batch)
        for submission, rejection in decided.outcomes:
            if rejection is not None:
                command = type(submission.message.command).__name__
                log.info("session %s: refused %s (%s)", self.id, command, rejection.reason)
        state = decided.state
        outcome = None
        if state.phase is Phase.ENDED and decided.before.phase is not Phase.ENDED:
            closed_at = datetime.now(UTC).isoformat(timespec="seconds")
            outcome = build_outcome(self.record, state, closed_at, len(self.participants))
        # 2. One transaction; nothing is kept or shown unless it is saved.
        await self.store.append(self.id, decided.events, outcome)
        if outcome is not None:
            state = forget_people(state)
            self.took_part = len(self.participants)
            self.participants.clear()
        # 3. Kept, then shown: rendered once per audience, published.
        self.state = state
        self.alarm.watch(state)
        self.screens.show(state, self.joined)
        try:
            await self.screens.publish(decided.before, decided.events)
            if self.screens.suggestions and decided.events:
                await self.screens.publish_suggestions()
        except Exception:
            # Saved is saved: the senders hear so; screens catch up on their next update.
            log.exception("session %s: saved, but could not show the change", self.id)
        # 4. Receipts, one message per connection.
        replies: dict[Client, list[Frame]] = {}
        for submission, rejection in decided.outcomes:
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

    # Suggestions, beside the write path -------------------------------------------------

    async def _suggest(self, client: Client, message: Message, command: SuggestionCommand) -> None:
        """Suggestions are computed on this server and shown only in the console; they
        move nothing, so they never wait for (or hold up) the writer. One at a time per
        session, in the order they were asked for."""
        async with self._suggestions_lock:
            try:
                rejection = await self._apply_suggestion(client.actor, command)
            except Exception:
                log.exception("session %s: suggestions failed", self.id)
                rejection = Rejection("save_failed")
        client.outbox.put(self.reply(client, message.msg_id, rejection))

    async def _apply_suggestion(self, actor: Actor, command: SuggestionCommand) -> Rejection | None:
        if rejection := self._refuse_suggestion(actor):
            return rejection
        screens = self.screens
        match command:
            case SuggestGroups():
                state = self.state
                loose = [a for a in state.answers_for(state.prompt_index) if a.group is None]
                texts = [a.text for a in loose]
                # A few hundred milliseconds of work at most: off the event loop.
                found = await asyncio.to_thread(suggest_groups, texts, self.record.lang)
                screens.suggestions = [
                    ProposedGroup(s.label, tuple(loose[i].number for i in s.answers))
                    for s in found
                    if len(s.answers) > 1
                ]
                screens.suggested = True
            case DismissSuggestion(index=index):
                if 0 <= index < len(screens.suggestions):
                    del screens.suggestions[index]
        await screens.publish_suggestions()
        return None

    def _refuse_suggestion(self, actor: Actor) -> Rejection | None:
        if actor.role is not Role.FACILITATOR:
            return Rejection("facilitator_only")
        if self.state.phase is not Phase.GROUPING:
            return Rejection("not_grouping")
        return None

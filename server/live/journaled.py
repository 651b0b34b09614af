"""A session served by several processes (docs/architecture.md, "Several processes"): a
batch is decided inside the store's transaction, after the journal entries other processes
saved, under the session's row lock, so it is never refused for being late; and what
others saved is applied here in order, from a notice, a poll or a reload."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..outcome.build import build_outcome
from ..rules import Event, evolve_all
from ..rules.records import SessionRecord
from ..rules.state import Limits, Phase, SessionState
from ..store import JournalEntry, Store
from ..store.journal import decode, encode
from .alarm import Alarm
from .background import Background
from .follower import Carried, notice
from .hub import Hub
from .loading import state_from
from .presence import Presence
from .publisher import Publisher
from .writer import Decided, Submission, decide_batch

log = logging.getLogger("draagvlak.live")


class Journaled:
    """What LiveSession adds when several processes serve it."""

    id: str
    record: SessionRecord
    state: SessionState
    limits: Limits
    seq: int
    participants: set[str]
    took_part: int
    store: Store
    hub: Hub
    screens: Publisher
    presence: Presence
    alarm: Alarm
    _turn: asyncio.Lock
    background: Background

    @property
    def journal_channel(self) -> str:
        return f"{self.id}:journal"

    @property
    def joined(self) -> int:
        raise NotImplementedError

    def end_connections(self, code: int = 4404) -> None:
        raise NotImplementedError

    async def _keep(
        self, before: SessionState, state: SessionState, events: list[Event], is_closing: bool
    ) -> None:
        raise NotImplementedError

    def decide(
        self, batch: list[Submission], state: SessionState, people: int
    ) -> tuple[Decided, Mapping[str, Any] | None]:
        """The rules on a copy of `state`; closing builds the outcome too."""
        decided = decide_batch(state, batch)
        outcome = None
        if decided.state.phase is Phase.ENDED and decided.before.phase is not Phase.ENDED:
            closed_at = datetime.now(UTC).isoformat(timespec="seconds")
            outcome = build_outcome(self.record, decided.state, closed_at, people)
        return decided, outcome

    async def _append_in_turn(
        self, batch: list[Submission]
    ) -> tuple[int, list[JournalEntry], Decided, Mapping[str, Any] | None]:
        """Saves the batch as decided after whatever others saved first (the store calls
        `after_entries` with those entries, holding the session's row). Nothing here is
        kept until the transaction commits."""
        found: list[tuple[list[JournalEntry], Decided, Mapping[str, Any] | None]] = []

        def after_entries(
            entries: list[JournalEntry],
        ) -> tuple[list[Event], Mapping[str, Any] | None]:
            state, people = self.state, set(self.participants)
            for entry in entries:
                state = evolve_all(state, list(entry.events)) if entry.events else state
                if entry.joined is not None:
                    people.add(entry.joined)
            decided, outcome = self.decide(batch, state, len(people))
            found[:] = [(entries, decided, outcome)]
            return decided.events, outcome

        seq = await self.store.append(self.id, [], after=self.seq, decide=after_entries)
        entries, decided, outcome = found[0]
        return seq, entries, decided, outcome

    def _announce(self, seq: int | None, events: tuple[Event, ...] = ()) -> None:
        """Tells the other processes (and, for a join, this one) of a saved change, with
        its entry, without the writer waiting for Redis: the next batch need not wait for
        this one's notice. Notices still leave in order, as the hub queues them when their
        tasks start, in the order they were made."""
        self.background.start(self._send_notice(seq, encode(events) if events else ""))

    async def _send_notice(self, seq: int | None, body: str) -> None:
        try:
            await self.hub.publish(self.journal_channel, notice(seq, body))
        except Exception as error:
            # Saved is saved: the others find it at their next notice or poll.
            log.warning("session %s: others not told of change %s (%r)", self.id, seq, error)

    async def _catch_up(self, carried: Carried = None) -> None:
        async with self._turn:
            await self._catch_up_in_turn(carried)

    async def _catch_up_in_turn(self, carried: Carried = None) -> bool:
        """Applies, in order, what other processes saved since this one's number; True when
        anything changed. The entries their notices carried do, when they follow on from
        this number without a gap; else the store is read. A gap there (the journal was
        emptied on closing) means a reload."""
        if carried is not None:
            heard = [seq for seq in carried if seq > self.seq]
            if not heard:
                return False  # the writer read them in its turn
            following = range(self.seq + 1, max(heard) + 1)
            if all(seq in carried for seq in following):
                await self._apply([decode(seq, carried[seq]) for seq in following])
                return True
        seq, entries = await self.store.journal(self.id, self.seq)
        if seq == self.seq:
            return False
        if [e.seq for e in entries] != list(range(self.seq + 1, seq + 1)):
            await self._reload()
            return True
        await self._apply(entries)
        return True

    async def _apply(self, entries: list[JournalEntry]) -> None:
        has_joined = False
        for entry in entries:
            if entry.joined is not None and entry.joined not in self.participants:
                self.participants.add(entry.joined)
                has_joined = True
            if entry.events:
                before = self.state
                state = evolve_all(before, list(entry.events))
                is_closing = state.phase is Phase.ENDED and before.phase is not Phase.ENDED
                await self._keep(before, state, list(entry.events), is_closing)
            self.seq = entry.seq
        if has_joined:
            self.screens.show(self.state, self.joined)
            await self.screens.publish_joined()

    async def _reload(self) -> None:
        """The session as the store has it now (after a gap: closed, or deleted, in another
        process); every connection here gets the whole of it, as on connecting."""
        loaded = await self.store.load_session(self.id)
        if loaded is None:  # deleted in another process
            self.end_connections()
            return
        self.record = self.screens.record = loaded.record
        self.state = state_from(loaded, self.limits)
        self.participants = set(loaded.participants)
        self.seq = loaded.seq
        if self.state.phase is Phase.ENDED and not self.participants:
            outcome = await self.store.outcome(self.id) or {}
            self.took_part = outcome.get("session", {}).get("participants", 0)
        self.alarm.watch(self.state)
        self.screens.show(self.state, self.joined)
        for client in self.presence.clients:
            client.outbox.put(self.screens.full_state(client))

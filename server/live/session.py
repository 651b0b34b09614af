"""A session while it runs: its state in memory, who is connected, its screens and its one
writer, put together. The write path itself is `_write`, step by step (writer.py has the
loop and the pure part); suggestions are computed beside it, never inside a batch.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ..rules import Event
from ..rules.consent import EndSession
from ..rules.grouping import DismissSuggestion, SuggestGroups
from ..rules.room import TimeUp
from ..rules.state import Actor, Limits, Phase, Rejection, Role, SessionState
from ..screens.render import Renderer
from ..store import LoadedSession, OutOfOrder, Store
from .alarm import Alarm
from .background import Background
from .follower import Follower
from .hub import Frame, Hub
from .journaled import Journaled
from .loading import forget_people, state_from
from .presence import Client, Presence, View
from .protocol import Message
from .publisher import Publisher
from .suggester import Suggester
from .writer import Submission, Writer

log = logging.getLogger("draagvlak.live")

# A batch meets a closed session's emptied journal once; more is a bug, said loudly.
MAX_TRIES = 3


class NotAdmitted(Exception):
    """A newcomer the session cannot take: `reason` is "full" or "locked"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LiveSession(Journaled):
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
        self.limits = limits
        self.state = state_from(loaded, limits)
        # Several processes (a shared hub): every change is numbered in the session's
        # journal and each process applies them in that order (docs/architecture.md).
        self.seq = loaded.seq
        self.is_journaled = hub.is_shared
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
        self.suggester = Suggester(self.id, self.screens, lambda: self.state)
        self.background = Background()
        self.alarm = Alarm(self._time_up)
        self.alarm.watch(self.state)
        # One write or one catch-up at a time: both move the state and its number.
        self._turn = asyncio.Lock()
        self.follower: Follower | None = None
        if self.is_journaled:
            self.follower = Follower(self.id, lambda: self.seq, self._catch_up)
            hub.subscribe(self.journal_channel, self.follower)

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
                is_new = await self.store.add_participant(
                    self.id, pseudonym, is_journaled=self.is_journaled
                )
                self.participants.add(pseudonym)
                self.screens.show(self.state, len(self.participants))
                await self.screens.publish_joined()
                if is_new and self.is_journaled:
                    self._announce(None)
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
        self.background.start(self.screens.publish_joined())

    # Commands -------------------------------------------------------------------------

    def submit(self, client: Client, message: Message) -> None:
        if isinstance(message.command, SuggestGroups | DismissSuggestion):
            self.suggester.submit(client, message, message.command)
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
        self.suggester.close()
        self.background.cancel()
        self.alarm.stop()
        if self.follower is not None:
            self.hub.unsubscribe(self.journal_channel, self.follower)
            await self.follower.close()
        await self.writer.close()

    def _time_up(self, now: float) -> None:
        message = Message("timer", TimeUp(now))
        self.writer.submit(Submission(Actor(Role.FACILITATOR), message))

    # The write path -------------------------------------------------------------------

    async def _write(self, batch: list[Submission]) -> None:
        async with self._turn:
            for _ in range(MAX_TRIES):
                # 1. The rules decide, on a copy of the state; 2. one transaction: nothing is
                # kept or shown unless it is saved. Journaled (several processes), they decide
                # inside it, after what other processes saved first (live/journaled.py).
                try:
                    if self.is_journaled:
                        seq, entries, decided, outcome = await self._append_in_turn(batch)
                    else:
                        decided, outcome = self.decide(batch, self.state, len(self.participants))
                        seq, entries = 0, []
                        await self.store.append(self.id, decided.events, outcome)
                except OutOfOrder:  # the journal was emptied: closed in another process
                    await self._catch_up_in_turn()
                    continue
                break
            else:
                raise RuntimeError(f"session {self.id}: the journal kept changing under it")
            for submission, rejection in decided.outcomes:
                if rejection is not None:
                    command = type(submission.message.command).__name__
                    log.info("session %s: refused %s (%s)", self.id, command, rejection.reason)
            # 3. Kept, then shown: rendered once per audience, published.
            await self._apply(entries)
            if self.is_journaled and seq > self.seq:
                self.seq = seq
            await self._keep(decided.before, decided.state, decided.events, outcome is not None)
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
        # 5. The other processes hear of it: after the receipts, which then share a message.
        if decided.events and self.is_journaled:
            self._announce(seq, tuple(decided.events))

    async def _keep(
        self, before: SessionState, state: SessionState, events: list[Event], is_closing: bool
    ) -> None:
        """A saved change made the session's state: kept, then shown to this process's
        connections, whichever process saved it."""
        if is_closing:
            state = forget_people(state)
            self.took_part = len(self.participants)
            self.participants.clear()
        self.state = state
        self.alarm.watch(state)
        self.screens.show(state, self.joined)
        try:
            await self.screens.publish(before, events)
            if self.screens.suggestions and events:
                await self.screens.publish_suggestions()
        except Exception:
            # Saved is saved: the senders hear so; screens catch up on their next update.
            log.exception("session %s: saved, but could not show the change", self.id)

    def _answer(self, submission: Submission, rejection: Rejection | None) -> None:
        """One submission's receipt, to its connection or to the server's own waiter."""
        if submission.done is not None and not submission.done.done():
            submission.done.set_result(rejection)
        if submission.client is not None:
            reply = self.reply(submission.client, submission.message.msg_id, rejection)
            submission.client.outbox.put(reply)

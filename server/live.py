"""A session while it runs: its state in memory and one writer that applies commands.

Every command follows one path: the rules decide on a copy of the state, the store saves
the whole batch in one transaction, and only then is the new state kept, rendered once
per audience and published. Commands that arrive together are handled as one batch, so
a burst of answers costs one commit and one render per audience, not one per answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .consent import ConsentGiven, latest_round
from .grouping import GROUPING_EVENTS, DismissSuggestion, SuggestGroups, SuggestionCommand
from .hub import Frame, Hub, Outbox
from .messages import rejection_text
from .outcome import build_outcome
from .protocol import Message
from .qr import qr_svg
from .render import Renderer
from .rules import AnswerAdded, AnswerDeleted, AnswerEdited, Event, decide, evolve_all
from .state import (
    Action,
    Actor,
    Decision,
    Level,
    Limits,
    Phase,
    Rejection,
    Response,
    Role,
    Round,
    SessionState,
)
from .store import LoadedSession, Store
from .suggest import suggest_groups
from .voting import VotesSet, dots_of

log = logging.getLogger("draagvlak.live")

MAX_BATCH = 500
MAX_WAITING = 20_000


class SessionFull(Exception):
    pass


class View(StrEnum):
    PHONE = "phone"
    SCREEN = "screen"
    CONSOLE = "console"


@dataclass(eq=False)
class Client:
    """One open websocket: what it looks at, in which language, and for whom."""

    view: View
    locale: str
    actor: Actor
    outbox: Outbox


@dataclass(frozen=True)
class ProposedGroup:
    """A suggested group of answers, by number, waiting for the facilitator's choice."""

    label: str
    answers: tuple[int, ...]


@dataclass(frozen=True)
class Submission:
    client: Client
    message: Message


def state_from(loaded: LoadedSession, limits: Limits) -> SessionState:
    record = loaded.record
    settings = record.settings
    answers = {s.answer.number: s.answer for s in loaded.answers}
    receipts = {(s.answer.author, s.msg_id): s.answer.number for s in loaded.answers}
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
        votes=MappingProxyType({(p, voter, item): dots for p, voter, item, dots in loaded.votes}),
        vote_budget=settings.get("vote_budget", 3),
        is_stacking=bool(settings.get("is_stacking", True)),
        revealed=frozenset(settings.get("revealed", ())),
        floor=settings.get("floor", 3),
        expected=settings.get("expected", 0),
        consent_share=settings.get("consent_share", 50),
        decisions=MappingProxyType({row[0]: Decision(*row) for row in loaded.decisions}),
        rounds=MappingProxyType(
            {
                (d, n): Round(d, n, text, bool(is_open), bool(agreed))
                for d, n, text, is_open, agreed in loaded.rounds
            }
        ),
        consents=MappingProxyType(
            {
                (d, r, voter): Response(Level(level), reason)
                for d, r, voter, level, reason in loaded.consents
            }
        ),
        actions=MappingProxyType({row[0]: Action(*row) for row in loaded.actions}),
        focus=max((row[0] for row in loaded.decisions), default=0),
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


def stage_of(state: SessionState) -> tuple[object, ...]:
    """What the stages show besides answers, groups, votes and responses: when it changes,
    every stage is sent again."""
    return (
        state.phase,
        state.prompt_index,
        state.reveal,
        state.prompts,
        state.is_phone_grouping,
        state.revealed,
        state.vote_budget,
        state.is_stacking,
        state.floor,
        state.expected,
        state.decisions,
        state.rounds,
        state.actions,
        state.focus,
    )


def personal_part(state: SessionState, pseudonym: str) -> Hashable:
    """All that a participant's own part shows of them alone, by phase (see _mine.html)."""
    match state.phase:
        case Phase.VOTING:
            return tuple(sorted(dots_of(state, state.prompt_index, pseudonym).items()))
        case Phase.DECIDING:
            current = latest_round(state, state.focus)
            return current and state.consents.get((state.focus, current.number, pseudonym))
        case _:
            return tuple(state.answers_by(pseudonym, state.prompt_index))


def same_shared(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Answers and groups by identity (they are replaced when they change), the rest by value."""
    return a[0] is b[0] and a[1] is b[1] and a[2:] == b[2:]


def author_of(before: SessionState, event: Event) -> str:
    match event:
        case VotesSet(voter=voter) | ConsentGiven(voter=voter):
            return voter
        case AnswerAdded(answer=answer):
            return answer.author
        case AnswerEdited(number=number) | AnswerDeleted(number=number) if number in before.answers:
            return before.answers[number].author
    return ""


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
        self.max_participants = max_participants
        # Who is connected, and in which languages: pseudonym -> locale -> connections.
        self._present: dict[str, Counter[str]] = {}
        self._clients: set[Client] = set()
        self._watchers: Counter[tuple[View, str]] = Counter()
        self._context: tuple[SessionState, tuple[object, ...], dict[str, Any]] | None = None
        self._mine_cache: tuple[tuple[object, ...], dict[tuple[str, Hashable], Frame]] | None = None
        # Proposed groups, shown to the facilitator only; nothing moves until accepted.
        self.suggestions: list[ProposedGroup] = []
        self.suggested = False
        self._inbox: asyncio.Queue[Submission] = asyncio.Queue()
        self._worker = asyncio.create_task(self._run(), name=f"session-{self.id}")
        self._worker.add_done_callback(self._worker_ended)

    # Addresses ------------------------------------------------------------------------

    @property
    def join_url(self) -> str:
        return f"{self.base_url}/j/{self.record.code}"

    @property
    def join_host(self) -> str:
        return self.base_url.split("://", 1)[-1]

    def channel(self, *parts: str) -> str:
        return ":".join((self.id, *parts))

    def channels_for(self, client: Client) -> list[str]:
        match client.view:
            case View.PHONE:
                personal = self.channel("participant", client.actor.pseudonym, client.locale)
                return [self.channel("phone", client.locale), personal]
            case View.SCREEN:
                return [self.channel("screen")]
            case View.CONSOLE:
                return [self.channel("console", client.locale)]

    # Connections ----------------------------------------------------------------------

    def is_full(self, pseudonym: str) -> bool:
        """A newcomer finds no room once the session has its maximum of participants."""
        return (
            pseudonym not in self.participants and len(self.participants) >= self.max_participants
        )

    async def connect(self, client: Client) -> None:
        if client.view is View.PHONE:
            pseudonym = client.actor.pseudonym
            if self.is_full(pseudonym):
                raise SessionFull()
            if pseudonym not in self.participants:
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

    def watching(self, view: View) -> list[str]:
        """The languages that someone here looks at this view in: nobody else's are
        rendered (a newcomer gets the whole state when it connects)."""
        return sorted(locale for (seen, locale), n in self._watchers.items() if seen is view and n)

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
        self._inbox.put_nowait(Submission(client, message))

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

    def _prune_suggestions(self) -> None:
        """Keeps of each suggestion the answers still ungrouped, if two or more remain."""
        answers = self.state.answers
        kept = []
        for suggestion in self.suggestions:
            free = tuple(n for n in suggestion.answers if n in answers and answers[n].group is None)
            if len(free) > 1:
                kept.append(ProposedGroup(suggestion.label, free))
        self.suggestions = kept

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
                    reply = self.reply(
                        submission.client, submission.message.msg_id, Rejection("save_failed")
                    )
                    submission.client.outbox.put(reply)

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
                rejection = await self._suggest(state, submission.client.actor, command)
                outcomes.append((submission, rejection))
                asked_for_suggestions = True
                continue
            decision = decide(state, submission.client.actor, command)
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
            replies.setdefault(client, []).extend(
                self.reply(client, submission.message.msg_id, rejection)
            )
        for client, frames in replies.items():
            client.outbox.put(frames)

    # What each audience sees ----------------------------------------------------------

    def context(self) -> dict[str, Any]:
        """What every template sees; built once per state, not once per frame."""
        others = (len(self.participants), self.suggested, tuple(self.suggestions))
        cached = self._context
        if cached is None or cached[0] is not self.state or cached[1] != others:
            cached = self._context = (self.state, others, self._build_context())
        return cached[2]

    def _build_context(self) -> dict[str, Any]:
        state = self.state
        return {
            "session": self.record,
            "state": state,
            "prompt": state.current_prompt,
            "answers": state.answers_for(state.prompt_index),
            "joined": len(self.participants),
            "suggestions": self.suggestions,
            "suggested": self.suggested,
            "join_url": self.join_url,
            "join_host": self.join_host,
        }

    def _frame(self, template: str, locale: str, key: str | None, **extra: Any) -> Frame:
        text = self.renderer.render(template, locale, oob="true", **self.context(), **extra)
        return Frame(text, key)

    def phone_stage(self, locale: str) -> Frame:
        return self._stage("_phone_stage.html", locale)

    def screen_stage(self) -> Frame:
        return self._stage("_screen_stage.html", self.record.lang, qr=self.qr)

    def console_stage(self, locale: str) -> Frame:
        return self._stage("_console_stage.html", locale)

    def _stage(self, template: str, locale: str, **extra: Any) -> Frame:
        # The stage holds the board, progress and the phone's own part: what follows it
        # must wait for the next message, or htmx would swap it into the replaced stage.
        return replace(self._frame(template, locale, "stage", **extra), ends_message=True)

    def mine(self, pseudonym: str, locale: str) -> Frame:
        """The participant's own part: answers, ballot or consent, by phase."""
        state = self.state
        own = state.answers_by(pseudonym, state.prompt_index)
        return self._frame("_mine.html", locale, "mine", mine=own, me=pseudonym)

    def joined_count(self, locale: str) -> Frame:
        return self._frame("_joined.html", locale, "joined")

    def answer_count(self, locale: str) -> Frame:
        return self._frame("_answer_count.html", locale, "count")

    def counts(self, locale: str) -> list[Frame]:
        return [self.joined_count(locale), self.answer_count(locale)]

    @functools.cached_property
    def qr(self) -> str:
        return qr_svg(self.join_url)

    def full_state(self, client: Client) -> list[Frame]:
        match client.view:
            case View.PHONE:
                return [
                    self.phone_stage(client.locale),
                    self.mine(client.actor.pseudonym, client.locale),
                ]
            case View.SCREEN:
                return [self.screen_stage(), *self.counts(self.record.lang)]
            case View.CONSOLE:
                return [self.console_stage(client.locale), *self.counts(client.locale)]

    def reply(self, client: Client, msg_id: str, rejection: Rejection | None) -> list[Frame]:
        translator = self.renderer.translators[client.locale]
        message = "" if rejection is None else rejection_text(translator, rejection)
        status = "ok" if rejection is None else "rejected"
        notice = self.renderer.render("_notice.html", client.locale, oob="true", message=message)
        receipt = self.renderer.render("_receipt.html", client.locale, msg_id=msg_id, status=status)
        return [Frame(notice, "notice"), Frame(receipt)]

    async def _publish_suggestions(self) -> None:
        self._prune_suggestions()
        for locale in self.watching(View.CONSOLE):
            frame = self._frame("_suggestions.html", locale, "suggestions")
            await self.hub.publish(self.channel("console", locale), [frame])

    async def _publish_joined(self) -> None:
        for locale in self.watching(View.CONSOLE):
            frame = self.joined_count(locale)
            await self.hub.publish(self.channel("console", locale), [frame])
        await self.hub.publish(self.channel("screen"), [self.joined_count(self.record.lang)])

    async def _publish(self, before: SessionState, events: list[Event]) -> None:
        if not events:
            return
        state = self.state
        stage_changed = stage_of(before) != stage_of(state)
        authors: set[str] = set()
        if stage_changed:
            for locale in self.watching(View.PHONE):
                await self.hub.publish(self.channel("phone", locale), [self.phone_stage(locale)])
            for locale in self.watching(View.CONSOLE):
                await self.hub.publish(
                    self.channel("console", locale), [self.console_stage(locale)]
                )
            await self.hub.publish(self.channel("screen"), [self.screen_stage()])
            if state.phase in (Phase.VOTING, Phase.DECIDING):
                authors = set(self._present)
            else:
                authors = {a.author for a in state.answers_for(state.prompt_index)}
        else:
            await self._publish_answer_changes(events)
            if any(isinstance(e, GROUPING_EVENTS) for e in events):
                await self._publish_board()
            authors = {author_of(before, event) for event in events}
            if any(isinstance(e, VotesSet | ConsentGiven) for e in events):
                await self._publish_progress()
        for locale in self.watching(View.CONSOLE):
            await self.hub.publish(self.channel("console", locale), [self.answer_count(locale)])
        await self.hub.publish(self.channel("screen"), [self.answer_count(self.record.lang)])
        await self._publish_mine(authors)

    async def _publish_answer_changes(self, events: Iterable[Event]) -> None:
        events = list(events)
        for locale in self.watching(View.CONSOLE):
            console = self._answer_frames(events, locale, is_moderated=True)
            await self.hub.publish(self.channel("console", locale), console)
        if self.state.is_wall_visible:
            await self.hub.publish(self.channel("screen"), self._answer_frames(events, "en"))

    def _answer_frames(
        self, events: list[Event], locale: str, is_moderated: bool = False
    ) -> list[Frame]:
        """Wall changes for one audience: the projector's cards carry no words of ours,
        the console's carry a Hide button in the console's language."""
        frames: list[Frame] = []
        for event in events:
            match event:
                case AnswerAdded(answer=answer):
                    text = self.renderer.answer_item(
                        answer, "beforeend:#wall", locale, is_moderated
                    )
                    frames.append(Frame(text))
                case AnswerEdited(number=number) if number in self.state.answers:
                    answer = self.state.answers[number]
                    frames.append(
                        Frame(self.renderer.answer_item(answer, "true", locale, is_moderated))
                    )
                case AnswerDeleted(number=number):
                    frames.append(
                        Frame(f'<template id="answer-{number}" hx-swap-oob="delete"></template>')
                    )
        return frames

    async def _publish_progress(self) -> None:
        """ "12 of 18 voted": counts of people, never who."""
        for locale in self.watching(View.CONSOLE):
            frame = self._frame("_progress.html", locale, "progress")
            await self.hub.publish(self.channel("console", locale), [frame])
        frame = self._frame("_progress.html", self.record.lang, "progress")
        await self.hub.publish(self.channel("screen"), [frame])

    async def _publish_board(self) -> None:
        """The whole board, once per audience: moves come in bursts and coalesce."""
        for locale in self.watching(View.CONSOLE):
            console = self._frame("_board.html", locale, "board", view="console")
            await self.hub.publish(self.channel("console", locale), [console])
        for locale in self.watching(View.PHONE) if self.state.is_phone_grouping else ():
            phone = self._frame("_board.html", locale, "board", view="phone")
            await self.hub.publish(self.channel("phone", locale), [phone])
        screen = self._frame("_board.html", self.record.lang, "board", view="screen")
        await self.hub.publish(self.channel("screen"), [screen])

    async def _publish_mine(self, authors: set[str]) -> None:
        """Each author's own part. People whose parts read the same share one rendering,
        kept while the rest of what it shows stays the same: when voting opens a thousand
        empty ballots are one, and in a burst of votes most ballots were rendered before."""
        state = self.state
        shared = (state.answers, state.groups, stage_of(state))
        cached = self._mine_cache
        if cached is None or not same_shared(cached[0], shared) or len(cached[1]) > 5000:
            cached = self._mine_cache = (shared, {})
        rendered = cached[1]
        for pseudonym in authors:
            for locale in list(self._present.get(pseudonym, ())):
                key = (locale, personal_part(state, pseudonym))
                frame = rendered.get(key)
                if frame is None:
                    frame = rendered[key] = self.mine(pseudonym, locale)
                await self.hub.publish(self.channel("participant", pseudonym, locale), [frame])

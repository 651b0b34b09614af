"""What each audience sees: the stages, boards, counts and own parts of the phones, the
projector and the console, rendered once per audience and language and published to its
channel. What to send again is derived from where the changed fields of the state are
drawn (`rules.state.Shown`); the caches that make a thousand phones cheap live here."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..rules import AnswerAdded, AnswerDeleted, AnswerEdited, Event
from ..rules.questions import Kind
from ..rules.records import SessionRecord
from ..rules.state import Phase, Rejection, SessionState, Shown, changed_parts
from ..screens.messages import rejection_text
from ..screens.render import Renderer
from .changes import SHOWN_ON_STAGES, author_of, personal_part, same_shared, stage_of
from .hub import Frame, Hub
from .links import JoinLinks
from .presence import Client, Presence, View


@dataclass(frozen=True)
class ProposedGroup:
    """A suggested group of answers, by number, waiting for the facilitator's choice."""

    label: str
    answers: tuple[int, ...]


class Publisher:
    """The screens of one session. It shows the state the session hands it (`show`), with
    the number of people who joined, and the suggestions only the console sees."""

    def __init__(
        self,
        record: SessionRecord,
        state: SessionState,
        *,
        renderer: Renderer,
        hub: Hub,
        presence: Presence,
        base_url: str,
        join_key: str,
    ) -> None:
        self.id = record.id
        self.record = record
        self.state = state
        self.joined = 0
        self.renderer = renderer
        self.hub = hub
        self.presence = presence
        self.links = JoinLinks(record.code, base_url, join_key)
        self.suggestions: list[ProposedGroup] = []  # the console's; none moves until accepted
        self.agreements: tuple[tuple[str, str], ...] = ()  # (id, text): what a decision may change
        self.suggested = False
        self._context: tuple[SessionState, tuple[object, ...], dict[str, Any]] | None = None
        self._mine_cache: tuple[tuple[object, ...], dict[tuple[str, Hashable], Frame]] | None = None

    @property
    def base_url(self) -> str:
        return self.links.base_url

    @base_url.setter
    def base_url(self, value: str) -> None:
        self.links.base_url = value

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

    def _prune_suggestions(self) -> None:
        """Keeps of each suggestion the answers still ungrouped, if two or more remain."""
        answers = self.state.answers
        kept = []
        for suggestion in self.suggestions:
            free = tuple(n for n in suggestion.answers if n in answers and answers[n].group is None)
            if len(free) > 1:
                kept.append(ProposedGroup(suggestion.label, free))
        self.suggestions = kept

    def context(self) -> dict[str, Any]:
        """What every template sees; built once per state, not once per frame."""
        others = (
            self.joined,
            self.presence.fallback_phones,
            self.suggested,
            tuple(self.suggestions),
            self.base_url,
        )
        cached = self._context
        if cached is None or cached[0] is not self.state or cached[1] != others:
            cached = self._context = (self.state, others, self._build_context())
        return cached[2]

    def _build_context(self) -> dict[str, Any]:
        state = self.state
        return {
            "session": self.record,
            "agreements": self.agreements,
            "state": state,
            "prompt": state.current_prompt,
            "answers": state.answers_for(state.prompt_index),
            "joined": self.joined,
            "on_fallback": self.presence.fallback_phones,
            "suggestions": self.suggestions,
            "suggested": self.suggested,
            "join_url": self.links.join_url,
            "qr_url": self.links.qr_url,
            "join_host": self.links.join_host,
        }

    def _frame(self, template: str, locale: str, key: str | None, **extra: Any) -> Frame:
        text = self.renderer.render(template, locale, oob="true", **self.context(), **extra)
        return Frame(text, key)

    def phone_stage(self, locale: str) -> Frame:
        return self._stage("_phone_stage.html", locale)

    def screen_stage(self) -> Frame:
        return self._stage("_screen_stage.html", self.record.lang, qr=self.links.qr)

    def console_stage(self, locale: str) -> Frame:
        return self._stage("_console_stage.html", locale)

    def _stage(self, template: str, locale: str, **extra: Any) -> Frame:
        # The stage holds the board, progress and the phone's own part: what follows it
        # must wait for the next message, or htmx would swap it into the replaced stage.
        return replace(self._frame(template, locale, "stage", **extra), ends_message=True)

    def mine(self, pseudonym: str, locale: str) -> Frame:
        """The participant's own part by phase."""
        state = self.state
        own = state.answers_by(pseudonym, state.prompt_index)
        return self._frame("_mine.html", locale, "mine", mine=own, me=pseudonym)

    def joined_count(self, locale: str, view: View) -> Frame:
        """How many joined (of how many expected), and whether the room is locked; the
        console's with its lock button."""
        is_console = view is View.CONSOLE
        return self._frame("_joined.html", locale, "joined", is_console=is_console)

    def answer_count(self, locale: str) -> Frame:
        return self._frame("_answer_count.html", locale, "count")

    def counts(self, locale: str, view: View) -> list[Frame]:
        return [self.joined_count(locale, view), self.answer_count(locale)]

    def full_state(self, client: Client) -> list[Frame]:
        match client.view:
            case View.PHONE:
                return [
                    self.phone_stage(client.locale),
                    self.mine(client.actor.pseudonym, client.locale),
                ]
            case View.SCREEN:
                return [self.screen_stage(), *self.counts(self.record.lang, View.SCREEN)]
            case View.CONSOLE:
                return [
                    self.console_stage(client.locale),
                    *self.counts(client.locale, View.CONSOLE),
                ]

    def reply(self, client: Client, msg_id: str, rejection: Rejection | None) -> list[Frame]:
        translator = self.renderer.translators[client.locale]
        message = "" if rejection is None else rejection_text(translator, rejection)
        status = "ok" if rejection is None else "rejected"
        notice = self.renderer.render("_notice.html", client.locale, oob="true", message=message)
        reason = "" if rejection is None else rejection.reason
        receipt = self.renderer.render(
            "_receipt.html", client.locale, msg_id=msg_id, status=status, reason=reason
        )
        return [Frame(notice, "notice"), Frame(receipt)]

    async def publish_suggestions(self) -> None:
        self._prune_suggestions()
        for locale in self.presence.watching(View.CONSOLE):
            frame = self._frame("_suggestions.html", locale, "suggestions")
            self.hub.publish_here(self.channel("console", locale), [frame])

    async def publish_joined(self) -> None:
        for locale in self.presence.watching(View.CONSOLE):
            frame = self.joined_count(locale, View.CONSOLE)
            self.hub.publish_here(self.channel("console", locale), [frame])
        self._to_screen(lambda: [self.joined_count(self.record.lang, View.SCREEN)])

    def _to_screen(self, frames: Callable[[], list[Frame]]) -> None:
        """The projector's frames, rendered only where a projector is connected to."""
        if self.presence.watching(View.SCREEN):
            self.hub.publish_here(self.channel("screen"), frames())

    def show(self, state: SessionState, joined: int) -> None:
        """From now on the screens show this state, and this many people who joined."""
        self.state = state
        self.joined = joined

    async def publish(self, before: SessionState, events: list[Event]) -> None:
        """Sends each audience what it shows of the fields that changed since `before`."""
        if not events:
            return
        state = self.state
        changed = changed_parts(before, state)
        # An answer hidden after answering is on boards, ballots and results: every
        # stage and own part is drawn again without it.
        if state.phase in SHOWN_ON_STAGES and len(state.answers) < len(before.answers):
            changed |= Shown.STAGE
        if Shown.STAGE in changed:
            for locale in self.presence.watching(View.PHONE):
                self.hub.publish_here(self.channel("phone", locale), [self.phone_stage(locale)])
            # Every phone's own part shows a ballot, a consent form or a scale to pick on.
            if state.phase in (Phase.VOTING, Phase.DECIDING) or state.current_ask.is_counted:
                await self._publish_mine(self.presence.phones())
            else:
                await self._publish_mine({a.author for a in state.answers_for(state.prompt_index)})
            # The phones' frames leave now, not after the console's and projector's stages
            # are drawn (a board of 2,000 cards: a few hundred ms a hall need not wait).
            await asyncio.sleep(0)
            for locale in self.presence.watching(View.CONSOLE):
                self.hub.publish_here(self.channel("console", locale), [self.console_stage(locale)])
            self._to_screen(lambda: [self.screen_stage()])
        else:
            if Shown.PROJECTOR in changed:
                await self._publish_projector()
            if Shown.ANSWERS in changed:
                await self._publish_answer_changes(events)
                if state.phase is Phase.GROUPING:
                    await self._publish_board()
            if changed & (Shown.VOTES | Shown.CONSENT | Shown.CHOICES):
                await self._publish_progress()
            if Shown.CHOICES in changed:
                await self._publish_picks()
            if Shown.VOTES in changed and state.prompt_index in state.revealed:
                await self._publish_results()
            await self._publish_mine({author_of(before, event) for event in events})
        # After closing the counts say how many took part, and no answers are counted.
        has_ended = state.phase is Phase.ENDED and before.phase is not Phase.ENDED
        if Shown.COUNTS in changed or has_ended:
            await self.publish_joined()
        if changed & (Shown.ANSWERS | Shown.CHOICES) or has_ended:
            for locale in self.presence.watching(View.CONSOLE):
                frame = self.answer_count(locale)
                self.hub.publish_here(self.channel("console", locale), [frame])
            self._to_screen(lambda: [self.answer_count(self.record.lang)])

    async def _publish_results(self) -> None:
        """Dots given after the reveal change the results, which every stage shows."""
        for locale in self.presence.watching(View.PHONE):
            frame = self._frame("_phone_results.html", locale, "phone-results")
            self.hub.publish_here(self.channel("phone", locale), [frame])
        await self._publish_projector()

    async def _publish_projector(self) -> None:
        """What the projector shows changed: its stage, and the console that steers it."""
        for locale in self.presence.watching(View.CONSOLE):
            self.hub.publish_here(self.channel("console", locale), [self.console_stage(locale)])
        self._to_screen(lambda: [self.screen_stage()])

    async def _publish_picks(self) -> None:
        """A pick changes the distribution: on the console always, on the projector when it
        shows the answers (with live reveal, or once answering closed)."""
        for locale in self.presence.watching(View.CONSOLE):
            frame = self._frame("_distribution.html", locale, "distribution", view="console")
            self.hub.publish_here(self.channel("console", locale), [frame])
        if self.state.is_wall_visible:
            lang = self.record.lang
            self._to_screen(
                lambda: [self._frame("_distribution.html", lang, "distribution", view="screen")]
            )

    async def _publish_answer_changes(self, events: Iterable[Event]) -> None:
        events = list(events)
        for locale in self.presence.watching(View.CONSOLE):
            console = self._answer_frames(events, locale, is_moderated=True)
            self.hub.publish_here(self.channel("console", locale), console)
        if self.state.is_wall_visible and self.state.current_ask.kind is Kind.WORDS:
            self._to_screen(lambda: [self._frame("_cloud.html", self.record.lang, "cloud")])
        elif self.state.is_wall_visible:
            self._to_screen(lambda: self._answer_frames(events, "en"))

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
        for locale in self.presence.watching(View.CONSOLE):
            frame = self._frame("_progress.html", locale, "progress")
            self.hub.publish_here(self.channel("console", locale), [frame])
        self._to_screen(lambda: [self._frame("_progress.html", self.record.lang, "progress")])

    async def _publish_board(self) -> None:
        """The whole board, once per audience: moves come in bursts and coalesce."""
        for locale in self.presence.watching(View.CONSOLE):
            console = self._frame("_board.html", locale, "board", view="console")
            self.hub.publish_here(self.channel("console", locale), [console])
        for locale in self.presence.watching(View.PHONE) if self.state.is_phone_grouping else ():
            phone = self._frame("_board.html", locale, "board", view="phone")
            self.hub.publish_here(self.channel("phone", locale), [phone])
        lang = self.record.lang
        self._to_screen(lambda: [self._frame("_board.html", lang, "board", view="screen")])

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
            for locale in self.presence.locales_of(pseudonym):
                key = (locale, personal_part(state, pseudonym))
                frame = rendered.get(key)
                if frame is None:
                    frame = rendered[key] = self.mine(pseudonym, locale)
                self.hub.publish_here(self.channel("participant", pseudonym, locale), [frame])

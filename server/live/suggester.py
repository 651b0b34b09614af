"""Suggested groups, beside the write path: computed on this server, shown only in the
console, and moving nothing until the facilitator accepts one (`create_group`), so they
never wait for (or hold up) the writer. One at a time per session, in the order asked."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..rules.grouping import DismissSuggestion, SuggestGroups, SuggestionCommand
from ..rules.state import Actor, Phase, Rejection, Role, SessionState
from ..suggest import suggest_groups
from .background import Background
from .presence import Client
from .protocol import Message
from .publisher import ProposedGroup, Publisher

log = logging.getLogger("draagvlak.live")


class Suggester:
    def __init__(self, name: str, screens: Publisher, state: Callable[[], SessionState]) -> None:
        self.name = name
        self.screens = screens
        self._state = state
        self._lock = asyncio.Lock()
        self._background = Background()

    def submit(self, client: Client, message: Message, command: SuggestionCommand) -> None:
        self._background.start(self._suggest(client, message, command))

    def close(self) -> None:
        self._background.cancel()

    async def _suggest(self, client: Client, message: Message, command: SuggestionCommand) -> None:
        async with self._lock:
            try:
                rejection = await self._apply(client.actor, command)
            except Exception:
                log.exception("session %s: suggestions failed", self.name)
                rejection = Rejection("save_failed")
        client.outbox.put(self.screens.reply(client, message.msg_id, rejection))

    async def _apply(self, actor: Actor, command: SuggestionCommand) -> Rejection | None:
        if rejection := self._refusal(actor):
            return rejection
        screens = self.screens
        match command:
            case SuggestGroups():
                state = self._state()
                loose = [a for a in state.answers_for(state.prompt_index) if a.group is None]
                texts = [a.text for a in loose]
                # A few hundred milliseconds of work at most: off the event loop.
                found = await asyncio.to_thread(suggest_groups, texts, screens.record.lang)
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

    def _refusal(self, actor: Actor) -> Rejection | None:
        if actor.role is not Role.FACILITATOR:
            return Rejection("facilitator_only")
        if self._state().phase is not Phase.GROUPING:
            return Rejection("not_grouping")
        return None

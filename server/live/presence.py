"""Who is connected to one session: every connection, the languages each view is watched
in, and each participant's open phones by language. Only what is watched is rendered."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from ..rules.state import Actor
from .hub import Outbox


class View(StrEnum):
    PHONE = "phone"
    SCREEN = "screen"
    CONSOLE = "console"


@dataclass(eq=False)
class Client:
    """One open connection: what it looks at, in which language, for whom, and whether it
    came through the fallback for networks that block websockets."""

    view: View
    locale: str
    actor: Actor
    outbox: Outbox
    is_fallback: bool = False


class Presence:
    def __init__(self) -> None:
        self.clients: set[Client] = set()
        self._watchers: Counter[tuple[View, str]] = Counter()
        # pseudonym -> locale -> open phones
        self._phones: dict[str, Counter[str]] = {}
        self.fallback_phones = 0

    def add(self, client: Client) -> None:
        self.clients.add(client)
        self._watchers[(client.view, client.locale)] += 1
        if client.view is View.PHONE:
            self._phones.setdefault(client.actor.pseudonym, Counter())[client.locale] += 1
            self.fallback_phones += client.is_fallback

    def remove(self, client: Client) -> None:
        if client not in self.clients:
            return
        self.clients.discard(client)
        self._watchers[(client.view, client.locale)] -= 1
        if client.view is View.PHONE:
            self.fallback_phones -= client.is_fallback
            locales = self._phones[client.actor.pseudonym]
            locales[client.locale] -= 1
            if locales[client.locale] <= 0:
                del locales[client.locale]
            if not locales:
                del self._phones[client.actor.pseudonym]

    def watching(self, view: View) -> list[str]:
        """The languages someone looks at this view in: nobody else's are rendered (a
        newcomer gets the whole state when it connects)."""
        return sorted(locale for (seen, locale), n in self._watchers.items() if seen is view and n)

    def phones(self) -> set[str]:
        """The pseudonyms with a phone connected now."""
        return set(self._phones)

    def locales_of(self, pseudonym: str) -> list[str]:
        return list(self._phones.get(pseudonym, ()))

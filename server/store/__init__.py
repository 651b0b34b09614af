"""Where sessions are kept: a small interface, with the engine chosen by URL.

`sqlite:///path` is the embedded default; a PostgreSQL engine can be added behind the
same interface later without touching the rules or the templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..rules import Event
from ..rules.state import Answer, Group, Phase, Reveal


class CodeTaken(Exception):
    """Another open session already uses this join code."""


@dataclass(frozen=True)
class SessionRecord:
    id: str
    code: str
    pack_id: str
    lang: str
    title: str
    intro: str
    prompts: tuple[str, ...]
    facilitator_hash: str
    created_at: str
    phase: Phase = Phase.LOBBY
    prompt_index: int = 0
    reveal: Reveal = Reveal.LIVE
    is_phone_grouping: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SavedPack:
    """Questions a facilitator wrote, kept to run again; in the one language they wrote."""

    id: str
    title: str
    lang: str
    prompts: tuple[str, ...]
    created_at: str


@dataclass(frozen=True)
class Receipt:
    """A message id that was applied for a pseudonym, and the answer it made: a resend
    is not applied again, even after the answer was deleted. Deleted on closing."""

    author: str
    msg_id: str
    number: int


@dataclass(frozen=True)
class LoadedSession:
    record: SessionRecord
    answers: list[Answer]
    receipts: list[Receipt]
    participants: frozenset[str]
    groups: list[Group]
    # Rows of voting and deciding, as stored; live.state_from turns them into state.
    votes: list[Any] = field(default_factory=list)
    decisions: list[Any] = field(default_factory=list)
    rounds: list[Any] = field(default_factory=list)
    consents: list[Any] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def create_session(self, record: SessionRecord) -> None:
        """Raises CodeTaken when the code is in use by another open session."""

    async def session_id_for_code(self, code: str) -> str | None: ...

    async def load_session(self, session_id: str) -> LoadedSession | None: ...

    async def save_pack(self, pack: SavedPack) -> None: ...

    async def saved_packs(self) -> list[SavedPack]:
        """Newest first."""

    async def delete_pack(self, pack_id: str) -> None: ...

    async def add_participant(self, session_id: str, pseudonym: str) -> bool:
        """True when this pseudonym is new to the session."""

    async def append(
        self, session_id: str, events: list[Event], outcome: Mapping[str, Any] | None = None
    ) -> None:
        """Saves all events in one transaction: all of them are kept, or none. With an
        outcome, the same transaction closes the session and unlinks its pseudonyms."""

    async def outcome(self, session_id: str) -> dict[str, Any] | None: ...

    async def add_share_link(self, session_id: str, token_hash: str, created_at: str) -> None: ...

    async def delete_session(self, session_id: str) -> None: ...

    async def forget_raw_answers(self, created_before: str) -> list[str]:
        """Ids of the closed sessions, started before then, whose raw answers were
        deleted now."""

    async def open_sessions_created_before(self, created_before: str) -> list[str]:
        """Sessions nobody closed: retention closes them too."""

    async def key(self, name: str) -> bytes:
        """A random key of this installation, made on first use and kept."""

    async def revoke_share_links(self, session_id: str) -> None: ...

    async def shared_outcome(self, token_hash: str) -> dict[str, Any] | None: ...


def open_store(url: str) -> Store:
    if url.startswith("sqlite:///"):
        from .sqlite import SQLiteStore

        return SQLiteStore(url.removeprefix("sqlite:///"))
    raise ValueError(f"no store for {url!r}: use sqlite:///path/to/file.db")

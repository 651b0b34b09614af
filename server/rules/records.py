"""What a session is besides its live state, and the topics facilitators keep: plain
records that the store saves and the outcome and screens read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .state import Phase, Reveal


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
    team_id: str | None = None  # None: made before accounts, until the first admin's team


@dataclass(frozen=True)
class Team:
    """A school, or a team within one: sessions, topics and the register belong to it."""

    id: str
    name: str
    created_at: str


@dataclass(frozen=True)
class Account:
    """A facilitator who signs in, and the teams they lead sessions for."""

    id: str
    email: str  # or, for a school account that came without an address, the name
    is_admin: bool
    teams: tuple[Team, ...] = ()
    has_password: bool = True  # False: signs in with the school's account only


@dataclass(frozen=True)
class PendingSignIn:
    """Someone who signed in with their school's account and waits for an admin of the
    team to let them in: no more than the account will keep."""

    id: str
    team_id: str
    provider: str
    email: str  # "" when the school gave a name only
    name: str  # "" when the school gave an e-mail address
    requested_at: str

    @property
    def label(self) -> str:
        return self.email or self.name


@dataclass(frozen=True)
class SavedPack:
    """Questions a facilitator wrote, kept to run again; in the one language they wrote."""

    id: str
    title: str
    lang: str
    prompts: tuple[str, ...]
    created_at: str
    team_id: str | None = None

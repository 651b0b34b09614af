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
    email: str
    is_admin: bool
    teams: tuple[Team, ...] = ()


@dataclass(frozen=True)
class SavedPack:
    """Questions a facilitator wrote, kept to run again; in the one language they wrote."""

    id: str
    title: str
    lang: str
    prompts: tuple[str, ...]
    created_at: str
    team_id: str | None = None

"""A caller's writes waiting for its store's next group commit: the same in every engine."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..rules import Event
from .journal import Decide


@dataclass(eq=False)
class Pending:
    """One caller's writes, waiting for the next group commit."""

    session_id: str
    events: list[Event] = field(default_factory=list)
    outcome: Mapping[str, Any] | None = None
    participant: str | None = None
    # Journaled: the number it was decided after, or `decide` deciding it in the commit.
    after: int | None = None
    decide: Decide | None = None
    is_journaled: bool = False
    saved: asyncio.Future[int] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def is_turn(self) -> bool:
        """Decided in the commit, after what other processes saved first."""
        return self.decide is not None and self.after is not None

    @property
    def is_numbered(self) -> bool:
        """Gets a number in the session's journal, so needs the session's row."""
        return self.after is not None or (self.participant is not None and self.is_journaled)

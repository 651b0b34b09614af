"""How a question is answered: in open words, a few words for a cloud, on a scale, or by
choosing options. Plain values that the state and the rules read."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a question asks for."""

    OPEN = "open"  # answers in words, grouped and voted on
    WORDS = "words"  # a few words each, shown as a word cloud
    SCALE = "scale"  # a number from 1 to 5 with labelled ends
    CHOICE = "choice"  # one (or several) of the given options


@dataclass(frozen=True)
class Ask:
    """How a question is answered, when not in open words."""

    kind: Kind = Kind.OPEN
    options: tuple[str, ...] = ()  # a choice's options
    low: str = ""  # a scale's ends: what 1 and 5 mean
    high: str = ""
    is_multiple: bool = False  # a choice of several options
    # The team's agreement this scale rates (its register id): an evaluation moment asks
    # how well the team lives it, and takes remarks on what helps or hinders beside it.
    agreement: str = ""

    @property
    def is_counted(self) -> bool:
        """Answered by picking (a number or options), counted rather than read."""
        return self.kind in (Kind.SCALE, Kind.CHOICE)

    @property
    def takes_remarks(self) -> bool:
        """A rating of an agreement: besides the number, words on what helps or hinders."""
        return self.kind is Kind.SCALE and bool(self.agreement)

    @property
    def values(self) -> tuple[str, ...]:
        """What can be picked, in order: 1 to 5 for a scale, the options of a choice."""
        return SCALE_VALUES if self.kind is Kind.SCALE else self.options


SCALE_VALUES = ("1", "2", "3", "4", "5")
OPEN = Ask()

"""The open actions an evaluation moment starts from: what each was when the session was
made, and what the facilitator marked it. Plain values that the state and the rules read."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """What the team says of an open action at its evaluation moment."""

    DONE = "done"
    DROPPED = "dropped"
    CARRIED = "carried"  # still open: it goes on to the next moment


@dataclass(frozen=True)
class CarriedAction:
    """An unfinished action of the team's tracker, as it stood when the session was made."""

    id: str  # its tracker id
    what: str
    who: str
    due: str  # ISO date, or ""
    decision: str  # the agreed decision it came from
    status: str  # its tracker status then: "open" or "in_progress"

    def status_after(self, verdict: Verdict) -> str:
        """The tracker status a verdict sets: carried over keeps the status it had."""
        return self.status if verdict is Verdict.CARRIED else verdict.value


CARRIED_FIELDS = ("id", "what", "who", "due", "decision", "status")


def carried_fields(action: CarriedAction) -> dict[str, str]:
    return {name: getattr(action, name) for name in CARRIED_FIELDS}


def carried_from(fields: object) -> CarriedAction | None:
    """A kept action back, or None for one this version cannot read."""
    if not isinstance(fields, dict) or not all(
        isinstance(fields.get(n), str) for n in CARRIED_FIELDS
    ):
        return None
    return CarriedAction(*(fields[name] for name in CARRIED_FIELDS))

"""The team's register of agreements and its action tracker as plain records, and their
rules: the handbook's order of topics, versions, review dates, what is overdue. Pure."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# The handbook's loop: values first, then the norms and rules, then the behaviour that shows
# them; the other topics follow in the order a facilitator sees them.
HANDBOOK_ORDER = ("core-values", "norms-and-rules", "exemplary-behaviour")
DEFAULT_REVIEW_MONTHS = 12
MAX_REVIEW_MONTHS = 60


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


UNFINISHED = (Status.OPEN, Status.IN_PROGRESS)


@dataclass(frozen=True)
class Agreement:
    """One version of an agreed decision, as its session's outcome kept it: no person in it."""

    id: str
    team_id: str
    topic: str
    text: str
    lang: str
    session_id: str | None  # None once the session itself was deleted
    session_title: str
    decision: int
    agreed_at: str
    responses: int
    counts: Mapping[str, int] | None  # the last round's, None below the floor
    review_at: str  # an ISO date
    version: int = 1
    replaces: str | None = None
    superseded_at: str | None = None
    retired_at: str | None = None

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None and self.retired_at is None

    def is_due(self, today: str) -> bool:
        return self.is_current and self.review_at <= today


@dataclass(frozen=True)
class TrackedAction:
    """An action an agreed decision led to, tracked by the team until done or dropped."""

    id: str
    team_id: str
    agreement_id: str | None
    session_id: str | None
    session_title: str
    decision: int
    decision_text: str
    number: int
    what: str
    who: str
    due: str | None
    status: Status
    lang: str

    def is_overdue(self, today: str) -> bool:
        return self.due is not None and self.due < today and self.status in UNFINISHED


@dataclass(frozen=True)
class Line:
    """An agreement through its versions: the newest first, then what it replaced."""

    newest: Agreement
    older: tuple[Agreement, ...]


@dataclass(frozen=True)
class Topic:
    id: str
    lines: tuple[Line, ...]


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_date(agreed_at: str, months: int) -> str:
    return add_months(date.fromisoformat(agreed_at[:10]), months).isoformat()


def topic_order(topics: Iterable[str], known: Sequence[str]) -> list[str]:
    """The handbook's topics first, then the known topics in their order, then the rest."""
    order = [*HANDBOOK_ORDER, *(t for t in known if t not in HANDBOOK_ORDER)]
    rank = {topic: index for index, topic in enumerate(order)}
    return sorted(set(topics), key=lambda t: (rank.get(t, len(rank)), t))


def lines_of(agreements: Iterable[Agreement]) -> list[Line]:
    """Each agreement's newest version with its history, newest replaced first."""
    by_id = {a.id: a for a in agreements}
    replaced = {a.replaces for a in by_id.values() if a.replaces}
    lines = []
    for agreement in by_id.values():
        if agreement.id in replaced:
            continue
        older: list[Agreement] = []
        link = agreement.replaces
        while link and link in by_id and len(older) < len(by_id):
            older.append(by_id[link])
            link = by_id[link].replaces
        lines.append(Line(agreement, tuple(older)))
    return lines


def register_of(
    agreements: Iterable[Agreement], today: str, known_topics: Sequence[str] = ()
) -> list[Topic]:
    """The register by topic in the handbook's order; in each topic the agreements due for
    review first (soonest first), then the others newest first, the retired last."""

    def group(line: Line) -> tuple[int, str]:
        newest = line.newest
        if newest.is_due(today):
            return (0, newest.review_at)
        return (1 if newest.retired_at is None else 2, "")

    newest_first = sorted(lines_of(agreements), key=lambda ln: ln.newest.agreed_at, reverse=True)
    ordered = sorted(newest_first, key=group)  # stable: newest first within each group
    topics = topic_order((line.newest.topic for line in ordered), known_topics)
    return [Topic(t, tuple(ln for ln in ordered if ln.newest.topic == t)) for t in topics]


def due_for_review(topics: Iterable[Topic], today: str) -> list[Agreement]:
    due = [line.newest for topic in topics for line in topic.lines if line.newest.is_due(today)]
    return sorted(due, key=lambda a: a.review_at)


def by_status(actions: Iterable[TrackedAction], today: str) -> list[TrackedAction]:
    """Overdue first, then the unfinished by due date (undated last), then the finished."""

    def key(action: TrackedAction) -> tuple[int, str, int]:
        if action.is_overdue(today):
            rank = 0
        elif action.status in UNFINISHED:
            rank = 1
        else:
            rank = 2
        return (rank, action.due or "9999", action.number)

    return sorted(actions, key=key)

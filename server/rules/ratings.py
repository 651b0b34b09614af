"""How well a team lives its agreements, as rated at its evaluation moments: the ratings of
one agreement through its versions, the trend against last time, and what counts as low.
Pure; below the floor a rating keeps only how many rated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .register import Line

LOW_MEAN = 3.0  # below the middle of the scale: worth an action or an earlier review
STEADY = 0.25  # a change smaller than this is no trend, on a scale of 1 to 5


@dataclass(frozen=True)
class Rating:
    """One evaluation moment's rating of one agreement: anonymous, counts only."""

    agreement_id: str
    session_title: str
    rated_at: str
    responses: int
    mean: float | None  # None below the floor
    counts: tuple[int, ...] | None  # per value 1..5; None below the floor
    remarks: tuple[str, ...] = ()  # what helps or hinders, sorted

    @property
    def is_hidden(self) -> bool:
        return self.mean is None


@dataclass(frozen=True)
class History:
    """An agreement's ratings, oldest first, over all its versions."""

    ratings: tuple[Rating, ...]

    @property
    def shown(self) -> tuple[Rating, ...]:
        """The ratings with a mean: those from the floor on."""
        return tuple(r for r in self.ratings if r.mean is not None)

    @property
    def latest(self) -> Rating | None:
        return self.ratings[-1] if self.ratings else None

    @property
    def change(self) -> float | None:
        """The latest mean against the one before it, both from the floor on."""
        shown = self.shown
        if len(shown) < 2 or shown[-1] is not self.latest:
            return None
        return round(shown[-1].mean - shown[-2].mean, 2)  # type: ignore[operator]

    @property
    def trend(self) -> str:
        """ "up", "down", "steady", or "" when there is nothing to compare."""
        change = self.change
        if change is None:
            return ""
        if abs(change) < STEADY:
            return "steady"
        return "up" if change > 0 else "down"

    @property
    def is_low(self) -> bool:
        latest = self.latest
        return latest is not None and latest.mean is not None and latest.mean < LOW_MEAN


def histories(lines: Iterable[Line], ratings: Iterable[Rating]) -> Mapping[str, History]:
    """Each line's ratings by the id of its newest version: a rating of an older version
    stays with the agreement it grew into."""
    by_agreement: dict[str, list[Rating]] = {}
    for rating in ratings:
        by_agreement.setdefault(rating.agreement_id, []).append(rating)
    found = {}
    for line in lines:
        versions = (line.newest, *line.older)
        rated = [r for a in versions for r in by_agreement.get(a.id, ())]
        if rated:
            found[line.newest.id] = History(tuple(sorted(rated, key=lambda r: r.rated_at)))
    return found

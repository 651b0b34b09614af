"""What a session is at one moment: immutable values that the rules read and replace."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import Flag, StrEnum, auto
from types import MappingProxyType
from typing import Any, TypeVar

from .cache import IdentityCache
from .carried import CarriedAction, Verdict
from .questions import OPEN, Ask

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class Phase(StrEnum):
    LOBBY = "lobby"
    ANSWERING = "answering"
    CLOSED = "closed"
    GROUPING = "grouping"
    VOTING = "voting"
    DECIDING = "deciding"
    ENDED = "ended"


class Reveal(StrEnum):
    """When the projector shows the answers to the current prompt."""

    LIVE = "live"
    ON_CLOSE = "on_close"


class Projection(StrEnum):
    """What the projector shows: the room as it goes, or what the facilitator put up."""

    ROOM = "room"
    RESULTS = "results"  # the current question's results, once revealed
    DECISIONS = "decisions"  # every decision so far with its actions
    CARRIED = "carried"  # an evaluation moment's open actions of earlier sessions


class Role(StrEnum):
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"


@dataclass(frozen=True)
class Actor:
    role: Role
    pseudonym: str = ""


@dataclass(frozen=True)
class Limits:
    max_answer_length: int = 280
    max_answers_per_prompt: int = 20


@dataclass(frozen=True)
class Answer:
    number: int
    prompt_index: int
    author: str
    text: str
    group: int | None = None


@dataclass(frozen=True)
class Group:
    """A theme: answers that belong together, under the label people will vote on."""

    number: int
    prompt_index: int
    label: str


class Level(StrEnum):
    FULL_SUPPORT = "full_support"
    SUPPORT = "support"
    LIVE_WITH = "live_with"
    RESERVATIONS = "reservations"
    OBJECT = "object"


# Consent, not enthusiasm (sociocracy; Kaner's gradients of agreement): whoever can live with
# a proposal consents to it. Reservations are heard but count towards no share; only an
# objection blocks.
CONSENTING = (Level.FULL_SUPPORT, Level.SUPPORT, Level.LIVE_WITH)


@dataclass(frozen=True)
class Decision:
    number: int
    prompt_index: int
    from_item: str
    origin: str  # the message id that proposed it: a resend proposes nothing new
    replaces: str = ""  # the team's agreement it changes, when agreed (its register id)


@dataclass(frozen=True)
class Round:
    decision: int
    number: int
    text: str
    is_open: bool = True
    is_agreed: bool = False


@dataclass(frozen=True)
class Response:
    level: Level
    reason: str


@dataclass(frozen=True)
class Action:
    number: int
    decision: int
    what: str
    who: str
    due: str  # ISO date, or "" for no date
    origin: str


@dataclass(frozen=True)
class Timer:
    """A countdown for one phase of one question (and, when deciding, one decision)."""

    phase: Phase
    prompt_index: int
    decision: int
    ends_at: float  # seconds since the epoch, by the server's clock
    closes: bool  # close the phase when time is up


class Shown(Flag):
    """Where a field of the state is drawn, so that the publisher sends again what shows a
    field that changed. Every field of SessionState says where (tests/test_state.py)."""

    NOWHERE = 0
    STAGE = auto()  # the stages of every audience: phase, questions, settings, decisions
    ANSWERS = auto()  # the wall, the board and each phone's own answers, sent as changes
    VOTES = auto()  # ballots, "N of M voted", and the results once revealed
    CONSENT = auto()  # consent forms and "N of M responded"
    COUNTS = auto()  # "N of M joined" and the lock
    PROJECTOR = auto()  # what the projector shows: its stage and the console's controls
    CHOICES = auto()  # a scale's or a choice's distribution, and each phone's own pick


def _on(where: Shown) -> dict[str, Shown]:
    return {"shown": where}


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class SessionState:
    prompts: tuple[str, ...] = field(metadata=_on(Shown.STAGE))
    # How each question is answered, by index; absent: in open words.
    asks: Mapping[int, Ask] = field(default_factory=_empty, metadata=_on(Shown.STAGE))
    phase: Phase = field(default=Phase.LOBBY, metadata=_on(Shown.STAGE))
    prompt_index: int = field(default=0, metadata=_on(Shown.STAGE))
    reveal: Reveal = field(default=Reveal.LIVE, metadata=_on(Shown.STAGE))
    limits: Limits = field(default=Limits(), metadata=_on(Shown.STAGE))
    answers: Mapping[int, Answer] = field(default_factory=_empty, metadata=_on(Shown.ANSWERS))
    # (author, client message id) -> answer number: a resent answer is applied once.
    receipts: Mapping[tuple[str, str], int] = field(
        default_factory=_empty, metadata=_on(Shown.NOWHERE)
    )
    next_number: int = field(default=1, metadata=_on(Shown.NOWHERE))
    groups: Mapping[int, Group] = field(default_factory=_empty, metadata=_on(Shown.ANSWERS))
    next_group: int = field(default=1, metadata=_on(Shown.NOWHERE))
    is_phone_grouping: bool = field(default=False, metadata=_on(Shown.STAGE))
    # No new participants: the facilitator locked the room once everyone was in.
    is_locked: bool = field(default=False, metadata=_on(Shown.COUNTS))
    # Dot voting: (prompt, voter, item) -> dots; items are "g<group>" or "a<answer>".
    votes: Mapping[tuple[int, str, str], int] = field(
        default_factory=_empty, metadata=_on(Shown.VOTES)
    )
    # Picks on a scale or a choice: (prompt, voter) -> the picked values' indexes.
    choices: Mapping[tuple[int, str], tuple[int, ...]] = field(
        default_factory=_empty, metadata=_on(Shown.CHOICES)
    )
    vote_budget: int = field(default=3, metadata=_on(Shown.STAGE))
    is_stacking: bool = field(default=True, metadata=_on(Shown.STAGE))
    revealed: frozenset[int] = field(default=frozenset(), metadata=_on(Shown.STAGE))
    # Below this many respondents no counts per option are shown: in a staff room of
    # twelve they would tell who voted what.
    floor: int = field(default=3, metadata=_on(Shown.STAGE))
    expected: int = field(default=0, metadata=_on(Shown.STAGE | Shown.COUNTS))
    decisions: Mapping[int, Decision] = field(default_factory=_empty, metadata=_on(Shown.STAGE))
    rounds: Mapping[tuple[int, int], Round] = field(
        default_factory=_empty, metadata=_on(Shown.STAGE)
    )
    consents: Mapping[tuple[int, int, str], Response] = field(
        default_factory=_empty, metadata=_on(Shown.CONSENT)
    )
    actions: Mapping[int, Action] = field(default_factory=_empty, metadata=_on(Shown.STAGE))
    consent_share: int = field(default=50, metadata=_on(Shown.STAGE))
    # The decision the room is working on.
    focus: int = field(default=0, metadata=_on(Shown.STAGE))
    projection: Projection = field(default=Projection.ROOM, metadata=_on(Shown.PROJECTOR))
    page: int = field(default=0, metadata=_on(Shown.PROJECTOR))
    timer: Timer | None = field(default=None, metadata=_on(Shown.STAGE))
    # An evaluation moment's open actions from the tracker, and what the room said of each.
    carried: tuple[CarriedAction, ...] = field(default=(), metadata=_on(Shown.PROJECTOR))
    verdicts: Mapping[str, Verdict] = field(default_factory=_empty, metadata=_on(Shown.PROJECTOR))

    @property
    def prompt_count(self) -> int:
        return len(self.prompts)

    def ask(self, prompt_index: int) -> Ask:
        return self.asks.get(prompt_index, OPEN)

    @property
    def current_ask(self) -> Ask:
        return self.ask(self.prompt_index)

    @property
    def current_prompt(self) -> str:
        return self.prompts[self.prompt_index] if self.prompts else ""

    def answers_for(self, prompt_index: int) -> list[Answer]:
        return list(index_of(self.answers).by_prompt.get(prompt_index, ()))

    def answers_by(self, author: str, prompt_index: int) -> list[Answer]:
        return list(index_of(self.answers).by_author.get((author, prompt_index), ()))

    def groups_for(self, prompt_index: int) -> list[Group]:
        return [g for g in self.groups.values() if g.prompt_index == prompt_index]

    def members(self, group: int) -> list[Answer]:
        return list(index_of(self.answers).by_group.get(group, ()))

    @property
    def is_wall_visible(self) -> bool:
        """Whether the projector shows the current prompt's answers now."""
        if self.phase is Phase.CLOSED:
            return True
        return self.phase is Phase.ANSWERING and self.reveal is Reveal.LIVE


def shown_where(name: str) -> Shown:
    """Where the field `name` of SessionState is drawn."""
    return SHOWN[name]


def changed_parts(before: SessionState, after: SessionState) -> Shown:
    """Where what changed between two states is drawn. Mappings are replaced when they
    change and shared when they do not, so identity tells; other values by equality."""
    parts = Shown.NOWHERE
    for name, where in SHOWN.items():
        old, new = getattr(before, name), getattr(after, name)
        if old is not new and (isinstance(old, Mapping) or old != new):
            parts |= where
    return parts


def with_item(mapping: Mapping[K, V], key: K, value: V | None) -> Mapping[K, V]:
    """A copy of a state's mapping with `key` set to `value`, or removed for None.

    A proxy copies its dict at C speed; `dict(proxy)` and `{**proxy}` go item by item,
    thirty times slower: that was most of the cost of a vote in a room of a thousand."""
    copied = mapping.copy() if isinstance(mapping, MappingProxyType) else dict(mapping)
    if value is None:
        copied.pop(key, None)
    else:
        copied[key] = value
    return MappingProxyType(copied)


class AnswerIndex:
    """The answers by prompt, by author and prompt, and by group, each in answer order;
    each part is built when first asked for."""

    def __init__(self, answers: Mapping[int, Answer]) -> None:
        self._answers = answers
        self._by_prompt: dict[int, list[Answer]] | None = None
        self._by_author: dict[tuple[str, int], list[Answer]] | None = None
        self._by_group: dict[int, list[Answer]] | None = None

    @property
    def by_prompt(self) -> dict[int, list[Answer]]:
        if self._by_prompt is None:
            self._by_prompt = {}
            for answer in self._answers.values():
                self._by_prompt.setdefault(answer.prompt_index, []).append(answer)
        return self._by_prompt

    @property
    def by_author(self) -> dict[tuple[str, int], list[Answer]]:
        if self._by_author is None:
            self._by_author = {}
            for answer in self._answers.values():
                key = (answer.author, answer.prompt_index)
                self._by_author.setdefault(key, []).append(answer)
        return self._by_author

    @property
    def by_group(self) -> dict[int, list[Answer]]:
        if self._by_group is None:
            self._by_group = {}
            for answer in self._answers.values():
                if answer.group is not None:
                    self._by_group.setdefault(answer.group, []).append(answer)
        return self._by_group


SHOWN: dict[str, Shown] = {
    f.name: f.metadata.get("shown", Shown.NOWHERE) for f in fields(SessionState)
}
_indexes: IdentityCache[AnswerIndex] = IdentityCache()


def index_of(answers: Mapping[int, Answer]) -> AnswerIndex:
    """The index of these answers, built once per answers mapping."""
    return _indexes.get((answers,), None, lambda: AnswerIndex(answers))


@dataclass(frozen=True)
class Rejection:
    """A rule said no. `reason` is a message key that i18n turns into words."""

    reason: str
    params: Mapping[str, int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class PhaseChanged:
    phase: Phase
    prompt_index: int


def unclassified_fields(cls: type) -> list[str]:
    """The fields of a state class that do not say where they are drawn: each would be
    missed by the publisher's change detection, so tests/test_state.py fails on any."""
    return [f.name for f in fields(cls) if "shown" not in f.metadata]

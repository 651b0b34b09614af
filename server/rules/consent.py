"""Deciding by consent: a draft decision, rounds of anonymous responses, rewording, closing.

Pure. A decision is agreed when nobody objects and enough people consent to it; otherwise the
facilitator rewords it and runs another round, and every round is kept. The actions an
agreed decision leads to have their own rules (actions.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .state import (
    CONSENTING,
    Actor,
    Decision,
    Level,
    Phase,
    PhaseChanged,
    Rejection,
    Response,
    Role,
    Round,
    SessionState,
    with_item,
)

MAX_TEXT = 280
MAX_REASON = 280


# Commands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposeDecision:
    from_item: str
    text: str
    origin: str
    replaces: str = ""  # an agreement of the team's register this decision would change


@dataclass(frozen=True)
class GiveConsent:
    decision: int
    level: Level
    reason: str


@dataclass(frozen=True)
class CloseRound:
    decision: int


@dataclass(frozen=True)
class Reword:
    decision: int
    text: str


@dataclass(frozen=True)
class SetConsentShare:
    percent: int


@dataclass(frozen=True)
class EndSession:
    pass


ConsentCommand = ProposeDecision | GiveConsent | CloseRound | Reword | SetConsentShare | EndSession
CONSENT_COMMANDS = (ProposeDecision, GiveConsent, CloseRound, Reword, SetConsentShare, EndSession)


# Events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionProposed:
    decision: Decision


@dataclass(frozen=True)
class RoundOpened:
    round: Round


@dataclass(frozen=True)
class ConsentGiven:
    decision: int
    round: int
    voter: str
    response: Response


@dataclass(frozen=True)
class RoundClosed:
    decision: int
    round: int
    is_agreed: bool


@dataclass(frozen=True)
class ConsentShareSet:
    percent: int


ConsentEvent = DecisionProposed | RoundOpened | ConsentGiven | RoundClosed | ConsentShareSet
CONSENT_EVENTS = (DecisionProposed, RoundOpened, ConsentGiven, RoundClosed, ConsentShareSet)


# Reading the state ------------------------------------------------------------------


def latest_round(state: SessionState, decision: int) -> Round | None:
    found = [r for (d, _), r in state.rounds.items() if d == decision]
    return max(found, key=lambda r: r.number) if found else None


def responses(state: SessionState, decision: int, round_number: int) -> list[Response]:
    return [
        response
        for (d, r, _voter), response in state.consents.items()
        if d == decision and r == round_number
    ]


def counts(state: SessionState, decision: int, round_number: int) -> dict[Level, int]:
    tally = dict.fromkeys(Level, 0)
    for response in responses(state, decision, round_number):
        tally[response.level] += 1
    return tally


def is_agreed(tally: dict[Level, int], share: int) -> bool:
    """Nobody objects, and at least `share` percent of the responses consent: support it
    or can live with it. Reservations neither block nor count as consent."""
    total = sum(tally.values())
    consenting = sum(tally[level] for level in CONSENTING)
    return total > 0 and tally[Level.OBJECT] == 0 and consenting * 100 >= share * total


def decisions_for(state: SessionState, prompt_index: int) -> list[Decision]:
    """The decisions taken on one question, in the order they were proposed."""
    found = [d for d in state.decisions.values() if d.prompt_index == prompt_index]
    return sorted(found, key=lambda d: d.number)


def status(state: SessionState, decision: int) -> str:
    current = latest_round(state, decision)
    if current is None or current.is_open:
        return "open"
    return "agreed" if current.is_agreed else "not_agreed"


# Rules ------------------------------------------------------------------------------


def tidy(text: str, limit: int) -> str:
    """The text on one line, cut at `limit` characters."""
    return " ".join(text.split())[:limit]


def decide_consent(
    state: SessionState, actor: Actor, command: ConsentCommand
) -> list[ConsentEvent | PhaseChanged] | Rejection:
    is_leader = actor.role is Role.FACILITATOR
    if is_leader == isinstance(command, GiveConsent):
        return Rejection("participants_only" if is_leader else "facilitator_only")
    if state.phase is Phase.ENDED:
        return Rejection("session_ended")
    match command:
        case ProposeDecision(from_item=item, text=raw, origin=origin, replaces=replaces):
            if any(d.origin == origin for d in state.decisions.values()):
                return []
            text = tidy(raw, MAX_TEXT)
            if not text:
                return Rejection("decision_empty")
            number = max(state.decisions, default=0) + 1
            decision = Decision(
                number, state.prompt_index, tidy(item, MAX_TEXT), origin, tidy(replaces, 64)
            )
            events: list[ConsentEvent | PhaseChanged] = [
                DecisionProposed(decision),
                RoundOpened(Round(number, 1, text)),
            ]
            if state.phase is not Phase.DECIDING:
                events.append(PhaseChanged(Phase.DECIDING, state.prompt_index))
            return events
        case GiveConsent(decision=number, level=level, reason=raw):
            current = latest_round(state, number)
            if current is None or not current.is_open:
                return Rejection("round_closed")
            response = Response(level, tidy(raw, MAX_REASON))
            if state.consents.get((number, current.number, actor.pseudonym)) == response:
                return []
            return [ConsentGiven(number, current.number, actor.pseudonym, response)]
        case CloseRound(decision=number):
            current = latest_round(state, number)
            if current is None:
                return Rejection("decision_gone")
            if not current.is_open:
                return []
            agreed = is_agreed(counts(state, number, current.number), state.consent_share)
            return [RoundClosed(number, current.number, agreed)]
        case Reword(decision=number, text=raw):
            current = latest_round(state, number)
            text = tidy(raw, MAX_TEXT)
            if current is None:
                return Rejection("decision_gone")
            if not text:
                return Rejection("decision_empty")
            if current.is_open and text == current.text:
                return []
            if current.is_open or current.is_agreed:
                return Rejection("round_not_rewordable")
            return [RoundOpened(Round(number, current.number + 1, text))]
        case SetConsentShare(percent=percent):
            if not 0 <= percent <= 100:
                return Rejection("bad_field")
            return [] if percent == state.consent_share else [ConsentShareSet(percent)]
        case EndSession():
            return [PhaseChanged(Phase.ENDED, state.prompt_index)]
    raise TypeError(f"unknown command {command!r}")


def evolve_consent(state: SessionState, event: ConsentEvent) -> SessionState:
    match event:
        case DecisionProposed(decision=decision):
            decisions = with_item(state.decisions, decision.number, decision)
            return replace(state, decisions=decisions, focus=decision.number)
        case RoundOpened(round=opened):
            rounds = with_item(state.rounds, (opened.decision, opened.number), opened)
            return replace(state, rounds=rounds, focus=opened.decision)
        case ConsentGiven(decision=decision, round=number, voter=voter, response=response):
            consents = with_item(state.consents, (decision, number, voter), response)
            return replace(state, consents=consents)
        case RoundClosed(decision=decision, round=number, is_agreed=agreed):
            closed = replace(state.rounds[(decision, number)], is_open=False, is_agreed=agreed)
            return replace(state, rounds=with_item(state.rounds, (decision, number), closed))
        case ConsentShareSet(percent=percent):
            return replace(state, consent_share=percent)
    raise TypeError(f"unknown event {event!r}")

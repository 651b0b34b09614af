"""A running session's state from what the store hands back, and the state as it is after
closing: the same whether a process starts, reloads, or follows another's close."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from ..rules.asking import ask_from
from ..rules.carried import Verdict, carried_from
from ..rules.room import timer_from
from ..rules.state import Limits, Projection, SessionState
from ..store import LoadedSession


def state_from(loaded: LoadedSession, limits: Limits) -> SessionState:
    record = loaded.record
    settings = record.settings
    answers = {a.number: a for a in loaded.answers}
    receipts = {(r.author, r.msg_id): r.number for r in loaded.receipts}
    return SessionState(
        prompts=record.prompts,
        phase=record.phase,
        prompt_index=record.prompt_index,
        reveal=record.reveal,
        limits=limits,
        answers=MappingProxyType(answers),
        receipts=MappingProxyType(receipts),
        # Numbers are never reused, even after the newest answer was deleted.
        next_number=max(answers, default=0) + 1,
        groups=MappingProxyType({g.number: g for g in loaded.groups}),
        next_group=max((g.number for g in loaded.groups), default=0) + 1,
        is_phone_grouping=record.is_phone_grouping,
        is_locked=bool(settings.get("is_locked", False)),
        votes=MappingProxyType({(v.prompt_index, v.voter, v.item): v.dots for v in loaded.votes}),
        asks=MappingProxyType(
            {int(index): ask_from(f) for index, f in settings.get("asks", {}).items()}
        ),
        choices=MappingProxyType({(c.prompt_index, c.voter): c.values for c in loaded.choices}),
        vote_budget=settings.get("vote_budget", 3),
        is_stacking=bool(settings.get("is_stacking", True)),
        revealed=frozenset(settings.get("revealed", ())),
        floor=settings.get("floor", 3),
        expected=settings.get("expected", 0),
        consent_share=settings.get("consent_share", 50),
        decisions=MappingProxyType({d.number: d for d in loaded.decisions}),
        rounds=MappingProxyType({(r.decision, r.number): r for r in loaded.rounds}),
        consents=MappingProxyType(
            {(c.decision, c.round, c.voter): c.response for c in loaded.consents}
        ),
        actions=MappingProxyType({a.number: a for a in loaded.actions}),
        focus=settings.get("focus", max((d.number for d in loaded.decisions), default=0)),
        projection=Projection(settings.get("projection", Projection.ROOM.value)),
        page=settings.get("page", 0),
        timer=timer_from(settings.get("timer")),
        carried=tuple(a for a in map(carried_from, settings.get("carried", ())) if a),
        verdicts=MappingProxyType(
            {key: Verdict(value) for key, value in settings.get("verdicts", {}).items()}
        ),
    )


def forget_people(state: SessionState) -> SessionState:
    """After closing: the state without pseudonyms, as the store now holds it."""
    answers = {n: replace(a, author="") for n, a in state.answers.items()}
    return replace(
        state,
        answers=MappingProxyType(answers),
        receipts=MappingProxyType({}),
        votes=MappingProxyType({}),
        choices=MappingProxyType({}),
        consents=MappingProxyType({}),
    )

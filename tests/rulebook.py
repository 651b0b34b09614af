"""Applying commands through the pure rules, for the tests of rules, grouping, voting,
consent and the outcome."""

from __future__ import annotations

from server.rules import decide, evolve_all
from server.rules.state import Actor, SessionState


def run(state: SessionState, actor: Actor, *commands: object) -> SessionState:
    """Decides and evolves each command in turn; a rejection fails the calling test."""
    for command in commands:
        decision = decide(state, actor, command)  # type: ignore[arg-type]
        assert isinstance(decision, list), decision
        state = evolve_all(state, decision)
    return state

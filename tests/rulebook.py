"""The people and the one helper that the tests of the pure rules share: the leader, three
participants, and applying commands through the rules."""

from __future__ import annotations

from server.rules import decide, evolve_all
from server.rules.state import Actor, Role, SessionState

LEADER = Actor(Role.FACILITATOR)
ANN = Actor(Role.PARTICIPANT, "ann")
BOB = Actor(Role.PARTICIPANT, "bob")
CAS = Actor(Role.PARTICIPANT, "cas")


def run(state: SessionState, actor: Actor, *commands: object) -> SessionState:
    """Decides and evolves each command in turn; a rejection fails the calling test."""
    for command in commands:
        decision = decide(state, actor, command)  # type: ignore[arg-type]
        assert isinstance(decision, list), decision
        state = evolve_all(state, decision)
    return state

"""An evaluation moment opens with the team's open actions: the facilitator marks each one
done, dropped or carried over, in any phase until the session ends. Pure, like every rule."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .carried import Verdict
from .state import Actor, Phase, Rejection, Role, SessionState, with_item


@dataclass(frozen=True)
class ReviewAction:
    action: str  # the carried action's tracker id
    verdict: Verdict


@dataclass(frozen=True)
class ActionReviewed:
    action: str
    verdict: Verdict
    status: str  # what the team's tracker says of the action from now on


REVIEWING_COMMANDS = (ReviewAction,)
REVIEWING_EVENTS = (ActionReviewed,)


def decide_reviewing(
    state: SessionState, actor: Actor, command: ReviewAction
) -> list[ActionReviewed] | Rejection:
    if actor.role is not Role.FACILITATOR:
        return Rejection("facilitator_only")
    if state.phase is Phase.ENDED:
        return Rejection("session_ended")
    carried = next((a for a in state.carried if a.id == command.action), None)
    if carried is None:
        return Rejection("action_gone")
    if state.verdicts.get(carried.id) is command.verdict:
        return []
    return [ActionReviewed(carried.id, command.verdict, carried.status_after(command.verdict))]


def evolve_reviewing(state: SessionState, event: ActionReviewed) -> SessionState:
    return replace(state, verdicts=with_item(state.verdicts, event.action, event.verdict))


def unreviewed(state: SessionState) -> int:
    """How many carried actions the team has not looked at yet."""
    return sum(1 for a in state.carried if a.id not in state.verdicts)

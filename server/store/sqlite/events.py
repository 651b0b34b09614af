"""Each event of the rules as the SQL that stores it."""

from __future__ import annotations

import json

import aiosqlite

from ...rules import (
    AnswerAdded,
    AnswerDeleted,
    AnswerEdited,
    Event,
    PromptAdded,
    RevealChanged,
    RoomLocked,
)
from ...rules.actions import ACTION_EVENTS, ActionAdded, ActionEdited, ActionRemoved
from ...rules.asking import Picked, ask_fields
from ...rules.consent import (
    CONSENT_EVENTS,
    ConsentGiven,
    ConsentShareSet,
    DecisionProposed,
    RoundClosed,
    RoundOpened,
)
from ...rules.grouping import (
    AnswerMoved,
    GroupCreated,
    GroupDeleted,
    GroupRenamed,
    PhoneGroupingChanged,
)
from ...rules.questions import OPEN
from ...rules.reviewing import ActionReviewed
from ...rules.room import ROOM_EVENTS, FocusChanged, ProjectionChanged, TimerSet, timer_fields
from ...rules.state import PhaseChanged
from ...rules.voting import (
    VOTING_EVENTS,
    ExpectedSet,
    FloorSet,
    VotesRevealed,
    VotesSet,
    VotingConfigured,
)


async def apply(db: aiosqlite.Connection, session_id: str, event: Event) -> None:
    """Writes one event; the caller holds the transaction."""
    match event:
        case PhaseChanged(phase=phase, prompt_index=index):
            await db.execute(
                "UPDATE sessions SET phase = ?, prompt_index = ? WHERE id = ?",
                (phase.value, index, session_id),
            )
        case RevealChanged(reveal=reveal):
            await db.execute(
                "UPDATE sessions SET reveal = ? WHERE id = ?", (reveal.value, session_id)
            )
        case PromptAdded(text=text, ask=ask):
            if ask != OPEN:
                await db.execute(
                    "UPDATE sessions SET settings = json_set(settings,"
                    " '$.asks.' || json_array_length(prompts), json(?)) WHERE id = ?",
                    (json.dumps(ask_fields(ask)), session_id),
                )
            await db.execute(
                "UPDATE sessions SET prompts = json_insert(prompts, '$[#]', ?) WHERE id = ?",
                (text, session_id),
            )
        case Picked(prompt_index=prompt, voter=voter, values=values):
            await db.execute(
                "INSERT INTO choices (session_id, prompt_index, voter, picked)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET picked = excluded.picked",
                (session_id, prompt, voter, json.dumps(values)),
            )
        case AnswerAdded(answer=a, msg_id=msg_id):
            await db.execute(
                "INSERT INTO answers (session_id, number, prompt_index, author, text)"
                " VALUES (?, ?, ?, ?, ?)",
                (session_id, a.number, a.prompt_index, a.author, a.text),
            )
            await db.execute(
                "INSERT INTO receipts (session_id, author, msg_id, number) VALUES (?, ?, ?, ?)",
                (session_id, a.author, msg_id, a.number),
            )
        case AnswerEdited(number=number, text=text):
            await db.execute(
                "UPDATE answers SET text = ? WHERE session_id = ? AND number = ?",
                (text, session_id, number),
            )
        case AnswerDeleted(number=number):
            await db.execute(
                "DELETE FROM answers WHERE session_id = ? AND number = ?",
                (session_id, number),
            )
        case GroupCreated(group=group):
            await db.execute(
                "INSERT INTO groups (session_id, number, prompt_index, label) VALUES (?, ?, ?, ?)",
                (session_id, group.number, group.prompt_index, group.label),
            )
        case AnswerMoved(number=number, group=group_number):
            await db.execute(
                "UPDATE answers SET group_number = ? WHERE session_id = ? AND number = ?",
                (group_number, session_id, number),
            )
        case GroupRenamed(number=number, label=label):
            await db.execute(
                "UPDATE groups SET label = ? WHERE session_id = ? AND number = ?",
                (label, session_id, number),
            )
        case GroupDeleted(number=number):
            await db.execute(
                "DELETE FROM groups WHERE session_id = ? AND number = ?",
                (session_id, number),
            )
        case RoomLocked(is_locked=is_locked):
            await _set(db, session_id, is_locked=is_locked)
        case PhoneGroupingChanged(is_allowed=allowed):
            await db.execute(
                "UPDATE sessions SET is_phone_grouping = ? WHERE id = ?",
                (int(allowed), session_id),
            )
        case _ if isinstance(event, (*VOTING_EVENTS, *CONSENT_EVENTS, *ACTION_EVENTS)):
            await _apply_deciding(db, session_id, event)
        case _ if isinstance(event, ROOM_EVENTS):
            await _apply_room(db, session_id, event)
        case ActionReviewed(action=action, verdict=verdict, status=status):
            # The tracker changes in the same transaction: the team's actions page, its
            # calendar feed and the next evaluation moment read what the room said.
            await db.execute(
                "UPDATE sessions SET settings = json_set(settings, '$.verdicts',"
                " json_set(coalesce(json_extract(settings, '$.verdicts'), json('{}')),"
                """ '$."' || ? || '"', ?)) WHERE id = ?""",
                (action, verdict.value, session_id),
            )
            await db.execute(
                "UPDATE tracked_actions SET status = ? WHERE id = ?"
                " AND team_id = (SELECT team_id FROM sessions WHERE id = ?)",
                (status, action, session_id),
            )
        case _:
            raise TypeError(f"cannot store {event!r}")


async def _apply_deciding(db: aiosqlite.Connection, session_id: str, event: Event) -> None:
    match event:
        case VotingConfigured(budget=budget, is_stacking=stacking):
            await _set(db, session_id, vote_budget=budget, is_stacking=stacking)
        case VotesSet(prompt_index=prompt, voter=voter, item=item, dots=dots):
            await db.execute(
                "INSERT INTO votes (session_id, prompt_index, voter, item, dots)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET dots = excluded.dots",
                (session_id, prompt, voter, item, dots),
            )
        case VotesRevealed(prompt_index=prompt):
            await db.execute(
                "UPDATE sessions SET settings = json_set(settings, '$.revealed',"
                " json_insert(coalesce(json_extract(settings, '$.revealed'), '[]'), '$[#]', ?))"
                " WHERE id = ?",
                (prompt, session_id),
            )
        case FloorSet(floor=floor):
            await _set(db, session_id, floor=floor)
        case ExpectedSet(expected=expected):
            await _set(db, session_id, expected=expected)
        case ConsentShareSet(percent=percent):
            await _set(db, session_id, consent_share=percent)
        case DecisionProposed(decision=d):
            await db.execute(
                "INSERT INTO decisions"
                " (session_id, number, prompt_index, from_item, origin, replaces)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, d.number, d.prompt_index, d.from_item, d.origin, d.replaces),
            )
        case RoundOpened(round=r):
            await db.execute(
                "INSERT INTO rounds (session_id, decision, number, text, is_open, is_agreed)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, r.decision, r.number, r.text, int(r.is_open), int(r.is_agreed)),
            )
        case ConsentGiven(decision=decision, round=number, voter=voter, response=response):
            await db.execute(
                "INSERT INTO consents (session_id, decision, round, voter, level, reason)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE"
                " SET level = excluded.level, reason = excluded.reason",
                (session_id, decision, number, voter, response.level.value, response.reason),
            )
        case RoundClosed(decision=decision, round=number, is_agreed=agreed):
            await db.execute(
                "UPDATE rounds SET is_open = 0, is_agreed = ?"
                " WHERE session_id = ? AND decision = ? AND number = ?",
                (int(agreed), session_id, decision, number),
            )
        case ActionAdded(action=a):
            await db.execute(
                "INSERT INTO actions (session_id, number, decision, what, who, due, origin)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, a.number, a.decision, a.what, a.who, a.due, a.origin),
            )
        case ActionEdited(action=a):
            await db.execute(
                "UPDATE actions SET what = ?, who = ?, due = ? WHERE session_id = ? AND number = ?",
                (a.what, a.who, a.due, session_id, a.number),
            )
        case ActionRemoved(number=number):
            await db.execute(
                "DELETE FROM actions WHERE session_id = ? AND number = ?", (session_id, number)
            )
        case _:
            raise TypeError(f"cannot store {event!r}")


async def _apply_room(db: aiosqlite.Connection, session_id: str, event: Event) -> None:
    match event:
        case FocusChanged(decision=number):
            await _set(db, session_id, focus=number)
        case ProjectionChanged(projection=projection, page=page):
            await _set(db, session_id, projection=projection.value, page=page)
        case TimerSet(timer=timer):
            value = None if timer is None else json.dumps(timer_fields(timer))
            await db.execute(
                "UPDATE sessions SET settings = json_set(settings, '$.timer', json(?))"
                " WHERE id = ?",
                (value if value is not None else "null", session_id),
            )
        case _:
            raise TypeError(f"cannot store {event!r}")


async def _set(db: aiosqlite.Connection, session_id: str, **values: int | bool | str) -> None:
    for name, value in values.items():
        await db.execute(
            f"UPDATE sessions SET settings = json_set(settings, '$.{name}', ?) WHERE id = ?",
            (value, session_id),
        )

"""The pure rules of a session and the state they read (no I/O): `decide` gives events or a
rejection for a command, `evolve` the next state for an event."""

from __future__ import annotations

from .answering import (
    MAX_PROMPTS,
    AddPrompt,
    AnswerAdded,
    AnswerDeleted,
    AnswerEdited,
    CloseAnswering,
    DeleteAnswer,
    EditAnswer,
    HideAnswer,
    LockRoom,
    OpenPrompt,
    PromptAdded,
    RevealChanged,
    RoomLocked,
    SetReveal,
    StartGrouping,
    SubmitAnswer,
    clean_text,
)
from .decide import Command, Decision, Event, decide, evolve, evolve_all

__all__ = [
    "MAX_PROMPTS",
    "AddPrompt",
    "AnswerAdded",
    "AnswerDeleted",
    "AnswerEdited",
    "CloseAnswering",
    "Command",
    "Decision",
    "DeleteAnswer",
    "EditAnswer",
    "Event",
    "HideAnswer",
    "LockRoom",
    "OpenPrompt",
    "PromptAdded",
    "RevealChanged",
    "RoomLocked",
    "SetReveal",
    "StartGrouping",
    "SubmitAnswer",
    "clean_text",
    "decide",
    "evolve",
    "evolve_all",
]

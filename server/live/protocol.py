"""The websocket wire format from client to server: JSON in, a command or a clear error out.

Browsers send the fields of an htmx form (all strings) plus a `headers` object; other
clients send the same JSON by hand. See docs/protocol.md.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from ..rules import (
    AddPrompt,
    CloseAnswering,
    Command,
    DeleteAnswer,
    EditAnswer,
    HideAnswer,
    LockRoom,
    OpenPrompt,
    SetReveal,
    StartGrouping,
    SubmitAnswer,
    clean_text,
)
from ..rules.actions import AddAction, EditAction, RemoveAction
from ..rules.asking import Pick
from ..rules.carried import Verdict
from ..rules.consent import (
    CloseRound,
    EndSession,
    GiveConsent,
    ProposeDecision,
    Reword,
    SetConsentShare,
)
from ..rules.grouping import (
    CreateGroup,
    DismissSuggestion,
    IntoGroup,
    MergeGroups,
    MoveAnswer,
    NewGroup,
    NoGroup,
    OntoAnswer,
    RenameGroup,
    SetPhoneGrouping,
    SuggestGroups,
    SuggestionCommand,
    Target,
)
from ..rules.questions import Ask, Kind
from ..rules.reviewing import ReviewAction
from ..rules.room import ExtendTimer, FocusDecision, Project, StartTimer, StopTimer, TurnPage
from ..rules.state import Level, Projection, Reveal
from ..rules.voting import RevealVotes, SetExpected, SetFloor, StartVoting, Vote

_MSG_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_LARGEST_NUMBER = 10**9
_ACTION_ID = re.compile(r"[0-9a-f]{16}")  # a tracked action's id


@dataclass(frozen=True)
class ProtocolError(Exception):
    reason: str
    msg_id: str = ""


@dataclass(frozen=True)
class Message:
    msg_id: str
    command: Command | SuggestionCommand


def parse_message(raw: str | bytes, max_bytes: int) -> Message:
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > max_bytes:
        raise ProtocolError("message_too_large")
    try:
        # Strict UTF-8 only: json.loads would guess UTF-16 or UTF-32 from bytes.
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ProtocolError("malformed") from None
    if not isinstance(data, dict):
        raise ProtocolError("malformed")
    data.pop("headers", None)
    data.pop("HEADERS", None)
    msg_id = data.get("msg_id")
    if not isinstance(msg_id, str) or not _MSG_ID.fullmatch(msg_id):
        raise ProtocolError("missing_msg_id")
    try:
        return Message(msg_id, _command(data))
    except ProtocolError as error:
        raise ProtocolError(error.reason, msg_id) from None


def _command(data: dict[str, Any]) -> Command | SuggestionCommand:
    match data.get("action"):
        case "answer":
            return SubmitAnswer(_text(data), data["msg_id"])
        case "edit":
            return EditAnswer(_int(data, "answer"), _text(data))
        case "delete":
            return DeleteAnswer(_int(data, "answer"))
        case "hide_answer":
            return HideAnswer(_int(data, "answer"))
        case "lock_room":
            return LockRoom(_flag(data.get("locked")))
        case "open_prompt":
            return OpenPrompt(_int(data, "prompt"))
        case "add_prompt":
            return AddPrompt(_text(data), _ask(data))
        case "pick":
            return Pick(_picks(data.get("value")))
        case "close_answering":
            return CloseAnswering()
        case "start_grouping":
            return StartGrouping()
        case "move":
            return MoveAnswer(_int(data, "answer"), _target(data.get("to")))
        case "rename_group":
            return RenameGroup(_int(data, "group"), _text(data, "label"))
        case "merge_groups":
            return MergeGroups(_int(data, "group"), _int(data, "into"))
        case "create_group":
            return CreateGroup(_numbers(data.get("answers")), _text(data, "label"))
        case "phone_grouping":
            return SetPhoneGrouping(_flag(data.get("allowed")))
        case "start_voting":
            return StartVoting(_int(data, "budget"), _flag(data.get("stacking")))
        case "vote":
            return Vote(_item(data.get("item")), _int(data, "dots"))
        case "reveal_votes":
            return RevealVotes()
        case "set_floor":
            return SetFloor(_int(data, "floor"))
        case "set_expected":
            return SetExpected(_int(data, "expected"))
        case "propose_decision":
            return ProposeDecision(
                _optional_text(data, "from")[:280],
                _text(data),
                data["msg_id"],
                _optional_text(data, "replaces")[:64],
            )
        case "consent":
            return GiveConsent(
                _int(data, "decision"), _level(data.get("level")), _optional_text(data, "reason")
            )
        case "close_round":
            return CloseRound(_int(data, "decision"))
        case "reword":
            return Reword(_int(data, "decision"), _text(data))
        case "set_consent_share":
            return SetConsentShare(_int(data, "percent"))
        case "add_action":
            return AddAction(
                _int(data, "decision"),
                _text(data, "what"),
                _optional_text(data, "who"),
                _optional_text(data, "due"),
                data["msg_id"],
            )
        case "edit_action":
            return EditAction(
                _int(data, "number"),
                _text(data, "what"),
                _optional_text(data, "who"),
                _optional_text(data, "due"),
            )
        case "remove_action":
            return RemoveAction(_int(data, "number"))
        case "end_session":
            return EndSession()
        case "suggest":
            return SuggestGroups()
        case "dismiss_suggestion":
            return DismissSuggestion(_int(data, "suggestion"))
        case "focus_decision":
            return FocusDecision(_int(data, "decision"))
        case "project":
            try:
                return Project(Projection(str(data.get("projection"))))
            except ValueError:
                raise ProtocolError("bad_field") from None
        case "turn_page":
            return TurnPage(_int(data, "page"))
        case "review_action":
            action = data.get("id")
            if not isinstance(action, str) or not _ACTION_ID.fullmatch(action):
                raise ProtocolError("bad_field")
            try:
                return ReviewAction(action, Verdict(str(data.get("verdict"))))
            except ValueError:
                raise ProtocolError("bad_field") from None
        case "start_timer":
            return StartTimer(_seconds(data), _flag(data.get("closes")), time.time())
        case "extend_timer":
            return ExtendTimer(_seconds(data))
        case "stop_timer":
            return StopTimer()
        case "set_reveal":
            try:
                return SetReveal(Reveal(str(data.get("reveal"))))
            except ValueError:
                raise ProtocolError("bad_field") from None
    raise ProtocolError("unknown_action")


def _text(data: dict[str, Any], name: str = "text") -> str:
    """Every text a person types, cleaned here and only here: no control characters (NUL,
    escape sequences, C1) reach the state, the store or an export."""
    text = data.get(name)
    if not isinstance(text, str):
        raise ProtocolError("bad_field")
    try:
        text.encode("utf-8")  # JSON can spell lone surrogates, which UTF-8 cannot store
    except UnicodeEncodeError:
        raise ProtocolError("bad_field") from None
    return clean_text(text)


def _optional_text(data: dict[str, Any], name: str) -> str:
    return _text(data, name) if data.get(name) is not None else ""


def _item(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"[ga]\d{1,9}", value):
        return value
    raise ProtocolError("bad_field")


def _level(value: Any) -> Level:
    try:
        return Level(str(value))
    except ValueError:
        raise ProtocolError("bad_field") from None


def _target(value: Any) -> Target:
    """Where a card goes: "answer:12", "group:3", "new" or "none"."""
    if value == "new":
        return NewGroup()
    if value == "none":
        return NoGroup()
    kind, _, number = str(value).partition(":")
    if kind == "answer":
        return OntoAnswer(_number(number))
    if kind == "group":
        return IntoGroup(_number(number))
    raise ProtocolError("bad_field")


def _numbers(value: Any) -> tuple[int, ...]:
    """A list of answer numbers, as a JSON list or a form's "3,5,8"."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    numbers = tuple(_number(item) for item in items if str(item).strip())
    if not numbers or len(numbers) > 1000:
        raise ProtocolError("bad_field")
    return numbers


def _ask(data: dict[str, Any]) -> Ask:
    """A question's kind from the console's form: options one per line, the scale's ends."""
    try:
        kind = Kind(str(data.get("kind") or Kind.OPEN.value))
    except ValueError:
        raise ProtocolError("bad_field") from None
    raw = data.get("options") or ""
    lines = raw if isinstance(raw, list) else str(raw).splitlines()
    options = tuple(_text({"o": str(line)}, "o") for line in lines)
    low, high = _optional_text(data, "low"), _optional_text(data, "high")
    return Ask(kind, options, low, high, _flag(data.get("multiple")))


def _picks(value: Any) -> tuple[int, ...]:
    """The picked values' indexes: one form field, or several of the same name."""
    items = value if isinstance(value, list) else [value]
    if not items or len(items) > 100:
        raise ProtocolError("bad_field")
    return tuple(_number(item) for item in items)


def _seconds(data: dict[str, Any]) -> int:
    """A duration, as "seconds" or as a form's "minutes"."""
    if data.get("seconds") is not None:
        return _int(data, "seconds")
    return _int(data, "minutes") * 60


def _flag(value: Any) -> bool:
    if value in (True, "1", "true", "on"):
        return True
    if value in (False, "0", "false", "off", None):
        return False
    raise ProtocolError("bad_field")


def _int(data: dict[str, Any], name: str) -> int:
    return _number(data.get(name))


def _number(value: Any) -> int:
    if isinstance(value, bool):
        raise ProtocolError("bad_field")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        value = int(value)
    if isinstance(value, int) and 0 <= value < _LARGEST_NUMBER:
        return value
    raise ProtocolError("bad_field")

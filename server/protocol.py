"""The websocket wire format from client to server: JSON in, a command or a clear error out.

Browsers send the fields of an htmx form (all strings) plus a `headers` object; other
clients send the same JSON by hand. See docs/protocol.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .rules import (
    AddPrompt,
    CloseAnswering,
    Command,
    DeleteAnswer,
    EditAnswer,
    OpenPrompt,
    SetReveal,
    SubmitAnswer,
)
from .state import Reveal

_MSG_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_LARGEST_NUMBER = 10**9


@dataclass(frozen=True)
class ProtocolError(Exception):
    reason: str
    msg_id: str = ""


@dataclass(frozen=True)
class Message:
    msg_id: str
    command: Command


def parse_message(raw: str | bytes, max_bytes: int) -> Message:
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > max_bytes:
        raise ProtocolError("message_too_large")
    try:
        # Strict UTF-8 only: json.loads would guess UTF-16 or UTF-32 from bytes.
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
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


def _command(data: dict[str, Any]) -> Command:
    match data.get("action"):
        case "answer":
            return SubmitAnswer(_text(data), data["msg_id"])
        case "edit":
            return EditAnswer(_int(data, "answer"), _text(data))
        case "delete":
            return DeleteAnswer(_int(data, "answer"))
        case "open_prompt":
            return OpenPrompt(_int(data, "prompt"))
        case "add_prompt":
            return AddPrompt(_text(data))
        case "close_answering":
            return CloseAnswering()
        case "set_reveal":
            try:
                return SetReveal(Reveal(str(data.get("reveal"))))
            except ValueError:
                raise ProtocolError("bad_field") from None
    raise ProtocolError("unknown_action")


def _text(data: dict[str, Any]) -> str:
    text = data.get("text")
    if not isinstance(text, str):
        raise ProtocolError("bad_field")
    try:
        text.encode("utf-8")  # JSON can spell lone surrogates, which UTF-8 cannot store
    except UnicodeEncodeError:
        raise ProtocolError("bad_field") from None
    return text


def _int(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool):
        raise ProtocolError("bad_field")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        value = int(value)
    if isinstance(value, int) and 0 <= value < _LARGEST_NUMBER:
        return value
    raise ProtocolError("bad_field")

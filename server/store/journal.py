"""A session's journal: every saved batch of events as JSON, numbered by the session's
sequence number, so that every process serving the session applies the same changes in
the same order (docs/architecture.md, "Several processes").

Events are frozen dataclasses of plain values, enums, tuples and other such dataclasses;
they are written by field name and read back by their type hints, never by pickle, so a
journal row can only ever become one of the known events.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from ..rules import Event


@dataclass(frozen=True)
class JournalEntry:
    """One numbered change: a batch of events, or a participant who joined."""

    seq: int
    events: tuple[Event, ...] = ()
    joined: str | None = None


# Decides a batch after the entries other processes saved first: its events and outcome.
Decide = Callable[[list[JournalEntry]], tuple[list[Event], Mapping[str, Any] | None]]


class Turn(Protocol):
    """A batch waiting in a group commit, as the journal sees it."""

    session_id: str
    after: int | None
    events: list[Event]
    outcome: Mapping[str, Any] | None
    decide: Decide | None


class JournalError(ValueError):
    """A journal row that is not one of the known events."""


def _event_types() -> dict[str, type[Any]]:
    found: dict[str, type[Any]] = {}
    for kind in _flatten(Event):
        found[kind.__name__] = kind
    return found


def _flatten(kind: Any) -> list[Any]:
    args = typing.get_args(kind)
    if not args:
        return [kind]
    return [leaf for arg in args for leaf in _flatten(arg)]


EVENT_TYPES = _event_types()


def encode(events: tuple[Event, ...] | list[Event] = (), joined: str | None = None) -> str:
    body: dict[str, Any] = {"events": [[type(e).__name__, _plain(e)] for e in events]}
    if joined is not None:
        body["joined"] = joined
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def decode(seq: int, text: str) -> JournalEntry:
    try:
        body = json.loads(text)
        events = tuple(_event(name, fields) for name, fields in body["events"])
        joined = body.get("joined")
    except (ValueError, TypeError, KeyError) as error:
        raise JournalError(f"journal entry {seq} cannot be read: {error}") from error
    if joined is not None and not isinstance(joined, str):
        raise JournalError(f"journal entry {seq}: joined is not a pseudonym")
    return JournalEntry(seq, events, joined)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list | frozenset):
        return [_plain(item) for item in value]
    return value


def _event(name: str, fields: Any) -> Event:
    kind = EVENT_TYPES.get(name)
    if kind is None:
        raise JournalError(f"unknown event {name!r}")
    event: Event = _read(kind, fields)
    return event


@cache
def _hints(kind: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def _read(kind: Any, value: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        (real,) = [option for option in options if option is not type(None)]
        return _read(real, value)
    if origin is tuple:
        item, *_ = typing.get_args(kind)
        return tuple(_read(item, v) for v in _expect(value, list))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        fields = _expect(value, dict)
        hints = _hints(kind)
        return kind(**{name: _read(hints[name], fields[name]) for name in hints})
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    if kind is float:
        return float(_expect(value, int | float))
    if kind in (int, str, bool):
        return _expect(value, kind)
    raise JournalError(f"cannot read a {kind!r}")


def _expect(value: Any, kind: Any) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise JournalError(f"expected {kind}, got {type(value).__name__}")
    return value

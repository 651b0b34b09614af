"""Fuzzing the websocket: ten thousand random and mutated messages against a real server.

Session A is fuzzed from a phone and from the facilitator's console, which may move A
through its phases; A is ended once, at the very end (that cannot be undone, and the rest
of the run would only test refusals), and closing must succeed whatever was sent. The
phone and the console draw their message ids from the same sequence, so ids collide
across connections, as docs/protocol.md allows. A bystander phone and console on A, and
a console and phone on a second session B, only watch. After every batch each message has
had exactly one receipt (or its connection was closed with a documented code) and A's
invariants hold in the SQLite file; at the end the server is up, the bystanders still
work, B is exactly as it was, and the log has no traceback and no failed batch.

What the fuzzing found is pinned by the tests at the end of this file, each a plain
reproduction of one bug.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
import re
import sqlite3
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from conftest import ServerProcess
from wire import OPEN_CLIENTS, Facilitator, LiveClient, join, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")

EXAMPLES = 100
PER_EXAMPLE = 100  # EXAMPLES x PER_EXAMPLE messages in all, sent without waiting
MAX_MESSAGE_BYTES = 8192
FRAME_LIMIT = 1024 * 1024  # DRAAGVLAK_MAX_FRAME_BYTES: beyond it the server closes with 1009
SERVER_ENV = {"max_message_bytes": str(MAX_MESSAGE_BYTES), "answers_per_minute": "600"}
BUDGET = 3  # the default vote budget
MAX_NESTING = 3000  # 6 KB of brackets: a thousand levels once killed the connection

RECEIPT = re.compile(r'<template id="receipt" data-ack="([^"]*)" data-status="([a-z]+)"')
MSG_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
PHASES = {"lobby", "answering", "closed", "grouping", "voting", "deciding", "ended"}


# What is sent -------------------------------------------------------------------------

FRESH = "<a new valid msg_id>"
MISSING = "<no msg_id>"
RESEND = "<an earlier answer, resent as it was>"
# Numbers and items the server has shown to A's screens, filled in when a message is sent,
# so that messages also reach real answers, groups, items and decisions.
SEEN = re.compile(r"<seen:(answer|group|item|decision)>")
LEARN = {
    "answer": re.compile(r'(?:name="answer" value="|id="card-|id="answer-)(\d+)"'),
    "group": re.compile(r'id="group-(\d+)"'),
    "item": re.compile(r'id="(?:label|propose)-([ga]\d+)"'),
    "decision": re.compile(r'(?:name="decision" value="|id="reword-|id="what-)(\d+)"'),
}


@dataclass(frozen=True)
class Recipe:
    """One message to send: a payload (a dict gets its msg_id when sent) and how to put
    it on the wire."""

    connection: str  # "phone" or "console"
    payload: Any
    msg_id: Any = FRESH
    wire: str = "text"  # text, binary, utf16, duplicate_key, truncated, raw, resend

    def __repr__(self) -> str:
        """Short enough for hypothesis to print a whole failing batch."""
        payload = repr(self.payload)
        if len(payload) > 160:
            payload = f"{payload[:100]}…({len(payload)} characters)…{payload[-40:]}"
        return f"Recipe({self.connection!r}, {payload}, {self.msg_id!r}, {self.wire!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # hypothesis would print every field of a dataclass in full


def json_text(payload: Any) -> str:
    """Raw UTF-8 where possible (sizes are counted in UTF-8); escapes for lone surrogates."""
    text = json.dumps(payload, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(payload)
    return text


def learn_from(text: str, seen: dict[str, list[str]]) -> None:
    for kind, pattern in LEARN.items():
        found = set(pattern.findall(text))
        if found:
            seen[kind] = sorted(found)


def filled(value: Any, seen: dict[str, list[str]], n: int) -> Any:
    """A `<seen:kind>` placeholder replaced by the n-th (modulo) of those seen last; a
    number alone is sent as a number or, every other time, as a string."""
    if not isinstance(value, str) or "<seen:" not in value:
        return value

    def pick(match: re.Match[str]) -> str:
        known = seen.get(match[1]) or ["1"]
        return known[n % len(known)]

    text = SEEN.sub(pick, value)
    return int(text) if SEEN.fullmatch(value) and text.isdigit() and n % 2 else text


def frame_of(
    recipe: Recipe, fresh_id: str, seen: dict[str, list[str]] | None = None, n: int = 0
) -> str | bytes:
    if recipe.wire == "raw":
        return recipe.payload  # type: ignore[no-any-return]
    payload = recipe.payload
    if isinstance(payload, dict):
        payload = {
            key: filled(value, seen or {}, n + i) for i, (key, value) in enumerate(payload.items())
        }
        if recipe.msg_id == FRESH:
            payload["msg_id"] = fresh_id
        elif recipe.msg_id != MISSING:
            payload["msg_id"] = recipe.msg_id
    text = json_text(payload)
    match recipe.wire:
        case "binary":
            return text.encode("utf-8")
        case "utf16":
            return text.encode("utf-16")
        case "duplicate_key" if text.endswith("}"):
            return text[:-1] + ', "action": "answer"}'
        case "truncated":
            return text[: len(text) // 2]
    return text


def expected_ack(frame: str | bytes) -> str:
    """The msg_id the receipt must carry, by the rules of docs/protocol.md: empty when the
    message is too large, unreadable, not an object, or has no valid msg_id."""
    size = len(frame if isinstance(frame, bytes) else frame.encode("utf-8"))
    if size > MAX_MESSAGE_BYTES:
        return ""
    try:
        data = json.loads(frame.decode("utf-8") if isinstance(frame, bytes) else frame)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return ""  # deep nesting is unreadable to the server too (protocol.parse_message)
    if not isinstance(data, dict):
        return ""
    data.pop("headers", None)
    data.pop("HEADERS", None)
    msg_id = data.get("msg_id")
    return msg_id if isinstance(msg_id, str) and MSG_ID.fullmatch(msg_id) else ""


def budget_in(frame: str | bytes) -> tuple[str, int] | None:
    """The msg_id and budget of a `start_voting` message the server will read as one."""
    msg_id = expected_ack(frame)
    if not msg_id:
        return None
    data = json.loads(frame.decode("utf-8") if isinstance(frame, bytes) else frame)
    budget = as_number(data.get("budget"))
    if data.get("action") != "start_voting" or budget is None:
        return None
    return msg_id, budget


def as_number(value: Any) -> int | None:
    """A number field as the documented protocol reads it (numbers may be strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        value = int(value)
    return value if isinstance(value, int) and 0 <= value < 10**9 else None


# Strategies ---------------------------------------------------------------------------


@st.composite
def mostly(draw: st.DrawFn, valid: st.SearchStrategy[Any], wrong: st.SearchStrategy[Any]) -> Any:
    """A valid value four times in five (at least: hypothesis favours 0), else a wrong one."""
    return draw(valid) if draw(st.integers(0, 4)) < 4 else draw(wrong)


WORDS = ["respect", "veiligheid en rust", "samen", "Ünïcödé", "😀 samen", "x" * 280]
TRICKY = [
    "<b>vet</b>",
    "&amp; &lt;",
    "'\"`",
    "a\x00b",
    "\u200b",
    "\t\n\r",
    "y" * 281,
    " " + "z" * 280 + " ",
    "\u202eomgekeerd",
    "DROP TABLE answers;--",
    "{{ 7*7 }}",
    "",
    " ",
    "\n\n",
]
SURROGATES = ["\ud800", "a\udfffb", "\udbff\udc00"]  # lone halves, and a pair as escapes


def texts() -> st.SearchStrategy[Any]:
    wrong = [
        st.sampled_from(TRICKY),
        st.builds(
            lambda c, n: c * n, st.sampled_from(["a", "é", "😀", " ", "\x07"]), st.integers(0, 320)
        ),
        st.sampled_from(JUNK),
        st.sampled_from(SURROGATES),
    ]
    return mostly(
        st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=12)), st.one_of(*wrong)
    )


JUNK = [None, True, False, [], {}, [1, 2], {"n": 1}, 1.5, -0.0, "", "null"]


def numbers(
    known: list[int], valid: st.SearchStrategy[int] | None = None, seen: str = ""
) -> st.SearchStrategy[Any]:
    """Numbers as the documented protocol reads them (also as strings): seen on A's screens,
    or small; else wrong or extreme ones, and session B's."""
    valid = st.integers(0, 40) if valid is None else valid
    some = st.one_of(valid, valid.map(str))
    return mostly(
        st.one_of(st.just(f"<seen:{seen}>"), some) if seen else some,
        st.one_of(
            st.integers(0, 2000),
            st.sampled_from(known),
            st.sampled_from([-1, -(2**63), 10**9 - 1, 10**9, 2**63, 2**64, 10**30]),
            st.floats(),  # NaN and infinities are sent as JSON's NaN and Infinity
            st.sampled_from(
                [" 1", "1 ", "01", "+1", "-1", "1e3", "0x1", "٣", "１", "1_0", "999999999"]
            ),
            st.sampled_from(JUNK),
        ),
    )


def items(known: list[str]) -> st.SearchStrategy[Any]:
    junk = ["", "g", "a", "x1", "g-1", "G1", "g1 ", "g01", "a9999999999", "g٣", "a1\n", "ga1"]
    return mostly(
        st.one_of(
            st.just("<seen:item>"),
            st.builds(lambda kind, n: f"{kind}{n}", st.sampled_from("ag"), st.integers(1, 40)),
        ),
        st.one_of(st.sampled_from(known), st.sampled_from(junk), st.sampled_from(JUNK)),
    )


def targets(known: list[int]) -> st.SearchStrategy[Any]:
    junk = ["answer:", "group:", "answer:-1", "group:1:2", "answer: 1", "NEW", "group:٣", "x:1"]
    return mostly(
        st.one_of(
            st.sampled_from(["answer:<seen:answer>", "group:<seen:group>", "new", "none"]),
            st.builds(lambda n: f"answer:{n}", st.integers(1, 40)),
            st.builds(lambda n: f"group:{n}", st.integers(1, 20)),
        ),
        st.one_of(
            st.sampled_from([f"group:{n}" for n in known] + [f"answer:{n}" for n in known]),
            st.sampled_from(junk),
            st.sampled_from(JUNK),
        ),
    )


def choices(valid: list[Any], wrong: list[Any]) -> st.SearchStrategy[Any]:
    return mostly(st.sampled_from(valid), st.sampled_from(wrong))


FLAGS = choices(["1", "0", 1, 0, True, False, "on", "off", "true", None], ["yes", "", 2, [], "1 "])
LEVELS = choices(
    ["full_support", "support", "live_with", "reservations", "object"], ["OBJECT", "", 3, None]
)
DATES = choices(
    ["", "2026-12-01"], ["2026-02-30", "2026-1-1", "tomorrow", "２０２６-01-01", 20261201]
)
REVEALS = choices(["live", "on_close"], ["LIVE", "", None, 1])


def answer_lists(known: list[int]) -> st.SearchStrategy[Any]:
    return mostly(
        st.one_of(
            st.lists(st.sampled_from(["<seen:answer>", "3", "5"]), min_size=1, max_size=4).map(
                ",".join
            ),
            st.lists(st.integers(1, 40), min_size=1, max_size=6),
        ),
        st.one_of(
            st.lists(numbers(known), max_size=6),
            st.sampled_from(["", ",", "1,,2", "a,b", "1;2", " 1 , 2 ", [[1]]]),
            st.just(list(range(1, 1002))),
            st.sampled_from(JUNK),
        ),
    )


def schema(b: SessionB) -> dict[str, dict[str, st.SearchStrategy[Any]]]:
    """Every action of docs/protocol.md (and `hide_answer`) with values for its fields:
    valid ones, and wrong, missing and extreme ones, including session B's numbers."""
    number = numbers(b.numbers)
    answer = numbers(b.numbers, seen="answer")
    group = numbers(b.numbers, seen="group")
    decision = numbers(b.numbers, seen="decision")
    text = texts()
    return {
        "answer": {"text": text},
        "edit": {"answer": answer, "text": text},
        "delete": {"answer": answer},
        "hide_answer": {"answer": answer},
        "open_prompt": {"prompt": numbers(b.numbers, st.integers(0, 5))},
        "close_answering": {},
        "set_reveal": {"reveal": REVEALS},
        "add_prompt": {
            "text": text,
            "kind": st.sampled_from(["open", "words", "scale", "choice", "poll", 3, None, ""]),
            "options": st.one_of(text, st.lists(text, max_size=12)),
            "multiple": FLAGS,
            "low": text,
            "high": text,
        },
        "pick": {
            "value": st.one_of(
                numbers(b.numbers, st.integers(0, 6)),
                st.lists(numbers(b.numbers, st.integers(0, 6)), max_size=4),
            )
        },
        "focus_decision": {"decision": decision},
        "project": {"projection": st.sampled_from(["room", "results", "decisions", "x", 1, None])},
        "turn_page": {"page": numbers(b.numbers, st.integers(0, 5))},
        "start_timer": {"seconds": numbers(b.numbers, st.integers(1, 3)), "closes": FLAGS},
        "extend_timer": {"seconds": numbers(b.numbers, st.integers(1, 120))},
        "stop_timer": {},
        "start_grouping": {},
        "move": {"answer": answer, "to": targets(b.numbers)},
        "rename_group": {"group": group, "label": text},
        "merge_groups": {"group": group, "into": group},
        "create_group": {"answers": answer_lists(b.numbers), "label": text},
        "phone_grouping": {"allowed": FLAGS},
        "suggest": {},
        "dismiss_suggestion": {"suggestion": number},
        "start_voting": {"budget": numbers(b.numbers, st.integers(1, 20)), "stacking": FLAGS},
        "vote": {"item": items(b.items), "dots": numbers(b.numbers, st.integers(0, 5))},
        "reveal_votes": {},
        "set_expected": {"expected": numbers(b.numbers, st.integers(0, 10_000))},
        "set_floor": {"floor": numbers(b.numbers, st.integers(1, 50))},
        "propose_decision": {"from": text, "text": text},
        "consent": {"decision": decision, "level": LEVELS, "reason": text},
        "close_round": {"decision": decision},
        "reword": {"decision": decision, "text": text},
        "set_consent_share": {"percent": numbers(b.numbers, st.integers(0, 100))},
        "add_action": {"decision": decision, "what": text, "who": text, "due": DATES},
        "edit_action": {"number": number, "what": text, "who": text, "due": DATES},
        "remove_action": {"number": number},
        "end_session": {},
    }


def swapped(value: Any) -> st.SearchStrategy[Any]:
    """The same value in another JSON type."""
    return st.sampled_from([[value], {"value": value}, str(value), None, True, 1, 1.5, ""])


# Each connection mostly sends what it can do, so that the session moves on: answers and
# dots from the phone, phase changes and grouping from the console; every action is drawn.
FAVOURITES = {
    "phone": {"answer": 8, "vote": 6, "consent": 3, "pick": 2, "edit": 2, "move": 2},
    "console": {
        "move": 4,
        "open_prompt": 3,
        "start_grouping": 3,
        "start_voting": 3,
        "create_group": 2,
        "close_round": 2,
        "add_action": 2,
    },
}


@st.composite
def batches(draw: st.DrawFn, b: SessionB) -> list[Recipe]:
    """PER_EXAMPLE messages. In some batches the phone sends most, so that a phase lasts
    long enough for its own messages to be tried in it; some start with a question
    answered and put to the vote, so that dots are given (and budgets changed) as well."""
    actions = schema(b)
    phone_share = draw(st.sampled_from([9, 2, 1]))
    batch: list[Recipe] = []
    if draw(st.integers(0, 2)) == 0:
        answers = draw(st.lists(st.sampled_from(WORDS[:5]), min_size=2, max_size=4))
        batch += [
            Recipe("console", {"action": "open_prompt", "prompt": draw(st.integers(0, 3))}),
            *(Recipe("phone", {"action": "answer", "text": text}) for text in answers),
            Recipe("console", {"action": "start_grouping"}),
            Recipe(
                "console",
                {
                    "action": "start_voting",
                    "budget": draw(st.integers(1, 20)),
                    "stacking": draw(st.sampled_from(["1", "0"])),
                },
            ),
        ]
    rest = st.lists(
        messages(actions, b.session_id, phone_share),
        min_size=PER_EXAMPLE - len(batch),
        max_size=PER_EXAMPLE - len(batch),
    )
    return batch + draw(rest)


@st.composite
def messages(
    draw: st.DrawFn,
    actions: dict[str, dict[str, st.SearchStrategy[Any]]],
    b_session_id: str,
    phone_share: int,
) -> Recipe:
    connection = "phone" if draw(st.integers(0, phone_share)) < phone_share else "console"
    # Hypothesis favours the first of a choice; the odd frames come last, 1 in 12.
    if draw(st.integers(0, 11)) == 11:
        return draw(odd_frames(connection))
    names = []
    # The first is drawn most often: the connection's most frequent action.
    favourites = FAVOURITES[connection]
    for name in sorted(actions, key=lambda name: -favourites.get(name, 0)):
        if connection == "console" and name == "end_session":  # see the module docstring
            continue
        names += [name] * favourites.get(name, 1)
    action = draw(st.sampled_from(names))
    payload: dict[str, Any] = {"action": action}
    for name, values in actions[action].items():
        payload[name] = draw(values)
    msg_id: Any = FRESH
    wire = "text"
    # 0 to 11: sent as drawn (hypothesis favours 0); 12 to 19: one mutation.
    mutation = draw(st.integers(0, 19)) - 12
    if mutation == 0 and len(payload) > 1:
        del payload[draw(st.sampled_from(sorted(payload, key=lambda key: key == "action")))]
    elif mutation == 1 and len(payload) > 1:
        name = draw(st.sampled_from(sorted(set(payload) - {"action"})))
        payload[name] = draw(swapped(payload[name]))
    elif mutation == 2:
        junk = {
            "session_id": b_session_id,
            "session": b_session_id,
            "headers": {"HX-Request": "true", "HX-Target": "stage"},
            "HEADERS": {"HX-Trigger": "x"},
            "__proto__": {"admin": True},
            "view": "console",
            "role": "facilitator",
            "k" * 300: "v",
        }
        chosen = draw(st.lists(st.sampled_from(sorted(junk)), min_size=1, max_size=4))
        payload.update({key: junk[key] for key in chosen})
    elif mutation == 3:
        payload["action"] = draw(
            st.sampled_from(["ANSWER", "answer ", "fly", "", None, 5, ["answer"], "__init__"])
        )
    elif mutation == 4:
        msg_id = draw(
            st.sampled_from([MISSING, "", "a b", "x" * 65, "é", 5, None, [], {"id": 1}, "id\n"])
        )
    elif mutation == 5:
        msg_id = draw(st.from_regex(r"[A-Za-z0-9_.:-]{1,64}", fullmatch=True))
    elif mutation == 6:
        wire = draw(st.sampled_from(["binary", "utf16", "duplicate_key", "truncated"]))
    elif mutation == 7 and connection == "phone":
        wire = RESEND
    return Recipe(connection, payload, msg_id, wire)


@st.composite
def odd_frames(draw: st.DrawFn, connection: str) -> Recipe:
    """What is not a well-formed message: not JSON, not an object, not UTF-8, too big."""
    kind = draw(st.integers(0, 11))
    if kind == 0:
        raw: str | bytes = draw(st.sampled_from(["", "{", "{not json", "}", "\x00", "nul", "'a'"]))
    elif kind == 1:
        depth = draw(st.integers(1, MAX_NESTING))
        raw = draw(
            st.sampled_from(
                [
                    "[]",
                    "1",
                    '"answer"',
                    "null",
                    "true",
                    "NaN",
                    "[" * depth + "]" * depth,
                    '{"a":' * depth + "1" + "}" * depth,
                    json.dumps([{"action": "answer", "msg_id": "in-a-list", "text": "t"}]),
                ]
            )
        )
    elif kind == 2:
        raw = draw(st.binary(max_size=64))
    elif kind == 3:
        raw = draw(st.sampled_from([b"\xff\xfe{\x00", b"\xc3\x28", b"\xed\xa0\x80", b"\x80" * 9]))
        raw = b'{"action":"answer","msg_id":"bin","text":"' + raw + b'"}'
    elif kind == 4:
        raw = draw(st.text(max_size=40))
    else:
        # Near and over the 8 KiB message limit, and up to just over the 1 MiB frame limit.
        low, high = {
            5: (MAX_MESSAGE_BYTES - 200, MAX_MESSAGE_BYTES + 200),
            6: (MAX_MESSAGE_BYTES - 200, MAX_MESSAGE_BYTES + 200),
            7: (MAX_MESSAGE_BYTES - 200, MAX_MESSAGE_BYTES + 200),
            8: (MAX_MESSAGE_BYTES + 200, 300_000),
            9: (MAX_MESSAGE_BYTES + 200, 300_000),
            10: (FRAME_LIMIT - 4096, FRAME_LIMIT - 64),
            11: (FRAME_LIMIT + 1, FRAME_LIMIT + 1000),
        }[kind]
        size = draw(st.integers(low, high))
        char = draw(st.sampled_from(["x", "é", "😀", " "]))
        action = draw(st.sampled_from(["answer", "add_prompt", "rename_group", "vote"]))
        filler = char * max(1, (size - 60) // len(char.encode("utf-8")))
        body = {"action": action, "msg_id": "big", "text": filler, "label": ""}
        if size > FRAME_LIMIT:
            return Recipe(connection, "x" * size, wire="raw")
        return Recipe(connection, body, msg_id=draw(st.sampled_from([FRESH, "big"])))
    return Recipe(connection, raw, wire="raw")


# The rig: one server, two sessions, fuzzers and onlookers -------------------------------


@dataclass
class SessionB:
    session_id: str
    numbers: list[int]
    items: list[str]


@dataclass
class Fuzzer:
    """One fuzzing connection, reopened whenever the server closes it."""

    server: ServerProcess
    session_id: str
    view: str
    cookie: str
    prefix: str
    client: LiveClient | None = None
    expected: Counter[str] = field(default_factory=Counter)
    answers: list[str | bytes] = field(default_factory=list)
    budgets: list[tuple[str, int]] = field(default_factory=list)  # since the last settle
    max_budget: int = BUDGET  # the largest budget that may have been applied
    seen: dict[str, list[str]] = field(default_factory=dict)  # shared by A's fuzzers
    sent: int = 0
    scanned: int = 0
    reconnects: int = 0

    async def open(self) -> None:
        self.client = await LiveClient.connect(
            self.server.url, self.session_id, self.view, self.cookie
        )
        # The whole first state: the stage, then the phone's own part or the console's counts.
        last = 'id="mine"' if self.view == "phone" else 'id="answer-count"'
        await self.client.wait_for(
            lambda c: c.text.count(last) >= (2 if self.view == "phone" else 1)
        )
        self.forget()

    def learn(self) -> None:
        """What arrived since the last look feeds the next messages."""
        assert self.client
        learn_from("".join(self.client.frames[self.scanned :]), self.seen)
        self.scanned = len(self.client.frames)

    def forget(self) -> None:
        assert self.client
        self.scanned = 0
        self.client.frames.clear()
        self.client.acks.clear()
        self.expected.clear()
        self.budgets.clear()

    def receipts(self) -> Counter[str]:
        assert self.client
        return Counter(msg_id for msg_id, _ in RECEIPT.findall("".join(self.client.frames)))

    async def settle(self, allowed_codes: set[int], timeout: float = 30.0) -> None:
        """Waits for one receipt per message sent since the last settle, or for a close
        with an allowed code (then reconnects)."""
        client = self.client
        assert client
        wanted = sum(self.expected.values())
        await client.wait_for(
            lambda c: c.closed_code is not None or sum(self.receipts().values()) >= wanted,
            timeout,
        )
        got = self.receipts()
        accepted = {
            msg_id for msg_id, status in RECEIPT.findall("".join(client.frames)) if status == "ok"
        }
        for msg_id, budget in self.budgets:
            # Without its receipt (the connection closed) a budget may still have been set.
            if msg_id in accepted or client.closed_code is not None:
                self.max_budget = max(self.max_budget, budget)
        self.learn()
        if client.closed_code is None:
            assert got == self.expected, (got - self.expected, self.expected - got)
        else:
            assert client.closed_code in allowed_codes, client.closed_code
            assert not got - self.expected, got - self.expected
            self.reconnects += 1
            await self.open()
        self.forget()

    async def send(self, recipe: Recipe) -> None:
        assert self.client
        self.sent += 1
        fresh = f"{self.prefix}{self.sent}"
        if recipe.wire == RESEND and self.answers:
            frame = self.answers[self.sent % len(self.answers)]
        else:
            self.learn()
            frame = frame_of(recipe, fresh, self.seen, self.sent)
            if isinstance(recipe.payload, dict) and recipe.payload.get("action") == "answer":
                self.answers.append(frame)
        if len(frame if isinstance(frame, bytes) else frame.encode()) > FRAME_LIMIT:
            # The server closes with 1009, maybe before the last byte and before the
            # receipts of earlier messages went out; settle allows for both.
            with contextlib.suppress(ConnectionClosed):
                await self.client.socket.send(frame)
            await self.client.wait_for(lambda c: c.closed_code is not None)
            await self.settle({1009})
            return
        try:
            await self.client.socket.send(frame)
        except ConnectionClosed:
            # Closed by the server (the writer fell behind): settle checks the code.
            await self.settle({1013})
            return
        self.expected[expected_ack(frame)] += 1
        if budget := budget_in(frame):
            self.budgets.append(budget)


@dataclass
class Rig:
    server: ServerProcess
    a_id: str
    b: SessionB
    phone: Fuzzer
    console: Fuzzer
    bystander_phone: LiveClient
    bystander_console: LiveClient
    b_watchers: list[LiveClient]
    b_before: dict[str, list[tuple]]
    messages: int = 0
    is_settled: bool = True

    @classmethod
    async def open(cls, server: ServerProcess) -> Rig:
        a = await open_session(server.url, lang="en")
        b = await open_session(server.url, lang="nl")
        b_console = await LiveClient.connect(server.url, b.session_id, "console", b.cookie)
        b_cookies = [await join(server.url, b.code) for _ in range(3)]
        b_phones = [
            await LiveClient.connect(server.url, b.session_id, "phone", c) for c in b_cookies
        ]
        assert await b_console.request("open_prompt", prompt=0) == "ok"
        for index in range(12):
            assert await b_phones[index % 3].request("answer", text=f"b-antwoord {index}") == "ok"
        assert await b_console.request("start_grouping") == "ok"
        for answer, to in [(1, "answer:2"), (3, "answer:4"), (5, "new"), (6, "group:1")]:
            assert await b_console.request("move", answer=answer, to=to) == "ok"
        assert await b_console.request("start_voting", budget=5, stacking=1) == "ok"
        assert await b_phones[0].request("vote", item="g1", dots=2) == "ok"
        for phone in b_phones[1:]:
            await phone.close()
            OPEN_CLIENTS.remove(phone)
        groups = [
            n
            for (n,) in rows(
                server.db, "SELECT number FROM groups WHERE session_id = ?", b.session_id
            )
        ]
        b_session = SessionB(
            b.session_id,
            numbers=[*range(1, 13), *groups],
            items=[f"g{n}" for n in groups] + [f"a{n}" for n in range(7, 13)],
        )

        console = await LiveClient.connect(server.url, a.session_id, "console", a.cookie)
        assert await console.request("open_prompt", prompt=0) == "ok"
        for index in range(3):
            seed = await LiveClient.connect(
                server.url, a.session_id, "phone", await join(server.url, a.code)
            )
            for text in ("samen", "rust", f"seed {index}"):
                assert await seed.request("answer", text=text) == "ok"
            await seed.close()
            OPEN_CLIENTS.remove(seed)
        bystander = await LiveClient.connect(
            server.url, a.session_id, "phone", await join(server.url, a.code)
        )
        await bystander.wait_text('id="stage"')
        phone = Fuzzer(server, a.session_id, "phone", await join(server.url, a.code), "m")
        fac = Fuzzer(server, a.session_id, "console", a.cookie, "m", seen=phone.seen)
        await phone.open()
        await fac.open()
        await asyncio.sleep(0.2)  # let setup's updates arrive before the onlookers go quiet
        watchers = [b_console, b_phones[0]]
        for client in (console, bystander, *watchers):
            client.frames.clear()
        return cls(
            server,
            a.session_id,
            b_session,
            phone,
            fac,
            bystander,
            console,
            watchers,
            b_rows(server.db, b.session_id),
        )

    async def run_batch(self, batch: list[Recipe]) -> None:
        fuzzers = {"phone": self.phone, "console": self.console}
        if not self.is_settled:
            # The last batch failed half-way (hypothesis now replays it): start afresh.
            for fuzzer in fuzzers.values():
                assert fuzzer.client
                fuzzer.max_budget = max([fuzzer.max_budget, *(b for _, b in fuzzer.budgets)])
                await fuzzer.client.close()
                OPEN_CLIENTS.remove(fuzzer.client)
                await fuzzer.open()
        self.is_settled = False
        for recipe in batch:
            await fuzzers[recipe.connection].send(recipe)
        self.messages += len(batch)
        await self.phone.settle({1013})
        await self.console.settle({1013})
        self.observe()
        assert self.server.process and self.server.process.poll() is None, self.server.log[-3000:]
        check_session_a(self.server.db, self.a_id, self.console.max_budget)
        self.is_settled = True

    def observe(self) -> None:
        """The onlookers never see a receipt or notice meant for someone else, and B's see
        nothing at all; what A's screens show feeds the next messages."""
        for client in (self.bystander_phone, self.bystander_console, *self.b_watchers):
            assert client.closed_code is None
            assert not receipts_in(client)
            assert "has-message" not in client.text
        assert not any(watcher.frames for watcher in self.b_watchers)
        for client in (self.bystander_phone, self.bystander_console):
            learn_from(client.text, self.phone.seen)
            client.frames.clear()

    async def close(self) -> None:
        clients = [
            self.phone.client,
            self.console.client,
            self.bystander_phone,
            self.bystander_console,
            *self.b_watchers,
        ]
        for client in clients:
            if client is not None:
                await client.close()
                if client in OPEN_CLIENTS:
                    OPEN_CLIENTS.remove(client)


# The checks ---------------------------------------------------------------------------

B_TABLES = {
    "sessions": "SELECT * FROM sessions WHERE id = ?",
    "participants": "SELECT * FROM participants WHERE session_id = ?",
    "answers": "SELECT * FROM answers WHERE session_id = ? ORDER BY number",
    "groups": "SELECT * FROM groups WHERE session_id = ? ORDER BY number",
    "votes": "SELECT * FROM votes WHERE session_id = ? ORDER BY voter, item",
    "decisions": "SELECT * FROM decisions WHERE session_id = ?",
    "rounds": "SELECT * FROM rounds WHERE session_id = ?",
    "consents": "SELECT * FROM consents WHERE session_id = ?",
    "actions": "SELECT * FROM actions WHERE session_id = ?",
}


def rows(db_path: Path, query: str, *params: object) -> list[tuple]:
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
        return db.execute(query, params).fetchall()


def b_rows(db_path: Path, session_id: str) -> dict[str, list[tuple]]:
    return {name: rows(db_path, query, session_id) for name, query in B_TABLES.items()}


def check_session_a(db_path: Path, session_id: str, max_budget: int) -> None:
    """The invariants of docs/protocol.md, read from the store itself."""
    ((raw_prompts, phase, prompt_index, raw_settings),) = rows(
        db_path,
        "SELECT prompts, phase, prompt_index, settings FROM sessions WHERE id = ?",
        session_id,
    )
    prompts = json.loads(raw_prompts)
    settings_ = json.loads(raw_settings)
    assert phase in PHASES - {"ended"}, phase
    assert 1 <= len(prompts) <= 20 and 0 <= prompt_index < len(prompts)
    assert all(0 < len(p) <= 280 and p == p.strip() for p in prompts), prompts
    assert 1 <= settings_.get("vote_budget", BUDGET) <= 20

    answers = rows(
        db_path,
        "SELECT number, prompt_index, author, text, group_number FROM answers WHERE session_id = ?",
        session_id,
    )
    groups = {
        number: (prompt, label)
        for number, prompt, label in rows(
            db_path,
            "SELECT number, prompt_index, label FROM groups WHERE session_id = ?",
            session_id,
        )
    }
    per_author: Counter[tuple[str, int]] = Counter()
    members: Counter[int] = Counter()
    for number, prompt, author, text, group in answers:
        assert 0 < len(text) <= 280 and text == text.strip() and "\n" not in text, (number, text)
        assert 0 <= prompt < len(prompts), (number, prompt)
        per_author[(author, prompt)] += 1
        if group is not None:
            assert group in groups and groups[group][0] == prompt, (number, prompt, group)
            members[group] += 1
    assert max(per_author.values(), default=0) <= 20, per_author.most_common(1)
    for number, (prompt, label) in groups.items():
        assert members[number] > 0, f"group {number} is empty"
        assert 0 <= prompt < len(prompts)
        assert 0 < len(label) <= 80, label

    # Dots count only on the items there are now (groups, and answers in none), as the rules
    # count them. The budget is the session's: while a question is being voted on, nobody is
    # above it (nor above one dot an item without stacking); a question voted on before may
    # hold what an earlier, larger budget allowed.
    budget = settings_.get("vote_budget", BUDGET)
    is_stacking = settings_.get("is_stacking", True)
    totals: Counter[tuple[int, str]] = Counter()
    for prompt, voter, item, dots in rows(
        db_path,
        "SELECT prompt_index, voter, item, dots FROM votes WHERE session_id = ?",
        session_id,
    ):
        assert dots >= 0
        current = {f"g{n}" for n, (p, _) in groups.items() if p == prompt} | {
            f"a{n}" for n, p, _, _, g in answers if p == prompt and g is None
        }
        if item in current:
            totals[(prompt, voter)] += dots
            if phase == "voting" and prompt == prompt_index and not is_stacking:
                assert dots <= 1, (item, dots)
    for (prompt, _voter), total in totals.items():
        voting_now = phase == "voting" and prompt == prompt_index
        assert total <= (budget if voting_now else max_budget), (prompt, total, budget, max_budget)

    for decision, number, text in rows(
        db_path, "SELECT decision, number, text FROM rounds WHERE session_id = ?", session_id
    ):
        assert 0 < len(text) <= 280, (decision, number, text)
    for what, due in rows(
        db_path, "SELECT what, due FROM actions WHERE session_id = ?", session_id
    ):
        assert what and (due == "" or date.fromisoformat(due))


def receipts_in(client: LiveClient) -> list[tuple[str, str]]:
    return RECEIPT.findall("".join(client.frames))


async def check_after_fuzzing(rig: Rig) -> None:
    server = rig.server
    assert server.process and server.process.poll() is None
    async with httpx.AsyncClient(base_url=server.url) as http:
        health = await http.get("/healthz")
        assert (health.status_code, health.json()["status"]) == (200, "ok")
    await asyncio.sleep(0.3)  # a late or doubled receipt would arrive now
    for fuzzer in (rig.phone, rig.console):
        assert fuzzer.client and not fuzzer.receipts(), fuzzer.receipts()

    rig.observe()
    # Session B changed in nothing.
    assert b_rows(server.db, rig.b.session_id) == rig.b_before
    wrong_room = await LiveClient.connect(
        server.url, rig.b.session_id, "console", rig.console.cookie
    )
    await wrong_room.wait_for(lambda c: c.closed_code is not None)
    assert wrong_room.closed_code == 4403
    OPEN_CLIENTS.remove(wrong_room)

    # The bystanders of A still work.
    ((phase, prompt),) = rows(
        server.db, "SELECT phase, prompt_index FROM sessions WHERE id = ?", rig.a_id
    )
    if phase != "answering":
        assert await rig.bystander_console.request("open_prompt", prompt=prompt) == "ok"
    assert await rig.bystander_phone.request("answer", text="nog steeds hier") == "ok"
    await rig.bystander_console.wait_text(">nog steeds hier<")
    await rig.bystander_phone.wait_text(">nog steeds hier<")
    stored = rows(
        server.db,
        "SELECT count(*) FROM answers WHERE session_id = ? AND text = 'nog steeds hier'",
        rig.a_id,
    )
    assert stored == [(1,)]
    check_session_a(server.db, rig.a_id, rig.console.max_budget)

    # Whatever was sent, A can be closed: its outcome is saved and its pseudonyms and
    # message ids are gone.
    assert await rig.bystander_console.request("end_session") == "ok"
    for table in ("participants", "receipts", "votes", "consents"):
        query = f"SELECT count(*) FROM {table} WHERE session_id = ?"
        assert rows(server.db, query, rig.a_id) == [(0,)], table
    assert rows(server.db, "SELECT count(*) FROM outcomes WHERE session_id = ?", rig.a_id) == [(1,)]

    log = server.log
    assert "Traceback" not in log, log[log.index("Traceback") - 500 :][:3000]
    assert "a batch of" not in log  # logged only when a batch failed
    assert "writer stopped" not in log
    assert "ERROR" not in log


def test_ten_thousand_fuzzed_messages_break_nothing(server_factory):
    """At least 10,000 random and mutated messages from a phone and the facilitator of A:
    every one gets exactly one receipt (or a documented close), the server stays up,
    A's invariants hold in SQLite after every batch, and B and the bystanders are untouched."""
    server = server_factory(**SERVER_ENV)
    started = time.monotonic()
    with asyncio.Runner() as runner:
        rig = runner.run(Rig.open(server))
        try:

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(batches(rig.b))
            def fuzz(batch: list[Recipe]) -> None:
                runner.run(rig.run_batch(batch))

            fuzz()
            runner.run(check_after_fuzzing(rig))
        finally:
            runner.run(rig.close())
    assert rig.messages >= 10_000, rig.messages
    print(
        f"{rig.messages} messages in {time.monotonic() - started:.1f}s;"
        f" reconnects: phone {rig.phone.reconnects}, console {rig.console.reconnects}"
    )


# What the fuzzing found -----------------------------------------------------------------


def pseudonym_of(cookie: str) -> str:
    return hashlib.sha256(f"participant:{cookie.split('=', 1)[1]}".encode()).hexdigest()[:32]


async def answering(
    server: ServerProcess, answers: list[str]
) -> tuple[Facilitator, LiveClient, LiveClient, str]:
    """A session with answering open and one phone that gave these answers."""
    fac = await open_session(server.url, lang="en")
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    cookie = await join(server.url, fac.code)
    phone = await LiveClient.connect(server.url, fac.session_id, "phone", cookie)
    for text in answers:
        assert await phone.request("answer", text=text) == "ok"
    return fac, console, phone, cookie


async def test_deeply_nested_json_is_refused_as_malformed(server):
    """A small frame of deeply nested JSON (6 KB, under the 8 KiB limit) is refused like
    any unreadable message: one receipt, a notice, the connection stays open."""
    _, _, phone, _ = await answering(server, [])
    await phone.socket.send("[" * 3000 + "]" * 3000)
    await phone.wait_for(lambda c: c.closed_code is not None or receipts_in(c), timeout=5)
    assert phone.closed_code is None
    assert receipts_in(phone) == [("", "rejected")]
    assert "That message could not be read." in phone.text
    assert await phone.request("answer", text="still here") == "ok"
    assert "Traceback" not in server.log


async def test_a_lone_surrogate_in_from_is_refused_like_any_bad_field(server):
    """`propose_decision` with a lone surrogate in `from` is refused as a bad field, as
    the same character in `text` is; nothing fails, and nobody else's message in the same
    batch is lost with it."""
    fac, console, _, _ = await answering(server, [])
    others = [
        await LiveClient.connect(
            server.url, fac.session_id, "phone", await join(server.url, fac.code)
        )
        for _ in range(10)
    ]
    bad = '{"action": "propose_decision", "msg_id": "p1", "from": "x\\ud800", "text": "ok"}'
    sends = [console.socket.send(bad)]
    sends += [
        o.socket.send(json.dumps({"action": "answer", "msg_id": "o1", "text": "hi"}))
        for o in others
    ]
    await asyncio.gather(*sends)
    assert await console.ack("p1") == "rejected"
    statuses = [await other.ack("o1") for other in others]
    assert "missing or invalid field" in console.text, re.findall(
        r'id="notice"[^>]*>([^<]*)', console.text
    )
    assert statuses == ["ok"] * 10
    assert "a batch of" not in server.log and "Traceback" not in server.log


async def test_lowering_the_budget_never_leaves_a_voter_above_it(server):
    """docs/protocol.md promises "the total never exceeds the budget": it still holds when
    the facilitator starts voting again with fewer dots."""
    _, console, phone, cookie = await answering(server, ["respect"])
    assert await console.request("start_grouping") == "ok"
    assert await console.request("start_voting", budget=10, stacking=1) == "ok"
    assert await phone.request("vote", item="a1", dots=10) == "ok"
    lowered = await console.request("start_voting", budget=1, stacking=1)
    await asyncio.sleep(0.2)
    ((budget,),) = rows(server.db, "SELECT json_extract(settings, '$.vote_budget') FROM sessions")
    ((dots,),) = rows(
        server.db, "SELECT sum(dots) FROM votes WHERE voter = ?", pseudonym_of(cookie)
    )
    assert dots <= budget, f"start_voting budget=1 was {lowered}: {dots} dots, budget {budget}"
    assert not re.search(r"-\d+ dots? left", phone.text)


async def test_groups_of_another_question_cannot_be_merged(server):
    """Merging the current question's group into a group of an earlier question is
    refused (as moving a card into it is: group_gone); otherwise the current question's
    answers vanish from its own board and ballot."""
    _, console, phone, _ = await answering(server, ["een", "twee"])
    assert await console.request("start_grouping") == "ok"
    assert await console.request("move", answer=1, to="answer:2") == "ok"  # group 1, question 1
    assert await console.request("open_prompt", prompt=1) == "ok"
    assert await phone.request("answer", text="drie") == "ok"
    assert await console.request("start_grouping") == "ok"
    assert await console.request("move", answer=3, to="new") == "ok"  # group 2, question 2
    assert await console.request("move", answer=3, to="group:1") == "rejected"
    merged = await console.request("merge_groups", group=2, into=1)
    stored = rows(
        server.db,
        "SELECT a.prompt_index, g.prompt_index FROM answers a JOIN groups g"
        " ON g.session_id = a.session_id AND g.number = a.group_number",
    )
    assert all(answer == group for answer, group in stored), (merged, stored)
    assert merged == "rejected"


async def test_a_group_made_from_a_suggestion_never_has_an_empty_label(server):
    """`create_group` with a label of only spaces makes a group with a readable label, as
    `rename_group` refuses a blank one."""
    _, console, _, _ = await answering(server, ["een", "twee"])
    assert await console.request("start_grouping") == "ok"
    await console.request("create_group", answers="1,2", label="   ")
    labels = [label for (label,) in rows(server.db, "SELECT label FROM groups")]
    assert labels and all(labels), labels
    assert await console.request("rename_group", group=1, label="   ") == "rejected"
    assert "Give the group a name." in console.text


async def test_closing_an_oversized_frame_logs_no_traceback(server):
    """A frame over 1 MiB closes its connection with 1009, also while the replies to the
    messages before it are still being written, and the log stays free of tracebacks.

    The writer's send can race the close in two ways: before the transport is gone
    (uvicorn: RuntimeError "after sending 'websocket.close'") and after it (starlette:
    WebSocketDisconnect). Receipts for the commands before the frame keep the console's
    writer busy for the first; refusals of large messages just before it, for the second.
    """
    fac, console, _, cookie = await answering(server, [])
    rng = random.Random(1)
    for attempt in range(170):
        if attempt < 20:
            client = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
            for index in range(100):
                await client.send_json({"action": "set_floor", "floor": "3", "msg_id": f"f{index}"})
        else:
            client = await LiveClient.connect(server.url, fac.session_id, "phone", cookie)
            await client.wait_text('id="mine"')
            for index in range(rng.randint(0, 20)):
                big = "x" * rng.randint(9_000, 300_000)
                message = rng.choice(
                    [
                        {"action": "answer", "text": f"answer {attempt} {index}"},
                        {"action": "answer", "text": big},
                        {"action": "vote", "item": "a1", "dots": 1},
                    ]
                )
                text = json.dumps({**message, "msg_id": f"m{index}"})
                await client.socket.send(rng.choice([text, text, text, "{not json"]))
        with contextlib.suppress(ConnectionClosed):  # closed before the last byte
            await client.socket.send("x" * (FRAME_LIMIT + 1 + attempt))
        await client.wait_for(lambda c: c.closed_code is not None)
        assert client.closed_code == 1009
        if attempt % 10 == 0:
            assert await console.request("open_prompt", prompt=attempt // 10 % 4) == "ok"
    await asyncio.sleep(0.3)
    log = server.log
    assert "Traceback" not in log, log[log.index("Traceback") :][:3000]


async def test_a_suggestion_whose_answer_was_deleted_breaks_no_console(server):
    """Suggest groups, reopen answering, let a participant delete an answer that is in a
    suggestion, group again: the console is sent its new stage, and a console that
    connects now receives the full state."""
    fac, console, phone, _ = await answering(
        server, ["respect voor elkaar", "respect", "elkaar respecteren", "veiligheid"]
    )
    assert await console.request("start_grouping") == "ok"
    assert await console.request("suggest") == "ok"
    await console.wait_text('id="suggestion-0"')
    assert await console.request("open_prompt", prompt=0) == "ok"
    assert await phone.request("delete", answer=1) == "ok"  # in the suggestion "respect"
    since = len(console.frames)
    assert await console.request("start_grouping") == "ok"
    await console.wait_new_text("Group the answers to question 1", since)
    again = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    await again.wait_text("Group the answers to question 1")
    assert "Traceback" not in server.log

"""The client-to-server wire format: JSON in, a command or a ProtocolError with a reason out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.live.protocol import Message, ProtocolError, parse_message
from server.rules import (
    CloseAnswering,
    Command,
    DeleteAnswer,
    EditAnswer,
    OpenPrompt,
    SetReveal,
    SubmitAnswer,
)
from server.rules.state import Reveal

MAX_BYTES = 8 * 1024


def wire(**fields: Any) -> str:
    """A message as a client sends it, with a valid msg_id unless one is given."""
    return json.dumps({"msg_id": "m-1", **fields}, ensure_ascii=False)


def refusal(raw: str | bytes, max_bytes: int = MAX_BYTES) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        parse_message(raw, max_bytes)
    return caught.value


@pytest.mark.parametrize(
    ("fields", "command"),
    [
        ({"action": "answer", "text": "Samen eten"}, SubmitAnswer("Samen eten", "m-1")),
        ({"action": "answer", "text": ""}, SubmitAnswer("", "m-1")),
        ({"action": "edit", "answer": 3, "text": "Beter"}, EditAnswer(3, "Beter")),
        ({"action": "edit", "answer": "3", "text": "Beter"}, EditAnswer(3, "Beter")),
        ({"action": "delete", "answer": 7}, DeleteAnswer(7)),
        ({"action": "delete", "answer": "7"}, DeleteAnswer(7)),
        ({"action": "open_prompt", "prompt": 0}, OpenPrompt(0)),
        ({"action": "open_prompt", "prompt": "2"}, OpenPrompt(2)),
        ({"action": "close_answering"}, CloseAnswering()),
        ({"action": "set_reveal", "reveal": "live"}, SetReveal(Reveal.LIVE)),
        ({"action": "set_reveal", "reveal": "on_close"}, SetReveal(Reveal.ON_CLOSE)),
    ],
    ids=lambda value: value.get("action") if isinstance(value, dict) else "",
)
def test_each_action_becomes_its_command(fields: dict[str, Any], command: Command) -> None:
    """Every documented action parses to its command, from text and from UTF-8 bytes alike."""
    raw = wire(**fields)
    assert parse_message(raw, MAX_BYTES) == Message("m-1", command)
    assert parse_message(raw.encode("utf-8"), MAX_BYTES) == Message("m-1", command)


def test_an_answers_msg_id_travels_into_the_command() -> None:
    """SubmitAnswer carries the message's own msg_id, which the rules use as its receipt."""
    message = parse_message(wire(action="answer", text="x", msg_id="phone:42_a.b-c"), MAX_BYTES)
    assert message == Message("phone:42_a.b-c", SubmitAnswer("x", "phone:42_a.b-c"))


@pytest.mark.parametrize(
    "headers",
    [
        {"headers": {"HX-Request": "true", "HX-Trigger": "answer-form", "HX-Target": None}},
        {"HEADERS": {"HX-Request": "true"}},
        {"headers": "not an object", "HEADERS": ["either"]},
    ],
)
def test_htmx_headers_are_ignored(headers: dict[str, Any]) -> None:
    """The headers object htmx adds to every websocket message does not change the command."""
    raw = wire(action="answer", text="Samen eten", **headers)
    assert parse_message(raw, MAX_BYTES) == Message("m-1", SubmitAnswer("Samen eten", "m-1"))


def test_unrelated_extra_fields_are_ignored() -> None:
    """Other form fields a browser sends along do not make a message invalid."""
    raw = wire(action="delete", answer="4", submit="Verwijder", lang="nl")
    assert parse_message(raw, MAX_BYTES) == Message("m-1", DeleteAnswer(4))


@pytest.mark.parametrize("value", ["0", "3", "007", "42", "999999999"])
@pytest.mark.parametrize(("action", "name"), [("delete", "answer"), ("open_prompt", "prompt")])
def test_form_string_numbers_are_accepted(action: str, name: str, value: str) -> None:
    """htmx sends every form field as a string, so plain ASCII digit strings count as ints."""
    message = parse_message(wire(action=action, **{name: value}), MAX_BYTES)
    command = DeleteAnswer if action == "delete" else OpenPrompt
    assert message == Message("m-1", command(int(value)))


NUMBER_FIELDS = [("edit", "answer"), ("delete", "answer"), ("open_prompt", "prompt")]

BAD_NUMBERS: list[Any] = [
    pytest.param(True, id="true"),
    pytest.param(False, id="false"),
    pytest.param(3.0, id="float-3.0"),
    pytest.param(2.5, id="float-2.5"),
    pytest.param("3.0", id="str-3.0"),
    pytest.param("²", id="superscript-two"),
    pytest.param("٣", id="arabic-indic-three"),
    pytest.param("３", id="fullwidth-three"),
    pytest.param("-1", id="str-negative"),
    pytest.param(-1, id="int-negative"),
    pytest.param("1234567890", id="str-huge"),
    pytest.param("99999999999999999999", id="str-very-huge"),
    pytest.param(10**10, id="int-huge"),
    pytest.param(2**64, id="int-very-huge"),
    pytest.param("", id="empty"),
    pytest.param(" 3", id="leading-space"),
    pytest.param("3\n", id="trailing-newline"),
    pytest.param("0x1f", id="hex"),
    pytest.param("1e3", id="exponent"),
    pytest.param(None, id="null"),
    pytest.param([3], id="list"),
    pytest.param({"n": 3}, id="object"),
]


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize(("action", "name"), NUMBER_FIELDS)
def test_bad_numbers_are_refused(action: str, name: str, value: Any) -> None:
    """Only a non-negative whole number (or its ASCII digits) is a number; the rest is bad_field."""
    error = refusal(wire(action=action, text="x", **{name: value}))
    assert (error.reason, error.msg_id) == ("bad_field", "m-1")


@pytest.mark.parametrize(("action", "name"), NUMBER_FIELDS)
def test_a_missing_number_is_refused(action: str, name: str) -> None:
    """A command without its number field is bad_field, not a crash."""
    error = refusal(wire(action=action, text="x"))
    assert (error.reason, error.msg_id) == ("bad_field", "m-1")


@pytest.mark.parametrize("text", [None, 3, True, ["Samen"], {"nl": "Samen"}])
@pytest.mark.parametrize("action", ["answer", "edit"])
def test_text_must_be_a_string(action: str, text: Any) -> None:
    """Answer text that is missing or not a string is bad_field."""
    fields = {"answer": 1} if action == "edit" else {}
    error = refusal(wire(action=action, text=text, **fields))
    assert (error.reason, error.msg_id) == ("bad_field", "m-1")
    error = refusal(wire(action=action, **fields))
    assert (error.reason, error.msg_id) == ("bad_field", "m-1")


@pytest.mark.parametrize("reveal", [None, "", "LIVE", "sometimes", 1, ["live"], {"live": True}])
def test_set_reveal_needs_a_known_value(reveal: Any) -> None:
    """Only the Reveal values are accepted for set_reveal."""
    error = refusal(wire(action="set_reveal", reveal=reveal))
    assert (error.reason, error.msg_id) == ("bad_field", "m-1")


@pytest.mark.parametrize("msg_id", ["a", "a" * 64, "Phone-1:2_3.4", "0"])
def test_valid_msg_ids_are_accepted(msg_id: str) -> None:
    """Ids of 1 to 64 characters from [A-Za-z0-9_.:-] are accepted and kept."""
    assert parse_message(wire(action="close_answering", msg_id=msg_id), MAX_BYTES).msg_id == msg_id


@pytest.mark.parametrize(
    "msg_id",
    [
        pytest.param(None, id="null"),
        pytest.param("", id="empty"),
        pytest.param(42, id="number"),
        pytest.param(["m-1"], id="list"),
        pytest.param("a" * 65, id="too-long"),
        pytest.param("with space", id="space"),
        pytest.param("a/b", id="slash"),
        pytest.param("<b>", id="markup"),
        pytest.param('a"b', id="quote"),
        pytest.param("é", id="non-ascii"),
        pytest.param("m-1\n", id="trailing-newline"),
        pytest.param("a" * 64 + "\n", id="64-chars-and-newline"),
    ],
)
def test_bad_msg_ids_are_refused(msg_id: Any) -> None:
    """A msg_id that is not 1–64 safe characters is refused, and is not echoed back."""
    error = refusal(wire(action="close_answering", msg_id=msg_id))
    assert (error.reason, error.msg_id) == ("missing_msg_id", "")


def test_a_missing_msg_id_is_refused() -> None:
    """A message without msg_id cannot be acknowledged, so it is refused."""
    error = refusal(json.dumps({"action": "close_answering"}))
    assert (error.reason, error.msg_id) == ("missing_msg_id", "")


def test_the_size_limit_is_inclusive() -> None:
    """A message of exactly max_bytes is accepted; one byte more is message_too_large."""
    raw = wire(action="answer", text="x" * 100)
    size = len(raw.encode("utf-8"))
    assert parse_message(raw, size).command == SubmitAnswer("x" * 100, "m-1")
    error = refusal(raw, size - 1)
    assert (error.reason, error.msg_id) == ("message_too_large", "")


@pytest.mark.parametrize("char", ["é", "€", "😀"])
def test_the_size_limit_counts_utf8_bytes_not_characters(char: str) -> None:
    """A message of multi-byte characters over the byte limit is refused though its len() fits."""
    raw = wire(action="answer", text=char * 1000)
    size = len(raw.encode("utf-8"))
    assert len(raw) < size - 1
    error = refusal(raw, size - 1)
    assert error.reason == "message_too_large"
    error = refusal(raw.encode("utf-8"), size - 1)
    assert error.reason == "message_too_large"
    assert parse_message(raw, size).command == SubmitAnswer(char * 1000, "m-1")


ANSWER_BYTES = b'{"msg_id": "m-1", "action": "answer", "text": "%s"}'


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(ANSWER_BYTES % b"\xff", id="ff-byte"),
        pytest.param(ANSWER_BYTES % b"\xc3\x28", id="bad-continuation"),
        pytest.param(ANSWER_BYTES % b"\xe2\x82", id="truncated-euro"),
        pytest.param(ANSWER_BYTES % b"\xed\xa0\x80", id="encoded-surrogate"),
        pytest.param(ANSWER_BYTES % b"\xc0\xaf", id="overlong-slash"),
        pytest.param(b"\x80\x81\x82", id="garbage"),
    ],
)
def test_invalid_utf8_is_malformed(raw: bytes) -> None:
    """Bytes that are not UTF-8 are refused as malformed, never decoded some other way."""
    error = refusal(raw)
    assert (error.reason, error.msg_id) == ("malformed", "")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_json_in_other_unicode_encodings_is_malformed(encoding: str) -> None:
    """The wire format is UTF-8 JSON: the same object encoded as UTF-16/32 is not UTF-8 and is
    refused as malformed."""
    raw = json.dumps({"msg_id": "m-1", "action": "close_answering"}).encode(encoding)
    error = refusal(raw)
    assert (error.reason, error.msg_id) == ("malformed", "")


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\udc00\\ud800"])
def test_escaped_lone_surrogates_never_become_answer_text(escape: str) -> None:
    """Valid UTF-8 JSON can still spell a lone surrogate as an escape; such text cannot be
    stored or sent as UTF-8, so it is refused instead of becoming an answer."""
    raw = '{"msg_id": "m-1", "action": "answer", "text": "hoi ' + escape + '"}'
    assert raw.isascii()
    error = refusal(raw)
    assert error.reason in ("malformed", "bad_field")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " ",
        "{",
        "not json",
        "{'msg_id': 'm-1'}",
        "[]",
        '["answer"]',
        '"answer"',
        "3",
        "null",
        "true",
    ],
)
def test_anything_but_a_json_object_is_malformed(raw: str) -> None:
    """Text that is not JSON, or JSON that is not an object, is malformed."""
    error = refusal(raw)
    assert (error.reason, error.msg_id) == ("malformed", "")


@pytest.mark.parametrize("action", ["nuke", "ANSWER", "", None, 3, ["answer"]])
def test_an_unknown_action_keeps_the_msg_id(action: Any) -> None:
    """An unknown action is refused with its msg_id, so the client can match the refusal."""
    error = refusal(wire(action=action, msg_id="m-77"))
    assert (error.reason, error.msg_id) == ("unknown_action", "m-77")


def test_a_missing_action_keeps_the_msg_id() -> None:
    """A message with only a msg_id is an unknown action for that msg_id."""
    error = refusal(json.dumps({"msg_id": "m-78"}))
    assert (error.reason, error.msg_id) == ("unknown_action", "m-78")


DIRTY = "a\x00b\x1b[31mc\x85d\x9b2Je\u0007f\tg\nh"
TEXT_FIELDS = [
    ({"action": "answer"}, "text"),
    ({"action": "edit", "answer": 1}, "text"),
    ({"action": "add_prompt"}, "text"),
    ({"action": "rename_group", "group": 1}, "label"),
    ({"action": "create_group", "answers": "1"}, "label"),
    ({"action": "propose_decision", "text": "x"}, "from"),
    ({"action": "propose_decision"}, "text"),
    ({"action": "consent", "decision": 1, "level": "object"}, "reason"),
    ({"action": "reword", "decision": 1}, "text"),
    ({"action": "add_action", "decision": 1, "what": "x"}, "who"),
    ({"action": "add_action", "decision": 1, "who": "x"}, "what"),
    ({"action": "edit_action", "number": 1, "what": "x"}, "who"),
    ({"action": "edit_action", "number": 1, "who": "x"}, "what"),
]


@pytest.mark.parametrize(("fields", "name"), TEXT_FIELDS, ids=lambda v: str(v))
def test_every_typed_text_is_cleaned_where_commands_are_parsed(
    fields: dict[str, Any], name: str
) -> None:
    """No control character (NUL, escape sequences, C1 controls, bells) of any typed text
    reaches a command, so none reaches the store or an export; spaces are tidied."""
    message = parse_message(wire(**fields, **{name: DIRTY}), MAX_BYTES)
    values = [v for v in vars(message.command).values() if isinstance(v, str)]
    assert "ab[31mcd2Jef g h" in values, values
    for value in values:
        assert not any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value), value

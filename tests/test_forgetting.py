"""Closing, deleting and retention forget for good: on disk, byte for byte, not only in tables.

Each test plays a session with phones that answer, vote and respond, then looks at the raw
bytes of every file in the database's folder (the database, its -wal and -shm, the log) for
anything that could tie a row to a device: pseudonyms, cookie tokens and message ids.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from conftest import ServerProcess
from wire import Facilitator, LiveClient, join, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")


@dataclass
class Traces:
    """What the phones of one session chose or were given: none of it may outlive closing."""

    tokens: list[str] = field(default_factory=list)
    msg_ids: list[str] = field(default_factory=list)

    @property
    def pseudonyms(self) -> list[str]:
        return [
            hashlib.sha256(f"participant:{token}".encode()).hexdigest()[:32]
            for token in self.tokens
        ]

    def needles(self) -> list[str]:
        return [*self.tokens, *self.pseudonyms, *self.msg_ids]


def traces_on_disk(folder: Path, needles: list[str]) -> list[tuple[str, str]]:
    """(file, needle) for every needle found in the raw bytes of any file in `folder`."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_file():
            raw = path.read_bytes()
            found += [(path.name, n) for n in needles if n.encode() in raw]
    return found


async def send(client: LiveClient, msg_id: str, action: str, **values: object) -> str:
    await client.send_json({"action": action, "msg_id": msg_id, **values})
    return await client.ack(msg_id)


async def played_session(server: ServerProcess, traces: Traces) -> tuple[Facilitator, LiveClient]:
    """Three phones answer, vote and respond to a decision, with message ids of their own
    choosing; two of them use the same ids, as docs/protocol.md allows ("unique per client")."""
    fac = await open_session(server.url, lang="en")
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    phones = []
    for _ in range(3):
        cookie = await join(server.url, fac.code)
        traces.tokens.append(cookie.split("=", 1)[1])
        phones.append(await LiveClient.connect(server.url, fac.session_id, "phone", cookie))
    mark = secrets.token_hex(6)
    ids = {
        "shared": f"trace-{mark}-shared",  # used by two phones, for an answer each
        "own": f"trace-{mark}-own",
        "long": f"trace-{mark}-" + "x" * 40,  # near the 64-character limit
        "reused": f"trace-{mark}-reused",  # one phone's answer, vote and consent
    }
    traces.msg_ids += ids.values()
    assert await send(phones[0], ids["shared"], "answer", text="respect") == "ok"
    assert await send(phones[1], ids["shared"], "answer", text="rust in de klas") == "ok"
    assert await send(phones[1], ids["own"], "answer", text="samen leren") == "ok"
    assert await send(phones[2], ids["long"], "answer", text="veiligheid") == "ok"
    assert await send(phones[2], ids["reused"], "answer", text="plezier") == "ok"
    assert await console.request("start_grouping") == "ok"
    assert await console.request("start_voting", budget=3, stacking=1) == "ok"
    for phone in phones:
        assert await phone.request("vote", item="a1", dots=2) == "ok"
    assert await send(phones[2], ids["reused"], "vote", item="a2", dots=1) == "ok"
    assert await console.request("reveal_votes") == "ok"
    propose = {"from": "respect", "text": "We listen to each other"}
    assert await console.request("propose_decision", **propose) == "ok"
    for phone, level in zip(phones, ["support", "support", "live_with"], strict=True):
        assert await phone.request("consent", decision=1, level=level, reason="") == "ok"
    assert await send(phones[2], ids["reused"], "consent", decision=1, level="support") == "ok"
    assert await console.request("close_round", decision=1) == "ok"
    return fac, console


def count(db_path: Path, query: str) -> int:
    with sqlite3.connect(db_path) as db:
        return int(db.execute(query).fetchone()[0])


async def test_closing_leaves_no_trace_of_a_device_in_any_file(server):
    """After closing, no file in the database's folder holds a pseudonym, cookie token or
    message id, not even the write-ahead log; the outcome is saved and can be shared."""
    traces = Traces()
    fac, console = await played_session(server, traces)
    assert traces_on_disk(server.db.parent, traces.pseudonyms)  # the check can see them
    assert await console.request("end_session") == "ok"
    assert traces_on_disk(server.db.parent, traces.needles()) == []
    assert count(server.db, "SELECT count(*) FROM outcomes") == 1
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": fac.cookie}) as http:
        made = await http.post(f"/s/{fac.session_id}/share")
        assert made.status_code == 303, made.text
    server.stop()
    assert traces_on_disk(server.db.parent, traces.needles()) == []


async def test_closing_survives_colliding_reused_and_hostile_message_ids(server):
    """Message ids are the client's to choose: two phones with the same ids, one phone that
    reuses an id for an answer, a vote and a consent, ids of 64 characters, and ids that look
    like another phone's pseudonym can never make closing fail."""
    traces = Traces()
    fac, console = await played_session(server, traces)
    impostor = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    hostile = [traces.pseudonyms[0], "0" * 64, "-", ".", ":"]
    for msg_id in hostile:
        await send(impostor, msg_id, "vote", item="a1", dots=1)
    assert await console.request("end_session") == "ok"
    await impostor.wait_text("The session is closed.")
    assert count(server.db, "SELECT count(*) FROM outcomes") == 1
    assert count(server.db, "SELECT count(*) FROM sessions WHERE is_open = 1") == 0
    assert count(server.db, "SELECT count(*) FROM participants") == 0


async def test_a_resent_answer_after_a_delete_and_a_restart_is_not_stored_again(server):
    """The receipt of an answer outlives the answer: a phone that resends it after deleting
    it, across a restart, does not get it back."""
    fac = await open_session(server.url, lang="en")
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    cookie = await join(server.url, fac.code)
    phone = await LiveClient.connect(server.url, fac.session_id, "phone", cookie)
    assert await send(phone, "once", "answer", text="eenmaal") == "ok"
    assert await phone.request("delete", answer=1) == "ok"
    server.stop()
    server.start()
    phone = await LiveClient.connect(server.url, fac.session_id, "phone", cookie)
    assert await send(phone, "once", "answer", text="eenmaal") == "ok"
    assert count(server.db, "SELECT count(*) FROM answers") == 0


async def test_deleting_leaves_no_trace_of_a_device_in_any_file(server):
    """Deleting a session (before closing it) leaves no pseudonym, token or message id in
    any file of the database's folder."""
    traces = Traces()
    fac, _ = await played_session(server, traces)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": fac.cookie}) as http:
        deleted = await http.post(f"/s/{fac.session_id}/delete", data={"confirm": "delete"})
        assert deleted.status_code == 200
    assert traces_on_disk(server.db.parent, traces.needles()) == []
    assert count(server.db, "SELECT count(*) FROM sessions") == 0


async def test_retention_closes_forgotten_sessions_and_leaves_no_trace(server_factory):
    """A session nobody closed is closed by the retention pass once its time is up: its
    outcome is kept without raw answers, and no file keeps a trace of a device."""
    server = server_factory(retention_days="0")
    traces = Traces()
    fac, _ = await played_session(server, traces)
    server.stop()
    server.start()  # the retention pass runs at start
    assert count(server.db, "SELECT count(*) FROM sessions WHERE is_open = 1") == 0
    assert count(server.db, "SELECT count(*) FROM answers") == 0
    assert count(server.db, "SELECT count(*) FROM participants") == 0
    with sqlite3.connect(server.db) as db:
        (outcome,) = db.execute("SELECT outcome FROM outcomes").fetchone()
    assert "We listen to each other" in outcome
    assert "rust in de klas" not in outcome
    assert traces_on_disk(server.db.parent, traces.needles()) == []
    del fac


async def test_retention_keeps_a_one_card_group_named_after_its_card(server_factory):
    """A group of one answer, labelled with that answer's words, is a group: retention keeps
    its label and its votes, and drops only the answers on their own."""
    server = server_factory(retention_days="0")
    fac = await open_session(server.url, lang="en")
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    phones = [
        await LiveClient.connect(
            server.url, fac.session_id, "phone", await join(server.url, fac.code)
        )
        for _ in range(3)
    ]
    assert await phones[0].request("answer", text="respect") == "ok"
    assert await phones[1].request("answer", text="losse kaart") == "ok"
    assert await console.request("start_grouping") == "ok"
    assert await console.request("create_group", answers="1", label="respect") == "ok"
    assert await console.request("start_voting", budget=3, stacking=1) == "ok"
    for phone in phones:
        assert await phone.request("vote", item="g1", dots=2) == "ok"
    assert await console.request("reveal_votes") == "ok"
    assert await console.request("end_session") == "ok"
    server.stop()
    server.start()
    with sqlite3.connect(server.db) as db:
        (raw,) = db.execute("SELECT outcome FROM outcomes").fetchone()
    (prompt,) = [p for p in json.loads(raw)["prompts"] if p["items"]]
    assert [(i["kind"], i["label"], i["votes"]) for i in prompt["items"]] == [
        ("group", "respect", 6)
    ]
    assert "losse kaart" not in raw

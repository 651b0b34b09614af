"""The fallback for networks that block websockets: a phone takes part over server-sent
events and posts, through the same write path, with the same receipts and fragments."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import httpx
import pytest

from wire import LiveClient, StreamClient, join, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")


def rows(db_path, query: str) -> list[tuple]:
    with sqlite3.connect(db_path) as db:
        return db.execute(query).fetchall()


async def test_a_phone_on_the_fallback_answers_votes_and_consents(server):
    """Everything a participant does works over the stream and posts; the projector and
    console see it as from any phone; a resent message is applied once."""
    fac = await open_session(server.url)
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    screen = await LiveClient.connect(server.url, fac.session_id, "screen", fac.cookie)
    phone = await StreamClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    assert phone.name, "the stream says hello with its name"
    await phone.wait_text('id="stage"')  # the full state comes first
    await console.wait_text("1 phone on the fallback connection")

    assert await console.request("open_prompt", prompt=0) == "ok"
    await phone.wait_text('name="text"')
    answer = {"action": "answer", "text": "Respect voor elkaar", "msg_id": "fb-1"}
    await phone.send_json(answer)
    assert await phone.ack("fb-1") == "ok"
    await phone.send_json(answer)  # again, as after a lost connection: applied once
    await screen.wait_text("Respect voor elkaar")
    await phone.wait_text("Respect voor elkaar<")
    await asyncio.sleep(0.2)
    assert rows(server.db, "SELECT count(*) FROM answers") == [(1,)]

    assert await console.request("start_grouping") == "ok"
    assert await console.request("start_voting", budget=3, stacking=1) == "ok"
    await phone.wait_text("3 dots left")
    assert await phone.request("vote", item="a1", dots=2) == "ok"
    await phone.wait_text("1 dot left")
    await screen.wait_text("1 of 1 voted")
    assert await console.request("reveal_votes") == "ok"
    assert await console.request("propose_decision", text="We groeten elkaar") == "ok"
    await phone.wait_text("We groeten elkaar")
    assert await phone.request("consent", decision=1, level="live_with") == "ok"
    await screen.wait_text("1 of 1 responded")


async def test_the_console_counts_phones_on_the_fallback_while_they_are_there(server):
    fac = await open_session(server.url)
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    cookies = [await join(server.url, fac.code) for _ in range(2)]
    first = await StreamClient.connect(server.url, fac.session_id, "phone", cookies[0])
    await StreamClient.connect(server.url, fac.session_id, "phone", cookies[1])
    await LiveClient.connect(server.url, fac.session_id, "phone", await join(server.url, fac.code))
    await console.wait_text("2 phones on the fallback connection")
    since = len(console.frames)
    await first.close()
    await console.wait_new_text("1 phone on the fallback connection", since)


async def test_bad_messages_over_the_fallback_get_the_same_clear_refusals(server):
    fac = await open_session(server.url)
    cookie = await join(server.url, fac.code)
    phone = await StreamClient.connect(server.url, fac.session_id, "phone", cookie)
    await phone.post(b"{not json")
    await phone.wait_text("could not be read")
    big = json.dumps({"action": "answer", "text": "x" * 9000, "msg_id": "big"})
    assert (await phone.post(big)).status_code == 202
    await phone.wait_text("too large to send")
    assert await phone.request("open_prompt", prompt=0) == "rejected"
    assert "Only the session leader can do that." in phone.text
    # A stream that does not exist (it ended): the page sends again after the next hello.
    gone = await phone.post(json.dumps({"action": "vote", "msg_id": "x"}), stream="nope")
    assert gone.status_code == 409
    # Another phone cannot speak on this phone's stream.
    other = await join(server.url, fac.code)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": other}) as http:
        url = f"/s/{fac.session_id}/send?view=phone&stream={phone.name}"
        sneaky = await http.post(url, content=json.dumps({"action": "answer", "msg_id": "s"}))
    assert sneaky.status_code == 403
    # The stream carries on.
    assert await phone.request("answer", text="nog steeds hier") == "rejected"  # not open yet


@pytest.mark.parametrize(
    ("who", "code"),
    [("unknown session", 4404), ("no cookie", 4403)],
)
async def test_a_refused_stream_ends_with_the_websocket_close_code(server, who, code):
    fac = await open_session(server.url)
    session_id = "nope" if who == "unknown session" else fac.session_id
    stream = await StreamClient.connect(server.url, session_id, "phone", "")
    await stream.wait_for(lambda c: c.closed_code is not None)
    assert stream.closed_code == code


async def test_a_locked_room_and_a_deleted_session_end_the_stream_with_their_reason(server):
    fac = await open_session(server.url)
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    inside = await StreamClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    late = await join(server.url, fac.code)
    assert await console.request("lock_room", locked=1) == "ok"
    newcomer = await StreamClient.connect(server.url, fac.session_id, "phone", late)
    await newcomer.wait_for(lambda c: c.closed_code is not None)
    assert newcomer.closed_code == 4423
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": fac.cookie}) as http:
        deleted = await http.post(f"/s/{fac.session_id}/delete", data={"confirm": "delete"})
    assert deleted.status_code in (200, 303)
    await inside.wait_for(lambda c: c.closed_code is not None)
    assert inside.closed_code == 4404


async def test_a_stream_outlives_the_request_deadline_and_pings_while_quiet(server_factory):
    """The ten-second limit on a request's body must not cut a stream that listens for
    minutes; pings show the page that it still lives."""
    server = server_factory(request_timeout="1")
    fac = await open_session(server.url)
    phone = await StreamClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    await phone.wait_for(lambda c: c.pings >= 1, timeout=5)
    await asyncio.sleep(1.5)
    assert phone.closed_code is None
    assert await phone.request("answer", text="nog hier") == "rejected"  # still heard: not open yet


async def test_a_websocket_phone_that_asks_hears_that_the_connection_lives(server):
    """Browsers cannot see the server's pings: the page asks with "ping" when it has heard
    nothing for a while, and the server answers at once, outside the session's writer."""
    fac = await open_session(server.url)
    phone = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    await phone.wait_text('id="stage"')
    since = len(phone.frames)
    await phone.socket.send("ping")
    await phone.wait_new_text('id="heartbeat"', since)

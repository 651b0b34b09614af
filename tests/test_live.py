"""The live session over real websockets against a real server and SQLite file."""

from __future__ import annotations

import asyncio
import re
import signal

import httpx
import pytest

from wire import LiveClient, join, open_session

WALL_ITEM = re.compile(r'<li id="answer-(\d+)" class="card">([^<]*)<')

pytestmark = pytest.mark.usefixtures("close_live_clients")


def wall_numbers(text: str) -> list[int]:
    return [int(n) for n, _ in WALL_ITEM.findall(text)]


async def start_answering(fac_url: str, fac, prompt: int = 0) -> LiveClient:
    console = await LiveClient.connect(fac_url, fac.session_id, "console", fac.cookie)
    assert await console.request("open_prompt", prompt=prompt) == "ok"
    return console


async def test_thirty_phones_answer_at_once_and_every_screen_shows_each_answer_once(server):
    """30 concurrent participants: console and projector get all 30 answers exactly once,
    and each phone sees only its own answer."""
    fac = await open_session(server.url)
    console = await start_answering(server.url, fac)
    screen = await LiveClient.connect(server.url, fac.session_id, "screen", fac.cookie)
    cookies = await asyncio.gather(*(join(server.url, fac.code) for _ in range(30)))
    phones = await asyncio.gather(
        *(LiveClient.connect(server.url, fac.session_id, "phone", c) for c in cookies)
    )
    statuses = await asyncio.gather(
        *(phone.request("answer", text=f"respect nummer {i}") for i, phone in enumerate(phones))
    )
    assert statuses == ["ok"] * 30

    for viewer in (console, screen):
        await viewer.wait_for(lambda c: len(wall_numbers(c.text)) >= 30)
        await asyncio.sleep(0.2)  # anything doubled would arrive now
        numbers = wall_numbers(viewer.text)
        assert sorted(numbers) == list(range(1, 31)), numbers
        assert "30 answers" in viewer.text
    for i, phone in enumerate(phones):
        await phone.wait_text(f"respect nummer {i}<")
        others = {f"respect nummer {j}<" for j in range(30) if j != i}
        assert not any(other in phone.text for other in others)
        assert 'id="wall"' not in phone.text  # phones never get the answer wall
    for client in (console, screen, *phones):
        await client.close()


async def test_a_resent_answer_is_applied_once(server):
    """The same client message id sent twice (a resend after reconnect) makes one answer."""
    fac = await open_session(server.url)
    console = await start_answering(server.url, fac)
    phone = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    message = {"action": "answer", "msg_id": "same-id-1", "text": "veiligheid"}
    await phone.send_json(message)
    await phone.send_json(message)
    await phone.ack("same-id-1")
    await phone.close()
    phone = await LiveClient.connect(
        server.url, fac.session_id, "phone", phone_cookie := await join(server.url, fac.code)
    )
    await phone.send_json(message)  # a different phone may use the same id for its own answer
    await phone.ack("same-id-1")
    await console.wait_for(lambda c: len(wall_numbers(c.text)) >= 2)
    await asyncio.sleep(0.2)
    assert sorted(wall_numbers(console.text)) == [1, 2]
    assert phone_cookie


async def test_edit_and_delete_own_answers_reach_every_screen(server):
    """A participant edits and deletes their own answer; console and phone follow."""
    fac = await open_session(server.url)
    console = await start_answering(server.url, fac)
    phone = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    assert await phone.request("answer", text="eerlijkheid") == "ok"
    await console.wait_text(">eerlijkheid<")
    assert await phone.request("edit", answer="1", text="eerlijkheid en openheid") == "ok"
    await console.wait_text(
        '<li id="answer-1" class="card" hx-swap-oob="true">eerlijkheid en openheid<'
    )
    await phone.wait_text(">eerlijkheid en openheid<")
    assert await phone.request("delete", answer=1) == "ok"
    await console.wait_text('<template id="answer-1" hx-swap-oob="delete">')
    assert await phone.request("delete", answer=1) == "ok"  # twice is the same as once


async def test_a_participant_cannot_touch_another_participants_answer(server):
    """Editing or deleting someone else's answer is refused and changes nothing."""
    fac = await open_session(server.url)
    console = await start_answering(server.url, fac)
    alice = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    bob = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    assert await alice.request("answer", text="zorgzaamheid") == "ok"
    assert await bob.request("edit", answer=1, text="gehackt") == "rejected"
    assert "You can only change your own answers." in bob.text
    assert await bob.request("delete", answer=1) == "rejected"
    await asyncio.sleep(0.1)
    assert "gehackt" not in console.text
    assert 'hx-swap-oob="delete"' not in console.text


async def test_a_participant_cannot_drive_the_session(server):
    """Facilitator commands from a phone are refused; the console view is closed to phones."""
    fac = await open_session(server.url)
    cookie = await join(server.url, fac.code)
    phone = await LiveClient.connect(server.url, fac.session_id, "phone", cookie)
    for action, values in [
        ("open_prompt", {"prompt": 0}),
        ("close_answering", {}),
        ("set_reveal", {"reveal": "on_close"}),
    ]:
        assert await phone.request(action, **values) == "rejected"
    assert "Only the session leader can do that." in phone.text
    assert "You&#39;re in!" in phone.text or "You're in!" in phone.text  # still in the lobby
    # The same cookie does not open the facilitator's views.
    sneaky = await LiveClient.connect(server.url, fac.session_id, "console", cookie)
    await sneaky.wait_for(lambda c: c.closed_code is not None)
    assert sneaky.closed_code == 4403
    async with httpx.AsyncClient(base_url=server.url) as http:
        for path in ("console", "screen"):
            response = await http.get(f"/s/{fac.session_id}/{path}", headers={"cookie": cookie})
            assert response.status_code == 403
        wrong_key = await http.get(f"/s/{fac.session_id}/console?key=guess")
        assert wrong_key.status_code == 403
        # The private link opens the console on another device.
        link = fac.private_link.removeprefix(server.url)
        reopened = await http.get(link)
        assert reopened.status_code == 303
        assert (await http.get(f"/s/{fac.session_id}/console")).status_code == 200


async def test_a_restart_loses_no_acknowledged_answer_and_clients_resync(server):
    """Stop the server mid-session and start it again: every answer that was acknowledged
    is still there, once, and reconnecting clients receive the full state."""
    fac = await open_session(server.url)
    console = await start_answering(server.url, fac)
    cookies = [await join(server.url, fac.code) for _ in range(5)]
    phones = [await LiveClient.connect(server.url, fac.session_id, "phone", c) for c in cookies]
    texts = [f"antwoord {i}" for i in range(5)]
    sent = [p.request("answer", text=t) for p, t in zip(phones, texts, strict=True)]
    assert await asyncio.gather(*sent) == ["ok"] * 5

    server.stop(signal.SIGTERM)
    for client in (console, *phones):
        await client.wait_for(lambda c: c.closed_code is not None)
    assert phones[0].closed_code == 1012  # "service restart": browsers reconnect by themselves
    server.start()

    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    await console.wait_for(lambda c: len(wall_numbers(c.text)) == 5)
    assert sorted(text for _, text in WALL_ITEM.findall(console.text)) == texts
    assert "Answering open" in console.text
    for cookie, text in zip(cookies, texts, strict=True):
        phone = await LiveClient.connect(server.url, fac.session_id, "phone", cookie)
        await phone.wait_text(f">{text}<")  # the phone's own answers, back after the restart
    resent = await phone.request("answer", text="nog eentje")
    assert resent == "ok"
    await console.wait_for(lambda c: 6 in wall_numbers(c.text))


async def test_bad_input_gets_a_clear_error_and_the_connection_stays_usable(server):
    """Each kind of bad message is answered to its sender only; the connection still works
    afterwards and nothing changes for anyone else."""
    fac = await open_session(server.url)
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    phone = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )

    assert await phone.request("answer", text="te vroeg") == "rejected"
    assert "Answering has not started yet." in phone.text
    assert await console.request("open_prompt", prompt=0) == "ok"

    async def refused(raw: str | bytes, expected: str) -> None:
        before = len(phone.frames)
        await phone.socket.send(raw)
        await phone.wait_for(lambda c: any(expected in f for f in c.frames[before:]))

    await refused("{not json", "That message could not be read.")
    await refused("[1, 2, 3]", "That message could not be read.")
    await refused(b"\xff\xfe{\x00", "That message could not be read.")
    await refused('{"action": "answer", "text": "zonder id"}', "That message lacks its id")
    await refused('{"action": "fly", "msg_id": "x1"}', "Unknown action.")
    await refused(
        '{"action": "edit", "msg_id": "x2", "answer": "een", "text": "t"}',
        "missing or invalid field",
    )
    await refused(
        '{"action": "answer", "msg_id": "x3", "text": "' + "a" * 20_000 + '"}', "too large"
    )
    assert await phone.request("answer", text="   ") == "rejected"
    assert "Write something first." in phone.text
    assert await phone.request("answer", text="x" * 281) == "rejected"
    assert "at most 280 characters" in phone.text
    assert await phone.request("answer", text="y" * 280) == "ok"  # the limit itself is fine
    assert await phone.request("edit", answer=999, text="weg") == "rejected"
    assert "That answer no longer exists." in phone.text
    assert await phone.request("open_prompt", prompt=7) == "rejected"
    assert await console.request("open_prompt", prompt=7) == "rejected"
    assert "That question is not part of this session." in console.text

    assert await phone.request("answer", text="nog steeds verbonden") == "ok"
    await console.wait_text(">nog steeds verbonden<")
    assert "could not be read" not in console.text and "too large" not in console.text
    assert sorted(wall_numbers(console.text)) == [1, 2]

    assert await console.request("close_answering") == "ok"
    assert await phone.request("answer", text="te laat") == "rejected"
    assert "Answering is closed for this question." in phone.text
    assert await phone.request("edit", answer=1, text="te laat") == "rejected"

    # A frame beyond the websocket layer's limit closes only that connection.
    other = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    await other.socket.send("x" * (1024 * 1024 + 1))
    await other.wait_for(lambda c: c.closed_code is not None)
    assert other.closed_code == 1009
    assert await console.request("open_prompt", prompt=1) == "ok"
    await phone.wait_text("Question 2 of 4")


async def test_unknown_codes_get_a_clear_page(server):
    """A mistyped code says so, in a page that lets the person try again."""
    english = {"accept-language": "en-GB,en;q=0.9"}
    async with httpx.AsyncClient(base_url=server.url) as http:
        for path in ("/j/000000", "/?code=12345", "/?code=abc"):
            response = await http.get(path, headers=english)
            assert response.status_code == 404
            assert "There is no open session with that code" in response.text
            assert 'name="code"' in response.text
        dutch = await http.get("/j/000000", headers={"accept-language": "nl-NL"})
        assert "Er is geen open sessie met die code" in dutch.text
        unknown_socket = await LiveClient.connect(server.url, "nope", "phone", "dv_p_nope=abc")
        await unknown_socket.wait_for(lambda c: c.closed_code is not None)
        assert unknown_socket.closed_code == 4404


async def test_answers_can_stay_off_the_projector_until_answering_closes(server):
    """With reveal on close, the projector counts answers but shows none until the leader
    closes answering; the console sees them all along."""
    fac = await open_session(server.url, reveal="on_close")
    console = await start_answering(server.url, fac)
    screen = await LiveClient.connect(server.url, fac.session_id, "screen", fac.cookie)
    await screen.wait_text("Answers appear here when answering closes.")
    phone = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    for text in ("luisteren", "geduld"):
        assert await phone.request("answer", text=text) == "ok"
    await console.wait_for(lambda c: len(wall_numbers(c.text)) == 2)
    await screen.wait_text("2 answers")
    assert "luisteren" not in screen.text and "geduld" not in screen.text

    assert await console.request("close_answering") == "ok"
    await screen.wait_for(
        lambda c: {"luisteren", "geduld"} <= {t for _, t in WALL_ITEM.findall(c.text)}
    )
    # The leader can switch to live showing during answering too.
    assert await console.request("open_prompt", prompt=1) == "ok"
    assert await console.request("set_reveal", reveal="live") == "ok"
    assert await phone.request("answer", text="samen") == "ok"
    await screen.wait_text(">samen<")


async def test_no_screen_or_log_line_says_who_wrote_what(server):
    """Console, projector and logs carry the answers but nothing that ties an answer to a
    phone: no pseudonym, no token; refusals are logged without their text."""
    import hashlib
    import sqlite3

    fac = await open_session(server.url)
    console = await start_answering(server.url, fac)
    screen = await LiveClient.connect(server.url, fac.session_id, "screen", fac.cookie)
    cookies = [await join(server.url, fac.code) for _ in range(2)]
    phones = [await LiveClient.connect(server.url, fac.session_id, "phone", c) for c in cookies]
    assert await phones[0].request("answer", text="geheim antwoord een") == "ok"
    assert await phones[1].request("answer", text="geheim antwoord twee") == "ok"
    assert await phones[1].request("answer", text="te lang " * 50) == "rejected"
    await screen.wait_text("geheim antwoord twee")
    await console.wait_text("geheim antwoord twee")

    tokens = [cookie.split("=", 1)[1] for cookie in cookies]
    pseudonyms = [
        hashlib.sha256(f"participant:{token}".encode()).hexdigest()[:32] for token in tokens
    ]
    with sqlite3.connect(server.db) as db:
        stored = {row[0] for row in db.execute("SELECT author FROM answers")}
    assert stored == set(pseudonyms)  # the store keeps exactly the pseudonym, nothing more
    for secret in (*tokens, *pseudonyms):
        assert secret not in console.text
        assert secret not in screen.text
        assert secret not in server.log
    assert "geheim antwoord" not in server.log
    assert "te lang" not in server.log
    assert "refused SubmitAnswer (answer_too_long)" in server.log
    assert "WebSocket" not in server.log  # uvicorn would log each phone's address here


async def test_the_leader_adds_a_question_during_the_session(server):
    """A question added in the console reaches every screen and survives a restart."""
    fac = await open_session(server.url)
    console = await start_answering(server.url, fac)
    phone = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    await phone.wait_text("Question 1 of 4")
    assert await console.request("add_prompt", text="What do you take home today?") == "ok"
    await phone.wait_text("Question 1 of 5")
    await console.wait_text("What do you take home today?")
    assert await phone.request("add_prompt", text="sneaky") == "rejected"
    assert await console.request("add_prompt", text=" ") == "rejected"
    assert "Write the question first." in console.text
    server.stop()
    server.start()
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    assert await console.request("open_prompt", prompt=4) == "ok"
    await console.wait_text("Answers to question 5")
    assert "What do you take home today?" in console.text

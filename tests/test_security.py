"""Who may do what, and what the door keeps out: each promise of docs/security.md."""

from __future__ import annotations

import asyncio
import sqlite3

import httpx
import pytest

from wire import LiveClient, join, login_cookies, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")
ENGLISH = {"accept-language": "en"}


def count(db_path, query: str, *args: object) -> int:
    with sqlite3.connect(db_path) as db:
        return int(db.execute(query, args).fetchone()[0])


async def test_a_form_posted_from_another_site_is_refused(server):
    """Cross-site request forgery: a POST whose Origin is another site changes nothing."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        form = {"pack": "core-values", "lang": "nl"}
        forged = await http.post("/sessions", data=form, headers={"origin": "http://evil.example"})
        assert forged.status_code == 403
        assert "andere website" in forged.text  # in the sender's language: Dutch by default
        english = {"origin": "http://evil.example", "accept-language": "en-GB"}
        forged = await http.post("/sessions", data=form, headers=english)
        assert "another site" in forged.text
        assert count(server.db, "SELECT count(*) FROM sessions") == 0
        own = await http.post("/sessions", data=form, headers={"origin": server.url})
        assert own.status_code == 303


async def test_too_large_a_request_body_is_refused_with_413(server):
    """HTTP bodies over the limit (64 KiB) get a clear 413 and nothing is stored."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        data = {"pack": "own", "questions": "x" * 100_000, "lang": "nl"}
        response = await http.post("/sessions", data=data)
        assert response.status_code == 413
        assert "te veel om in één keer te versturen" in response.text  # Dutch by default
    assert count(server.db, "SELECT count(*) FROM sessions") == 0


async def test_answers_are_rate_limited_per_participant(server_factory):
    """A participant sending answers too fast gets a clear refusal; others carry on."""
    server = server_factory(answers_per_minute="5")
    fac = await open_session(server.url)
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    eager = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    calm = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    statuses = [await eager.request("answer", text=f"antwoord {i}") for i in range(6)]
    assert statuses == ["ok"] * 5 + ["rejected"]
    assert "That is a lot of answers at once. Try again in" in eager.text
    assert await calm.request("answer", text="rustig") == "ok"


async def test_a_full_session_turns_newcomers_away_and_keeps_those_inside(server_factory):
    """With a maximum of two participants a third phone is told the session is full."""
    server = server_factory(max_participants="2")
    fac = await open_session(server.url)
    *inside, third = [await join(server.url, fac.code) for _ in range(3)]  # pages first
    phones = [await LiveClient.connect(server.url, fac.session_id, "phone", c) for c in inside]
    await phones[1].wait_text('id="stage"')
    late = await LiveClient.connect(server.url, fac.session_id, "phone", third)
    await late.wait_for(lambda c: c.closed_code is not None)
    assert late.closed_code == 4429
    async with httpx.AsyncClient(base_url=server.url, headers=ENGLISH) as http:
        full = await http.get(f"/j/{fac.code}")
        assert full.status_code == 403
        assert "This session is full" in full.text
    again = await LiveClient.connect(server.url, fac.session_id, "phone", inside[0])
    await again.wait_text('id="stage"')  # someone already inside may always come back


async def test_a_hidden_answer_leaves_every_screen_and_the_outcome(server):
    """Moderation: the facilitator hides an answer; console, projector and its author's phone
    drop it, and it is in no export; a participant cannot hide anything."""
    fac = await open_session(server.url, lang="en")
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    screen = await LiveClient.connect(server.url, fac.session_id, "screen", fac.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    phone = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    assert await phone.request("answer", text="ongepaste grap") == "ok"
    assert await phone.request("answer", text="respect") == "ok"
    await screen.wait_text("ongepaste grap")
    assert await phone.request("hide_answer", answer=1) == "rejected"
    assert await console.request("hide_answer", answer=1) == "ok"
    for viewer in (console, screen):
        await viewer.wait_text('<template id="answer-1" hx-swap-oob="delete">')
    await asyncio.sleep(0.2)
    assert "ongepaste grap" not in phone.frames[-1] + phone.frames[-2]
    assert count(server.db, "SELECT count(*) FROM answers WHERE text = 'ongepaste grap'") == 0
    assert await console.request("start_grouping") == "ok"
    assert await console.request("end_session") == "ok"
    await phone.wait_text("The session is closed.")
    with sqlite3.connect(server.db) as db:
        (outcome,) = db.execute("SELECT outcome FROM outcomes").fetchone()
    assert "ongepaste grap" not in outcome and "respect" in outcome


async def test_an_answer_hidden_while_voting_leaves_boards_ballots_and_results(server):
    """Hiding an answer after answering closed takes it off the ballots on the phones, the
    projector's results and the console at once, not only off the wall."""
    fac = await open_session(server.url, lang="en")
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    screen = await LiveClient.connect(server.url, fac.session_id, "screen", fac.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    phones = [
        await LiveClient.connect(
            server.url, fac.session_id, "phone", await join(server.url, fac.code)
        )
        for _ in range(3)
    ]
    assert await phones[0].request("answer", text="ongepaste grap") == "ok"
    assert await phones[1].request("answer", text="respect") == "ok"
    assert await console.request("start_grouping") == "ok"
    assert await console.request("start_voting", budget=3, stacking=1) == "ok"
    for phone in phones:
        assert await phone.request("vote", item="a1", dots=1) == "ok"
    assert await console.request("reveal_votes") == "ok"
    viewers = [console, screen, *phones]
    for viewer in viewers:
        await viewer.wait_text("ongepaste grap")
    assert await console.request("hide_answer", answer=1) == "ok"

    def latest_stage(client: LiveClient) -> str:
        text = client.text
        return text[text.rindex('id="stage"') :] if 'id="stage"' in text else ""

    for viewer in viewers:
        # The stage each screen shows last: drawn again without the hidden answer.
        await viewer.wait_for(
            lambda c: "respect" in latest_stage(c) and "ongepaste grap" not in latest_stage(c)
        )
    assert await phones[0].request("vote", item="a2", dots=3) == "ok"  # the dots came back


async def test_secure_cookies_and_security_headers(server_factory):
    """Cookies are HttpOnly and SameSite, Secure behind HTTPS (a proxy named in
    DRAAGVLAK_TRUSTED_PROXIES); pages carry a CSP without inline script, no framing, no
    sniffing; the secret is stored only as a hash."""
    server = server_factory(trusted_proxies="127.0.0.1")
    cookies = await login_cookies(server.url)
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies) as http:
        plain = await http.post("/sessions", data={"pack": "core-values", "lang": "nl"})
        cookie = plain.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
        behind_tls = await http.post(
            "/sessions",
            data={"pack": "core-values", "lang": "nl"},
            headers={"x-forwarded-proto": "https"},
        )
        assert "Secure" in behind_tls.headers["set-cookie"]
        page = await http.get("/start")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
    secret = cookie.split("=", 1)[1].split(";", 1)[0]
    assert len(secret) >= 40
    with open(server.db, "rb") as handle:
        assert secret.encode() not in handle.read()
    assert count(server.db, "SELECT count(*) FROM sessions WHERE facilitator_hash = ?", secret) == 0


async def test_a_connection_to_one_session_can_neither_read_nor_change_another(server):
    """Cookies are per session: A's facilitator or phone cannot open B, and A's numbers mean
    nothing in B; a websocket from a foreign page is refused."""
    a = await open_session(server.url)
    b = await open_session(server.url)
    b_console = await LiveClient.connect(server.url, b.session_id, "console", b.cookie)
    assert await b_console.request("open_prompt", prompt=0) == "ok"
    b_phone = await LiveClient.connect(
        server.url, b.session_id, "phone", await join(server.url, b.code)
    )
    assert await b_phone.request("answer", text="van B") == "ok"
    a_phone_cookie = await join(server.url, a.code)
    for view, cookie in (("console", a.cookie), ("screen", a.cookie), ("phone", a_phone_cookie)):
        intruder = await LiveClient.connect(server.url, b.session_id, view, cookie)
        await intruder.wait_for(lambda c: c.closed_code is not None)
        assert intruder.closed_code == 4403
    a_console = await LiveClient.connect(server.url, a.session_id, "console", a.cookie)
    assert await a_console.request("hide_answer", answer=1) == "ok"  # nothing numbered 1 in A
    assert count(server.db, "SELECT count(*) FROM answers WHERE text = 'van B'") == 1
    foreign = await LiveClient.connect(
        server.url, a.session_id, "console", a.cookie, origin="http://evil.example"
    )
    await foreign.wait_for(lambda c: c.closed_code is not None)
    assert foreign.closed_code == 4403
    async with httpx.AsyncClient(base_url=server.url) as http:
        stolen = await http.get(f"/s/{b.session_id}/console", headers={"cookie": a.cookie})
        assert stolen.status_code == 403


async def test_deleting_a_session_removes_everything_at_once(server):
    """The facilitator deletes the whole session: every row of it goes, and its screens close."""
    fac = await open_session(server.url)
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    phone = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    assert await phone.request("answer", text="weg ermee") == "ok"
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": fac.cookie}) as http:
        unconfirmed = await http.post(f"/s/{fac.session_id}/delete", data={})
        assert unconfirmed.status_code == 303
        assert count(server.db, "SELECT count(*) FROM answers") == 1
        deleted = await http.post(f"/s/{fac.session_id}/delete", data={"confirm": "delete"})
        assert deleted.status_code == 200
    await phone.wait_for(lambda c: c.closed_code is not None)
    assert phone.closed_code == 4404
    for table in ("sessions", "answers", "participants"):
        assert count(server.db, f"SELECT count(*) FROM {table}") == 0


async def test_after_the_retention_period_only_the_outcome_remains(server_factory):
    """With a retention of 0 days a closed session's raw answers are deleted at the next
    start; its decisions, actions, labels and counts stay."""
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
    for phone in phones:
        assert await phone.request("answer", text="samen leren") == "ok"
    assert await console.request("start_grouping") == "ok"
    assert await console.request("move", answer=2, to="answer:1") == "ok"
    assert await console.request("rename_group", group=1, label="Leren") == "ok"
    assert await console.request("end_session") == "ok"
    await phones[0].wait_text("The session is closed.")
    server.stop()
    server.start()
    assert count(server.db, "SELECT count(*) FROM answers") == 0
    with sqlite3.connect(server.db) as db:
        (outcome,) = db.execute("SELECT outcome FROM outcomes").fetchone()
    assert "samen leren" not in outcome
    assert "Leren" in outcome

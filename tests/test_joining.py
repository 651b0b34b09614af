"""Only phones that joined take part: tokens the server issued, a room that can be locked,
and a join-code limit that stops guessers without locking out a staff room."""

from __future__ import annotations

import re
import sqlite3

import httpx
import pytest

from wire import LiveClient, join, login_cookies, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")
ENGLISH = {"accept-language": "en"}
LINK = re.compile(r'data-join-link="([^"]+)"')


def count(db_path, query: str) -> int:
    with sqlite3.connect(db_path) as db:
        return int(db.execute(query).fetchone()[0])


async def refused_code(server, session_id: str, cookie: str) -> int | None:
    phone = await LiveClient.connect(server.url, session_id, "phone", cookie)
    await phone.wait_for(lambda c: c.closed_code is not None)
    return phone.closed_code


async def test_a_made_up_participant_cookie_is_refused(server):
    """A participant exists only through the join page: a well-formed token the server did
    not issue, or one issued for another session, is refused and registers nobody."""
    fac = await open_session(server.url)
    other = await open_session(server.url)
    name = f"dv_p_{fac.session_id}"
    made_up = [f"{name}=abcdefghijklmnopqrstuvwxyz012345", f"{name}=x.y", f"{name}=a" * 1]
    for cookie in made_up:
        assert await refused_code(server, fac.session_id, cookie) == 4403
    borrowed = (await join(server.url, other.code)).split("=", 1)[1]
    assert await refused_code(server, fac.session_id, f"{name}={borrowed}") == 4403
    assert count(server.db, "SELECT count(*) FROM participants") == 0
    real = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    await real.wait_text('id="stage"')
    assert count(server.db, "SELECT count(*) FROM participants") == 1


async def test_the_leader_locks_the_room_once_everyone_is_in(server):
    """With the room locked no new participant comes in (page and websocket), those who
    joined come back as before, and the console shows who joined against who is expected."""
    fac = await open_session(server.url, lang="en")
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    screen = await LiveClient.connect(server.url, fac.session_id, "screen", fac.cookie)
    assert await console.request("set_expected", expected=2) == "ok"
    inside = [await join(server.url, fac.code) for _ in range(2)]
    late_page = await join(server.url, fac.code)  # opened the page, never connected
    phones = [await LiveClient.connect(server.url, fac.session_id, "phone", c) for c in inside]
    await console.wait_text("2 of 2 joined")
    assert await phones[0].request("lock_room", locked=1) == "rejected"
    assert await console.request("lock_room", locked=1) == "ok"
    await console.wait_text("Room locked")
    await console.wait_text("Let newcomers in")
    await screen.wait_text("Room locked")
    async with httpx.AsyncClient(base_url=server.url, headers=ENGLISH) as http:
        newcomer = await http.get(f"/j/{fac.code}")
        assert newcomer.status_code == 403
        assert "The leader has locked this session" in newcomer.text
        name, value = inside[0].split("=", 1)
        http.cookies.set(name, value)
        returning = await http.get(f"/j/{fac.code}")
        http.cookies.clear()
        assert returning.status_code == 200
    assert await refused_code(server, fac.session_id, late_page) == 4423
    await phones[0].close()
    back = await LiveClient.connect(server.url, fac.session_id, "phone", inside[0])
    await back.wait_text('id="stage"')
    assert count(server.db, "SELECT count(*) FROM participants") == 2
    server.stop()
    server.start()  # the lock is kept
    assert await refused_code(server, fac.session_id, late_page) == 4423
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    assert await console.request("lock_room", locked=0) == "ok"
    welcome = await LiveClient.connect(server.url, fac.session_id, "phone", late_page)
    await welcome.wait_text('id="stage"')
    await console.wait_text("3 of 2 joined")


async def test_a_few_typos_in_a_staff_room_never_lock_out_the_room(server):
    """A school shares one address: the same typo twenty times, and twenty different ones,
    still let the right code in."""
    fac = await open_session(server.url)
    wrong = [f"{n:06d}" for n in range(100, 120) if f"{n:06d}" != fac.code]
    async with httpx.AsyncClient(base_url=server.url, headers=ENGLISH) as http:
        for _ in range(20):
            assert (await http.get(f"/j/{wrong[0]}")).status_code == 404
        for code in wrong:
            assert (await http.get("/", params={"code": code})).status_code == 404
        right = await http.get(f"/j/{fac.code}")
        assert right.status_code == 200, right.text


async def test_guessing_codes_is_stopped_but_the_qr_code_and_joined_phones_get_in(server):
    """Past thirty different wrong codes in a minute an address waits, with a clear message,
    even for a right code it types; a phone scanning the QR code never meets that limit, and
    neither does a phone that joined before."""
    fac = await open_session(server.url)
    joined = await join(server.url, fac.code)
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    screen = await LiveClient.connect(server.url, fac.session_id, "screen", fac.cookie)
    await screen.wait_text("qr-box")
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await http.get(f"/s/{fac.session_id}/screen", headers={"cookie": fac.cookie})
    qr_link = LINK.search(page.text)
    assert qr_link, "the projector names the QR code's link"
    async with httpx.AsyncClient(base_url=server.url, headers=ENGLISH) as http:
        guesses = (f"{n:06d}" for n in range(1000, 2000) if f"{n:06d}" != fac.code)
        statuses = [(await http.get(f"/j/{next(guesses)}")).status_code for _ in range(31)]
        assert statuses == [404] * 30 + [429]
        typed = await http.get(f"/j/{fac.code}")
        assert typed.status_code == 429
        assert int(typed.headers["retry-after"]) > 0
        assert "Too many tries from this network. Try again in" in typed.text
        scanned = await http.get(qr_link[1].replace("&amp;", "&"))
        assert scanned.status_code == 200
        name, value = joined.split("=", 1)
        http.cookies.set(name, value)
        again = await http.get(f"/j/{fac.code}")
        http.cookies.clear()
        assert again.status_code == 200
        forged = await http.get(f"/j/{fac.code}", params={"k": "x" * 12})
        assert forged.status_code == 429
    del console


async def test_forwarded_addresses_are_believed_only_from_named_proxies(server_factory):
    """Without DRAAGVLAK_TRUSTED_PROXIES, X-Forwarded-For from this machine changes nothing:
    a guesser cannot rotate addresses. With the proxy named, each forwarded address has its
    own limit, and X-Forwarded-Proto makes cookies Secure."""
    plain = server_factory()
    cookies = await login_cookies(plain.url)
    async with httpx.AsyncClient(base_url=plain.url, cookies=cookies) as http:
        for n in range(31):
            forwarded = {"x-forwarded-for": f"203.0.113.{n}"}
            response = await http.get(f"/j/{n:06d}", headers=forwarded)
        assert response.status_code == 429
        made = await http.post(
            "/sessions",
            data={"pack": "core-values", "lang": "nl"},
            headers={"x-forwarded-proto": "https"},
        )
        assert "Secure" not in made.headers["set-cookie"]
    proxied = server_factory(trusted_proxies="127.0.0.1")
    cookies = await login_cookies(proxied.url)
    async with httpx.AsyncClient(base_url=proxied.url, cookies=cookies) as http:
        for n in range(31):
            forwarded = {"x-forwarded-for": f"203.0.113.{n}"}
            response = await http.get(f"/j/{n:06d}", headers=forwarded)
        assert response.status_code == 404
        made = await http.post(
            "/sessions",
            data={"pack": "core-values", "lang": "nl"},
            headers={"x-forwarded-proto": "https", "origin": f"https://127.0.0.1:{proxied.port}"},
        )
        assert made.status_code == 303
        assert "Secure" in made.headers["set-cookie"]

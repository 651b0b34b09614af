"""Facilitators' accounts and teams over a real server: the first account on a fresh
database, signing in (and the same refusal for a wrong password and an unknown address),
the rate limit, expiry, invites, teams an admin makes, the shell commands, and one team
never seeing another's."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from team_sessions import closed_session
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.web.passwords import weakness
from wire import LEADER_PASSWORD, LiveClient, login_cookies, open_session, sign_in

pytestmark = pytest.mark.usefixtures("close_live_clients")
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "groene thee met honing"


def rows(db: Path, query: str, *args: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query, args).fetchall()


async def test_the_first_visit_makes_the_first_account_who_is_admin(server):
    """A fresh server sends the leader to make the first account (its admin, with a team);
    after that the setup page is gone, and the password is kept as an argon2id hash."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        first = await http.get("/start")
        assert (first.status_code, first.headers["location"]) == (303, "/setup")
        weak = {"team": "De Linde", "email": "ik@linde.example", "password": "kort"}
        refused = await http.post("/setup", data={**weak, "again": "kort"}, headers=EN)
        assert refused.status_code == 400 and "at least 10 characters" in refused.text
        form = {"team": "De Linde", "email": "Ik@Linde.example", "password": PASSWORD}
        made = await http.post("/setup", data={**form, "again": PASSWORD})
        assert (made.status_code, made.headers["location"]) == (303, "/start")
        start = await http.get("/start", headers=EN)
        assert start.status_code == 200 and "De Linde" in start.text
        again = await http.get("/setup")
        assert (again.status_code, again.headers["location"]) == (303, "/signin")
    ((stored, admin),) = rows(server.db, "SELECT password_hash, is_admin FROM accounts")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored and admin == 1
    assert rows(server.db, "SELECT name FROM teams") == [("De Linde",)]


EN = {"accept-language": "en"}


async def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(server):
    await sign_in(server.url)
    async with httpx.AsyncClient(base_url=server.url, headers=EN) as http:
        wrong = await http.post(
            "/signin", data={"email": "leider@school.example", "password": "x" * 12}
        )
        unknown = await http.post(
            "/signin", data={"email": "niemand@school.example", "password": "x" * 12}
        )
        assert wrong.status_code == unknown.status_code == 400
        message = "That e-mail address and password do not match an account."
        assert message in wrong.text and message in unknown.text
        right = await http.post(
            "/signin",
            data={
                "email": "LEIDER@school.example",
                "password": LEADER_PASSWORD,
                "next": "//evil.example",
            },
        )
        assert right.status_code == 303 and right.headers["location"] == "/start"  # never off-site


async def test_sign_in_attempts_are_rate_limited(server):
    await sign_in(server.url)
    async with httpx.AsyncClient(base_url=server.url, headers=EN) as http:
        form = {"email": "leider@school.example", "password": "niet het goede wachtwoord"}
        answers = [(await http.post("/signin", data=form)).status_code for _ in range(6)]
        assert answers == [400] * 5 + [429]
        # Even the right password waits now: guessing gains nothing.
        right = await http.post("/signin", data={**form, "password": LEADER_PASSWORD})
        assert right.status_code == 429 and "Too many attempts" in right.text


async def test_signing_out_and_expired_sign_ins_lead_back_to_signing_in(server):
    cookies = await login_cookies(server.url)
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies) as http:
        assert (await http.get("/start")).status_code == 200
        rows(server.db, "UPDATE logins SET expires_at = '2000-01-01T00:00:00+00:00'")
        expired = await http.get("/start")
        assert expired.status_code == 303 and expired.headers["location"].startswith("/signin")
    async with httpx.AsyncClient(base_url=server.url) as http:
        fresh = await http.post(
            "/signin", data={"email": "leider@school.example", "password": LEADER_PASSWORD}
        )
    async with httpx.AsyncClient(base_url=server.url, cookies=fresh.cookies) as http:
        assert (await http.get("/start")).status_code == 200
        assert (await http.post("/signout")).status_code == 303
        assert (await http.get("/start")).status_code == 303
    assert rows(server.db, "SELECT count(*) FROM logins WHERE expires_at > '2001'") == [(0,)]


async def test_changing_the_password_signs_other_devices_out(server):
    other_device = await login_cookies(server.url)
    cookies = dict(other_device)
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies, headers=EN) as http:
        wrong = await http.post(
            "/account/password", data={"current": "nope", "password": PASSWORD, "again": PASSWORD}
        )
        assert wrong.status_code == 400 and "current password is not right" in wrong.text
        changed = await http.post(
            "/account/password",
            data={"current": LEADER_PASSWORD, "password": PASSWORD, "again": PASSWORD},
        )
        assert changed.status_code == 303
    async with httpx.AsyncClient(base_url=server.url, cookies=other_device) as http:
        assert (await http.get("/start")).status_code == 303  # the old sign-in is gone


async def invite(base_url: str, cookies: dict[str, str], admin: bool = False) -> str:
    async with httpx.AsyncClient(base_url=base_url, cookies=cookies) as http:
        page = await http.post("/account/invite", data={"admin": "1"} if admin else {})
        assert page.status_code == 200
    link = page.text.split('id="invite-link" type="text" readonly value="')[1].split('"')[0]
    return link.split("/invite/")[1]


async def test_an_invite_link_makes_one_account_in_the_admins_team_once(server):
    admin = await login_cookies(server.url)
    token = await invite(server.url, admin)
    form = {"email": "collega@school.example", "password": PASSWORD, "again": PASSWORD}
    async with httpx.AsyncClient(base_url=server.url, headers=EN) as http:
        typo = await http.post(f"/invite/{token}", data={**form, "again": "anders"})
        assert typo.status_code == 400  # a typo does not spend the invite
        joined = await http.post(f"/invite/{token}", data=form)
        assert joined.status_code == 303 and "dv_login" in joined.cookies
    async with httpx.AsyncClient(base_url=server.url, cookies=joined.cookies, headers=EN) as http:
        start = await http.get("/start")
        assert "De Linde" in start.text
        # A facilitator invites nobody; only admins do.
        refused = await http.post("/account/invite")
        assert "Only an admin" in refused.text
    async with httpx.AsyncClient(base_url=server.url, headers=EN) as http:
        reused = await http.post(f"/invite/{token}", data={**form, "email": "derde@school.example"})
        assert reused.status_code == 404 and "used or has expired" in reused.text
    token = await invite(server.url, admin)
    rows(
        server.db,
        "UPDATE invites SET expires_at = '2000-01-01T00:00:00+00:00' WHERE used_at IS NULL",
    )
    async with httpx.AsyncClient(base_url=server.url, headers=EN) as http:
        expired = await http.post(f"/invite/{token}", data={**form, "email": "laat@school.example"})
        assert expired.status_code == 404
    assert rows(server.db, "SELECT count(*) FROM accounts") == [(2,)]


async def make_team(http: httpx.AsyncClient, name: str) -> httpx.Response:
    return await http.post("/account/teams", data={"name": name}, headers=EN)


async def test_an_admin_makes_a_team_whose_invite_makes_a_facilitator_of_it_alone(server):
    """The new team has its admin in it and starts empty: no sessions, agreements or
    actions of the first team; an invite the admin makes for it, from the first team,
    makes a facilitator of the new team only; the admin sees each team's facilitators."""
    linde_session, _, _ = await closed_session(
        server,
        [
            {
                "text": "Linde only",
                "actions": [{"what": "Poster", "who": "Ann", "due": "2030-01-01"}],
            }
        ],
    )
    admin = await login_cookies(server.url)
    async with httpx.AsyncClient(base_url=server.url, cookies=admin, headers=EN) as http:
        made = await make_team(http, "Onderbouw")
        assert made.status_code == 303 and made.headers["location"].startswith("/account?made=")
        ((team_id,),) = rows(server.db, "SELECT id FROM teams WHERE name = 'Onderbouw'")
        account = await http.get(made.headers["location"])
        assert "Onderbouw has been created, with you as a member." in account.text
        assert account.text.count("leider@school.example") == 3  # the header and two teams
        # Still in De Linde: the invite names the new team.
        page = await http.post("/account/invite", data={"team": team_id})
        assert "This link is for Onderbouw." in page.text
        link = page.text.split('id="invite-link" type="text" readonly value="')[1].split('"')[0]
        foreign = await http.post("/account/invite", data={"team": "not-a-team"})
        assert foreign.status_code == 400
        switched = await http.post("/account/team", data={"team": team_id})
        assert switched.status_code == 303
        http.cookies.update(switched.cookies)
        for path in ("/start", "/team/register", "/team/actions"):
            text = (await http.get(path)).text
            assert "Onderbouw" in text, path
            assert linde_session not in text and "Linde only" not in text, path
            assert "Poster" not in text, path
    form = {"email": "juf@onderbouw.example", "password": PASSWORD, "again": PASSWORD}
    async with httpx.AsyncClient(base_url=server.url, headers=EN) as http:
        joined = await http.post(f"/invite/{link.split('/invite/')[1]}", data=form)
        assert joined.status_code == 303
        http.cookies.update(joined.cookies)
        start = await http.get("/start")
        assert "Onderbouw" in start.text and linde_session not in start.text
        assert (await http.get(f"/s/{linde_session}/console")).status_code == 403
    assert rows(
        server.db,
        "SELECT t.name FROM memberships m JOIN teams t ON t.id = m.team_id"
        " JOIN accounts a ON a.id = m.account_id WHERE a.email = 'juf@onderbouw.example'",
    ) == [("Onderbouw",)]
    async with httpx.AsyncClient(base_url=server.url, cookies=admin, headers=EN) as http:
        listed = (await http.get("/account")).text
    teams = re.findall(r"<span>([^<]+)</span>.*?<ul class=\"team-members\"[^>]*>(.*?)</ul>",
                       listed, re.DOTALL)  # fmt: skip
    assert [(name, "juf@onderbouw.example" in emails) for name, emails in teams] == [
        ("Onderbouw", True)
    ]
    assert "juf@onderbouw.example" not in listed.split("Onderbouw")[0]  # not in De Linde


async def test_a_team_name_that_is_taken_empty_or_too_long_is_refused(server):
    admin = await login_cookies(server.url)
    async with httpx.AsyncClient(base_url=server.url, cookies=admin) as http:
        taken = await make_team(http, "  de   LINDE ")
        assert taken.status_code == 400 and "exists already" in taken.text
        empty = await make_team(http, "   ")
        assert empty.status_code == 400 and "Give your school or team a name." in empty.text
        long = await make_team(http, "x" * 81)
        assert long.status_code == 400 and "at most 80 characters" in long.text
        assert (await make_team(http, "y" * 80)).status_code == 303
        # Another site's page cannot make one through the admin's browser.
        forged = await http.post(
            "/account/teams", data={"name": "Via evil"}, headers={"origin": "http://evil.example"}
        )
        assert forged.status_code == 403
    assert rows(server.db, "SELECT count(*) FROM teams") == [(2,)]


async def test_only_an_admin_makes_teams(server):
    token = await invite(server.url, await login_cookies(server.url))
    form = {"email": "collega@school.example", "password": PASSWORD, "again": PASSWORD}
    async with httpx.AsyncClient(base_url=server.url, headers=EN) as http:
        joined = await http.post(f"/invite/{token}", data=form)
        http.cookies.update(joined.cookies)
        account = await http.get("/account")
        assert account.status_code == 200 and 'action="/account/teams"' not in account.text
        assert "leider@school.example" not in account.text  # members are an admin's view
        refused = await make_team(http, "Eigen team")
        assert refused.status_code == 403 and "Only an admin can create teams." in refused.text
    assert rows(server.db, "SELECT name FROM teams") == [("De Linde",)]


async def test_one_team_never_sees_another_teams_sessions(server):
    """Two schools on one server: B's facilitator gets no console, projector, websocket or
    listing of A's session; A's facilitator reaches it from any device by signing in."""
    fac = await open_session(server.url)  # team De Linde
    made = draagvlak(
        server.db, "create", "b@andere.example", "--team", "Andere school", password=LEADER_PASSWORD
    )
    assert "facilitator of Andere school" in made.stdout, made.stderr
    other = await sign_in(server.url, email="b@andere.example")
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": other}) as http:
        start = await http.get("/start", headers=EN)
        assert fac.session_id not in start.text
        for path in ("console", "screen"):
            refused = await http.get(f"/s/{fac.session_id}/{path}")
            assert refused.status_code == 403, path
    url = f"{server.url.replace('http', 'ws')}/s/{fac.session_id}/ws?view=console"
    async with connect(url, additional_headers={"cookie": other, "origin": server.url}) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    # The same team, another device: signed in, no private link needed.
    mine = await sign_in(server.url)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": mine}) as http:
        start = await http.get("/start", headers=EN)
        assert f"/s/{fac.session_id}/console" in start.text
        opened = await http.get(f"/s/{fac.session_id}/console")
        assert opened.status_code == 303  # sets the console pass, then back
        console_cookie = opened.headers["set-cookie"].split(";")[0]
    client = await LiveClient.connect(server.url, fac.session_id, "console", console_cookie)
    assert await client.request("open_prompt", prompt=0) == "ok"


def draagvlak(db: Path, *args: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "account", *args, "--db", str(db)],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_the_shell_makes_accounts_and_resets_passwords(tmp_path):
    db = tmp_path / "shell.db"
    made = draagvlak(db, "create", "beheer@school.example", "--team", "De Linde", password=PASSWORD)
    assert made.returncode == 0, made.stderr
    assert "admin of De Linde" in made.stdout  # the first account is the admin
    second = draagvlak(
        db, "create", "collega@school.example", "--team", "de linde", password=PASSWORD
    )
    assert "facilitator of De Linde" in second.stdout  # the same team, however written
    again = draagvlak(db, "create", "collega@school.example", "--team", "X", password=PASSWORD)
    assert again.returncode == 2 and "has an account already" in again.stderr
    weak = draagvlak(db, "reset-password", "collega@school.example", password="kort")
    assert weak.returncode == 2 and "will not do" in weak.stderr
    reset = draagvlak(db, "reset-password", "collega@school.example", password=PASSWORD + "!")
    assert reset.returncode == 0, reset.stderr
    assert rows(db, "SELECT count(*) FROM memberships") == [(2,)]
    assert rows(db, "SELECT count(*) FROM teams") == [(1,)]


def test_a_password_must_be_long_and_not_guessable():
    assert weakness("kort") == "password_short"
    assert weakness("aaaaaaaaaaaa") == "password_guessable"
    assert weakness("jan.devries1234", "jan.devries@school.example") == "password_guessable"
    assert weakness(PASSWORD, "jan@school.example") == ""


async def test_sessions_and_topics_from_before_accounts_go_to_the_first_admins_team(tmp_path):
    from server.rules.records import SavedPack, SessionRecord, Team
    from server.store.sqlite import SQLiteStore

    store = SQLiteStore(str(tmp_path / "old.db"))
    await store.open()
    try:
        old = SessionRecord("s1", "123456", "core-values", "nl", "Oud", "", ("Vraag?",), "h", "t")
        await store.create_session(old)
        await store.save_pack(SavedPack("p1", "Ons onderwerp", "nl", ("Vraag?",), "t"))
        team = Team("t1", "De Linde", "t")
        await store.create_account("a1", "ik@linde.example", "x", True, "t", team, True)
        assert await store.team_of_session("s1") == "t1"
        assert [p.id for p in await store.saved_packs("t1")] == ["p1"]
        assert [row[0] for row in await store.team_sessions("t1")] == ["s1"]
    finally:
        await store.close()

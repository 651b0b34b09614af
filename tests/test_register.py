"""The team's register over a real server: agreed decisions land in it when a session
closes, a later session makes a new version, agreements retire and come up for review, and
one team never sees or changes another's."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from team_sessions import EN, closed_session, rows, second_team

from wire import sign_in

pytestmark = pytest.mark.usefixtures("close_live_clients")


async def test_a_later_session_makes_a_new_version_and_the_history_stays_readable(server):
    """Session 1 agrees on a core value (version 1); session 2 proposes to change it and
    agrees: the register shows version 2 first and version 1 folded under it; a decision
    that was not agreed never enters the register."""
    await closed_session(
        server,
        [{"text": "We listen to each other"}, {"text": "Never agreed", "level": "object"}],
    )
    ((old_id, version),) = rows(server.db, "SELECT id, version FROM agreements")
    assert version == 1
    change = {"text": "We listen until the other has finished", "replaces": old_id}
    *_, console = await closed_session(server, [change], pack="norms-and-rules")
    # The console offered the agreements in force as what a proposal may change.
    assert f'<option value="{old_id}">We listen to each other</option>' in console
    stored = rows(server.db, "SELECT text, version, replaces, topic, superseded_at FROM agreements")
    assert sorted(stored, key=lambda r: r[1])[0][4] is not None  # version 1 superseded
    newest = [r for r in stored if r[1] == 2]
    assert newest == [("We listen until the other has finished", 2, old_id, "core-values", None)]
    outcome = json.loads(rows(server.db, "SELECT outcome FROM outcomes ORDER BY closed_at")[-1][0])
    assert outcome["decisions"][0]["replaces"] == old_id
    login = await sign_in(server.url)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        page = (await http.get("/team/register", headers=EN)).text
        assert "Never agreed" not in page
        assert page.index("Version 2") < page.index("1 older version") < page.index("Version 1")
        assert "We listen to each other" in page.split("1 older version")[1]
        document = (await http.get("/team/register.json")).json()
        (topic,) = document["topics"]
        assert topic["topic"] == "core-values"
        (agreement,) = topic["agreements"]
        assert agreement["version"] == 2
        assert [v["text"] for v in agreement["older_versions"]] == ["We listen to each other"]
        markdown = (await http.get("/team/register.md", headers=EN)).text
        assert markdown.index("We listen until") < markdown.index("*Version 1*")


async def test_retiring_and_review_dates_order_the_register(server):
    """A retired agreement leaves the code of conduct and cannot be changed again; one whose
    review date has passed comes first, in the list of due reviews too; a topic's review
    period sets the review date of the agreements made after it."""
    login = await sign_in(server.url)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        set_period = await http.post(
            "/team/review-period", data={"topic": "core-values", "months": "6"}
        )
        assert set_period.status_code == 303
        zero = await http.post(
            "/team/review-period", data={"topic": "x", "months": "0"}, headers=EN
        )
        assert zero.status_code == 400 and "Review after 1 to" in zero.text
    await closed_session(server, [{"text": "First"}, {"text": "Second"}, {"text": "Third"}])
    agreements = dict(rows(server.db, "SELECT text, id FROM agreements"))
    (agreed_at, review_at), *_ = rows(server.db, "SELECT agreed_at, review_at FROM agreements")
    year, month = int(agreed_at[:4]), int(agreed_at[5:7]) + 6
    assert review_at[:7] == f"{year + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}"
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        due = await http.post(
            f"/team/register/{agreements['Third']}/review", data={"review_at": "2020-01-31"}
        )
        assert due.status_code == 303
        bad = await http.post(
            f"/team/register/{agreements['Third']}/review", data={"review_at": "soon"}, headers=EN
        )
        assert bad.status_code == 400
        assert "Give the date as day, month and year." in bad.text  # said, on the register
        dutch = await http.post(
            f"/team/register/{agreements['First']}/review", data={"review_at": "30-6-2031"}
        )
        assert dutch.status_code == 303  # typed as the console's due dates are
        retired = await http.post(f"/team/register/{agreements['Second']}/retire")
        assert retired.status_code == 303
        again = await http.post(f"/team/register/{agreements['Second']}/retire")
        assert again.status_code == 404
        page = (await http.get("/team/register", headers=EN)).text
        assert "1 agreement is due for review" in page
        body = page.split('id="register"')[1]
        assert body.index("Third") < body.index("First") < body.index("Second")
        assert "Retired on" in body
        markdown = (await http.get("/team/register.md", headers=EN)).text
        assert "Second" not in markdown and "Due for review" in markdown
        printed = (await http.get("/team/register/print", headers=EN)).text
        assert "Code of conduct" in printed and "<form" not in printed


async def test_one_team_never_sees_or_changes_another_teams_register(server):
    """Team B's facilitator gets none of team A's agreements on the page, in the exports or
    on B's read-only page, and cannot retire or date them; signed out, the register sends
    to sign-in."""
    await closed_session(
        server,
        [
            {
                "text": "Linde only",
                "actions": [{"what": "Poster", "who": "Ann", "due": "2030-01-01"}],
            }
        ],
    )
    (agreement_id,) = [r[0] for r in rows(server.db, "SELECT id FROM agreements")]
    email = second_team(server)
    await closed_session(server, [{"text": "Andere only"}], email=email)
    other = await sign_in(server.url, email=email)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": other}) as http:
        for path in (
            "/team/register",
            "/team/register.md",
            "/team/register.json",
            "/team/actions",
            "/team/actions.ics",
        ):
            text = (await http.get(path, headers=EN)).text
            assert "Linde only" not in text and "Poster" not in text, path
            assert "Andere only" in text or "actions" in path, path
        assert (await http.post(f"/team/register/{agreement_id}/retire")).status_code == 404
        dated = await http.post(
            f"/team/register/{agreement_id}/review", data={"review_at": "2020-01-01"}
        )
        assert dated.status_code == 404
        shared = await http.post("/team/share")
        token = shared.headers["location"].split("share=")[1].split("#")[0]
    assert rows(
        server.db,
        "SELECT retired_at, review_at < '2021' FROM agreements WHERE id = ?",
        agreement_id,
    ) == [(None, 0)]
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await http.get(f"/t/{token}", headers=EN)
        assert page.status_code == 200
        assert "Andere only" in page.text and "Linde only" not in page.text
        assert "<form" not in page.text
        signed_out = await http.get("/team/register")
        assert signed_out.status_code == 303
        assert signed_out.headers["location"] == "/signin?next=/team/register"
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": other}) as http:
        assert (await http.post("/team/share/revoke")).status_code == 303
        assert (await http.get(f"/t/{token}")).status_code == 404


async def test_nothing_in_the_register_or_its_exports_points_at_a_participant(server):
    """Pseudonyms, phone cookies and reasons' authors appear in no register row, page or
    export: only texts, counts from the floor on, dates and the session's title."""
    _, people, _ = await closed_session(
        server,
        [
            {
                "text": "We greet everyone",
                "actions": [{"what": "Say hello", "who": "", "due": "2031-02-03"}],
            }
        ],
    )
    assert people
    stored = json.dumps(
        rows(server.db, "SELECT * FROM agreements")
        + rows(server.db, "SELECT * FROM tracked_actions")
    )
    login = await sign_in(server.url)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        exports = [
            (await http.get(p, headers=EN)).text
            for p in (
                "/team/register",
                "/team/register.md",
                "/team/register.json",
                "/team/actions",
                "/team/actions.ics",
            )
        ]
    for text in [stored, *exports]:
        for pseudonym in people:
            assert pseudonym not in text
    document = json.loads(exports[2])
    (agreement,) = document["topics"][0]["agreements"]
    assert agreement["counts"] == {
        "full_support": 0,
        "support": 3,
        "live_with": 0,
        "reservations": 0,
        "object": 0,
    }
    assert set(agreement) == {
        "id",
        "version",
        "text",
        "lang",
        "agreed_at",
        "session",
        "decision",
        "responses",
        "counts",
        "superseded_at",
        "review_at",
        "is_due",
        "retired_at",
        "older_versions",
        "actions",
        "ratings",
    }
    for action in agreement["actions"]:  # who does what: the owner as typed, nothing more
        assert set(action) == {"what", "who", "due", "status"}
    assert not re.search(r"dv_p_|pseudonym|voter", exports[2])

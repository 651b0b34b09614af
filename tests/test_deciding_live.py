"""Voting, consent and closing over real websockets, checked in the database itself."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from dataclasses import dataclass

import httpx
import pytest

from wire import Facilitator, LiveClient, join, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")


async def voting_session(server, teachers: int = 3, answers=("respect", "veiligheid", "plezier")):
    fac = await open_session(server.url, lang="en")
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    screen = await LiveClient.connect(server.url, fac.session_id, "screen", fac.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    cookies = [await join(server.url, fac.code) for _ in range(teachers)]
    phones = [await LiveClient.connect(server.url, fac.session_id, "phone", c) for c in cookies]
    for index, text in enumerate(answers):
        assert await phones[index % teachers].request("answer", text=text) == "ok"
    assert await console.request("start_grouping") == "ok"
    assert await console.request("start_voting", budget=3, stacking=1) == "ok"
    return Room(fac, console, screen, phones, cookies)


@dataclass
class Room:
    fac: Facilitator
    console: LiveClient
    screen: LiveClient
    phones: list[LiveClient]
    cookies: list[str]


def rows(db_path, query: str) -> list[tuple]:
    with sqlite3.connect(db_path) as db:
        return db.execute(query).fetchall()


async def test_one_person_voting_from_three_tabs_never_exceeds_the_budget(server):
    """Three tabs of one phone send dots as fast as they can, in parallel: the stored total
    never exceeds the budget, and every tab ends showing the same dots left."""
    room = await voting_session(server)
    fac, cookies = room.fac, room.cookies
    tabs = [
        await LiveClient.connect(server.url, fac.session_id, "phone", cookies[0]) for _ in range(3)
    ]
    sends = []
    for round_ in range(10):
        for index, tab in enumerate(tabs):
            item = f"a{(round_ + index) % 3 + 1}"
            sends.append(tab.send("vote", item=item, dots=(round_ % 3) + 1))
    await asyncio.gather(*sends)
    await asyncio.sleep(1.0)
    stored = rows(server.db, "SELECT voter, item, dots FROM votes")
    assert stored, "some votes were accepted"
    assert sum(dots for _, _, dots in stored) <= 3
    assert len({voter for voter, _, _ in stored}) == 1
    left = {re.findall(r"(\d) dots? left", tab.text)[-1] for tab in tabs}
    assert left == {str(3 - sum(dots for _, _, dots in stored))}


async def test_results_stay_hidden_until_revealed_and_respect_the_floor(server):
    """Before the reveal nobody sees counts; after it the projector ranks the items, or,
    with fewer voters than the floor, says why it shows none."""
    room = await voting_session(server)
    console, screen, phones = room.console, room.screen, room.phones
    assert await console.request("set_expected", expected=5) == "ok"
    assert await phones[0].request("vote", item="a2", dots=2) == "ok"
    assert await phones[1].request("vote", item="a2", dots=1) == "ok"
    await screen.wait_text("2 of 5 voted")
    assert "<progress" not in screen.text
    assert await console.request("reveal_votes") == "ok"
    await screen.wait_text("below 3, results per option are not shown")
    assert "<progress" not in screen.text.split("below 3")[-1]
    assert await phones[2].request("vote", item="a1", dots=1) == "ok"
    assert await console.request("set_floor", floor=3) == "ok"  # unchanged: no new stage
    assert await console.request("set_floor", floor=2) == "ok"
    await screen.wait_for(lambda c: re.search(r'value="3"[^>]*></progress>', c.text) is not None)
    ranked = re.findall(r'<span class="bar-label">([^<]+)</span>', screen.frames[-1] + screen.text)
    assert ranked[-3:][0] == "veiligheid"


async def test_a_decision_agreed_after_a_reworded_round_then_closing_forgets_who(server):
    """An objection stops round 1; the reworded round 2 is agreed; an action is added; after
    closing, the database keeps the outcome and no link between people and their answers,
    votes or responses."""
    room = await voting_session(server)
    fac, console, screen, phones = room.fac, room.console, room.screen, room.phones
    for phone in phones:
        assert await phone.request("vote", item="a1", dots=2) == "ok"
    assert await console.request("reveal_votes") == "ok"
    propose = {"from": "respect", "text": "We show respect by listening"}
    assert await console.request("propose_decision", **propose) == "ok"
    levels = ["object", "support", "support"]
    for phone, level in zip(phones, levels, strict=True):
        reason = "too vague" if level == "object" else ""
        assert await phone.request("consent", decision=1, level=level, reason=reason) == "ok"
    assert await console.request("close_round", decision=1) == "ok"
    await console.wait_text("Not agreed")
    assert await console.request("add_action", decision=1, what="x", who="y", due="") == "rejected"
    reworded = "We show respect by listening until the other has finished"
    assert await console.request("reword", decision=1, text=reworded) == "ok"
    for phone in phones:
        assert await phone.request("consent", decision=1, level="full_support") == "ok"
    assert await console.request("close_round", decision=1) == "ok"
    await screen.wait_text("Agreed")
    action = {"decision": 1, "what": "Put it on the wall", "who": "Whole team", "due": "2026-12-15"}
    assert await console.request("add_action", **action) == "ok"
    assert await console.request("add_action", **{**action, "due": "soon"}) == "rejected"
    edit = {"number": 1, "what": "Put it on the wall", "who": "Whole team", "due": "2026-12-15"}
    assert await console.request("edit_action", **{**edit, "who": "Everyone"}) == "ok"
    assert await console.request("edit_action", **edit) == "ok"
    assert await console.request("end_session") == "ok"
    await phones[0].wait_text("The session is closed.")

    assert rows(server.db, "SELECT count(*) FROM participants") == [(0,)]
    assert rows(server.db, "SELECT DISTINCT author FROM answers") == [("",)]
    assert rows(server.db, "SELECT count(*) FROM votes") == [(0,)]
    assert rows(server.db, "SELECT count(*) FROM consents") == [(0,)]
    (stored,) = rows(server.db, "SELECT outcome FROM outcomes")
    outcome = json.loads(stored[0])
    decision = outcome["decisions"][0]
    assert decision["status"] == "agreed"
    assert [r["agreed"] for r in decision["rounds"]] == [False, True]
    assert decision["rounds"][0]["counts"]["object"] == 1
    assert decision["rounds"][0]["reasons"] == [{"level": "object", "text": "too vague"}]
    assert decision["actions"] == [
        {"what": "Put it on the wall", "who": "Whole team", "due": "2026-12-15"}
    ]
    assert outcome["prompts"][0]["items"][0] == {
        "kind": "answer",
        "label": "respect",
        "answers": ["respect"],
        "votes": 6,
    }
    async with httpx.AsyncClient(base_url=server.url) as http:
        gone = await http.get(f"/j/{fac.code}", headers={"accept-language": "en"})
        assert gone.status_code == 404  # the code no longer joins anything

    async with httpx.AsyncClient(base_url=server.url) as http:
        stranger = await http.post(f"/s/{fac.session_id}/share")
        assert stranger.status_code == 403
        made = await http.post(f"/s/{fac.session_id}/share", headers={"cookie": fac.cookie})
        token = made.headers["location"].split("share=")[1]
        review = await http.get(f"/r/{token}", headers={"accept-language": "en"})
        assert review.status_code == 200
        assert "We show respect by listening until the other has finished" in review.text
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            assert (await http.request(method, f"/r/{token}")).status_code == 405
            assert (await http.request(method, f"/r/{token}/outcome.json")).status_code == 405
        exported = json.loads((await http.get(f"/r/{token}/outcome.json")).text)
        assert exported == outcome  # the share link shows exactly what was saved
        revoked = await http.post(
            f"/s/{fac.session_id}/share/revoke", headers={"cookie": fac.cookie}
        )
        assert revoked.status_code == 303
        assert (await http.get(f"/r/{token}")).status_code == 404
        assert (await http.get(f"/r/{token}/outcome.csv")).status_code == 404


async def test_dots_given_after_the_reveal_move_the_projectors_results(server):
    """The results stay live after the reveal: a late dot changes the bars on the projector
    without anything from the facilitator."""
    room = await voting_session(server)
    for phone in room.phones:
        assert await phone.request("vote", item="a1", dots=1) == "ok"
    assert await room.console.request("reveal_votes") == "ok"
    await room.screen.wait_for(lambda c: re.search(r'value="3"[^>]*></progress>', c.text))
    since = len(room.screen.frames)
    assert await room.phones[0].request("vote", item="a1", dots=2) == "ok"
    await room.screen.wait_for(
        lambda c: any(re.search(r'value="4"[^>]*></progress>', f) for f in c.frames[since:])
    )


async def test_a_phone_that_reconnects_after_closing_is_not_registered_again(server):
    """Closing forgets who took part; a phone that reconnects afterwards (a reload, a
    restart) sees the closed session and is not stored as a participant again."""
    room = await voting_session(server)
    assert await room.console.request("end_session") == "ok"
    await room.phones[0].wait_text("The session is closed.")
    assert rows(server.db, "SELECT count(*) FROM participants") == [(0,)]
    again = await LiveClient.connect(server.url, room.fac.session_id, "phone", room.cookies[0])
    await again.wait_text("The session is closed.")
    assert rows(server.db, "SELECT count(*) FROM participants") == [(0,)]

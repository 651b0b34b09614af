"""The team's action tracker over a real server: statuses, overdue actions first, and the
calendar feed of open actions behind a secret address that can be revoked."""

from __future__ import annotations

import httpx
import icalendar
import pytest
from team_sessions import EN, closed_session, rows, second_team

from wire import sign_in

pytestmark = pytest.mark.usefixtures("close_live_clients")

ACTIONS = [
    {"what": "Poster in the hall", "who": "Ann", "due": "2020-03-01"},
    {"what": "Talk with the pupils", "who": "Whole team", "due": "2099-05-01"},
    {"what": "Tell the parents", "who": "", "due": ""},
]


async def test_statuses_change_and_overdue_actions_come_first(server):
    """An open action past its date stands out on top; a facilitator moves actions through
    in progress to done; a status that does not exist changes nothing."""
    await closed_session(server, [{"text": "We keep the hall tidy", "actions": ACTIONS}])
    ids = dict(rows(server.db, "SELECT what, id FROM tracked_actions"))
    assert rows(server.db, "SELECT DISTINCT status FROM tracked_actions") == [("open",)]
    login = await sign_in(server.url)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        page = (await http.get("/team/actions", headers=EN)).text
        assert page.index("Poster in the hall") < page.index("Talk with the pupils")
        assert page.index("Talk with the pupils") < page.index("Tell the parents")
        assert page.count("is-overdue") == 1 and "Overdue" in page
        path = f"/team/actions/{ids['Poster in the hall']}/status"
        assert (await http.post(path, data={"status": "in_progress"})).status_code == 303
        assert (await http.post(path, data={"status": "lost"})).status_code == 400
        assert (await http.post(path, data={"status": "done"})).status_code == 303
        page = (await http.get("/team/actions", headers=EN)).text
        assert "is-overdue" not in page  # done: no longer overdue
        assert page.index("Talk with the pupils") < page.index("Poster in the hall")
    assert rows(
        server.db, "SELECT status FROM tracked_actions WHERE id = ?", ids["Poster in the hall"]
    ) == [("done",)]


async def test_the_calendar_feed_lists_open_dated_actions_until_revoked(server):
    """The secret feed needs no cookie and parses as iCalendar: one all-day event per open
    action with a date; a done action leaves it; another team's feed shows none of ours and
    cannot change our actions; revoked, the address answers 404."""
    await closed_session(server, [{"text": "We keep the hall tidy", "actions": ACTIONS}])
    ids = dict(rows(server.db, "SELECT what, id FROM tracked_actions"))
    login = await sign_in(server.url)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        made = await http.post("/team/feed")
        token = made.headers["location"].split("feed=")[1].split("#")[0]
        shown = (await http.get(made.headers["location"], headers=EN)).text
        assert f"/feed/{token}.ics" in shown
    assert token not in str(rows(server.db, "SELECT * FROM team_links"))  # a hash only
    async with httpx.AsyncClient(base_url=server.url) as http:
        feed = await http.get(f"/feed/{token}.ics", headers=EN)
        assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
        calendar = icalendar.Calendar.from_ical(feed.text)
        events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
        assert set(events) == {"Poster in the hall (Ann)", "Talk with the pupils (Whole team)"}
        assert (
            events["Talk with the pupils (Whole team)"].decoded("DTSTART").isoformat()
            == "2099-05-01"
        )
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        await http.post(
            f"/team/actions/{ids['Poster in the hall']}/status", data={"status": "done"}
        )
    email = second_team(server)
    other = await sign_in(server.url, email=email)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": other}) as http:
        theirs = await http.post("/team/feed")
        their_token = theirs.headers["location"].split("feed=")[1].split("#")[0]
        refused = await http.post(
            f"/team/actions/{ids['Talk with the pupils']}/status", data={"status": "dropped"}
        )
        assert refused.status_code == 404
        assert "Talk with the pupils" not in (await http.get("/team/actions", headers=EN)).text
    async with httpx.AsyncClient(base_url=server.url) as http:
        empty = icalendar.Calendar.from_ical((await http.get(f"/feed/{their_token}.ics")).text)
        assert list(empty.walk("VEVENT")) == []
        ours = icalendar.Calendar.from_ical((await http.get(f"/feed/{token}.ics")).text)
        assert [str(e["SUMMARY"]) for e in ours.walk("VEVENT")] == [
            "Talk with the pupils (Whole team)"
        ]
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        assert (await http.post("/team/feed/revoke")).status_code == 303
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get(f"/feed/{token}.ics")).status_code == 404
        assert (await http.get(f"/feed/{their_token}.ics")).status_code == 200
        assert (await http.get("/team/actions")).status_code == 303  # signed out: sign in first

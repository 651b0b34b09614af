"""The room over real websockets: several decisions per question, the timer, what the
projector shows, and phones that follow the room to the end."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest
from test_deciding_live import rows, voting_session

from server.rules import decide
from server.rules.consent import ProposeDecision
from server.rules.room import (
    ExtendTimer,
    FocusDecision,
    Project,
    StartTimer,
    StopTimer,
    TimeUp,
    TurnPage,
    running_timer,
)
from server.rules.state import Actor, Phase, Projection, Rejection, Role, SessionState

pytestmark = pytest.mark.usefixtures("close_live_clients")

LEADER = Actor(Role.FACILITATOR)
PHONE = Actor(Role.PARTICIPANT, "p1")


def evolve(state: SessionState, command: object) -> SessionState:
    from server.rules import evolve_all

    events = decide(state, LEADER, command)  # type: ignore[arg-type]
    assert not isinstance(events, Rejection), events
    return evolve_all(state, events)


# The pure rules ---------------------------------------------------------------------


def test_a_timer_belongs_to_the_phase_it_was_started_in() -> None:
    state = SessionState(prompts=("a", "b"), phase=Phase.ANSWERING)
    timed = evolve(state, StartTimer(60, closes=True, now=1000.0))
    assert running_timer(timed) is not None
    assert running_timer(timed).ends_at == 1060.0
    longer = evolve(timed, ExtendTimer(60))
    assert running_timer(longer).ends_at == 1120.0
    # Time is not up before it is up; then answering closes and the timer is gone.
    assert decide(longer, LEADER, TimeUp(1119.0)) == []
    closed = evolve(longer, TimeUp(1120.0))
    assert closed.phase is Phase.CLOSED and closed.timer is None
    # A timer that does not close shows "time is up" and closes nothing.
    open_ended = evolve(state, StartTimer(60, closes=False, now=1000.0))
    assert decide(open_ended, LEADER, TimeUp(2000.0)) == []
    assert evolve(open_ended, StopTimer()).timer is None


def test_only_the_leader_times_and_only_what_can_close() -> None:
    lobby = SessionState(prompts=("a",))
    assert decide(lobby, LEADER, StartTimer(60, True, 0.0)) == Rejection("nothing_to_time")
    answering = SessionState(prompts=("a",), phase=Phase.ANSWERING)
    assert decide(answering, PHONE, StartTimer(60, True, 0.0)) == Rejection("facilitator_only")
    assert decide(answering, LEADER, StartTimer(0, True, 0.0)) == Rejection("bad_field")
    assert decide(answering, LEADER, ExtendTimer(60)) == Rejection("no_timer")


def test_the_projector_shows_what_the_leader_chooses_from_its_first_page() -> None:
    state = SessionState(prompts=("a",), phase=Phase.ANSWERING)
    paged = evolve(state, TurnPage(2))
    assert paged.page == 2
    shown = evolve(paged, Project(Projection.DECISIONS))
    assert (shown.projection, shown.page) == (Projection.DECISIONS, 0)
    assert decide(shown, PHONE, Project(Projection.ROOM)) == Rejection("facilitator_only")


def test_focus_moves_between_decisions_of_one_question() -> None:
    state = SessionState(prompts=("a",), phase=Phase.VOTING, revealed=frozenset({0}))
    state = evolve(state, ProposeDecision("Respect", "We groeten elkaar", "m1"))
    state = evolve(state, ProposeDecision("Rust", "We praten zacht", "m2"))
    assert state.focus == 2 and len(state.decisions) == 2
    assert evolve(state, FocusDecision(1)).focus == 1
    assert decide(state, LEADER, FocusDecision(9)) == Rejection("decision_gone")


# Live ---------------------------------------------------------------------------------


async def consent_all(phones, decision: int, level: str = "live_with") -> None:
    for phone in phones:
        assert await phone.request("consent", decision=decision, level=level) == "ok"


async def test_two_decisions_from_one_question_both_reach_the_saved_outcome(server):
    """The second result becomes a decision after the first one's round: each has its own
    round, the phones answer the one in focus, and both are saved with their actions."""
    room = await voting_session(server, teachers=3)
    console, phones = room.console, room.phones
    assert await phones[0].request("vote", item="a1", dots=2) == "ok"
    assert await phones[1].request("vote", item="a2", dots=1) == "ok"
    assert await console.request("reveal_votes") == "ok"
    first = "We groeten elkaar elke ochtend"
    assert await console.request("propose_decision", text=first, **{"from": "respect"}) == "ok"
    await consent_all(phones, 1)
    assert await console.request("close_round", decision=1) == "ok"
    assert await console.request("add_action", decision=1, what="Rooster", who="Ans") == "ok"
    # The deciding stage still offers the other results as decisions.
    await console.wait_text("Propose another decision")
    second = "We melden onveilige plekken"
    since = len(phones[0].frames)
    assert await console.request("propose_decision", text=second, **{"from": "veiligheid"}) == "ok"
    await phones[0].wait_new_text(second, since)
    await consent_all(phones, 2, "support")
    assert await console.request("close_round", decision=2) == "ok"
    assert await console.request("add_action", decision=2, what="Ronde", due="5-3-2027") == "ok"
    # Back to the first decision: the phones follow the focus.
    assert await console.request("focus_decision", decision=1) == "ok"
    assert await console.request("end_session") == "ok"
    (stored,) = rows(server.db, "SELECT outcome FROM outcomes")
    outcome = json.loads(stored[0])
    decisions = {d["text"]: d for d in outcome["decisions"]}
    assert set(decisions) == {first, second}
    assert all(d["status"] == "agreed" and d["prompt_index"] == 0 for d in decisions.values())
    assert decisions[first]["actions"] == [{"what": "Rooster", "who": "Ans", "due": None}]
    assert decisions[second]["actions"] == [{"what": "Ronde", "who": "", "due": "2027-03-05"}]


async def test_a_timer_closes_answering_when_set_to(server):
    """Started with "close when time is up", the timer closes answering by itself; the
    phones and the projector show it counting, and an answer after it is refused."""
    from wire import LiveClient, join, open_session

    fac = await open_session(server.url, lang="en")
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    screen = await LiveClient.connect(server.url, fac.session_id, "screen", fac.cookie)
    phone = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    assert await console.request("open_prompt", prompt=0) == "ok"
    started = time.time()
    assert await console.request("start_timer", seconds=2, closes=1) == "ok"
    await phone.wait_text('class="timer closes"')
    await screen.wait_text('role="timer"')
    ends = int(re.findall(r'data-ends-at="(\d+)"', screen.text)[-1])
    assert abs(ends / 1000 - (started + 2)) < 1.5
    assert await phone.request("answer", text="op tijd") == "ok"
    await screen.wait_text("answering closed", timeout=6)
    assert time.time() - started >= 1.9
    assert await phone.request("answer", text="te laat") == "rejected"
    assert rows(server.db, "SELECT phase FROM sessions") == [("closed",)]


async def test_a_timer_survives_a_restart_and_still_closes(server):
    """A closing timer is saved: after a restart it still closes the round on time."""
    room = await voting_session(server, teachers=3)
    console = room.console
    assert await console.request("start_timer", seconds=3, closes=1) == "ok"
    server.stop()
    server.start()
    from wire import LiveClient

    screen = await LiveClient.connect(server.url, room.fac.session_id, "screen", room.fac.cookie)
    # Revealed: with fewer voters than the floor, the projector says why it shows no counts.
    await screen.wait_text("results per option are not shown", timeout=8)
    assert rows(server.db, "SELECT json_extract(settings, '$.revealed') FROM sessions") == [
        ("[0]",)
    ]


async def test_extend_and_stop(server):
    room = await voting_session(server, teachers=3)
    console = room.console
    assert await console.request("extend_timer", seconds=60) == "rejected"
    assert await console.request("start_timer", minutes=1, closes=0) == "ok"
    await room.screen.wait_text("data-ends-at")
    first = int(re.findall(r'data-ends-at="(\d+)"', room.screen.text)[-1])
    assert await console.request("extend_timer", seconds=60) == "ok"
    await room.screen.wait_for(
        lambda c: int(re.findall(r'data-ends-at="(\d+)"', c.text)[-1]) == first + 60_000
    )
    assert await console.request("stop_timer") == "ok"
    await room.screen.wait_for(lambda c: 'role="timer"' not in c.frames[-1])


async def test_phones_follow_the_room_from_the_reveal_to_the_end(server):
    """After the reveal a phone shows the results; after a round, its result; at the end,
    what was agreed with its actions, as the projector does."""
    room = await voting_session(server, teachers=3)
    console, phones, screen = room.console, room.phones, room.screen
    for phone in phones:
        assert await phone.request("vote", item="a2", dots=1) == "ok"
    since = len(phones[0].frames)
    assert await console.request("reveal_votes") == "ok"
    await phones[0].wait_new_text('id="phone-results"', since)
    results = phones[0].frames[-2] + phones[0].frames[-1]
    assert "veiligheid" in results and "<progress" in results
    # Dots given after the reveal move the phone's results too.
    since = len(phones[1].frames)
    assert await phones[0].request("vote", item="a1", dots=1) == "ok"
    await phones[1].wait_new_text('id="phone-results"', since)
    text = "We zorgen voor veiligheid"
    assert await console.request("propose_decision", text=text, **{"from": "veiligheid"}) == "ok"
    await consent_all(phones, 1, "full_support")
    since = len(phones[2].frames)
    assert await console.request("close_round", decision=1) == "ok"
    await phones[2].wait_new_text("Agreed", since)
    assert "Fully support" in "".join(phones[2].frames[since:])  # the round's distribution
    assert await console.request("add_action", decision=1, what="Plattegrond maken") == "ok"
    since = len(phones[2].frames)
    assert await console.request("end_session") == "ok"
    await phones[2].wait_new_text("What we agreed", since)
    end = "".join(phones[2].frames[since:])
    assert text in end and "Plattegrond maken" in end
    await screen.wait_text("What we agreed")
    assert "Plattegrond maken" in screen.frames[-1] or "Plattegrond maken" in screen.text
    # The console after closing offers only what still makes sense, with the right count.
    await console.wait_text("3 people took part")
    await screen.wait_text("3 took part")  # the projector's footer, too
    last_stage = [f for f in console.frames if 'id="stage"' in f][-1]
    for gone in ("Start this question", "Reopen answering", "Add a question", "Lock the room"):
        assert gone not in last_stage, gone
    assert "Make a share link" in last_stage


async def test_the_projector_shows_what_the_console_chooses_and_phones_stay(server):
    room = await voting_session(server, teachers=3)
    console, screen, phones = room.console, room.screen, room.phones
    phone_frames = len(phones[0].frames)
    assert await console.request("project", projection="decisions") == "ok"
    await screen.wait_text("What we agreed")
    assert await console.request("turn_page", page=1) == "ok"
    await screen.wait_text('data-page="1"')
    assert await console.request("project", projection="room") == "ok"
    await screen.wait_for(lambda c: "What we agreed" not in c.frames[-1])
    await asyncio.sleep(0.2)
    # The phones got nothing from any of it.
    assert phones[0].frames[phone_frames:] == []


async def test_a_ballot_opens_a_group_to_show_its_answers(server):
    """Phones vote on group names: each group on the ballot opens to the answers in it,
    fetched when it opens, so voting opening does not send every answer to every phone."""
    import httpx

    from wire import LiveClient, join, open_session

    fac = await open_session(server.url, lang="en")
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    cookie = await join(server.url, fac.code)
    phone = await LiveClient.connect(server.url, fac.session_id, "phone", cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    for text in ("Listening to each other", "Letting others finish", "Coffee"):
        assert await phone.request("answer", text=text) == "ok"
    assert await console.request("start_grouping") == "ok"
    assert await console.request("create_group", answers="1,2", label="Respect") == "ok"
    url = f"/s/{fac.session_id}/ballot/g1"
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get(url, headers={"cookie": cookie})).status_code == 404  # not yet
        assert await console.request("start_voting", budget=3, stacking=1) == "ok"
        await phone.wait_text('class="ballot-answers"')
        ballot = [f for f in phone.frames if 'class="ballot"' in f][-1]
        group = ballot[ballot.index('id="label-g1"') : ballot.index('id="label-a3"')]
        assert "2 answers" in group and 'data-answers="g1"' in group
        assert "Listening to each other" not in group  # the ballot is small
        opened = await http.get(url, headers={"cookie": cookie})
        assert opened.status_code == 200 and opened.headers["cache-control"] == "no-store"
        assert "Listening to each other" in opened.text and "Letting others finish" in opened.text
        assert "Coffee" not in opened.text
        leader = await http.get(url, headers={"cookie": fac.cookie})
        assert leader.text == opened.text
        # Only people in the session read it, and only the groups of the ballot.
        assert (await http.get(url)).status_code == 403
        stranger = await join(server.url, fac.code)  # has the page, never connected
        assert (await http.get(url, headers={"cookie": stranger})).status_code == 403
        for other in ("a3", "g9", "x"):
            missing = await http.get(
                f"/s/{fac.session_id}/ballot/{other}", headers={"cookie": cookie}
            )
            assert missing.status_code == 404, other
        assert (
            await http.get("/s/nosuch/ballot/g1", headers={"cookie": cookie})
        ).status_code == 404
    # A dot re-draws the ballot: the phone keeps the group it has open (hx-preserve).
    sent = len(phone.frames)
    assert await phone.request("vote", item="g1", dots=1) == "ok"
    await phone.wait_for(lambda c: any("1 dot" in f for f in c.frames[sent:]))
    ballot = [f for f in phone.frames[sent:] if 'class="ballot"' in f][-1]
    assert 'id="ga-g1-2" data-answers="g1" hx-preserve' in ballot
    # An answer hidden while voting leaves the group: a fresh box, and not in what it loads.
    sent = len(phone.frames)
    assert await console.request("hide_answer", answer=2) == "ok"
    await phone.wait_for(lambda c: any('id="ga-g1-1"' in f for f in c.frames[sent:]))
    async with httpx.AsyncClient(base_url=server.url) as http:
        left = await http.get(url, headers={"cookie": cookie})
        assert "Listening to each other" in left.text and "Letting others" not in left.text

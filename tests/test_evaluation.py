"""Evaluation moments over a real server: started from the register, they open with the
team's open actions (marked done, dropped or carried over, which the tracker follows), then
rate chosen agreements from 1 to 5 with remarks; the register shows the ratings over three
moments as a chart with a trend, and hides a moment below the floor."""

from __future__ import annotations

import re

import httpx
import pytest
from team_sessions import EN, Opened, closed_session, opened, rows, second_team

from wire import LiveClient, join, sign_in

pytestmark = pytest.mark.usefixtures("close_live_clients")

GREET = "We greet every pupil at the door"
SPEAK = "We speak to each other about behaviour"


async def moment(server, data: dict, email: str | None = None) -> Opened:
    """An evaluation moment opened from the register by the signed-in team."""
    login = await sign_in(server.url, **({"email": email} if email else {}))
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        return await opened(http, await http.post("/team/evaluate", data=data, headers=EN))


async def evaluation(
    server,
    rated: list[str],
    picks: list[list[int]],
    verdicts: dict[str, str] | None = None,
    remarks: dict[int, str] | None = None,
    email: str | None = None,
) -> tuple[str, str, str]:
    """One evaluation moment from the register: marks the carried actions, rates each
    agreement with the picks (1..5, one per phone), closes. Returns the session id, what
    the projector showed of the open actions, and the console's last text."""
    made = await moment(server, {"agreement": rated, "lang": "en"}, email)
    session_id, cookie, code = made.id, made.cookie, made.code
    console = await LiveClient.connect(server.url, session_id, "console", cookie)
    screen = await LiveClient.connect(server.url, session_id, "screen", cookie)
    for action_id, verdict in (verdicts or {}).items():
        assert await console.request("review_action", id=action_id, verdict=verdict) == "ok"
    if verdicts:
        wanted = {f"verdict-{v}" for v in verdicts.values()}
        await screen.wait_for(lambda seen: all(w in seen.text for w in wanted))
    projected = screen.text
    phones = max(len(p) for p in picks) if picks else 0
    cookies = [await join(server.url, code) for _ in range(phones)]
    clients = [await LiveClient.connect(server.url, session_id, "phone", c) for c in cookies]
    for index, values in enumerate(picks):
        assert await console.request("open_prompt", prompt=index) == "ok"
        for phone, value in zip(clients, values, strict=False):
            assert await phone.request("pick", value=str(value - 1)) == "ok"
        if remarks and index in remarks:
            assert await clients[0].request("answer", text=remarks[index]) == "ok"
    assert await console.request("end_session") == "ok"
    return session_id, projected, console.text


def agreement_ids(server) -> dict[str, str]:
    return dict(rows(server.db, "SELECT text, id FROM agreements"))


def action_ids(server) -> dict[str, tuple[str, str]]:
    return {
        what: (i, s)
        for what, i, s in rows(server.db, "SELECT what, id, status FROM tracked_actions")
    }


async def test_three_evaluation_moments_show_a_trend_and_hide_a_rating_below_the_floor(server):
    await closed_session(
        server,
        [
            {"text": GREET, "actions": [{"what": "Make a greeting rota", "who": "Ans"}]},
            {"text": SPEAK, "actions": [{"what": "Training on feedback", "due": "15-01-2027"}]},
        ],
    )
    ids = agreement_ids(server)
    rota, training = (
        action_ids(server)["Make a greeting rota"][0],
        action_ids(server)["Training on feedback"][0],
    )

    # Moment 1: both actions are reviewed on the projector, then both agreements rated.
    first, projected, _ = await evaluation(
        server,
        [ids[GREET], ids[SPEAK]],
        [[4, 4, 5], [2, 2, 3]],
        verdicts={rota: "done", training: "carried"},
        remarks={0: "The rota helps"},
    )
    assert "Where do we stand with our actions?" in projected
    assert "Make a greeting rota" in projected and "Training on feedback" in projected
    assert "verdict-done" in projected and "verdict-carried" in projected
    statuses = {what: status for what, (_, status) in action_ids(server).items()}
    assert statuses == {"Make a greeting rota": "done", "Training on feedback": "open"}

    # The register: SPEAK rated low, with a way to act on it.
    login = await sign_in(server.url)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        # The moment's own outcome keeps the verdicts and the remarks, for the team to read.
        # A facilitator of the team gets the session's pass first, as the console does.
        passed = await http.post(f"/s/{first}/share")
        pass_cookie = "; ".join(f"{k}={v}" for k, v in passed.cookies.items())
        shared = await http.post(f"/s/{first}/share", headers={"cookie": f"{login}; {pass_cookie}"})
        token = shared.headers["location"].split("share=")[1].split("#")[0]
        review = (await http.get(f"/r/{token}", headers=EN)).text
        assert "Open actions from earlier sessions" in review
        assert "Make a greeting rota" in review and "The rota helps" in review
        handout = (await http.get(f"/r/{token}/outcome.md", headers=EN)).text
        assert "- Make a greeting rota (Ans): **Done**" in handout
        assert "- Training on feedback: **Carried over**" in handout
        assert "- The rota helps" in handout
        page = (await http.get("/team/register", headers=EN)).text
        speak = page.split(f'id="a-{ids[SPEAK]}"')[1].split("</article>")[0]
        assert "2.3" in speak and "Low score" in speak
        assert f'action="/team/register/{ids[SPEAK]}/action"' in speak
        greet = page.split(f'id="a-{ids[GREET]}"')[1].split("</article>")[0]
        assert "4.3" in greet and "Low score" not in greet and "The rota helps" in greet
        added = await http.post(
            f"/team/register/{ids[SPEAK]}/action",
            data={"what": "Practise feedback in pairs", "who": "Team leaders", "due": "01-03-2027"},
        )
        assert added.status_code == 303
        empty = await http.post(
            f"/team/register/{ids[SPEAK]}/action", data={"what": " "}, headers=EN
        )
        assert empty.status_code == 400 and "Say what the action is" in empty.text
    assert rows(
        server.db,
        "SELECT agreement_id, due, status FROM tracked_actions WHERE what = ?",
        "Practise feedback in pairs",
    ) == [(ids[SPEAK], "2027-03-01", "open")]

    # Moment 2 opens with the open actions only: the carried one and the new one.
    _, projected, _ = await evaluation(
        server,
        [ids[GREET], ids[SPEAK]],
        [[3, 3, 4], [4, 4, 4]],
        verdicts={training: "dropped"},
    )
    assert "Make a greeting rota" not in projected
    assert "Practise feedback in pairs" in projected
    assert action_ids(server)["Training on feedback"][1] == "dropped"

    # Moment 3: only two rate GREET (below the floor of 3); SPEAK steady.
    await evaluation(server, [ids[GREET], ids[SPEAK]], [[5, 5], [4, 4, 4]])

    stored = rows(
        server.db,
        "SELECT agreement_id, responses, mean, counts FROM ratings ORDER BY rated_at",
    )
    greet_rows = [r for r in stored if r[0] == ids[GREET]]
    assert [r[1] for r in greet_rows] == [3, 3, 2]
    assert greet_rows[-1][2:] == (None, None)  # below the floor: neither mean nor counts
    speak_rows = [r for r in stored if r[0] == ids[SPEAK]]
    assert [round(r[2], 2) for r in speak_rows] == [2.33, 4.0, 4.0]

    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        page = (await http.get("/team/register", headers=EN)).text
    greet = page.split(f'id="a-{ids[GREET]}"')[1].split("</article>")[0]
    speak = page.split(f'id="a-{ids[SPEAK]}"')[1].split("</article>")[0]
    # The chart is SVG made here: three moments on the axis, a point for two of them.
    assert greet.count("<svg") == 1 and greet.count("<circle") == 2 and "too few" in greet
    assert "too few to show" in greet and "better than" not in greet and "worse than" not in greet
    assert speak.count("<circle") == 3 and "about the same as last time" in speak
    assert "Low score" not in speak
    # Who does what for an agreement, on the page and in the code of conduct's files.
    assert "Who does what" in speak and "Practise feedback in pairs" in speak
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        document = (await http.get("/team/register.json")).json()
        markdown = (await http.get("/team/register.md", headers=EN)).text
    by_text = {a["text"]: a for t in document["topics"] for a in t["agreements"]}
    assert [r["mean"] for r in by_text[GREET]["ratings"]] == [4.33, 3.33, None]
    assert by_text[GREET]["ratings"][-1]["counts"] is None
    assert {"what": "Practise feedback in pairs", "who": "Team leaders"}.items() <= (
        by_text[SPEAK]["actions"][0].items()
    )
    assert "by too few to show" in markdown and "4.0 of 5 (3 ratings)" in markdown
    assert "Practise feedback in pairs · Team leaders" in markdown


async def test_trend_down_and_up_between_two_moments(server):
    await closed_session(server, [{"text": GREET}, {"text": SPEAK}])
    ids = agreement_ids(server)
    await evaluation(server, [ids[GREET], ids[SPEAK]], [[4, 4, 4], [2, 2, 2]])
    await evaluation(server, [ids[GREET], ids[SPEAK]], [[3, 3, 3], [3, 3, 4]])
    login = await sign_in(server.url)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        page = (await http.get("/team/register", headers=EN)).text
        document = (await http.get("/team/register", headers={"accept-language": "nl"})).text
    greet = page.split(f'id="a-{ids[GREET]}"')[1].split("</article>")[0]
    speak = page.split(f'id="a-{ids[SPEAK]}"')[1].split("</article>")[0]
    assert "worse than last time (-1.0)" in greet
    assert "better than last time (+1.3)" in speak
    assert "3,3" in document  # Dutch readers get a decimal comma, in the chart too


async def test_one_team_cannot_rate_or_review_another_teams_agreements_and_actions(server):
    await closed_session(server, [{"text": GREET, "actions": [{"what": "Make a greeting rota"}]}])
    ids = agreement_ids(server)
    rota = action_ids(server)["Make a greeting rota"][0]
    other = second_team(server)
    login = await sign_in(server.url, email=other)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        form = (await http.get("/team/evaluate", headers=EN)).text
        assert GREET not in form and "Make a greeting rota" not in form
        refused = await http.post(
            "/team/evaluate", data={"agreement": [ids[GREET]], "lang": "en"}, headers=EN
        )
        assert refused.status_code == 400 and "no longer in force" in refused.text
        act = await http.post(f"/team/register/{ids[GREET]}/action", data={"what": "Mine now"})
        assert act.status_code == 404
    # The other team's own moment carries none of the first team's actions, and a review
    # of one of them is refused as gone: the tracker does not change.
    theirs = await moment(server, {"lang": "en"}, other)
    assert "Make a greeting rota" not in theirs.console
    console = await LiveClient.connect(server.url, theirs.id, "console", theirs.cookie)
    assert await console.request("review_action", id=rota, verdict="done") == "rejected"
    assert action_ids(server)["Make a greeting rota"][1] == "open"
    assert rows(server.db, "SELECT count(*) FROM tracked_actions WHERE what = 'Mine now'") == [(0,)]


async def test_a_review_of_an_unknown_action_is_refused_and_nothing_changes(server):
    await closed_session(server, [{"text": GREET, "actions": [{"what": "Make a greeting rota"}]}])
    rota = action_ids(server)["Make a greeting rota"][0]
    made = await moment(server, {"lang": "en"})
    session_id, cookie = made.id, made.cookie
    console = await LiveClient.connect(server.url, session_id, "console", cookie)
    assert await console.request("review_action", id="0" * 16, verdict="done") == "rejected"
    assert await console.request("review_action", id=rota, verdict="maybe") == "rejected"
    assert await console.request("review_action", id=rota, verdict="done") == "ok"
    assert await console.request("review_action", id=rota, verdict="carried") == "ok"
    assert action_ids(server)["Make a greeting rota"][1] == "open"  # carried keeps it open
    phone = await LiveClient.connect(
        server.url, session_id, "phone", await join(server.url, made.code)
    )
    assert await phone.request("review_action", id=rota, verdict="done") == "rejected"
    assert action_ids(server)["Make a greeting rota"][1] == "open"


async def test_the_evaluation_pack_on_the_start_page_starts_from_the_register(server):
    """Choosing the evaluation moment on the start page leads to choosing what to rate,
    in the language chosen there."""
    await closed_session(server, [{"text": GREET}])
    login = await sign_in(server.url)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        chosen = await http.post("/sessions", data={"pack": "evaluation-moment", "lang": "nl"})
        assert chosen.status_code == 303
        assert chosen.headers["location"] == "/team/evaluate?lang=nl"
        page = (await http.get(chosen.headers["location"], headers=EN)).text
    assert GREET in page
    assert re.search(r'value="nl"\s+checked', page)


async def test_verdicts_and_ratings_survive_a_restart(server):
    """A verdict acknowledged on the console and picks acknowledged on phones are on disk:
    after a restart the projector shows the verdict, and closing keeps every rating."""
    await closed_session(server, [{"text": GREET, "actions": [{"what": "Make a greeting rota"}]}])
    ids = agreement_ids(server)
    rota = action_ids(server)["Make a greeting rota"][0]
    made = await moment(server, {"agreement": [ids[GREET]], "lang": "en"})
    session_id, cookie = made.id, made.cookie
    console = await LiveClient.connect(server.url, session_id, "console", cookie)
    assert await console.request("review_action", id=rota, verdict="dropped") == "ok"
    assert await console.request("open_prompt", prompt=0) == "ok"
    phones = [await join(server.url, made.code) for _ in range(3)]
    for index, phone_cookie in enumerate(phones):
        phone = await LiveClient.connect(server.url, session_id, "phone", phone_cookie)
        assert await phone.request("pick", value=str(index + 2)) == "ok"
    server.stop()
    server.start()
    screen = await LiveClient.connect(server.url, session_id, "screen", cookie)
    console = await LiveClient.connect(server.url, session_id, "console", cookie)
    assert await console.request("project", projection="carried") == "ok"
    await screen.wait_text("verdict-dropped")
    assert action_ids(server)["Make a greeting rota"][1] == "dropped"
    assert await console.request("end_session") == "ok"
    assert rows(server.db, "SELECT responses, mean FROM ratings") == [(3, 4.0)]


def test_opening_a_question_moves_the_projector_on_from_the_open_actions():
    """Pure rules: the moment opens on the open actions; the first question opened puts the
    projector back on the room; other projections stay where the leader put them."""
    from server.rules import OpenPrompt, decide, evolve_all
    from server.rules.carried import CarriedAction
    from server.rules.room import ProjectionChanged
    from server.rules.state import Actor, Phase, Projection, Role, SessionState

    leader = Actor(Role.FACILITATOR)
    carried = (CarriedAction("a" * 16, "Make a rota", "", "", "Greet", "open"),)
    state = SessionState(prompts=("Q1", "Q2"), carried=carried, projection=Projection.CARRIED)
    events = decide(state, leader, OpenPrompt(0))
    assert isinstance(events, list) and ProjectionChanged(Projection.ROOM, 0) in events
    after = evolve_all(state, events)
    assert after.phase is Phase.ANSWERING and after.projection is Projection.ROOM
    shown = SessionState(prompts=("Q1", "Q2"), projection=Projection.DECISIONS)
    events = decide(shown, leader, OpenPrompt(0))
    assert isinstance(events, list)
    assert evolve_all(shown, events).projection is Projection.DECISIONS

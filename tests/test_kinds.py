"""Questions besides open answers: a scale from 1 to 5, multiple choice (one or several) and
a word cloud, from the pack or the console, on the phone, the projector and in the exports,
in Dutch and in English. Real server, real websockets; the pure rules first."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from test_deciding_live import rows

from server.outcome.shape import Choices, PickedPrompt
from server.rules import AddPrompt, decide, evolve_all
from server.rules.asking import Pick, checked_ask, cloud
from server.rules.questions import Ask, Kind
from server.rules.state import Actor, Phase, Rejection, Role, SessionState
from wire import Facilitator, LiveClient, join, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")

LEADER = Actor(Role.FACILITATOR)
SCALE = Ask(Kind.SCALE, low="niet", high="heel")
CHOICE = Ask(Kind.CHOICE, ("Ja", "Nee", "Weet niet"))


def answering(ask: Ask) -> SessionState:
    state = SessionState(prompts=(), phase=Phase.ANSWERING)
    events = decide(state, LEADER, AddPrompt("Vraag?", ask))
    assert not isinstance(events, Rejection)
    return evolve_all(state, events)


def test_a_pick_replaces_the_last_and_counts_once() -> None:
    state = answering(SCALE)
    phone = Actor(Role.PARTICIPANT, "p1")
    state = evolve_all(state, decide(state, phone, Pick((3,))))  # type: ignore[arg-type]
    assert decide(state, phone, Pick((3,))) == []  # sent twice: nothing new
    state = evolve_all(state, decide(state, phone, Pick((4,))))  # type: ignore[arg-type]
    assert state.choices == {(0, "p1"): (4,)}
    assert decide(state, phone, Pick((5,))) == Rejection("bad_pick")
    assert decide(state, phone, Pick((1, 2))) == Rejection("one_pick")
    assert decide(state, LEADER, Pick((1,))) == Rejection("participants_only")


def test_questions_of_other_kinds_are_checked_when_asked() -> None:
    assert checked_ask(Ask(Kind.CHOICE, ("Ja",))) == Rejection("choice_options", {"limit": 10})
    tidy = checked_ask(Ask(Kind.CHOICE, (" Ja ", "Ja", "", "Nee"), is_multiple=True))
    assert tidy == Ask(Kind.CHOICE, ("Ja", "Nee"), is_multiple=True)
    assert checked_ask(Ask(Kind.SCALE, low="x" * 99)).low == "x" * 40


def test_a_word_cloud_counts_the_same_words_however_written() -> None:
    assert cloud(["Respect", "respect!", "Rust", " RESPECT", "rust", "Humor"]) == [
        ("Respect", 3),
        ("Rust", 2),
        ("Humor", 1),
    ]


# Live ---------------------------------------------------------------------------------


async def room(url: str, pack: str, lang: str, phones: int = 3):
    fac = await open_session(url, pack=pack, lang=lang)
    console = await LiveClient.connect(url, fac.session_id, "console", fac.cookie)
    screen = await LiveClient.connect(url, fac.session_id, "screen", fac.cookie)
    cookies = [await join(url, fac.code) for _ in range(phones)]
    clients = [await LiveClient.connect(url, fac.session_id, "phone", c) for c in cookies]
    return fac, console, screen, clients


async def exported(url: str, fac: Facilitator, lang: str) -> tuple[dict, str, str]:
    async with httpx.AsyncClient(base_url=url) as http:
        made = await http.post(f"/s/{fac.session_id}/share", headers={"cookie": fac.cookie})
        token = made.headers["location"].split("share=")[1]
        language = {"accept-language": lang}
        outcome = json.loads((await http.get(f"/r/{token}/outcome.json")).text)
        markdown = (await http.get(f"/r/{token}/outcome.md", headers=language)).text
        review = (await http.get(f"/r/{token}", headers=language)).text
    return outcome, markdown, review


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        (
            "nl",
            {"answered": "3 mensen hebben geantwoord", "mean": "3,7", "ends": "Helemaal veilig"},
        ),
        ("en", {"answered": "3 people answered", "mean": "3.7", "ends": "Completely safe"}),
    ],
)
async def test_a_scale_from_the_pack_end_to_end(server, lang, texts):
    """School connectedness opens with a scale: phones pick, the projector shows the
    distribution and the mean (from the floor on), and the exports keep them."""
    fac, console, screen, phones = await room(server.url, "school-connectedness", lang)
    assert await console.request("open_prompt", prompt=0) == "ok"
    await phones[0].wait_text('class="pick-form kind-scale"')
    assert texts["ends"] in phones[0].text  # the scale's ends, on the phone
    assert 'name="text"' not in phones[0].frames[-2]  # no box to type in
    assert await phones[0].request("pick", value="4") == "ok"  # 5
    assert await phones[1].request("pick", value="3") == "ok"  # 4
    # Two answers are below the floor of three: no counts per value, no mean.
    await screen.wait_text('id="distribution"')
    assert "<progress" not in screen.frames[-1]
    assert await phones[2].request("pick", value=["1"]) == "ok"  # 2
    assert await phones[2].request("answer", text="typed") == "rejected"
    await screen.wait_for(lambda c: texts["answered"] in c.frames[-1])
    assert texts["mean"] in screen.frames[-1] and "<progress" in screen.frames[-1]
    assert await console.request("close_answering") == "ok"
    assert await phones[0].request("pick", value="0") == "rejected"
    assert await console.request("end_session") == "ok"
    assert rows(server.db, "SELECT count(*) FROM choices") == [(0,)]  # nobody's pick kept

    outcome, markdown, review = await exported(server.url, fac, lang)
    scale = outcome["prompts"][0]
    assert set(scale) == set(PickedPrompt.__annotations__)
    assert set(scale["choices"]) == set(Choices.__annotations__)
    assert scale["kind"] == "scale" and scale["answers"] == 3
    assert scale["choices"]["counts"] == [0, 1, 0, 1, 1]
    assert scale["choices"]["mean"] == pytest.approx(3.67, abs=0.01)
    assert texts["mean"] in markdown and texts["ends"] in markdown
    assert texts["mean"] in review


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_a_multiple_choice_of_the_consoles_own_end_to_end(server, lang):
    """The leader adds a question of several options; phones choose more than one; the
    projector counts each option; the outcome keeps the counts."""
    fac, console, screen, phones = await room(server.url, "blank", lang)
    added = await console.request(
        "add_prompt",
        text="Wat helpt?",
        kind="choice",
        options="Rust\nRegels\nRuimte\n",
        multiple="1",
    )
    assert added == "ok"
    assert await console.request("open_prompt", prompt=1) == "ok"
    await phones[0].wait_text('type="checkbox"')
    for phone in phones:
        assert await phone.request("pick", value=["0", "2"]) == "ok"
    assert await phones[0].request("pick", value="1") == "ok"  # changed its mind
    await screen.wait_for(lambda c: "Ruimte" in c.frames[-1] and "<progress" in c.frames[-1])
    counts = re.findall(r'bar-count">(\d+)<', screen.frames[-1])
    assert counts == ["2", "1", "2"]
    assert await console.request("end_session") == "ok"
    outcome, markdown, _review = await exported(server.url, fac, lang)
    choice = outcome["prompts"][1]
    assert choice["kind"] == "choice" and choice["choices"]["multiple"] is True
    assert choice["choices"]["options"] == ["Rust", "Regels", "Ruimte"]
    assert choice["choices"]["counts"] == [2, 1, 2]
    assert "**Regels**: 1" in markdown
    # The blank pack's own question, never answered, is left out of the handout.
    assert outcome["prompts"][0]["answers"] == 0
    assert outcome["prompts"][0]["text"] not in markdown


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_a_word_cloud_end_to_end(server, lang):
    """Exemplary behaviour ends with a word cloud: the projector draws the same words
    larger the more people wrote them; a long answer is refused; grouping still works."""
    fac, console, screen, phones = await room(server.url, "exemplary-behaviour", lang)
    assert await console.request("open_prompt", prompt=4) == "ok"
    for phone, text in zip(phones, ["Eerlijk", "eerlijk", "Luisteren"], strict=True):
        assert await phone.request("answer", text=text) == "ok"
    assert await phones[0].request("answer", text="x" * 41) == "rejected"
    await screen.wait_for(lambda c: 'id="cloud"' in c.frames[-1] and "Luisteren" in c.frames[-1])
    assert re.search(r'size-5">Eerlijk', screen.frames[-1])
    assert re.search(r'size-3">Luisteren', screen.frames[-1])
    assert await console.request("start_grouping") == "ok"
    assert await console.request("end_session") == "ok"
    outcome, markdown, _review = await exported(server.url, fac, lang)
    words = outcome["prompts"][4]
    assert words["kind"] == "words" and words["answers"] == 3
    assert "Luisteren" in markdown

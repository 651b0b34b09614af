"""The HTTP pages against a real server: packs in both languages, own questions, errors."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from server.config import Settings
from server.packs import load_packs
from wire import login_cookies, open_session, sign_in

PACKS = load_packs(Settings().packs_dir)
ENGLISH = {"accept-language": "en"}


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_every_pack_runs_with_every_prompt_in_both_languages(server, lang):
    """Each built-in pack opens as a session in Dutch and in English, and the console and
    projector show its title and every prompt in that language."""
    assert len(PACKS) >= 8
    for pack in PACKS.values():
        fac = await open_session(server.url, pack=pack.id, lang=lang)
        async with httpx.AsyncClient(base_url=server.url, headers={"cookie": fac.cookie}) as http:
            console = html.unescape((await http.get(f"/s/{fac.session_id}/console")).text)
            screen = html.unescape((await http.get(f"/s/{fac.session_id}/screen")).text)
        assert pack.title.in_(lang) in console
        assert pack.title.in_(lang) in screen
        assert pack.intro.in_(lang) in screen
        for prompt in pack.prompts:
            assert prompt.in_(lang) in console, (pack.id, lang, prompt)
        other = "en" if lang == "nl" else "nl"
        assert pack.prompts[0].in_(other) not in console


async def test_the_projector_speaks_the_sessions_language_on_an_english_laptop(server):
    """A Dutch session's projector, opened from a laptop set to English, shows no English:
    the connection state is Dutch like the live parts that arrive later."""
    fac = await open_session(server.url, lang="nl")
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": fac.cookie}) as http:
        screen = html.unescape(
            (await http.get(f"/s/{fac.session_id}/screen", headers=ENGLISH)).text
        )
    assert 'data-online="Verbonden"' in screen
    assert "Verbinden…" in screen
    assert "Connecting…" not in screen


async def test_the_projector_qr_follows_the_address_the_leader_opens_it_at(server):
    """Opened at localhost, the join address is localhost's; reopened at the laptop's
    network address (as the console asks), the QR code and address follow."""
    fac = await open_session(server.url)
    port = server.url.rsplit(":", 1)[1]
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": fac.cookie}) as http:
        local = (
            await http.get(f"/s/{fac.session_id}/screen", headers={"host": f"localhost:{port}"})
        ).text
        network = (
            await http.get(f"/s/{fac.session_id}/screen", headers={"host": f"127.0.0.1:{port}"})
        ).text
    assert f"http://localhost:{port}/j/{fac.code}" in html.unescape(local)
    assert f"http://127.0.0.1:{port}/j/{fac.code}" in html.unescape(network)
    assert "localhost" not in network


async def test_the_start_page_lists_every_pack_and_own_questions(server):
    """All packs, in the visitor's language, and the choice to write one's own questions."""
    cookies = await login_cookies(server.url)
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies) as http:
        dutch = html.unescape((await http.get("/start", headers={"accept-language": "nl"})).text)
        english = html.unescape((await http.get("/start", headers=ENGLISH)).text)
    for pack in PACKS.values():
        assert pack.title.nl in dutch
        assert pack.title.en in english
    assert "Mijn eigen vragen" in dutch
    assert "My own questions" in english


async def test_own_questions_can_be_kept_as_a_topic_that_survives_a_restart(server):
    """Questions written on the start page and kept as a topic are listed on the start page,
    also after a restart, and open as a session with those questions."""
    form = {
        "pack": "own",
        "questions": "Wat gaat goed in ons team?\n\nWat willen we anders doen?",
        "title": "Teamdag januari",
        "save": "1",
        "lang": "nl",
    }
    cookies = await login_cookies(server.url)
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies) as http:
        created = await http.post("/sessions", data=form)
        assert created.status_code == 303
    server.stop()
    server.start()
    cookies = await login_cookies(server.url)
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies) as http:
        start = html.unescape((await http.get("/start", headers=ENGLISH)).text)
        assert "Teamdag januari" in start
        assert "Saved topic · Nederlands · 2 questions · " in start
        pack_id = re.search(r'value="(saved-[^"]+)"', start)[1]
    fac = await open_session(server.url, pack=pack_id, lang="nl")
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": fac.cookie}) as http:
        console = html.unescape((await http.get(f"/s/{fac.session_id}/console")).text)
    assert "Wat gaat goed in ons team?" in console
    assert "Wat willen we anders doen?" in console


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"questions": ""}, "Write at least one question first."),
        ({"questions": "1\n2\n3\n4\n5\n6"}, "At most five questions, one per line."),
        ({"questions": "x" * 281}, "One of the questions is too long"),
        ({"questions": "Goed?", "save": "1"}, "Give the topic a title."),
        ({"questions": "Goed?", "title": "t" * 81}, "That title is too long"),
        ({"pack": "no-such-pack"}, "Choose one of the topics."),
    ],
)
async def test_a_bad_start_form_says_what_is_wrong_and_keeps_what_was_typed(server, form, message):
    """The start page comes back with the reason and the facilitator's text still in place."""
    data = {"pack": "own", "lang": "nl", **form}
    cookies = await login_cookies(server.url)
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies) as http:
        response = await http.post("/sessions", data=data, headers=ENGLISH)
        assert response.status_code == 400
        assert message in html.unescape(response.text)
        if form.get("questions"):
            assert html.escape(form["questions"]) in response.text
        nothing_saved = await http.get("/start", headers=ENGLISH)
        assert "Saved topic" not in nothing_saved.text


async def test_the_console_keeps_a_session_as_a_topic(server):
    """From the console, a session's questions are kept under a title; an empty title is
    refused with a clear message."""
    fac = await open_session(server.url, pack="norms-and-rules", lang="en")
    both = f"{fac.cookie}; {await sign_in(server.url)}"  # the console's secret, signed in
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": both}) as http:
        path = f"/s/{fac.session_id}/packs"
        refused = await http.post(path, data={"title": " "}, headers=ENGLISH)
        assert refused.status_code == 400
        assert "Give the topic a title." in refused.text
        saved = await http.post(path, data={"title": "Our rules"})
        assert saved.status_code == 303
        confirmed = await http.get(saved.headers["location"], headers=ENGLISH)
        assert "Saved. The topic is on the start page now." in confirmed.text
        start = html.unescape((await http.get("/start", headers=ENGLISH)).text)
    assert "Our rules" in start
    assert f"{len(PACKS['norms-and-rules'].prompts)} questions" in start
    async with httpx.AsyncClient(base_url=server.url) as stranger:
        forbidden = await stranger.post(f"/s/{fac.session_id}/packs", data={"title": "x"})
        assert forbidden.status_code == 403

"""Packs that build on each other, over a real server: a session of a pack that builds on
topics starts with the team's agreements in force on them, on the console, the projector and
the phones, as they stood when it was made; the pack's action prompts help add actions."""

from __future__ import annotations

import re

import httpx
import pytest
from team_sessions import EN, Opened, closed_session, opened, rows, second_team

from wire import LiveClient, join, sign_in

pytestmark = pytest.mark.usefixtures("close_live_clients")


async def made_session(server: object, pack: str, email: str | None = None) -> Opened:
    """A new session of the signed-in account's team, in English."""
    url = server.url  # type: ignore[attr-defined]
    login = await sign_in(url, **({"email": email} if email else {}))
    async with httpx.AsyncClient(base_url=url, headers={"cookie": login}) as http:
        return await opened(http, await http.post("/sessions", data={"pack": pack, "lang": "en"}))


async def pages_of(server: object, made: Opened) -> dict[str, str]:
    """The console, the projector and the phone as they are now (the phone joins)."""
    url = server.url  # type: ignore[attr-defined]
    phone = await join(url, made.code)
    async with httpx.AsyncClient(base_url=url, headers=EN) as http:
        mine = {"cookie": made.cookie}
        return {
            "console": (await http.get(f"/s/{made.id}/console", headers=mine)).text,
            "screen": (await http.get(f"/s/{made.id}/screen", headers=mine)).text,
            "phone": (await http.get(f"/j/{made.code}", headers={"cookie": phone})).text,
        }


def context_of(html: str) -> str:
    """The part of a page that shows what the team agreed earlier, or '' without it."""
    found = re.search(r'<(details|div) class="context [^"]*".*?</\1>', html, re.S)
    return found[0] if found else ""


async def test_a_later_session_starts_from_what_the_team_agreed(server):
    """After the team agreed on a core value, its norms session shows that value under the
    core values' name on the console and the projector in the lobby, and on the projector
    and the phone while answering; the agreed text is copied into the session's settings,
    so retiring it later changes nothing in the running session."""
    await closed_session(server, [{"text": "We listen to each other"}])
    made = await made_session(server, "norms-and-rules")
    lobby = await pages_of(server, made)
    for view in ("console", "screen"):
        shown = context_of(lobby[view])
        assert "Core values" in shown and "We listen to each other" in shown, view
    assert context_of(lobby["phone"]) == ""  # a phone in the lobby waits for the question
    ((agreement_id,),) = rows(server.db, "SELECT id FROM agreements")
    login = await sign_in(server.url)
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        retired = await http.post(f"/team/register/{agreement_id}/retire")
        assert retired.status_code == 303
    console = await LiveClient.connect(server.url, made.id, "console", made.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    answering = await pages_of(server, made)
    for view in ("console", "screen", "phone"):
        shown = context_of(answering[view])
        assert "Core values" in shown and "We listen to each other" in shown, view
    assert "<details" in context_of(answering["phone"])  # folded on a phone


async def test_another_teams_session_and_a_pack_without_foundation_show_nothing(server):
    """Another team's norms session never shows this team's values; this team's core values
    session builds on nothing, and a norms session of a team with an empty register shows
    no empty box either."""
    await sign_in(server.url)  # the first account, this team's
    email = second_team(server)
    empty = await made_session(server, "norms-and-rules", email=email)
    assert not any(map(context_of, (await pages_of(server, empty)).values()))
    await closed_session(server, [{"text": "Linde only"}])
    other = await made_session(server, "norms-and-rules", email=email)
    for view, html in (await pages_of(server, other)).items():
        assert "Linde only" not in html and context_of(html) == "", view
    plain = await made_session(server, "core-values")
    for view, html in (await pages_of(server, plain)).items():
        assert "Linde only" not in html and context_of(html) == "", view
    ours = await made_session(server, "norms-and-rules")
    assert "Linde only" in context_of((await pages_of(server, ours))["console"])


async def test_the_code_of_conduct_starts_from_values_and_rules_in_the_handbooks_order(server):
    """A code-of-conduct session shows the core values first, then the norms and rules,
    each topic's newest agreement first."""
    await closed_session(server, [{"text": "Respect"}, {"text": "Trust"}])
    await closed_session(server, [{"text": "No phones in class"}], pack="norms-and-rules")
    made = await made_session(server, "code-of-conduct")
    shown = context_of((await pages_of(server, made))["console"])
    order = ["Core values", "Respect", "Trust", "Norms and rules", "No phones in class"]
    assert [shown.index(text) for text in order] == sorted(shown.index(t) for t in order)


async def test_the_action_form_offers_the_packs_action_prompts(server):
    """An agreed decision's action form suggests the pack's action prompts, in the
    session's language, as choices for 'What' and as a visible list."""
    made = await made_session(server, "norms-and-rules")
    console = await LiveClient.connect(server.url, made.id, "console", made.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    phones = [await join(server.url, made.code) for _ in range(3)]
    clients = [await LiveClient.connect(server.url, made.id, "phone", c) for c in phones]
    proposal = {"from": "", "text": "We greet each other", "replaces": ""}
    assert await console.request("propose_decision", **proposal) == "ok"
    for phone in clients:
        assert await phone.request("consent", decision=1, level="support") == "ok"
    assert await console.request("close_round", decision=1) == "ok"
    prompt = "Who writes the agreement down and makes it visible around school? By when?"
    await console.wait_text('<datalist id="action-prompts-1">')
    frame = next(f for f in reversed(console.frames) if "action-prompts-1" in f)
    form = frame.split('class="action-form" data-pending')[1].split("</form>")[0]
    assert 'list="action-prompts-1"' in form
    assert f'<option value="{prompt}">' in form
    assert f'<li lang="en">{prompt}</li>' in form
    assert "Questions that help:" in form

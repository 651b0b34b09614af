"""Grouping over real websockets: moves converge, suggestions wait, labels reach everyone."""

from __future__ import annotations

import asyncio
import re
import sqlite3

import pytest

from wire import LiveClient, join, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")

TOKEN = re.compile(r'id="group-(\d+)"|class="ungrouped"|id="card-(\d+)"')


def board_of(client: LiveClient) -> dict[int, int | None]:
    """Card number -> group number, as the client's latest board shows it."""
    text = next(f for f in reversed(client.frames) if 'id="board"' in f)
    text = text[text.rindex('id="board"') :]
    placement: dict[int, int | None] = {}
    group: int | None = None
    for match in TOKEN.finditer(text):
        if match[1]:
            group = int(match[1])
        elif match[2]:
            placement[int(match[2])] = group
        else:
            group = None
    return placement


def stored_board(db_path) -> dict[int, int | None]:
    with sqlite3.connect(db_path) as db:
        return dict(db.execute("SELECT number, group_number FROM answers"))


async def grouping_session(server, answers: list[str], phones: int = 2):
    fac = await open_session(server.url, lang="nl")
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    screen = await LiveClient.connect(server.url, fac.session_id, "screen", fac.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    teachers = [
        await LiveClient.connect(
            server.url, fac.session_id, "phone", await join(server.url, fac.code)
        )
        for _ in range(phones)
    ]
    for index, text in enumerate(answers):
        assert await teachers[index % phones].request("answer", text=text) == "ok"
    assert await console.request("start_grouping") == "ok"
    return fac, console, screen, teachers


async def test_concurrent_moves_of_the_same_card_converge_on_every_screen(server):
    """Two phones and the console move the same card at once, again and again: every
    screen ends up showing the same board, and it is the board that was saved."""
    answers = ["respect", "veiligheid", "eerlijkheid", "samenwerken", "plezier", "vertrouwen"]
    _, console, screen, phones = await grouping_session(server, answers)
    assert await phones[0].request("move", answer=1, to="answer:2") == "rejected"  # not allowed yet
    assert await console.request("phone_grouping", allowed="1") == "ok"
    await phones[0].wait_text("data-board")
    assert await console.request("move", answer=3, to="answer:4") == "ok"  # group 1: 3, 4
    assert await console.request("move", answer=5, to="new") == "ok"  # group 2: 5

    targets = ["group:1", "group:2", "answer:6", "none", "new", "answer:2"]
    for round_ in range(15):
        sends = [
            client.request("move", answer=1, to=targets[(round_ + i) % len(targets)])
            for i, client in enumerate((console, *phones))
        ]
        await asyncio.gather(*sends)
    await asyncio.sleep(0.5)
    saved = stored_board(server.db)
    for client in (console, screen, *phones):
        assert board_of(client) == saved, client
    assert sorted(saved) == [1, 2, 3, 4, 5, 6]


async def test_suggestions_move_nothing_until_accepted(server):
    """Suggested groups appear in the console only; cards stay put until one is accepted,
    and then exactly its answers move."""
    answers = [
        "Respect",
        "respect voor elkaar",
        "RESPECT!",
        "veiligheid",
        "Veilig voelen",
        "koffie",
    ]
    _, console, screen, phones = await grouping_session(server, answers)
    assert await phones[0].request("suggest") == "rejected"
    before = len(console.frames)
    assert await console.request("suggest") == "ok"
    await console.wait_new_text('class="suggestion"', before)
    assert 'class="suggestion"' not in screen.text
    await asyncio.sleep(0.3)
    assert set(stored_board(server.db).values()) == {None}
    assert all(group is None for group in board_of(screen).values())

    suggestion = re.search(r'name="answers" value="([\d,]+)"', console.frames[-1] + console.text)
    members = [int(n) for n in suggestion[1].split(",")]
    assert {1, 2, 3} <= set(members) or {4, 5} <= set(members)
    assert await console.request("create_group", answers=suggestion[1], label="Respect") == "ok"
    await screen.wait_text(">Respect</span>")
    saved = stored_board(server.db)
    assert {n for n, g in saved.items() if g is not None} == set(members)
    assert await console.request("create_group", answers=suggestion[1], label="x") == "rejected"


async def test_a_renamed_group_reaches_every_screen(server):
    """Renaming a group changes its label on the console, the projector and the phones."""
    _, console, screen, phones = await grouping_session(server, ["luisteren", "aandacht"])
    assert await console.request("phone_grouping", allowed="1") == "ok"
    assert await console.request("move", answer=1, to="answer:2") == "ok"
    assert await console.request("rename_group", group=1, label="Aandacht voor elkaar") == "ok"
    for client in (console, screen, *phones):
        await client.wait_text('<span class="label">Aandacht voor elkaar</span>')
    assert await phones[0].request("rename_group", group=1, label="nee") == "rejected"
    assert await console.request("rename_group", group=1, label="  ") == "rejected"
    assert "Give the group a name." in console.text

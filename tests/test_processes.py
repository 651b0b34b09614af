"""Several processes serving one session: two servers share one PostgreSQL database and one
Redis, and every screen on either of them shows every change once, in one order.

Runs against DRAAGVLAK_TEST_STORE_URLS (a PostgreSQL) and DRAAGVLAK_TEST_HUB_URLS (a
Redis): skipped without them, failed in CI (.ci/run starts both). The servers run in this
process (a thread and an event loop each), as separate processes would: they share
nothing but the database and Redis. tests/test_cluster.py does the same with processes
behind nginx, and kills one.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from test_hub_redis import RedisServer
from test_live import wall_numbers

from conftest import AppServer, fresh_database
from wire import LiveClient, join, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")

STORES = [u for u in os.environ.get("DRAAGVLAK_TEST_STORE_URLS", "").split(",") if u]
HUBS = [u for u in os.environ.get("DRAAGVLAK_TEST_HUB_URLS", "").split(",") if u]
JOINED = re.compile(r"(\d+) joined")


def required(urls: list[str], what: str) -> str:
    if not urls:
        message = f"no {what}: see .ci/run"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return urls[0]


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[AppServer, AppServer]]:
    store = fresh_database(required(STORES, "PostgreSQL"))
    hub = required(HUBS, "Redis")
    servers = [AppServer(tmp_path / f"p{n}.db", store_url=store, hub_url=hub) for n in (1, 2)]
    for server in servers:
        server.start()
    yield servers[0], servers[1]
    for server in servers:
        server.stop()


def last_joined(text: str) -> int:
    found = JOINED.findall(text)
    return int(found[-1]) if found else 0


async def seq_of(server: AppServer, session_id: str) -> tuple[int, int]:
    """The session's number and how many journal rows it has, as PostgreSQL says."""
    assert server.store_url is not None
    db = await asyncpg.connect(server.store_url)
    try:
        seq = await db.fetchval("SELECT seq FROM sessions WHERE id = $1", session_id)
        rows = await db.fetchval("SELECT count(*) FROM journal WHERE session_id = $1", session_id)
        return int(seq), int(rows)
    finally:
        await db.close()


async def test_answers_sent_to_two_processes_reach_every_screen_once(two_servers: Any) -> None:
    """Phones on both servers answer at once: both consoles and a projector show each
    answer exactly once, numbered without a gap or a clash, and both count everyone."""
    a, b = two_servers
    fac = await open_session(a.url)
    console_a = await LiveClient.connect(a.url, fac.session_id, "console", fac.cookie)
    console_b = await LiveClient.connect(b.url, fac.session_id, "console", fac.cookie)
    screen_b = await LiveClient.connect(b.url, fac.session_id, "screen", fac.cookie)
    assert await console_b.request("open_prompt", prompt=0) == "ok"
    servers = [a, b] * 10
    cookies = await asyncio.gather(*(join(s.url, fac.code) for s in servers))
    phones = await asyncio.gather(
        *(
            LiveClient.connect(s.url, fac.session_id, "phone", c)
            for s, c in zip(servers, cookies, strict=True)
        )
    )
    statuses = await asyncio.gather(
        *(phone.request("answer", text=f"respect {i}") for i, phone in enumerate(phones))
    )
    assert statuses == ["ok"] * 20
    for viewer in (console_a, console_b, screen_b):
        await viewer.wait_for(lambda c: len(wall_numbers(c.text)) >= 20, timeout=10)
        await viewer.wait_for(lambda c: last_joined(c.text) == 20, timeout=10)
    await asyncio.sleep(0.3)  # anything doubled would arrive now
    for viewer in (console_a, console_b, screen_b):
        assert sorted(wall_numbers(viewer.text)) == list(range(1, 21))
    # One order for everyone: the same answer numbers in the same sequence on both consoles.
    assert wall_numbers(console_a.text) == wall_numbers(console_b.text)
    seq, rows = await seq_of(a, fac.session_id)
    assert seq == rows and seq >= 21  # 20 joins, the prompt, the answers in batches


async def test_a_phase_change_in_one_process_reaches_phones_in_the_other(
    two_servers: Any,
) -> None:
    a, b = two_servers
    fac = await open_session(a.url)
    console_a = await LiveClient.connect(a.url, fac.session_id, "console", fac.cookie)
    phone_b = await LiveClient.connect(b.url, fac.session_id, "phone", await join(b.url, fac.code))
    assert await console_a.request("open_prompt", prompt=0) == "ok"
    await phone_b.wait_text('name="text"', timeout=10)  # the answer form, on the other server
    assert await phone_b.request("answer", text="Samen") == "ok"
    await console_a.wait_text(">Samen<", timeout=10)


async def test_redis_restarted_each_process_reads_what_it_missed(two_servers: Any) -> None:
    """While Redis is down a process cannot tell the others; what it saved is still
    saved and acknowledged, and once Redis is back (or within a poll) every screen has it."""
    a, b = two_servers
    redis = RedisServer(required(HUBS, "Redis"))
    fac = await open_session(a.url)
    console_b = await LiveClient.connect(b.url, fac.session_id, "console", fac.cookie)
    assert await console_b.request("open_prompt", prompt=0) == "ok"
    phone_a = await LiveClient.connect(a.url, fac.session_id, "phone", await join(a.url, fac.code))
    assert await phone_a.request("answer", text="voor Redis") == "ok"
    await console_b.wait_text(">voor Redis<", timeout=10)

    await asyncio.to_thread(redis.shut_down)
    try:
        assert await phone_a.request("answer", text="tijdens de storing") == "ok"
    finally:
        await asyncio.to_thread(redis.start)
    await console_b.wait_text(">tijdens de storing<", timeout=15)
    assert await phone_a.request("answer", text="erna") == "ok"
    await console_b.wait_text(">erna<", timeout=10)
    await asyncio.sleep(0.3)
    assert sorted(wall_numbers(console_b.text)) == [1, 2, 3]


async def test_closing_in_one_process_closes_the_session_in_the_other(two_servers: Any) -> None:
    """Closing empties the journal (it names pseudonyms): the other process finds the gap,
    loads the closed session and sends its connections the whole of it; nothing there
    still holds who answered."""
    a, b = two_servers
    fac = await open_session(a.url)
    console_a = await LiveClient.connect(a.url, fac.session_id, "console", fac.cookie)
    cookie = await join(b.url, fac.code)
    phone_b = await LiveClient.connect(b.url, fac.session_id, "phone", cookie)
    assert await console_a.request("open_prompt", prompt=0) == "ok"
    assert await phone_b.request("answer", text="Veiligheid") == "ok"
    assert await console_a.request("end_session") == "ok"

    await phone_b.wait_text("The session is closed.", timeout=10)
    assert phone_b.closed_code is None  # told on the connection it has: no reconnect storm
    assert await seq_of(b, fac.session_id) == (4, 0)  # join, prompt, answer, close; no rows

"""PostgreSQL briefly unreachable under a running session: what cannot be saved is refused
with "please try again", never acknowledged and then lost, and the session carries on by
itself once the database is back.

The database is a private cluster the test stops and starts (tests/private_postgres.py);
without Debian's postgresql the test is skipped, and in CI it fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from private_postgres import PrivatePostgres

from conftest import AppServer
from wire import Facilitator, LiveClient, join, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")

TRY_AGAIN = "That could not be saved; please try again."


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def server(tmp_path: Path, postgres: PrivatePostgres) -> Iterator[AppServer]:
    server = AppServer(tmp_path / "outage.db", store_url=postgres.database())
    server.start()
    yield server
    server.stop()


async def saved_answers(url: str, session_id: str) -> list[str]:
    db = await asyncpg.connect(url, timeout=10)
    try:
        rows = await db.fetch(
            "SELECT text FROM answers WHERE session_id = $1 ORDER BY number", session_id
        )
    finally:
        await db.close()
    return [row["text"] for row in rows]


async def answering(server: AppServer) -> tuple[Facilitator, LiveClient, LiveClient]:
    """A session with its console and one phone, the first question open for answers."""
    fac = await open_session(server.url)
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    phone = await LiveClient.connect(
        server.url, fac.session_id, "phone", await join(server.url, fac.code)
    )
    assert await console.request("open_prompt", prompt=0) == "ok"
    await phone.wait_text('name="text"')
    return fac, console, phone


async def test_answers_while_postgresql_is_down_are_refused_and_the_session_recovers(
    server: AppServer, postgres: PrivatePostgres
) -> None:
    """Acknowledged before the outage and after it: saved and shown. During it: every
    answer refused with the try-again text, on a connection that stays open."""
    fac, console, phone = await answering(server)
    assert await phone.request("answer", text="Voor de storing") == "ok"
    await console.wait_text(">Voor de storing<")

    await asyncio.to_thread(postgres.stop)
    during = [await phone.request("answer", text=f"Tijdens {n}", timeout=30) for n in (1, 2, 3)]
    assert during == ["rejected"] * 3
    assert TRY_AGAIN in phone.text
    assert phone.closed_code is None and console.closed_code is None

    await asyncio.to_thread(postgres.start)
    assert await phone.request("answer", text="Na de storing", timeout=30) == "ok"
    await console.wait_text(">Na de storing<")
    assert "Tijdens" not in console.text

    assert server.store_url is not None
    assert await saved_answers(server.store_url, fac.session_id) == [
        "Voor de storing",
        "Na de storing",
    ]
    assert phone.closed_code is None and console.closed_code is None


async def test_a_write_while_postgresql_hangs_waits_and_is_saved_once_it_answers(
    server: AppServer, postgres: PrivatePostgres
) -> None:
    """A database that hangs (its machine frozen: connections open, nothing answers) is not
    one that is down: the answer is neither acknowledged nor refused while it hangs, the
    health check says the store does not answer, and once it answers again the answer is
    acknowledged and saved once."""
    fac, console, phone = await answering(server)

    postgres.freeze()
    try:
        msg_id = await phone.send("answer", text="Tijdens het hangen")
        async with httpx.AsyncClient(base_url=server.url) as http:
            health = await http.get("/healthz", timeout=30)
        assert health.status_code == 503 and health.json()["store"] == "unreachable"
        assert msg_id not in phone.acks  # not acknowledged: it is not saved yet
    finally:
        postgres.thaw()
    assert await phone.ack(msg_id, timeout=30) == "ok"
    await console.wait_text(">Tijdens het hangen<")
    assert server.store_url is not None
    assert await saved_answers(server.store_url, fac.session_id) == ["Tijdens het hangen"]
    assert phone.closed_code is None and console.closed_code is None

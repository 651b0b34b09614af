"""Rate limits shared by several processes through Redis (server/web/limits.py): a limit
used up through one server is used up on the other, and while Redis is down joining goes
on (counted per process) and signing in with a password waits.

Two servers share one PostgreSQL database (DRAAGVLAK_TEST_STORE_URLS, `.ci/postgres`) and
a Redis of this test's own, which it shuts down. Skipped without them, failed in CI.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_hub_redis import RedisServer

from conftest import AppServer, free_port, fresh_database
from wire import LEADER_EMAIL, LEADER_PASSWORD, LiveClient, join, open_session, sign_in

pytestmark = pytest.mark.usefixtures("close_live_clients")

STORES = [u for u in os.environ.get("DRAAGVLAK_TEST_STORE_URLS", "").split(",") if u]
EN = {"accept-language": "en"}


def required(found: object, what: str) -> None:
    if not found:
        message = f"no {what}: see .ci/run"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    required(shutil.which("redis-server"), "redis-server")
    server = RedisServer(f"redis://127.0.0.1:{free_port()}/0")
    server.start()
    yield server
    server.shut_down()


@pytest.fixture
def two_servers(tmp_path: Path, redis: RedisServer) -> Iterator[tuple[AppServer, AppServer]]:
    required(STORES, "PostgreSQL")
    store = fresh_database(STORES[0])
    settings = {
        "hub_url": f"redis://127.0.0.1:{redis.port}/0",
        "failed_joins_per_minute": "3",
        "answers_per_minute": "2",
    }
    servers = [AppServer(tmp_path / f"l{n}.db", store_url=store, **settings) for n in (1, 2)]
    for server in servers:
        server.start()
    yield servers[0], servers[1]
    for server in servers:
        server.stop()


async def status_of(server: AppServer, path: str) -> int:
    async with httpx.AsyncClient(base_url=server.url, headers=EN) as http:
        return (await http.get(path)).status_code


async def test_mistyped_codes_through_one_process_count_on_the_other(
    two_servers: tuple[AppServer, AppServer],
) -> None:
    """Three different wrong codes from one address, spread over two processes, use up the
    limit on both; the same wrong code typed on each is one mistake, not two."""
    a, b = two_servers
    fac = await open_session(a.url)
    assert await status_of(a, "/j/000001") == 404
    assert await status_of(a, "/j/000002") == 404
    assert await status_of(b, "/j/000002") == 404  # the same mistake again
    assert await status_of(b, "/j/000003") == 404
    assert await status_of(a, "/j/000004") == 429
    assert await status_of(b, "/j/000005") == 429
    assert await status_of(b, f"/j/{fac.code}") == 429  # typed: counts like a guess


async def test_sign_in_attempts_through_one_process_count_on_the_other(
    two_servers: tuple[AppServer, AppServer],
) -> None:
    a, b = two_servers
    await sign_in(a.url)
    form = {"email": LEADER_EMAIL, "password": "niet het goede wachtwoord"}
    statuses = []
    for server in (a, b, a, b, a, b):
        async with httpx.AsyncClient(base_url=server.url, headers=EN) as http:
            statuses.append((await http.post("/signin", data=form)).status_code)
    assert statuses == [400] * 5 + [429]


async def test_answers_per_minute_are_counted_across_processes(
    two_servers: tuple[AppServer, AppServer],
) -> None:
    """One phone with a tab on each process answers no faster than the limit allows."""
    a, b = two_servers
    fac = await open_session(a.url)
    console = await LiveClient.connect(a.url, fac.session_id, "console", fac.cookie)
    cookie = await join(a.url, fac.code)
    on_a = await LiveClient.connect(a.url, fac.session_id, "phone", cookie)
    on_b = await LiveClient.connect(b.url, fac.session_id, "phone", cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    await on_b.wait_text('name="text"', timeout=10)
    assert await on_a.request("answer", text="Een") == "ok"
    assert await on_b.request("answer", text="Twee", timeout=10) == "ok"
    assert await on_a.request("answer", text="Drie") == "rejected"
    assert "That is a lot of answers at once" in on_a.text


async def test_without_redis_joining_goes_on_and_password_sign_in_waits(
    two_servers: tuple[AppServer, AppServer], redis: RedisServer
) -> None:
    """Redis down: wrong codes are still limited, per process; a password is not checked
    at all (503, "try again in a minute") until Redis answers again, since a guesser
    could otherwise multiply the attempts by the number of processes."""
    a, b = two_servers
    await sign_in(a.url)
    form = {"email": LEADER_EMAIL, "password": LEADER_PASSWORD}
    redis.shut_down()
    assert [await status_of(a, f"/j/00001{n}") for n in range(4)] == [404, 404, 404, 429]
    assert await status_of(b, "/j/000020") == 404  # counted per process meanwhile
    async with httpx.AsyncClient(base_url=b.url, headers=EN) as http:
        refused = await http.post("/signin", data=form)
    assert refused.status_code == 503
    assert "not possible for a moment. Try again in a minute." in refused.text
    assert a.log.count("limits: Redis does not answer") == 1
    redis.start()
    await _eventually_signs_in(b.url, form)
    assert "limits: Redis answers again" in b.log


async def _eventually_signs_in(url: str, form: dict[str, str]) -> None:
    """Redis is asked again DOWN_SECONDS after it last failed."""
    async with httpx.AsyncClient(base_url=url, headers=EN) as http:
        for _ in range(100):
            response = await http.post("/signin", data=form)
            if response.status_code == 303:
                return
            assert response.status_code == 503
            await asyncio.sleep(0.1)
    raise AssertionError("signing in did not come back within 10 s of Redis")

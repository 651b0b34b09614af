"""/healthz, as a load balancer asks it: 200 while the store and the hub answer, 503 naming
the part that does not, and 200 again once it is back, on real servers.

Redis and PostgreSQL are started by each test (Debian's redis-server and postgresql) and
stopped under a running server. Without them these tests are skipped, and in CI they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from private_postgres import PrivatePostgres
from test_hub_redis import RedisServer

from conftest import AppServer, free_port

ALL_OK = {"status": "ok", "store": "ok", "hub": "ok"}


def health(server: AppServer) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{server.url}/healthz", timeout=10)
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    return response.status_code, response.json()


def wait_for_health(server: AppServer, status: int, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found, body = health(server)
        if found == status:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"/healthz still says {found} {body} after {timeout:.0f} s")
        time.sleep(0.1)


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        message = "no redis-server: bash .ci/redis installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = RedisServer(f"redis://127.0.0.1:{free_port()}/0")
    server.start()
    yield server
    server.shut_down()


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Callable[..., AppServer]]:
    servers: list[AppServer] = []

    def start(**settings: Any) -> AppServer:
        server = AppServer(tmp_path / f"health{len(servers)}.db", **settings)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


def test_health_is_ok_on_sqlite_and_the_memory_hub(server: AppServer) -> None:
    """One process, the default: both parts answer, and the body says so and nothing more."""
    assert health(server) == (200, ALL_OK)
    assert httpx.head(f"{server.url}/healthz", timeout=10).status_code == 200


def test_redis_gone_is_a_503_naming_the_hub_until_it_is_back(
    started: Callable[..., AppServer], redis: RedisServer
) -> None:
    """A process that cannot reach the other processes is taken out of the load balancer's
    rotation, and put back by itself once Redis answers again."""
    server = started(hub_url=f"redis://127.0.0.1:{redis.port}/0")
    assert health(server) == (200, ALL_OK)
    redis.shut_down()
    body = wait_for_health(server, 503)
    assert body == {"status": "unavailable", "store": "ok", "hub": "unreachable"}
    response = httpx.get(f"{server.url}/healthz", timeout=10)
    assert str(redis.port) not in response.text  # no address, no URL
    assert "the hub does not answer" in server.log
    redis.start()
    assert wait_for_health(server, 200) == ALL_OK
    assert "the hub answers again" in server.log


def test_postgresql_stopped_is_a_503_naming_the_store_until_it_is_back(
    started: Callable[..., AppServer], postgres: PrivatePostgres
) -> None:
    """The database stopped under a running server: 503 "store" within a few seconds, and
    200 again once it runs, without restarting the server (the pool connects again)."""
    url = postgres.database()
    server = started(store_url=url)
    assert health(server) == (200, ALL_OK)
    postgres.stop()
    body = wait_for_health(server, 503, timeout=10)
    assert body == {"status": "unavailable", "store": "unreachable", "hub": "ok"}
    response = httpx.get(f"{server.url}/healthz", timeout=10)
    assert str(postgres.port) not in response.text and "postgresql" not in response.text
    postgres.start()
    assert wait_for_health(server, 200) == ALL_OK


def test_a_silent_database_does_not_hang_the_health_check(
    started: Callable[..., AppServer], postgres: PrivatePostgres
) -> None:
    """A database that neither answers nor refuses (its processes frozen, as behind a
    dead network link) makes /healthz say 503 within a few seconds instead of hanging."""
    server = started(store_url=postgres.database())
    assert health(server) == (200, ALL_OK)
    frozen = cluster_processes(postgres)
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    try:
        began = time.monotonic()
        assert health(server) == (
            503,
            {"status": "unavailable", "store": "unreachable", "hub": "ok"},
        )
        assert time.monotonic() - began < 6
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
    assert wait_for_health(server, 200) == ALL_OK


def cluster_processes(postgres: PrivatePostgres) -> list[int]:
    """The postmaster and every process it started (the connections' backends among them)."""
    postmaster = int((postgres.data / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(
        ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
    ).stdout.split()
    return [postmaster, *map(int, children)]

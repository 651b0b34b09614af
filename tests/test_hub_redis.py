"""The Redis hub where a real server matters: several processes on one Redis, and Redis
restarted under them.

Runs against the redis:// URLs in DRAAGVLAK_TEST_HUB_URLS (`export
DRAAGVLAK_TEST_HUB_URLS=$(bash .ci/redis)`): skipped without one, failed in CI. The
restart tests stop and start that server on its port, so it must run on this machine.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import pytest
from test_hub_backends import BACKEND_URLS, Delivered

from server.live.hub import Frame
from server.live.hub.backends import open_backend
from server.live.hub.backends import redis as redis_backend
from server.live.hub.backends.redis import HubUnavailable, RedisBackend

REDIS_URLS: list[str | None] = [
    url for url in BACKEND_URLS if url.startswith(("redis://", "rediss://"))
]
WAIT = 10.0


class RedisServer:
    """The local redis-server behind a URL, stopped and started again on its port."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
            raise AssertionError(f"the restart tests need a local Redis with a port, not {url}")
        self.port = parts.port

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = ["redis-cli", "-p", str(self.port), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=5, check=False)

    def shut_down(self) -> None:
        self.cli("shutdown", "nosave")
        self._wait_until(lambda: not self._is_listening(), "stop listening")

    def start(self) -> None:
        folder = tempfile.mkdtemp(prefix="draagvlak-redis.")
        subprocess.run(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", folder,
             "--save", "", "--appendonly", "no", "--daemonize", "yes",
             "--pidfile", f"{folder}/redis.pid", "--logfile", f"{folder}/redis.log"],
            check=True, timeout=10,
        )  # fmt: skip
        self._wait_until(lambda: self.cli("ping").stdout.strip() == "PONG", "answer PING")

    def _is_listening(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def _wait_until(self, condition: Callable[[], bool], what: str) -> None:
        for _ in range(200):
            if condition():
                return
            time.sleep(0.05)  # in a thread (asyncio.to_thread), never in the loop
        raise AssertionError(f"redis-server on port {self.port} did not {what} within 10 s")


@pytest.fixture(params=[*REDIS_URLS] or [None], ids=lambda url: url or "no Redis")
def redis_url(request: pytest.FixtureRequest) -> str:
    if request.param is None:
        message = "no Redis: export DRAAGVLAK_TEST_HUB_URLS=$(bash .ci/redis)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    url: str = request.param
    return url


async def started(url: str) -> tuple[RedisBackend, Delivered]:
    backend = open_backend(url)
    assert isinstance(backend, RedisBackend)
    delivered = Delivered()
    await backend.start(delivered, delivered.heard_again)
    return backend, delivered


@pytest.fixture
async def two(redis_url: str) -> AsyncIterator[list[tuple[RedisBackend, Delivered]]]:
    """Two processes' backends on the same Redis."""
    pair = [await started(redis_url), await started(redis_url)]
    yield pair
    for backend, _ in pair:
        await backend.stop()


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.02)


def frame(sender: str, n: int) -> Frame:
    return Frame(f"<{sender}{n}>", "k" if n % 3 else None, n % 5 == 0)


def sent_by(delivered: Delivered, sender: str) -> list[tuple[str, list[Frame]]]:
    return [item for item in delivered.items if item[1][0].text.startswith(f"<{sender}")]


async def test_every_process_gets_every_frame_once_in_order(
    two: list[tuple[RedisBackend, Delivered]],
) -> None:
    """Two processes publishing at once: each receives both streams whole, each once and in
    the order its publisher made it, its own included."""
    channels = ["S:screen", "S:phone:nl", "S:participant:P:nl", "T:console:en"]

    async def burst(backend: RedisBackend, sender: str) -> list[tuple[str, list[Frame]]]:
        sent = [(channels[n % 4], [frame(sender, n)]) for n in range(300)]
        for channel, frames in sent:
            await backend.publish(channel, frames)
        return sent

    (a, got_a), (b, got_b) = two
    sent_a, sent_b = await asyncio.gather(burst(a, "a"), burst(b, "b"))
    await got_a.until(600)
    await got_b.until(600)
    await asyncio.sleep(0.1)  # a doubled delivery would arrive now
    for delivered in (got_a, got_b):
        assert len(delivered.items) == 600
        assert sent_by(delivered, "a") == sent_a
        assert sent_by(delivered, "b") == sent_b


async def test_a_publish_is_delivered_in_its_own_process_before_it_returns(
    two: list[tuple[RedisBackend, Delivered]],
) -> None:
    """As with memory://: a connection that subscribes right after reading the state can
    neither miss nor repeat an update made in its own process."""
    (a, got_a), _ = two
    publishing = asyncio.create_task(a.publish("S:screen", [Frame("<now>")]))
    await asyncio.sleep(0)
    assert got_a.items == [("S:screen", [Frame("<now>")])]
    await publishing


async def test_other_databases_are_other_hubs(redis_url: str) -> None:
    """Redis pub/sub ignores the database number; the hub does not: /0 and /1 stay apart."""
    other_url = urlsplit(redis_url)._replace(path="/1").geturl()
    here, got_here = await started(redis_url)
    there, got_there = await started(other_url)
    try:
        await there.publish("S:screen", [Frame("<there>")])
        await here.publish("S:screen", [Frame("<here>")])
        await asyncio.sleep(0.2)
        assert got_here.items == [("S:screen", [Frame("<here>")])]
        assert got_there.items == [("S:screen", [Frame("<there>")])]
    finally:
        await here.stop()
        await there.stop()


async def test_redis_restarted_mid_stream(
    two: list[tuple[RedisBackend, Delivered]],
    redis_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redis restarts: both processes notice and reconnect by themselves; a frame published
    while it is down reaches its own process only and the publisher hears so; what is
    published after the restart reaches everyone; nothing arrives twice."""
    server = RedisServer(redis_url)
    (a, got_a), (b, got_b) = two
    before = [frame("a", n) for n in range(20)]
    for item in before:
        await a.publish("S:screen", [item])
    await got_b.until(20)

    caplog.set_level(logging.INFO, logger="server.live.hub.backends.redis")
    await asyncio.to_thread(server.shut_down)
    await until(lambda: not a.is_subscribed and not b.is_subscribed)
    with pytest.raises(HubUnavailable):
        await a.publish("S:screen", [Frame("<while down>")])
    assert got_a.items[-1] == ("S:screen", [Frame("<while down>")])
    await asyncio.sleep(0.5)  # down long enough for a few refused reconnects

    assert (got_a.resubscribed, got_b.resubscribed) == (0, 0)
    await asyncio.to_thread(server.start)
    await until(lambda: a.is_subscribed and b.is_subscribed)
    # Each process hears that it may have missed frames: its sessions read the journal.
    assert (got_a.resubscribed, got_b.resubscribed) == (1, 1)
    after = [frame("a", n) for n in range(20, 40)]
    for item in after:
        await a.publish("S:phone:nl", [item])
    await b.publish("S:console:nl", [Frame("<b back>")])
    await got_b.until(41)
    await got_a.until(42)
    await asyncio.sleep(0.1)  # a doubled delivery would arrive now

    assert got_b.items == [
        *(("S:screen", [item]) for item in before),
        *(("S:phone:nl", [item]) for item in after),
        ("S:console:nl", [Frame("<b back>")]),
    ]
    assert got_a.items == [
        *(("S:screen", [item]) for item in before),
        ("S:screen", [Frame("<while down>")]),
        *(("S:phone:nl", [item]) for item in after),
        ("S:console:nl", [Frame("<b back>")]),
    ]
    # Per process one line when lost and one when back: no traceback, no frame.
    lines = [record for record in caplog.records if record.name.endswith("backends.redis")]
    assert sorted(record.levelname for record in lines) == ["INFO"] * 2 + ["WARNING"] * 2
    assert all(record.exc_info is None and "<" not in record.getMessage() for record in lines)


async def test_a_silent_connection_counts_as_lost(
    two: list[tuple[RedisBackend, Delivered]],
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Redis that stops answering (paused here; a dead network looks the same) is left
    after two PING intervals, and frames flow again once it answers."""
    monkeypatch.setattr(redis_backend, "PING_EVERY", 0.1)
    (a, _), (b, got_b) = two
    await asyncio.to_thread(RedisServer(redis_url).cli, "client", "pause", "1000", "all")
    await until(lambda: not b.is_subscribed)
    await until(lambda: a.is_subscribed and b.is_subscribed)
    await a.publish("S:screen", [Frame("<after>")])
    await got_b.until(1)
    assert got_b.items == [("S:screen", [Frame("<after>")])]


async def test_stop_leaves_no_task_and_delivers_nothing_more(redis_url: str) -> None:
    """stop() ends the listener and the sender and closes the connections (an unclosed one
    would be a warning, and warnings fail this suite); a second stop is harmless."""
    sender, _ = await started(redis_url)
    backend, delivered = await started(redis_url)
    await backend.stop()
    await backend.stop()
    await sender.publish("S:screen", [Frame("<late>")])
    await sender.stop()
    await asyncio.sleep(0.1)
    assert delivered.items == []
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("hub: Redis")]


async def test_start_fails_clearly_without_redis() -> None:
    """A hub URL where no Redis answers stops start-up, naming the address."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    backend = open_backend(f"redis://127.0.0.1:{port}/0")
    with pytest.raises(HubUnavailable, match=f"127.0.0.1:{port}"):
        await backend.start(Delivered(), lambda: None)

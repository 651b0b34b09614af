"""The contract every hub backend keeps, run against each one: what is published reaches
the deliver callback once, in order, unchanged, on its own channel, and nothing after stop.

`memory://` always runs; DRAAGVLAK_TEST_HUB_URLS (comma separated) adds engines that a CI
run starts, such as a Redis server.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from server.live.hub import Frame
from server.live.hub.backends import Backend, open_backend

BACKEND_URLS = [
    "memory://",
    *(url for url in os.environ.get("DRAAGVLAK_TEST_HUB_URLS", "").split(",") if url),
]
WAIT = 5.0


class Delivered:
    """What a backend handed to its hub, and a way to wait for it."""

    def __init__(self) -> None:
        self.items: list[tuple[str, list[Frame]]] = []
        self.resubscribed = 0
        self._changed = asyncio.Event()

    def heard_again(self) -> None:
        """The backend lost other processes' frames for a while and hears them again."""
        self.resubscribed += 1

    def __call__(self, channel: str, frames: list[Frame]) -> None:
        self.items.append((channel, frames))
        self._changed.set()

    async def until(self, count: int) -> None:
        async with asyncio.timeout(WAIT):
            while len(self.items) < count:
                self._changed.clear()
                await self._changed.wait()


@pytest_asyncio.fixture(params=BACKEND_URLS)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Backend, Delivered]]:
    backend = open_backend(request.param)
    delivered = Delivered()
    await backend.start(delivered, delivered.heard_again)
    yield backend, delivered
    await backend.stop()


async def test_a_publish_is_delivered_once_with_its_channel(
    backend: tuple[Backend, Delivered],
) -> None:
    """One publish, one delivery, naming the channel it was published on."""
    engine, delivered = backend
    await engine.publish("s1:screen", [Frame("<li>")])
    await delivered.until(1)
    await asyncio.sleep(0.05)  # a doubled delivery would arrive now
    assert delivered.items == [("s1:screen", [Frame("<li>")])]


async def test_frames_arrive_unchanged(backend: tuple[Backend, Delivered]) -> None:
    """Text (any Unicode), key and ends_message survive the trip as they were."""
    engine, delivered = backend
    frames = [
        Frame('<div id="stage" hx-swap-oob="true">Één 😀 \u202e</div>', "stage", True),
        Frame("<li>x</li>", None, False),
        Frame("", "empty"),
    ]
    await engine.publish("s1:phone:nl", frames)
    await delivered.until(1)
    assert delivered.items == [("s1:phone:nl", frames)]


async def test_publishes_arrive_in_the_order_they_were_made(
    backend: tuple[Backend, Delivered],
) -> None:
    """A burst on several channels keeps its order: a later state never overtakes."""
    engine, delivered = backend
    sent = [(f"s1:{['screen', 'console:nl'][n % 2]}", [Frame(f"<n{n}>", "k")]) for n in range(200)]
    for channel, frames in sent:
        await engine.publish(channel, frames)
    await delivered.until(len(sent))
    assert delivered.items == sent


async def test_nothing_is_delivered_after_stop(backend: tuple[Backend, Delivered]) -> None:
    """A stopped backend hands nothing more to its hub (the server is shutting down)."""
    engine, delivered = backend
    await engine.stop()
    await engine.publish("s1:screen", [Frame("<late>")])
    await asyncio.sleep(0.05)
    assert delivered.items == []

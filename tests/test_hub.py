"""The local hub: subscriptions of this process's connections, over every backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import pytest
import pytest_asyncio
from test_hub_backends import BACKEND_URLS
from test_outbox import Socket, outbox_for, running

from server.live.hub import Frame, Hub, open_hub


class SpyOutbox:
    """Stands in for an Outbox: the hub only ever calls put()."""

    def __init__(self) -> None:
        self.received: list[list[Frame]] = []

    def put(self, frames: Iterable[Frame]) -> None:
        self.received.append(list(frames))


@pytest_asyncio.fixture(params=BACKEND_URLS)
async def hub(request: pytest.FixtureRequest) -> AsyncIterator[Hub]:
    hub = open_hub(request.param)
    await hub.start()
    yield hub
    await hub.stop()


async def test_publish_reaches_only_the_channels_subscribers(hub: Hub) -> None:
    """A frame published on a channel goes to each of its subscribers and to nobody else."""
    first, second, elsewhere = SpyOutbox(), SpyOutbox(), SpyOutbox()
    hub.subscribe("s1:screen", first)  # type: ignore[arg-type]
    hub.subscribe("s1:screen", second)  # type: ignore[arg-type]
    hub.subscribe("s1:console:nl", elsewhere)  # type: ignore[arg-type]
    frames = [Frame("<wall>", "wall"), Frame("<li>")]
    await hub.publish("s1:screen", frames)
    await hub.publish("s2:screen", [Frame("<other session>")])
    assert first.received == [frames]
    assert second.received == [frames]
    assert elsewhere.received == []


async def test_one_outbox_on_two_channels_gets_both(hub: Hub) -> None:
    """A phone subscribed to its audience and its personal channel receives from both."""
    phone = SpyOutbox()
    hub.subscribe("s1:phone:nl", phone)  # type: ignore[arg-type]
    hub.subscribe("s1:participant:p1:nl", phone)  # type: ignore[arg-type]
    await hub.publish("s1:phone:nl", [Frame("<stage>", "stage")])
    await hub.publish("s1:participant:p1:nl", [Frame("<mine>", "mine")])
    assert phone.received == [[Frame("<stage>", "stage")], [Frame("<mine>", "mine")]]


async def test_subscribing_twice_delivers_once(hub: Hub) -> None:
    """A repeated subscribe of the same outbox does not duplicate deliveries."""
    screen = SpyOutbox()
    hub.subscribe("s1:screen", screen)  # type: ignore[arg-type]
    hub.subscribe("s1:screen", screen)  # type: ignore[arg-type]
    await hub.publish("s1:screen", [Frame("<li>")])
    assert screen.received == [[Frame("<li>")]]


async def test_unsubscribe_stops_delivery_and_forgets_empty_channels(hub: Hub) -> None:
    """After unsubscribing an outbox gets nothing more, and a channel without subscribers
    is removed so closed sessions do not leak memory."""
    staying, leaving = SpyOutbox(), SpyOutbox()
    hub.subscribe("s1:screen", staying)  # type: ignore[arg-type]
    hub.subscribe("s1:screen", leaving)  # type: ignore[arg-type]
    hub.unsubscribe("s1:screen", leaving)  # type: ignore[arg-type]
    await hub.publish("s1:screen", [Frame("<li>")])
    assert staying.received == [[Frame("<li>")]]
    assert leaving.received == []
    assert "s1:screen" in hub._channels

    hub.unsubscribe("s1:screen", staying)  # type: ignore[arg-type]
    assert hub._channels == {}
    await hub.publish("s1:screen", [Frame("<li>")])
    assert staying.received == [[Frame("<li>")]]


async def test_unsubscribing_what_was_never_subscribed_is_harmless(hub: Hub) -> None:
    """Disconnect cleanup may unsubscribe twice or from unknown channels without error."""
    screen, stranger = SpyOutbox(), SpyOutbox()
    hub.subscribe("s1:screen", screen)  # type: ignore[arg-type]
    hub.unsubscribe("s1:screen", stranger)  # type: ignore[arg-type]
    hub.unsubscribe("nope", screen)  # type: ignore[arg-type]
    await hub.publish("s1:screen", [Frame("<li>")])
    assert screen.received == [[Frame("<li>")]]


async def test_published_frames_reach_a_real_socket(hub: Hub) -> None:
    """From publish to send: a subscribed Outbox writes what the hub delivers."""
    socket = Socket()
    outbox = outbox_for(socket)
    hub.subscribe("s1:screen", outbox)
    async with running(outbox, socket):
        await hub.publish("s1:screen", [Frame("<wall>", "wall")])
        await socket.until(1)
    assert socket.sent == ["<wall>"]


async def test_stop_drops_all_subscriptions(hub: Hub) -> None:
    """After stop nothing is delivered any more."""
    screen = SpyOutbox()
    hub.subscribe("s1:screen", screen)  # type: ignore[arg-type]
    await hub.stop()
    await hub.publish("s1:screen", [Frame("<li>")])
    assert screen.received == []


def test_open_hub_gives_a_fresh_hub_each_time() -> None:
    """Two apps in one process (tests) never share subscriptions."""
    assert open_hub("memory://") is not open_hub("memory://")


@pytest.mark.parametrize(
    "url", ["kafka://localhost:9092", "memory:", "memory://x", "", "MEMORY://"]
)
def test_open_hub_refuses_unknown_urls_clearly(url: str) -> None:
    """An unsupported hub URL fails at start-up, naming the URL and what would work."""
    with pytest.raises(ValueError, match="memory://") as caught:
        open_hub(url)
    assert repr(url) in str(caught.value)

"""Each connection's bounded, coalescing Outbox: order, coalescing, limits, stalls."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.live.hub.outbox import MESSAGE_BYTES, Frame, Lagging, Outbox, joined

WAIT = 2.0  # seconds: a generous upper bound for anything that should happen at once


class Socket:
    """Records what an Outbox sends; optionally holds every send until released."""

    def __init__(self, *, held: bool = False) -> None:
        self.sent: list[str] = []
        self.started: list[str] = []
        self.is_closed = False
        self._changed = asyncio.Event()
        self._gate = asyncio.Event()
        if not held:
            self._gate.set()

    async def send(self, text: str) -> None:
        if self.is_closed:
            raise ConnectionError("socket closed")
        self.started.append(text)
        self._changed.set()
        await self._gate.wait()
        self.sent.append(text)
        self._changed.set()

    def release(self) -> None:
        self._gate.set()

    async def until(self, count: int, attr: str = "sent") -> None:
        async with asyncio.timeout(WAIT):
            while len(getattr(self, attr)) < count:
                self._changed.clear()
                await self._changed.wait()


@contextlib.asynccontextmanager
async def running(outbox: Outbox, socket: Socket) -> AsyncIterator[asyncio.Task[None]]:
    """Runs the outbox's writer for the block, and makes sure it has ended afterwards."""
    task = asyncio.create_task(outbox.run())
    try:
        yield task
    finally:
        await idle()  # let a send that just finished return first; see the cancel test
        await stop_writer(task, outbox, socket)


async def stop_writer(task: asyncio.Task[None], outbox: Outbox, socket: Socket) -> bool:
    """Cancels the writer; returns whether that alone ended it. If it did not, the socket is
    closed under it so that its next send fails and the writer still ends."""
    task.cancel()
    await asyncio.wait({task}, timeout=WAIT)
    was_cancelled = task.done()
    if not was_cancelled:
        socket.is_closed = True
        socket.release()
        outbox.put([Frame("<wake>")])
        await asyncio.wait({task}, timeout=WAIT)
    if task.done() and not task.cancelled():
        task.exception()  # retrieved, so asyncio does not warn about it
    return was_cancelled


async def idle() -> None:
    """Lets every ready task run until the loop has nothing left to do right now."""
    for _ in range(20):
        await asyncio.sleep(0)


def outbox_for(socket: Socket, limit: int = 100, timeout: float = WAIT) -> Outbox:
    return Outbox(socket.send, limit=limit, timeout=timeout)


# Outbox ---------------------------------------------------------------------------------


async def test_frames_are_sent_in_order() -> None:
    """Unkeyed frames put one after another arrive in that order."""
    socket = Socket()
    outbox = outbox_for(socket)
    async with running(outbox, socket):
        outbox.put([Frame("a")])
        await socket.until(1)
        outbox.put([Frame("b")])
        await socket.until(2)
        outbox.put([Frame("c")])
        await socket.until(3)
    assert socket.sent == ["a", "b", "c"]


async def test_keyed_frames_coalesce_to_the_latest_behind_earlier_frames() -> None:
    """A waiting keyed frame is replaced by a newer one with the same key, which then moves
    behind the frames put before it."""
    socket = Socket()
    outbox = outbox_for(socket)
    outbox.put([Frame("<stage 1>", "stage")])
    outbox.put([Frame("<joined 1>", "joined")])
    outbox.put([Frame("<answer>")])
    outbox.put([Frame("<stage 2>", "stage")])
    outbox.put([Frame("<stage 3>", "stage")])
    async with running(outbox, socket):
        await socket.until(1)
    assert socket.sent == ["<joined 1><answer><stage 3>"]


async def test_unkeyed_frames_are_never_coalesced() -> None:
    """Identical unkeyed frames from separate puts are all delivered."""
    socket = Socket()
    outbox = outbox_for(socket)
    outbox.put([Frame("<li>")])
    outbox.put([Frame("<li>")])
    async with running(outbox, socket):
        await socket.until(1)
    assert socket.sent == ["<li><li>"]


async def test_a_slow_connection_skips_to_the_latest_state() -> None:
    """States put while a send is stuck collapse to the newest one once the send completes."""
    socket = Socket(held=True)
    outbox = outbox_for(socket)
    async with running(outbox, socket) as task:
        outbox.put([Frame("<s1>", "stage")])
        await socket.until(1, "started")
        for n in range(2, 50):
            outbox.put([Frame(f"<s{n}>", "stage")])
        socket.release()
        await socket.until(2)
        await idle()
        assert not task.done()
    assert socket.sent == ["<s1>", "<s49>"]


async def test_the_unkeyed_frames_of_one_put_are_one_entry() -> None:
    """A burst put in one call counts once against the limit and is sent together in order."""
    socket = Socket()
    outbox = outbox_for(socket, limit=1)
    outbox.put([Frame(f"<{n}>") for n in range(50)])
    async with running(outbox, socket) as task:
        await socket.until(1)
        await idle()
        assert not task.done()
    assert socket.sent == ["".join(f"<{n}>" for n in range(50))]


async def test_exactly_limit_entries_are_not_lagging() -> None:
    """An outbox holding `limit` entries still delivers all of them."""
    socket = Socket()
    outbox = outbox_for(socket, limit=3)
    outbox.put([Frame("a")])
    outbox.put([Frame("b", "k1")])
    outbox.put([Frame("c"), Frame("d")])
    async with running(outbox, socket) as task:
        await socket.until(1)
        await idle()
        assert not task.done()
    assert socket.sent == ["abcd"]


async def test_more_than_limit_entries_make_run_raise_lagging() -> None:
    """Overflow drops what is waiting and ends the writer with Lagging, so the client resyncs."""
    socket = Socket()
    outbox = outbox_for(socket, limit=3)
    for n in range(4):
        outbox.put([Frame(f"<{n}>")])
    with pytest.raises(Lagging):
        await asyncio.wait_for(outbox.run(), WAIT)
    assert socket.started == []


async def test_overflow_while_a_send_is_stuck_raises_lagging() -> None:
    """Updates piling up behind a stuck-but-not-yet-timed-out write still end in Lagging."""
    socket = Socket(held=True)
    outbox = outbox_for(socket, limit=2)
    task = asyncio.create_task(outbox.run())
    outbox.put([Frame("<first>")])
    await socket.until(1, "started")
    for n in range(3):
        outbox.put([Frame(f"<{n}>")])
    socket.release()
    await asyncio.wait({task}, timeout=WAIT)
    try:
        assert task.done()
        assert isinstance(task.exception(), Lagging)
        # The stuck write may or may not complete; nothing put after it is sent.
        assert socket.started == ["<first>"]
    finally:
        await stop_writer(task, outbox, socket)


async def test_keyed_updates_do_not_count_twice_against_the_limit() -> None:
    """Many updates of the same key occupy one entry, so they never overflow the outbox."""
    socket = Socket()
    outbox = outbox_for(socket, limit=1)
    for n in range(500):
        outbox.put([Frame(f"<s{n}>", "stage")])
    async with running(outbox, socket) as task:
        await socket.until(1)
        await idle()
        assert not task.done()
    assert socket.sent == ["<s499>"]


async def test_a_send_that_never_completes_raises_lagging_after_the_timeout() -> None:
    """A write that stalls longer than `timeout` ends the writer with Lagging."""
    socket = Socket(held=True)
    outbox = outbox_for(socket, timeout=0.05)
    outbox.put([Frame("<stage>", "stage")])
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(Lagging, match="stalled"):
        await asyncio.wait_for(outbox.run(), WAIT)
    assert 0.04 <= loop.time() - started < WAIT
    assert socket.started == ["<stage>"]
    assert socket.sent == []


async def test_pending_texts_are_sent_in_as_few_messages_as_fit() -> None:
    """A backlog larger than MESSAGE_BYTES goes out in the fewest messages of at most that size,
    every text once and in order."""
    socket = Socket()
    outbox = outbox_for(socket)
    size = MESSAGE_BYTES // 3 - 10
    texts = [chr(ord("a") + n) * size for n in range(7)]
    for text in texts:
        outbox.put([Frame(text)])
    async with running(outbox, socket):
        await socket.until(3)
        await idle()
    assert len(socket.sent) == 3
    assert all(len(message) <= MESSAGE_BYTES for message in socket.sent)
    assert "".join(socket.sent) == "".join(texts)


async def test_cancelling_the_writer_always_ends_it() -> None:
    """Cancelling run() ends it even when the cancel lands just as a send has completed: the
    connection handler cancels its writer and then awaits it, so a swallowed cancel would
    leave that handler waiting forever."""
    socket = Socket()
    outbox = outbox_for(socket)
    task = asyncio.create_task(outbox.run())
    outbox.put([Frame("<stage>", "stage")])
    await socket.until(1)
    assert await stop_writer(task, outbox, socket), "run() swallowed the cancellation"
    assert task.cancelled()


async def test_cancelling_an_idle_writer_ends_it() -> None:
    """A writer waiting for work ends promptly when cancelled."""
    socket = Socket()
    outbox = outbox_for(socket)
    task = asyncio.create_task(outbox.run())
    outbox.put([Frame("<stage>", "stage")])
    await socket.until(1)
    await idle()
    assert await stop_writer(task, outbox, socket)
    assert task.cancelled()


async def test_put_never_waits() -> None:
    """put is synchronous and returns at once even when nothing gets through: the socket
    holds every write while far more updates than the limit are put, and the outbox
    reports the connection as lagging instead. Bounded in time, so a put that waited
    would fail this test rather than hang it."""
    assert not inspect.iscoroutinefunction(Outbox.put)
    socket = Socket(held=True)
    outbox = outbox_for(socket, limit=10)
    async with asyncio.timeout(WAIT):
        for n in range(1000):
            assert outbox.put([Frame(f"<{n}>", f"k{n % 5}" if n % 2 else None)]) is None
            if n % 100 == 0:
                await idle()  # the loop's turn ends: the first write starts, and stalls
        await socket.until(1, "started")
        assert socket.sent == []
        with pytest.raises(Lagging, match="too many"):
            await outbox.run()


# joined ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "limit", "messages"),
    [
        ([], 10, []),
        (["a"], 10, ["a"]),
        (["a", "b", "c"], 10, ["abc"]),
        (["aaaa", "bbbb", "cc"], 10, ["aaaabbbbcc"]),
        (["aaaa", "bbbb", "ccc"], 10, ["aaaabbbb", "ccc"]),
        (["aaaa", "bbbb", "cccc", "dd"], 8, ["aaaabbbb", "ccccdd"]),
        (["x" * 20], 10, ["x" * 20]),
        (["a", "x" * 20, "b"], 10, ["a", "x" * 20, "b"]),
        (["aaaaaaaaaa", "b"], 10, ["aaaaaaaaaa", "b"]),
    ],
)
def test_joined_examples(texts: list[str], limit: int, messages: list[str]) -> None:
    """Consecutive texts share a message while they fit; a text too big alone is sent whole."""
    assert list(joined([Frame(t) for t in texts], limit)) == messages


def split_back(messages: list[str], lengths: list[int]) -> list[list[int]]:
    """Which text lengths each message is made of, given they were joined in order."""
    groups: list[list[int]] = []
    index = 0
    for message in messages:
        group: list[int] = []
        while sum(group) < len(message):
            group.append(lengths[index])
            index += 1
        assert sum(group) == len(message), "a text was split across messages"
        groups.append(group)
    assert index == len(lengths), "a text was left out"
    return groups


@settings(database=None, max_examples=300, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=1, max_value=60), max_size=40),
    limit=st.integers(min_value=1, max_value=100),
)
def test_joined_sends_every_text_once_in_order_in_the_fewest_messages(
    lengths: list[int], limit: int
) -> None:
    """Every text appears exactly once, in order, never split; each message fits the limit
    unless it is one oversized text; and no message could have taken the next text too."""
    texts = [chr(ord("A") + n % 26) * length for n, length in enumerate(lengths)]
    messages = list(joined([Frame(t) for t in texts], limit))
    assert "".join(messages) == "".join(texts)
    groups = split_back(messages, lengths)
    for group in groups:
        assert sum(group) <= limit or len(group) == 1
    for group, following in itertools.pairwise(groups):
        assert sum(group) + following[0] > limit


def test_a_frame_that_ends_its_message_is_never_followed_in_the_same_message():
    """htmx resolves every target of a message before swapping: a stage that replaces
    the elements later frames target must be the last frame of its message."""
    frames = [Frame("a"), Frame("<stage>", "stage", ends_message=True), Frame("b"), Frame("c")]
    assert list(joined(frames, 1000)) == ["a<stage>", "bc"]


async def test_the_writer_sends_a_stage_and_what_follows_it_as_two_messages():
    """Through the Outbox: the board published after a stage arrives in its own message."""
    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    outbox = Outbox(send, limit=10, timeout=1.0)
    outbox.put([Frame("<stage/>", "stage", ends_message=True)])
    outbox.put([Frame("<board/>", "board")])
    writer = asyncio.create_task(outbox.run())
    for _ in range(20):
        await asyncio.sleep(0)
    writer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await writer
    assert sent == ["<stage/>", "<board/>"]

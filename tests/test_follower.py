"""Following another process's changes: a notice carries its journal entry, so a session
that heard every entry since its own number applies them without reading the store;
a gap, a join, a poll or a failed catch-up make it read the store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio

from server.live.follower import MAX_CARRIED, Carried, Follower, notice


class Session:
    """What the follower calls back: the session's number and its catch-up."""

    def __init__(self) -> None:
        self.seq = 0
        self.catch_ups: list[Carried] = []
        self.release = asyncio.Event()
        self.release.set()
        self.fail = False

    async def catch_up(self, carried: Carried) -> None:
        self.catch_ups.append(None if carried is None else dict(carried))
        await self.release.wait()
        if self.fail:
            self.fail = False
            raise OSError("the store is out of reach")
        if carried:
            self.seq = max(self.seq, *carried)


@pytest_asyncio.fixture
async def following() -> AsyncIterator[tuple[Session, Follower]]:
    session = Session()
    follower = Follower("s1", lambda: session.seq, session.catch_up, poll_every=3600)
    yield session, follower
    await follower.close()


async def settled() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_entries_heard_in_order_are_handed_over(following: tuple[Session, Follower]) -> None:
    session, follower = following
    session.release.clear()
    follower.put(notice(1, '{"events": []}'))
    await settled()
    follower.put(notice(2, '{"events": [1]}'))  # heard while the first catch-up runs
    follower.put(notice(3, '{"events": [2]}'))
    session.release.set()
    await settled()
    assert session.catch_ups == [
        {1: '{"events": []}'},
        {2: '{"events": [1]}', 3: '{"events": [2]}'},
    ]


async def test_a_notice_without_its_entry_means_reading_the_store(
    following: tuple[Session, Follower],
) -> None:
    """A join's notice has no number, a large entry is not carried: the store is read."""
    session, follower = following
    follower.put(notice(1, "x" * (MAX_CARRIED + 1)))
    await settled()
    follower.put(notice(None))
    await settled()
    assert session.catch_ups == [None, None]


async def test_numbers_already_applied_change_nothing(following: tuple[Session, Follower]) -> None:
    session, follower = following
    session.seq = 5
    follower.put(notice(4, '{"events": []}'))
    follower.put(notice(5, '{"events": []}'))
    await settled()
    assert session.catch_ups == []


async def test_after_a_failed_catch_up_the_store_is_read(
    following: tuple[Session, Follower],
) -> None:
    """The entries carried to a catch-up that failed are gone with it."""
    session, follower = following
    session.fail = True
    follower.put(notice(1, '{"events": []}'))
    await settled()
    follower.put(notice(2, '{"events": []}'))
    await settled()
    assert session.catch_ups == [{1: '{"events": []}'}, None]

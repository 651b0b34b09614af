"""Crash safety: SIGKILL in the middle of a burst loses nothing that was acknowledged.

These tests rely on what `server/store/sqlite.py` sets on its one connection:
`journal_mode=WAL` and `synchronous=FULL`, and on the write path in `server/live/session.py`
(commit first, then receipts). A receipt `ok` is therefore only sent for a change whose
transaction is in the WAL file; a killed process (no shutdown, no checkpoint) leaves that
file behind, and the next open replays it. WAL alone already survives a killed process;
`synchronous=FULL` is what extends the promise to power loss, which a test cannot cause.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
import signal
import sqlite3
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from conftest import ROOT, ServerProcess
from wire import Facilitator, LiveClient, join, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")

PHONES = 20
ANSWERS_EACH = 20  # the documented maximum per question
VOTES_EACH = 30
BUDGET = 3
# Each phone keeps this many messages without a receipt, like a few quick taps. Unbounded,
# the server's writer takes the whole burst as one batch (one commit), and no kill could
# land in the middle of it.
WINDOW = 3
# Every answer of the burst is allowed: the rate limit is not what these tests are about.
GENEROUS = {"answers_per_minute": "100000"}

WALL_ITEM = re.compile(r'<li id="answer-(\d+)" class="card"[^>]*>([^<]*)')
MINE = re.compile(r'<section id="mine".*?</section>', re.DOTALL)
BALLOT_ITEM = re.compile(
    r'id="label-(a\d+)">[^<]*</span>\s*<span class="dots"><span aria-hidden="true">(●*)</span>'
)
DOTS_LEFT = re.compile(r"(-?\d+) dots? left")


@dataclass
class Phone:
    cookie: str
    client: LiveClient
    sent: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pseudonym(self) -> str:
        token = self.cookie.split("=", 1)[1]
        return hashlib.sha256(f"participant:{token}".encode()).hexdigest()[:32]

    def status(self, msg_id: str) -> str | None:
        return self.client.acks.get(msg_id)


def rows(db_path: object, query: str, *params: object) -> list[tuple]:
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
        return db.execute(query, params).fetchall()


async def crowd(server: ServerProcess) -> tuple[Facilitator, LiveClient, list[Phone]]:
    fac = await open_session(server.url)
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    cookies = [await join(server.url, fac.code) for _ in range(PHONES)]
    clients = await asyncio.gather(
        *(LiveClient.connect(server.url, fac.session_id, "phone", c) for c in cookies)
    )
    return fac, console, [Phone(c, p) for c, p in zip(cookies, clients, strict=True)]


async def burst_and_kill(
    server: ServerProcess,
    phones: list[Phone],
    messages: Callable[[int], list[dict[str, Any]]],
    seed: int,
) -> int:
    """Every phone sends its messages as fast as it can (at most WINDOW unanswered); after
    a random number of receipts the server gets SIGKILL. Returns how many had arrived."""
    rng = random.Random(seed)
    total = sum(len(messages(i)) for i in range(len(phones)))
    kill_after = rng.randint(total // 20, total // 3)

    def in_flight(phone: Phone) -> int:
        return sum(1 for m in phone.sent if phone.status(m["msg_id"]) is None)

    killed = asyncio.Event()

    async def send_all(index: int, phone: Phone) -> None:
        for message in messages(index):
            try:
                await phone.client.wait_for(lambda c: in_flight(phone) < WINDOW, timeout=20)
                phone.sent.append(message)
                await phone.client.send_json(message)
            except (ConnectionClosed, ConnectionError):
                if not killed.is_set():
                    raise  # the connection broke while the server was still running
                return  # the server is gone: the rest of this phone's burst is lost

    def received() -> int:
        return sum(len(p.client.acks) for p in phones)

    async def killer() -> int:
        async with asyncio.timeout(20):
            while received() < kill_after:
                await asyncio.sleep(0.001)
        killed.set()
        server.stop(signal.SIGKILL)
        return received()

    senders = asyncio.gather(*(send_all(i, p) for i, p in enumerate(phones)))
    at_kill = await killer()
    await senders
    for phone in phones:
        await phone.client.wait_for(lambda c: c.closed_code is not None, timeout=10)
    unanswered = sum(1 for p in phones for m in p.sent if p.status(m["msg_id"]) is None)
    assert unanswered, f"the kill came after the burst had finished (seed {seed})"
    return at_kill


async def test_every_acknowledged_answer_survives_a_sigkill_mid_burst(process_factory):
    """SIGKILL during a burst of 400 answers from 20 phones: every answer acknowledged
    before the kill is stored exactly once, shown once on the console wall and in its
    author's own list after the restart, and resending it stores nothing new."""
    server = process_factory(**GENEROUS)
    fac, _console, phones = await crowd(server)
    seed = random.randrange(2**32)

    def answers(index: int) -> list[dict[str, Any]]:
        return [
            {"action": "answer", "msg_id": f"crash-{index}-{j}", "text": f"phone {index} says {j}"}
            for j in range(ANSWERS_EACH)
        ]

    at_kill = await burst_and_kill(server, phones, answers, seed)
    acked = {
        m["msg_id"]: (phone, m["text"])
        for phone in phones
        for m in phone.sent
        if phone.status(m["msg_id"]) == "ok"
    }
    refused = [m for p in phones for m in p.sent if p.status(m["msg_id"]) == "rejected"]
    assert len(acked) >= at_kill > 0 and not refused, (len(acked), at_kill, refused[:3], seed)
    sent_texts = {m["msg_id"]: m["text"] for p in phones for m in p.sent}

    def check_store() -> Counter[str]:
        stored = rows(
            server.db,
            "SELECT r.msg_id, a.author, a.text FROM answers a JOIN receipts r"
            " ON r.session_id = a.session_id AND r.number = a.number WHERE a.session_id = ?",
            fac.session_id,
        )
        ((answers,),) = rows(
            server.db, "SELECT count(*) FROM answers WHERE session_id = ?", fac.session_id
        )
        assert answers == len(stored), "an answer without its receipt"
        counts = Counter(msg_id for msg_id, _, _ in stored)
        assert not [m for m, n in counts.items() if n > 1], f"stored twice (seed {seed})"
        missing = set(acked) - set(counts)
        assert not missing, f"acknowledged but lost: {sorted(missing)[:5]} (seed {seed})"
        for msg_id, author, text in stored:
            assert sent_texts[msg_id] == text  # nothing stored that was not sent
            if msg_id in acked:
                assert acked[msg_id][0].pseudonym == author
        return counts

    check_store()  # the file exactly as the killed process left it
    server.start()
    check_store()  # and as the restarted server opened it

    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    stored_count = len(check_store())
    await console.wait_for(lambda c: len(WALL_ITEM.findall(c.text)) >= stored_count)
    wall = Counter(text for _, text in WALL_ITEM.findall(console.text))
    for _, text in acked.values():
        assert wall[text] == 1, (text, wall[text], seed)
    assert len(wall) == stored_count and set(wall.values()) == {1}

    reconnected = []
    for phone in phones:
        client = await LiveClient.connect(server.url, fac.session_id, "phone", phone.cookie)
        # The stage carries an empty #mine; the phone's own part follows it.
        await client.wait_for(lambda c: len(MINE.findall(c.text)) >= 2)
        mine = MINE.findall(client.text)[-1]
        for author, text in acked.values():
            if author is phone:
                assert f">{text}<" in mine, (text, seed)
        reconnected.append(client)

    # A browser resends what never got a receipt; the test also resends what did.
    for phone, client in zip(phones, reconnected, strict=True):
        for message in phone.sent:
            await client.send_json(message)
    for phone, client in zip(phones, reconnected, strict=True):
        for message in phone.sent:
            assert await client.ack(message["msg_id"], timeout=15) == "ok"
    counts = check_store()
    assert set(counts) == set(sent_texts) and set(counts.values()) == {1}
    await console.wait_for(lambda c: len(WALL_ITEM.findall(c.text)) >= len(sent_texts))
    await asyncio.sleep(0.2)  # anything doubled would arrive now
    numbers = Counter(n for n, _ in WALL_ITEM.findall(console.text))
    assert len(numbers) == len(sent_texts) and set(numbers.values()) == {1}


async def test_acknowledged_votes_survive_a_sigkill_mid_burst(process_factory):
    """SIGKILL while 20 phones change their dots as fast as they can: each voter's stored
    dots on an item are those of their last acknowledged vote on it, or of a later vote
    that never got its receipt; no voter is above the budget, and after the restart each
    phone's ballot shows what is stored and an acknowledged vote resent changes nothing."""
    server = process_factory(**GENEROUS)
    fac, console, phones = await crowd(server)
    for index, phone in enumerate(phones):
        assert await phone.client.request("answer", text=f"option {index}") == "ok"
    assert await console.request("start_grouping") == "ok"
    assert await console.request("start_voting", budget=BUDGET, stacking=1) == "ok"
    for phone in phones:
        await phone.client.wait_text(f"{BUDGET} dots left")
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    # Few items each, so that most phones change the same item several times.
    plans = [
        [
            {
                "action": "vote",
                "msg_id": f"vote-{index}-{j}",
                "item": f"a{rng.randint(1, 4) + index % 3}",
                "dots": rng.randint(0, BUDGET),
            }
            for j in range(VOTES_EACH)
        ]
        for index in range(PHONES)
    ]
    await burst_and_kill(server, phones, lambda index: plans[index], seed)
    acked = sum(1 for p in phones for m in p.sent if p.status(m["msg_id"]) == "ok")
    assert acked, seed

    def allowed_dots(phone: Phone) -> dict[str, set[int]]:
        """Per item: the dots of the last acknowledged vote, or of any later one that was
        not refused (it may have been committed without its receipt reaching us)."""
        allowed: dict[str, set[int]] = {}
        for item in {m["item"] for m in phone.sent}:
            votes = [m for m in phone.sent if m["item"] == item]
            last_ok = max(
                (i for i, m in enumerate(votes) if phone.status(m["msg_id"]) == "ok"),
                default=-1,
            )
            values = {votes[last_ok]["dots"]} if last_ok >= 0 else {0}
            for later in votes[last_ok + 1 :]:
                if phone.status(later["msg_id"]) != "rejected":
                    values.add(later["dots"])
            allowed[item] = values
        return allowed

    def check_store() -> dict[tuple[str, str], int]:
        stored = {
            (voter, item): dots
            for voter, item, dots in rows(
                server.db,
                "SELECT voter, item, dots FROM votes WHERE session_id = ? AND prompt_index = 0",
                fac.session_id,
            )
        }
        for phone in phones:
            for item, values in allowed_dots(phone).items():
                dots = stored.get((phone.pseudonym, item), 0)
                assert dots in values, (item, dots, values, seed)
            total = sum(d for (voter, _), d in stored.items() if voter == phone.pseudonym)
            assert total <= BUDGET, (total, seed)
        return stored

    before_restart = check_store()
    server.start()
    stored = check_store()
    assert stored == before_restart

    for phone in phones:
        client = await LiveClient.connect(server.url, fac.session_id, "phone", phone.cookie)
        await client.wait_text("left")
        mine = {item: d for (voter, item), d in stored.items() if voter == phone.pseudonym}
        left = DOTS_LEFT.findall(client.text)[-1]
        assert int(left) == BUDGET - sum(mine.values()), (left, mine, seed)
        ballot = {item: len(dots) for item, dots in BALLOT_ITEM.findall(client.text)}
        assert len(ballot) == PHONES
        assert {k: v for k, v in ballot.items() if v} == {k: v for k, v in mine.items() if v}
        # The last acknowledged vote on an item, resent with its id, is a target count:
        # where the store still holds it, it changes nothing.
        for item in allowed_dots(phone):
            votes = [m for m in phone.sent if m["item"] == item]
            acked_votes = [m for m in votes if phone.status(m["msg_id"]) == "ok"]
            if acked_votes and mine.get(item, 0) == acked_votes[-1]["dots"]:
                await client.send_json(acked_votes[-1])
                assert await client.ack(acked_votes[-1]["msg_id"]) == "ok"
    await asyncio.sleep(0.2)
    assert check_store() == stored


def test_the_store_runs_with_the_settings_these_tests_assume(server):
    """The database file is in WAL mode, and the store asks for synchronous=FULL (a
    per-connection setting, so it is read from the source): see the module docstring."""
    assert rows(server.db, "PRAGMA journal_mode") == [("wal",)]
    source = (ROOT / "server" / "store" / "sqlite" / "__init__.py").read_text()
    assert re.search(r"PRAGMA\s+synchronous\s*=\s*FULL", source, re.IGNORECASE)

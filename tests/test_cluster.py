"""Three `draagvlak serve` processes on one PostgreSQL and one Redis, nginx in front (issue 18):
one session, its people connected through nginx and straight to each process, and every
screen shows every answer, vote and phase change once, in one order; also with a process
killed mid-burst (kill -9) and with Redis restarted mid-session.

What is observed, per connection, from the frames the wire protocol delivers (as htmx would
apply them; `Seen`):

- **Answers**, on consoles and projectors: the wall as the page holds it. A full stage
  brings the wall whole (on connecting, and after a reconnect); an answer then arrives as
  `beforeend:#wall`. An answer appended while its card is on the wall would show twice
  (`doubled`); one appended with a lower number than a card already there arrived out of
  order (`late`); one number with two texts means two processes numbered apart (`clashes`).
  At the end every wall is the database's answers, in the order of their numbers: the same
  sequence on every screen.
- **Phase changes**, on every view: the stage's `phase-…` class, consecutive repeats merged
  (a stage drawn again, or sent whole after a reconnect, is no change). Every connection must
  have seen exactly the script's phases, in its order.
- **Votes**, on every view (after the reveal, with the floor at 1, the results are on every
  stage and phone): each phone only ever adds dots, so the true tallies form a chain, each
  one more than the one before. Each connection's tallies, repeats merged, must climb that
  chain: never fall back, never repeat an earlier tally after a later one, never show a
  tally the chain lacks (a vote applied twice or in another order would), and end at the
  votes the database holds.
- **Phones' ballots** list every answer once: the answers every process agreed on.
- **Nothing acknowledged is lost, nothing doubled**: every message a client sent gets an
  `ok` receipt (unanswered ones are sent again after a reconnect, with the same `msg_id`,
  as `static/live.js` does), and the database holds each sent answer exactly once. Finally a
  new console on each process that is still running gets the same wall in its full state.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from cluster import NGINX_CONF, Cluster, running_cluster
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from conftest import ROOT
from wire import Facilitator, LiveClient, StreamClient, join, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")

PHASES = ["lobby", "answering", "grouping", "voting", "deciding", "ended"]
ANSWERS_EACH = 6
BUDGET = 3
WINDOW = 2  # messages a phone keeps without a receipt, like a few quick taps
WAIT = 20.0  # for anything that crosses processes, a reconnect or Redis coming back

STAGE = re.compile(r'<section id="stage" class="(?:\w+-)?stage phase-(\w+)')
WALL = re.compile(r'<ul id="wall"[^>]*>(.*?)</ul>', re.DOTALL)
CARD = re.compile(r'<li id="answer-(\d+)" class="card"[^>]*>([^<]*)')
APPENDED = re.compile(r'<template hx-swap-oob="beforeend:#wall">' + CARD.pattern)
BARS = re.compile(r'<ol class="bars">(.*?)</ol>', re.DOTALL)
BAR = re.compile(
    r'<span class="bar-label">([^<]*)</span>\s*<progress[^>]*></progress>\s*'
    r'<span class="bar-count">(\d+)</span>'
)
MINE = re.compile(r'<section id="mine".*?</section>', re.DOTALL)
BALLOT_ITEM = re.compile(r'id="label-a(\d+)"')
BOARD_CARD = re.compile(r'id="card-(\d+)"')
# A refusal that must not be retried (docs/protocol.md, Endings).
FINAL_CODES = range(4400, 4500)

Tally = tuple[tuple[str, int], ...]


@dataclass
class Seen:
    """What one person's page shows and went through, over all its connections."""

    phases: list[str] = field(default_factory=list)
    wall: list[int] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)
    doubled: list[int] = field(default_factory=list)
    late: list[int] = field(default_factory=list)
    clashes: list[tuple[int, str, str]] = field(default_factory=list)
    tallies: list[Tally] = field(default_factory=list)
    ballot: set[int] = field(default_factory=set)
    board: set[int] = field(default_factory=set)

    def feed(self, frame: str) -> None:
        stage = STAGE.search(frame)
        if stage and (not self.phases or self.phases[-1] != stage[1]):
            self.phases.append(stage[1])
        if wall := WALL.search(frame):
            self.wall = [self._card(int(n), text) for n, text in CARD.findall(wall[1])]
        for number, text in APPENDED.findall(frame):
            n = self._card(int(number), text)
            if n in self.wall:
                self.doubled.append(n)
            elif self.wall and n < max(self.wall):
                self.late.append(n)
            self.wall.append(n)
        if stage and stage[1] == "grouping":
            self.board = {int(n) for n in BOARD_CARD.findall(frame)}
        if (bars := BARS.search(frame)) and self.phases[-1:] == ["voting"]:
            counts = [(label, int(n)) for label, n in BAR.findall(bars[1]) if n != "0"]
            tally = tuple(sorted(counts))
            if not self.tallies or self.tallies[-1] != tally:
                self.tallies.append(tally)
        for mine in MINE.findall(frame):
            if "ballot" in mine:
                self.ballot = {int(n) for n in BALLOT_ITEM.findall(mine)}

    def _card(self, number: int, text: str) -> int:
        if self.texts.setdefault(number, text) != text:
            self.clashes.append((number, self.texts[number], text))
        return number


_ids = itertools.count(1)


class Viewer:
    """One page: a websocket to its first route, and when that closes (its process killed,
    a reload's 1012) a new one to the first route that answers, sending again what got no
    receipt."""

    def __init__(self, name: str, routes: list[str], session_id: str, view: str, cookie: str):
        self.name = name
        self.routes = routes
        self.session_id = session_id
        self.view = view
        self.cookie = cookie
        self.connections: list[LiveClient] = []
        self.sent: dict[str, dict[str, Any]] = {}
        self.seen = Seen()
        self.failure: BaseException | None = None
        self._fed = (0, 0)
        self._keeper: asyncio.Task[None] | None = None
        self._is_closing = False

    async def start(self) -> Viewer:
        self.connections.append(await self._connect())
        self._keeper = asyncio.create_task(self._keep(), name=f"keep-{self.name}")
        return self

    @property
    def reconnects(self) -> int:
        return len(self.connections) - 1

    @property
    def acks(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for client in self.connections:
            merged.update(client.acks)
        return merged

    def refresh(self) -> Seen:
        """Feeds every frame that arrived since, connection after connection."""
        index, count = self._fed
        while True:
            frames = self.connections[index].frames
            for frame in frames[count:]:
                self.seen.feed(frame)
            count = len(frames)
            if index + 1 == len(self.connections):
                break
            index, count = index + 1, 0
        self._fed = (index, count)
        return self.seen

    async def send(self, action: str, **values: Any) -> str:
        msg_id = f"c{next(_ids)}"
        message = {"action": action, "msg_id": msg_id, **values}
        self.sent[msg_id] = message
        with contextlib.suppress(ConnectionClosed):  # if so, the keeper sends it again
            await self.connections[-1].send_json(message)
        return msg_id

    @property
    def in_flight(self) -> int:
        acks = self.acks
        return sum(1 for msg_id in self.sent if msg_id not in acks)

    async def request(self, action: str, **values: Any) -> str:
        msg_id = await self.send(action, **values)
        await self.wait(lambda v: msg_id in v.acks, f"a receipt for {action}")
        return self.acks[msg_id]

    async def wait(
        self, condition: Callable[[Viewer], bool], what: str, timeout: float = WAIT
    ) -> None:
        """Until `condition` holds for this page, with everything received fed to `seen`."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    self.refresh()
                    if condition(self):
                        return
                    if self.failure is not None:
                        raise AssertionError(f"{self.name}: {self.failure!r}")
                    await asyncio.sleep(0.01)
        except TimeoutError:
            raise AssertionError(f"{self.name}: no {what} within {timeout:.0f} s") from None

    async def close(self) -> None:
        self._is_closing = True
        await self.connections[-1].close()
        if self._keeper:
            await self._keeper

    async def _connect(self) -> LiveClient:
        deadline = time.monotonic() + WAIT
        while True:
            for route in self.routes:
                try:
                    return await LiveClient.connect(
                        route, self.session_id, self.view, self.cookie, open_timeout=5
                    )
                except (OSError, InvalidHandshake, TimeoutError):
                    continue  # that process is gone, or nginx has no process for it yet
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no route answers: {self.routes}")
            await asyncio.sleep(0.1)

    async def _keep(self) -> None:
        try:
            while True:
                client = self.connections[-1]
                await client.wait_for(lambda c: c.closed_code is not None, timeout=None)
                if self._is_closing:
                    return
                if client.closed_code in FINAL_CODES:
                    raise AssertionError(f"refused with {client.closed_code}")
                self.connections.append(await self._connect())
                await self._send_again()
        except BaseException as error:
            self.failure = error

    async def _send_again(self) -> None:
        """What got no receipt, in the order it was first sent."""
        acks = self.acks
        try:
            for msg_id, message in list(self.sent.items()):
                if msg_id not in acks:
                    await self.connections[-1].send_json(message)
        except ConnectionClosed:
            pass  # closed again already: the next connection sends them


@dataclass
class Room:
    """The session as the test runs it: the facilitator's two consoles (commands go through
    both, so they come from two processes), two projectors and the phones."""

    cluster: Cluster
    fac: Facilitator
    consoles: list[Viewer]
    screens: list[Viewer]
    phones: list[Viewer]

    @property
    def viewers(self) -> list[Viewer]:
        return [*self.consoles, *self.screens, *self.phones]

    @property
    def walls(self) -> list[Viewer]:
        return [*self.consoles, *self.screens]

    async def command(self, console: int, action: str, **values: Any) -> None:
        status = await self.consoles[console].request(action, **values)
        assert status == "ok", (action, status, self.cluster.logs)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(tmp_path, answers_per_minute="100000") as started:
        yield started


@pytest.fixture
async def room(cluster: Cluster) -> AsyncIterator[Room]:
    """Consoles through nginx and on node0; projectors on node1 and node2; three phones
    through nginx and three straight to each process. Each may fall back on nginx."""
    edge = cluster.nginx.url
    a, b, c = (node.url for node in cluster.nodes)
    fac = await open_session(edge)

    def viewer(name: str, route: str, view: str, cookie: str) -> Viewer:
        routes = [route] if route == edge else [route, edge]
        return Viewer(name, routes, fac.session_id, view, cookie)

    consoles = [viewer("console@nginx", edge, "console", fac.cookie),
                viewer("console@node0", a, "console", fac.cookie)]  # fmt: skip
    screens = [viewer("screen@node1", b, "screen", fac.cookie),
               viewer("screen@node2", c, "screen", fac.cookie)]  # fmt: skip
    routes = [edge, a, b, c] * 3
    cookies = await asyncio.gather(*(join(route, fac.code) for route in routes))
    phones = [
        viewer(f"phone{n}@{name_of(cluster, route)}", route, "phone", cookie)
        for n, (route, cookie) in enumerate(zip(routes, cookies, strict=True))
    ]
    made = Room(cluster, fac, consoles, screens, phones)
    await asyncio.gather(*(v.start() for v in made.viewers))
    yield made
    await asyncio.gather(*(v.close() for v in made.viewers), return_exceptions=True)


def name_of(cluster: Cluster, route: str) -> str:
    return next((n.name for n in cluster.nodes if n.url == route), "nginx")


Disturbance = Callable[[], Awaitable[None]]


async def answer_burst(room: Room, disturbances: dict[float, Disturbance]) -> None:
    """Every phone sends its answers as fast as it may (WINDOW without a receipt); when the
    share of receipts reaches a key of `disturbances`, that disturbance runs meanwhile."""
    total = len(room.phones) * ANSWERS_EACH

    def receipts() -> int:
        return sum(len(p.acks) for p in room.phones)

    async def send_all(index: int, phone: Viewer) -> None:
        for j in range(ANSWERS_EACH):
            await phone.wait(lambda p: p.in_flight < WINDOW, "room for another answer")
            await phone.send("answer", text=f"phone {index} answer {j}")

    async def disturb() -> None:
        for share, disturbance in sorted(disturbances.items()):
            await room.phones[0].wait(
                lambda _, enough=share * total: receipts() >= enough, f"{share:.0%} answered"
            )
            await disturbance()

    await asyncio.gather(disturb(), *(send_all(i, p) for i, p in enumerate(room.phones)))
    for phone in room.phones:
        await phone.wait(lambda p: p.in_flight == 0, "a receipt for every answer")
        assert set(phone.acks.values()) == {"ok"}, (phone.name, Counter(phone.acks.values()))


async def stored_answers(cluster: Cluster, session_id: str) -> list[tuple[int, str, str]]:
    """(number, text, msg_id) of every answer in the database, by number."""
    db = await asyncpg.connect(cluster.store_url)
    try:
        rows = await db.fetch(
            "SELECT a.number, a.text, r.msg_id FROM answers a JOIN receipts r"
            " ON r.session_id = a.session_id AND r.number = a.number"
            " WHERE a.session_id = $1 ORDER BY a.number",
            session_id,
        )
        answers = await db.fetchval(
            "SELECT count(*) FROM answers WHERE session_id = $1", session_id
        )
        assert answers == len(rows), "an answer without its receipt"
        seq = await db.fetchval("SELECT seq FROM sessions WHERE id = $1", session_id)
        entries = await db.fetch(
            "SELECT seq FROM journal WHERE session_id = $1 ORDER BY seq", session_id
        )
        assert [e["seq"] for e in entries] == list(range(1, seq + 1)), "the journal has a gap"
        return [(r["number"], r["text"], r["msg_id"]) for r in rows]
    finally:
        await db.close()


async def stored_tally(cluster: Cluster, session_id: str) -> Tally:
    db = await asyncpg.connect(cluster.store_url)
    try:
        rows = await db.fetch(
            "SELECT a.text, sum(v.dots) AS dots FROM votes v JOIN answers a"
            " ON a.session_id = v.session_id AND 'a' || a.number = v.item"
            " WHERE v.session_id = $1 GROUP BY a.text",
            session_id,
        )
        return tuple(sorted((r["text"], int(r["dots"])) for r in rows if r["dots"]))
    finally:
        await db.close()


async def check_answers(room: Room) -> list[tuple[int, str, str]]:
    """Every answer sent is stored once; every wall shows exactly the stored answers, in
    their numbers' order, and a new console on each running process gets the same."""
    stored = await stored_answers(room.cluster, room.fac.session_id)
    sent = {m: p.sent[m]["text"] for p in room.phones for m in p.sent}
    assert Counter(msg_id for _, _, msg_id in stored) == Counter(set(sent)), "lost or doubled"
    assert all(sent[msg_id] == text for _, text, msg_id in stored)
    numbers = [n for n, _, _ in stored]
    assert numbers == list(range(1, len(sent) + 1))
    texts = {n: text for n, text, _ in stored}
    for viewer in room.walls:
        await viewer.wait(lambda v: v.seen.wall == numbers, "wall of every answer")
    fresh = [
        Viewer(f"fresh console@{n.name}", [n.url], room.fac.session_id, "console", room.fac.cookie)
        for n in room.cluster.nodes
        if n.is_running
    ]
    for viewer in fresh:
        await viewer.start()
        await viewer.wait(lambda v: v.seen.wall == numbers, "full wall on connecting")
    await asyncio.sleep(0.3)  # an answer delivered twice would arrive now
    for viewer in [*room.walls, *fresh]:
        seen = viewer.refresh()
        assert (seen.doubled, seen.late, seen.clashes) == ([], [], []), viewer.name
        assert seen.wall == numbers, viewer.name
        assert {n: seen.texts[n] for n in numbers} == texts, viewer.name
    for viewer in fresh:
        await viewer.close()
    return stored


async def group_and_vote(room: Room, stored: list[tuple[int, str, str]]) -> None:
    """Grouping, then voting with the results shown (floor 1), every phone adding its dots
    one by one, three phones to each of four answers; commands alternate between the two
    consoles, so they come from two processes."""
    numbers = [n for n, _, _ in stored]
    await room.command(0, "start_grouping")
    for viewer in room.walls:
        await viewer.wait(lambda v: v.seen.board == set(numbers), "the whole board")
    await room.command(1, "set_floor", floor=1)
    await room.command(0, "start_voting", budget=BUDGET, stacking=1)
    for phone in room.phones:
        await phone.wait(lambda v: v.seen.ballot == set(numbers), "a ballot of all")
    await room.command(1, "reveal_votes")

    async def add_dots(index: int, phone: Viewer) -> None:
        item = f"a{numbers[index % 4]}"
        for dots in range(1, BUDGET + 1):
            assert await phone.request("vote", item=item, dots=dots) == "ok", phone.name

    await asyncio.gather(*(add_dots(i, p) for i, p in enumerate(room.phones)))
    final = await stored_tally(room.cluster, room.fac.session_id)
    assert sum(dots for _, dots in final) == BUDGET * len(room.phones)
    for viewer in room.viewers:
        await viewer.wait(lambda v: v.seen.tallies[-1:] == [final], "the final tally")
    chain = sorted({t for v in room.viewers for t in v.seen.tallies}, key=dots_in)
    for lower, higher in itertools.pairwise(chain):
        assert is_below(lower, higher), ("two tallies no single order has", lower, higher)
    for viewer in room.viewers:
        tallies = viewer.seen.tallies
        assert all(is_below(a, b) for a, b in itertools.pairwise(tallies)), viewer.name


async def decide_and_end(room: Room) -> None:
    """A decision, then the end: every connection has seen the script's phases, once each
    and in order (closing empties the journal, so the other processes reload and their
    connections come back with the full state, which is no phase change)."""
    await room.command(0, "propose_decision", text="We listen first", **{"from": ""})
    await room.command(1, "end_session")
    for viewer in room.viewers:
        await viewer.wait(lambda v: v.seen.phases[-1:] == ["ended"], "the end")
    for viewer in room.viewers:
        assert viewer.seen.phases == PHASES, (viewer.name, viewer.seen.phases)


def dots_in(tally: Tally) -> int:
    return sum(dots for _, dots in tally)


def is_below(lower: Tally, higher: Tally) -> bool:
    """`higher` has every dot of `lower` and more: a later point of one chain of votes."""
    upper = dict(higher)
    return lower != higher and all(upper.get(label, 0) >= dots for label, dots in lower)


async def open_answering(room: Room) -> None:
    for viewer in room.viewers:
        await viewer.wait(lambda v: v.seen.phases == ["lobby"], "the lobby")
    await room.command(1, "open_prompt", prompt=0)
    for viewer in room.viewers:
        await viewer.wait(lambda v: v.seen.phases[-1:] == ["answering"], "answering")


async def test_every_screen_on_every_process_sees_every_change_once_in_one_order(
    room: Room,
) -> None:
    await open_answering(room)
    await answer_burst(room, {})
    stored = await check_answers(room)
    await group_and_vote(room, stored)
    assert not [v.name for v in room.viewers if v.reconnects], "nobody had to reconnect"
    await decide_and_end(room)


async def test_a_process_killed_mid_burst_loses_nothing_acknowledged(room: Room) -> None:
    """kill -9 of node2 a third into the answers: its phones and projector reconnect to
    another process (through nginx, or nginx's own connections to it are cut and go
    elsewhere), send again what got no receipt, and get the full state; the run goes on."""
    await open_answering(room)
    victim = room.cluster.nodes[2]
    on_victim = [p for p in room.phones if "node2" in p.name]
    unanswered: list[int] = []

    async def kill() -> None:
        """While a phone of node2's waits for a receipt (with no await in between)."""
        await on_victim[0].wait(lambda _: any(p.in_flight for p in on_victim), "a send")
        victim.kill()
        unanswered.append(sum(p.in_flight for p in on_victim))

    await answer_burst(room, {1 / 3: kill})
    assert unanswered[0] > 0
    moved = [v.name for v in room.viewers if v.reconnects]
    assert {p.name for p in room.phones if "node2" in p.name} <= set(moved), moved
    stored = await check_answers(room)
    await group_and_vote(room, stored)
    await decide_and_end(room)


async def test_redis_restarted_mid_session_every_screen_converges(room: Room) -> None:
    """Redis shut down a third into the answers and started again after a round of them:
    every answer is acknowledged meanwhile, every process resubscribes (its log says Redis is
    back), every screen catches up, and the session runs on over Redis."""
    await open_answering(room)
    redis = room.cluster.redis

    def receipts() -> int:
        return sum(len(p.acks) for p in room.phones)

    async def outage() -> None:
        await asyncio.to_thread(redis.shut_down)
        before = receipts()
        # A round of answers saved and acknowledged while Redis is away, then it is back.
        await room.phones[0].wait(lambda _: receipts() >= before + len(room.phones), "answers")
        await asyncio.to_thread(redis.start)

    await answer_burst(room, {1 / 3: outage})
    stored = await check_answers(room)
    for node in room.cluster.nodes:
        assert "is back after" in node.log, node.name
    await group_and_vote(room, stored)
    await decide_and_end(room)


async def test_the_fallback_through_nginx_keeps_to_the_process_of_its_stream(
    cluster: Cluster,
) -> None:
    """A phone on the fallback (events down, posts up) through nginx: nginx routes a
    session's stream and posts to one process, so every post is taken (202, never
    409 stream_gone), acknowledged on the stream, and shown on every process's console."""
    edge = cluster.nginx.url
    fac = await open_session(edge)
    consoles = [
        await LiveClient.connect(node.url, fac.session_id, "console", fac.cookie)
        for node in cluster.nodes
    ]
    assert await consoles[0].request("open_prompt", prompt=0) == "ok"
    phone = await StreamClient.connect(edge, fac.session_id, "phone", await join(edge, fac.code))
    for n in range(6):
        message = {"action": "answer", "msg_id": f"f{n}", "text": f"fallback {n}"}
        response = await phone.post(json.dumps(message))
        assert response.status_code == 202, (n, response.status_code, cluster.nginx.log)
    for n in range(6):
        assert await phone.ack(f"f{n}", timeout=WAIT) == "ok"
    for console in consoles:
        await console.wait_for(lambda c: ">fallback 5<" in c.text, timeout=WAIT)
        assert [int(number) for number, _ in CARD.findall(console.text)] == list(range(1, 7))


def test_the_deploy_page_shows_the_nginx_configuration_tested_here() -> None:
    """docs/deploy.md's nginx block is this harness's, but for the addresses it listens on
    and passes to."""
    page = (ROOT / "docs" / "deploy.md").read_text()
    (block,) = re.findall(r"```nginx\n(.*?)```", page, re.DOTALL)
    tested = {
        line.strip() for line in NGINX_CONF.replace("{{", "{").replace("}}", "}").splitlines()
    }
    shown = {line.strip() for line in block.splitlines()}
    addresses = {line for line in shown if line.startswith(("listen ", "server 127."))}
    assert shown - addresses <= tested, shown - addresses - tested


def test_what_a_page_shows_tells_doubles_disorder_and_clashes() -> None:
    """The observer itself: an answer appended twice, one older than the wall's newest,
    one number with two texts and a tally that falls back are each caught."""

    def stage(phase: str, cards: str = "") -> str:
        wall = f'<ul id="wall" class="wall">{cards}</ul>' if phase == "answering" else ""
        return f'<section id="stage" class="console-stage phase-{phase}" hx-swap-oob="true">{wall}'

    def appended(number: int, text: str) -> str:
        card = f'<li id="answer-{number}" class="card">{text}</li>'
        return f'<template hx-swap-oob="beforeend:#wall">{card}</template>'

    def bars(*counts: int) -> str:
        rows = "".join(
            f'<li class="bar-row"><span class="bar-label">a{n}</span>\n'
            f'<progress class="bar" max="9" value="{c}"></progress>\n'
            f'<span class="bar-count">{c}</span></li>'
            for n, c in enumerate(counts)
        )
        return f'<ol class="bars">{rows}</ol>'

    seen = Seen()
    for frame in [
        stage("lobby"),
        stage("answering", '<li id="answer-1" class="card">een</li>'),
        appended(3, "drie"),
        appended(2, "twee"),
        appended(3, "drie"),
        stage("answering", '<li id="answer-3" class="card">anders</li>'),
        stage("voting") + bars(1, 0),
        stage("voting") + bars(1, 0),
        stage("voting") + bars(1, 1),
        stage("voting") + bars(0, 1),
    ]:
        seen.feed(frame)
    assert seen.phases == ["lobby", "answering", "voting"]
    assert (seen.late, seen.doubled, seen.clashes) == ([2], [3], [(3, "drie", "anders")])
    assert seen.tallies == [(("a0", 1),), (("a0", 1), ("a1", 1)), (("a1", 1),)]
    assert not is_below(seen.tallies[1], seen.tallies[2])

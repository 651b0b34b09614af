"""Load benchmark: whole sessions with many phones, measured phase by phase.

    .venv/bin/python bench/load.py --participants 1000
    .venv/bin/python bench/load.py --sessions 10 --participants 100
    .venv/bin/python bench/load.py --processes 3 --participants 2000

Starts `draagvlak serve` on a temporary database, opens the sessions over HTTP, connects
a projector and a facilitator's console per session in this process and the phones in
worker processes, all through the documented wire protocol (docs/protocol.md). Then it
runs the session: join, an answering burst, grouping, a voting burst, the reveal, a
consent round, a run of question changes (the fan-out), and the end; with --scale, then
a second session whose first question is a scale, with a burst of picks. It prints latencies,
traffic, server CPU and memory per phase, checks the saved outcome against everything
acknowledged (nothing lost, nothing doubled), and finally replays the phones' messages
from a bare `websockets` server (bench/baseline.py) to the same number of clients.

With --processes N (N > 1) it starts its own PostgreSQL and Redis (.ci/postgres,
.ci/redis) and N servers sharing them, spreads the phones over the servers in turn
(each phone joins and connects to its own), puts each session's projector and console
on server `session % N`, and reports CPU per server and PostgreSQL's and Redis's beside.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import itertools
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_clients import Watcher, open_watcher, ws_url  # noqa: E402
from bench.load_processes import (  # noqa: E402
    LOAD_CORES,
    Servers,
    Workers,
    idle_rate,
    measure_baseline,
    pin,
    raise_open_files,
    share_cores,
)
from bench.load_report import Phase, ack_delay, report  # noqa: E402
from bench.load_scale import scale_session  # noqa: E402
from tests.wire import Facilitator, open_session  # noqa: E402

TOKEN = re.compile(r"w\d+p\d+x")
ANSWER_NUMBER = re.compile(r'id="answer-(\d+)"')
PROGRESS = re.compile(r'id="progress"[^>]*>\s*([\d.,\u00a0\u202f]+)')


# One session's projector and facilitator ----------------------------------------------


@dataclass(eq=False)
class Room:
    tag: int
    facilitator: Facilitator
    screen: Watcher
    console: Watcher
    join_link: str  # the QR code's path, with its key
    base_url: str  # the server its projector and console are on
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, action: str, **values: Any) -> tuple[float, str]:
        msg_id = f"f{self.tag}m{next(self.ids)}"
        return await self.console.send(msg_id, action, **values), msg_id

    async def command(self, action: str, **values: Any) -> float:
        """Sends as the facilitator and waits for the receipt; returns when it was sent."""
        sent, msg_id = await self.send(action, **values)
        deadline = time.monotonic() + 60
        while msg_id not in self.console.acks:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no receipt for {action}")
            await asyncio.sleep(0.01)
        status = self.console.acks[msg_id][1]
        if status != "ok":
            raise RuntimeError(f"{action} {values} was {status}")
        return sent

    async def next_on_screen(self, needle: str, after: float, timeout: float = 30.0) -> float:
        """When the projector first received `needle` in a message that arrived after `after`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for arrived, text in self.screen.keep or []:
                if arrived >= after and needle in text:
                    return arrived
            await asyncio.sleep(0.01)
        last = [text[:300] for _, text in (self.screen.keep or [])[-3:]]
        raise TimeoutError(f"{needle!r} did not reach the projector; last: {last}")

    def screen_texts(self, since: float) -> list[tuple[float, str]]:
        return [(t, text) for t, text in self.screen.keep or [] if t >= since]


async def open_room(base_url: str, tag: int, deflate: bool, pack: str) -> Room:
    facilitator = await open_session(base_url, pack=pack, lang="nl")
    path = f"/s/{facilitator.session_id}/ws?lang=nl&view="
    screen = await open_watcher(
        ws_url(base_url, path + "screen"), tag, facilitator.cookie, deflate, keep=True
    )
    console = await open_watcher(
        ws_url(base_url, path + "console"), tag, facilitator.cookie, deflate, keep=True
    )
    async with httpx.AsyncClient(base_url=base_url) as http:
        page = await http.get(
            f"/s/{facilitator.session_id}/screen", headers={"cookie": facilitator.cookie}
        )
    link = re.search(r'data-join-link="https?://[^/"]+([^"]+)"', page.text)
    assert link, "the projector shows the QR code's link"
    return Room(tag, facilitator, screen, console, html.unescape(link[1]), base_url)


class Run:
    def __init__(
        self, args: argparse.Namespace, server: Servers, base_url: str, workers: Workers
    ) -> None:
        self.args = args
        self.server = server
        self.base_url = base_url
        self.urls = server.urls  # with --processes, phone i joins server i % N
        self.workers = workers
        self.db: Path | None = None  # the server's SQLite file, read by the scale check
        self.rooms: list[Room] = []
        self.phases: list[Phase] = []
        self.problems: list[str] = []
        self.memory: dict[str, float] = {}
        self.sent: dict[str, list[dict[str, Any]]] = {}
        self.idle_rate = 0.0  # server CPU seconds per second with everyone idle
        self.closed = 0  # phone connections that ended so far
        self.restarts = 0  # phone connections restarted by a server (1012) so far
        self.fan_out_sample: list[str] = []
        self.scale: dict[str, int] | None = None  # the scale session's check, with --scale
        self.refusals = Counter[str]()  # refused or unanswered sends by kind and receipt

    async def open_rooms(self, pack: str) -> None:
        """A session per `--sessions` on `pack`, with its projector and console; live reveal."""
        self.rooms = [
            await open_room(self.urls[tag % len(self.urls)], tag, self.args.deflate, pack)
            for tag in range(self.args.sessions)
        ]
        for room in self.rooms:
            await room.command("set_reveal", reveal="live")

    @property
    def phones(self) -> int:
        return int(self.args.participants * self.args.sessions)

    async def phase(self, name: str, body: Callable[[Phase], Awaitable[None]]) -> Phase:
        result = Phase(name)
        await self.workers.ask("counters")
        for room in self.rooms:
            for watcher in (room.screen, room.console):
                watcher.messages = watcher.bytes = 0
        cpus, services = self.server.cpus(), self.server.service_cpu()
        started = time.monotonic()
        await body(result)
        result.seconds = time.monotonic() - started
        result.cpus = [b - a for a, b in zip(cpus, self.server.cpus(), strict=True)]
        result.cpu = sum(result.cpus)
        result.service_cpu = tuple(  # type: ignore[assignment]
            b - a for a, b in zip(services, self.server.service_cpu(), strict=True)
        )
        answers = await self.workers.ask("counters")
        counts = [c for answer in answers for c in answer["counts"]]
        closed = sum(answer["closed"] for answer in answers)
        result.restarts = sum(answer["restarts"] for answer in answers) - self.restarts
        self.restarts += result.restarts
        if closed > self.closed:
            self.problems.append(f"{name}: {closed - self.closed} phone connection(s) closed")
            self.closed = closed
        rooms = len(self.rooms)
        result.phone_messages = sum(m for m, _ in counts) / max(1, len(counts))
        result.phone_kb = sum(b for _, b in counts) / max(1, len(counts)) / 1024
        result.screen_messages = sum(r.screen.messages for r in self.rooms) / rooms
        result.screen_kb = sum(r.screen.bytes for r in self.rooms) / rooms / 1024
        result.deliveries = sum(m for m, _ in counts) + sum(
            r.screen.messages + r.console.messages for r in self.rooms
        )
        self.phases.append(result)
        print(f"  {name}: {result.seconds:.1f} s", file=sys.stderr, flush=True)
        return result

    # Steps ------------------------------------------------------------------------------

    async def to_every_phone(
        self, result: Phase, metric: str, marker: str, action: str, **values: Any
    ) -> None:
        """The facilitator of every room does `action`; when did each phone see `marker`?"""
        await self.workers.ask("arm", marker=marker)
        sent = {room.tag: await room.command(action, **values) for room in self.rooms}
        deadline = time.monotonic() + 30
        while True:
            seen = [s for answer in await self.workers.ask("seen") for s in answer]
            if all(at is not None for _, at, _ in seen) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        result.split(metric, [(f, None if at is None else at - sent[tag]) for tag, at, f in seen])

    async def join(self, result: Phase) -> None:
        self.memory["before_join_kb"] = self.server.memory_kb()
        await self.join_phones(result)
        await asyncio.sleep(3)  # let the connections settle before reading memory
        self.memory["idle_kb"] = self.server.memory_kb()

    async def join_phones(self, result: Phase) -> None:
        # Every phone scans the QR code: the time to its lobby counts from the scan.
        codes = [
            (room.tag, self.urls[index % len(self.urls)], room.join_link)
            for room in self.rooms
            for index in range(self.args.participants)
        ]
        shares = [codes[i :: len(self.workers.pipes)] for i in range(len(self.workers.pipes))]
        answers = await self.workers.ask(
            "join",
            [
                {
                    "codes": share,
                    "deflate": self.args.deflate,
                    "fallback": self.args.fallback,
                }
                for share in shares
            ],
        )
        result.split("scan → lobby", [t for a in answers for t in a["lobby_seconds"]])
        failed = sum(a["failed"] for a in answers)
        if failed:
            examples = [f for answer in answers for f in answer["failures"]][:5]
            self.problems.append(f"{result.name}: {failed} phones could not join: {examples}")

    async def answering(self, result: Phase) -> None:
        start_at = time.monotonic() + 0.5
        sends = [
            s
            for answer in await self.workers.ask(
                "answers", start_at=start_at, window=self.args.window
            )
            for s in answer
        ]
        self.sent["answers"] = sends
        result.split("answer → own phone (receipt)", [(s["fallback"], ack_delay(s)) for s in sends])
        await asyncio.sleep(1)
        first_seen: dict[tuple[int, str], float] = {}
        for room in self.rooms:
            for arrived, text in room.screen_texts(start_at):
                for token in TOKEN.findall(text):
                    first_seen.setdefault((room.tag, token), arrived)
        delays = {
            id(s): first_seen[(s["tag"], s["token"])] - s["sent"]
            if (s["tag"], s["token"]) in first_seen
            else None
            for s in sends
            if s["status"] == "ok"
        }
        result.add("answer → projector", list(delays.values()))
        if len(self.urls) > 1:
            # Through the journal or not: the phone on the projector's server, or another.
            home = {room.tag: room.base_url for room in self.rooms}
            for where, same in (("same server", True), ("another server", False)):
                result.add(
                    f"answer → projector ({where})",
                    [
                        d
                        for s in sends
                        if id(s) in delays
                        for d in [delays[id(s)]]
                        if (s["base_url"] == home[s["tag"]]) is same
                    ],
                )

    async def grouping(self, result: Phase) -> None:
        await self.to_every_phone(
            result, "grouping starts → every phone", "phase-grouping", "start_grouping"
        )
        await asyncio.gather(*(self.group_room(room, result) for room in self.rooms))

    async def group_room(self, room: Room, result: Phase) -> None:
        numbers = sorted(
            {int(n) for _, text in room.screen_texts(0) for n in ANSWER_NUMBER.findall(text)}
        )
        themes = self.args.groups
        group_of = {}
        for theme in range(themes):
            chunk = numbers[theme::themes]
            group_of.update(dict.fromkeys(chunk, theme + 1))
            sent = await room.command("create_group", answers=chunk, label=f"Thema {theme + 1}")
            result.add(
                "grouping move → projector", [await room.next_on_screen('id="board"', sent) - sent]
            )
        for move in range(self.args.moves):
            answer = numbers[move * 7 % len(numbers)]
            group_of[answer] = group_of[answer] % themes + 1  # always somewhere else
            sent = await room.command("move", answer=answer, to=f"group:{group_of[answer]}")
            result.add(
                "grouping move → projector", [await room.next_on_screen('id="board"', sent) - sent]
            )

    async def voting(self, result: Phase) -> None:
        await self.to_every_phone(
            result,
            "voting opens → every phone (ballot)",
            'class="ballot"',
            "start_voting",
            budget=self.args.dots,
            stacking=0,
        )
        items = {room.tag: [f"g{g + 1}" for g in range(self.args.groups)] for room in self.rooms}
        start_at = time.monotonic() + 0.5
        sends = [
            s
            for answer in await self.workers.ask(
                "votes",
                start_at=start_at,
                window=self.args.window,
                items=items,
                dots=self.args.dots,
            )
            for s in answer
        ]
        self.sent["votes"] = sends
        result.split("vote → own phone (receipt)", [(s["fallback"], ack_delay(s)) for s in sends])
        await asyncio.sleep(1)
        result.add("vote → projector (count)", self.count_delays(sends, start_at))

    def count_delays(
        self, sends: list[dict[str, Any]], since: float, count: re.Pattern[str] = PROGRESS
    ) -> list[float | None]:
        """The k-th person to start is on the projector once its `count` reaches k."""
        delays: list[float | None] = []
        for room in self.rooms:
            counts = []
            for arrived, text in room.screen_texts(since):
                for number in count.findall(text):
                    counts.append((arrived, int(re.sub(r"\D", "", number))))
            firsts = sorted(
                s["sent"]
                for s in sends
                if s["tag"] == room.tag and s["first"] and s["status"] == "ok"
            )
            for k, sent in enumerate(firsts, start=1):
                shown = next((at for at, count in counts if count >= k), None)
                delays.append(None if shown is None else max(0.0, shown - sent))
        return delays

    async def reveal(self, result: Phase) -> None:
        for room in self.rooms:
            sent = await room.command("reveal_votes")
            result.add("reveal → projector", [await room.next_on_screen("<progress", sent) - sent])

    async def consent(self, result: Phase) -> None:
        await self.to_every_phone(
            result,
            "decision proposed → every phone",
            'class="consent-form"',
            "propose_decision",
            **{"from": "Thema 1", "text": "Wij laten elkaar uitpraten."},
        )
        start_at = time.monotonic() + 0.5
        sends = [
            s
            for answer in await self.workers.ask(
                "consents", start_at=start_at, window=self.args.window, decision=1
            )
            for s in answer
        ]
        for s in sends:
            s["first"] = True
        self.sent["consents"] = sends
        result.split(
            "consent → own phone (receipt)", [(s["fallback"], ack_delay(s)) for s in sends]
        )
        await asyncio.sleep(1)
        result.add("consent → projector (count)", self.count_delays(sends, start_at))
        for room in self.rooms:
            await room.command("close_round", decision=1)

    async def fan_out(self, result: Phase) -> None:
        """The facilitator moves between questions: each change goes to every phone."""
        await self.workers.ask("keep")
        started = time.monotonic()
        for round_ in range(self.args.rounds):
            await self.to_every_phone(
                result,
                "question changes → every phone",
                'id="stage"',
                "open_prompt",
                prompt=1 + round_ % 2,
            )
            await asyncio.sleep(self.args.interval)
        # What one phone received is what every phone received: the baseline replays it.
        self.fan_out_sample = (await self.workers.ask("kept", since=started))[0]

    async def end(self, result: Phase) -> None:
        await self.to_every_phone(
            result, "session ends → every phone", "phase-ended", "end_session"
        )

    # The check ---------------------------------------------------------------------------

    async def check_outcomes(self) -> dict[str, int]:
        """Everything acknowledged is in the saved outcome, exactly once."""
        found = Counter[str]()
        async with httpx.AsyncClient(timeout=60) as http:
            for room in self.rooms:
                # Through the server its console is on; the outcome is the shared store's.
                made = await http.post(
                    f"{room.base_url}/s/{room.facilitator.session_id}/share",
                    headers={"cookie": room.facilitator.cookie},
                )
                token = made.headers["location"].split("share=")[1]
                outcome = (await http.get(f"{room.base_url}/r/{token}/outcome.json")).json()
                prompt = outcome["prompts"][0]
                for item in prompt["items"]:
                    for text in item["answers"]:
                        for answer_token in TOKEN.findall(text):
                            found[f"answer {room.tag} {answer_token}"] += 1
                    if item["votes"] is not None:
                        found[f"dots {room.tag} {item['label']}"] = item["votes"]
                rounds = outcome["decisions"][0]["rounds"]
                found[f"responses {room.tag}"] = rounds[0]["responses"]
        expected = Counter[str]()
        for s in self.sent["answers"]:
            if s["status"] == "ok":
                expected[f"answer {s['tag']} {s['token']}"] += 1
        for s in self.sent["votes"]:
            if s["status"] == "ok":
                expected[f"dots {s['tag']} Thema {s['item'][1:]}"] += 1
        for s in self.sent["consents"]:
            if s["status"] == "ok":
                expected[f"responses {s['tag']}"] += 1
        lost = sum((expected - found).values())
        doubled = sum((found - expected).values())
        refused = sum(1 for kind in self.sent.values() for s in kind if s["status"] != "ok")
        # Which sends, and what their receipts said ("missing": none came).
        self.refusals = Counter(
            f"{kind} {s['status']}" for kind, sends in self.sent.items() for s in sends
            if s["status"] != "ok"
        )  # fmt: skip
        return {"lost": lost, "doubled": doubled, "refused_or_unanswered": refused}


# Main ----------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="draagvlak-load-"))
    raise_open_files()
    if args.placement == "shared":
        share_cores()
    pin(os.getpid(), LOAD_CORES)  # the projectors and consoles are load too
    env = {"DRAAGVLAK_LOG_LEVEL": "warning", **os.environ}
    if args.deflate:
        env["DRAAGVLAK_WS_DEFLATE"] = "1"
    if args.probe:
        Path(args.probe).mkdir(parents=True, exist_ok=True)
    server = Servers(args.processes, workdir, env, Path(args.probe) if args.probe else None)
    workers: Workers | None = None
    try:
        workers = Workers(args.workers)
        run = Run(args, server, server.urls[0], workers)
        await run.open_rooms("core-values")
        print(
            f"{run.phones:,} phones in {args.sessions} session(s); server log in {workdir}",
            file=sys.stderr,
        )
        await run.phase("join", run.join)
        await run.phase(
            "question opens",
            lambda r: run.to_every_phone(
                r, "question opens → every phone", "phase-answering", "open_prompt", prompt=0
            ),
        )
        await run.phase("answering burst", run.answering)
        await run.phase("grouping", run.grouping)
        await run.phase("voting burst", run.voting)
        await run.phase("reveal", run.reveal)
        await run.phase("consent round", run.consent)
        # The server's CPU with everyone connected and nothing happening (pings and
        # timers), to tell it apart from the cost of the fan-out.
        run.idle_rate = await idle_rate(server)
        await run.phase("fan-out", run.fan_out)
        await run.phase("end", run.end)
        run.memory["peak_kb"] = server.memory_kb("VmHWM")
        checked = await run.check_outcomes()
        for room in run.rooms:
            await room.screen.close()
            await room.console.close()
        await workers.ask("close_all")
        if args.scale:
            run.db = server.db
            run.scale = await scale_session(run)
        server.stop()
        base = None
        if not args.no_baseline:
            base = await measure_baseline(
                args, workers, run.fan_out_sample, run.phones, workdir / "baseline.log"
            )
        result = report(run, checked, base)
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=1))
        ok = (
            not run.problems
            and not checked["lost"]
            and not checked["doubled"]
            and not checked["refused_or_unanswered"]
            and not result["missing"]
            and all(not v for k, v in (run.scale or {}).items() if k != "rows")
        )
        return 0 if ok else 1
    finally:
        server.stop()
        if workers is not None:
            await workers.stop()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, default=1000, help="phones per session")
    parser.add_argument("--sessions", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="load processes for the phones")
    parser.add_argument(
        "--window", type=float, default=5.0, help="seconds over which a burst is spread"
    )
    parser.add_argument("--dots", type=int, default=3, help="dots per phone in the voting burst")
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--moves", type=int, default=30, help="single card moves after grouping")
    parser.add_argument("--rounds", type=int, default=50, help="question changes in the fan-out")
    parser.add_argument("--interval", type=float, default=0.3, help="seconds between them")
    parser.add_argument("--deflate", action="store_true", help="permessage-deflate on, both sides")
    parser.add_argument(
        "--fallback", type=float, default=0.0, help="share of phones on the fallback (0.2: 20 %%)"
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="then a second session on a scale question: every phone picks once",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="servers; above 1 they share a PostgreSQL and a Redis the script starts"
        " (default 1: one server on SQLite)",
    )
    parser.add_argument(
        "--placement",
        choices=("split", "shared"),
        default="split",
        help="split (default): the servers (and PostgreSQL, Redis) on the first core, the"
        " load on the others; shared: nothing pinned",
    )
    parser.add_argument(
        "--probe",
        help="with --processes: count the journal's reads, commits and notices in each server"
        " (bench/load_probe.py) into DIR/serverN.json",
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    if args.probe and args.processes == 1:
        parser.error("--probe counts the several-processes path: with --processes")
    if args.processes > 1 and args.scale:
        parser.error("--scale checks the SQLite file: not with --processes")
    return args


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse())))

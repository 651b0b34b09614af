"""The phones of the load benchmark: many websocket clients in one worker process, and,
with `--fallback`, a share of phones on the fallback (server-sent events and posts).

The orchestrator (`bench/load.py`) starts a few of these processes and drives them over
a pipe, one command at a time, so that the load generator does not starve the server.
Every time is `time.monotonic()`, which is one clock for all processes on a machine.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

ACK = re.compile(r'data-ack="([^"]*)" data-status="([a-z]+)"')
# Realistic card lengths: a few words, as teachers type them on a phone.
ANSWERS = [
    "Respect voor elkaar",
    "Eerlijk zijn, ook als het lastig is",
    "Samen verantwoordelijk voor de school",
    "Veiligheid: iedereen mag zijn wie hij is",
    "Elkaar aanspreken op gedrag",
    "Betrokkenheid bij leerlingen en ouders",
    "Vertrouwen geven en krijgen",
    "Plezier in het werk",
]
LEVELS = ["full_support", "support", "support", "live_with", "reservations"]


@dataclass(eq=False)
class Watcher:
    """One websocket that counts what it receives and notes when a marker first arrives."""

    socket: ClientConnection
    tag: int  # which session it belongs to
    messages: int = 0
    bytes: int = 0
    marker: str | None = None
    seen_at: float | None = None
    acks: dict[str, tuple[float, str]] = field(default_factory=dict)
    closed: int | None = None
    keep: list[tuple[float, str]] | None = None
    first_at: float | None = None  # the full state, sent on every connect
    base_url: str = ""  # the server this phone joined and is connected to
    address: tuple[str, str, bool] | None = None  # url, cookie, deflate: to connect again
    restarts: int = 0  # connections the server restarted (1012) and this one made again

    is_fallback = False

    async def read(self) -> None:
        while True:
            try:
                async for message in self.socket:
                    self.received(message if isinstance(message, str) else message.decode())
            except Exception:
                pass
            code = self.socket.close_code or 1006
            if code == 1012 and self.address is not None:
                # The server restarts the connection (with several processes: a session
                # closed in another one); as the page does, connect again at once (htmx
                # would wait 0.5 s first) and get the whole state.
                try:
                    self.socket = await dial(*self.address)
                    self.restarts += 1
                    continue
                except Exception:
                    pass
            self.closed = code
            return

    def received(self, text: str) -> None:
        now = time.monotonic()
        self.messages += 1
        self.bytes += len(text.encode())
        if self.first_at is None:
            self.first_at = now
        if self.marker is not None and self.seen_at is None and self.marker in text:
            self.seen_at = now
        if "data-ack=" in text:
            for msg_id, status in ACK.findall(text):
                self.acks.setdefault(msg_id, (now, status))
        if self.keep is not None:
            self.keep.append((now, text))

    async def close(self) -> None:
        await self.socket.close()

    def arm(self, marker: str) -> None:
        self.marker, self.seen_at = marker, None

    async def send(self, msg_id: str, action: str, **values: Any) -> float:
        sent = time.monotonic()
        await self.socket.send(json.dumps({"action": action, "msg_id": msg_id, **values}))
        return sent


class StreamWatcher(Watcher):
    """A phone on the fallback: one event stream down, a post per message up. `bytes`
    counts the frames, as for a websocket (not the `data:` lines around them)."""

    is_fallback = True

    def __init__(self, http: httpx.AsyncClient, path: str, tag: int) -> None:
        super().__init__(None, tag)  # type: ignore[arg-type]
        self.http = http
        self.path = path
        self.name = ""
        self.hello = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def read(self) -> None:
        try:
            url = f"{self.path}/events?view=phone&lang=nl"
            async with self.http.stream("GET", url) as response:
                event, data = "", []
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        data.append(line[6:])
                    elif line.startswith("event: "):
                        event = line[7:]
                    elif not line:
                        if event == "hello":
                            self.name = data[0]
                            self.hello.set()
                        elif event == "end":
                            self.closed = int(data[0])
                        elif not event:
                            self.received("\n".join(data))
                        event, data = "", []
        except Exception:
            pass
        finally:
            self.closed = self.closed or 1006
            self.hello.set()

    async def send(self, msg_id: str, action: str, **values: Any) -> float:
        sent = time.monotonic()
        body = json.dumps({"action": action, "msg_id": msg_id, **values})
        url = f"{self.path}/send?view=phone&lang=nl&stream={self.name}"
        await self.http.post(url, content=body, headers={"content-type": "application/json"})
        return sent

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self.http.aclose()


async def open_stream(base_url: str, path: str, tag: int, cookie: str) -> StreamWatcher:
    http = httpx.AsyncClient(base_url=base_url, headers={"cookie": cookie}, timeout=60)
    watcher = StreamWatcher(http, path, tag)
    watcher._task = asyncio.get_running_loop().create_task(watcher.read())
    await asyncio.wait_for(watcher.hello.wait(), 60)
    return watcher


def ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http", "ws", 1) + path


async def dial(url: str, cookie: str, deflate: bool) -> ClientConnection:
    return await connect(
        url,
        additional_headers={"cookie": cookie} if cookie else None,
        compression="deflate" if deflate else None,
        max_size=None,
        open_timeout=60,
        ping_interval=None,  # the server pings; it is the phone that must answer
    )


async def open_watcher(
    url: str, tag: int, cookie: str = "", deflate: bool = False, keep: bool = False
) -> Watcher:
    socket = await dial(url, cookie, deflate)
    watcher = Watcher(socket, tag, keep=[] if keep else None, address=(url, cookie, deflate))
    asyncio.get_running_loop().create_task(watcher.read())
    return watcher


async def join_phone(
    transport: httpx.AsyncHTTPTransport,
    base_url: str,
    tag: int,
    link: str,
    deflate: bool,
    is_fallback: bool = False,
) -> tuple[Watcher, float]:
    """As a phone does when it scans the QR code: the page by its link (which sets the
    cookie), then the websocket (or the fallback's stream); returns it with the time the
    scan began. Each phone is its own device with its own cookies; they share one
    connection pool, except a stream, which holds a connection of its own."""
    scanned = time.monotonic()
    http = httpx.AsyncClient(transport=transport, timeout=60)
    page = await http.get(f"{base_url}{link}", headers={"accept-language": "nl"})
    page.raise_for_status()
    ((name, value),) = [(k, v) for k, v in page.cookies.items() if k.startswith("dv_p_")]
    session_id = re.search(r'data-live="/s/([^"]+)"', page.text)
    assert session_id, "the phone page names its live address"
    if is_fallback:
        path = f"/s/{session_id[1]}"
        return await open_stream(base_url, path, tag, f"{name}={value}"), scanned
    url = ws_url(base_url, f"/s/{session_id[1]}/ws?view=phone&lang=nl")
    return await open_watcher(url, tag, f"{name}={value}", deflate), scanned


class Worker:
    def __init__(self, pipe: Connection, number: int) -> None:
        self.pipe = pipe
        self.number = number
        self.phones: list[Watcher] = []
        self.random = random.Random(number)
        self.ids = itertools.count(1)

    def msg_id(self) -> str:
        return f"w{self.number}m{next(self.ids)}"

    async def serve(self) -> None:
        while True:
            command, args = await asyncio.to_thread(self.pipe.recv)
            if command == "stop":
                await asyncio.gather(*(p.close() for p in self.phones))
                self.pipe.send(None)
                return
            self.pipe.send(await getattr(self, command)(**args))

    # Commands -------------------------------------------------------------------------

    async def join(
        self, codes: list[tuple[int, str, str]], deflate: bool, fallback: float = 0.0
    ) -> dict[str, Any]:
        """Joins one phone per (session tag, server, QR link), a hundred at a time;
        measures each from its scan to its lobby (the first full state on its websocket).
        The share `fallback` of them, spread evenly, use the fallback instead."""
        started = time.monotonic()
        gate = asyncio.Semaphore(100)
        failures: list[str] = []
        scans: list[tuple[Watcher, float]] = []

        transport = httpx.AsyncHTTPTransport()

        async def one(index: int, tag: int, base_url: str, link: str) -> None:
            is_fallback = int((index + 1) * fallback) > int(index * fallback)
            async with gate:
                try:
                    phone, scanned = await join_phone(
                        transport, base_url, tag, link, deflate, is_fallback
                    )
                    phone.base_url = base_url
                    scans.append((phone, scanned))
                except Exception as error:
                    failures.append(repr(error))

        await asyncio.gather(*(one(i, *code) for i, code in enumerate(codes)))
        await transport.aclose()
        deadline = time.monotonic() + 30
        while any(w.first_at is None for w, _ in scans) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        self.phones += [watcher for watcher, _ in scans]
        return {
            "joined": len(self.phones),
            "failures": failures[:5],
            "failed": len(failures),
            "seconds": time.monotonic() - started,
            "lobby_seconds": [
                (w.is_fallback, None if w.first_at is None else w.first_at - at) for w, at in scans
            ],
        }

    async def connect(self, url: str, count: int, deflate: bool) -> dict[str, Any]:
        """Plain connections, for the baseline server."""
        gate = asyncio.Semaphore(100)

        async def one() -> None:
            async with gate:
                self.phones.append(await open_watcher(url, 0, deflate=deflate))

        await asyncio.gather(*(one() for _ in range(count)))
        return {"joined": len(self.phones)}

    async def arm(self, marker: str) -> None:
        for phone in self.phones:
            phone.arm(marker)

    async def seen(self) -> list[tuple[int, float | None, bool]]:
        return [(phone.tag, phone.seen_at, phone.is_fallback) for phone in self.phones]

    async def counters(self) -> dict[str, Any]:
        """Messages and bytes each phone received since the last call; then from zero."""
        found = [(p.messages, p.bytes) for p in self.phones]
        for phone in self.phones:
            phone.messages = phone.bytes = 0
        closed = sum(1 for p in self.phones if p.closed is not None)
        restarts = sum(p.restarts for p in self.phones)
        return {"counts": found, "closed": closed, "restarts": restarts}

    async def keep(self) -> None:
        """The first phone starts keeping what it receives, as a sample for the baseline."""
        if self.phones and self.phones[0].keep is None:
            self.phones[0].keep = []

    async def kept(self, since: float) -> list[str]:
        if not self.phones:
            return []
        return [text for arrived, text in self.phones[0].keep or [] if arrived >= since]

    async def close_all(self) -> None:
        await asyncio.gather(*(p.close() for p in self.phones))
        self.phones.clear()

    async def answers(self, start_at: float, window: float) -> list[dict[str, Any]]:
        """Every phone sends one answer at a random moment of the window, with a token
        that lets the orchestrator find it on the projector and in the outcome."""

        async def one(index: int, phone: Watcher) -> tuple[Watcher, dict[str, Any]]:
            await asyncio.sleep(
                max(0.0, start_at + self.random.uniform(0, window) - time.monotonic())
            )
            token = f"w{self.number}p{index}x"
            text = f"{self.random.choice(ANSWERS)} {token}"
            msg_id = self.msg_id()
            sent = await phone.send(msg_id, "answer", text=text)
            record: dict[str, Any] = {"tag": phone.tag, "token": token, "msg_id": msg_id}
            return phone, {**record, "sent": sent, "base_url": phone.base_url}

        sends = await asyncio.gather(*(one(i, p) for i, p in enumerate(self.phones)))
        return await self._receipts(sends)

    async def votes(
        self, start_at: float, window: float, items: dict[int, list[str]], dots: int
    ) -> list[dict[str, Any]]:
        """Every phone gives `dots` single dots to different items, each at its own moment."""

        async def one(phone: Watcher) -> list[tuple[Watcher, dict[str, Any]]]:
            chosen = self.random.sample(items[phone.tag], dots)
            moments = sorted(self.random.uniform(0, window) for _ in chosen)
            done = []
            for order, (item, moment) in enumerate(zip(chosen, moments, strict=True)):
                await asyncio.sleep(max(0.0, start_at + moment - time.monotonic()))
                msg_id = self.msg_id()
                sent = await phone.send(msg_id, "vote", item=item, dots=1)
                record = {"tag": phone.tag, "item": item, "msg_id": msg_id, "sent": sent}
                done.append((phone, {**record, "first": order == 0}))
            return done

        sends = [s for group in await asyncio.gather(*(one(p) for p in self.phones)) for s in group]
        return await self._receipts(sends)

    async def consents(self, start_at: float, window: float, decision: int) -> list[dict[str, Any]]:
        async def one(phone: Watcher) -> tuple[Watcher, dict[str, Any]]:
            await asyncio.sleep(
                max(0.0, start_at + self.random.uniform(0, window) - time.monotonic())
            )
            level = self.random.choice(LEVELS)
            msg_id = self.msg_id()
            sent = await phone.send(msg_id, "consent", decision=decision, level=level)
            return phone, {"tag": phone.tag, "level": level, "msg_id": msg_id, "sent": sent}

        sends = await asyncio.gather(*(one(p) for p in self.phones))
        return await self._receipts(sends)

    async def picks(self, start_at: float, window: float, values: int) -> list[dict[str, Any]]:
        """Every phone picks one of `values` on a scale, once, at a random moment."""

        async def one(phone: Watcher) -> tuple[Watcher, dict[str, Any]]:
            await asyncio.sleep(
                max(0.0, start_at + self.random.uniform(0, window) - time.monotonic())
            )
            value = self.random.randrange(values)
            msg_id = self.msg_id()
            sent = await phone.send(msg_id, "pick", value=str(value))
            record = {"tag": phone.tag, "value": value, "msg_id": msg_id, "sent": sent}
            return phone, {**record, "first": True}

        sends = await asyncio.gather(*(one(p) for p in self.phones))
        return await self._receipts(sends)

    async def _receipts(
        self, sends: list[tuple[Watcher, dict[str, Any]]], timeout: float = 60.0
    ) -> list[dict[str, Any]]:
        """Waits for every receipt (or the timeout); adds when and how each was answered."""
        waiting = list(sends)
        deadline = time.monotonic() + timeout
        while waiting and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            waiting = [(phone, s) for phone, s in waiting if s["msg_id"] not in phone.acks]
        for phone, send in sends:
            send["acked"], send["status"] = phone.acks.get(send["msg_id"], (None, "missing"))
            send["fallback"] = phone.is_fallback
        return [send for _, send in sends]


def worker_main(pipe: Connection, number: int) -> None:
    asyncio.run(Worker(pipe, number).serve())

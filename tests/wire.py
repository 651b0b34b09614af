"""A client of the documented wire protocol, as a load generator or native app would be.

Used by the tests: it opens sessions over HTTP, joins by code, and talks websockets.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

_ACK = re.compile(r'data-ack="([^"]*)" data-status="([a-z]+)"')
_ids = itertools.count(1)
OPEN_CLIENTS: list[Listening] = []


@dataclass
class Facilitator:
    base_url: str
    session_id: str
    code: str
    cookie: str  # "name=value"
    private_link: str = ""


# The facilitator every test signs in as: the first account of each fresh server.
LEADER_EMAIL = "leider@school.example"
LEADER_PASSWORD = "koffie en plakband 42"
_logins: dict[str, str] = {}


async def sign_in(base_url: str, email: str = LEADER_EMAIL, team: str = "De Linde") -> str:
    """The sign-in cookie ("name=value") of this account, made on a fresh server as its
    first account, else signed in; kept per server."""
    key = f"{base_url} {email}"
    if key in _logins:
        return _logins[key]
    async with httpx.AsyncClient(base_url=base_url) as http:
        form = {"email": email, "password": LEADER_PASSWORD, "again": LEADER_PASSWORD}
        response = await http.post("/setup", data={**form, "team": team})
        if "dv_login" not in response.cookies:
            response = await http.post("/signin", data=form)
        assert "dv_login" in response.cookies, (response.status_code, response.text[:500])
        _logins[key] = f"dv_login={response.cookies['dv_login']}"
    return _logins[key]


async def login_cookies(base_url: str) -> dict[str, str]:
    """Cookies for an httpx client of the signed-in facilitator."""
    name, _, value = (await sign_in(base_url)).partition("=")
    return {name: value}


def forget_sign_ins(base_url: str) -> None:
    """After a server starts on a fresh database at the same address."""
    for key in [k for k in _logins if k.startswith(f"{base_url} ")]:
        del _logins[key]


async def open_session(
    base_url: str, pack: str = "core-values", lang: str = "en", **form: str
) -> Facilitator:
    login = await sign_in(base_url)
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.post(
            "/sessions", data={"pack": pack, "lang": lang, **form}, headers={"cookie": login}
        )
        if response.status_code == 303 and response.headers["location"].startswith(
            ("/setup", "/signin")
        ):
            forget_sign_ins(base_url)  # the same address, a fresh server: sign in again
            login = await sign_in(base_url)
            response = await http.post(
                "/sessions", data={"pack": pack, "lang": lang, **form}, headers={"cookie": login}
            )
        assert response.status_code == 303, response.text
        if response.headers["location"].startswith("/team/evaluate"):
            # An evaluation moment starts from the register's page: open it as it comes.
            response = await http.post(
                "/team/evaluate", data={"lang": lang}, headers={"cookie": login}
            )
        assert response.headers["location"].startswith("/s/"), response.headers["location"]
        session_id = response.headers["location"].split("/")[2]
        name = f"dv_f_{session_id}"
        cookie = f"{name}={response.cookies[name]}"
        console = await http.get(f"/s/{session_id}/console", headers={"cookie": cookie})
        code = re.search(r'class="code">(\d{3}) (\d{3})<', console.text)
        assert code, console.text
        link = re.search(r'id="private-link" type="text" readonly value="([^"]+)"', console.text)
        return Facilitator(base_url, session_id, code[1] + code[2], cookie, link[1] if link else "")


async def join(base_url: str, code: str) -> str:
    """Opens the phone page by code, as the QR link does; returns the participant cookie."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.get(f"/j/{code}")
        assert response.status_code == 200, response.status_code
        ((name, value),) = [(k, v) for k, v in response.cookies.items() if k.startswith("dv_p_")]
        return f"{name}={value}"


class Listening:
    """What both kinds of live client share: the frames received, receipts by message id,
    and waiting for something to arrive."""

    def __init__(self) -> None:
        self.frames: list[str] = []
        self.acks: dict[str, str] = {}
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self.closed_code: int | None = None
        # What broke the reader other than the connection closing: raised by wait_for.
        self.failure: BaseException | None = None

    def _received(self, text: str) -> None:
        self.frames.append(text)
        for msg_id, status in _ACK.findall(text):
            self.acks[msg_id] = status
        self._changed.set()

    @property
    def text(self) -> str:
        return "".join(self.frames)

    async def send(self, action: str, **values: Any) -> str:
        msg_id = f"m{next(_ids)}"
        await self.send_json({"action": action, "msg_id": msg_id, **values})
        return msg_id

    async def send_json(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        async def waiting() -> None:
            while not predicate(self):
                self._changed.clear()
                if self.failure is not None:
                    raise AssertionError("reading this connection failed") from self.failure
                if self.closed_code is not None and not predicate(self):
                    raise ConnectionError(f"closed with {self.closed_code}")
                await self._changed.wait()

        await asyncio.wait_for(waiting(), timeout)

    async def wait_text(self, needle: str, timeout: float = 5.0) -> None:
        await self.wait_for(lambda c: needle in c.text, timeout)

    async def wait_new_text(self, needle: str, since: int, timeout: float = 5.0) -> None:
        """Waits for `needle` in a frame that arrived after the first `since` frames."""
        await self.wait_for(lambda c: any(needle in f for f in c.frames[since:]), timeout)

    async def ack(self, msg_id: str, timeout: float = 5.0) -> str:
        await self.wait_for(lambda c: msg_id in c.acks, timeout)
        return self.acks[msg_id]

    async def request(self, action: str, timeout: float = 5.0, **values: Any) -> str:
        """Sends and waits for the receipt, `timeout` seconds at most: 'ok' or 'rejected'."""
        return await self.ack(await self.send(action, **values), timeout)


class LiveClient(Listening):
    def __init__(self, socket: ClientConnection) -> None:
        super().__init__()
        self.socket = socket

    @classmethod
    async def connect(
        cls,
        base_url: str,
        session_id: str,
        view: str,
        cookie: str,
        lang: str = "en",
        **options: Any,
    ) -> LiveClient:
        url = base_url.replace("http", "ws", 1) + f"/s/{session_id}/ws?view={view}&lang={lang}"
        socket = await connect(
            url, additional_headers={"cookie": cookie}, compression=None, **options
        )
        client = cls(socket)
        client._reader = asyncio.create_task(client._read())
        OPEN_CLIENTS.append(client)
        return client

    async def _read(self) -> None:
        try:
            async for frame in self.socket:
                self._received(frame if isinstance(frame, str) else frame.decode())
        except ConnectionClosed:
            pass  # closed by either side, cleanly or not: closed_code says how
        except Exception as error:
            self.failure = error
        finally:
            self.closed_code = self.socket.close_code
            self._changed.set()

    async def send_json(self, data: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(data))

    async def close(self) -> None:
        await self.socket.close()
        if self._reader:
            await self._reader
        if self.failure is not None:
            raise AssertionError("reading this connection failed") from self.failure


class StreamClient(Listening):
    """The fallback for networks that block websockets: server-sent events down, posts up
    (docs/protocol.md). `closed_code` is the code of the server's `end` event."""

    def __init__(self, http: httpx.AsyncClient, path: str, query: str) -> None:
        super().__init__()
        self.http = http
        self.path = path
        self.query = query
        self.name = ""
        self.pings = 0
        self.hello = asyncio.Event()

    @classmethod
    async def connect(
        cls, base_url: str, session_id: str, view: str, cookie: str, lang: str = "en"
    ) -> StreamClient:
        http = httpx.AsyncClient(base_url=base_url, headers={"cookie": cookie}, timeout=None)
        client = cls(http, f"/s/{session_id}", f"view={view}&lang={lang}")
        client._reader = asyncio.create_task(client._read())
        OPEN_CLIENTS.append(client)
        ended = asyncio.create_task(client._changed.wait())
        await asyncio.wait([asyncio.create_task(client.hello.wait()), ended], timeout=5)
        return client

    async def _read(self) -> None:
        try:
            url = f"{self.path}/events?{self.query}"
            async with self.http.stream("GET", url) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                name, data = "", []
                async for line in response.aiter_lines():
                    if line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: ") or line == "data:":
                        data.append(line[6:])
                    elif line == "":
                        self._event(name, "\n".join(data))
                        name, data = "", []
        except (httpx.ReadError, httpx.RemoteProtocolError):
            pass
        except Exception as error:
            self.failure = error
        finally:
            if self.closed_code is None:
                self.closed_code = 1006
            self._changed.set()

    def _event(self, name: str, data: str) -> None:
        match name:
            case "hello":
                self.name = data
                self.hello.set()
            case "ping":
                self.pings += 1
                self._changed.set()
            case "end":
                self.closed_code = int(data)
                self._changed.set()
            case "":
                self._received(data)

    async def post(self, body: bytes | str, stream: str | None = None) -> httpx.Response:
        name = self.name if stream is None else stream
        return await self.http.post(
            f"{self.path}/send?{self.query}&stream={name}",
            content=body,
            headers={"content-type": "application/json"},
        )

    async def send_json(self, data: dict[str, Any]) -> None:
        response = await self.post(json.dumps(data))
        assert response.status_code == 202, (response.status_code, response.text)

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        await self.http.aclose()
        if self.failure is not None:
            raise AssertionError("reading this stream failed") from self.failure

"""A client of the documented wire protocol, as a load generator or native app would be.

Used by the tests: it opens sessions over HTTP, joins by code, and talks websockets.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

_ACK = re.compile(r'data-ack="([^"]*)" data-status="([a-z]+)"')
_ids = itertools.count(1)
OPEN_CLIENTS: list[LiveClient] = []


@dataclass
class Facilitator:
    base_url: str
    session_id: str
    code: str
    cookie: str  # "name=value"
    private_link: str = ""


async def open_session(
    base_url: str, pack: str = "core-values", lang: str = "en", **form: str
) -> Facilitator:
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.post("/sessions", data={"pack": pack, "lang": lang, **form})
        assert response.status_code == 303, response.text
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


@dataclass(eq=False)
class LiveClient:
    socket: ClientConnection
    frames: list[str] = field(default_factory=list)
    acks: dict[str, str] = field(default_factory=dict)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None
    closed_code: int | None = None
    # What broke the reader other than the connection closing: raised by wait_for.
    failure: BaseException | None = None

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
                text = frame if isinstance(frame, str) else frame.decode()
                self.frames.append(text)
                for msg_id, status in _ACK.findall(text):
                    self.acks[msg_id] = status
                self._changed.set()
        except ConnectionClosed:
            pass  # closed by either side, cleanly or not: closed_code says how
        except Exception as error:
            self.failure = error
        finally:
            self.closed_code = self.socket.close_code
            self._changed.set()

    @property
    def text(self) -> str:
        return "".join(self.frames)

    async def send(self, action: str, **values: Any) -> str:
        msg_id = f"m{next(_ids)}"
        await self.send_json({"action": action, "msg_id": msg_id, **values})
        return msg_id

    async def send_json(self, data: dict[str, Any]) -> None:
        import json

        await self.socket.send(json.dumps(data))

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

    async def request(self, action: str, **values: Any) -> str:
        """Sends and waits for the receipt: 'ok' or 'rejected'."""
        return await self.ack(await self.send(action, **values))

    async def close(self) -> None:
        await self.socket.close()
        if self._reader:
            await self._reader
        if self.failure is not None:
            raise AssertionError("reading this connection failed") from self.failure

"""What reaches the app at all: slow or idle connections, host names we do not answer to,
and Origins that differ in scheme."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from wire import LiveClient, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> float:
    """Seconds until the server closed the connection (EOF); fails after `seconds`."""
    started = time.monotonic()
    async with asyncio.timeout(seconds):
        while await reader.read(1024):
            pass
    return time.monotonic() - started


async def test_idle_and_trickling_connections_are_closed(server_factory):
    """A connection that sends nothing, one that trickles its request head a byte at a time,
    and one that trickles its body are all closed after DRAAGVLAK_REQUEST_TIMEOUT; a hundred
    idle sockets do not keep the server from answering."""
    server = server_factory(request_timeout="1")
    opened: list[asyncio.StreamWriter] = []

    async def open_connection() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        opened.append(writer)
        return reader, writer

    async def trickle(writer: asyncio.StreamWriter) -> None:
        for byte in b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)

    try:
        idle = [await open_connection() for _ in range(100)]
        reader, writer = await open_connection()
        trickling = asyncio.create_task(trickle(writer))
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.get("/healthz")).json()["status"] == "ok"
        assert await closed_within(reader, 3) < 2.5
        trickling.cancel()
        await asyncio.gather(trickling, return_exceptions=True)
        for idle_reader, _ in idle:
            assert await closed_within(idle_reader, 3) < 2.5

        reader, writer = await open_connection()
        writer.write(
            b"POST /setup HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: en\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
            b"pack="
        )
        await writer.drain()
        reply = b""
        async with asyncio.timeout(3):
            while b"too long" not in reply and (chunk := await reader.read(1024)):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 408"), reply
        assert b"too long" in reply
    finally:
        for writer in opened:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def test_names_we_do_not_answer_to_are_refused(server_factory):
    """A page under another name (DNS rebinding) is refused, over HTTP and websocket; IP
    addresses, localhost and the configured names are served."""
    server = server_factory(allowed_hosts="draagvlak.school.example,*.scholen.example")
    fac = await open_session(server.url)
    port = server.port
    async with httpx.AsyncClient(base_url=server.url) as http:
        for host in ("evil.example", "draagvlak.school.example.evil.example", "scholen.example"):
            refused = await http.get("/", headers={"host": f"{host}:{port}"})
            assert refused.status_code == 400, host
            assert "DRAAGVLAK_ALLOWED_HOSTS" in refused.text
        for host in ("127.0.0.1", "localhost", "draagvlak.school.example", "a.scholen.example"):
            served = await http.get("/", headers={"host": f"{host}:{port}"})
            assert served.status_code == 200, host
    url = f"ws://127.0.0.1:{port}/s/{fac.session_id}/ws?view=console"
    with pytest.raises(InvalidStatus):
        await connect(
            url, additional_headers={"cookie": fac.cookie, "host": f"evil.example:{port}"}
        )
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    await console.wait_text('id="stage"')


async def test_the_public_url_host_is_allowed_without_further_setting(server_factory):
    """--public-url names the address phones use: that host is served without listing it."""
    server = server_factory(public_url="https://draagvlak.voorbeeldschool.example")
    async with httpx.AsyncClient(base_url=server.url) as http:
        host = {"host": "draagvlak.voorbeeldschool.example"}
        assert (await http.get("/", headers=host)).status_code == 200
        assert (await http.get("/", headers={"host": "other.example"})).status_code == 400


async def test_an_origin_over_another_scheme_is_not_ours(server):
    """https://our-host is another origin than http://our-host: its form posts are refused
    and its websockets closed."""
    fac = await open_session(server.url)
    host = f"127.0.0.1:{server.port}"
    async with httpx.AsyncClient(base_url=server.url) as http:
        form = {"pack": "core-values", "lang": "nl"}
        other = await http.post("/sessions", data=form, headers={"origin": f"https://{host}"})
        assert other.status_code == 403
        own = await http.post("/sessions", data=form, headers={"origin": f"http://{host}"})
        assert own.status_code == 303
    foreign = await LiveClient.connect(
        server.url, fac.session_id, "console", fac.cookie, origin=f"https://{host}"
    )
    await foreign.wait_for(lambda c: c.closed_code is not None)
    assert foreign.closed_code == 4403

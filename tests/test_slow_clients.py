"""One phone or screen that stops reading must never hold up anyone else."""

from __future__ import annotations

import asyncio
import base64
import os
import socket

import pytest

from wire import LiveClient, join, open_session

pytestmark = pytest.mark.usefixtures("close_live_clients")


def open_stuck_socket(port: int, path: str, cookie: str) -> socket.socket:
    """A websocket client that completes the handshake and then never reads again,
    with a tiny receive buffer so the server's writes back up quickly."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Cookie: {cookie}\r\n\r\n".encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1)
    assert response.startswith(b"HTTP/1.1 101"), response
    return sock


async def test_a_client_that_stops_reading_does_not_delay_the_others(server_factory):
    """Projector tabs that stop reading are dropped once their writes stall; the healthy
    projector, console and phones get every update without waiting for them."""
    server = server_factory(
        max_answers_per_prompt="1000",
        answers_per_minute="100000",
        send_timeout="1.0",
        outbox_limit="50",
    )
    fac = await open_session(server.url)
    console = await LiveClient.connect(server.url, fac.session_id, "console", fac.cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    phones = [
        await LiveClient.connect(
            server.url, fac.session_id, "phone", await join(server.url, fac.code)
        )
        for _ in range(4)
    ]
    long_text = ("Wij spreken elkaar aan op gedrag en niet op wie iemand is. " * 5)[:270]
    for round_ in range(75):
        statuses = await asyncio.gather(
            *(p.request("answer", text=f"{round_}-{i} {long_text}") for i, p in enumerate(phones))
        )
        assert statuses == ["ok"] * len(phones)

    stuck = [
        open_stuck_socket(server.port, f"/s/{fac.session_id}/ws?view=screen&lang=en", fac.cookie)
        for _ in range(3)
    ]
    watcher = await LiveClient.connect(
        server.url, fac.session_id, "screen", fac.cookie, max_size=None
    )
    # Each phase change sends every screen the whole wall (about 100 KB here): the stuck
    # sockets' buffers fill within a few rounds while the healthy clients keep up.
    for round_ in range(60):
        closing = round_ % 2 == 0
        seen = {client: len(client.frames) for client in (watcher, *phones)}
        assert (
            await console.request("close_answering" if closing else "open_prompt", prompt=0) == "ok"
        )
        marker = "answering closed" if closing else "Question 1 of 4\n"
        await watcher.wait_new_text(marker, seen[watcher], timeout=2.0)
        for phone in phones:
            expected = "Answering is closed." if closing else 'name="text"'
            await phone.wait_new_text(expected, seen[phone], timeout=2.0)

    await asyncio.sleep(1.5)
    assert server.log.count("closing a screen connection that fell behind") == len(stuck)
    assert "closing a phone connection" not in server.log
    assert "closing a console connection" not in server.log
    for sock in stuck:
        sock.close()


async def test_a_connection_that_stops_answering_pings_is_closed(server_factory):
    """Half-open connections (a phone gone without closing) are found by pings: a client
    that reads but never answers a ping is disconnected within interval plus timeout."""
    server = server_factory(ping_interval="0.5", ping_timeout="0.5")
    fac = await open_session(server.url)
    silent = open_stuck_socket(
        server.port, f"/s/{fac.session_id}/ws?view=screen&lang=en", fac.cookie
    )
    silent.settimeout(0.2)
    deadline = asyncio.get_running_loop().time() + 10
    closed = False
    while asyncio.get_running_loop().time() < deadline and not closed:
        try:
            closed = silent.recv(65536) == b""  # reads frames, never sends a pong
        except TimeoutError:
            await asyncio.sleep(0.05)
        except ConnectionResetError:
            closed = True
    silent.close()
    assert closed

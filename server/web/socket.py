"""The websocket endpoint: who is connecting, then read commands and write frames.

Reading runs as a task; frames leave through the connection's Outbox, whose writer task
finishes the writes that must wait. When the connection falls behind or a write stalls,
the socket is closed with 1013 so the browser reconnects and receives the full state
again, while every other connection carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..live.hub import Closed, Frame, Lagging, Outbox
from ..live.presence import Client
from ..live.session import LiveSession, NotAdmitted
from .clients import identify, locale_of, take_message, view_of
from .guards import is_own_origin
from .limits import Limiter
from .network import join_base_url

log = logging.getLogger("draagvlak.socket")

# Close codes in the 4000 range mean "do not retry": htmx only reconnects on 1001,
# 1005, 1006 and 1011-1014.
CLOSE_NOT_FOUND = 4404
CLOSE_FORBIDDEN = 4403
CLOSE_TRY_AGAIN = 1013
CLOSE_FULL = 4429
CLOSE_LOCKED = 4423

PING = "ping"
HEARTBEAT = Frame('<template id="heartbeat" hx-swap-oob="true"></template>', "heartbeat")


async def refuse(websocket: WebSocket, code: int) -> None:
    """Accept, then close with a reason code: a refused handshake looks like a network
    failure to the browser, which would keep retrying."""
    await websocket.accept()
    await websocket.close(code)


def is_same_origin(websocket: WebSocket) -> bool:
    """Browsers always send Origin on a websocket handshake; other clients may omit it."""
    return is_own_origin(dict(websocket.headers), websocket.url.scheme)


def base_url_of(websocket: WebSocket) -> str:
    scheme = "https" if websocket.url.scheme == "wss" else "http"
    settings = websocket.app.state.settings
    request_base = f"{scheme}://{websocket.headers.get('host', '')}"
    return join_base_url(settings.public_url, request_base, settings.host)


class LiveSocketApp:
    """The endpoint as a plain ASGI app, so that frames go to the server's `send` as they
    are: a broadcast is a thousand sends, and Starlette's checks per message cost more
    than the frame (bench/README.md). Everything else goes through Starlette's WebSocket."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await live_socket(WebSocket(scope, receive=receive, send=send), text_sender(send))


def text_sender(send: Send) -> Callable[[str], Coroutine[Any, Any, None]]:
    def send_text(text: str) -> Coroutine[Any, Any, None]:
        # ASGI types it Awaitable; every server and middleware gives a coroutine function.
        return send({"type": "websocket.send", "text": text})  # type: ignore[return-value]

    return send_text


async def live_socket(
    websocket: WebSocket, send_text: Callable[[str], Coroutine[Any, Any, None]]
) -> None:
    state = websocket.app.state
    session_id = websocket.path_params["session_id"]
    view = view_of(websocket)
    if view is None:
        await refuse(websocket, CLOSE_NOT_FOUND)
        return
    if not is_same_origin(websocket):
        await refuse(websocket, CLOSE_FORBIDDEN)
        return
    live = await state.sessions.get(session_id, state.settings.public_url or base_url_of(websocket))
    if live is None:
        await refuse(websocket, CLOSE_NOT_FOUND)
        return
    actor = identify(websocket, live, view, state.signer)
    if actor is None:
        await refuse(websocket, CLOSE_FORBIDDEN)
        return
    locale = locale_of(websocket)

    await websocket.accept()
    settings = state.settings
    outbox = Outbox(send_text, limit=settings.outbox_limit, timeout=settings.send_timeout)
    client = Client(view, locale, actor, outbox)
    try:
        await live.connect(client)
    except NotAdmitted as refusal:
        await websocket.close(CLOSE_LOCKED if refusal.reason == "locked" else CLOSE_FULL)
        return
    answers = state.answers
    reader = asyncio.create_task(
        read_commands(websocket, live, client, settings.max_message_bytes, answers)
    )
    writer = asyncio.create_task(outbox.run())
    try:
        done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        ended = writer.exception() if writer in done else None
        if isinstance(ended, Lagging):
            log.info("session %s: closing a %s connection that fell behind", live.id, view.value)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(websocket.close(CLOSE_TRY_AGAIN), 1.0)
        elif isinstance(ended, Closed):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(websocket.close(ended.code), 1.0)
        for task in done:
            error = task.exception()
            # A send that races a close the websocket layer made itself (an oversized frame,
            # a vanished phone) just ends this connection.
            ended_by_peer = (WebSocketDisconnect, OSError, RuntimeError)
            if error is not None and not isinstance(error, (Lagging, Closed, *ended_by_peer)):
                raise error
    finally:
        live.disconnect(client)
        for task in (reader, writer):
            task.cancel()
        await asyncio.gather(reader, writer, return_exceptions=True)


async def read_commands(
    websocket: WebSocket, live: LiveSession, client: Client, max_bytes: int, answers: Limiter
) -> None:
    while True:
        incoming = await websocket.receive()
        if incoming["type"] == "websocket.disconnect":
            return
        raw = incoming.get("text")
        if raw is None:
            raw = incoming.get("bytes") or b""
        if raw == PING:
            # The browser cannot see the server's pings: the phone asks when it has heard
            # nothing for a while, and any answer shows the connection still lives.
            client.outbox.put([HEARTBEAT])
            continue
        await take_message(live, client, raw, max_bytes, answers)

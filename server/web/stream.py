"""The second way out, for school networks that block websockets: server-sent events carry
the same frames down, form posts carry the same messages up.

`GET /s/{id}/events` is one stream per page. It starts with a `hello` event naming the
stream, then the full state, then every update, as the websocket would send them; a
`ping` event every few seconds lets the page see that the stream lives, and an `end`
event with a websocket close code says why the server ended it. `POST /s/{id}/send`
carries one message, naming its stream: the message goes through the same write path
and its receipt comes back on the stream, so both doors behave the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from ..live.hub import Closed, Lagging, Outbox
from ..live.presence import Client
from ..live.session import LiveSession, NotAdmitted
from .clients import identify, locale_of, take_message, view_of
from .network import join_base_url
from .socket import CLOSE_FORBIDDEN, CLOSE_FULL, CLOSE_LOCKED, CLOSE_NOT_FOUND

log = logging.getLogger("draagvlak.stream")

# Seconds between pings: the page counts the stream as lost after a few missed ones.
PING_SECONDS = 3.0
# How long EventSource waits before it reconnects by itself, in milliseconds.
RETRY_MS = 1000

HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    # nginx would otherwise hold the events back in its buffer.
    (b"x-accel-buffering", b"no"),
]

Write = Callable[[bytes], Coroutine[Any, Any, None]]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def event(data: str, name: str = "") -> bytes:
    """One server-sent event; every line of `data` gets its own `data:` field."""
    head = f"event: {name}\n" if name else ""
    lines = "".join(f"data: {line}\n" for line in _LINE_BREAK.split(data))
    return f"{head}{lines}\n".encode()


@dataclass(eq=False)
class Stream:
    """An open event stream: the posts that name it are that connection's messages."""

    live: LiveSession
    client: Client


class LiveStreamApp:
    """`GET /s/{session_id}/events?view=phone&lang=nl`, as a plain ASGI app: the body is
    written for as long as the page listens."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = HTTPConnection(scope, receive)
        state = connection.app.state
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})

        async def write(data: bytes) -> None:
            await send({"type": "http.response.body", "body": data, "more_body": True})

        try:
            live, admitted = await _admit(connection, write)
            if live is None or isinstance(admitted, int):
                await write(event(str(admitted), "end"))
                return
            await _serve(live, admitted, receive, write, state.streams)
        except OSError:
            pass  # the page went away while we wrote
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _admit(
    connection: HTTPConnection, write: Write
) -> tuple[LiveSession | None, Client | int]:
    """The session and this stream's client, or the close code that refuses it."""
    state = connection.app.state
    settings = state.settings
    view = view_of(connection)
    if view is None:
        return None, CLOSE_NOT_FOUND
    request_base = f"{connection.url.scheme}://{connection.headers.get('host', '')}"
    base_url = join_base_url(settings.public_url, request_base, settings.host)
    live = await state.sessions.get(connection.path_params["session_id"], base_url)
    if live is None:
        return None, CLOSE_NOT_FOUND
    actor = identify(connection, live, view, state.signer)
    if actor is None:
        return live, CLOSE_FORBIDDEN

    def send_text(text: str) -> Coroutine[Any, Any, None]:
        return write(event(text))

    outbox = Outbox(send_text, limit=settings.outbox_limit, timeout=settings.send_timeout)
    return live, Client(view, locale_of(connection), actor, outbox, is_fallback=True)


async def _serve(
    live: LiveSession, client: Client, receive: Receive, write: Write, streams: dict[str, Stream]
) -> None:
    name = secrets.token_urlsafe(16)
    await write(f"retry: {RETRY_MS}\n".encode() + event(name, "hello"))
    try:
        await live.connect(client)
    except NotAdmitted as refusal:
        await write(event(str(CLOSE_LOCKED if refusal.reason == "locked" else CLOSE_FULL), "end"))
        return
    streams[name] = Stream(live, client)
    tasks = [
        asyncio.create_task(client.outbox.run()),
        asyncio.create_task(_until_gone(receive)),
        asyncio.create_task(_ping(write)),
    ]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        ended = tasks[0].exception() if tasks[0] in done else None
        if isinstance(ended, Closed):
            await write(event(str(ended.code), "end"))
        elif isinstance(ended, Lagging):
            # Ending the stream is enough: EventSource comes back and gets the full state.
            log.info("session %s: ending a stream that fell behind", live.id)
    finally:
        streams.pop(name, None)
        live.disconnect(client)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _until_gone(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _ping(write: Write) -> None:
    while True:
        await asyncio.sleep(PING_SECONDS)
        await write(event("", "ping"))


async def send_message(request: Request) -> Response:
    """`POST /s/{session_id}/send?stream=NAME`: one message, as the websocket carries it.
    202: handed to the session, its receipt follows on the stream. 409: no such stream
    (it ended): send again once the stream has said hello."""
    state = request.app.state
    stream = state.streams.get(request.query_params.get("stream", ""))
    if stream is None or stream.live.id != request.path_params["session_id"]:
        return PlainTextResponse("stream_gone", status_code=409)
    client = stream.client
    if identify(request, stream.live, client.view, state.signer) != client.actor:
        return PlainTextResponse("forbidden", status_code=403)
    body = await request.body()
    await take_message(stream.live, client, body, state.settings.max_message_bytes, state.answers)
    return Response(status_code=202)

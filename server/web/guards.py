"""Guards at the door: the host asked for, request size and time, cross-site form posts.

Rate limits have a module of their own (limits.py): with several processes they are
counted in Redis.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..screens.i18n import N_, Translator, pick_locale

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# What a refused request is told, in the language of whoever sent it.
REFUSALS = {
    400: N_(
        "This server does not answer to that address: ask its administrator to add it to"
        " DRAAGVLAK_ALLOWED_HOSTS."
    ),
    403: N_(
        "This form was sent from another site, so it was not accepted. Open the page on"
        " this server and try again."
    ),
    408: N_("That took too long to send. Check the connection and try again."),
    413: N_("That is too much to send at once."),
}


class RequestGuard:
    """Refuses names we do not answer to (400; a websocket is closed), HTTP bodies over
    `max_body` bytes (413) or slower than `timeout` seconds (408), and form posts from
    other sites (403).

    A browser always sends Origin with a cross-site POST, so an Origin that is not ours is
    refused; clients that send none (scripts, tests) cannot be tricked into posting.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body: int,
        hosts: AllowedHosts,
        translators: dict[str, Translator],
        timeout: float = 10.0,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.hosts = hosts
        self.translators = translators
        self.timeout = timeout

    def refusal(self, scope: Scope, status: int) -> PlainTextResponse:
        connection = HTTPConnection(scope)
        locale = pick_locale(
            connection.cookies.get("dv_lang"), connection.headers.get("accept-language")
        )
        return PlainTextResponse(self.translators[locale].gettext(REFUSALS[status]), status)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("host", "") not in self.hosts:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 4400})
                return
            await self.refusal(scope, 400)(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in UNSAFE_METHODS and not is_own_origin(headers, scope["scheme"]):
            await self.refusal(scope, 403)(scope, receive, send)
            return
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > self.max_body:
            await self.refusal(scope, 413)(scope, receive, send)
            return
        try:
            await self.app(scope, self._limited(receive), send)
        except BodyTooLarge:
            await self.refusal(scope, 413)(scope, receive, send)
        except BodyTooSlow:
            await self.refusal(scope, 408)(scope, receive, send)

    def _limited(self, receive: Receive) -> Receive:
        received = 0
        is_body_done = False
        deadline = time.monotonic() + self.timeout

        async def limited_receive() -> Message:
            nonlocal received, is_body_done
            if is_body_done:
                # After the body only the end of the connection can come: a stream of
                # events waits for it as long as the page listens.
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise BodyTooSlow() from None
            received += len(message.get("body", b""))
            if received > self.max_body:
                raise BodyTooLarge()
            is_body_done = message["type"] != "http.request" or not message.get("more_body")
            return message

        return limited_receive


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


def is_own_origin(headers: dict[str, str], scheme: str) -> bool:
    """No Origin (not a browser), or ours: the same host, over the same kind of connection."""
    origin = headers.get("origin")
    if origin is None:
        return True
    expected = "https" if scheme in ("https", "wss") else "http"
    parts = urlsplit(origin)
    return parts.scheme == expected and parts.netloc == headers.get("host", "")


class AllowedHosts:
    """The names in Host that this server answers to. IP addresses are always fine (a
    rebinding page reaches us under its own name, never under an address), and so are
    localhost, this machine's own name and the names configured."""

    def __init__(self, names: Iterable[str]) -> None:
        self.is_any = "*" in names
        self.names = {n.lower().rstrip(".") for n in names if n and n != "*"}

    @classmethod
    def from_settings(cls, allowed: str, public_url: str) -> AllowedHosts:
        machine = socket.gethostname().lower()
        names = [n.strip() for n in allowed.split(",")]
        return cls([*names, urlsplit(public_url).hostname or "", machine, f"{machine}.local"])

    def __contains__(self, host: object) -> bool:
        if not isinstance(host, str) or not host:
            return False
        name = host_name(host)
        if self.is_any or name in self.names or name == "localhost":
            return True
        if name.endswith(".localhost") or is_address(name):
            return True
        return any(n.startswith("*.") and name.endswith(n[1:]) for n in self.names)


def host_name(host: str) -> str:
    """The name in a Host header: "example.org:8000" gives "example.org", "[::1]:80" "::1"."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0].lower() if ":" in host else host.lower().rstrip(".")


def is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True

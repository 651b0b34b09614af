"""Guards at the door: request size, cross-site form posts, and rate limits.

All in memory and per process, like the memory hub; a shared store (Redis) can take them
over when the app runs on more than one process.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class RequestGuard:
    """Refuses HTTP bodies over `max_body` bytes (413) and form posts from other sites (403).

    A browser always sends Origin with a cross-site POST, so an Origin that is not ours is
    refused; clients that send none (scripts, tests) cannot be tricked into posting.
    """

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if scope["method"] in UNSAFE_METHODS and not is_own_origin(headers):
            refusal = PlainTextResponse("This form was sent from another site.", status_code=403)
            await refusal(scope, receive, send)
            return
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > self.max_body:
            await PlainTextResponse("That is too much to send.", status_code=413)(
                scope, receive, send
            )
            return
        try:
            await self.app(scope, self._limited(receive), send)
        except BodyTooLarge:
            await PlainTextResponse("That is too much to send.", status_code=413)(
                scope, receive, send
            )

    def _limited(self, receive: Receive) -> Receive:
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body:
                raise BodyTooLarge()
            return message

        return limited_receive


class BodyTooLarge(Exception):
    pass


def is_own_origin(headers: dict[str, str]) -> bool:
    origin = headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == headers.get("host", "")


class RateLimiter:
    """At most `limit` events per `window` seconds for each key, in a sliding window."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[str, deque[float]] = {}

    def retry_after(self, key: str) -> int:
        """0 when this event may happen now (and counts it), else seconds to wait."""
        wait = self.wait(key)
        if not wait:
            self.record(key)
        return wait

    def wait(self, key: str) -> int:
        """Seconds until the next event is allowed; 0 now. Counts nothing."""
        now = self.clock()
        events = self._events.get(key)
        if not events:
            return 0
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return max(1, math.ceil(events[0] + self.window - now))
        return 0

    def record(self, key: str) -> None:
        now = self.clock()
        self._events.setdefault(key, deque()).append(now)
        if len(self._events) > 100_000:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, e in self._events.items() if not e or e[-1] <= now - self.window]
        for key in idle:
            del self._events[key]

"""A deadline for each request's head: uvicorn has none, so a client that connects and sends
nothing, or trickles its headers a byte at a time, would hold a socket for ever.

The body has its own deadline in `guards.RequestGuard`; idle keep-alive connections are
closed by uvicorn itself (`timeout_keep_alive`).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol


def with_head_deadline(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request head takes longer."""

    class HeadDeadlineProtocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._start_deadline()

        def data_received(self, data: bytes) -> None:
            if self._deadline is None and (self.cycle is None or self.cycle.response_complete):
                self._start_deadline()  # the next request on a kept-alive connection
            scope = self.scope
            super().data_received(data)
            if self.scope is not scope:  # a whole head arrived (a request or an upgrade)
                self._cancel_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_deadline()
            super().connection_lost(exc)

        def _start_deadline(self) -> None:
            self._deadline = self.loop.call_later(seconds, self._head_too_slow)

        def _cancel_deadline(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _head_too_slow(self) -> None:
            self._deadline = None
            if self.transport.get_protocol() is self and not self.transport.is_closing():
                self.transport.close()

    return HeadDeadlineProtocol

"""One sign-in at a provider, from the redirect there to the way back: what Authlib keeps
between the two (state, nonce, PKCE verifier, redirect URI) and what we add (link or sign
in, where to go after), in a short-lived cookie that only this server can have signed.

Nothing of it is stored on the server, so any process can finish a flow another began.
A flow is finished once: its state is remembered as used until the cookie would expire.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

FLOW_COOKIE = "dv_oidc"
FLOW_SECONDS = 600  # ten minutes to sign in at the school's provider, then start again


@dataclass
class Flow:
    provider: str
    intent: str  # "signin" or "link"
    to: str = "/start"
    session: dict[str, Any] = field(default_factory=dict)  # Authlib's state data
    started: float = field(default_factory=time.time)

    @property
    def states(self) -> list[str]:
        prefix = f"_state_{self.provider}_"
        return [key.removeprefix(prefix) for key in self.session if key.startswith(prefix)]


class FlowKeeper:
    """Signs and reads flow cookies with the installation's key; remembers used states
    (per process, for as long as a flow lives: the provider refuses a used code anyway)."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._used: dict[str, float] = {}

    def _mac(self, body: bytes) -> str:
        digest = hmac.new(self._key, b"oidc-flow:" + body, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def write(self, request: Request, response: Response, flow: Flow) -> None:
        data = [flow.provider, flow.intent, flow.to, flow.session, flow.started]
        body = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
        response.set_cookie(
            FLOW_COOKIE,
            f"{body.decode()}.{self._mac(body)}",
            max_age=FLOW_SECONDS,
            path="/signin/oidc",
            httponly=True,
            # Lax: the provider's redirect back is a top-level GET, which carries it.
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def read(self, request: Request, provider: str) -> Flow | None:
        """The flow this browser started with this provider, signed by us and not expired
        or finished; None otherwise."""
        raw = request.cookies.get(FLOW_COOKIE, "")
        body, _, mac = raw.partition(".")
        if not body or len(raw) > 4096 or not hmac.compare_digest(mac, self._mac(body.encode())):
            return None
        try:
            pid, intent, to, session, started = json.loads(base64.urlsafe_b64decode(body))
        except (ValueError, TypeError):
            return None
        flow = Flow(str(pid), str(intent), str(to), dict(session), float(started))
        if flow.provider != provider or time.time() - flow.started > FLOW_SECONDS:
            return None
        if any(state in self._used for state in flow.states):
            return None
        return flow

    def finish(self, response: Response, states: list[str]) -> None:
        """The flow is over, however it went: its states are never accepted again."""
        now = time.time()
        self._used = {s: t for s, t in self._used.items() if t > now}
        for state in states:
            self._used[state] = now + FLOW_SECONDS
        response.delete_cookie(FLOW_COOKIE, path="/signin/oidc")

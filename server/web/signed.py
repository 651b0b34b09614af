"""Who is signed in: the facilitator's account behind the sign-in cookie, and the team
they work in now. Read by every page that belongs to a team."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from urllib.parse import quote

from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response

from ..rules.records import Account, Team

LOGIN_COOKIE = "dv_login"
TEAM_COOKIE = "dv_team"


def token_hash(token: str) -> str:
    return hashlib.sha256(f"login:{token}".encode()).hexdigest()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def current_account(connection: HTTPConnection) -> Account | None:
    """The signed-in facilitator, read once per request."""
    if "account" not in connection.scope.setdefault("state", {}):
        token = connection.cookies.get(LOGIN_COOKIE, "")
        store = connection.app.state.store
        found = await store.account_for_login(token_hash(token), utc_now()) if token else None
        connection.scope["state"]["account"] = found
    account: Account | None = connection.scope["state"]["account"]
    return account


async def current_team(connection: HTTPConnection) -> Team | None:
    """The team the facilitator chose (a cookie), else their first; None when signed out."""
    account = await current_account(connection)
    if account is None or not account.teams:
        return None
    chosen = connection.cookies.get(TEAM_COOKIE)
    return next((t for t in account.teams if t.id == chosen), account.teams[0])


async def sign_in_first(connection: HTTPConnection) -> RedirectResponse:
    """Where someone without a team goes: the first account on a fresh server, else
    signing in, back to where they were."""
    if await connection.app.state.store.account_count() == 0:
        return RedirectResponse("/setup", status_code=303)
    back = quote(connection.url.path + (f"?{connection.url.query}" if connection.url.query else ""))
    return RedirectResponse(f"/signin?next={back}", status_code=303)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )

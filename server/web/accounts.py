"""Facilitators' accounts: the first account on a fresh server, signing in and out,
changing a password, choosing a team, and what admins do: make teams and hand out invite
links (no mail server).

Participants never sign in. Errors never say whether an e-mail address has an account.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..rules.records import Team
from ..store import EmailTaken
from . import auth
from .limits import Limiter, LimitsUnavailable, WhenDown
from .pages import page
from .passwords import hash_password, is_password, weakness
from .signed import (
    LOGIN_COOKIE,
    TEAM_COOKIE,
    current_account,
    current_team,
    set_cookie,
    sign_in_first,
    token_hash,
    utc_now,
)

LOGIN_DAYS = 14
INVITE_DAYS = 7
TEAM_NAME_LENGTH = 80
# Five tries per address and twenty per network address in ten minutes, then a pause:
# enough for typos, far too few to guess a password.
SIGN_IN_TRIES = (5, 20, 600.0)


def later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")


def is_email(text: str) -> bool:
    name, at, domain = text.partition("@")
    return bool(name and at and "." in domain and " " not in text and len(text) <= 254)


async def start_signed_in(request: Request, account_id: str, to: str) -> Response:
    token = secrets.token_urlsafe(32)
    await request.app.state.store.add_login(token_hash(token), account_id, later(LOGIN_DAYS))
    response = RedirectResponse(
        to if to.startswith("/") and not to.startswith("//") else "/start", 303
    )
    set_cookie(request, response, LOGIN_COOKIE, token, max_age=LOGIN_DAYS * 24 * 3600)
    return response


def limiters(request: Request) -> tuple[Limiter, Limiter]:
    """Shared by every process; while they cannot be counted, nobody signs in with a
    password (limits.WhenDown says why)."""
    state = request.app.state
    if not hasattr(state, "sign_in_limits"):
        per_email, per_address, window = SIGN_IN_TRIES
        make = state.rate_limits.limiter
        state.sign_in_limits = (
            make("sign_in_email", per_email, window, WhenDown.REFUSE),
            make("sign_in_address", per_address, window, WhenDown.REFUSE),
        )
    found: tuple[Limiter, Limiter] = state.sign_in_limits
    return found


# First run ---------------------------------------------------------------------------------


async def setup_page(request: Request) -> Response:
    """On a fresh server: the first account, who is its admin, and the school's team."""
    store = request.app.state.store
    if await store.account_count() > 0:
        return RedirectResponse("/signin", status_code=303)
    if request.method == "GET":
        return page(request, "setup.html", form={}, error="")
    form = await request.form()
    email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
    team_name = " ".join(str(form.get("team", "")).split())[:TEAM_NAME_LENGTH]
    error = account_error(email, password, str(form.get("again", "")), team_name or "-")
    if not team_name:
        error = error or "team_empty"
    if error:
        return page(request, "setup.html", status=400, form=form, error=error)
    created = utc_now()
    team = Team(auth.new_session_id(), team_name, created)
    account_id = auth.new_session_id()
    try:
        await store.create_account(
            account_id, email, hash_password(password), True, created, team, is_new_team=True
        )
    except EmailTaken:
        return RedirectResponse("/signin", status_code=303)
    return await start_signed_in(request, account_id, "/start")


async def passwords_open(request: Request) -> bool:
    """Whether e-mail and password sign in. An operator may turn them off once the school's
    accounts work (docs/deploy.md), but they stay on while no admin can sign in with a
    school account of a configured provider: nobody is ever locked out."""
    options = request.app.state.sign_in
    if options.local_accounts:
        return True
    configured = [p.id for p in options.providers]
    return bool(await request.app.state.store.linked_admin_count(configured) == 0)


def account_error(email: str, password: str, again: str, team: str) -> str:
    if not is_email(email):
        return "email_invalid"
    if password != again:
        return "password_mismatch"
    return weakness(password, email)


# Signing in and out --------------------------------------------------------------------


async def signin_page(request: Request) -> Response:
    store = request.app.state.store
    if await store.account_count() == 0:
        return RedirectResponse("/setup", status_code=303)
    to = request.query_params.get("next", "/start")
    shown = {"providers": request.app.state.sign_in.providers,
             "passwords": await passwords_open(request)}  # fmt: skip
    if request.method == "GET":
        return page(request, "signin.html", email="", to=to, error="", **shown)
    form = await request.form()
    email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
    to = str(form.get("next", to))
    if not shown["passwords"]:
        return page(request, "signin.html", status=403, email="", to=to, error="passwords_off",
                    **shown)  # fmt: skip
    per_email, per_address = limiters(request)
    address = request.client.host if request.client else "?"
    try:
        wait = max(await per_email.wait(email.lower()), await per_address.wait(address))
        if wait:
            return page(request, "signin.html", status=429, email=email, to=to,
                        error="slow_down", seconds=wait, **shown)  # fmt: skip
        found = await store.credentials(email)
        if found is None or not is_password(password, found[1]):
            await per_email.record(email.lower())
            await per_address.record(address)
            return page(request, "signin.html", status=400, email=email, to=to, error="wrong",
                        **shown)  # fmt: skip
    except LimitsUnavailable:
        return page(request, "signin.html", status=503, email=email, to=to,
                    error="limits_down", **shown)  # fmt: skip
    return await start_signed_in(request, found[0], to)


async def signout(request: Request) -> Response:
    token = request.cookies.get(LOGIN_COOKIE)
    if token:
        await request.app.state.store.remove_login(token_hash(token))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(LOGIN_COOKIE)
    return response


# The account page: password, team, invites ----------------------------------------------


async def account_page(request: Request, status: int | None = None, **shown: Any) -> Response:
    """The account, its teams (with their facilitators, for an admin) and its forms."""
    account = await current_account(request)
    if account is None:
        return await sign_in_first(request)
    team = await current_team(request)
    store = request.app.state.store
    members = {t.id: await store.team_members(t.id) for t in account.teams if account.is_admin}
    requests = {t.id: await store.pending_sign_ins(t.id) for t in account.teams if account.is_admin}
    shown.setdefault("providers", request.app.state.sign_in.providers)
    shown.setdefault("linked", await store.linked_providers(account.id))
    shown.setdefault("request_linked", request.query_params.get("linked") == "1")
    shown.setdefault("answered", request.query_params.get("answered", ""))
    made = request.query_params.get("made")
    shown.setdefault("made", next((t for t in account.teams if t.id == made), None))
    if status is None:
        status = 400 if shown.get("error") or shown.get("team_error") else 200
    return page(request, "account.html", status=status, account=account, team=team,
                members=members, requests=requests, **shown)  # fmt: skip


async def change_password(request: Request) -> Response:
    account = await current_account(request)
    if account is None:
        return await sign_in_first(request)
    form = await request.form()
    store = request.app.state.store
    found = await store.credentials(account.email)
    if found is None or not is_password(str(form.get("current", "")), found[1]):
        return await account_page(request, error="wrong_current")
    new = str(form.get("password", ""))
    error = account_error(account.email, new, str(form.get("again", "")), "-")
    if error:
        return await account_page(request, error=error)
    await store.set_password(account.id, hash_password(new))  # signs every device out
    return await start_signed_in(request, account.id, "/account?changed=1")


async def choose_team(request: Request) -> Response:
    account = await current_account(request)
    if account is None:
        return await sign_in_first(request)
    chosen = str((await request.form()).get("team", ""))
    if chosen not in {t.id for t in account.teams}:
        return await account_page(request, error="not_your_team")
    response = RedirectResponse("/start", status_code=303)
    set_cookie(request, response, TEAM_COOKIE, chosen, max_age=365 * 24 * 3600)
    return response


async def make_team(request: Request) -> Response:
    """An admin makes a team (a school, or a team within one) and becomes its member."""
    account = await current_account(request)
    if account is None:
        return await sign_in_first(request)
    if not account.is_admin:
        return await account_page(request, status=403, team_error="admins_only_teams")
    name = " ".join(str((await request.form()).get("name", "")).split())
    error = "team_empty" if not name else "team_long" if len(name) > TEAM_NAME_LENGTH else ""
    team = Team(auth.new_session_id(), name, utc_now())
    if not error and not await request.app.state.store.create_team(team, account.id):
        error = "team_taken"
    if error:
        return await account_page(request, team_error=error, team_name=name)
    response = RedirectResponse(f"/account?made={team.id}#teams-title", status_code=303)
    current = await current_team(request)
    if current is not None:  # a new team first by name must not become the current one
        set_cookie(request, response, TEAM_COOKIE, current.id, max_age=365 * 24 * 3600)
    return response


async def make_invite(request: Request) -> Response:
    """An admin's link for a new facilitator of one of their teams (the current one unless
    the form names another), valid for a week."""
    account = await current_account(request)
    team = await current_team(request)
    if account is None or team is None:
        return await sign_in_first(request)
    if not account.is_admin:
        return await account_page(request, error="admins_only")
    form = await request.form()
    chosen = str(form.get("team", team.id))
    team = next((t for t in account.teams if t.id == chosen), None)
    if team is None:
        return await account_page(request, error="not_your_team")
    token = secrets.token_urlsafe(24)
    await request.app.state.store.add_invite(
        token_hash(token), team.id, form.get("admin") == "1", later(INVITE_DAYS)
    )
    link = f"{request.url.scheme}://{request.url.netloc}/invite/{token}"
    return await account_page(request, invite_link=link, invite_team=team)


async def invite_page(request: Request) -> Response:
    """Joining a team by an admin's link: a new account, or, signed in, the team added."""
    token = request.path_params["token"]
    store = request.app.state.store
    invite = await store.open_invite(token_hash(token), utc_now())
    if invite is None:
        return page(request, "invite.html", status=404, team=None, form={}, error="invite_gone")
    team, is_admin = invite
    account = await current_account(request)
    if account is None and not await passwords_open(request):
        # No new passwords: the colleague signs in with the school's account, then comes back.
        return RedirectResponse(f"/signin?next=/invite/{token}", status_code=303)
    if request.method == "GET":
        return page(request, "invite.html", team=team, account=account, form={}, error="")
    form = await request.form()
    email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
    if account is None:
        # The form is checked before the link is used: a typo does not spend the invite.
        error = account_error(email, password, str(form.get("again", "")), team.name)
        if not error and await store.credentials(email) is not None:
            error = "email_taken"
        if error:
            return page(request, "invite.html", status=400, team=team, account=None, form=form,
                        error=error)  # fmt: skip
    if not await store.use_invite(token_hash(token), utc_now()):
        return page(request, "invite.html", status=404, team=None, form={}, error="invite_gone")
    if account is not None:
        await store.join_team(account.id, team.id)
        response = RedirectResponse("/start", status_code=303)
        set_cookie(request, response, TEAM_COOKIE, team.id, max_age=365 * 24 * 3600)
        return response
    account_id = auth.new_session_id()
    try:
        await store.create_account(
            account_id, email, hash_password(password), is_admin, utc_now(), team, False
        )
    except EmailTaken:  # taken in the moment between the check and now
        return page(request, "invite.html", status=400, team=None, form=form, error="email_taken")
    return await start_signed_in(request, account_id, "/start")

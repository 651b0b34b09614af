"""An admin's answer to someone who signed in with their school's account and waits to
join the team (approval mode, docs/deploy.md): let them in, or refuse and forget them."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..store import EmailTaken
from . import auth
from .accounts import account_page
from .signed import current_account, sign_in_first

log = logging.getLogger("draagvlak.oidc")


async def answer(request: Request) -> Response:
    """POST /account/requests/{id}/approve|refuse, with the team the request is for: only
    an admin who is a member of that team answers it."""
    account = await current_account(request)
    if account is None:
        return await sign_in_first(request)
    verdict = request.path_params["answer"]
    team_id = str((await request.form()).get("team", ""))
    if verdict not in ("approve", "refuse"):
        return await account_page(request, status=404, error="request_gone")
    if not account.is_admin or team_id not in {t.id for t in account.teams}:
        return await account_page(request, status=403, error="admins_only_requests")
    store = request.app.state.store
    pending_id = request.path_params["pending_id"]
    try:
        if verdict == "approve":
            done = await store.approve_sign_in(team_id, pending_id, auth.new_session_id())
        else:
            done = await store.refuse_sign_in(team_id, pending_id)
    except EmailTaken:
        return await account_page(request, error="request_email_taken")
    if not done:
        return await account_page(request, status=404, error="request_gone")
    log.info("school sign-in request answered: %s", verdict)
    return RedirectResponse(f"/account?answered={verdict}#requests-title", status_code=303)

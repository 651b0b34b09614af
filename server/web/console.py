"""The session leader's pages: the console and the projector, opened with the session's
secret (the private link) or by a signed-in facilitator of the session's team; keeping a
session's questions as a topic, and deleting a session."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..live.session import LiveSession
from ..packs import PackError, read_title
from . import auth
from .network import unreachable_reason
from .pages import base_url, page, save_pack
from .signed import current_team, set_cookie


async def facilitated(request: Request) -> tuple[LiveSession | None, Response | None]:
    """The running session if this browser holds its facilitator secret, else a response."""
    session_id = request.path_params["session_id"]
    live = await request.app.state.sessions.get(session_id, base_url(request))
    if live is None:
        return None, page(request, "forbidden.html", status=404, reason="not_found")
    signer = request.app.state.signer
    key = request.query_params.get("key")
    if key is not None:
        if not signer.is_facilitator(live.id, key, live.record.facilitator_hash):
            return None, page(request, "forbidden.html", status=403, reason="bad_key")
        response = RedirectResponse(request.url.path, status_code=303)
        set_cookie(request, response, auth.facilitator_cookie(live.id), key, max_age=30 * 24 * 3600)
        return None, response
    secret = request.cookies.get(auth.facilitator_cookie(live.id))
    if not signer.is_facilitator(live.id, secret, live.record.facilitator_hash):
        # A facilitator of the session's team, signed in on any device, is let in too.
        team = await current_team(request)
        if team is None or team.id != live.record.team_id:
            return None, page(request, "forbidden.html", status=403, reason="not_facilitator")
        response = RedirectResponse(request.url.path, status_code=303)
        console_pass = signer.console_pass(live.id)
        set_cookie(
            request, response, auth.facilitator_cookie(live.id), console_pass, 30 * 24 * 3600
        )
        return None, response
    if not request.app.state.settings.public_url:
        live.base_url = base_url(request)
    return live, None


async def console_page(request: Request, save_error: str = "") -> Response:
    live, refusal = await facilitated(request)
    if live is None:
        return refusal  # type: ignore[return-value]
    secret = request.cookies.get(auth.facilitator_cookie(live.id), "")
    private_link = f"{base_url(request)}/s/{live.id}/console?key={secret}"
    return page(
        request,
        "console.html",
        **live.context(),
        private_link=private_link,
        unreachable=unreachable_reason(base_url(request), request.app.state.settings.host),
        save_error=save_error,
        is_saved=bool(request.query_params.get("saved")),
        share_link=share_link_of(request),
        revoked=bool(request.query_params.get("revoked")),
        status=400 if save_error else 200,
    )


async def save_console_pack(request: Request) -> Response:
    """Keeps this session's questions as a topic on the start page, for next time."""
    live, refusal = await facilitated(request)
    if live is None:
        return refusal  # type: ignore[return-value]
    form = await request.form()
    try:
        title = read_title(str(form.get("title", "")))
    except PackError as error:
        return await console_page(request, save_error=str(error))
    pack = await save_pack(
        request, title, live.state.prompts, live.record.lang, live.record.team_id
    )
    return RedirectResponse(f"{request.url.path.rsplit('/', 1)[0]}/console?saved={pack.id}", 303)


async def delete_session(request: Request) -> Response:
    """The facilitator deletes the whole session at once: answers, votes, outcome, links."""
    live, refusal = await facilitated(request)
    if live is None:
        return refusal  # type: ignore[return-value]
    form = await request.form()
    if form.get("confirm") != "delete":
        return RedirectResponse(f"/s/{live.id}/console", status_code=303)
    await request.app.state.store.delete_session(live.id)
    await request.app.state.sessions.forget(live.id)
    response = page(request, "forbidden.html", reason="deleted")
    response.delete_cookie(auth.facilitator_cookie(live.id))
    return response


def share_link_of(request: Request) -> str:
    token = request.query_params.get("share", "")
    return (
        f"{base_url(request)}/r/{token}"
        if token.replace("-", "").replace("_", "").isalnum()
        else ""
    )


async def screen_page(request: Request) -> Response:
    live, refusal = await facilitated(request)
    if live is None:
        return refusal  # type: ignore[return-value]
    # The projector speaks the session's language throughout, whatever the laptop's is:
    # its live parts do, so its own words (the connection state) must too.
    return page(request, "screen.html", locale=live.record.lang, **live.context(), qr=live.qr)

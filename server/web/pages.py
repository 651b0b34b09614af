"""The HTTP pages: join, start a session, the facilitator's console and the projector."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ..live.presence import View
from ..packs import (
    MAX_TITLE_LENGTH,
    Pack,
    PackError,
    own_pack,
    read_own_questions,
    read_title,
)
from ..rules.records import SavedPack, Team
from ..rules.state import Phase, Reveal
from ..rules.voting import items as vote_items
from ..screens.i18n import LOCALES, pick_locale
from . import auth
from .clients import identify
from .network import join_base_url
from .opening import EVALUATION_PACK, built_on, open_session, pack_settings
from .signed import current_account, current_team, set_cookie, sign_in_first, utc_now

log = logging.getLogger("draagvlak.health")

LANG_COOKIE = "dv_lang"
YEAR = 365 * 24 * 3600


def request_locale(request: Request) -> str:
    return pick_locale(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def base_url(request: Request) -> str:
    """The address phones use; the laptop's network address when its browser is on
    127.0.0.1 (network.join_base_url)."""
    settings = request.app.state.settings
    return join_base_url(settings.public_url, str(request.base_url), settings.host)


def page(
    request: Request, template: str, status: int = 200, locale: str | None = None, **context: Any
) -> HTMLResponse:
    """A whole page, in the visitor's language unless `locale` says otherwise."""
    locale = locale or request_locale(request)
    html = request.app.state.renderer.render(
        template, locale, path=request.url.path, oob=None, **context
    )
    return HTMLResponse(html, status_code=status)


# Participants -------------------------------------------------------------------------


async def join_page(request: Request) -> Response:
    raw = request.query_params.get("code")
    if raw is None:
        return page(request, "join.html", error=None, code="")
    found = await session_for_code(request, raw)
    if isinstance(found, Response):
        return found
    return RedirectResponse(f"/j/{auth.normalise_code(raw)}", status_code=303)


async def session_for_code(request: Request, raw: str) -> str | Response:
    """The open session with this code, or a page that says why not. Guessing codes is
    slowed down per address, counting distinct wrong codes (a school shares one address:
    a few typos must not lock out the room); the QR code's link and phones that joined
    before are never slowed down."""
    address = request.client.host if request.client else ""
    state = request.app.state
    wait = await state.joins.retry_after(address)
    code = auth.normalise_code(raw)
    session_id: str | None = None if wait else await state.store.session_id_for_code(code)
    if session_id is not None and is_expected(request, session_id):
        return session_id
    wait = wait or await state.failed_joins.wait(address)
    if wait:
        response = page(request, "join.html", status=429, error="too_many", code="", wait=wait)
        response.headers["retry-after"] = str(wait)
        return response
    if session_id is None:
        await state.failed_joins.record(address, tag=code)
        return page(request, "join.html", status=404, error="unknown_code", code=raw[:20])
    return session_id


def is_expected(request: Request, session_id: str) -> bool:
    """Came by the QR code (its key), or joined this session before (its token)."""
    signer: auth.Signer = request.app.state.signer
    token = request.cookies.get(auth.participant_cookie(session_id))
    return signer.is_join_key(
        session_id, request.query_params.get("k")
    ) or signer.is_participant_token(session_id, token)


async def phone_page(request: Request) -> Response:
    found = await session_for_code(request, request.path_params["code"])
    if isinstance(found, Response):
        return found
    live = await request.app.state.sessions.get(found, base_url(request))
    if live is None:
        return page(request, "join.html", status=404, error="unknown_code", code="")
    cookie = auth.participant_cookie(live.id)
    token = request.cookies.get(cookie)
    signer: auth.Signer = request.app.state.signer
    if not token or not signer.is_participant_token(live.id, token):
        token = signer.participant_token(live.id)
    pseudonym = auth.pseudonym_for(token)
    if refusal := live.refusal_for(pseudonym):
        return page(request, "join.html", status=403, error=refusal, code="")
    state = live.state
    response = page(
        request,
        "phone.html",
        **live.context(),
        mine=state.answers_by(pseudonym, state.prompt_index),
        me=pseudonym,
    )
    set_cookie(request, response, cookie, token, max_age=2 * 24 * 3600)
    return response


async def ballot_answers(request: Request) -> Response:
    """`GET /s/{session_id}/ballot/{item}`: the answers in one group of the ballot, fetched
    when a phone opens it. Sent with the ballot they would make every phone download every
    answer the moment voting opens: for a hall of 2,000 on one Wi-Fi, 90 KB each."""
    live = await request.app.state.sessions.get(request.path_params["session_id"])
    if live is None:
        return Response(status_code=404)
    signer: auth.Signer = request.app.state.signer
    participant = identify(request, live, View.PHONE, signer)
    if not (participant and participant.pseudonym in live.participants) and not identify(
        request, live, View.CONSOLE, signer
    ):
        return Response(status_code=403)
    state, key = live.state, request.path_params["item"]
    # Only while voting, and only a group: a loose answer is its own label.
    is_group = state.phase is Phase.VOTING and key.startswith("g")
    found = [i for i in vote_items(state, state.prompt_index) if i.key == key] if is_group else []
    if not found:
        return Response(status_code=404)
    html = request.app.state.renderer.render(
        "_ballot_answers.html", request_locale(request), answers=found[0].answers
    )
    return HTMLResponse(html, headers={"cache-control": "no-store"})


# Facilitator --------------------------------------------------------------------------


async def available_packs(request: Request, team_id: str | None) -> dict[str, Pack]:
    """The built-in packs, then the team's saved questions, newest first."""
    saved = await request.app.state.store.saved_packs(team_id)
    builtin: dict[str, Pack] = request.app.state.packs
    return builtin | {p.id: own_pack(p.title, p.prompts, p.id) for p in saved}


async def start_form(
    request: Request, team: Team, status: int = 200, error: str = "", form: object = None
) -> Response:
    store = request.app.state.store
    return page(
        request,
        "start.html",
        status=status,
        packs=request.app.state.packs.values(),
        saved=await store.saved_packs(team.id),
        team=team,
        account=await current_account(request),
        team_sessions=await store.team_sessions(team.id),
        error=error,
        form=form or {},
    )


async def start_page(request: Request) -> Response:
    team = await current_team(request)
    if team is None:
        return await sign_in_first(request)
    return await start_form(request, team)


async def create_session(request: Request) -> Response:
    team = await current_team(request)
    if team is None:
        return await sign_in_first(request)
    form = await request.form()
    packs = await available_packs(request, team.id)
    lang = str(form.get("lang", ""))
    lang = lang if lang in LOCALES else request_locale(request)
    try:
        pack = await chosen_pack(request, form, packs, lang, team.id)
    except PackError as error:
        return await start_form(request, team, 400, str(error), form)
    reveal = Reveal.ON_CLOSE if form.get("reveal") == Reveal.ON_CLOSE.value else Reveal.LIVE
    if pack.id == EVALUATION_PACK:
        # An evaluation moment starts from the register: which agreements to rate.
        return RedirectResponse(f"/team/evaluate?lang={lang}", status_code=303)
    fields = {
        "pack_id": pack.id,
        "lang": lang,
        "title": pack.title.in_(lang),
        "intro": pack.intro.in_(lang),
        "prompts": tuple(p.in_(lang) for p in pack.prompts),
        "reveal": reveal,
        "settings": {**pack_settings(pack, lang), **await built_on(request, pack, team.id)},
    }
    return await open_session(request, team, fields)


async def chosen_pack(
    request: Request, form: FormData, packs: dict[str, Pack], lang: str, team_id: str | None
) -> Pack:
    """The pack picked on the start page; own questions are checked, and saved if asked."""
    choice = str(form.get("pack", ""))
    if choice in packs:
        return packs[choice]
    if choice != "own":
        raise PackError("pack_unknown")
    max_length = request.app.state.settings.max_answer_length
    prompts = read_own_questions(str(form.get("questions", "")), max_length)
    raw_title = str(form.get("title", ""))
    title = read_title(raw_title) if raw_title.strip() or form.get("save") else prompts[0]
    if form.get("save"):
        return await save_pack(request, title, prompts, lang, team_id)
    return own_pack(title[:MAX_TITLE_LENGTH], prompts)


async def save_pack(
    request: Request, title: str, prompts: tuple[str, ...], lang: str, team_id: str | None
) -> Pack:
    saved = SavedPack(auth.new_pack_id(), title, lang, prompts, utc_now(), team_id)
    await request.app.state.store.save_pack(saved)
    return own_pack(saved.title, saved.prompts, saved.id)


# Everyone -----------------------------------------------------------------------------


async def set_language(request: Request) -> Response:
    locale = request.path_params["locale"]
    target = request.query_params.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = RedirectResponse(target, status_code=303)
    if locale in LOCALES:
        response.set_cookie(LANG_COOKIE, locale, max_age=YEAR, samesite="lax")
    return response


async def health(request: Request) -> Response:
    """For a load balancer: 200 when the store and the hub both answer within a few
    seconds, else 503 naming the part that does not. Says nothing more (no address, no
    URL): anyone may ask. A part that stops or starts answering is logged once."""
    store, hub = await asyncio.gather(
        answers(request.app.state.store.ping()), answers(request.app.state.sessions.hub.ping())
    )
    parts = {"store": store, "hub": hub}
    state = request.app.state
    for part, error in parts.items():
        was = getattr(state, f"{part}_was_unreachable", False)
        if bool(error) != was:
            setattr(state, f"{part}_was_unreachable", bool(error))
            if error:
                log.warning("health: the %s does not answer (%s)", part, error)
            else:
                log.info("health: the %s answers again", part)
    shown = {part: "unreachable" if error else "ok" for part, error in parts.items()}
    status = 503 if any(parts.values()) else 200
    body = {"status": "unavailable" if status == 503 else "ok", **shown}
    return JSONResponse(body, status, headers={"cache-control": "no-store"})


async def answers(ping: Awaitable[None]) -> str:
    """Empty when `ping` returned, else the kind of error (its message may hold an address)."""
    try:
        await ping
    except Exception as error:
        return type(error).__name__
    return ""

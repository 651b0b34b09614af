"""Evaluation moments, started from the team's register: the facilitator chooses which
agreements the team rates; the session opens with the team's open actions (marked done,
dropped or carried over on the console), then rates each chosen agreement from 1 to 5 with
room for what helps or hinders. A low rating becomes an action or an earlier review."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..rules.actions import parse_due
from ..rules.asking import ask_fields
from ..rules.carried import CarriedAction, carried_fields
from ..rules.questions import Ask, Kind
from ..rules.records import Team
from ..rules.register import UNFINISHED, Agreement, by_status
from ..rules.state import Projection
from ..screens.i18n import LOCALES, N_
from .opening import EVALUATION_PACK, open_session, pack_settings
from .pages import page, request_locale
from .register import register_page, signed_team, today

MAX_RATED = 8  # a rating round of more agreements than this tires a room
MAX_CARRIED = 30
RATING_LEAD = N_("How well do we live this agreement?")
RATING_LOW = N_("Hardly")
RATING_HIGH = N_("Fully")
MAX_ACTION_LENGTH = 280


async def evaluate_page(request: Request, error: str = "", status: int = 200) -> Response:
    """Which agreements to rate (those due for review chosen already), and the open actions
    the moment will start from."""
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    store = request.app.state.store
    day = today()
    current = [a for a in await store.agreements(team.id) if a.is_current]
    current.sort(key=lambda a: (not a.is_due(day), a.review_at))
    return page(
        request,
        "evaluate.html",
        status=status,
        error=error,
        team=team,
        agreements=current,
        actions=await open_actions(request, team),
        today=day,
        max_rated=MAX_RATED,
        lang=session_language(request, request.query_params.get("lang", "")),
    )


def session_language(request: Request, asked: str) -> str:
    """The language asked for, else the reader's."""
    return asked if asked in LOCALES else request_locale(request)


async def open_actions(request: Request, team: Team) -> list[Any]:
    found = await request.app.state.store.tracked_actions(team.id)
    return [a for a in by_status(found, today()) if a.status in UNFINISHED][:MAX_CARRIED]


async def start_evaluation(request: Request) -> Response:
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    form = await request.form()
    lang = session_language(request, str(form.get("lang", "")))
    chosen = {str(v) for v in form.getlist("agreement")}
    current = {a.id: a for a in await request.app.state.store.agreements(team.id) if a.is_current}
    rated = [current[i] for i in current if i in chosen]
    if len(chosen) > MAX_RATED:
        return await evaluate_page(request, "too_many_rated", 400)
    if len(rated) < len(chosen):
        return await evaluate_page(request, "agreement_gone", 400)
    pack = request.app.state.packs[EVALUATION_PACK]
    translator = request.app.state.renderer.translators[lang]
    rating = Ask(
        Kind.SCALE, low=translator.gettext(RATING_LOW), high=translator.gettext(RATING_HIGH)
    )
    prompts = [rating_prompt(translator.gettext(RATING_LEAD), a) for a in rated]
    asks = {i: replace(rating, agreement=a.id) for i, a in enumerate(rated)}
    asks |= {len(rated) + i: ask for i, ask in pack.asks_in(lang).items()}
    carried = [
        CarriedAction(a.id, a.what, a.who, a.due or "", a.decision_text, a.status.value)
        for a in await open_actions(request, team)
    ]
    settings = {
        **pack_settings(pack, lang),
        "asks": {str(i): ask_fields(ask) for i, ask in asks.items()},
        "carried": [carried_fields(a) for a in carried],
        # The projector opens on the open actions: that is where the moment starts.
        "projection": (Projection.CARRIED if carried else Projection.ROOM).value,
    }
    fields = {
        "pack_id": pack.id,
        "lang": lang,
        "title": pack.title.in_(lang),
        "intro": pack.intro.in_(lang),
        "prompts": (*prompts, *(p.in_(lang) for p in pack.prompts)),
        "settings": settings,
    }
    return await open_session(request, team, fields)


def rating_prompt(lead: str, agreement: Agreement) -> str:
    return f"{lead} “{agreement.text}”"


async def act_on_rating(request: Request) -> Response:
    """An action on an agreement the team rated low (or any current one): tracked like the
    actions sessions agree on."""
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    form = await request.form()
    what = " ".join(str(form.get("what", "")).split())
    who = " ".join(str(form.get("who", "")).split())[:80]
    raw_due = str(form.get("due", "")).strip()
    due = parse_due(raw_due) if raw_due else None
    if not what or len(what) > MAX_ACTION_LENGTH:
        return await register_page(request, error="bad_action", status=400)
    if raw_due and due is None:
        return await register_page(request, error="bad_date", status=400)
    agreement_id = request.path_params["agreement_id"]
    store = request.app.state.store
    if not await store.add_tracked_action(team.id, agreement_id, what, who, due):
        return page(request, "forbidden.html", status=404, reason="not_found")
    return RedirectResponse(f"/team/register#a-{agreement_id}", status_code=303)

"""The team's register of agreements: the page, its exports (Markdown, JSON, a page to
print), retiring an agreement, review dates, and the team's read-only page behind a
revocable share link. Every page reads and changes the signed-in facilitator's team only."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..outcome.register import register_json, register_markdown, responsible
from ..rules.actions import parse_due
from ..rules.ratings import histories
from ..rules.records import Team
from ..rules.register import (
    MAX_REVIEW_MONTHS,
    add_months,
    by_status,
    due_for_review,
    register_of,
)
from .pages import base_url, page, request_locale
from .signed import current_team, sign_in_first, utc_now


def link_hash(token: str) -> str:
    return hashlib.sha256(f"team:{token}".encode()).hexdigest()


def today() -> str:
    return datetime.now(UTC).date().isoformat()


async def signed_team(request: Request) -> tuple[Team | None, Response | None]:
    """The facilitator's team, or where to go first: signing in, back to this page."""
    team = await current_team(request)
    if team is None:
        return None, await sign_in_first(request)
    return team, None


async def topic_names(request: Request, team_id: str) -> dict[str, str]:
    """What each topic is called: its pack's title in the reader's language, or the title
    of the team's own topic."""
    locale = request_locale(request)
    names = {pack.id: pack.title.in_(locale) for pack in request.app.state.packs.values()}
    for own in await request.app.state.store.saved_packs(team_id):
        names.setdefault(own.id, own.title)
    return names


async def register_context(request: Request, team: Team) -> dict[str, Any]:
    store = request.app.state.store
    day = today()
    known = list(request.app.state.packs)
    topics = register_of(await store.agreements(team.id), day, known)
    actions = by_status(await store.tracked_actions(team.id), day)
    lines = [line for topic in topics for line in topic.lines]
    return {
        "team": team,
        "topics": topics,
        "due": due_for_review(topics, day),
        "names": await topic_names(request, team.id),
        "periods": await store.review_periods(team.id),
        "actions": actions,
        "responsible": responsible(actions),
        "histories": histories(lines, await store.ratings(team.id)),
        "today": day,
        "sooner": add_months(date.fromisoformat(day), 1).isoformat(),
    }


async def register_page(request: Request, error: str = "", status: int = 200) -> Response:
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    context = await register_context(request, team)
    links = await request.app.state.store.team_link_kinds(team.id)
    return page(
        request,
        "register.html",
        status=status,
        error=error,
        max_months=MAX_REVIEW_MONTHS,
        **context,
        is_print=request.url.path.endswith("/print"),
        has_share_link="share" in links,
        share_token=request.query_params.get("share", ""),
        request_base=base_url(request),
    )


async def register_export(request: Request) -> Response:
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    if request.path_params["kind"] not in ("md", "json"):
        return page(request, "forbidden.html", status=404, reason="not_found")
    context = await register_context(request, team)
    headers = {"content-disposition": 'attachment; filename="draagvlak-register.{}"'}
    if request.path_params["kind"] == "json":
        headers["content-disposition"] = headers["content-disposition"].format("json")
        document = register_json(
            context["topics"], context["today"], context["responsible"], context["histories"]
        )
        return JSONResponse({"team": team.name, **document}, headers=headers)
    translator = request.app.state.renderer.translators[request_locale(request)]
    body = register_markdown(
        team.name,
        context["topics"],
        context["names"],
        context["today"],
        translator,
        context["responsible"],
        context["histories"],
    )
    headers["content-disposition"] = headers["content-disposition"].format("md")
    return Response(body, media_type="text/markdown; charset=utf-8", headers=headers)


async def retire_agreement(request: Request) -> Response:
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    agreement_id = request.path_params["agreement_id"]
    if not await request.app.state.store.retire_agreement(team.id, agreement_id, utc_now()):
        return page(request, "forbidden.html", status=404, reason="not_found")
    return RedirectResponse("/team/register", status_code=303)


async def set_review_date(request: Request) -> Response:
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    form = await request.form()
    # Typed day-month-year as on the console (or ISO), checked by the actions' own rule.
    day = parse_due(str(form.get("review_at", "")))
    if day is None:
        return await register_page(request, error="bad_date", status=400)
    agreement_id = request.path_params["agreement_id"]
    if not await request.app.state.store.set_review_date(team.id, agreement_id, day):
        return page(request, "forbidden.html", status=404, reason="not_found")
    return RedirectResponse(f"/team/register#a-{agreement_id}", status_code=303)


async def set_review_period(request: Request) -> Response:
    """How many months after agreeing an agreement of this topic comes up for review."""
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    form = await request.form()
    topic = str(form.get("topic", ""))[:80]
    months = str(form.get("months", ""))
    if not topic or not months.isdigit() or not 1 <= int(months) <= MAX_REVIEW_MONTHS:
        return await register_page(request, error="bad_months", status=400)
    await request.app.state.store.set_review_period(team.id, topic, int(months))
    return RedirectResponse("/team/register", status_code=303)


async def make_team_link(request: Request, kind: str, back: str) -> Response:
    """A new secret address of the team (a read-only page, a calendar feed), shown once on
    the page it belongs to, stored as a hash; earlier ones keep working until revoked."""
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    token = secrets.token_urlsafe(24)
    await request.app.state.store.add_team_link(team.id, kind, link_hash(token), utc_now())
    return RedirectResponse(f"{back}?{kind}={token}#{kind}", status_code=303)


async def revoke_team_links(request: Request, kind: str, back: str) -> Response:
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    await request.app.state.store.revoke_team_links(team.id, kind)
    return RedirectResponse(f"{back}#{kind}", status_code=303)


async def make_share_link(request: Request) -> Response:
    """A read-only link to the register and the actions, for teachers without an account."""
    return await make_team_link(request, "share", "/team/register")


async def revoke_share_links(request: Request) -> Response:
    return await revoke_team_links(request, "share", "/team/register")


async def linked_team(request: Request, kind: str) -> Team | None:
    token = request.path_params["token"]
    if not 20 <= len(token) <= 64:
        return None
    found: Team | None = await request.app.state.store.team_for_link(link_hash(token), kind)
    return found


async def shared_team_page(request: Request) -> Response:
    """The register and the actions, read only, behind a share link."""
    team = await linked_team(request, "share")
    if team is None:
        return page(request, "forbidden.html", status=404, reason="link_gone")
    context = await register_context(request, team)
    return page(request, "team.html", **context)

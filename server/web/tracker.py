"""The team's action tracker: the page, changing an action's status, and the calendar feed
of open actions over a secret, revocable address (for the calendars teachers already use)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..outcome.register import actions_calendar
from ..rules.register import Status, by_status
from .pages import base_url, page, request_locale
from .register import linked_team, make_team_link, revoke_team_links, signed_team, today
from .signed import utc_now

CALENDAR = "text/calendar; charset=utf-8"


async def actions_page(request: Request) -> Response:
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    store = request.app.state.store
    return page(
        request,
        "actions.html",
        team=team,
        actions=by_status(await store.tracked_actions(team.id), today()),
        today=today(),
        statuses=list(Status),
        has_feed="feed" in await store.team_link_kinds(team.id),
        feed_token=request.query_params.get("feed", ""),
        request_base=base_url(request),
    )


async def set_status(request: Request) -> Response:
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    form = await request.form()
    try:
        status = Status(str(form.get("status", "")))
    except ValueError:
        return Response("status: open, in_progress, done or dropped", status_code=400)
    action_id = request.path_params["action_id"]
    if not await request.app.state.store.set_action_status(team.id, action_id, status):
        return page(request, "forbidden.html", status=404, reason="not_found")
    return RedirectResponse(f"/team/actions#t-{action_id}", status_code=303)


async def team_calendar(request: Request) -> Response:
    """The open actions of the signed-in facilitator's team, downloaded once."""
    team, refusal = await signed_team(request)
    if team is None:
        return refusal  # type: ignore[return-value]
    actions = await request.app.state.store.tracked_actions(team.id)
    translator = request.app.state.renderer.translators[request_locale(request)]
    headers = {"content-disposition": 'attachment; filename="draagvlak-actions.ics"'}
    body = actions_calendar(team.name, actions, utc_now(), translator)
    return Response(body, media_type=CALENDAR, headers=headers)


async def feed(request: Request) -> Response:
    """The same, for a calendar that subscribes: no cookie, the secret address is the key."""
    team = await linked_team(request, "feed")
    if team is None:
        return Response("this feed does not exist (any more)", status_code=404)
    actions = await request.app.state.store.tracked_actions(team.id)
    translator = request.app.state.renderer.translators[request_locale(request)]
    body = actions_calendar(team.name, actions, utc_now(), translator)
    return Response(body, media_type=CALENDAR, headers={"cache-control": "no-store"})


async def make_feed(request: Request) -> Response:
    """A new secret feed address, shown once; earlier ones keep working until revoked."""
    return await make_team_link(request, "feed", "/team/actions")


async def revoke_feeds(request: Request) -> Response:
    return await revoke_team_links(request, "feed", "/team/actions")

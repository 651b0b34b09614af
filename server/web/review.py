"""After the session: share links the facilitator makes and revokes, the read-only review
page behind them, and the exports. Nothing under /r/ can change anything."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..outcome import exports
from .console import facilitated
from .pages import page, request_locale

EXPORTS = {
    "md": ("text/markdown; charset=utf-8", exports.to_markdown),
    "csv": ("text/csv; charset=utf-8", exports.to_csv),
    "excel.csv": ("text/csv; charset=utf-8", exports.to_excel_csv),
    "ics": ("text/calendar; charset=utf-8", exports.to_ics),
}


def token_hash(token: str) -> str:
    return hashlib.sha256(f"share:{token}".encode()).hexdigest()


async def make_share_link(request: Request) -> Response:
    """A new read-only link to the outcome; shown once, stored only as a hash."""
    live, refusal = await facilitated(request)
    if live is None:
        return refusal  # type: ignore[return-value]
    if await request.app.state.store.outcome(live.id) is None:
        return page(request, "forbidden.html", status=409, reason="not_closed")
    token = secrets.token_urlsafe(24)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    await request.app.state.store.add_share_link(live.id, token_hash(token), created)
    return RedirectResponse(f"/s/{live.id}/console?share={token}", status_code=303)


async def revoke_share_links(request: Request) -> Response:
    live, refusal = await facilitated(request)
    if live is None:
        return refusal  # type: ignore[return-value]
    await request.app.state.store.revoke_share_links(live.id)
    return RedirectResponse(f"/s/{live.id}/console?revoked=1", status_code=303)


async def shared(request: Request) -> dict[str, Any] | None:
    token = request.path_params["token"]
    if not 20 <= len(token) <= 64:
        return None
    found: dict[str, Any] | None = await request.app.state.store.shared_outcome(token_hash(token))
    return found


async def review_page(request: Request) -> Response:
    outcome = await shared(request)
    if outcome is None:
        return page(request, "forbidden.html", status=404, reason="link_gone")
    base = f"/r/{request.path_params['token']}/outcome"
    links = {kind: f"{base}.{kind}" for kind in (*EXPORTS, "json")}
    return page(request, "review.html", outcome=outcome, exports=links)


async def export(request: Request) -> Response:
    outcome = await shared(request)
    kind = request.path_params["kind"]
    if outcome is None or kind not in (*EXPORTS, "json"):
        return page(request, "forbidden.html", status=404, reason="link_gone")
    translator = request.app.state.renderer.translators[request_locale(request)]
    typed = cast(exports.Outcome, outcome)
    if kind == "json":
        body, media = exports.to_json(typed), "application/json"
    else:
        media, render = EXPORTS[kind]
        body = render(typed, translator)
    filename = f"draagvlak-outcome.{kind}".replace(".excel.", "-excel.")
    headers = {"content-disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media, headers=headers)

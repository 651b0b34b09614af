"""Opening a session of a team: the settings a pack gives it, what it starts from in the
team's register, and the new session with a free join code and its console's cookie."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..packs import Pack
from ..rules.asking import ask_fields
from ..rules.records import SessionRecord, Team
from ..rules.register import topic_order
from ..store import CodeTaken
from . import auth
from .signed import set_cookie, utc_now

EVALUATION_PACK = "evaluation-moment"


def pack_settings(pack: Pack, lang: str) -> dict[str, Any]:
    """What a session keeps of its pack besides the questions, in its language."""
    return {
        "decision_shape": pack.decision_shape.in_(lang),
        "vote_budget": pack.defaults.votes_per_person,
        "answer_minutes": pack.defaults.answer_minutes,
        "vote_minutes": pack.defaults.vote_minutes,
        "asks": {str(i): ask_fields(a) for i, a in pack.asks_in(lang).items()},
        "action_prompts": [p.in_(lang) for p in pack.action_prompts],
    }


MAX_CONTEXT_PER_TOPIC = 12


async def built_on(request: Request, pack: Pack, team_id: str) -> dict[str, Any]:
    """The agreements in force on the topics a pack builds on, as the session's settings
    keep them: a copy, so that later changes to the register leave a running session be.
    By topic in the handbook's order, the newest first; each topic's name in both languages."""
    if not pack.builds_on:
        return {}
    packs: dict[str, Pack] = request.app.state.packs
    agreements = await request.app.state.store.agreements(team_id)
    current = [a for a in agreements if a.is_current and a.topic in pack.builds_on]
    items = []
    for topic in topic_order((a.topic for a in current), list(packs)):
        ours = [a for a in current if a.topic == topic]
        newest = sorted(ours, key=lambda a: (a.agreed_at, -a.decision), reverse=True)
        items += [
            {"topic": topic, "text": a.text, "lang": a.lang} for a in newest[:MAX_CONTEXT_PER_TOPIC]
        ]
    if not items:
        return {}
    names = {t: {"nl": packs[t].title.nl, "en": packs[t].title.en} for t in pack.builds_on}
    return {"context": items, "context_names": names}


async def open_session(request: Request, team: Team, fields: dict[str, Any]) -> Response:
    """A new session of the team with a free join code, and its console opened."""
    secret = auth.new_secret()
    for _ in range(20):
        record = SessionRecord(
            id=auth.new_session_id(),
            code=auth.new_join_code(),
            facilitator_hash=auth.hash_secret(secret),
            created_at=utc_now(),
            team_id=team.id,
            **fields,
        )
        try:
            await request.app.state.store.create_session(record)
            break
        except CodeTaken:
            continue
    else:
        raise RuntimeError("no free join code after 20 tries")
    response = RedirectResponse(f"/s/{record.id}/console", status_code=303)
    set_cookie(
        request, response, auth.facilitator_cookie(record.id), secret, max_age=30 * 24 * 3600
    )
    return response

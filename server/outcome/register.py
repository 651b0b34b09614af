"""The team's register as files: its code of conduct as a Markdown document, and its open
actions as a calendar feed. Pure functions of the register's records and a translator; only
what the outcomes held, nothing that points at a participant."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from ..rules.ratings import History
from ..rules.register import UNFINISHED, Agreement, Topic, TrackedAction
from ..screens.i18n import N_, Translator
from .exports import ics_calendar, ics_event, ics_timestamp
from .markdown import LEVELS, _md_inline, _md_quote

STATUS_NAMES = {
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "dropped": N_("Dropped"),
}
FEW_RESPONSES = N_(
    "Too few responses to show the distribution, so that nobody's answer can be traced."
)


def responsible(actions: Iterable[TrackedAction]) -> dict[str, list[TrackedAction]]:
    """Each agreement's actions, unfinished first: who does what to keep it."""
    found: dict[str, list[TrackedAction]] = {}
    for action in sorted(actions, key=lambda a: (a.status not in UNFINISHED, a.due or "9999")):
        if action.agreement_id:
            found.setdefault(action.agreement_id, []).append(action)
    return found


def register_markdown(
    team: str,
    topics: Iterable[Topic],
    names: Mapping[str, str],
    today: str,
    tr: Translator,
    actions: Mapping[str, list[TrackedAction]] | None = None,
    histories: Mapping[str, History] | None = None,
) -> str:
    """The code of conduct: per topic in the handbook's order, each agreement in force with
    its consent result, date and session, who does what for it, how well the team lives it,
    then its older versions; retired ones left out."""
    _ = tr.gettext
    lines = [f"# {_md_inline(team)}: {_('Code of conduct')}", ""]
    for topic in topics:
        kept = [line for line in topic.lines if line.newest.retired_at is None]
        if not kept:
            continue
        lines += [f"## {_md_inline(names.get(topic.id, topic.id))}", ""]
        for line in kept:
            lines += _agreement(line.newest, today, tr)
            lines += _who(actions.get(line.newest.id, []) if actions else [], tr)
            history = histories.get(line.newest.id) if histories else None
            lines += _rated(history, tr) if history else []
            for older in line.older:
                lines += [f"*{_('Version %(n)s') % {'n': older.version}}*", ""]
                lines += [*_md_quote(older.text), "", _agreed_on(older, tr), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _agreement(agreement: Agreement, today: str, tr: Translator) -> list[str]:
    _ = tr.gettext
    review = _("Review by %(date)s") % {"date": tr.date(agreement.review_at)}
    if agreement.is_due(today):
        review = f"**{_('Due for review')}** ({review})"
    heading = _("Version %(n)s") % {"n": agreement.version}
    meta = f"{heading} · {_agreed_on(agreement, tr)} · {review}"
    return [*_md_quote(agreement.text), "", meta, "", _result(agreement, tr), ""]


def _who(actions: list[TrackedAction], tr: Translator) -> list[str]:
    if not actions:
        return []
    lines = [f"**{tr.gettext('Who does what')}**", ""]
    for action in actions:
        parts = [_md_inline(action.what)]
        if action.who:
            parts.append(_md_inline(action.who))
        if action.due:
            parts.append(tr.date(action.due))
        parts.append(tr.gettext(STATUS_NAMES[action.status.value]))
        lines.append(f"- {' · '.join(parts)}")
    return [*lines, ""]


def _rated(history: History, tr: Translator) -> list[str]:
    """The latest rating, and the trend against the one before."""
    latest = history.latest
    if latest is None:
        return []
    when = tr.date(latest.rated_at)
    if latest.mean is None:
        text = tr.gettext("Rated on %(date)s by too few to show.") % {"date": when}
    else:
        text = tr.gettext("Rated on %(date)s: %(mean)s of 5 (%(num)s ratings).") % {
            "date": when,
            "mean": tr.decimal(latest.mean),
            "num": tr.number(latest.responses),
        }
    return [f"*{tr.gettext('How well we live it')}*: {text}", ""]


def register_json(
    topics: Iterable[Topic],
    today: str,
    actions: Mapping[str, list[TrackedAction]],
    histories: Mapping[str, History],
) -> dict[str, Any]:
    """The register as the `draagvlak.register/1` document (docs/outcome.md)."""

    def version(a: Agreement) -> dict[str, Any]:
        return {
            "version": a.version,
            "text": a.text,
            "lang": a.lang,
            "agreed_at": a.agreed_at,
            "session": a.session_title,
            "decision": a.decision,
            "responses": a.responses,
            "counts": dict(a.counts) if a.counts is not None else None,
            "superseded_at": a.superseded_at,
        }

    def ratings(agreement_id: str) -> list[dict[str, Any]]:
        history = histories.get(agreement_id)
        return [
            {
                "rated_at": r.rated_at,
                "session": r.session_title,
                "responses": r.responses,
                "mean": None if r.mean is None else round(r.mean, 2),
                "counts": None if r.counts is None else list(r.counts),
            }
            for r in (history.ratings if history else ())
        ]

    return {
        "schema": "draagvlak.register/1",
        "topics": [
            {
                "topic": topic.id,
                "agreements": [
                    {
                        "id": line.newest.id,
                        **version(line.newest),
                        "review_at": line.newest.review_at,
                        "is_due": line.newest.is_due(today),
                        "retired_at": line.newest.retired_at,
                        "older_versions": [version(a) for a in line.older],
                        "actions": [
                            {"what": a.what, "who": a.who, "due": a.due, "status": a.status.value}
                            for a in actions.get(line.newest.id, [])
                        ],
                        "ratings": ratings(line.newest.id),
                    }
                    for line in topic.lines
                ],
            }
            for topic in topics
        ],
    }


def _agreed_on(agreement: Agreement, tr: Translator) -> str:
    return tr.gettext("Agreed on %(date)s in “%(session)s”") % {
        "date": tr.date(agreement.agreed_at),
        "session": _md_inline(agreement.session_title),
    }


def _result(agreement: Agreement, tr: Translator) -> str:
    _ = tr.gettext
    responses = tr.ngettext("%(num)s response", "%(num)s responses", agreement.responses) % {
        "num": tr.number(agreement.responses)
    }
    if agreement.counts is None:
        return f"{responses}. *{_(FEW_RESPONSES)}*"
    shown = [
        f"{_(name)} {tr.number(agreement.counts.get(level, 0))}" for level, name in LEVELS.items()
    ]
    return f"{responses}: {', '.join(shown)}."


def actions_calendar(team: str, actions: Iterable[TrackedAction], now: str, tr: Translator) -> str:
    """The open actions with a due date, one all-day event each; an action keeps its UID,
    so a calendar that reads the feed again updates it."""
    stamp = ics_timestamp(now)
    events = []
    for action in actions:
        if action.due is None or action.status not in UNFINISHED:
            continue
        summary = f"{action.what} ({action.who})" if action.who else action.what
        decision = tr.gettext("Decision %(n)s") % {"n": action.decision}
        description = f"{action.decision_text}\n\n{action.session_title} · {decision}"
        uid = f"{hashlib.sha256(f'action|{action.id}'.encode()).hexdigest()[:32]}@draagvlak"
        events.append(ics_event(uid, stamp, action.due, summary, description))
    return ics_calendar(team, f"Actions//{tr.locale.upper()}", events)

"""The team's register as files: its code of conduct as a Markdown document, and its open
actions as a calendar feed. Pure functions of the register's records and a translator; only
what the outcomes held, nothing that points at a participant."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from ..rules.register import UNFINISHED, Agreement, Topic, TrackedAction
from ..screens.i18n import N_, Translator
from .exports import ics_calendar, ics_event, ics_timestamp
from .markdown import LEVELS, _md_inline, _md_quote

FEW_RESPONSES = N_(
    "Too few responses to show the distribution, so that nobody's answer can be traced."
)


def register_markdown(
    team: str, topics: Iterable[Topic], names: Mapping[str, str], today: str, tr: Translator
) -> str:
    """The code of conduct: per topic in the handbook's order, each agreement in force with
    its consent result, date and session, then its older versions; retired ones left out."""
    _ = tr.gettext
    lines = [f"# {_md_inline(team)}: {_('Code of conduct')}", ""]
    for topic in topics:
        kept = [line for line in topic.lines if line.newest.retired_at is None]
        if not kept:
            continue
        lines += [f"## {_md_inline(names.get(topic.id, topic.id))}", ""]
        for line in kept:
            lines += _agreement(line.newest, today, tr)
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

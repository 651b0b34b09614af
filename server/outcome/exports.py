"""A closed session's outcome as files to take away: the Markdown document (markdown.py), and
for other tools the actions as CSV and iCalendar and the whole outcome as JSON. Pure
functions of the outcome (schema in `docs/outcome.md`) and a translator."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from ..screens.i18n import Translator
from .markdown import to_markdown
from .shape import Outcome

__all__ = [
    "Outcome",
    "ics_calendar",
    "ics_event",
    "ics_timestamp",
    "to_csv",
    "to_excel_csv",
    "to_ics",
    "to_json",
    "to_markdown",
]

_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ICS_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ICS_LINE_OCTETS = 75


def to_excel_csv(outcome: Outcome, translator: Translator) -> str:
    """The same rows for Excel set to Dutch (or any language with a decimal comma): it
    splits on semicolons, and reads UTF-8 only after a byte-order mark."""
    return "\ufeff" + to_csv(outcome, translator, delimiter=";")


def to_csv(outcome: Outcome, translator: Translator, delimiter: str = ",") -> str:
    """The actions, one row each, under a header row in the translator's language.

    Comma-separated, CRLF rows, UTF-8 without a byte-order mark; the due date stays ISO so
    spreadsheets sort it. A cell that a spreadsheet would run as a formula gets a leading `'`.
    """
    _ = translator.gettext
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([_("Decision number"), _("Decision"), _("What"), _("Who"), _("By when")])
    for decision in outcome["decisions"]:
        for action in decision["actions"]:
            writer.writerow(
                [
                    decision["number"],
                    _csv_cell(decision["text"]),
                    _csv_cell(action["what"]),
                    _csv_cell(action["who"]),
                    action["due"] or "",
                ]
            )
    return buffer.getvalue()


def to_json(outcome: Outcome) -> str:
    """The outcome exactly as stored: the documented schema, readable, UTF-8 as is."""
    return json.dumps(outcome, ensure_ascii=False, indent=2) + "\n"


def to_ics(outcome: Outcome, translator: Translator) -> str:
    """An iCalendar file with one all-day event per action that has a due date.

    Written by hand to RFC 5545: escaped text, lines folded at 75 octets, CRLF endings.
    A UID depends only on the session and the action's place, so importing again updates.
    """
    session = outcome["session"]
    stamp = ics_timestamp(session["closed_at"])
    events = []
    for decision in outcome["decisions"]:
        for index, action in enumerate(decision["actions"]):
            if not action["due"]:
                continue
            summary = f"{action['what']} ({action['who']})" if action["who"] else action["what"]
            decision_name = translator.gettext("Decision %(n)s") % {"n": decision["number"]}
            description = f"{decision['text']}\n\n{session['title']} · {decision_name}"
            uid = _ics_uid(session["created_at"], decision["number"], index)
            events.append(ics_event(uid, stamp, action["due"], summary, description))
    return ics_calendar(session["title"], f"Outcome//{translator.locale.upper()}", events)


def ics_event(uid: str, stamp: str, due: str, summary: str, description: str) -> list[str]:
    """One all-day event on a due date that makes nobody busy (RFC 5545)."""
    day = date.fromisoformat(due)
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{_ics_text(summary)}",
        f"DESCRIPTION:{_ics_text(description)}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def ics_calendar(name: str, product: str, events: list[list[str]]) -> str:
    """A calendar of these events: text escaped, lines folded at 75 octets, CRLF endings."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//Draagvlak//{product}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_text(name)}",
        *(line for event in events for line in event),
        "END:VCALENDAR",
    ]
    return "".join(f"{folded}\r\n" for line in lines for folded in _ics_fold(line))


def _csv_cell(text: str) -> str:
    return f"'{text}" if text.startswith(_CSV_FORMULA_START) else text


def _ics_text(text: str) -> str:
    text = _ICS_CONTROL.sub("", text)
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _ics_fold(line: str) -> Iterator[str]:
    """Content lines of at most 75 octets; a continuation starts with a space."""
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > ICS_LINE_OCTETS:
            yield current
            current, size = " ", 1
        current += char
        size += width
    yield current


def ics_timestamp(iso: str) -> str:
    when = datetime.fromisoformat(iso)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _ics_uid(created_at: str, decision: int, action: int) -> str:
    digest = hashlib.sha256(f"{created_at}|{decision}|{action}".encode()).hexdigest()
    return f"{digest[:32]}@draagvlak"

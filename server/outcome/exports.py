"""A closed session's outcome as files to take away: Markdown, CSV, JSON and iCalendar.

Pure functions of the outcome (schema in `docs/outcome.md`) and a translator. Counts the
minimum-respondent floor hides on the page are hidden in every export too.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Literal, TypedDict

from ..screens.i18n import N_, Translator


class OutcomeSession(TypedDict):
    title: str
    lang: str
    created_at: str
    closed_at: str
    participants: int


class Item(TypedDict):
    kind: str  # "group", or "answer" for an answer on its own
    label: str
    answers: list[str]
    votes: int | None


class Prompt(TypedDict):
    index: int
    text: str
    answers: int
    voters: int
    votes_hidden: bool
    items: list[Item]


class Reason(TypedDict):
    level: str
    text: str


class ConsentRound(TypedDict):
    number: int
    text: str
    responses: int
    counts_hidden: bool
    counts: dict[str, int] | None
    reasons: list[Reason]
    agreed: bool


class Action(TypedDict):
    what: str
    who: str
    due: str | None


class Decision(TypedDict):
    number: int
    prompt_index: int
    from_item: str
    text: str
    status: Literal["agreed", "not_agreed", "open"]
    rounds: list[ConsentRound]
    actions: list[Action]


class Outcome(TypedDict):
    schema: str
    session: OutcomeSession
    floor: int
    prompts: list[Prompt]
    decisions: list[Decision]


# The same texts as templates/_macros.html and _outcome.html, in the consent scale's order.
LEVELS: dict[str, str] = {
    "full_support": N_("Fully support"),
    "support": N_("Support"),
    "live_with": N_("Can live with it"),
    "reservations": N_("Have reservations"),
    "object": N_("Object"),
}
STATUSES: dict[str, str] = {
    "agreed": N_("Agreed"),
    "not_agreed": N_("Not agreed"),
    "open": N_("Still open"),
}
# Singular and plural, the same messages as the live projector's (_voting.html).
VOTES_HIDDEN = (
    "Only %(num)s person voted: below %(floor)s, results per option are not shown, "
    "so that nobody's vote can be traced.",
    "Only %(num)s people voted: below %(floor)s, results per option are not shown, "
    "so that nobody's vote can be traced.",
)
COUNTS_HIDDEN = N_(
    "Fewer than %(floor)s responses: the distribution is not shown, "
    "so that nobody's answer can be traced."
)

_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]<>#|~])")
_MD_BLOCK_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ICS_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ICS_LINE_OCTETS = 75


def to_markdown(outcome: Outcome, translator: Translator) -> str:
    """The whole outcome as a Markdown document in the translator's language."""
    _ = translator.gettext
    session = outcome["session"]
    participants = translator.ngettext(
        "%(num)s participant", "%(num)s participants", session["participants"]
    )
    lines = [
        f"# {_md_inline(session['title'])}",
        "",
        _("Closed on %(date)s") % {"date": translator.date(session["closed_at"])}
        + " · "
        + _count(translator, participants, session["participants"]),
        "",
        f"## {_('Questions')}",
        "",
    ]
    for prompt in outcome["prompts"]:
        lines += _markdown_prompt(prompt, outcome["floor"], translator)
    lines += [f"## {_('Decisions')}", ""]
    for decision in outcome["decisions"]:
        lines += _markdown_decision(decision, outcome["floor"], translator)
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown_prompt(prompt: Prompt, floor: int, translator: Translator) -> list[str]:
    _ = translator.gettext
    answers = translator.ngettext("%(num)s answer", "%(num)s answers", prompt["answers"])
    summary = _count(translator, answers, prompt["answers"])
    if _has_voted(prompt):
        voters = translator.ngettext(
            "%(num)s person voted", "%(num)s people voted", prompt["voters"]
        )
        summary += " · " + _count(translator, voters, prompt["voters"])
    question = _("Question %(n)s") % {"n": prompt["index"] + 1}
    lines = [f"### {question}: {_md_inline(prompt['text'])}", "", summary, ""]
    if prompt["votes_hidden"]:
        hidden = translator.ngettext(*VOTES_HIDDEN, prompt["voters"]) % {
            "num": translator.number(prompt["voters"]),
            "floor": translator.number(floor),
        }
        lines += [f"*{hidden}*", ""]
    items = prompt["items"]
    if prompt["votes_hidden"]:
        # The rank would tell what the hidden counts hide.
        items = sorted(items, key=lambda item: item["label"].lower())
    for position, item in enumerate(items, start=1):
        label = f"**{_md_inline(item['label'])}**"
        if prompt["votes_hidden"] or item["votes"] is None:
            marker = "- "
        else:
            marker = f"{position}. "
            votes = translator.ngettext("%(num)s vote", "%(num)s votes", item["votes"])
            label += f": {_count(translator, votes, item['votes'])}"
        lines.append(marker + label)
        for answer in item["answers"]:
            lines += _md_list_item(answer, indent=" " * len(marker))
    return [*lines, ""]


def _has_voted(prompt: Prompt) -> bool:
    """Whether the team voted on this question; no vote leaves every count null, unhidden."""
    return prompt["votes_hidden"] or any(item["votes"] is not None for item in prompt["items"])


def _markdown_decision(decision: Decision, floor: int, translator: Translator) -> list[str]:
    _ = translator.gettext
    title = _("Decision %(n)s") % {"n": decision["number"]}
    lines = [
        f"### {title}: {_(STATUSES[decision['status']])}",
        "",
        *([*_md_quote(decision["text"]), ""] if decision["text"] else []),
        _("From “%(item)s”, question %(n)s")
        % {"item": _md_inline(decision["from_item"]), "n": decision["prompt_index"] + 1},
        "",
    ]
    if decision["actions"]:
        lines += [
            f"#### {_('Actions')}",
            "",
            f"| {_('What')} | {_('Who')} | {_('By when')} |",
            "| --- | --- | --- |",
        ]
        for action in decision["actions"]:
            due = translator.date(action["due"]) if action["due"] else _("No date")
            lines.append(f"| {_md_cell(action['what'])} | {_md_cell(action['who'])} | {due} |")
        lines.append("")
    for consent_round in decision["rounds"]:
        lines += _markdown_round(consent_round, decision["text"], floor, translator)
    return lines


def _markdown_round(
    consent_round: ConsentRound, decision_text: str, floor: int, translator: Translator
) -> list[str]:
    _ = translator.gettext
    result = _("Agreed") if consent_round["agreed"] else _("Not agreed")
    responses = translator.ngettext(
        "%(num)s response", "%(num)s responses", consent_round["responses"]
    )
    lines = [f"#### {_('Round %(n)s') % {'n': consent_round['number']}}: {result}", ""]
    if consent_round["text"] != decision_text:
        lines += [f"{_('Proposal')}:", "", *_md_quote(consent_round["text"]), ""]
    lines += [_count(translator, responses, consent_round["responses"]), ""]
    counts = None if consent_round["counts_hidden"] else consent_round["counts"]
    if counts is None:
        lines += [f"*{_(COUNTS_HIDDEN) % {'floor': translator.number(floor)}}*", ""]
    else:
        lines += [f"| {_('Response')} | {_('Count')} |", "| --- | ---: |"]
        lines += [
            f"| {_(name)} | {translator.number(counts[level])} |" for level, name in LEVELS.items()
        ]
        lines.append("")
    if consent_round["reasons"]:
        lines += [f"{_('Reasons')}:", ""]
        for reason, level in _shown_reasons(consent_round):
            lines += _md_list_item(reason, prefix=f"*{_(LEVELS[level])}:* " if level else "")
        lines.append("")
    return lines


def _shown_reasons(consent_round: ConsentRound) -> list[tuple[str, str]]:
    """Reasons with their level; below the floor without it, sorted, so they count nothing."""
    if consent_round["counts_hidden"] or consent_round["counts"] is None:
        texts = sorted((r["text"] for r in consent_round["reasons"]), key=str.lower)
        return [(text, "") for text in texts]
    return [(r["text"], r["level"]) for r in consent_round["reasons"]]


def to_csv(outcome: Outcome, translator: Translator) -> str:
    """The actions, one row each, under a header row in the translator's language.

    Comma-separated, CRLF rows, UTF-8 without a byte-order mark; the due date stays ISO so
    spreadsheets sort it. A cell that a spreadsheet would run as a formula gets a leading `'`.
    """
    _ = translator.gettext
    buffer = io.StringIO()
    writer = csv.writer(buffer)
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
    stamp = _ics_timestamp(session["closed_at"])
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//Draagvlak//Outcome//{translator.locale.upper()}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_text(session['title'])}",
    ]
    for decision in outcome["decisions"]:
        for index, action in enumerate(decision["actions"]):
            if not action["due"]:
                continue
            due = date.fromisoformat(action["due"])
            summary = f"{action['what']} ({action['who']})" if action["who"] else action["what"]
            decision_name = translator.gettext("Decision %(n)s") % {"n": decision["number"]}
            description = f"{decision['text']}\n\n{session['title']} · {decision_name}"
            lines += [
                "BEGIN:VEVENT",
                f"UID:{_ics_uid(session['created_at'], decision['number'], index)}",
                f"DTSTAMP:{stamp}",
                f"DTSTART;VALUE=DATE:{due:%Y%m%d}",
                f"DTEND;VALUE=DATE:{due + timedelta(days=1):%Y%m%d}",
                f"SUMMARY:{_ics_text(summary)}",
                f"DESCRIPTION:{_ics_text(description)}",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "".join(f"{folded}\r\n" for line in lines for folded in _ics_fold(line))


def _count(translator: Translator, message: str, n: int) -> str:
    return message % {"num": translator.number(n)}


def _md_escape(line: str) -> str:
    line = _MD_PUNCTUATION.sub(r"\\\1", line)
    start = _MD_BLOCK_START.match(line)
    if start is None:
        return line
    indent, sign, digits, dot = start.groups()
    escaped = f"\\{sign}" if sign else f"{digits}\\{dot}"
    return indent + escaped + line[start.end() :]


def _md_lines(text: str) -> list[str]:
    return [_md_escape(line) for line in text.splitlines()] or [""]


def _md_inline(text: str) -> str:
    return " ".join(line.strip() for line in _md_lines(text))


def _md_cell(text: str) -> str:
    return "<br>".join(line.strip() for line in _md_lines(text))


def _md_quote(text: str) -> list[str]:
    return [f"> {line}".rstrip() for line in _md_lines(text)]


def _md_list_item(text: str, indent: str = "", prefix: str = "") -> list[str]:
    first, *rest = _md_lines(text)
    return [f"{indent}- {prefix}{first}", *(f"{indent}  {line}" for line in rest)]


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


def _ics_timestamp(iso: str) -> str:
    when = datetime.fromisoformat(iso)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _ics_uid(created_at: str, decision: int, action: int) -> str:
    digest = hashlib.sha256(f"{created_at}|{decision}|{action}".encode()).hexdigest()
    return f"{digest[:32]}@draagvlak"

"""The outcome as a Markdown document in the translator's language; a count the
minimum-respondent floor hides on the page is hidden here too."""

from __future__ import annotations

import re
from typing import cast

from ..screens.i18n import N_, Translator
from .shape import Choices, ConsentRound, Decision, Outcome, PickedPrompt, Prompt

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

# The same text as the live distribution's (_distribution.html).
PICKS_HIDDEN = N_(
    "Fewer than %(floor)s answers: the distribution is shown from %(floor)s on, "
    "so that nobody's answer can be traced."
)

_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]<>#|~])")
_MD_BLOCK_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")


# What an evaluation moment said of an open action of an earlier session.
VERDICTS = {
    "done": N_("Done"),
    "dropped": N_("Dropped"),
    "carried": N_("Carried over"),
    "": N_("Not discussed"),
}


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
        f"## {_('Decisions')}",
        "",
    ]
    # What was decided comes first, as on the review page; unanswered questions not at all.
    for decision in outcome["decisions"]:
        lines += _markdown_decision(decision, outcome["floor"], translator)
    reviewed = outcome.get("reviewed_actions") or []
    if reviewed:
        lines += [f"## {_('Open actions from earlier sessions')}", ""]
        for action in reviewed:
            verdict = _(VERDICTS[action["verdict"] or ""])
            owner = f" ({_md_inline(action['who'])})" if action["who"] else ""
            lines.append(f"- {_md_inline(action['what'])}{owner}: **{verdict}**")
        lines.append("")
    lines += [f"## {_('Questions')}", ""]
    for prompt in outcome["prompts"]:
        if prompt["answers"] or prompt["items"]:
            lines += _markdown_prompt(prompt, outcome["floor"], translator)
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
    if "choices" in prompt:
        picked = cast(PickedPrompt, prompt)
        return lines + _markdown_choices(picked["choices"], floor, translator)
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


def _markdown_choices(choices: Choices, floor: int, translator: Translator) -> list[str]:
    """A scale's or a choice's distribution, or why it is not shown."""
    _ = translator.gettext
    if choices["counts"] is None:
        hidden = _(PICKS_HIDDEN) % {"floor": translator.number(floor)}
        return [f"*{hidden}*", "", *_remarks(choices, translator)]
    lines = []
    if choices["mean"] is not None:
        lines += [_("Average: %(mean)s of 5") % {"mean": translator.decimal(choices["mean"])}, ""]
    ends = {0: choices["low"], len(choices["options"]) - 1: choices["high"]}
    for index, (option, count) in enumerate(
        zip(choices["options"], choices["counts"], strict=True)
    ):
        label = _md_inline(option + (f" ({ends[index]})" if ends.get(index) else ""))
        lines.append(f"- **{label}**: {translator.number(count)}")
    return [*lines, "", *_remarks(choices, translator)]


def _remarks(choices: Choices, translator: Translator) -> list[str]:
    """A rating's remarks on what helps or hinders, as the outcome sorted them."""
    remarks = choices.get("remarks") or []
    if not remarks:
        return []
    heading = f"*{translator.gettext('What helps or hinders')}*"
    return [heading, "", *(f"- {_md_inline(r)}" for r in remarks), ""]


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

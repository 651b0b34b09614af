"""The outcome taken away: every fact in every export and on the review page, in both
languages, readable by other tools, and never a count that the minimum-respondent floor hides."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.config import Settings
from server.outcome.exports import to_csv, to_excel_csv, to_ics, to_json, to_markdown
from server.outcome.markdown import COUNTS_HIDDEN, LEVELS, VOTES_HIDDEN
from server.screens.i18n import LOCALES, load_translators
from server.screens.render import Renderer

ROOT = Path(__file__).resolve().parent.parent
TRANSLATORS = load_translators()
EXPORTS = {
    "md": "/r/abc.md",
    "csv": "/r/abc.csv",
    "excel.csv": "/r/abc.excel.csv",
    "json": "/r/abc.json",
    "ics": "/r/abc.ics",
}
LONG_ACTION = (
    "Een korte uitleg van de afspraken in de nieuwsbrief zetten, met een foto 📸 van het "
    "team; ook op de website, in het Nederlands én het Engels"
)


def sample_outcome() -> dict[str, Any]:
    """A realistic closed session: one question voted below the floor, one not voted on,
    a decision that failed twice, a reworded one that was agreed, one still open."""
    honest = "We zeggen het eerlijk als iets niet goed gaat;\nen we bespreken het binnen een week."
    respect = 'Wij laten "respect" zien door elkaar uit te laten praten, ook in de drukte 🙂'
    return {
        "schema": "draagvlak.outcome/1",
        "session": {
            "title": 'Kernwaarden, deel 2; "samen" 🤝',
            "lang": "nl",
            "created_at": "2026-11-29T09:00:00+01:00",
            "closed_at": "2026-11-29T11:30:00+01:00",
            "participants": 14,
        },
        "floor": 3,
        "prompts": [
            {
                "index": 0,
                "text": "Welke waarde moet iedereen bij ons op school herkennen?",
                "answers": 23,
                "voters": 12,
                "votes_hidden": False,
                "items": [
                    {"label": "Respect", "answers": ["Respect voor elkaar", "respect"], "votes": 9},
                    {
                        "label": "Eerlijk zijn, ook als het lastig is",
                        "answers": ["Eerlijk zijn", 'Zeggen wat je "echt" denkt'],
                        "votes": 4,
                    },
                    {
                        "label": "Veiligheid; voor leerlingen én collega's",
                        "answers": ["Veiligheid\nvoor iedereen"],
                        "votes": 2,
                    },
                    {"label": "Plezier 😄", "answers": ["Plezier in het werk 😄"], "votes": 0},
                ],
            },
            {
                "index": 1,
                "text": "Wat heb jij nodig om je veilig te voelen?",
                "answers": 4,
                "voters": 2,
                "votes_hidden": True,
                # In tally order: the page must not keep it, the order would rank them.
                "items": [
                    {"label": "Rust", "answers": ["Rust in de gang"], "votes": None},
                    {"label": "Duidelijke afspraken", "answers": ["Afspraken"], "votes": None},
                ],
            },
            {
                "index": 2,
                "text": "Wat neem je mee van vandaag?",
                "answers": 3,
                "voters": 0,
                "votes_hidden": False,
                "items": [{"label": "Energie", "answers": ["Energie!", "Zin"], "votes": None}],
            },
        ],
        "decisions": [
            {
                "number": 1,
                "prompt_index": 0,
                "from_item": "Respect",
                "text": respect,
                "status": "not_agreed",
                "rounds": [
                    {
                        "number": 1,
                        "text": "Wij laten respect zien.",
                        "responses": 12,
                        "counts_hidden": False,
                        "counts": {
                            "full_support": 2,
                            "support": 3,
                            "live_with": 3,
                            "reservations": 2,
                            "object": 2,
                        },
                        "reasons": [
                            {"level": "reservations", "text": "Graag concreter;\nmet voorbeelden"},
                            {"level": "object", "text": "Te vaag, wat is respect?"},
                        ],
                        "agreed": False,
                    },
                    {
                        "number": 2,
                        "text": respect,
                        "responses": 2,
                        "counts_hidden": True,
                        "counts": None,
                        "reasons": [
                            {"level": "live_with", "text": "Zo kan het"},
                            {"level": "object", "text": "Niet haalbaar in de pauze"},
                        ],
                        "agreed": False,
                    },
                ],
                "actions": [],
            },
            {
                "number": 2,
                "prompt_index": 0,
                "from_item": "Eerlijk zijn, ook als het lastig is",
                "text": honest,
                "status": "agreed",
                "rounds": [
                    {
                        "number": 1,
                        "text": "We zijn altijd eerlijk.",
                        "responses": 12,
                        "counts_hidden": False,
                        "counts": {
                            "full_support": 3,
                            "support": 2,
                            "live_with": 4,
                            "reservations": 2,
                            "object": 1,
                        },
                        "reasons": [{"level": "object", "text": "Altijd? Dat lukt niemand."}],
                        "agreed": False,
                    },
                    {
                        "number": 2,
                        "text": honest,
                        "responses": 12,
                        "counts_hidden": False,
                        "counts": {
                            "full_support": 5,
                            "support": 4,
                            "live_with": 2,
                            "reservations": 1,
                            "object": 0,
                        },
                        "reasons": [{"level": "reservations", "text": "Graag concreter"}],
                        "agreed": True,
                    },
                ],
                "actions": [
                    {
                        "what": "Afspraken op de website zetten",
                        "who": "Directie",
                        "due": "2026-12-15",
                    },
                    {"what": LONG_ACTION, "who": "Werkgroep PR, sectie 2", "due": "2027-01-10"},
                    {"what": "Evalueren | terugblik", "who": "Het hele team", "due": None},
                    {
                        "what": "=Lijst bijhouden",
                        "who": 'Mentor "onderbouw" \\ bovenbouw',
                        "due": "2027-02-01",
                    },
                ],
            },
            {
                "number": 3,
                "prompt_index": 1,
                "from_item": "Rust",
                "text": "",
                "status": "open",
                "rounds": [],
                "actions": [],
            },
        ],
    }


OUTCOME = sample_outcome()
ACTIONS = [(d, a) for d in OUTCOME["decisions"] for a in d["actions"]]
DATED = [(d, a) for d, a in ACTIONS if a["due"]]
HIDDEN_ITEMS = ("Duidelijke afspraken", "Rust")


def section(text: str, start: str, *ends: str) -> str:
    """The part of a Markdown text from the heading `start` to the next of `ends`."""
    after = text[text.index(start) :]
    cut = [i for end in ends if (i := after.find(end, len(start))) != -1]
    return after[: min(cut)] if cut else after


def review_html(locale: str, outcome: dict[str, Any] | None = None) -> str:
    renderer = Renderer(Path(Settings().templates_dir), TRANSLATORS)
    return renderer.render(
        "review.html",
        locale,
        outcome=outcome or OUTCOME,
        exports=EXPORTS,
        path="/r/abc",
        oob=None,
    )


def unescape(html: str) -> str:
    return html.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")


# Markdown -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_markdown_names_every_item_decision_and_action(locale: str) -> None:
    """Whoever reads the Markdown has every group, decision and action of the session."""
    translator = TRANSLATORS[locale]
    markdown = to_markdown(OUTCOME, translator)
    plain = re.sub(r"\\(.)", r"\1", markdown)
    for prompt in OUTCOME["prompts"]:
        assert prompt["text"] in plain
        for item in prompt["items"]:
            assert f"**{item['label']}**" in plain
            for answer in item["answers"]:
                assert answer.splitlines()[0] in plain
    for decision in OUTCOME["decisions"]:
        assert translator.gettext("Decision %(n)s") % {"n": decision["number"]} in markdown
        for line in decision["text"].splitlines():
            assert f"> {line}" in plain
    for _decision, action in ACTIONS:
        assert action["what"] in plain
        assert action["who"] in plain
        if action["due"]:
            assert translator.date(action["due"]) in markdown
    assert markdown.startswith('# Kernwaarden, deel 2; "samen" 🤝\n')
    assert "1. **Respect**: 9" in markdown  # ranked, with the count as text


def test_markdown_keeps_user_text_from_becoming_markup() -> None:
    """A pipe, a star or a leading number in someone's text cannot break a table or a list."""
    outcome = copy.deepcopy(OUTCOME)
    outcome["prompts"][0]["items"][0]["label"] = "**Vet** <b>html</b>"
    outcome["prompts"][0]["items"][0]["answers"] = ["1. geen lijst", "# geen kop"]
    markdown = to_markdown(outcome, TRANSLATORS["en"])
    assert "1. **\\*\\*Vet\\*\\* \\<b\\>html\\</b\\>**: 9 votes" in markdown
    assert "   - 1\\. geen lijst" in markdown
    assert "   - \\# geen kop" in markdown
    row = next(line for line in markdown.splitlines() if "Evalueren" in line)
    assert len(re.split(r"(?<!\\)\|", row.strip("|"))) == 3


# CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_csv_has_one_row_per_action_with_the_same_facts(locale: str) -> None:
    """A spreadsheet gets every action, once, with its decision, who and the ISO due date."""
    text = to_csv(OUTCOME, TRANSLATORS[locale])
    assert not text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(header) == 5
    assert len(rows) == len(ACTIONS)
    for row, (decision, action) in zip(rows, ACTIONS, strict=True):
        what = "'" + action["what"] if action["what"].startswith("=") else action["what"]
        assert row == [
            str(decision["number"]),
            decision["text"],
            what,
            action["who"],
            action["due"] or "",
        ]


def test_the_excel_csv_opens_in_columns_in_a_dutch_excel() -> None:
    """Dutch Excel splits on semicolons and reads UTF-8 only after a byte-order mark: the
    same rows, cell for cell, as the plain CSV."""
    text = to_excel_csv(OUTCOME, TRANSLATORS["nl"])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    plain = list(csv.reader(io.StringIO(to_csv(OUTCOME, TRANSLATORS["nl"]), newline="")))
    assert rows == plain
    assert text.splitlines()[0].count(";") == 4


def test_csv_never_hands_a_spreadsheet_a_formula() -> None:
    """A cell starting with = + - or @ is text in Excel or LibreOffice, not a formula."""
    rows = list(csv.reader(io.StringIO(to_csv(OUTCOME, TRANSLATORS["en"]), newline="")))
    assert ["2", OUTCOME["decisions"][1]["text"], "'=Lijst bijhouden"] == rows[-1][:3]


@pytest.mark.parametrize(("locale", "what", "who"), [("en", "What", "Who"), ("nl", "Wat", "Wie")])
def test_headers_are_in_the_readers_language(locale: str, what: str, who: str) -> None:
    """The CSV header and the Markdown's tables speak the language the reader chose."""
    translator = TRANSLATORS[locale]
    header = next(csv.reader(io.StringIO(to_csv(OUTCOME, translator))))
    assert header[2:4] == [what, who]
    assert header[4] == translator.gettext("By when")
    assert f"| {what} | {who} |" in to_markdown(OUTCOME, translator)


# JSON ---------------------------------------------------------------------------------


def test_json_is_the_outcome_itself() -> None:
    """The JSON export is exactly the stored outcome: nothing added, nothing lost, UTF-8."""
    text = to_json(OUTCOME)
    assert json.loads(text) == OUTCOME
    assert "🤝" in text and "\\u" not in text
    assert text.startswith('{\n  "schema": "draagvlak.outcome/1"')


# iCalendar ----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_ics_has_one_all_day_event_per_dated_action(locale: str) -> None:
    """A calendar app gets each dated action on its day, named what (who), with its decision."""
    calendar = icalendar.Calendar.from_ical(to_ics(OUTCOME, TRANSLATORS[locale]))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(DATED)
    for event, (decision, action) in zip(events, DATED, strict=True):
        assert event.decoded("DTSTART") == date.fromisoformat(action["due"])
        assert str(event["SUMMARY"]) == f"{action['what']} ({action['who']})"
        assert str(event["DESCRIPTION"]).startswith(decision["text"])
        assert event.decoded("DTSTAMP") == datetime(2026, 11, 29, 10, 30, tzinfo=UTC)
    uids = [str(event["UID"]) for event in events]
    assert len(set(uids)) == len(uids)
    assert all(uid.endswith("@draagvlak") for uid in uids)


def test_ics_uids_stay_the_same_so_a_second_import_updates() -> None:
    """The same outcome gives the same UIDs in every language, so nothing is doubled."""
    uid = re.compile(r"^UID:(.*)$", re.MULTILINE)
    first = uid.findall(to_ics(OUTCOME, TRANSLATORS["nl"]).replace("\r", ""))
    assert first == uid.findall(to_ics(OUTCOME, TRANSLATORS["en"]).replace("\r", ""))


def test_ics_lines_are_folded_at_75_octets_with_crlf() -> None:
    """RFC 5545: CRLF line ends, at most 75 octets a line, text escaped, never a split UTF-8."""
    text = to_ics(OUTCOME, TRANSLATORS["nl"])
    assert text.endswith("END:VCALENDAR\r\n")
    assert text.count("\n") == text.count("\r\n")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines), "the long action is folded"
    unfolded = text.replace("\r\n ", "")
    assert "Werkgroep PR\\, sectie 2" in unfolded
    assert "gaat\\;\\nen we bespreken" in unfolded
    assert 'Mentor "onderbouw" \\\\ bovenbouw' in unfolded


_text = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=120)


@settings(max_examples=150, deadline=None)
@given(what=_text, who=_text, decision=_text)
def test_ics_carries_any_text_unchanged(what: str, who: str, decision: str) -> None:
    """Whatever people type, with any emoji or punctuation, a parser reads back the same text."""
    outcome = copy.deepcopy(OUTCOME)
    outcome["decisions"][1]["text"] = decision
    outcome["decisions"][1]["actions"] = [{"what": what, "who": who, "due": "2027-03-01"}]
    text = to_ics(outcome, TRANSLATORS["en"])
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"{what} ({who})"
    assert str(event["DESCRIPTION"]).startswith(decision)


# The floor ----------------------------------------------------------------------------


def test_one_voter_below_the_floor_reads_as_one_person() -> None:
    """ "Only 1 person voted", in the review page and the Markdown, in both languages."""
    outcome = copy.deepcopy(OUTCOME)
    outcome["prompts"][1]["voters"] = 1
    for locale, expected in (("en", "Only 1 person voted"), ("nl", "Er stemde maar 1 persoon")):
        assert expected in to_markdown(outcome, TRANSLATORS[locale])
        assert expected in unescape(review_html(locale, outcome))


@pytest.mark.parametrize("locale", LOCALES)
def test_no_export_shows_a_count_that_the_floor_hides(locale: str) -> None:
    """Below the floor there is no count per option anywhere, and the reason is given."""
    translator = TRANSLATORS[locale]
    markdown = to_markdown(OUTCOME, translator)
    question = translator.gettext("Question %(n)s")
    hidden = section(markdown, f"### {question % {'n': 2}}", "\n### ")
    assert translator.ngettext(*VOTES_HIDDEN, 2) % {"num": 2, "floor": 3} in hidden
    item_lines = [line for line in hidden.splitlines() if line.startswith("- **")]
    assert item_lines == [f"- **{label}**" for label in HIDDEN_ITEMS]  # alphabetical, no rank
    listing = [line for line in hidden.splitlines() if line.lstrip().startswith("- ")]
    assert not re.search(r"\d", "\n".join(listing))

    decision = section(markdown, "### " + translator.gettext("Decision %(n)s") % {"n": 1}, "\n### ")
    late = section(decision, "#### " + translator.gettext("Round %(n)s") % {"n": 2}, "\n###")
    assert translator.gettext(COUNTS_HIDDEN) % {"floor": 3} in late
    assert "|" not in late  # no table of counts
    assert not any(f"*{translator.gettext(name)}:*" in late for name in LEVELS.values())
    # Below the floor the reasons lose their level and their order.
    assert "- Niet haalbaar in de pauze\n- Zo kan het\n" in late

    for text in (to_csv(OUTCOME, translator), to_ics(OUTCOME, translator)):  # actions only
        assert not any(label in text for label in HIDDEN_ITEMS)
        assert "Niet haalbaar" not in text
    stored = json.loads(to_json(OUTCOME))
    assert [item["votes"] for item in stored["prompts"][1]["items"]] == [None, None]
    assert stored["decisions"][0]["rounds"][1]["counts"] is None


@pytest.mark.parametrize("locale", LOCALES)
def test_the_review_page_hides_what_the_floor_hides_and_says_why(locale: str) -> None:
    """The page lists the groups below the floor without counts or rank, and explains."""
    translator = TRANSLATORS[locale]
    html = unescape(review_html(locale))
    prompt = re.search(r'aria-labelledby="prompt-1">(.*?)</article>', html, re.S)
    assert prompt is not None
    assert translator.ngettext(*VOTES_HIDDEN, 2) % {"num": 2, "floor": 3} in prompt[1]
    assert "<progress" not in prompt[1] and "<ol" not in prompt[1]
    assert prompt[1].index("Duidelijke afspraken") < prompt[1].index("Rust")
    assert 'class="outcome-count"' not in prompt[1]
    late = re.search(r'aria-labelledby="decision-1 decision-1-round-2">(.*?)</section>', html, re.S)
    assert late is not None
    assert translator.gettext(COUNTS_HIDDEN) % {"floor": 3} in late[1]
    assert "<table" not in late[1] and "<progress" not in late[1]
    assert 'class="outcome-level"' not in late[1]
    assert late[1].index("Niet haalbaar") < late[1].index("Zo kan het")


# The review page ----------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_the_review_page_shows_the_whole_outcome(locale: str) -> None:
    """Title, date, ranked groups, decisions with their rounds and reasons, actions, exports."""
    translator = TRANSLATORS[locale]
    html = review_html(locale)
    plain = unescape(html)
    assert f'<html lang="{locale}">' in html
    assert '<h1 lang="nl">Kernwaarden, deel 2; "samen" 🤝</h1>' in plain
    assert translator.date(OUTCOME["session"]["closed_at"]) in html
    ranked = re.search(r'aria-labelledby="prompt-0">(.*?)</article>', plain, re.S)
    assert ranked is not None and "<ol" in ranked[1]
    assert '<progress max="9" value="4" aria-hidden="true">' in ranked[1]
    assert translator.ngettext("%(num)s vote", "%(num)s votes", 4) % {"num": 4} in ranked[1]
    for label in ("Respect", "Eerlijk zijn, ook als het lastig is", "Plezier 😄"):
        assert label in ranked[1]
    for status in ("Agreed", "Not agreed", "Still open"):
        assert translator.gettext(status) in html
    for name in LEVELS.values():  # the page and the exports name the levels alike
        assert f'<th scope="row">{translator.gettext(name)}</th>' in html
    assert "Zo kan het" in html and "Altijd? Dat lukt niemand." in html
    for heading in ("What", "Who", "By when"):
        assert f'<th scope="col">{translator.gettext(heading)}</th>' in html
    assert '<time datetime="2026-12-15">' in html
    assert LONG_ACTION in html
    assert translator.gettext("No date") in html
    for href in EXPORTS.values():
        assert f'href="{href}"' in html


def test_the_calendar_is_offered_only_when_an_action_has_a_date() -> None:
    """An empty calendar is no use (and not valid iCalendar), so there is no link to one."""
    outcome = copy.deepcopy(OUTCOME)
    for decision in outcome["decisions"]:
        for action in decision["actions"]:
            action["due"] = None
    assert EXPORTS["ics"] in review_html("en")
    assert EXPORTS["ics"] not in review_html("en", outcome)
    assert EXPORTS["csv"] in review_html("en", outcome)


# In a browser -------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(os.environ.get("DRAAGVLAK_AXE", ROOT / ".ci/node/node_modules/axe-core/axe.min.js"))


@pytest.fixture
def phone_page() -> Iterator[Any]:
    for path, what in ((CHROMIUM, "chromium"), (AXE, "axe-core")):
        if not path.exists():
            if os.environ.get("CI"):
                pytest.fail(f"{what} is missing at {path}: .ci/run installs it")
            pytest.skip(f"{what} is not installed here ({path}); bash .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 390, "height": 844})
        yield context.new_page()
        browser.close()


@pytest.mark.browser
@pytest.mark.parametrize("locale", LOCALES)
def test_the_review_page_is_accessible_on_a_phone_and_prints_clean(
    phone_page: Any, locale: str
) -> None:
    """axe-core finds nothing at 390 px, nothing scrolls sideways, and print hides the links."""
    pages = {"/r/abc": review_html(locale)}

    def serve(route: Any) -> None:
        path = route.request.url.split("draagvlak.test", 1)[1].split("?")[0]
        if path.startswith("/static/"):
            route.fulfill(path=str(ROOT / path.lstrip("/")))
        else:
            route.fulfill(body=pages.get(path, ""), content_type="text/html; charset=utf-8")

    phone_page.route("**/*", serve)
    phone_page.goto("http://draagvlak.test/r/abc")
    for sheet, media in (("outcome.css", "all"), ("print.css", "print")):
        if f"/static/{sheet}" not in pages["/r/abc"]:  # until base.html links them
            css = (ROOT / "static" / sheet).read_text()
            phone_page.add_style_tag(content=f"@media {media} {{\n{css}\n}}")
    phone_page.evaluate(AXE.read_text())  # through DevTools: a policy cannot refuse it
    results = phone_page.evaluate("async () => await axe.run(document)")
    assert results["passes"], "axe checked nothing"
    violations = results["violations"]
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.emulate_media(media="print")
    assert not phone_page.locator("a").filter(visible=True).count()
    assert phone_page.get_by_text("Respect voor elkaar").is_visible()  # folded answers print

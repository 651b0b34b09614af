"""The team's memory (issue 17), walked through the UI as a school uses it: a core values
session lands in the register; a norms-and-rules session starts from it (console, projector
and phones show the core values) and replaces it with a second version; an evaluation
moment started from the register reviews the open actions and rates two agreements; the
register then shows versions, ratings and what is due for review, and the action list what
became of the actions. Real chromium on a real server, the server's CSP enforced: a laptop
(1440x900), a projector (1920x1080) and three phones (390x844)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, expect
from test_accessibility import enforces_policy
from test_browser import assert_accessible, browser, join_by_code, playwright, start_signed_in

__all__ = ["browser", "playwright"]  # fixtures, used by name

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
# A folder for the pictures (loop-*.png); relative to the repository: docs/screenshots.
SHOTS = os.environ.get("DRAAGVLAK_LOOP_SHOTS")

VALUE = "We treat each other with respect"
RULE = "We speak up when a rule is broken, calmly and the same day"
VALUE_2 = "We treat each other with respect, also when we disagree"
ACTION_1 = ("Put our core value on the staffroom wall", "Team leader", "15-01-2027")
ACTION_2 = ("Practise speaking up in the study afternoon", "Whole team", "01-03-2027")
REMARK = "The weekly check-in helps; a full timetable hinders"
RATING = "How well do we live this agreement?"


def shoot(page: Page, name: str, full: bool = False) -> None:
    if SHOTS:
        folder = Path(SHOTS) if Path(SHOTS).is_absolute() else ROOT / SHOTS
        folder.mkdir(parents=True, exist_ok=True)
        page.evaluate(  # cards fading in are pictured as they end up
            "() => Promise.all(document.getAnimations()"
            ".filter((a) => a.effect.getComputedTiming().endTime !== Infinity)"
            ".map((a) => a.finished))"
        )
        page.screenshot(path=str(folder / f"loop-{name}.png"), full_page=full)


def check_axe(page: Page) -> None:
    """axe-core finds nothing, on the page as the server's policy lets it run."""
    assert enforces_policy(page), f"{page.url}: inline script ran, the CSP is off"
    assert_accessible(page)


def phones_for(browser: Browser, playwright: Playwright) -> list[Page]:
    device = {
        k: v for k, v in playwright.devices["iPhone 13"].items() if k != "default_browser_type"
    }
    return [browser.new_context(**device, locale="en-GB").new_page() for _ in range(3)]


def open_pack(console: Page, base: str, pack: str) -> str:
    """Starts a session of `pack` in English from the start page; returns its join code."""
    console.goto(f"{base}/start")
    title = console.locator(".pack-title").get_by_text(pack, exact=True)
    console.locator("label.pack").filter(has=title).locator("input").check()
    console.locator("select#lang").select_option("en")
    console.get_by_role("button", name="Open the session").click()
    console.wait_for_url(re.compile(r"/console$"))
    expect(console.locator("#connection")).to_have_attribute("data-state", "online")
    return console.locator(".join-line .code").inner_text().replace(" ", "")


def show(screen: Page, console: Page) -> None:
    """The projector, in a window of its own, on the console's session."""
    screen.goto(console.url.replace("/console", "/screen"))
    expect(screen.locator("#connection")).to_have_attribute("data-state", "online")


def join_all(phones: list[Page], base: str, code: str, screen: Page) -> None:
    for phone in phones:
        join_by_code(phone, base, code)
    expect(screen.locator("#joined")).to_have_text(f"{len(phones)} joined")


def start_question(console: Page) -> None:
    console.get_by_role("button", name=re.compile("^Start this question")).first.click()


def answer_vote_reveal(console: Page, phones: list[Page], answers: list[str]) -> None:
    """The open question answered on the phones, grouped, voted on (one dot each on the
    first answer) and revealed: where the console offers to propose a decision."""
    for phone, text in zip(phones, answers, strict=True):
        phone.get_by_label("Write your answer").fill(text)
        phone.get_by_role("button", name="Send").click()
    expect(console.locator("#wall li")).to_have_count(len(answers))
    console.get_by_role("button", name="Close and group the answers").click()
    console.get_by_role("button", name="Start voting").click()
    for phone in phones:
        item = phone.locator(".ballot-item", has_text=answers[0])
        item.get_by_role("button", name="Give a dot").click()
        expect(phone.locator(".dots-left")).to_contain_text("2 dots left")
    console.get_by_role("button", name="Reveal the results").click()
    expect(console.locator(".propose")).to_be_visible()


def propose_own(console: Page, text: str, replaces: str = "") -> None:
    """A decision in the facilitator's own words, perhaps a new version of an agreement."""
    more = console.locator("details.propose-more")
    if more.get_attribute("open") is None:
        more.locator("summary").click()
    form = more.locator("form")
    form.locator("#propose-own").fill(text)
    if replaces:
        form.get_by_label("Changes an agreement of the register").select_option(label=replaces)
    form.get_by_role("button", name="Propose and start a consent round").click()


def consent(phones: list[Page], screen: Page, text: str, levels: list[str]) -> None:
    for phone, level in zip(phones, levels, strict=True):
        expect(phone.locator(".decision-text")).to_have_text(text)
        phone.get_by_label(level, exact=True).check()
        phone.get_by_role("button", name="Send").click()
        expect(phone.locator("#mine .saved")).to_have_text(f"Received: {level}")
    expect(screen.locator("#progress")).to_contain_text(f"{len(phones)} of {len(phones)} responded")


def close_round_agreed(console: Page, screen: Page) -> None:
    console.get_by_role("button", name="Close the round").click()
    expect(screen.locator(".decision.is-focus .badge")).to_have_text("Agreed")


def add_action(console: Page, screen: Page, decision: int, action: tuple[str, str, str]) -> None:
    what, who, due = action
    console.locator(f"#what-{decision}").fill(what)
    console.locator(f"#who-{decision}").fill(who)
    console.locator(f"#due-{decision}").fill(due)
    form = console.locator(f"form:has(#what-{decision})")
    form.get_by_role("button", name="Add the action").click()
    expect(console.locator("table.actions")).to_contain_text(what)


def close_session(console: Page, phones: list[Page]) -> None:
    console.get_by_role("button", name="Close the session and save the outcome").click()
    expect(console.locator("h2", has_text="The session is closed")).to_be_visible()
    for phone in phones:
        expect(phone.locator(".closed-note")).to_contain_text("closed")


def rate(phones: list[Page], values: list[int]) -> None:
    for phone, value in zip(phones, values, strict=True):
        expect(phone.locator(".prompt")).to_contain_text(RATING)
        phone.locator(".pick-option").nth(value - 1).click()
        phone.locator(".pick-form button[type=submit]").click()
        expect(phone.locator(".pick-form [role=status]")).to_have_text(f"Received: {value}")


def verdict(panel: Locator, name: str, what: str) -> Locator:
    """The console's button that marks the open action `what` with the verdict `name`."""
    return panel.get_by_role("button", name=re.compile(rf"^{name}\W+{re.escape(what)}$"))


def agreement(page: Page, text: str) -> Locator:
    """The register's article whose current version reads exactly `text`."""
    exactly = re.compile(rf"^\s*{re.escape(text)}\s*$")
    return page.locator("article.register-agreement").filter(
        has=page.locator(":scope > blockquote.outcome-text", has_text=exactly)
    )


def test_the_loop_values_rules_evaluation_and_the_register(
    server,
    browser: Browser,
    playwright: Playwright,
) -> None:
    base = server.url
    leader: BrowserContext = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="en-GB"
    )
    console = leader.new_page()
    start_signed_in(console, base)
    # The projector on the second display: its own window, signed in as the same leader.
    room = browser.new_context(
        viewport={"width": 1920, "height": 1080},
        locale="en-GB",
        storage_state=leader.storage_state(),
    )
    screen = room.new_page()
    phones = phones_for(browser, playwright)

    # 1. Core values: a value agreed in the facilitator's own words, with an action.
    code = open_pack(console, base, "Core values")
    show(screen, console)
    join_all(phones, base, code, screen)
    start_question(console)
    answer_vote_reveal(console, phones, ["Respect", "Honesty", "Safety"])
    propose_own(console, VALUE)
    consent(phones, screen, VALUE, ["Can live with it", "Support", "Fully support"])
    close_round_agreed(console, screen)
    add_action(console, screen, 1, ACTION_1)
    expect(screen.locator("table.actions")).to_contain_text("15 Jan 2027")
    close_session(console, phones)
    console.goto(f"{base}/team/register")
    expect(agreement(console, VALUE)).to_contain_text("Version 1")
    expect(agreement(console, VALUE)).to_contain_text("In force")

    # 2. Norms and rules: everyone sees the core values while the team works on rules.
    code = open_pack(console, base, "Norms and rules")
    context = console.locator(".context-console")
    expect(context.locator("summary")).to_contain_text("What we agreed earlier (1)")
    expect(context.locator(".context-topic")).to_have_text("Core values")
    expect(context.locator(".chip")).to_have_text(VALUE)
    shoot(console, "console-context")
    show(screen, console)
    lobby = screen.locator(".lobby .context-screen")
    expect(lobby.locator(".context-topic")).to_have_text("Core values (1)")
    expect(lobby.locator(".chip")).to_have_text(VALUE)
    expect(screen.locator(".qr-box")).to_be_in_viewport()
    join_all(phones, base, code, screen)
    shoot(screen, "projector-lobby-context")
    start_question(console)
    expect(screen.locator(".screen-head .context-screen .chip")).to_have_text(VALUE)
    folded = phones[0].locator("details.context-phone")
    expect(folded.locator("summary")).to_contain_text("What we agreed earlier (1)")
    folded.locator("summary").click()
    expect(folded.locator("li")).to_have_text(VALUE)
    # The first question walked as in the first session, then two decisions.
    answer_vote_reveal(console, phones, ["Shouting at pupils", "Ignoring a colleague", "Gossip"])
    propose_own(console, RULE)
    consent(phones, screen, RULE, ["Support", "Support", "Can live with it"])
    close_round_agreed(console, screen)
    add_action(console, screen, 1, ACTION_2)
    # A new version of the core value: agreed, it replaces the first.
    propose_own(console, VALUE_2, replaces=VALUE)
    consent(phones, screen, VALUE_2, ["Fully support", "Support", "Support"])
    close_round_agreed(console, screen)
    close_session(console, phones)

    console.goto(f"{base}/team/register")
    newest = agreement(console, VALUE_2)
    expect(newest.locator("h3")).to_have_text("Version 2")
    history = newest.locator("details.register-history")
    expect(history.locator("summary")).to_have_text("1 older version")
    expect(history.locator("blockquote")).to_be_hidden()  # folded
    expect(agreement(console, RULE).locator("h3")).to_have_text("Version 1")
    expect(console.locator("article.register-agreement")).to_have_count(2)

    # 3. The evaluation moment, from the register.
    console.get_by_role("link", name="Start an evaluation moment").click()
    console.wait_for_url(re.compile(r"/team/evaluate$"))
    open_title = console.locator("#open-title")
    expect(open_title).to_have_text("2 open actions to look back on")
    for text in (RULE, VALUE_2):
        console.locator(".choose-list label", has_text=text).locator("input").check()
    shoot(console, "evaluate", full=True)
    check_axe(console)
    console.get_by_role("button", name="Open the evaluation moment").click()
    console.wait_for_url(re.compile(r"/console$"))
    expect(console.locator("#connection")).to_have_attribute("data-state", "online")
    code = console.locator(".join-line .code").inner_text().replace(" ", "")
    show(screen, console)
    expect(screen.locator("h1.prompt")).to_have_text("Where do we stand with our actions?")
    carried = screen.locator(".carried-item")
    expect(carried).to_have_count(2)
    expect(screen.locator(".verdict-badge")).to_have_text(["To discuss", "To discuss"])
    panel = console.locator("details.carried-panel")
    expect(panel.locator("summary")).to_contain_text("2 to discuss")
    verdict(panel, "Done", ACTION_1[0]).click()
    verdict(panel, "Carried over", ACTION_2[0]).click()
    expect(carried.filter(has_text=ACTION_1[0]).locator(".verdict-badge")).to_have_text("Done")
    expect(carried.filter(has_text=ACTION_2[0]).locator(".verdict-badge")).to_have_text(
        "Carried over"
    )
    expect(panel.locator("summary")).to_contain_text("All discussed")
    shoot(screen, "projector-open-actions")
    check_axe(screen)
    # All discussed, the panel folds; opened again it shows what the room said.
    expect(panel).not_to_have_attribute("open", "")
    panel.locator("summary").click()
    expect(verdict(panel, "Done", ACTION_1[0])).to_have_attribute("aria-pressed", "true")
    expect(verdict(panel, "Carried over", ACTION_2[0])).to_have_attribute("aria-pressed", "true")
    shoot(console, "console-carried", full=True)
    check_axe(console)

    # The room's turn: the phones join; opening the first rating moves the projector on
    # from the open actions to the question.
    join_all(phones, base, code, screen)
    picks = [[4, 4, 5], [2, 3, 3]]
    rated: list[str] = []
    for number, values in enumerate(picks):
        start_question(console)
        # Each rating reads alike: go on once every screen shows this one.
        shown = f"Question {number + 1} of 7"
        for page in (screen, *phones):
            expect(page.locator("#stage p.progress")).to_contain_text(shown)
        prompt = phones[0].locator(".prompt")
        expect(prompt).to_contain_text(RATING)
        expect(screen.locator("h1.prompt")).to_contain_text(RATING)
        rated.append(RULE if RULE in prompt.inner_text() else VALUE_2)
        rate(phones, values)
        expect(screen.locator(".pick-count")).to_have_text("3 people answered")
        if number == 0:
            box = phones[1].get_by_label("What helps or hinders? (you may leave this empty)")
            box.fill(REMARK)
            phones[1].locator(".remark-form").get_by_role("button", name="Send").click()
            expect(screen.locator("#wall")).to_contain_text(REMARK)
            expect(screen.locator(".scale-mean strong")).to_have_text("4.3")
            shoot(screen, "projector-rating")
            shoot(phones[1], "phone-rating", full=True)
            check_axe(phones[1])
            # A remark being typed stays while the phone changes its pick (its own part
            # is drawn again around it).
            draft = phones[0].get_by_label("What helps or hinders? (you may leave this empty)")
            draft.fill("Half-typed")
            for value in (2, values[0]):
                phones[0].locator(".pick-option").nth(value - 1).click()
                phones[0].locator(".pick-form button[type=submit]").click()
                status = phones[0].locator(".pick-form [role=status]")
                expect(status).to_have_text(f"Received: {value}")
            expect(draft).to_have_value("Half-typed")
    assert sorted(rated) == sorted([RULE, VALUE_2])
    close_session(console, phones)

    # 4. The register: versions, ratings, and what is due for review.
    console.goto(f"{base}/team/register")
    for text, mean in zip(rated, ["4.3", "2.7"], strict=True):
        ratings = agreement(console, text).locator(".ratings")
        expect(ratings.locator("h4")).to_have_text("How well we live it")
        expect(ratings.locator("svg.ratings-chart")).to_be_visible()
        expect(ratings.locator(".ratings-mean")).to_have_text(mean)
        expect(ratings.locator(".ratings-latest")).to_contain_text("3 ratings")
    remarks = agreement(console, rated[0]).locator(".ratings details")
    expect(remarks.locator("summary")).to_have_text("1 remark on what helps or hinders")
    expect(agreement(console, VALUE_2).locator("h3")).to_have_text("Version 2")
    expect(console.locator(".register-due")).to_have_count(0)
    rule = agreement(console, RULE)
    rule.get_by_label("Review date").fill("01-01-2020")
    rule.get_by_role("button", name="Set review date").click()
    due = console.locator(".register-due")
    expect(due.locator("h2")).to_have_text("1 agreement is due for review")
    expect(due.get_by_role("link")).to_have_text(RULE)
    expect(due).to_contain_text("1 Jan 2020")
    expect(agreement(console, RULE)).to_contain_text("Due for review")
    shoot(console, "register-ratings", full=True)
    check_axe(console)

    console.goto(f"{base}/team/actions")
    done = console.locator("tr.tracker-row", has_text=ACTION_1[0])
    still = console.locator("tr.tracker-row", has_text=ACTION_2[0])
    expect(done.get_by_label("Status")).to_have_value("done")
    expect(done).to_have_class(re.compile(r"\bstatus-done\b"))
    expect(still.get_by_label("Status")).to_have_value("open")
    expect(still).to_contain_text("1 Mar 2027")
    shoot(console, "actions", full=True)
    check_axe(console)

    for context in (leader, room, *(p.context for p in phones)):
        context.close()

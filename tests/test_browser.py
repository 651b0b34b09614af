"""Real browsers: Debian's chromium through Playwright; phones 390x844, projector 1920x1080."""

from __future__ import annotations

import json
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, expect, sync_playwright

from wire import LEADER_EMAIL, LEADER_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(os.environ.get("DRAAGVLAK_AXE", ROOT / ".ci/node/node_modules/axe-core/axe.min.js"))
SHOTS = os.environ.get("DRAAGVLAK_SCREENSHOTS")

pytestmark = pytest.mark.browser


def require(path: Path, what: str) -> None:
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing at {path}: .ci/run installs it")
        pytest.skip(f"{what} is not installed here ({path}); bash .ci/run installs it")


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    require(Path(CHROMIUM), "chromium")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def phone(browser: Browser, playwright: Playwright, locale: str = "nl-NL") -> Page:
    device = {
        k: v for k, v in playwright.devices["iPhone 13"].items() if k != "default_browser_type"
    }
    context = browser.new_context(**device, locale=locale, bypass_csp=True)
    return context.new_page()


def desktop(browser: Browser, width: int = 1440, height: int = 900, locale: str = "en-GB") -> Page:
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale=locale, bypass_csp=True
    )
    return context.new_page()


def projector(console: Page, url: str) -> Page:
    """The projector tab, opened from the leader's own browser as the console's link does."""
    screen = console.context.new_page()
    screen.set_viewport_size({"width": 1920, "height": 1080})
    screen.goto(url)
    # A projector stays connected; the test goes on only once it is, as a leader would.
    expect(screen.locator("#connection")).to_have_attribute("data-state", "online")
    return screen


def assert_accessible(page: Page) -> None:
    """axe-core finds no violation at all on the page as it is now, which the server sent
    with its Content-Security-Policy. axe goes in through the DevTools protocol
    (page.evaluate), which that policy does not govern: a script tag of axe's source is
    inline script, refused under `script-src 'self'`."""
    require(AXE, "axe-core")
    policy = page.request.head(page.url).headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, f"{page.url} is served without its policy: {policy!r}"
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    # A card fading in has not reached its colours yet: judge the page once it has.
    page.evaluate(
        "() => Promise.all(document.getAnimations()"
        ".filter((a) => a.effect.getComputedTiming().endTime !== Infinity)"
        ".map((a) => a.finished))"
    )
    results = page.evaluate(
        "async () => { const r = await axe.run(document);"
        " return {passes: r.passes.length, violations: r.violations} }"
    )
    assert results["passes"] > 0, f"axe checked nothing on {page.url}"
    violations = results["violations"]
    summary = "\n".join(
        f"{v['id']} ({v['impact']}) on {page.url}: {v['help']}\n"
        + "\n".join(f"  {n['target']}: {n['html'][:160]}" for n in v["nodes"][:5])
        for v in violations
    )
    if violations:
        raise AssertionError("axe-core found:\n" + summary)


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def start_signed_in(page: Page, base: str) -> None:
    """The start page, as the leader: making the first account on a fresh server (as a
    newcomer would), else signing in."""
    page.goto(f"{base}/start")
    if page.url.endswith("/setup"):
        page.locator("#team").fill("De Linde")
        page.locator("#email").fill(LEADER_EMAIL)
        page.locator("#password").fill(LEADER_PASSWORD)
        page.locator("#again").fill(LEADER_PASSWORD)
        page.locator("form.account-form button[type=submit]").click()
    elif "/signin" in page.url:
        page.locator("#email").fill(LEADER_EMAIL)
        page.locator("#password").fill(LEADER_PASSWORD)
        page.locator("form.account-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/start$"))


def open_session(page: Page, base: str, pack: str = "Core values") -> tuple[str, str]:
    """Starts a session from the start page; returns the projector URL and the join code."""
    start_signed_in(page, base)
    assert_accessible(page)
    page.get_by_label(re.compile(pack)).check()
    page.get_by_role("button", name="Open the session").click()
    page.wait_for_url(re.compile(r"/console$"))
    expect(page.locator("#connection")).to_have_text("Connected")
    code = page.locator(".join-line .code").inner_text().replace(" ", "")
    return page.url.replace("/console", "/screen"), code


def join_by_code(page: Page, base: str, code: str) -> None:
    page.goto(base)
    page.get_by_label(re.compile("Sessiecode|Session code")).fill(f"{code[:3]} {code[3:]}")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/j/{code}$"))
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")


def test_a_session_from_start_page_to_answers_on_the_projector(server, browser, playwright):
    """A leader opens a session, two phones join by code and answer, the projector shows
    every answer live; each page passes axe-core and works by keyboard."""
    console = desktop(browser)
    screen_url, code = open_session(console, server.url)
    assert_accessible(console)

    screen = projector(console, screen_url)
    expect(screen.locator(".join-code")).to_have_text(f"{code[:3]} {code[3:]}")
    expect(screen.locator(".qr-box svg")).to_be_visible()
    expect(screen.locator("#connection")).to_have_attribute("data-state", "online")
    assert_accessible(screen)

    first, second = phone(browser, playwright, "en-GB"), phone(browser, playwright, "nl-NL")
    dialogs: list[str] = []  # an alert() here would mean an answer ran as script
    for page_ in (console, screen, first, second):
        page_.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    first.goto(server.url)
    assert first.get_by_label("Session code").get_attribute("inputmode") == "numeric"
    assert_accessible(first)
    join_by_code(first, server.url, code)
    join_by_code(second, server.url, code)
    expect(first.locator("h1")).to_have_text("You're in!")
    expect(second.locator("h1")).to_have_text("Je doet mee!")
    expect(screen.locator("#joined")).to_have_text("2 joined")
    assert_accessible(first)
    shoot(screen, "projector-lobby")

    # The leader starts the first question by keyboard alone.
    start = console.get_by_role("button", name=re.compile("^Start this question")).first
    start.focus()
    console.keyboard.press("Enter")
    prompt = "Which value should everyone be able to recognise at our school?"
    expect(first.locator(".prompt")).to_have_text(prompt)
    expect(second.locator(".prompt")).to_have_text(prompt)
    expect(screen.locator(".prompt")).to_have_text(prompt)

    first.get_by_label("Write your answer").fill("Respect for each other")
    first.get_by_role("button", name="Send").click()
    first.get_by_label("Write your answer").fill("Being honest, even when it is hard")
    first.keyboard.press("Enter")
    second.get_by_label("Schrijf je antwoord").fill(
        "<b>Veiligheid</b> <img src=x onerror=alert(1)>"
    )
    second.get_by_role("button", name="Versturen").click()

    wall = screen.locator("#wall li")
    expect(wall).to_have_count(3)
    expect(wall).to_contain_text(
        [
            "Respect for each other",
            "Being honest, even when it is hard",
            "<b>Veiligheid</b> <img src=x onerror=alert(1)>",
        ]
    )
    assert screen.locator("#wall img, #wall b").count() == 0  # shown as text, never as HTML
    assert console.locator("#wall img, #wall b").count() == 0
    screen.wait_for_timeout(300)
    assert dialogs == []
    expect(screen.locator("#answer-count")).to_have_text("3 answers")
    expect(console.locator("#wall li")).to_have_count(3)
    expect(first.locator("#mine li")).to_have_count(2)
    expect(second.locator("#mine li")).to_have_count(1)
    expect(second.locator("#mine")).not_to_contain_text("Respect")
    expect(first.locator("#mine")).not_to_contain_text("Veiligheid")
    expect(first.locator("#pending li")).to_have_count(0)

    # Edit one's own answer from the phone; the projector follows.
    first.locator("#mine li").first.get_by_text("Edit", exact=True).click()
    edit_box = first.get_by_label("Edit your answer").first
    edit_box.fill("Respect for everyone")
    edit_box.press("Tab")  # to the Save button
    first.keyboard.press("Enter")
    expect(screen.locator("#wall")).to_contain_text("Respect for everyone")
    expect(screen.locator("#wall")).not_to_contain_text("Respect for each other")

    assert_accessible(first)
    assert_accessible(screen)
    shoot(first, "phone")
    shoot(screen, "projector")
    shoot(console, "console")

    console.get_by_role("button", name="Close answering").click()
    expect(first.locator(".closed-note")).to_be_visible()
    expect(screen.locator(".progress")).to_contain_text("answering closed")


def test_an_answer_sent_while_the_server_is_away_arrives_once_when_it_returns(
    server, browser, playwright
):
    """The phone shows an answer typed during an outage as not sent yet, then sends it when
    the connection returns; the projector shows it exactly once."""
    console = desktop(browser)
    screen_url, code = open_session(console, server.url)
    console.get_by_role("button", name=re.compile("^Start this question")).first.click()
    teacher = phone(browser, playwright)
    join_by_code(teacher, server.url, code)
    expect(teacher.locator("textarea")).to_be_visible()

    server.stop(signal.SIGTERM)
    expect(teacher.locator("#connection")).to_have_attribute("data-state", "offline")
    teacher.get_by_label("Schrijf je antwoord").fill("Gezien worden")
    teacher.get_by_role("button", name="Versturen").click()
    pending = teacher.locator("#pending li")
    expect(pending).to_contain_text("Nog niet verstuurd")
    server.start()

    expect(teacher.locator("#connection")).to_have_attribute("data-state", "online", timeout=20_000)
    expect(pending).to_have_count(0, timeout=10_000)
    expect(teacher.locator("#mine li")).to_have_count(1)
    screen = projector(console, screen_url)
    expect(screen.locator("#wall li")).to_have_count(1)
    expect(screen.locator("#wall li")).to_have_text("Gezien worden")


def test_a_page_whose_scripts_arrive_late_still_connects_and_says_so(server, browser, playwright):
    """On a busy laptop live.js and app.js can arrive after htmx itself has
    run. The projector still connects, and its indicator says so. (With deferred scripts,
    htmx started on a timer before them: the page never connected, or connected while the
    indicator kept saying "Connecting…".)"""
    console = desktop(browser)
    screen_url, code = open_session(console, server.url)
    screen = console.context.new_page()

    def after_htmx_started(route: Route) -> None:
        # Hold the file until htmx has run and every timer it set by then has fired.
        screen.wait_for_function("() => window.htmx !== undefined")
        screen.evaluate("() => new Promise((resolve) => setTimeout(resolve))")
        route.continue_()

    screen.route(re.compile(r"/static/(live|app)\.js$"), after_htmx_started)
    screen.goto(screen_url)
    expect(screen.locator("#connection")).to_have_attribute("data-state", "online")
    expect(screen.locator("#connection")).to_have_text("Connected")
    # Connected for real: a phone that joins is counted on it.
    teacher = phone(browser, playwright, "en-GB")
    join_by_code(teacher, server.url, code)
    expect(screen.locator("#joined")).to_have_text("1 joined")


def test_own_questions_kept_as_a_topic_in_a_bilingual_room(server, browser, playwright):
    """A leader writes own questions and keeps them as a topic; a Dutch and an English phone
    each get the interface in their language; after a restart the topic is on the start page."""
    console = desktop(browser, locale="nl-NL")
    start_signed_in(console, server.url)
    console.get_by_label("Eén vraag per regel, maximaal vijf").fill(
        "Waar ben je trots op in ons team?\nWat zou je morgen anders doen?"
    )
    expect(console.locator("#pack-own")).to_be_checked()  # typing chose "my own questions"
    console.get_by_label("Titel (niet verplicht)").fill("Teamdag januari")
    console.get_by_label("Bewaar deze vragen als onderwerp voor een volgende keer").check()
    console.get_by_role("button", name="Open de sessie").click()
    console.wait_for_url(re.compile(r"/console$"))
    expect(console.locator("#connection")).to_have_attribute("data-state", "online")
    code = console.locator(".join-line .code").inner_text().replace(" ", "")

    dutch, english = phone(browser, playwright, "nl-NL"), phone(browser, playwright, "en-GB")
    join_by_code(dutch, server.url, code)
    join_by_code(english, server.url, code)
    console.get_by_role("button", name=re.compile("^Start deze vraag")).first.click()
    for teacher in (dutch, english):
        expect(teacher.locator(".prompt")).to_have_text("Waar ben je trots op in ons team?")
    expect(dutch.get_by_role("button", name="Versturen")).to_be_visible()
    expect(english.get_by_role("button", name="Send")).to_be_visible()
    english.get_by_label("Write your answer").fill("How we welcome new pupils")
    english.keyboard.press("Enter")
    expect(english.locator("#mine")).to_contain_text("Your answer")
    expect(console.locator("#wall li")).to_have_count(1)

    # The language switch on the phone sticks across reloads.
    dutch.get_by_role("link", name="English").click()
    expect(dutch.get_by_role("button", name="Send")).to_be_visible()
    dutch.reload()
    expect(dutch.get_by_role("button", name="Send")).to_be_visible()
    assert_accessible(console)

    server.stop(signal.SIGTERM)
    server.start()
    start_signed_in(console, server.url)
    saved = console.locator(".pack.saved")
    expect(saved).to_contain_text("Teamdag januari")
    expect(saved).to_contain_text("Bewaard onderwerp · Nederlands · 2 vragen")
    saved.locator("input[type=radio]").check()
    console.get_by_role("button", name="Open de sessie").click()
    console.wait_for_url(re.compile(r"/console$"))
    expect(console.locator(".prompts li")).to_have_count(2)
    expect(console.locator(".prompts")).to_contain_text("Wat zou je morgen anders doen?")


def test_grouping_by_drag_by_keyboard_and_on_a_phone(server, browser, playwright):
    """The leader drags one card onto another and places a third by keyboard; a phone
    places a fourth by tapping; the projector shows the same groups."""
    console = desktop(browser)
    screen_url, code = open_session(console, server.url)
    console.get_by_role("button", name=re.compile("^Start this question")).first.click()
    teachers = [phone(browser, playwright, "en-GB"), phone(browser, playwright, "nl-NL")]
    for teacher in teachers:
        join_by_code(teacher, server.url, code)
    texts = ["Respect", "Respect for each other", "Respect, always", "Safety", "Feeling safe"]
    for index, text in enumerate(texts):
        teacher = teachers[index % 2]
        teacher.locator("#draft-0").fill(text)
        teacher.locator("#draft-0").press("Enter")
        expect(console.locator("#wall li")).to_have_count(index + 1)
    console.get_by_role("button", name="Close and group the answers").click()
    screen = projector(console, screen_url)
    board = console.locator("#board")
    expect(board.locator(".ungrouped .card")).to_have_count(5)

    # By mouse: drag "Respect for each other" onto "Respect".
    board.locator("#card-2").drag_to(board.locator("#card-1"))
    expect(board.locator(".group")).to_have_count(1)
    expect(board.locator(".group .card")).to_have_count(2)

    # By keyboard: choose "Respect, always", then the group's "Put here".
    board.get_by_role("button", name="Respect, always").focus()
    console.keyboard.press("Enter")
    expect(board.get_by_role("button", name="Respect, always")).to_have_attribute(
        "aria-pressed", "true"
    )
    board.locator(".group .put-here").first.focus()
    console.keyboard.press("Enter")
    expect(board.locator(".group .card")).to_have_count(3)

    # Rename the group; the projector follows.
    board.locator(".group-edit summary").first.click()
    label = board.get_by_label("Name of the group").first
    label.fill("Respect")
    label.press("Enter")
    expect(screen.locator("#board .group .label")).to_have_text("Respect")
    expect(screen.locator("#board .group .card")).to_have_count(3)

    # On a phone, once the leader allows it: tap a card, then the card it belongs with.
    console.get_by_role("button", name="Phones help grouping").click()
    helper = teachers[1]
    expect(helper.locator("#board")).to_be_visible()
    helper.get_by_role("button", name="Feeling safe").tap()
    helper.get_by_role("button", name="Safety").tap()
    expect(console.locator("#board .group")).to_have_count(2)
    expect(screen.locator("#board .group")).to_have_count(2)
    expect(teachers[0].locator("#board .group")).to_have_count(2)
    assert_accessible(console)
    assert_accessible(helper)
    assert_accessible(screen)
    shoot(console, "console-grouping")
    shoot(screen, "projector-grouping")
    shoot(helper, "phone-grouping")

    # Voting on the groups: a group opened on the ballot fetches its answers, and stays
    # open with them while the phone gives its dots (they come once, not with every dot).
    console.get_by_role("button", name="Start voting").click()
    voter = teachers[0]
    respect = voter.locator(".ballot-item", has_text="Respect").first
    # On a network that drops the request, the phone says so and tries again.
    voter.route("**/ballot/*", lambda route: route.abort())
    respect.locator("summary").click()
    expect(respect.locator(".ballot-answers-status")).to_have_text(
        "The answers did not load. Close and open the group to try again."
    )
    voter.unroute("**/ballot/*")
    respect.locator("summary").click()
    respect.locator("summary").click()
    answers = respect.locator(".ballot-answers li")
    expect(answers).to_have_count(3)
    expect(respect.locator(".ballot-answers-status")).to_have_count(0)
    shoot(voter, "phone-ballot-open")
    for left in ("2 dots left", "1 dot left"):
        respect.get_by_role("button", name="Give a dot").click()
        expect(voter.locator(".dots-left")).to_contain_text(left)
        expect(respect.locator(".ballot-answers")).to_have_attribute("open", "")
        expect(answers).to_have_count(3)
    expect(answers.first).to_be_visible()


def test_a_whole_session_from_answers_to_the_review_page_and_exports(server, browser, playwright):
    """Three phones answer; the leader groups, opens voting and reveals; a decision is agreed
    by consent after one rewording; two actions; close; the review page and every export."""
    console = desktop(browser)
    screen_url, code = open_session(console, server.url)
    console.get_by_role("button", name=re.compile("^Start this question")).first.click()
    teachers = [phone(browser, playwright, "en-GB") for _ in range(3)]
    for teacher in teachers:
        join_by_code(teacher, server.url, code)
    texts = ["Respect", "Respect for each other", "Safety", "Feeling safe", "Fun"]
    for index, text in enumerate(texts):
        teachers[index % 3].locator("#draft-0").fill(text)
        teachers[index % 3].locator("#draft-0").press("Enter")
    expect(console.locator("#wall li")).to_have_count(5)
    console.get_by_role("button", name="Close and group the answers").click()
    screen = projector(console, screen_url)
    board = console.locator("#board")
    board.locator("#card-2").drag_to(board.locator("#card-1"))
    # The new group appears above the loose cards and moves them down: aim the next drag,
    # as a leader would, at the board once it shows the first.
    expect(board.locator(".group")).to_have_count(1)
    board.locator("#card-4").drag_to(board.locator("#card-3"))
    expect(board.locator(".group")).to_have_count(2)

    console.get_by_role("button", name="Start voting").click()
    for teacher in teachers:
        ballot = teacher.locator(".ballot-item", has_text="Respect")
        ballot.get_by_role("button", name="Give a dot").click()
        expect(teacher.locator(".dots-left")).to_contain_text("2 dots left")
        ballot.get_by_role("button", name="Give a dot").click()
        expect(teacher.locator(".dots-left")).to_contain_text("1 dot left")
    expect(screen.locator("#progress")).to_contain_text("3 of 3 voted")
    assert screen.locator("progress").count() == 0  # hidden until revealed
    shoot(screen, "projector-voting")
    shoot(teachers[0], "phone-voting")
    console.get_by_role("button", name="Reveal the results").click()
    expect(screen.locator(".bar-label").first).to_have_text("Respect")
    expect(screen.locator(".bar-count").first).to_have_text("6")
    assert_accessible(screen)
    shoot(screen, "projector-results")

    # While the leader writes a proposal, a teacher gives a last dot: the console's results
    # are drawn again, and the proposal keeps what the leader typed, and the focus.
    proposal = console.locator(".propose-form").first
    proposal.locator("textarea").fill("We show respect by listening")
    # After the reveal the phone shows the results; its ballot folds away under them.
    expect(teachers[0].locator("#phone-results .bar-label").first).to_have_text("Respect")
    shoot(teachers[0], "phone-results")
    teachers[0].get_by_text("Change your dots").click()
    late = teachers[0].locator(".ballot-item", has_text="Fun")
    late.get_by_role("button", name="Give a dot").click()
    expect(console.locator(".bar-row", has_text="Fun").locator(".bar-count")).to_have_text("1")
    expect(proposal.locator("textarea")).to_have_value("We show respect by listening")
    expect(proposal.locator("textarea")).to_be_focused()
    proposal.get_by_role("button", name="Propose and start a consent round").click()
    for teacher, level in zip(teachers, ["Object", "Support", "Support"], strict=True):
        expect(teacher.locator(".decision-text")).to_have_text("We show respect by listening")
        teacher.get_by_label(level, exact=True).check()
        teacher.get_by_role("button", name="Send").click()
        expect(teacher.locator("#mine .saved")).to_contain_text("Received")
    assert_accessible(teachers[0])
    shoot(teachers[1], "phone-consent")
    console.get_by_role("button", name="Close the round").click()
    expect(screen.locator(".badge")).to_have_text("Not agreed")
    reword = console.get_by_label("Reword and run a new round")
    reword.fill("We show respect by listening until the other has finished")
    console.get_by_role("button", name="New round").click()
    for teacher in teachers:
        teacher.get_by_label("Fully support").check()
        teacher.get_by_role("button", name="Send").click()
        expect(teacher.locator("#mine .saved")).to_contain_text("Received")
    console.get_by_role("button", name="Close the round").click()
    expect(screen.locator(".badge")).to_have_text("Agreed")
    for what, who, due in [
        ("Put it on the wall", "Whole team", "15-12-2026"),  # typed day-month-year
        ("Check in January", "Team leader", ""),
    ]:
        console.locator("#what-1").fill(what)
        console.locator("#who-1").fill(who)
        if due:
            console.locator("#due-1").fill(due)
        console.get_by_role("button", name="Add the action").click()
        expect(screen.locator("table.actions")).to_contain_text(what)
    shoot(screen, "projector-decision")
    shoot(console, "console-deciding")
    assert_accessible(console)

    console.get_by_role("button", name="Close the session and save the outcome").click()
    expect(teachers[0].locator(".closed-note")).to_contain_text("closed")
    # The phones end on what was agreed, as the projector does.
    expect(teachers[0].locator(".recap")).to_contain_text("Put it on the wall")
    expect(screen.locator(".recap")).to_contain_text("15 Dec 2026")
    shoot(teachers[0], "phone-ended")
    console.get_by_role("button", name="Make a share link").click()
    link = console.locator("#share-link").input_value()
    assert "/r/" in link

    reader = phone(browser, playwright, "en-GB")
    reader.goto(link)
    expect(reader.locator("body")).to_contain_text(
        "We show respect by listening until the other has finished"
    )
    expect(reader.locator("body")).to_contain_text("Put it on the wall")
    expect(reader.locator("body")).to_contain_text("Check in January")
    assert_accessible(reader)
    shoot(reader, "phone-review")
    for kind in ("md", "csv", "excel.csv", "json", "ics"):
        response = reader.request.get(f"{link}/outcome.{kind}")
        assert response.ok, kind
        assert "Put it on the wall" in response.text(), kind
    excel = reader.request.get(f"{link}/outcome.excel.csv")
    assert excel.body().startswith("\ufeff".encode()), "a byte-order mark for Excel"
    assert "draagvlak-outcome-excel.csv" in excel.headers["content-disposition"]

    console.get_by_role("button", name="Revoke all share links").click()
    expect(console.locator(".saved")).to_contain_text("stopped working")
    assert reader.request.get(link).status == 404


def test_message_ids_are_random_and_carry_no_clock(server, browser, playwright):
    """Phones on plain http over a school network have no crypto.randomUUID (it needs a
    secure context): every message id is still 128 random bits, never the device's clock,
    and answers go through as before."""
    console = desktop(browser)
    _, code = open_session(console, server.url)
    teacher = phone(browser, playwright, "en-GB")
    teacher.add_init_script("Object.defineProperty(crypto, 'randomUUID', {value: undefined})")
    sent: list[str] = []
    teacher.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    join_by_code(teacher, server.url, code)
    assert teacher.evaluate("typeof crypto.randomUUID") == "undefined"
    console.get_by_role("button", name=re.compile("^Start this question")).first.click()
    for text in ("Respect", "Rust", "Samen"):
        teacher.get_by_label("Write your answer").fill(text)
        teacher.get_by_role("button", name="Send").click()
    expect(teacher.locator("#mine li")).to_have_count(3)
    ids = [json.loads(frame)["msg_id"] for frame in sent if '"msg_id"' in frame]
    assert len(ids) == 3 and len(set(ids)) == 3, ids
    clock = str(int(teacher.evaluate("Date.now()")))[:6]  # the millisecond clock's first digits
    for msg_id in ids:
        assert re.fullmatch(r"[0-9a-f]{32}", msg_id), msg_id
        assert clock not in msg_id, msg_id

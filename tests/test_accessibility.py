"""axe-core on every page and every phase, in Dutch and in English, with the server's
Content-Security-Policy enforced (no bypass_csp): console, projector, a phone, and the
start, join and review pages (on screen and as printed)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from test_browser import assert_accessible, browser, playwright, shoot, start_signed_in

__all__ = ["browser", "playwright"]  # fixtures, used by name

pytestmark = pytest.mark.browser

LOCALES = {"nl": "nl-NL", "en": "en-GB"}


def enforces_policy(page: Page) -> bool:
    """An inline script added to the page does not run: the policy is enforced, not only
    sent (a context with bypass_csp would run it)."""
    return bool(
        page.evaluate(
            """() => {
                const probe = document.createElement("script");
                probe.textContent = "window.__inlineRan = true";
                document.head.append(probe);
                probe.remove();
                return window.__inlineRan !== true;
            }"""
        )
    )


class Audit:
    """Runs axe on pages and keeps every failure, so one run reports them all."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.failures: list[str] = []
        self.checked = 0

    def check(self, where: str, *pages: Page) -> None:
        for page in pages:
            assert enforces_policy(page), f"{page.url}: inline script ran, the CSP is off"
            try:
                assert_accessible(page)
            except AssertionError as failure:
                self.failures.append(f"[{self.lang}] {where}, {page.url}\n{failure}")
            self.checked += 1

    def assert_clean(self) -> None:
        if self.failures:
            raise AssertionError("\n\n".join(self.failures))


def send(console: Page, action: str) -> None:
    """Presses the console's (first) button for one action, the same in every language."""
    form = console.locator(f"form:has(input[name=action][value={action}])").first
    form.locator("button[type=submit]").click()


def in_phase(phase: str, *pages: Page) -> None:
    for page in pages:
        expect(page.locator("#stage")).to_have_class(re.compile(rf"\bphase-{phase}\b"))


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_every_page_and_phase_passes_axe_under_the_policy(
    server, browser: Browser, playwright: Playwright, lang: str
) -> None:
    """A session in one language walked from the lobby to the review page: at each phase
    the console, the projector and a phone have no axe-core violation, and so do the start,
    join and review pages and the printed review."""
    audit = Audit(lang)
    leader = browser.new_context(viewport={"width": 1440, "height": 900}, locale=LOCALES[lang])
    device = {
        k: v for k, v in playwright.devices["iPhone 13"].items() if k != "default_browser_type"
    }
    teacher = browser.new_context(**device, locale=LOCALES[lang])
    console, phone = leader.new_page(), teacher.new_page()

    console.goto(f"{server.url}/start")
    audit.check("first run: the first account", console)
    start_signed_in(console, server.url)
    audit.check("start page", console)
    console.goto(f"{server.url}/account")
    audit.check("account page", console)
    console.goto(f"{server.url}/start")
    console.locator("select#lang").select_option(lang)
    console.locator("form.start-form button[type=submit]").click()
    console.wait_for_url(re.compile(r"/console$"))
    expect(console.locator("#connection")).to_have_attribute("data-state", "online")
    code = console.locator(".join-line .code").inner_text().replace(" ", "")
    # The projector in a window of its own, as on the second display: a tab behind the
    # console would be hidden, and a hidden page draws no frames to click or judge.
    projector = browser.new_context(
        viewport={"width": 1920, "height": 1080},
        locale=LOCALES[lang],
        storage_state=leader.storage_state(),
    )
    screen = projector.new_page()
    screen.goto(console.url.replace("/console", "/screen"))
    expect(screen.locator("#connection")).to_have_attribute("data-state", "online")

    phone.goto(f"{server.url}/?code=000000")
    audit.check("join page, unknown code", phone)
    phone.goto(server.url)
    audit.check("join page", phone)
    phone.locator("#code").fill(code)
    phone.locator("#code").press("Enter")
    phone.wait_for_url(re.compile(rf"/j/{code}$"))
    expect(phone.locator("#connection")).to_have_attribute("data-state", "online")
    expect(screen.locator("#joined")).to_contain_text("1")

    # One phone is enough to show counts and bars once the floor is one respondent.
    console.locator(".room-settings summary").click()
    console.locator("#setting-floor").fill("1")
    console.locator("form:has(#setting-floor) button[type=submit]").click()
    everyone = (console, screen, phone)
    audit.check("lobby", *everyone)

    send(console, "open_prompt")
    in_phase("answering", *everyone)
    for text in ("Respect", "Respect voor elkaar", "Veiligheid"):
        phone.locator("#draft-0").fill(text)
        phone.locator("#draft-0").press("Enter")
    expect(phone.locator("#mine li")).to_have_count(3)
    expect(screen.locator("#wall li")).to_have_count(3)
    audit.check("answering", *everyone)

    send(console, "close_answering")
    in_phase("closed", *everyone)
    audit.check("answering closed", *everyone)

    send(console, "start_grouping")
    in_phase("grouping", *everyone)
    audit.check("grouping", *everyone)
    board = console.locator("#board")
    board.locator("#card-2").drag_to(board.locator("#card-1"))
    expect(screen.locator("#board .group")).to_have_count(1)
    send(console, "phone_grouping")
    expect(phone.locator("#board .group")).to_have_count(1)
    audit.check("grouping with a group, phones helping", *everyone)

    send(console, "start_voting")
    in_phase("voting", *everyone)
    audit.check("voting, no dots given", *everyone)
    phone.locator(".ballot-item .dot-button.primary").first.click()
    expect(phone.locator(".ballot-item.has-dots")).to_have_count(1)
    expect(screen.locator("#progress")).to_contain_text("1")
    audit.check("voting, a dot given", *everyone)

    send(console, "reveal_votes")
    expect(screen.locator(".bar-row").first).to_be_visible()
    audit.check("voting revealed", *everyone)

    send(console, "propose_decision")
    in_phase("deciding", *everyone)
    expect(phone.locator(".consent-form")).to_be_visible()
    audit.check("deciding, round open", *everyone)

    def respond(level: str) -> None:
        phone.locator(f"input[name=level][value={level}]").check()
        phone.locator(".consent-form button[type=submit]").click()
        expect(phone.locator(".consent-form [role=status]")).to_be_visible()

    respond("object")
    audit.check("deciding, round open, answered", phone)
    send(console, "close_round")
    expect(screen.locator(".badge-not_agreed")).to_be_visible()
    expect(console.locator(".reword-form")).to_be_visible()
    audit.check("deciding, round closed, not agreed", *everyone)

    console.locator("#reword-1").fill("Respect, ook als het lastig is")
    send(console, "reword")
    expect(phone.locator(".consent-form")).to_be_visible()
    respond("full_support")
    send(console, "close_round")
    expect(screen.locator(".badge-agreed")).to_be_visible()
    for what, who, due in (("Op de muur", "Hele team", "2026-12-15"), ("In januari", "", "")):
        console.locator("#what-1").fill(what)
        console.locator("#who-1").fill(who)
        console.locator("#due-1").fill(due)
        send(console, "add_action")
        expect(screen.locator("table.actions")).to_contain_text(what)
    audit.check("deciding, round closed, agreed, with actions", *everyone)
    console.locator("form:has(input[name=projection][value=decisions]) button").click()
    expect(screen.locator(".recap-decision")).to_have_count(1)
    audit.check("the projector shows decisions and actions", *everyone)
    console.locator("form:has(input[name=projection][value=room]) button").click()

    # Questions of the other kinds, added on the console, with a timer running.
    def ask(text: str, kind: str, **fields: str) -> None:
        count = console.locator(".prompts > li").count()
        console.locator("#new-prompt").fill(text)
        console.locator("#new-kind").select_option(kind)
        if fields:
            details = console.locator(".kind-details")
            if details.get_attribute("open") is None:
                details.locator("summary").click()
            for name, value in fields.items():
                console.locator(f"#new-{name}").fill(value)
        send(console, "add_prompt")
        expect(console.locator(".prompts > li")).to_have_count(count + 1)
        console.locator(".prompts > li").last.locator("button").first.click()
        in_phase("answering", *everyone)

    ask("Hoe veilig is de gang?", "scale", low="Niet veilig", high="Heel veilig")
    phone.locator(".pick-option").nth(3).click()
    phone.locator(".pick-form button[type=submit]").click()
    expect(phone.locator(".pick-form [role=status]")).to_be_visible()
    expect(screen.locator(".scale-mean")).to_be_visible()
    send(console, "start_timer")
    expect(screen.locator(".timer")).to_be_visible()
    expect(phone.locator(".timer")).to_be_visible()
    audit.check("a scale, answered, with a timer", *everyone)

    ask("Wat helpt?", "choice", options="Rust\nRegels\nRuimte")
    phone.locator(".pick-option").nth(1).click()
    phone.locator(".pick-form button[type=submit]").click()
    expect(screen.locator("#distribution .bar-row")).to_have_count(3)
    audit.check("a multiple choice, answered", *everyone)

    ask("In een woord?", "words")
    for text in ("Rust", "rust", "Humor"):
        phone.locator("#draft-6").fill(text)
        phone.locator("#draft-6").press("Enter")
    expect(screen.locator(".cloud-word")).to_have_count(2)
    audit.check("a word cloud", *everyone)

    send(console, "end_session")
    in_phase("ended", *everyone)
    audit.check("ended", *everyone)

    # The team's memory: the agreed decision is in the register, its actions tracked.
    console_url = console.url
    for path, shown in (
        ("/team/register", "Respect, ook als het lastig is"),
        ("/team/actions", "Op de muur"),
    ):
        console.goto(f"{server.url}{path}")
        expect(console.locator("main")).to_contain_text(shown)
        audit.check(path, console)
        shoot(console, f"team-{path.rsplit('/', 1)[1]}-{lang}")
    console.goto(f"{server.url}/team/register/print")
    audit.check("the code of conduct, to print", console)
    console.goto(console_url)
    console.locator("form[action$='/share'] button").click()
    link = console.locator("#share-link").input_value()
    audit.check("ended, share link made", console)
    phone.goto(link)
    audit.check("review page", phone)
    phone.emulate_media(media="print")
    audit.check("review page, printed", phone)

    for context in (leader, projector, teacher):
        context.close()
    assert audit.checked >= 40
    audit.assert_clean()

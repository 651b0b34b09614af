"""The projector from the back of the hall: at 1920x1080 nothing is ever cut off, however
many results, decisions and actions there are; what does not fit turns pages. Real chromium
on a real server; the room around it (phones, votes, consent) talks real websockets."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, expect
from test_browser import assert_accessible, browser, playwright  # noqa: F401  (fixtures)

from wire import Facilitator, LiveClient, join, open_session

pytestmark = pytest.mark.browser

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
# Set to a folder (docs/screenshots) to keep the projector's pictures of every phase.
SHOTS = os.environ.get("DRAAGVLAK_PROJECTOR_SHOTS")

RESULTS = [
    "Respect voor elkaar, ook als je het oneens bent",
    "Veiligheid in de klas en op het plein",
    "Eerlijkheid",
    "Samen verantwoordelijk voor alle leerlingen",
    "Ruimte voor fouten maken en ervan leren",
    "Duidelijke afspraken die iedereen kent",
    "Aanspreekbaar zijn op gedrag",
    "Plezier in het werk",
    "Vertrouwen in de professionaliteit van collega's",
    "Zorg voor leerlingen die het moeilijk hebben",
    "Openheid naar ouders",
    "Rust in de school",
    "Elkaar complimenten geven",
    "Gelijkwaardigheid tussen collega's en leerlingen",
    "Nieuwsgierigheid",
]
DECISIONS = [
    "We spreken elkaar binnen een dag aan op afspraken die we samen maakten",
    "Elke teamvergadering begint met een compliment aan een collega",
    "We melden onveilige plekken op het plein bij de coördinator",
    "We nemen een nieuwe collega de eerste maand mee in de afspraken",
    "Ouders horen een zorg over hun kind binnen een week",
    "Bij een fout vragen we eerst wat ervan te leren valt",
]
ACTIONS = [
    (0, "Afsprakenkaart voor elke klas maken", "Team onderbouw", "1-2-2027"),
    (0, "Aanspreken oefenen in de studiemiddag", "Ans de Vries", "15-3-2027"),
    (1, "Complimentenronde op de agenda zetten", "Directie", ""),
    (2, "Plattegrond met onveilige plekken maken", "Leerlingenraad", "1-3-2027"),
    (2, "Pleinwacht anders verdelen", "Bouwcoördinatoren", "8-3-2027"),
    (3, "Maatje koppelen aan elke nieuwe collega", "Intern begeleider", ""),
    (3, "Welkomstmap bijwerken", "Administratie", "1-4-2027"),
    (4, "Afspraak over reactietermijn in de schoolgids", "Directie", "1-5-2027"),
    (5, "Leerrondes na incidenten invoeren", "Hele team", "1-6-2027"),
    (5, "Evaluatie van de afspraken op de agenda", "Directie", "1-7-2027"),
]
# What a leader needs the room to read; each must be wholly on the screen on some page.
LABELS = (
    ".bar-label, .decision-text, .recap-text, .recap-actions li, .other-text, .prompt,"
    " table.actions td, .progress-count, .badge, .cloud-word, .scale-mean, .timer"
)


def drive(make: Callable[[], Awaitable[T]]) -> T:
    """Runs the room's websockets beside Playwright's own event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, make()).result()  # type: ignore[arg-type]


async def connect(url: str, fac: Facilitator, cookies: list[str]) -> list[LiveClient]:
    console = await LiveClient.connect(url, fac.session_id, "console", fac.cookie)
    phones = [await LiveClient.connect(url, fac.session_id, "phone", c) for c in cookies]
    return [console, *phones]


async def close(clients: list[LiveClient]) -> None:
    for client in clients:
        await client.close()


async def fifteen_results(url: str) -> tuple[Facilitator, list[str]]:
    fac = await open_session(url, lang="nl")
    cookies = [await join(url, fac.code) for _ in range(3)]
    console, *phones = clients = await connect(url, fac, cookies)
    assert await console.request("open_prompt", prompt=0) == "ok"
    for index, text in enumerate(RESULTS):
        assert await phones[index % 3].request("answer", text=text) == "ok"
    assert await console.request("start_grouping") == "ok"
    assert await console.request("start_voting", budget=5, stacking=1) == "ok"
    for index, phone in enumerate(phones):
        for item in range(index * 5 + 1, index * 5 + 6):
            assert await phone.request("vote", item=f"a{item}", dots=1) == "ok"
    assert await console.request("reveal_votes") == "ok"
    await close(clients)
    return fac, cookies


async def six_decisions(url: str, fac: Facilitator, cookies: list[str]) -> None:
    console, *phones = clients = await connect(url, fac, cookies)
    for index, text in enumerate(DECISIONS):
        sent = await console.request("propose_decision", text=text, **{"from": RESULTS[index]})
        assert sent == "ok"
        for phone in phones:
            assert await phone.request("consent", decision=index + 1, level="support") == "ok"
        assert await console.request("close_round", decision=index + 1) == "ok"
    for decision, what, who, due in ACTIONS:
        added = await console.request(
            "add_action", decision=decision + 1, what=what, who=who, due=due
        )
        assert added == "ok"
    await close(clients)


async def steer(url: str, fac: Facilitator, action: str, **values: Any) -> None:
    console = await LiveClient.connect(url, fac.session_id, "console", fac.cookie)
    assert await console.request(action, **values) == "ok"
    await console.close()


def projector(browser: Browser, fac: Facilitator) -> Page:  # noqa: F811
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="nl-NL")
    page = context.new_page()
    page.goto(fac.private_link)  # the console's private link signs this browser in
    page.goto(f"{fac.base_url}/s/{fac.session_id}/screen")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


def measure(page: Page) -> dict[str, Any]:
    """The page's height, and every label drawn outside the viewport or the projector's
    body (clipped by it is cut off just the same)."""
    return page.evaluate(
        """(selector) => {
          const body = document.querySelector('[data-fit]');
          const frame = body ? body.getBoundingClientRect() : null;
          const shown = [...document.querySelectorAll(selector)].filter(
            (e) => e.getClientRects().length > 0);
          const cut = shown.filter((e) => {
            const r = e.getBoundingClientRect();
            const outside = r.top < -0.5 || r.left < -0.5 || r.bottom > innerHeight + 0.5
              || r.right > innerWidth + 0.5;
            const clipped = frame && body.contains(e) && (r.bottom > frame.bottom + 0.5
              || r.right > frame.right + 0.5);
            return outside || clipped;
          });
          const label = document.querySelector('[data-page-count]');
          return {
            scroll: document.documentElement.scrollHeight, height: innerHeight,
            shown: shown.map((e) => e.textContent.trim().replace(/\\s+/g, ' ')),
            cut: cut.map((e) => e.textContent.trim().slice(0, 80)),
            pages: label && !label.hidden ? label.textContent : '',
          };
        }""",
        LABELS,
    )


def assert_fits_on_every_page(page: Page, fac: Facilitator, expected: list[str]) -> None:
    """No page scrolls, no label is cut off, and every expected label is on some page."""
    page.wait_for_timeout(300)  # room.js fits after each swap
    first = measure(page)
    seen: set[str] = set()
    pages = int(first["pages"].split()[-1]) if first["pages"] else 1
    for number in range(pages):
        if number:
            drive(lambda n=number: steer(fac.base_url, fac, "turn_page", page=n))
            expect(page.locator("[data-page-count]")).to_contain_text(f"{number + 1} van")
        found = measure(page)
        assert found["scroll"] <= found["height"], found
        assert found["cut"] == [], found
        seen.update(found["shown"])
    missing = [text for text in expected if not any(text in shown for shown in seen)]
    assert missing == [], missing
    if pages > 1:
        drive(lambda: steer(fac.base_url, fac, "turn_page", page=0))


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def test_the_projector_fits_fifteen_results_six_decisions_and_ten_actions(server, browser):  # noqa: F811
    fac, cookies = drive(lambda: fifteen_results(server.url))
    screen = projector(browser, fac)
    expect(screen.locator(".bar-label")).to_have_count(15)
    assert_fits_on_every_page(screen, fac, RESULTS)
    shoot(screen, "projector-results-15")
    assert_accessible(screen)

    drive(lambda: six_decisions(server.url, fac, cookies))
    expect(screen.locator(".other-decisions li")).to_have_count(6)
    assert_fits_on_every_page(screen, fac, [*DECISIONS, *(a[1] for a in ACTIONS if a[0] == 5)])
    shoot(screen, "projector-deciding-6")
    assert_accessible(screen)

    # The console puts every decision with its actions on the projector: the recap.
    drive(lambda: steer(server.url, fac, "project", projection="decisions"))
    expect(screen.locator(".recap-decision")).to_have_count(6)
    assert_fits_on_every_page(screen, fac, [*DECISIONS, *(a[1] for a in ACTIONS)])
    shoot(screen, "projector-decisions-and-actions")
    assert_accessible(screen)

    # The end: the projector closes on the recap, no QR code any more.
    drive(lambda: steer(server.url, fac, "end_session"))
    expect(screen.locator(".recap-title")).to_be_visible()
    assert screen.locator(".qr-box").count() == 0
    assert_fits_on_every_page(screen, fac, [*DECISIONS, *(a[1] for a in ACTIONS)])
    shoot(screen, "projector-ended")
    assert_accessible(screen)


WORDS = [
    "Eerlijk", "Luisteren", "Geduld", "Humor", "Rust", "Open", "Betrouwbaar", "Zorgzaam",
    "Nieuwsgierig", "Helder", "Vriendelijk", "Aanspreekbaar", "Op tijd", "Respectvol",
    "Betrokken", "Positief", "Consequent", "Behulpzaam", "Kritisch", "Warm",
]  # fmt: skip


async def kinds_room(url: str) -> tuple[Facilitator, list[str]]:
    """A scale answered by 30 phones, then a word cloud of 60 answers."""
    fac = await open_session(url, pack="school-connectedness", lang="nl")
    cookies = [await join(url, fac.code) for _ in range(30)]
    console, *phones = clients = await connect(url, fac, cookies)
    assert await console.request("open_prompt", prompt=0) == "ok"
    for index, phone in enumerate(phones):
        assert await phone.request("pick", value=str([4, 3, 3, 2, 4, 1][index % 6])) == "ok"
    assert await console.request("start_timer", minutes=3, closes=0) == "ok"
    await close(clients)
    return fac, cookies


async def word_cloud(url: str, fac: Facilitator, cookies: list[str]) -> None:
    console, *phones = clients = await connect(url, fac, cookies)
    added = await console.request("add_prompt", text="Eén woord voor onze school?", kind="words")
    assert added == "ok"
    assert await console.request("open_prompt", prompt=5) == "ok"
    for index, phone in enumerate(phones):
        for word in (WORDS[index % 20], WORDS[(index * 7) % 20]):
            assert await phone.request("answer", text=word) == "ok"
    await close(clients)


def test_a_scale_and_a_word_cloud_on_the_projector_and_the_phone(server, browser, playwright):  # noqa: F811
    fac, cookies = drive(lambda: kinds_room(server.url))
    screen = projector(browser, fac)
    expect(screen.locator(".scale-mean strong")).to_have_text("3,8")  # (5+4+4+3+5+2)/6
    expect(screen.locator(".timer-clock")).to_have_text(re.compile(r"^[23]:\d\d$"))
    assert_fits_on_every_page(screen, fac, ["Helemaal niet veilig", "Helemaal veilig"])
    shoot(screen, "projector-scale")
    device = {
        k: v for k, v in playwright.devices["iPhone 13"].items() if k != "default_browser_type"
    }
    context = browser.new_context(**device, locale="nl-NL")
    phone = context.new_page()
    phone.goto(f"{fac.base_url}/j/{fac.code}")
    expect(phone.locator(".pick-option")).to_have_count(5)
    phone.locator(".pick-option").nth(4).click()
    phone.locator(".pick-form button[type=submit]").click()
    expect(phone.locator(".pick-form [role=status]")).to_contain_text("5")
    expect(phone.locator(".timer")).to_be_visible()
    shoot(phone, "phone-scale")
    assert_accessible(phone)

    drive(lambda: word_cloud(server.url, fac, cookies))
    expect(screen.locator(".cloud-word")).to_have_count(20)
    assert_fits_on_every_page(screen, fac, [])
    shoot(screen, "projector-word-cloud")
    assert_accessible(screen)

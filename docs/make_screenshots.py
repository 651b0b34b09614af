"""Makes the README's screenshots: a Dutch session with a dozen answers, on a projector and a phone.

    .venv/bin/python docs/make_screenshots.py      (needs Debian's chromium; see .ci/run)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ANSWERS = [
    "Respect voor elkaar", "Veiligheid: iedereen mag zichzelf zijn", "Eerlijkheid",
    "Samen verantwoordelijk", "Elkaar aanspreken zonder te oordelen", "Vertrouwen",
    "Respect, ook als je het oneens bent", "Zorg voor elkaar", "Openheid", "Betrokkenheid",
    "Duidelijke grenzen, met ruimte voor herstel", "Plezier in leren",
]


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", str(port), "--db", f"{tmp}/s.db",
             "--public-url", "http://draagvlak.school.nl"],
            cwd=ROOT,
        )
        try:
            for _ in range(100):
                try:
                    httpx.get(f"{base}/healthz")
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            shoot(base)
        finally:
            server.terminate()
            server.wait()


def shoot(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        leader = browser.new_context(viewport={"width": 1440, "height": 900}, locale="nl-NL")
        console = leader.new_page()
        console.goto(f"{base}/start")
        console.screenshot(path=OUT / "start.png")
        console.get_by_role("button", name="Open de sessie").click()
        console.wait_for_url("**/console")
        code = console.locator(".join-line .code").inner_text().replace(" ", "")
        screen = leader.new_page()
        screen.set_viewport_size({"width": 1920, "height": 1080})
        screen.goto(console.url.replace("/console", "/screen"))
        phones = []
        device = {k: v for k, v in p.devices["iPhone 13"].items() if k != "default_browser_type"}
        for _ in range(4):
            phone = browser.new_context(**device, locale="nl-NL").new_page()
            phone.goto(f"{base}/j/{code}")
            phones.append(phone)
        expect(screen.locator("#joined")).to_contain_text("4")
        screen.screenshot(path=OUT / "projector-lobby.png")
        console.get_by_role("button", name="Start deze vraag").first.click()
        for index, text in enumerate(ANSWERS):
            phone = phones[index % len(phones)]
            phone.get_by_label("Schrijf je antwoord").fill(text)
            phone.keyboard.press("Enter")
        expect(screen.locator("#wall li")).to_have_count(len(ANSWERS))
        expect(phones[0].locator("#mine li")).to_have_count(3)
        screen.wait_for_timeout(800)  # let the cards finish arriving
        screen.screenshot(path=OUT / "projector.png")
        phones[0].get_by_label("Schrijf je antwoord").fill("Dat iedereen zich gezien voelt")
        phones[0].screenshot(path=OUT / "phone.png")
        console.screenshot(path=OUT / "console.png", full_page=True)
        browser.close()
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()

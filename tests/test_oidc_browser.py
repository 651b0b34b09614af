"""Signing in with the school's own account in a real browser (Debian's chromium, the
server's CSP enforced) through a real OpenID Connect provider (oidc-provider under node,
tests/oidc.py): a first sign-in into the mapped team and a second one, approval by an
admin on /account, and every bad case — a wrong or replayed state, a wrong nonce, an
expired, foreign-audience, foreign-issuer or unknown-key ID token, a provider that is down,
a school that maps to no team — each a clear page in the visitor's language, a log line
without personal data, and no account and no sign-in."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from test_accessibility import enforces_policy
from test_browser import assert_accessible, browser, playwright, shoot

from conftest import AppServer, free_port
from oidc import PEOPLE, PROVIDER_NAME, Provider, sign_in_options
from wire import LEADER_EMAIL, LEADER_PASSWORD, sign_in

__all__ = ["browser", "playwright"]  # fixtures, used by name

pytestmark = pytest.mark.browser


def count(db: Path, query: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(query).fetchone()[0])


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppServer, Provider]]:
    """One server for the module (each test signs in as another person): its admin made
    De Linde and De Eik; the provider's "linde" teachers land in De Linde, "eik" teachers
    wait for an admin of De Eik."""
    folder = tmp_path_factory.mktemp("oidc-browser")
    port = free_port()
    provider = Provider(folder, f"http://127.0.0.1:{port}/signin/oidc/school/callback")
    provider.start()
    options = sign_in_options(folder, provider, down_port=free_port())
    server = AppServer(folder / "school.db", port=port, oidc_config=str(options))
    server.start()
    try:
        asyncio.run(sign_in(server.url))
        yield server, provider
    finally:
        server.stop()
        provider.stop()


def visitor(browser: Browser, locale: str = "en-GB", **size: Any) -> Page:
    """A fresh browser (no cookies), as a teacher on a laptop; the CSP applies."""
    viewport = size or {"width": 1440, "height": 900}
    return browser.new_context(viewport=viewport, locale=locale).new_page()


def school_sign_in(page: Page, base: str, login: str, button: str = PROVIDER_NAME) -> None:
    """From our sign-in page to the provider, its login (any password) and consent, and
    back to whatever our server answers."""
    page.goto(f"{base}/signin")
    page.locator("form").filter(has_text=button).get_by_role("button").click()
    page.wait_for_url(lambda url: "/interaction/" in url or back_with_us(url, base))
    if "/interaction/" not in page.url:
        return  # refused before the provider (it is down), or it remembered the person
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: back_with_us(url, base))


def back_with_us(url: str, base: str) -> bool:
    return url.startswith(f"{base}/") and url != f"{base}/signin"


def signed_in(page: Page) -> bool:
    return any(c["name"] == "dv_login" for c in page.context.cookies())


def test_a_first_and_a_second_sign_in_land_in_the_mapped_team(school, browser: Browser):
    server, _ = school
    page = visitor(browser)
    page.goto(f"{server.url}/signin")
    assert enforces_policy(page)
    assert_accessible(page)
    expect(page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with Offline ID")).to_be_visible()
    school_sign_in(page, server.url, "jan")
    expect(page).to_have_url(f"{server.url}/start")
    expect(page.locator(".signed-in")).to_contain_text("De Linde")
    expect(page.locator(".signed-in")).to_contain_text("jan@linde.example")
    accounts = count(server.db, "SELECT count(*) FROM accounts")
    page.goto(f"{server.url}/account")
    assert_accessible(page)  # no password section: a school account has none
    expect(page.get_by_role("heading", name="Change your password")).to_have_count(0)
    expect(page.get_by_text(f"Signs in with {PROVIDER_NAME}.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    assert not signed_in(page)
    school_sign_in(page, server.url, "jan")  # the provider remembers: straight back
    expect(page).to_have_url(f"{server.url}/start")
    assert signed_in(page)
    assert count(server.db, "SELECT count(*) FROM accounts") == accounts
    page.context.close()


def test_approval_mode_lets_a_teacher_in_once_an_admin_of_the_team_agrees(school, browser):
    server, _ = school
    admin = visitor(browser)
    admin.goto(f"{server.url}/signin")
    admin.locator("#email").fill(LEADER_EMAIL)
    admin.locator("#password").fill(LEADER_PASSWORD)
    admin.locator("form.account-form button[type=submit]").click()
    admin.wait_for_url(re.compile(r"/start$"))
    admin.goto(f"{server.url}/account")
    if not admin.get_by_text("De Eik").count():
        admin.locator("#team-name").fill("De Eik")
        admin.get_by_role("button", name="Create the team").click()
    eva = visitor(browser)
    school_sign_in(eva, server.url, "eva")
    expect(eva.get_by_role("heading", name="Waiting for approval")).to_be_visible()
    expect(eva.get_by_text("An admin of De Eik lets you in")).to_be_visible()
    assert_accessible(eva)
    assert not signed_in(eva)
    admin.goto(f"{server.url}/account")
    expect(admin.get_by_role("heading", name="Waiting to join")).to_be_visible()
    assert_accessible(admin)
    asking = admin.locator(".requests li").filter(has_text="eva@eik.example")
    asking.get_by_role("button", name="Let in").click()
    expect(admin.get_by_role("heading", name="Waiting to join")).to_have_count(0)
    expect(admin.locator(".team-members")).to_contain_text(["eva@eik.example"])
    school_sign_in(eva, server.url, "eva")
    expect(eva).to_have_url(f"{server.url}/start")
    expect(eva.locator(".signed-in")).to_contain_text("De Eik")
    admin.context.close()
    eva.context.close()


# Each bad case: how to make it, who tries, what the page says, its log's reason.
BAD = {
    "wrong state": ("state", "bad-0", "was not started here", "reason=state"),
    "wrong nonce": ("nonce", "bad-1", "could not be trusted", "reason=token (InvalidClaimError)"),
    "expired ID token": ("expired", "bad-2", "could not be trusted",
                         "reason=token (ExpiredTokenError)"),
    "foreign audience": ("audience", "bad-3", "could not be trusted", "reason=token ("),
    "foreign audience, azp ours": ("audience_azp", "bad-9", "could not be trusted",
                                   "reason=token (audience)"),
    "foreign issuer": ("issuer", "bad-4", "could not be trusted",
                       "reason=token (InvalidClaimError)"),
    "unknown signing key": ("unknown_key", "bad-5", "could not be trusted",
                            "reason=token (InvalidKeyIdError)"),
    "known key id, other key": ("other_key", "bad-6", "could not be trusted",
                                "reason=token (BadSignatureError)"),
    "token endpoint down": ("token_down", "bad-7", "cannot be reached right now",
                            "reason=provider_down"),
    "school without a team": ("", "vreemd", "Your school has no team on this server",
                              "reason=no_team (no rule matches)"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_sign_in_is_a_clear_page_a_plain_log_line_and_nothing_made(school, browser, case):
    server, provider = school
    mode, login, message, logged = BAD[case]
    accounts = count(server.db, "SELECT count(*) FROM accounts")
    logins = count(server.db, "SELECT count(*) FROM logins")
    log_before = len(server.log)
    if mode:
        provider.forge(mode)
    page = visitor(browser)
    school_sign_in(page, server.url, login)
    expect(page.get_by_role("heading", name="Signing in did not work")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(message)
    assert_accessible(page)
    assert not signed_in(page)
    assert count(server.db, "SELECT count(*) FROM accounts") == accounts
    assert count(server.db, "SELECT count(*) FROM logins") == logins
    assert (
        count(server.db, "SELECT count(*) FROM pending_identities WHERE email != 'eva@eik.example'")
        == 0
    )
    logged_now = server.log[log_before:]
    assert logged in logged_now
    person = PEOPLE[login]
    assert login not in logged_now.replace("/signin", "")  # the subject is the login name
    assert person["email"] not in logged_now
    page.context.close()


def test_a_replayed_callback_and_a_provider_that_is_down_get_their_own_page(school, browser):
    server, _ = school
    page = visitor(browser)
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/callback?" in r.url else None)
    school_sign_in(page, server.url, "piet")
    expect(page).to_have_url(f"{server.url}/start")
    page.goto(callbacks[0])  # the way back, once more
    expect(page.get_by_role("alert")).to_contain_text("has been used already")
    assert count(server.db, "SELECT count(*) FROM identities") >= 1
    down = visitor(browser)
    school_sign_in(down, server.url, "jan", button="Offline ID")
    expect(down.get_by_role("alert")).to_contain_text("Offline ID cannot be reached right now")
    assert "provider=down reason=provider_down (ConnectError)" in server.log
    page.context.close()
    down.context.close()


def test_the_page_speaks_the_visitors_language(school, browser):
    server, provider = school
    provider.forge("nonce")
    page = visitor(browser, locale="nl-NL")
    school_sign_in(page, server.url, "bad-8", button=f"Inloggen met {PROVIDER_NAME}")
    expect(page.get_by_role("heading", name="Inloggen is niet gelukt")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("was niet te vertrouwen")
    page.context.close()


@pytest.mark.parametrize(("name", "size"), [("phone", (390, 844)), ("desktop", (1920, 1080))])
def test_the_sign_in_page_with_the_schools_button(
    school, browser, playwright: Playwright, name, size
):
    server, _ = school
    width, height = size
    page = visitor(browser, width=width, height=height)
    page.goto(f"{server.url}/signin")
    button = page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] >= 0
    assert box["x"] + box["width"] <= width  # never off the screen
    shoot(page, f"signin-oidc-{name}")
    page.context.close()

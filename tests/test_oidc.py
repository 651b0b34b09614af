"""Signing in with the school's own account, over HTTP against a real OpenID Connect
provider (oidc-provider under node, tests/oidc.py): the operator's file, linking a local
account, approval and refusal, a replayed callback, local accounts turned off without
locking the last admin out; and that without a file nothing of it is loaded."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, AppServer, ServerProcess, free_port
from oidc import PROVIDER_NAME, Provider, at_provider, sign_in_options, sign_in_over_http
from server.config import SettingsError
from server.web.passwords import is_password
from server.web.providers import load_sign_in_options
from wire import LEADER_EMAIL, LEADER_PASSWORD, sign_in

EN = {"accept-language": "en"}


def admin(server: AppServer) -> httpx.Client:
    """The admin (a local account), signed in with a password."""
    name, _, value = asyncio.run(sign_in(server.url)).partition("=")
    return httpx.Client(base_url=server.url, headers=EN, cookies={name: value})


def rows(db: Path, query: str, *args: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query, args).fetchall()


@pytest.fixture
def school(tmp_path: Path) -> Iterator[tuple[AppServer, Provider]]:
    """A Draagvlak server whose admin (a local account) made De Linde and De Eik, and the
    provider its schools sign in at."""
    yield from serve_with_provider(tmp_path)


def serve_with_provider(
    tmp_path: Path, local_accounts: bool = True
) -> Iterator[tuple[AppServer, Provider]]:
    port = free_port()
    provider = Provider(tmp_path, f"http://127.0.0.1:{port}/signin/oidc/school/callback")
    provider.start()
    options = sign_in_options(tmp_path, provider, local_accounts, down_port=free_port())
    server = AppServer(tmp_path / "school.db", port=port, oidc_config=str(options))
    server.start()
    try:
        with admin(server) as http:
            made = http.post("/account/teams", data={"name": "De Eik"})
            assert made.headers["location"].startswith("/account?made="), made.headers
        yield server, provider
    finally:
        server.stop()
        provider.stop()


def test_a_first_sign_in_makes_a_facilitator_of_the_mapped_team_and_keeps_a_hash(school):
    server, provider = school
    with httpx.Client(base_url=server.url, headers=EN) as http:
        done = sign_in_over_http(http, "jan")
        assert (done.status_code, done.headers["location"]) == (303, "/start")
        start = http.get("/start")
        assert "De Linde" in start.text and "jan@linde.example" in start.text
    ((account_id, email, name, password),) = rows(
        server.db, "SELECT id, email, name, password_hash FROM accounts WHERE email LIKE 'jan@%'"
    )
    assert (email, name, password) == ("jan@linde.example", "", "")  # the address, no name
    expected = hashlib.sha256(f"oidc:{provider.issuer}\njan".encode()).hexdigest()
    assert rows(server.db, "SELECT subject_hash, account_id, provider FROM identities") == [
        (expected, account_id, "school")
    ]
    assert rows(server.db, "SELECT t.name FROM memberships m JOIN teams t ON t.id = m.team_id"
                " WHERE m.account_id = ?", account_id) == [("De Linde",)]  # fmt: skip
    # An account without a password is never signed in to with one.
    assert not is_password("no account has this password", "")
    with httpx.Client(base_url=server.url) as http:
        guess = http.post(
            "/signin", data={"email": email, "password": "no account has this password"}
        )
        assert guess.status_code == 400 and "dv_login" not in guess.cookies


def test_the_same_person_signs_in_again_to_the_same_account(school):
    server, _ = school
    for _ in range(2):
        with httpx.Client(base_url=server.url, headers=EN) as http:
            assert sign_in_over_http(http, "piet").status_code == 303
            assert "Piet Pieters" in http.get("/start").text  # no address: the name
    assert rows(server.db, "SELECT email LIKE '%@school-account.invalid', name FROM accounts"
                " WHERE name != ''") == [(1, "Piet Pieters")]  # fmt: skip
    assert rows(server.db, "SELECT count(*) FROM identities") == [(1,)]
    assert rows(server.db, "SELECT count(*) FROM logins") == [(3,)]  # the admin's, and two


def test_approval_mode_waits_until_an_admin_of_the_team_lets_them_in(school):
    server, _ = school
    with httpx.Client(base_url=server.url, headers=EN) as eva:
        waiting = sign_in_over_http(eva, "eva")
        assert waiting.status_code == 202 and "Waiting for approval" in waiting.text
        assert "De Eik" in waiting.text and "dv_login" not in eva.cookies
        again = sign_in_over_http(eva, "eva")  # asking twice is one request
        assert again.status_code == 202
    assert rows(server.db, "SELECT count(*) FROM accounts") == [(1,)]
    ((pending_id, team_id, label),) = rows(
        server.db, "SELECT p.id, p.team_id, p.email FROM pending_identities p"
    )
    assert label == "eva@eik.example"
    with admin(server) as boss:
        page = boss.get("/account")
        assert "Waiting to join" in page.text and "eva@eik.example" in page.text
        wrong_team = boss.post(f"/account/requests/{pending_id}/approve", data={"team": "x"})
        assert wrong_team.status_code == 403
        let_in = boss.post(f"/account/requests/{pending_id}/approve", data={"team": team_id})
        assert let_in.status_code == 303
        twice = boss.post(f"/account/requests/{pending_id}/approve", data={"team": team_id})
        assert twice.status_code == 404
        assert "eva@eik.example" in boss.get("/account").text  # now among De Eik's
    with httpx.Client(base_url=server.url, headers=EN) as eva:
        assert sign_in_over_http(eva, "eva").status_code == 303
        assert "De Eik" in eva.get("/start").text
    assert rows(server.db, "SELECT count(*) FROM pending_identities") == [(0,)]


def test_a_refused_request_is_forgotten_and_makes_no_account(school):
    server, _ = school
    with httpx.Client(base_url=server.url, headers=EN) as eva:
        assert sign_in_over_http(eva, "eva").status_code == 202
    ((pending_id, team_id),) = rows(server.db, "SELECT id, team_id FROM pending_identities")
    with admin(server) as boss:
        refused = boss.post(f"/account/requests/{pending_id}/refuse", data={"team": team_id})
        assert refused.status_code == 303
    assert rows(server.db, "SELECT count(*) FROM pending_identities") == [(0,)]
    assert rows(server.db, "SELECT count(*) FROM accounts") == [(1,)]


def test_a_local_account_links_its_school_account_and_then_signs_in_with_it(school):
    server, _ = school
    with httpx.Client(base_url=server.url, headers=EN) as http:
        taken = sign_in_over_http(http, "leider")  # the admin's address: no takeover
        assert taken.status_code == 409 and "Sign in with its password" in taken.text
    assert rows(server.db, "SELECT count(*) FROM identities") == [(0,)]
    with admin(server) as boss:
        assert f"Link your {PROVIDER_NAME} account" in boss.get("/account").text
        back = at_provider(boss.post("/account/link/school"), "leider")
        linked = boss.get(back.headers["location"])
        assert linked.status_code == 303 and linked.headers["location"].startswith("/account")
        page = boss.get(linked.headers["location"])
        assert f"Signs in with {PROVIDER_NAME}." in page.text and "Linked:" in page.text
    with httpx.Client(base_url=server.url, headers=EN) as http:
        assert sign_in_over_http(http, "leider").status_code == 303
        assert LEADER_EMAIL in http.get("/account").text
    assert rows(server.db, "SELECT count(*) FROM accounts") == [(1,)]
    # A school account linked to one account cannot be linked to another.
    with httpx.Client(base_url=server.url, headers=EN) as jan:
        assert sign_in_over_http(jan, "jan").status_code == 303
        back = at_provider(jan.post("/account/link/school"), "leider")
        assert jan.get(back.headers["location"]).status_code == 409


def test_a_replayed_callback_is_refused_even_with_the_flows_cookie(school):
    """The browser's way back, sent again with the cookie it had then: the state was used."""
    server, _ = school
    with httpx.Client(base_url=server.url, headers=EN) as http:
        back = at_provider(http.post("/signin/oidc/school", data={"next": "/start"}), "jan")
        flow_cookie = http.cookies["dv_oidc"]
        assert http.get(back.headers["location"]).status_code == 303
    logins = rows(server.db, "SELECT count(*) FROM logins")
    with httpx.Client(base_url=server.url, headers=EN, cookies={"dv_oidc": flow_cookie}) as thief:
        replay = thief.get(back.headers["location"])
        assert replay.status_code == 400 and "has been used already" in replay.text
        assert "dv_login" not in replay.cookies
    assert rows(server.db, "SELECT count(*) FROM logins") == logins
    assert "reason=state" in server.log


def test_a_flow_cookie_made_elsewhere_is_refused(school):
    server, _ = school
    with httpx.Client(base_url=server.url, headers=EN) as http:
        back = at_provider(http.post("/signin/oidc/school", data={"next": "/start"}), "jan")
        body, _, mac = http.cookies["dv_oidc"].partition(".")
        http.cookies.set("dv_oidc", f"{body}.{'A' * len(mac)}", path="/signin/oidc")
        forged = http.get(back.headers["location"])
        assert forged.status_code == 400 and "dv_login" not in forged.cookies
    assert rows(server.db, "SELECT count(*) FROM accounts") == [(1,)]


@pytest.fixture
def passwords_off(tmp_path: Path) -> Iterator[tuple[AppServer, Provider]]:
    yield from serve_with_provider(tmp_path, local_accounts=False)


def test_local_accounts_off_never_locks_out_the_last_admin(passwords_off):
    """Turned off, passwords still sign in while no admin can sign in with a school
    account; once the admin linked one, only the school's account signs in."""
    server, _ = passwords_off
    password = {"email": LEADER_EMAIL, "password": LEADER_PASSWORD}
    with httpx.Client(base_url=server.url, headers=EN) as http:
        page = http.get("/signin")
        assert 'name="password"' in page.text and f"Sign in with {PROVIDER_NAME}" in page.text
        assert http.post("/signin", data=password).status_code == 303
        back = at_provider(http.post("/account/link/school"), "leider")
        assert http.get(back.headers["location"]).status_code == 303
    with httpx.Client(base_url=server.url, headers=EN) as http:
        page = http.get("/signin")
        assert 'name="password"' not in page.text and "school's account only" in page.text
        refused = http.post("/signin", data=password)
        assert refused.status_code == 403 and "dv_login" not in refused.cookies
        assert sign_in_over_http(http, "leider").status_code == 303
        assert LEADER_EMAIL in http.get("/account").text


def test_without_a_file_the_server_signs_in_with_passwords_only_and_loads_no_authlib(tmp_path):
    """The README's run command: no providers, nothing more to install or configure."""
    script = (
        "import sys; from server.config import Settings; from server.web.app import create_app;"
        " app = create_app(Settings()); assert app.state.sign_in.providers == ();"
        " assert 'authlib' not in sys.modules, 'authlib loaded'"
    )
    assert subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=False).returncode == 0
    server = ServerProcess(tmp_path / "plain.db")
    server.start()
    try:
        asyncio.run(sign_in(server.url))
        page = httpx.get(f"{server.url}/signin", headers=EN)
        assert 'name="password"' in page.text and "school's account" not in page.text
        assert httpx.post(f"{server.url}/signin/oidc/school").status_code == 404
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[provider]]\nid = 'x'", "provider 'x' needs issuer"),
        ('local_accounts = "no"', "local_accounts must be true or false"),
        ("local_accounts = false", "needs at least one [[provider]]"),
        ("colour = 1", "unknown key(s): colour"),
        ("[[provider]\n", "is not valid TOML"),
    ],
)
def test_a_broken_providers_file_names_itself_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "sign-in.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=str(path)) as raised:
        load_sign_in_options(str(path))
    assert problem in str(raised.value)


PROVIDER = """
[[provider]]
id = "entra"
name = "Microsoft"
issuer = "{issuer}"
client_id = "c"
client_secret_env = "SECRET_OF_ENTRA"
[[provider.team]]
team = "De Linde"
claim = "tid"
values = "72f988bf"
"""


def test_a_provider_is_https_takes_its_secret_from_the_environment_and_maps_by_claim(tmp_path):
    path = tmp_path / "sign-in.toml"
    path.write_text(PROVIDER.format(issuer="http://login.example/t/v2.0"))
    with pytest.raises(SettingsError, match="https://"):
        load_sign_in_options(str(path), {"SECRET_OF_ENTRA": "s"})
    path.write_text(PROVIDER.format(issuer="https://login.example/t/v2.0/"))
    with pytest.raises(SettingsError, match="has no SECRET_OF_ENTRA"):
        load_sign_in_options(str(path), {})
    options = load_sign_in_options(str(path), {"SECRET_OF_ENTRA": "s"})
    (entra,) = options.providers
    assert (entra.issuer, entra.client_secret, entra.scopes) == (
        "https://login.example/t/v2.0", "s", "openid email"
    )  # fmt: skip
    assert entra.rule_for({"tid": "72f988bf"}) is not None
    assert entra.rule_for({"tid": "another"}) is None and entra.rule_for({}) is None


ENTREE = """
[[provider]]
id = "entree"
name = "Entree Federatie"
issuer = "https://entree.example"
client_id = "c"
client_secret = "s"
scopes = "openid profile"
[[provider.team]]
team = "De Linde"
claims = { nlEduPersonHomeOrganizationId = "01AB", eduPersonAffiliation = ["employee", "staff"] }
"""


def test_a_rule_with_several_claims_lets_in_only_whom_all_of_them_fit(tmp_path):
    """Pupils sign in through Entree too: the school's id alone must not make one a
    facilitator when the operator also asks for a staff role."""
    path = tmp_path / "sign-in.toml"
    path.write_text(ENTREE)
    (entree,) = load_sign_in_options(str(path)).providers
    school = {"nlEduPersonHomeOrganizationId": "01AB"}
    assert entree.rule_for({**school, "eduPersonAffiliation": ["employee"]}) is not None
    assert entree.rule_for({**school, "eduPersonAffiliation": "student"}) is None
    assert entree.rule_for(school) is None
    assert entree.claims_needed == {"nlEduPersonHomeOrganizationId", "eduPersonAffiliation"}


def test_the_cli_stops_on_a_missing_providers_file_in_one_line(tmp_path):
    missing = tmp_path / "nope.toml"
    result = subprocess.run(
        [sys.executable, "-m", "server", "serve", "--port", "0", "--db", str(tmp_path / "x.db"),
         "--oidc-config", str(missing)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(f"draagvlak: DRAAGVLAK_OIDC_CONFIG={missing}")
    assert "Traceback" not in result.stderr

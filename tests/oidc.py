"""A real OpenID Connect provider for the tests (the npm package oidc-provider, run by
tests/oidc_provider.mjs under node on a free port), and the Draagvlak server that signs
in through it, configured as an operator would (a TOML file, DRAAGVLAK_OIDC_CONFIG).

Without node or the package the tests skip here and fail in CI (.ci/run installs both)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey

from conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = Path(os.environ.get("DRAAGVLAK_NODE_MODULES", ROOT / ".ci/node/node_modules"))
SCRIPT = ROOT / "tests" / "oidc_provider.mjs"
CLIENT_ID = "draagvlak-test"
CLIENT_SECRET = "a-client-secret-only-these-tests-know-0123456789"
PROVIDER_ID = "school"
PROVIDER_NAME = "Schoolaccount Test"

# Who can sign in at the provider (any password), and what the provider says about them.
PEOPLE: dict[str, dict[str, Any]] = {
    "jan": {"email": "jan@linde.example", "email_verified": True, "name": "Jan Jansen",
            "school": "linde"},
    "piet": {"name": "Piet Pieters", "school": "linde"},
    "eva": {"email": "eva@eik.example", "email_verified": True, "name": "Eva", "school": "eik"},
    "vreemd": {"email": "iemand@elders.example", "email_verified": True, "school": "elders"},
    "leider": {"email": "leider@school.example", "email_verified": True, "school": "linde"},
    **{
        f"bad-{n}": {"email": f"bad-{n}@linde.example", "email_verified": True, "school": "linde"}
        for n in range(12)
    },
}  # fmt: skip


def require(path: Path | None, what: str) -> None:
    if path is None or not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing ({path}): .ci/run installs it")
        pytest.skip(f"{what} is not installed here ({path}); bash .ci/run installs it")


@dataclass
class Provider:
    """oidc-provider in a node process; `forge(mode)` makes its next answer a bad one."""

    folder: Path
    redirect_uri: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        node = shutil.which("node")
        require(Path(node) if node else None, "node")
        require(NODE_MODULES / "oidc-provider" / "package.json", "the npm package oidc-provider")
        key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"})
        config = {
            "port": self.port,
            "issuer": self.issuer,
            "key": {**key.as_dict(private=True), "alg": "RS256"},
            "client": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [self.redirect_uri],
                "response_types": ["code"],
                "grant_types": ["authorization_code"],
            },
            "people": PEOPLE,
        }
        path = self.folder / "oidc-provider.json"
        path.write_text(json.dumps(config))
        with (self.folder / "oidc-provider.log").open("ab") as log:
            self.process = subprocess.Popen(
                [str(node), str(SCRIPT), str(path)],
                env={**os.environ, "OIDC_NODE_MODULES": str(NODE_MODULES)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oidc-provider exited: {self.log[-2000:]}")
            try:
                found = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1)
                if found.status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise TimeoutError(f"oidc-provider did not start: {self.log[-2000:]}")

    def forge(self, mode: str) -> None:
        answer = httpx.get(f"{self.issuer}/__forge", params={"mode": mode}, timeout=5)
        assert answer.status_code == 200, answer.text

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def log(self) -> str:
        path = self.folder / "oidc-provider.log"
        return path.read_text(errors="replace") if path.exists() else ""


def sign_in_options(
    folder: Path, provider: Provider, local_accounts: bool = True, down_port: int | None = None
) -> Path:
    """The operator's file: the provider (its schools: "linde" straight into De Linde, "eik"
    into De Eik after an admin's approval), and one that does not answer."""
    down = ""
    if down_port:
        down = f"""
[[provider]]
id = "down"
name = "Offline ID"
issuer = "http://127.0.0.1:{down_port}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
[[provider.team]]
team = "De Linde"
"""
    path = folder / "sign-in.toml"
    path.write_text(
        f"""local_accounts = {"true" if local_accounts else "false"}

[[provider]]
id = "{PROVIDER_ID}"
name = "{PROVIDER_NAME}"
issuer = "{provider.issuer}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
scopes = "openid email profile school"

[[provider.team]]
team = "De Linde"
claim = "school"
values = ["linde"]

[[provider.team]]
team = "De Eik"
claim = "school"
values = ["eik"]
approval = true
{down}"""
    )
    return path


def at_provider(start: httpx.Response, login: str) -> httpx.Response:
    """From our redirect to the provider, through its login and consent pages (as a
    browser would post them), to its redirect back to us: that response, not followed."""
    assert start.status_code == 302, (start.status_code, start.text[:300])
    with httpx.Client(timeout=10) as browser:
        answer = browser.get(start.headers["location"], follow_redirects=True)
        for form in ({"prompt": "login", "login": login, "password": "any"}, {"prompt": "consent"}):
            action = re.search(r'<form[^>]*action="([^"]+)"', answer.text)
            assert action, answer.text[:500]
            answer = browser.post(str(answer.url.join(action.group(1))), data=form)
            while answer.is_redirect and "/callback?" not in answer.headers["location"]:
                answer = browser.get(str(answer.url.join(answer.headers["location"])))
            if answer.is_redirect:
                return answer
    raise AssertionError(f"the provider did not send the browser back: {answer.text[:500]}")


def sign_in_over_http(
    http: httpx.Client, login: str, start: str = "/signin/oidc/school"
) -> httpx.Response:
    """The whole flow with a plain HTTP client (the cookies are `http`'s): our answer to
    the provider's redirect back."""
    back = at_provider(http.post(start, data={"next": "/start"}), login)
    return http.get(back.headers["location"])

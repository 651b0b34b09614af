"""The operator's sign-in providers (OpenID Connect): read from the TOML file that
DRAAGVLAK_OIDC_CONFIG names, checked before the server listens, and which team a person
of a provider lands in (docs/deploy.md shows the file)."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import SettingsError

PROVIDER_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
# The least a facilitator's account needs: who they are (openid) and an address; an
# operator adds "profile" where a school gives names only.
DEFAULT_SCOPES = "openid email"


@dataclass(frozen=True)
class TeamRule:
    """A person of the provider whose claims each have one of their values (any person,
    without conditions) lands in the team of that name; with approval, once an admin of
    it agrees. Several conditions: the school's id and a staff role, say."""

    team: str
    conditions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    approval: bool = False

    def matches(self, claims: Mapping[str, Any]) -> bool:
        return all(_has(claims.get(claim), values) for claim, values in self.conditions)


def _has(found: Any, values: tuple[str, ...]) -> bool:
    got = found if isinstance(found, list) else [found]
    return any(isinstance(v, str | int) and str(v) in values for v in got)


@dataclass(frozen=True)
class Provider:
    id: str  # in the redirect URI: /signin/oidc/<id>/callback
    name: str  # on the button: "Sign in with <name>"
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = DEFAULT_SCOPES
    teams: tuple[TeamRule, ...] = ()

    def rule_for(self, claims: Mapping[str, Any]) -> TeamRule | None:
        """The first rule the claims match: where an unknown person lands, if anywhere."""
        return next((rule for rule in self.teams if rule.matches(claims)), None)

    @property
    def claims_needed(self) -> set[str]:
        return {claim for rule in self.teams for claim, _ in rule.conditions}


@dataclass(frozen=True)
class SignInOptions:
    providers: tuple[Provider, ...] = ()
    # False: only admins sign in with a password, and only while no admin has linked a
    # school account (so switching it off never locks the last admin out).
    local_accounts: bool = True

    def provider(self, provider_id: str) -> Provider | None:
        return next((p for p in self.providers if p.id == provider_id), None)

    @property
    def origins(self) -> tuple[str, ...]:
        """Where the sign-in buttons lead: each provider's origin (scheme, host, port)."""
        return tuple(dict.fromkeys(origin_of(p.issuer) for p in self.providers))


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def load_sign_in_options(path: str, environ: Mapping[str, str] | None = None) -> SignInOptions:
    """The file's providers; no file named: e-mail and password only. SettingsError names
    the file and what is wrong in it."""
    if not path:
        return SignInOptions()
    environ = os.environ if environ is None else environ
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise SettingsError(f"DRAAGVLAK_OIDC_CONFIG={path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"DRAAGVLAK_OIDC_CONFIG={path} is not valid TOML: {error}") from None
    try:
        options = _options(data, environ)
    except (KeyError, TypeError, ValueError) as error:
        raise SettingsError(f"DRAAGVLAK_OIDC_CONFIG={path}: {error}") from None
    if options.providers:
        _check_authlib()
    return options


def _options(data: Mapping[str, Any], environ: Mapping[str, str]) -> SignInOptions:
    _only(data, {"local_accounts", "provider"}, "the file")
    local = data.get("local_accounts", True)
    if not isinstance(local, bool):
        raise ValueError("local_accounts must be true or false")
    providers = tuple(_provider(raw, environ) for raw in _tables(data, "provider", "the file"))
    ids = [p.id for p in providers]
    if len(set(ids)) != len(ids):
        raise ValueError("two providers have the same id")
    if not local and not providers:
        raise ValueError("local_accounts = false needs at least one [[provider]]")
    return SignInOptions(providers, local)


def _provider(raw: Mapping[str, Any], environ: Mapping[str, str]) -> Provider:
    keys = {"id", "name", "issuer", "client_id", "client_secret", "client_secret_env"}
    _only(raw, keys | {"scopes", "team"}, "a [[provider]]")
    pid = _text(raw, "id", "a [[provider]]")
    where = f"provider {pid!r}"
    if not PROVIDER_ID.fullmatch(pid):
        raise ValueError(f"{where}: id is lower-case letters, digits and '-' (at most 40)")
    issuer = _text(raw, "issuer", where).rstrip("/")
    if not issuer.startswith("https://") and not _is_local(issuer):
        raise ValueError(f"{where}: issuer must be an https:// address")
    if "client_secret_env" in raw:
        variable = _text(raw, "client_secret_env", where)
        if not environ.get(variable):
            raise ValueError(f"{where}: the environment has no {variable} (client_secret_env)")
        secret = environ[variable]
    else:
        secret = _text(raw, "client_secret", where)
    scopes = " ".join(str(raw.get("scopes", DEFAULT_SCOPES)).split())
    if "openid" not in scopes.split():
        raise ValueError(f"{where}: scopes must include openid")
    rules = tuple(_rule(r, where) for r in _tables(raw, "team", where))
    if not rules:
        raise ValueError(f"{where}: no [[provider.team]]: nobody would have a team to land in")
    name = _text(raw, "name", where)
    return Provider(pid, name, issuer, _text(raw, "client_id", where), secret, scopes, rules)


def _rule(raw: Mapping[str, Any], where: str) -> TeamRule:
    """`claim` and `values` for one condition, a `claims` table for several (all must hold)."""
    _only(raw, {"team", "claim", "values", "claims", "approval"}, f"{where}, a [[provider.team]]")
    team = " ".join(_text(raw, "team", where).split())
    where = f"{where}, team {team!r}"
    wanted = dict(raw.get("claims", {}))
    if "claim" in raw:
        wanted[_text(raw, "claim", where)] = raw.get("values")
    elif "values" in raw:
        raise ValueError(f"{where}: values need the claim they are of")
    conditions = []
    for claim, values in wanted.items():
        values = [values] if isinstance(values, str) else values
        if not (isinstance(values, list) and values and all(isinstance(v, str) for v in values)):
            raise ValueError(f"{where}: claim {claim!r} needs values (text)")
        conditions.append((str(claim), tuple(values)))
    approval = raw.get("approval", False)
    if not isinstance(approval, bool):
        raise ValueError(f"{where}: approval must be true or false")
    return TeamRule(team, tuple(conditions), approval)


def _tables(data: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    found = data.get(key, [])
    if not isinstance(found, list) or not all(isinstance(t, dict) for t in found):
        raise ValueError(f"{where}: {key} must be a list of tables, [[{key}]]")
    return found


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where} needs {key} (text)")
    return value.strip()


def _only(raw: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"{where} has unknown key(s): {', '.join(unknown)}")


def _is_local(url: str) -> bool:
    """Plain http only for a provider on this machine (a test, a provider beside us)."""
    return re.fullmatch(r"http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/.*)?", url) is not None


def _check_authlib() -> None:
    try:
        import authlib.integrations.starlette_client  # noqa: F401
    except ImportError:
        raise SettingsError(
            "DRAAGVLAK_OIDC_CONFIG names providers, which need Authlib and httpx2:"
            " pip install -e '.[oidc]'"
        ) from None

"""Settings, built once at the edge from command-line flags and DRAAGVLAK_* variables."""

from __future__ import annotations

import contextlib
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    pass


# The numbers each numeric setting may take, both ends included. A value outside stops
# start-up with the variable and this range named, instead of a server that misbehaves
# later (a negative answer length, a port that cannot exist).
RANGES: dict[str, tuple[float, float]] = {
    "port": (0, 65535),  # 0: any free port; the banner shows which
    "max_answer_length": (1, 10_000),
    "max_answers_per_prompt": (1, 10_000),
    "max_message_bytes": (1024, 16 * 1024 * 1024),
    "max_frame_bytes": (1024, 64 * 1024 * 1024),
    "send_timeout": (0.1, 600),
    "outbox_limit": (1, 100_000),
    "ping_interval": (0.1, 3600),
    "ping_timeout": (0.1, 3600),
    "max_body_bytes": (1024, 16 * 1024 * 1024),
    "max_participants": (1, 100_000),
    "failed_joins_per_minute": (1, 100_000),
    "joins_per_minute": (1, 10_000_000),
    "answers_per_minute": (1, 1_000_000),
    "retention_days": (0, 36_500),  # 0: raw answers go at the next hourly pass
    "request_timeout": (0.1, 3600),
}
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    db: str = "draagvlak.db"
    hub_url: str = "memory://"
    # The address phones use, printed on the projector. Empty: taken from the request.
    public_url: str = ""
    packs_dir: Path = PROJECT_ROOT / "sessions"
    templates_dir: Path = PROJECT_ROOT / "templates"
    static_dir: Path = PROJECT_ROOT / "static"
    max_answer_length: int = 280
    max_answers_per_prompt: int = 20
    # A websocket text message larger than this gets a clear error; the connection stays.
    max_message_bytes: int = 8 * 1024
    # Frames above this are refused by the websocket layer itself (close code 1009).
    max_frame_bytes: int = 1024 * 1024
    # A connection whose writes stall this long, or that falls this many updates
    # behind, is closed so that it reconnects and resyncs; the room never waits for it.
    send_timeout: float = 5.0
    outbox_limit: int = 200
    # A phone that vanished without closing (Wi-Fi gone) is found by pings: no answer
    # within the timeout and its connection is closed.
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    # permessage-deflate: off, because it costs more CPU and memory than our small
    # fragments save (bench/README.md has the figures for both).
    ws_deflate: bool = False
    # Abuse and privacy limits (docs/security.md).
    max_body_bytes: int = 64 * 1024
    max_participants: int = 2000
    # Distinct wrong codes per address: a staff room's typos stay well below it; the QR
    # code's link and phones that joined before never count against it.
    failed_joins_per_minute: int = 30
    # A whole school joins from behind one address (NAT): a thousand phones in a minute.
    joins_per_minute: int = 3000
    answers_per_minute: int = 30
    # Sessions started this many days ago are closed and keep only their outcome.
    retention_days: int = 180
    # A request's head and body must arrive within this many seconds; a connection that
    # sends nothing (or trickles) is closed, so idle sockets cannot pile up.
    request_timeout: float = 10.0
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto are believed (comma
    # separated, or *). Empty: none; a local proxy cannot make a guesser many addresses.
    trusted_proxies: str = ""
    # Host names this server answers to, besides IP addresses, localhost, this machine's
    # name and the --public-url's host (comma separated; *.example.org for subdomains).
    # Other names are refused: a DNS-rebinding page cannot reach us under its own name.
    allowed_hosts: str = ""
    # A TOML file of OpenID Connect providers (Entree Federatie, Entra ID, Google) and the
    # teams their schools land in (docs/deploy.md). Empty: e-mail and password only.
    oidc_config: str = ""
    log_level: str = "info"

    @property
    def store_url(self) -> str:
        return self.db if "://" in self.db else f"sqlite:///{self.db}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then DRAAGVLAK_<NAME> variables, then explicit overrides (flags)."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        sources: dict[str, str] = {}
        for f in fields(cls):
            key = f"DRAAGVLAK_{f.name.upper()}"
            if key in environ:
                values[f.name] = _convert(key, environ[key], getattr(cls(), f.name))
                sources[f.name] = f"{key}={environ[key]}"
        for name, value in overrides.items():
            if value is not None:
                values[name] = value
                sources[name] = f"--{name.replace('_', '-')} {value}"
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        for name, value in values.items():
            _check(name, value, sources[name])
        return replace(cls(), **values)  # type: ignore[arg-type]


def _check(name: str, value: object, source: str) -> None:
    """A number within its range, a known log level; SettingsError names where it came from."""
    if name in RANGES and isinstance(value, int | float) and not isinstance(value, bool):
        least, most = RANGES[name]
        if not least <= value <= most:
            raise SettingsError(f"{source} is out of range: use {_plain(least)} to {_plain(most)}")
    if name == "log_level" and str(value).lower() not in LOG_LEVELS:
        raise SettingsError(f"{source} is not a log level: use one of {', '.join(LOG_LEVELS)}")
    if name == "trusted_proxies" and value and str(value).strip() != "*":  # * trusts all
        for proxy in str(value).split(","):
            _check_proxy(proxy.strip(), source)


def _check_proxy(proxy: str, source: str) -> None:
    """An address or a network. uvicorn would take anything else as a name no client has,
    and a network written with host bits ("10.0.0.1/24") or a "*" in a list likewise:
    trusted, silently, never."""
    try:
        if "/" in proxy:
            ipaddress.ip_network(proxy)
        else:
            ipaddress.ip_address(proxy)
    except ValueError:
        hint = ""
        if "/" in proxy:
            with contextlib.suppress(ValueError):
                hint = f" (the network is {ipaddress.ip_network(proxy, strict=False)})"
        raise SettingsError(
            f"{source}: {proxy!r} is not an IP address or network{hint};"
            " name the proxies' addresses, comma-separated"
        ) from None


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _convert(key: str, raw: str, default: object) -> object:
    """The variable's text as the type of the setting's default."""
    if isinstance(default, Path):
        return Path(raw)
    if isinstance(default, bool):
        flag = raw.strip().lower()
        if flag in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return flag in ("1", "true", "yes", "on")
        raise SettingsError(f"{key}={raw!r} is not on or off (use 1 or 0)")
    if isinstance(default, int | float):
        try:
            return type(default)(raw)
        except ValueError:
            kind = type(default).__name__
            raise SettingsError(f"{key}={raw!r} is not a valid {kind}") from None
    return raw

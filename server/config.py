"""Settings, built once at the edge from command-line flags and DRAAGVLAK_* variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    pass


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
    failed_joins_per_minute: int = 10
    # A whole school joins from behind one address (NAT): a thousand phones in a minute.
    joins_per_minute: int = 3000
    answers_per_minute: int = 30
    # Closed sessions keep their raw answers this many days; then only the outcome stays.
    retention_days: int = 180
    log_level: str = "info"

    @property
    def store_url(self) -> str:
        return self.db if "://" in self.db else f"sqlite:///{self.db}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then DRAAGVLAK_<NAME> variables, then explicit overrides (flags)."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            key = f"DRAAGVLAK_{f.name.upper()}"
            if key in environ:
                values[f.name] = _convert(key, environ[key], getattr(cls(), f.name))
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return replace(cls(), **values)  # type: ignore[arg-type]


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

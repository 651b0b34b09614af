"""Settings: defaults, then DRAAGVLAK_* variables, then explicit overrides, checked at the edge."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from pathlib import Path

import pytest

from server.config import PROJECT_ROOT, RANGES, Settings, SettingsError


def test_defaults() -> None:
    """Without variables or overrides every setting has its documented default."""
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.db == "draagvlak.db"
    assert settings.hub_url == "memory://"
    assert settings.send_timeout == 5.0
    assert settings.packs_dir == PROJECT_ROOT / "sessions"
    assert settings.packs_dir.is_dir()
    assert settings.templates_dir.is_dir()
    assert settings.static_dir.is_dir()


def test_variables_are_read_from_the_given_mapping() -> None:
    """DRAAGVLAK_<NAME> sets <name>, converted to the setting's type."""
    settings = Settings.from_env(
        {
            "DRAAGVLAK_PORT": "9001",
            "DRAAGVLAK_DB": "/var/lib/draagvlak/rooms.db",
            "DRAAGVLAK_SEND_TIMEOUT": "0.25",
            "DRAAGVLAK_HUB_URL": "memory://",
            "DRAAGVLAK_PUBLIC_URL": "https://draagvlak.school.nl",
        }
    )
    assert settings.port == 9001 and type(settings.port) is int
    assert settings.db == "/var/lib/draagvlak/rooms.db"
    assert settings.send_timeout == 0.25
    assert settings.public_url == "https://draagvlak.school.nl"


def test_a_whole_number_timeout_is_still_a_float() -> None:
    """DRAAGVLAK_SEND_TIMEOUT=2 gives the float 2.0, not the int 2."""
    settings = Settings.from_env({"DRAAGVLAK_SEND_TIMEOUT": "2"})
    assert settings.send_timeout == 2.0 and type(settings.send_timeout) is float


@pytest.mark.parametrize("name", ["PACKS_DIR", "TEMPLATES_DIR", "STATIC_DIR"])
def test_folder_variables_become_paths(tmp_path: Path, name: str) -> None:
    """Folder settings from the environment are Path objects, like their defaults, so the code
    that globs and joins them works."""
    settings = Settings.from_env({f"DRAAGVLAK_{name}": str(tmp_path)})
    value = getattr(settings, name.lower())
    assert isinstance(value, Path)
    assert value == tmp_path


def test_the_process_environment_is_the_default_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a mapping, from_env reads os.environ."""
    monkeypatch.setenv("DRAAGVLAK_PORT", "9100")
    monkeypatch.setenv("DRAAGVLAK_LOG_LEVEL", "debug")
    settings = Settings.from_env()
    assert (settings.port, settings.log_level) == (9100, "debug")


def test_unrelated_variables_are_ignored() -> None:
    """Only DRAAGVLAK_<known name> variables matter."""
    settings = Settings.from_env({"PORT": "1", "DRAAGVLAK_COLOUR": "blue", "draagvlak_port": "2"})
    assert settings == Settings()


def test_explicit_overrides_beat_the_environment() -> None:
    """Command-line flags win over DRAAGVLAK_* variables."""
    environ = {"DRAAGVLAK_PORT": "9001", "DRAAGVLAK_DB": "env.db"}
    settings = Settings.from_env(environ, port=9002, db="flag.db")
    assert (settings.port, settings.db) == (9002, "flag.db")


def test_none_overrides_are_ignored() -> None:
    """An unset flag (None) leaves the variable's or the default's value in place."""
    settings = Settings.from_env({"DRAAGVLAK_PORT": "9001"}, port=None, db=None, host=None)
    assert (settings.port, settings.db, settings.host) == (9001, "draagvlak.db", "127.0.0.1")


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("DRAAGVLAK_PORT", "eighty"),
        ("DRAAGVLAK_PORT", "80.5"),
        ("DRAAGVLAK_PORT", ""),
        ("DRAAGVLAK_OUTBOX_LIMIT", "many"),
        ("DRAAGVLAK_SEND_TIMEOUT", "soon"),
    ],
)
def test_an_invalid_number_names_the_variable(key: str, raw: str) -> None:
    """A value that does not convert stops start-up with the variable and its value named."""
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({key: raw})
    assert key in str(caught.value)
    assert repr(raw) in str(caught.value)


def test_an_unknown_override_is_refused() -> None:
    """A misspelt setting passed in code fails loudly instead of being dropped."""
    with pytest.raises(SettingsError, match="unknown setting\\(s\\): colour"):
        Settings.from_env({}, colour="blue")


def test_settings_are_frozen() -> None:
    """Settings are built once at the edge and cannot be changed afterwards."""
    settings = Settings.from_env({})
    with pytest.raises(FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("db", "url"),
    [
        ("draagvlak.db", "sqlite:///draagvlak.db"),
        ("data/rooms.db", "sqlite:///data/rooms.db"),
        ("/var/lib/draagvlak/rooms.db", "sqlite:////var/lib/draagvlak/rooms.db"),
        ("sqlite:///elsewhere.db", "sqlite:///elsewhere.db"),
        (
            "postgresql://draagvlak@db.school.nl/draagvlak",
            "postgresql://draagvlak@db.school.nl/draagvlak",
        ),
    ],
)
def test_store_url_turns_a_path_into_a_sqlite_url(db: str, url: str) -> None:
    """A plain path becomes sqlite:///path; anything that is already a URL is kept as is."""
    assert Settings.from_env({"DRAAGVLAK_DB": db}).store_url == url


def test_every_numeric_setting_has_a_range() -> None:
    """A number setting added without a range would accept nonsense such as -5 again."""
    numeric = {
        f.name
        for f in fields(Settings)
        if isinstance(getattr(Settings(), f.name), int | float)
        and not isinstance(getattr(Settings(), f.name), bool)
    }
    assert numeric == set(RANGES)
    for name, (least, most) in RANGES.items():
        assert least <= getattr(Settings(), name) <= most, f"the default of {name} is outside"


@pytest.mark.parametrize(
    ("key", "raw", "allowed"),
    [
        ("DRAAGVLAK_MAX_ANSWER_LENGTH", "-5", "use 1 to 10000"),
        ("DRAAGVLAK_MAX_ANSWER_LENGTH", "0", "use 1 to 10000"),
        ("DRAAGVLAK_PORT", "70000", "use 0 to 65535"),
        ("DRAAGVLAK_SEND_TIMEOUT", "0", "use 0.1 to 600"),
        ("DRAAGVLAK_SEND_TIMEOUT", "nan", "use 0.1 to 600"),
        ("DRAAGVLAK_RETENTION_DAYS", "-1", "use 0 to 36500"),
        ("DRAAGVLAK_OUTBOX_LIMIT", "0", "use 1 to 100000"),
    ],
)
def test_a_number_out_of_range_names_the_variable_and_the_range(
    key: str, raw: str, allowed: str
) -> None:
    """A number that converts but makes no sense stops start-up with the variable, its value
    and the allowed range named."""
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({key: raw})
    assert str(caught.value) == f"{key}={raw} is out of range: {allowed}"


@pytest.mark.parametrize("name", sorted(RANGES))
def test_both_ends_of_every_range_are_accepted(name: str) -> None:
    """The range is inclusive: its ends are valid values."""
    for end in RANGES[name]:
        raw = str(end if isinstance(getattr(Settings(), name), float) else int(end))
        assert getattr(Settings.from_env({f"DRAAGVLAK_{name.upper()}": raw}), name) == end


def test_a_flag_out_of_range_is_named_as_the_flag() -> None:
    """--port 70000 is refused naming the flag, not a variable the user never set."""
    with pytest.raises(SettingsError, match=r"^--port 70000 is out of range: use 0 to 65535$"):
        Settings.from_env({}, port=70000)


def test_an_unknown_log_level_is_refused() -> None:
    """DRAAGVLAK_LOG_LEVEL must be a level logging knows, named in the error."""
    with pytest.raises(SettingsError, match="DRAAGVLAK_LOG_LEVEL=loud is not a log level"):
        Settings.from_env({"DRAAGVLAK_LOG_LEVEL": "loud"})
    assert Settings.from_env({"DRAAGVLAK_LOG_LEVEL": "DEBUG"}).log_level == "DEBUG"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("nginx.local", "'nginx.local' is not an IP address or network;"),
        ("10.0.0.10,10.0.0.300", "'10.0.0.300' is not an IP address or network;"),
        ("10.0.0.10,*", "'*' is not an IP address or network;"),
        ("10.0.0.1/24", "'10.0.0.1/24' is not an IP address or network (the network is"),
    ],
)
def test_a_trusted_proxy_that_is_no_address_is_refused(raw: str, shown: str) -> None:
    """uvicorn would trust a name or a network with host bits as a literal that no client
    ever is: behind such a proxy every phone would share its address (one rate limit for
    the hall) and HTTPS would go unseen. Start-up stops and says which entry is wrong."""
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"DRAAGVLAK_TRUSTED_PROXIES": raw})
    assert str(caught.value).startswith(f"DRAAGVLAK_TRUSTED_PROXIES={raw}: {shown}")
    if "/" in raw:
        assert "(the network is 10.0.0.0/24)" in str(caught.value)


def test_trusted_proxies_take_addresses_networks_and_a_star() -> None:
    for raw in ("127.0.0.1", "10.0.0.10, 10.0.0.11", "10.0.0.0/24,::1", "fd00::/8", "*"):
        assert Settings.from_env({"DRAAGVLAK_TRUSTED_PROXIES": raw}).trusted_proxies == raw

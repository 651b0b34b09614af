"""Where phones reach the server: the laptop's network address on the console, projector
and QR code when the leader's browser is on 127.0.0.1, and a warning that says what to do."""

from __future__ import annotations

import html
import ipaddress
import shlex
import subprocess
import sys

import httpx
import pytest

from conftest import ROOT, without_network
from server.web.network import (
    is_loopback,
    join_base_url,
    lan_address,
    listens_everywhere,
    unreachable_reason,
)
from wire import open_session

LOCAL_ONLY = "the server listens on this computer only"
NO_NETWORK = "it has no network address"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("app.localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("192.168.1.20", False),
        ("10.0.0.5", False),
        ("draagvlak.school.nl", False),
        ("127.example.org", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    """Only addresses that never leave this computer count as loopback."""
    assert is_loopback(host) is expected


def test_listening_everywhere_means_the_wildcard_addresses() -> None:
    """0.0.0.0 and :: listen on every network; a named address does not."""
    assert listens_everywhere("0.0.0.0") and listens_everywhere("::")
    assert not listens_everywhere("127.0.0.1") and not listens_everywhere("192.168.1.20")


def test_the_configured_public_url_always_wins() -> None:
    """--public-url is what phones use, whatever the browser or the listening address."""
    for request_base in ("http://127.0.0.1:8000/", "http://192.168.1.20:8000/"):
        joined = join_base_url("https://dv.school.nl/", request_base, "0.0.0.0")
        assert joined == "https://dv.school.nl"


def test_an_address_phones_can_use_is_kept() -> None:
    """A leader who opened the console through the network address keeps it; so does one
    whose server listens on this computer only (there is nothing better to show)."""
    assert join_base_url("", "http://192.168.1.20:8000/", "0.0.0.0") == "http://192.168.1.20:8000"
    assert join_base_url("", "http://127.0.0.1:8000/", "127.0.0.1") == "http://127.0.0.1:8000"


def test_loopback_becomes_the_network_address_when_listening_everywhere() -> None:
    """127.0.0.1 and localhost in the leader's browser become this computer's network
    address with the same port and path, when there is one."""
    lan = lan_address()
    for request_base in ("http://127.0.0.1:8123/", "http://localhost:8123/"):
        expected = f"http://{lan}:8123" if lan else request_base.rstrip("/")
        assert join_base_url("", request_base, "0.0.0.0") == expected
    expected = f"http://{lan}/draagvlak" if lan else "http://localhost/draagvlak"
    assert join_base_url("", "http://localhost/draagvlak/", "::") == expected


def test_the_network_address_is_a_usable_ipv4_address() -> None:
    """What lan_address finds (if anything) is an IPv4 address other machines could use."""
    lan = lan_address()
    if lan is not None:
        address = ipaddress.IPv4Address(lan)
        assert not (address.is_loopback or address.is_link_local or address.is_unspecified)


@pytest.mark.parametrize(
    ("join_base", "listen_host", "reason"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1", "local_only"),
        ("http://localhost:8000", "localhost", "local_only"),
        ("http://127.0.0.1:8000", "0.0.0.0", "no_network"),
        ("http://[::1]:8000", "::", "no_network"),
        ("http://192.168.1.20:8000", "0.0.0.0", ""),
        ("https://dv.school.nl", "127.0.0.1", ""),
    ],
)
def test_why_phones_cannot_join(join_base: str, listen_host: str, reason: str) -> None:
    """A loopback join address is a problem; which one depends on where the server listens."""
    assert unreachable_reason(join_base, listen_host) == reason


async def console_and_screen(base: str) -> tuple[str, str]:
    fac = await open_session(base)
    headers = {"cookie": fac.cookie, "accept-language": "en"}
    async with httpx.AsyncClient(base_url=base, headers=headers) as http:
        console = await http.get(f"/s/{fac.session_id}/console")
        screen = await http.get(f"/s/{fac.session_id}/screen")
    assert console.status_code == screen.status_code == 200
    return html.unescape(console.text), html.unescape(screen.text)


async def test_listening_everywhere_the_console_and_projector_show_the_network_address(
    server_factory,
):
    """Started with --host 0.0.0.0 and opened at 127.0.0.1, the console shows the laptop's
    network address, the projector too, and its QR code holds it; no warning."""
    server = server_factory(host="0.0.0.0")
    console, screen = await console_and_screen(server.url)
    lan = lan_address()
    if lan is None:  # a machine without a network: the warning says what to do instead
        assert NO_NETWORK in console
        return
    joined = f"{lan}:{server.port}"
    assert f"Join at <strong>{joined}</strong>" in console
    assert "Phones cannot reach" not in console
    assert f'<p class="join-url">{joined}</p>' in screen
    assert f"QR code to join: http://{joined}/j/" in screen
    assert "127.0.0.1" not in screen


async def test_listening_on_this_computer_only_the_console_says_how_to_fix_it(server):
    """On the default 127.0.0.1 the console warns that phones cannot reach it, and names
    --host 0.0.0.0; it no longer sends the leader to the laptop's network address, which
    would not work either."""
    console, _ = await console_and_screen(server.url)
    assert LOCAL_ONLY in console
    assert "--host 0.0.0.0" in console


async def test_with_a_public_url_there_is_no_warning(server_factory):
    """Behind a proxy (--public-url) the server may listen on 127.0.0.1: phones use the
    public address, and the console does not warn."""
    server = server_factory(public_url="https://dv.school.nl")
    console, screen = await console_and_screen(server.url)
    assert "Join at <strong>dv.school.nl</strong>" in console
    assert "Phones cannot reach" not in console
    assert "QR code to join: https://dv.school.nl/j/" in screen


# Run inside a network namespace with only loopback up: a laptop without any network.
OFFLINE_CONSOLE = """
import asyncio, html, sys, tempfile
from pathlib import Path
sys.path.insert(0, "tests")
from conftest import ServerProcess
from wire import open_session
import httpx

async def main():
    server = ServerProcess(Path(tempfile.mkdtemp()) / "x.db", host="0.0.0.0")
    server.start()
    try:
        fac = await open_session(server.url)
        async with httpx.AsyncClient(base_url=server.url) as http:
            headers = {"cookie": fac.cookie, "accept-language": "en"}
            page = await http.get(f"/s/{fac.session_id}/console", headers=headers)
        print(html.unescape(page.text))
    finally:
        server.stop()

asyncio.run(main())
"""


def test_without_a_network_the_console_says_to_connect_the_laptop():
    """On a laptop with no network at all (a namespace with only loopback), listening on
    0.0.0.0, the console says that phones cannot reach it and what to do."""
    script = f"ip link set lo up && exec {sys.executable} -c {shlex.quote(OFFLINE_CONSOLE)}"
    result = subprocess.run(
        without_network("sh", "-c", script, probe=("ip", "link", "set", "lo", "up")),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert NO_NETWORK in result.stdout
    assert "Connect it to the school's network" in result.stdout

"""Where phones reach this server: the laptop's address on the local network, the join
address built from it, and the start-up banner that says both."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

# connect() on a UDP socket only picks a route and the address it would leave from: no
# packet is sent, so this needs no internet and tells nobody anything. One target in each
# private range, so that a network without a default route is found too.
_ROUTE_PROBES = ("10.254.254.254", "172.31.254.254", "192.168.254.254")


def lan_address() -> str | None:
    """This machine's IPv4 address on its local network, or None when it has none."""
    found: list[str] = []
    for target in _ROUTE_PROBES:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.connect((target, 9))
            except OSError:  # no route to this range
                continue
            address = ipaddress.ip_address(probe.getsockname()[0])
        if not (address.is_loopback or address.is_link_local or address.is_unspecified):
            found.append(str(address))
    # The address most ranges are reached from is the default route's; a VPN or a
    # container bridge usually claims one range only.
    return max(found, key=found.count) if found else None


def listens_everywhere(host: str) -> bool:
    return host in ("0.0.0.0", "::")


def is_loopback(host: str) -> bool:
    """127.x, ::1 or localhost: an address only this computer can use."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def join_base_url(public_url: str, request_base: str, listen_host: str) -> str:
    """The address phones use: the configured one; else the one the leader's browser used,
    unless that is this laptop's loopback while the server listens on the network: then
    the laptop's network address, with the same port."""
    if public_url:
        return public_url.rstrip("/")
    base = request_base.rstrip("/")
    parts = urlsplit(base)
    if not (parts.hostname and is_loopback(parts.hostname) and listens_everywhere(listen_host)):
        return base
    lan = lan_address()
    if lan is None:
        return base
    netloc = lan if parts.port is None else f"{lan}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def banner(host: str, port: int, public_url: str) -> str:
    """What the command prints once it listens: where to start, and where phones join or
    exactly what to do so that they can."""
    local = "127.0.0.1" if listens_everywhere(host) else host
    lines = ["Draagvlak is ready.", f"  Start a session: http://{url_host(local)}:{port}/start"]
    lan = lan_address() if listens_everywhere(host) else None
    if public_url:
        lines.append(f"  Phones join at:  {public_url.rstrip('/')}")
    elif is_loopback(host):
        lines += [
            "  Phones cannot join: the server listens on this computer only.",
            "  For phones on the school network, start it with --host 0.0.0.0.",
        ]
    elif not listens_everywhere(host):
        lines.append(f"  Phones join at:  http://{url_host(host)}:{port}")
    elif lan is not None:
        lines.append(f"  Phones join at:  http://{lan}:{port} (the projector shows it)")
    else:
        lines += [
            "  Phones cannot join yet: this computer has no network address.",
            "  Connect it to the school's network (Wi-Fi or cable), then reload the console;",
            "  or set --public-url to the address phones use.",
        ]
    lines.append("Press Ctrl+C to stop.")
    return "\n".join(lines)


def unreachable_reason(join_base: str, listen_host: str) -> str:
    """Why phones cannot reach the join address, as far as this computer can tell:
    "local_only" (the server listens on this computer only), "no_network" (it listens on
    the network, but this computer has no network address), or "" (they can)."""
    if not is_loopback(urlsplit(join_base).hostname or ""):
        return ""
    return "no_network" if listens_everywhere(listen_host) else "local_only"

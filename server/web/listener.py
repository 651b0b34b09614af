"""The listening socket, bound before the server starts: a port in use or a host that is
not this computer's becomes one clear line, and nothing claims to listen before it does."""

from __future__ import annotations

import errno
import os
import socket

from .network import url_host


class ListenError(Exception):
    pass


def bind_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A socket listening on host:port (port 0: any free one); ListenError says why not."""
    where = f"{url_host(host)}:{port}"
    try:
        found = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except (socket.gaierror, UnicodeError):
        raise ListenError(
            f"cannot listen on {host!r}: no such address or host name"
            " (use 0.0.0.0 for phones on the network, or 127.0.0.1)"
        ) from None
    family, kind, proto, _, address = found[0]
    sock = socket.socket(family, kind, proto)
    try:
        if os.name != "nt":  # on Windows this would let two servers share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as error:
        sock.close()
        raise ListenError(_reason(error, where, host, port)) from None
    return sock


def _reason(error: OSError, where: str, host: str, port: int) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"cannot listen on {where}: the port is already in use (by another Draagvlak"
            " or program); stop that, or choose another port with --port"
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return (
            f"cannot listen on {host}: this computer has no such address"
            " (use 0.0.0.0 for phones on the network, or 127.0.0.1)"
        )
    if error.errno == errno.EACCES:
        return f"cannot listen on port {port}: not allowed; use a port above 1023, such as 8000"
    return f"cannot listen on {where}: {error.strerror or error}"

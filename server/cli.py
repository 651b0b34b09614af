"""The `draagvlak` command."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import json
import logging
import socket
import sys
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Settings, SettingsError
from .packs import PackError
from .store.sqlite.file import StoreFileError, check_store_url
from .web.listener import ListenError, bind_socket
from .web.network import banner

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp

DB_HELP = "SQLite file (default draagvlak.db), or a postgresql://user@host/database URL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="draagvlak", description="Live, anonymous team sessions.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument(
        "--host", help="address to listen on (default 127.0.0.1; 0.0.0.0 for phones on the network)"
    )
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument("--db", help=DB_HELP)
    serve.add_argument("--public-url", help="address phones use, shown on the projector")
    serve.add_argument(
        "--oidc-config", help="TOML file of sign-in providers (OpenID Connect), docs/deploy.md"
    )
    suggest = commands.add_parser(
        "suggest-groups",
        help="propose groups for answers, one a line, and print them as JSON",
        description="Proposes groups for answers, one a line, as the console does, and prints"
        " them as JSON: a list of groups, each with a label and its answers as line numbers"
        " counted from 0 (the first line is 0; empty lines are counted too).",
    )
    suggest.add_argument(
        "--lang", choices=("nl", "en"), default="nl", help="language of the answers (default nl)"
    )
    suggest.add_argument("file", help="text file with one answer a line; - for standard input")
    account = commands.add_parser(
        "account",
        help="make a facilitator's account, or reset a password, from the shell",
        description="Makes a facilitator's account or sets a new password. The password is"
        " asked for twice, or read as one line from standard input when it is not a terminal.",
    )
    account.add_argument("action", choices=("create", "reset-password"))
    account.add_argument("email")
    account.add_argument("--team", help="the team (made when no team has this name); create only")
    account.add_argument("--admin", action="store_true", help="may invite others; create only")
    account.add_argument("--db", help=DB_HELP)
    # Parsed in two steps so that a wrong option shows its own command's usage, not the
    # top level's.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        {"serve": serve, "suggest-groups": suggest, "account": account}[args.command].error(
            f"unrecognized arguments: {' '.join(unknown)}"
        )
    if args.command == "suggest-groups":
        return print_suggestions(args.file, args.lang)

    try:
        if args.command == "account":
            settings = Settings.from_env(db=args.db)
            return asyncio.run(manage_account(settings, args))
        settings = Settings.from_env(
            host=args.host,
            port=args.port,
            db=args.db,
            public_url=args.public_url,
            oidc_config=args.oidc_config,
        )
        return serve_app(settings)
    except (SettingsError, PackError, StoreFileError, ListenError) as error:
        print(f"draagvlak: {error}", file=sys.stderr)
        return 2


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("The same password again: ") != first:
        raise SettingsError("the two passwords are not the same")
    return first


async def manage_account(settings: Settings, args: argparse.Namespace) -> int:
    """`draagvlak account create|reset-password EMAIL`: the shell's way in, for the first
    account on a server without a browser at hand, or a facilitator who forgot."""
    from .rules.records import Team
    from .store import EmailTaken, open_store
    from .web.auth import new_session_id
    from .web.passwords import hash_password, weakness
    from .web.signed import utc_now

    check_store(settings.store_url)
    store = open_store(settings.store_url)
    await store.open()
    try:
        password = read_password()
        if problem := weakness(password, args.email):
            raise SettingsError(f"the password will not do ({problem}): at least 10 characters")
        if args.action == "reset-password":
            found = await store.credentials(args.email)
            if found is None:
                raise SettingsError(f"no account has the address {args.email}")
            await store.set_password(found[0], hash_password(password))
            print(f"draagvlak: new password set for {args.email}; signed out everywhere")
            return 0
        name = " ".join((args.team or "").split())[:80]
        if not name:
            raise SettingsError("name the team with --team")
        team = await store.team_named(name)
        is_new = team is None
        team = team or Team(new_session_id(), name, utc_now())
        first = await store.account_count() == 0
        try:
            await store.create_account(
                new_session_id(), args.email, hash_password(password),
                args.admin or first, utc_now(), team, is_new,
            )  # fmt: skip
        except EmailTaken:
            raise SettingsError(f"{args.email} has an account already") from None
        role = "admin" if args.admin or first else "facilitator"
        print(f"draagvlak: {args.email} is a {role} of {team.name}")
        return 0
    finally:
        await store.close()


def check_store(url: str) -> None:
    """The store at `url` can be used; raises StoreFileError saying why not, before the
    server listens. A PostgreSQL database must answer now and be Draagvlak's or empty."""
    if not url.startswith(("postgresql://", "postgres://")):
        check_store_url(url)
        return
    try:
        from .store.postgres.database import DatabaseError, check_database
    except ImportError as error:
        raise StoreFileError(
            f"PostgreSQL needs the asyncpg package ({error}): pip install 'draagvlak[postgres]'"
        ) from None
    try:
        # In a thread of its own: the caller may be running an event loop already.
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, check_database(url)).result()
    except DatabaseError as error:
        raise StoreFileError(str(error)) from None


def check_hub(url: str) -> None:
    """A hub shared with other processes must answer before the server listens: a wrong
    Redis address is one line, not a traceback at start-up."""
    if url == "memory://":
        return
    from .live.hub.backends import open_backend

    async def start_and_stop() -> None:
        backend = open_backend(url)
        await backend.start(lambda channel, frames: None, lambda: None)
        await backend.stop()

    try:
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, start_and_stop()).result()
    except (ValueError, ConnectionError) as error:
        raise SettingsError(f"DRAAGVLAK_HUB_URL: {error}") from None


def installed_version() -> str:
    try:
        return version("draagvlak")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def print_suggestions(file: str, lang: str) -> int:
    from .suggest import suggest_groups

    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except OSError as error:
        print(f"draagvlak: cannot read {file}: {error.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"draagvlak: {file} is not UTF-8 text", file=sys.stderr)
        return 2
    groups = suggest_groups(text.splitlines(), lang)
    found = [{"label": group.label, "answers": list(group.answers)} for group in groups]
    print(json.dumps(found, ensure_ascii=False, indent=2))
    return 0


def serve_app(settings: Settings) -> int:

    from .web.app import create_app

    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s:     %(name)s: %(message)s"
    )
    logging.getLogger("uvicorn.error").addFilter(without_client_addresses)
    # Everything that can be wrong is found before the server listens: one line, no trace.
    app = create_app(settings)
    check_store(settings.store_url)
    check_hub(settings.hub_url)
    listening = bind_socket(settings.host, settings.port)
    config = uvicorn_config(settings, app)
    tune_garbage_collector()
    port = listening.getsockname()[1]
    return run_server(config, listening, banner(settings.host, port, settings.public_url))


def uvicorn_config(settings: Settings, app: ASGIApp, **overrides: Any) -> uvicorn.Config:
    """How uvicorn serves the app: the same for the command and the tests' servers."""
    import uvicorn

    from .web.request_deadline import with_head_deadline

    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ws="websockets-sansio",
        ws_per_message_deflate=settings.ws_deflate,
        ws_max_size=settings.max_frame_bytes,
        ws_ping_interval=settings.ping_interval,
        ws_ping_timeout=settings.ping_timeout,
        log_level=settings.log_level.lower(),
        # Phones' addresses are personal data we do not need in the logs.
        access_log=False,
        timeout_graceful_shutdown=3,
        http=with_head_deadline(settings.request_timeout),
        # X-Forwarded-For and -Proto only from the proxies the operator names: otherwise a
        # proxy on this machine would let one guesser look like many addresses.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or "127.0.0.1",
        **overrides,
    )


def run_server(config: uvicorn.Config, listening: socket.socket, announcement: str) -> int:
    """Serves on the bound socket; the announcement is printed once the app has started."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                print(announcement, flush=True)

    server = Server(config)
    try:
        server.run(sockets=[listening])
    except KeyboardInterrupt:
        pass  # Ctrl+C: uvicorn has shut down, then raised it again, as uvicorn.run expects
    finally:
        listening.close()
    return 0 if server.started else 3


def tune_garbage_collector() -> None:
    """A full collection looks at every object: with a thousand phones connected that took
    a quarter of a second, during which nobody's update went out. What start-up made lives
    as long as the process, so it is frozen out of collections; and young collections run
    less often, so that the short-lived garbage of a burst dies young instead of reaching
    the oldest generation and triggering full collections (bench/README.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(5_000, 10, 100)


def without_client_addresses(record: logging.LogRecord) -> bool:
    """uvicorn logs each websocket with the phone's address: personal data we do not keep."""
    return '"WebSocket ' not in str(record.msg)


if __name__ == "__main__":
    raise SystemExit(main())

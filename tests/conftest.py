"""Real servers for the tests: `draagvlak serve` on a free port with its own SQLite file."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import pytest_asyncio
import uvicorn

from server.cli import check_store, uvicorn_config, without_client_addresses
from server.config import Settings
from server.web.app import create_app
from server.web.listener import bind_socket
from wire import OPEN_CLIENTS, forget_sign_ins

ROOT = Path(__file__).resolve().parent.parent

# Opt-in: the test servers keep their sessions in PostgreSQL instead of a SQLite file,
# each server in a fresh database made through this one (`bash .ci/postgres` prints it).
SERVER_STORE_URL = os.environ.get("DRAAGVLAK_TEST_SERVER_STORE_URL", "")


def free_port() -> int:
    """A port no server has now. An earlier test's server may have had it: its sign-in,
    cached per address, is not the next server's."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    forget_sign_ins(f"http://127.0.0.1:{port}")
    return port


class ServerProcess:
    """One `draagvlak serve` process; can be stopped, killed and started again."""

    def __init__(self, db: Path, port: int | None = None, **env: str) -> None:
        self.db = db
        self.port = port or free_port()
        self.env = {**os.environ, **{f"DRAAGVLAK_{k.upper()}": str(v) for k, v in env.items()}}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = db.with_suffix(".log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "server",
                    "serve",
                    "--port",
                    str(self.port),
                    "--db",
                    store_url_for(self.db),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise TimeoutError("server did not become ready")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    @property
    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


def fresh_database(url: str) -> str:
    """A new, empty database next to the one at a postgresql:// `url`, as a URL."""
    import asyncpg

    name = f"draagvlak_test_{uuid.uuid4().hex[:16]}"

    async def create() -> None:
        db = await asyncpg.connect(url, timeout=10)
        try:
            await db.execute(f"CREATE DATABASE {name}")
        finally:
            await db.close()

    # In a thread of its own: the caller may be running an event loop already.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, create()).result()
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def store_url_for(db: Path) -> str:
    """What a test server gets as --db: its SQLite file, or a database of its own in
    PostgreSQL (the same one each time the server starts again)."""
    if not SERVER_STORE_URL:
        return str(db)
    if db not in SERVER_DATABASES:
        SERVER_DATABASES[db] = fresh_database(SERVER_STORE_URL)
    return SERVER_DATABASES[db]


SERVER_DATABASES: dict[Path, str] = {}


def without_network(*command: str, probe: tuple[str, ...] = ("true",)) -> list[str]:
    """`command` in a new network namespace, where no interface is up: a computer without
    any network. Skipped where namespaces cannot be made (or `probe` fails in one),
    required in CI. Root needs no user namespace, which a chroot would refuse."""
    unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    tried = subprocess.run([*unshare, *probe], capture_output=True, text=True, check=False)
    if tried.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"{' '.join([*unshare, *probe])} fails: {tried.stderr}")
        pytest.skip("no network namespaces here")
    return [*unshare, *command]


class AppServer:
    """The app served by uvicorn in a thread of the test process: a real server on a free
    port, real websockets and a real SQLite file, without starting a Python process (most
    tests). It stops and starts again like ServerProcess; to kill it, use ServerProcess."""

    def __init__(
        self, db: Path, port: int | None = None, store_url: str | None = None, **env: str
    ) -> None:
        self.db = db
        self.port = port or free_port()
        # A database shared with other servers (several processes), instead of its own.
        self.store_url = store_url
        self.env = {f"DRAAGVLAK_{k.upper()}": str(v) for k, v in env.items()}
        self.log_path = db.with_suffix(".log")
        self.process: AppServer | None = None  # as ServerProcess: set while running
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._handler: logging.Handler | None = None
        self._listening: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def poll(self) -> int | None:
        """None while serving, like Popen.poll()."""
        return None if self._thread and self._thread.is_alive() else 0

    def start(self, timeout: float = 15.0) -> None:
        settings = Settings.from_env(
            {
                **self.env,
                "DRAAGVLAK_DB": self.store_url or store_url_for(self.db),
                "DRAAGVLAK_PORT": str(self.port),
            }
        )
        self._listen_to_logs(settings.log_level)
        check_store(settings.store_url)
        listening = bind_socket(settings.host, self.port)
        config = uvicorn_config(settings, create_app(settings), log_config=None)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [listening]},
            name=f"server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                listening.close()
                raise RuntimeError(f"server did not start: {self.log[-2000:]}")
            time.sleep(0.01)
        self._listening = listening
        self.process = self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if sig == signal.SIGKILL:
            raise NotImplementedError("an in-process server cannot be killed: use ServerProcess")
        if self._server and self._thread:
            self._server.should_exit = True
            self._thread.join(15)
            assert not self._thread.is_alive(), "the server did not stop"
        if self._listening:
            self._listening.close()
        if self._handler:
            logging.getLogger().removeHandler(self._handler)
            self._handler.close()
        self._server = self._thread = self._handler = self._listening = self.process = None

    def _listen_to_logs(self, level: str) -> None:
        """What this server logs goes to its own file, as a process's output would."""
        handler = logging.FileHandler(self.log_path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        thread_name = f"server-{self.port}"
        handler.addFilter(lambda record: record.threadName == thread_name)
        handler.addFilter(without_client_addresses)
        logging.getLogger().addHandler(handler)
        for name in ("draagvlak", "uvicorn"):
            logging.getLogger(name).setLevel(level.upper())
        self._handler = handler

    @property
    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


def started_servers(kind: type[Any], folder: Path, prefix: str) -> Iterator[Any]:
    """A factory of started servers of `kind`, each with its own database in `folder`,
    and DRAAGVLAK_* settings as keyword arguments; every one is stopped afterwards."""
    started: list[Any] = []

    def make(**env: str) -> Any:
        server = kind(folder / f"{prefix}{len(started)}.db", **env)
        started.append(server)
        server.start()
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Any]:
    """Servers in this process."""
    yield from started_servers(AppServer, tmp_path, "draagvlak-")


@pytest.fixture
def process_factory(tmp_path: Path) -> Iterator[Any]:
    """`draagvlak serve` processes, for what needs a process: kill -9, the command itself."""
    yield from started_servers(ServerProcess, tmp_path, "draagvlak-p")


@pytest.fixture
def server(server_factory: type[AppServer]) -> AppServer:
    return server_factory()  # type: ignore[call-arg]


@pytest_asyncio.fixture
async def close_live_clients() -> object:
    yield
    while OPEN_CLIENTS:
        await OPEN_CLIENTS.pop().close()

"""Real servers for the tests: `draagvlak serve` on a free port with its own SQLite file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from wire import OPEN_CLIENTS

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
                    str(self.db),
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


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[type[ServerProcess]]:
    started: list[ServerProcess] = []

    def make(**env: str) -> ServerProcess:
        process = ServerProcess(tmp_path / f"draagvlak-{len(started)}.db", **env)
        started.append(process)
        process.start()
        return process

    yield make  # type: ignore[misc]
    for process in started:
        process.stop()


@pytest.fixture
def server(server_factory: type[ServerProcess]) -> ServerProcess:
    return server_factory()  # type: ignore[call-arg]


@pytest_asyncio.fixture
async def close_live_clients() -> object:
    yield
    while OPEN_CLIENTS:
        await OPEN_CLIENTS.pop().close()

"""A PostgreSQL cluster of one test's own, made with Debian's binaries (as .ci/postgres does),
that the test may stop and start again on the same port: the store's outages.

Without Debian's postgresql the tests that need one are skipped, and in CI they fail.
PostgreSQL refuses to run as root: then the cluster belongs to the postgres user.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import free_port, fresh_database


def binaries() -> Path:
    """The newest installed /usr/lib/postgresql/*/bin, or a skip (a failure in CI)."""
    found = sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p, "initdb").exists()),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    if not found:
        message = "no PostgreSQL binaries in /usr/lib/postgresql: bash .ci/postgres installs them"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found[-1]


class PrivatePostgres:
    """One cluster in a temporary folder of its own, on a free loopback port."""

    def __init__(self) -> None:
        self.bin = binaries()
        self.is_root = os.geteuid() == 0
        self.user = "postgres" if self.is_root else os.environ.get("USER", "postgres")
        # Not under pytest's folder, which only its owner may enter.
        self.folder = Path(tempfile.mkdtemp(prefix="draagvlak-pg."))
        self.folder.chmod(0o755)
        if self.is_root:
            shutil.chown(self.folder, "postgres")
        self.data = self.folder / "data"
        self.port = free_port()

    @property
    def url(self) -> str:
        """The maintenance database; `database()` makes one for a server."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.is_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            log = self.folder / "server.log"
            raise RuntimeError(
                f"{tool} failed: {done.stdout}{done.stderr}"
                f"{log.read_text() if log.exists() else ''}"
            )

    def create(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust",
                 "--encoding=UTF8", "--locale=C.UTF-8")  # fmt: skip
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
                 "-w", "-t", "30", "-o", options, "start")  # fmt: skip

    def stop(self) -> None:
        """As an administrator would, or a crash would look to its clients: every
        connection is ended at once."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def processes(self) -> list[int]:
        """The postmaster and every process it started (backends, writer, WAL writer)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True,
                                  text=True, check=False).stdout.split()  # fmt: skip
        return [postmaster, *map(int, children)]

    def freeze(self) -> None:
        """As a machine that hangs looks to its clients: connections stay open, nothing
        answers (SIGSTOP), until `thaw`."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.processes():
            os.kill(pid, signal.SIGCONT)

    def database(self) -> str:
        """A fresh, empty database in this cluster, as a URL."""
        return fresh_database(self.url)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

"""Several `draagvlak serve` processes on one PostgreSQL database and one Redis, with
Debian's nginx in front: what tests/test_cluster.py runs a session on (issue 18).

The database is a fresh one in the PostgreSQL of DRAAGVLAK_TEST_STORE_URLS (`.ci/postgres`);
Redis and nginx are started here, each in a temporary folder of its own, so that a test can
restart Redis and read nginx's logs. Without PostgreSQL, redis-server or nginx the tests are
skipped, and in CI they fail.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from conftest import ROOT, free_port, fresh_database

STORES = [u for u in os.environ.get("DRAAGVLAK_TEST_STORE_URLS", "").split(",") if u]

# The configuration docs/deploy.md shows, with the folders of this instance filled in.
NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    # Which process served what, without the visitor's address.
    log_format upstream '$time_iso8601 "$request" $status $upstream_addr';
    access_log {prefix}/access.log upstream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    # The fallback's event stream and its posts belong to one process: by session.
    map $uri $draagvlak_session {{
        ~^/s/(?<session>[^/]+)/(events|send)$ $session;
        default "";
    }}
    upstream draagvlak {{
{servers}
    }}
    upstream draagvlak_fallback {{
        hash $draagvlak_session consistent;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout 1h;
        proxy_send_timeout 1h;
        proxy_buffering off;
        location / {{
            proxy_pass http://draagvlak;
        }}
        location ~ ^/s/[^/]+/(events|send)$ {{
            proxy_pass http://draagvlak_fallback;
        }}
    }}
}}
"""


def required(found: str | None, what: str) -> str:
    """`found`, or a skip saying what is missing; in CI a failure."""
    if not found:
        message = f"no {what}: bash .ci/run installs and starts it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout:.0f} s")
        time.sleep(0.05)


def answers_health(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


class Redis:
    """A redis-server of the test's own on a free port, that keeps nothing; restarted on
    the same port, it is a Redis that went away and came back empty."""

    def __init__(self, folder: Path) -> None:
        self.binary = required(shutil.which("redis-server"), "redis-server")
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(exist_ok=True)
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "--bind", "127.0.0.1", "--port", str(self.port),
                 "--dir", str(self.folder), "--save", "", "--appendonly", "no"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_until(self._answers, f"redis-server to answer PING on port {self.port}")

    def shut_down(self) -> None:
        """SHUTDOWN NOSAVE, as an operator would (every client is dropped at once)."""
        if self.process and self.process.poll() is None:
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
                capture_output=True, timeout=10, check=False,
            )  # fmt: skip
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited: {(self.folder / 'redis.log').read_text()}")
        ping = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True,
            timeout=5, check=False,
        )  # fmt: skip
        return ping.stdout.strip() == "PONG"


class Node:
    """One `draagvlak serve` process of the cluster; killed with SIGKILL, it is gone."""

    def __init__(self, name: str, folder: Path, store_url: str, env: dict[str, str]) -> None:
        self.name = name
        self.port = free_port()
        self.store_url = store_url
        self.env = {**os.environ, **env}
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def spawn(self) -> None:
        """Starts the process without waiting for it (three start faster side by side)."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port), "--db", self.store_url],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait_ready(self) -> None:
        def ready() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log[-2000:]}")
            return answers_health(self.url)

        wait_until(ready, f"{self.name} to answer /healthz", timeout=30)

    def kill(self) -> None:
        """kill -9: no shutdown, no goodbye to its connections or to Redis."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def terminate(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        self.terminate()
        if self.process:
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Nginx:
    """Debian's nginx as an unprivileged instance: its own prefix folder, configuration,
    pid file, logs and temporary folders, in the foreground, on a free loopback port."""

    def __init__(self, upstreams: list[str]) -> None:
        self.binary = required(
            shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin"), "nginx"
        )
        # Not under pytest's folder, which only its owner may enter: as root nginx's
        # workers run as nobody, and must reach the temporary folders.
        self.folder = Path(tempfile.mkdtemp(prefix="draagvlak-nginx."))
        self.port = free_port()
        self.upstreams = upstreams  # "127.0.0.1:PORT"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def conf(self) -> str:
        servers = "\n".join(f"        server {address};" for address in self.upstreams)
        return NGINX_CONF.format(prefix=self.folder, port=self.port, servers=servers)

    @property
    def log(self) -> str:
        return "".join(
            (self.folder / name).read_text()
            for name in ("error.log", "access.log")
            if (self.folder / name).exists()
        )

    def start(self) -> None:
        self.folder.chmod(0o755)
        (self.folder / "nginx.conf").write_text(self.conf)
        command = [self.binary, "-p", str(self.folder), "-c", "nginx.conf",
                   "-e", str(self.folder / "error.log")]  # fmt: skip
        tested = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        assert tested.returncode == 0, tested.stderr
        with (self.folder / "stderr.log").open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)

        def ready() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.log}")
            return answers_health(self.url)

        wait_until(ready, f"nginx to pass /healthz on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # its workers go with it
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


class Cluster:
    """Three (or `size`) processes on one fresh database and one Redis, nginx in front."""

    def __init__(self, folder: Path, size: int = 3, **settings: str) -> None:
        maintenance = required(
            next((u for u in STORES if u.startswith(("postgresql://", "postgres://"))), None),
            "PostgreSQL (export DRAAGVLAK_TEST_STORE_URLS=$(bash .ci/postgres))",
        )
        self.maintenance_url = maintenance
        self.redis = Redis(folder / "redis")
        self.store_url = ""
        env = {
            "DRAAGVLAK_HUB_URL": self.redis.url,
            # nginx runs on this machine: its X-Forwarded-For/-Proto are believed.
            "DRAAGVLAK_TRUSTED_PROXIES": "127.0.0.1",
            "DRAAGVLAK_LOG_LEVEL": "info",
            **{f"DRAAGVLAK_{k.upper()}": v for k, v in settings.items()},
        }
        self.nodes = [Node(f"node{n}", folder, "", env) for n in range(size)]
        self.nginx = Nginx([f"127.0.0.1:{n.port}" for n in self.nodes])

    def start(self) -> None:
        self.redis.start()
        self.store_url = fresh_database(self.maintenance_url)
        for node in self.nodes:
            node.store_url = self.store_url
        # The first migrates the fresh database; the others then find it ready.
        self.nodes[0].spawn()
        self.nodes[0].wait_ready()
        for node in self.nodes[1:]:
            node.spawn()
        for node in self.nodes[1:]:
            node.wait_ready()
        self.nginx.start()

    def stop(self) -> None:
        self.nginx.stop()
        for node in self.nodes:
            node.terminate()  # all at once: each takes its time to close its connections
        for node in self.nodes:
            node.stop()
        self.redis.shut_down()
        if self.store_url:
            drop_database(self.maintenance_url, self.store_url)

    @property
    def logs(self) -> str:
        """Every process's log and nginx's, for a failing test's message."""
        parts = [f"--- {n.name} ({n.url})\n{n.log[-3000:]}" for n in self.nodes]
        return "\n".join([*parts, f"--- nginx\n{self.nginx.log[-3000:]}"])


def drop_database(maintenance_url: str, url: str) -> None:
    import asyncpg

    async def drop() -> None:
        db = await asyncpg.connect(maintenance_url, timeout=10)
        try:
            await db.execute(f"DROP DATABASE {urlsplit(url).path[1:]} WITH (FORCE)")
        finally:
            await db.close()

    # In a thread of its own: the caller may be running an event loop already.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, drop()).result()


@contextmanager
def running_cluster(folder: Path, **settings: str) -> Iterator[Cluster]:
    cluster = Cluster(folder, **settings)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()

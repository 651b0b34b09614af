"""The processes of a load run: the measured server (or, with `--processes`, several
servers with the PostgreSQL and Redis they share), the baseline, the load workers."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.load_clients import open_watcher, worker_main

ROOT = Path(__file__).resolve().parent.parent


# The server gets a core of its own and the load generator the rest, so that neither
# measures the other's scheduling (on one core both share it).
CORES = sorted(os.sched_getaffinity(0))
SERVER_CORES = set(CORES[:1])
LOAD_CORES = set(CORES[1:]) or SERVER_CORES


def pin(pid: int, cores: set[int]) -> None:
    os.sched_setaffinity(pid, cores)


def share_cores() -> None:
    """`--placement shared`: nothing pinned, servers and load on every core."""
    SERVER_CORES.update(CORES)
    LOAD_CORES.update(CORES)


def raise_open_files() -> None:
    """Every phone is a socket in a load process and one in a server: the soft limit goes
    up to the hard one (inherited by the servers and workers started after)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def process_cpu(pid: int, children: bool = False) -> float:
    """User plus system CPU seconds of a process so far (and of its children it waited
    for, with `children`)."""
    fields = _stat(pid)
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    """Every process below `pid`, at any depth."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry)] = int(_stat(int(entry))[1])
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        kids = [child for child, p in parents.items() if p == parent]
        found += kids
        todo += kids
    return found


def tree_cpu(pid: int) -> float:
    """A process with every process below it: PostgreSQL's backends are children of its
    postmaster. A backend that ended is counted once its parent waited for it."""
    total = process_cpu(pid, children=True)
    for child in children_of(pid):
        # One that ended between the listing and the reading is in its parent's figure soon.
        with contextlib.suppress(OSError):
            total += process_cpu(child)
    return total


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Measured:
    """A server process, with its CPU time and memory read from /proc."""

    def __init__(self, command: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        pin(self.process.pid, SERVER_CORES)

    def cpu(self) -> float:
        """User plus system CPU seconds so far."""
        return process_cpu(self.process.pid)

    def memory_kb(self, key: str = "VmRSS") -> int:
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        raise KeyError(key)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Services:
    """A throwaway PostgreSQL and Redis for several servers, started by the scripts CI
    uses (`.ci/postgres`, `.ci/redis`), pinned where the servers are, stopped at the end."""

    def __init__(self, workdir: Path) -> None:
        self.postgres_dir: Path | None = None
        self.redis_port: int | None = None
        self.redis_dir: Path | None = None
        try:
            self.store_url, said = self._script("postgres", workdir)
            found = re.search(r"postgres: (\S+)/data on port", said)
            assert found, said
            self.postgres_dir = Path(found[1])
            self.hub_url, said = self._script("redis", workdir)
            found = re.search(r"on port (\d+): (\S+)/redis\.pid", said)
            assert found, said
            self.redis_port, self.redis_dir = int(found[1]), Path(found[2])
            for pid in (self.postgres_pid, self.redis_pid):
                for each in [pid, *children_of(pid)]:
                    pin(each, SERVER_CORES)  # backends started later inherit it
        except BaseException:
            self.stop()
            raise

    @staticmethod
    def _script(name: str, workdir: Path) -> tuple[str, str]:
        """Runs .ci/NAME: the URL it prints, and what it said on standard error."""
        with (workdir / f"{name}.log").open("w+") as said:
            url = subprocess.run(
                ["bash", str(ROOT / ".ci" / name)],
                stdout=subprocess.PIPE,
                stderr=said,
                text=True,
                check=True,
                timeout=120,
            ).stdout.strip()
            said.seek(0)
            return url, said.read()

    @property
    def postgres_pid(self) -> int:
        assert self.postgres_dir is not None
        return int((self.postgres_dir / "data" / "postmaster.pid").read_text().split()[0])

    @property
    def redis_pid(self) -> int:
        assert self.redis_dir is not None
        return int((self.redis_dir / "redis.pid").read_text().split()[0])

    def cpu(self) -> tuple[float, float]:
        """CPU seconds so far: PostgreSQL (all its processes), Redis."""
        return tree_cpu(self.postgres_pid), process_cpu(self.redis_pid)

    def stop(self) -> None:
        if self.redis_port is not None:
            subprocess.run(
                ["redis-cli", "-p", str(self.redis_port), "shutdown", "nosave"],
                capture_output=True,
                timeout=30,
            )
            self.redis_port = None
        if self.redis_dir is not None:
            shutil.rmtree(self.redis_dir, ignore_errors=True)
            self.redis_dir = None
        if self.postgres_dir is not None:
            data = self.postgres_dir / "data"
            pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
            as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
            command = [*as_owner, str(pg_ctl), "-D", str(data), "-m", "fast", "stop"]
            subprocess.run(command, capture_output=True, timeout=60)
            shutil.rmtree(self.postgres_dir, ignore_errors=True)
            self.postgres_dir = None


class Servers:
    """The measured servers: one on SQLite (the default), or `count` sharing a throwaway
    PostgreSQL and Redis. CPU and memory are the servers' together; `cpus` gives each
    server's and `service_cpu` PostgreSQL's and Redis's."""

    def __init__(
        self, count: int, workdir: Path, env: dict[str, str], probe: Path | None = None
    ) -> None:
        self.services = Services(workdir) if count > 1 else None
        self.db = workdir / "load.db"
        self.ports = [free_port() for _ in range(count)]
        self.servers: list[Measured] = []
        if self.services is not None:
            env = {**env, "DRAAGVLAK_HUB_URL": self.services.hub_url}
        store = str(self.db) if self.services is None else self.services.store_url
        try:
            for number, port in enumerate(self.ports, start=1):
                # With a probe, counters on the journal's path (bench/load_probe.py).
                program = (
                    ["server"]
                    if probe is None
                    else ["bench.load_probe", str(probe / f"server{number}.json")]
                )
                command = [sys.executable, "-m", *program, "serve", "--port", str(port)]
                log = workdir / ("server.log" if count == 1 else f"server{number}.log")
                self.servers.append(Measured([*command, "--db", store], log, env))
                if number == 1:  # the first one migrates the database, alone
                    wait_ready(self.urls[0] + "/healthz", self.servers[0])
            for url, server in zip(self.urls, self.servers, strict=True):
                wait_ready(url + "/healthz", server)
        except BaseException:
            self.stop()
            raise

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def cpu(self) -> float:
        return sum(self.cpus())

    def cpus(self) -> list[float]:
        return [server.cpu() for server in self.servers]

    def service_cpu(self) -> tuple[float, float]:
        return (0.0, 0.0) if self.services is None else self.services.cpu()

    def memory_kb(self, key: str = "VmRSS") -> int:
        return sum(server.memory_kb(key) for server in self.servers)

    def stop(self) -> None:
        for server in self.servers:
            if server.process.poll() is None:
                server.stop()
        if self.services is not None:
            self.services.stop()
            self.services = None


def wait_ready(url: str, process: Measured, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise RuntimeError(f"the server exited; see {process.log.name}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer")


class Workers:
    """Processes that hold the phones; each command goes to all and waits for all."""

    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.processes = []
        for number in range(count):
            parent, child = context.Pipe()
            process = context.Process(target=worker_main, args=(child, number), daemon=True)
            process.start()
            assert process.pid is not None
            pin(process.pid, LOAD_CORES)
            self.pipes.append(parent)
            self.processes.append(process)

    async def ask(
        self, command: str, each: list[dict[str, Any]] | None = None, **args: Any
    ) -> list[Any]:
        for index, pipe in enumerate(self.pipes):
            pipe.send((command, each[index] if each is not None else args))
        return [await asyncio.to_thread(pipe.recv) for pipe in self.pipes]

    async def stop(self) -> None:
        await self.ask("stop")
        for process in self.processes:
            process.join(5)


async def wait_for_line(log: Path, line: str, timeout: float = 30.0) -> None:
    """Until a server process has printed `line` (the baseline prints "ready")."""
    deadline = time.monotonic() + timeout
    while line not in log.read_text():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {line!r} in {log}")
        await asyncio.sleep(0.05)


async def idle_rate(server: Measured | Servers, seconds: float = 5.0) -> float:
    """CPU seconds per second that a server spends with its clients connected and idle."""
    cpu, started = server.cpu(), time.monotonic()
    await asyncio.sleep(seconds)
    return (server.cpu() - cpu) / (time.monotonic() - started)


async def measure_baseline(
    args: argparse.Namespace, workers: Workers, messages: list[str], phones: int, log: Path
) -> dict[str, float]:
    """The same messages, to the same number of clients, from a bare websockets server."""
    port = free_port()
    command = [sys.executable, str(ROOT / "bench" / "baseline.py"), "--port", str(port)]
    server = Measured(command + (["--deflate"] if args.deflate else []), log)
    try:
        await wait_for_line(log, "ready")
        before = server.memory_kb()
        url = f"ws://127.0.0.1:{port}/"
        shares = [len(range(i, phones, len(workers.pipes))) for i in range(len(workers.pipes))]
        await workers.ask(
            "connect", [{"url": url, "count": n, "deflate": args.deflate} for n in shares]
        )
        await asyncio.sleep(3)
        idle = server.memory_kb()
        rate = await idle_rate(server)
        await workers.ask("counters")
        cpu, started = server.cpu(), time.monotonic()
        control = await open_watcher(url + "control", 0)
        await control.socket.send(
            json.dumps({"messages": messages, "rounds": args.rounds, "interval": args.interval})
        )
        while control.messages == 0:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1)
        used = server.cpu() - cpu
        elapsed = time.monotonic() - started
        delivered = sum(m for answer in await workers.ask("counters") for m, _ in answer["counts"])
        await control.socket.close()
        await workers.ask("close_all")
        return {
            "cpu": used,
            "deliveries": delivered,
            "us_per_delivery": used / max(1, delivered) * 1e6,
            "fan_out_us_per_delivery": (used - rate * elapsed) / max(1, delivered) * 1e6,
            "idle_ms_per_second": rate * 1000,
            "kb_per_connection": (idle - before) / phones,
        }
    finally:
        server.stop()

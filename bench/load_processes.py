"""The processes of a load run: the measured server, the baseline, the load workers."""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
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
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

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


async def idle_rate(server: Measured, seconds: float = 5.0) -> float:
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

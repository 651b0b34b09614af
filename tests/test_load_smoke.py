"""The load benchmark in small: 30 phones through a whole session, correctness only; and
the same over two server processes sharing a PostgreSQL and a Redis that the script
starts itself (.ci/postgres, .ci/redis: installed where missing, so never skipped).

Timings on shared machines are noise, so nothing here is timed; bench/load.py with its
defaults is the measurement (bench/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


SMALL = [
    *("--participants", "30", "--workers", "1", "--window", "1", "--groups", "3"),
    *("--moves", "5", "--rounds", "3", "--interval", "0.1", "--no-baseline"),
]


def run_load(figures: Path, *options: str) -> tuple[str, dict[str, Any]]:
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), *SMALL, *options, "--json", str(figures)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    return finished.stdout, json.loads(figures.read_text())


def test_thirty_phones_lose_and_double_nothing(tmp_path: Path) -> None:
    stdout, result = run_load(tmp_path / "figures.json", "--scale")
    assert result["problems"] == []
    assert (result["lost"], result["doubled"], result["refused_or_unanswered"]) == (0, 0, 0)
    assert result["missing"] == 0
    samples = {
        metric: len(values)
        for phase in result["phases"]
        for metric, values in phase["latencies"].items()
    }
    # Every phone's every send was answered, and every broadcast reached every phone.
    assert samples["answer → own phone (receipt)"] == 30
    assert samples["answer → projector"] == 30
    assert samples["vote → own phone (receipt)"] == 90
    assert samples["consent → own phone (receipt)"] == 30
    assert samples["question changes → every phone"] == 3 * 30
    assert samples["session ends → every phone"] == 30
    assert "outcome check: lost 0, doubled 0" in stdout
    # The scale burst: every phone's pick is one row, as acknowledged.
    assert samples["pick → own phone (receipt)"] == 30
    assert result["scale"]["rows"] == 30
    assert (result["scale"]["lost"], result["scale"]["doubled"]) == (0, 0)


def test_thirty_phones_on_two_processes_lose_and_double_nothing(tmp_path: Path) -> None:
    """Half the phones on each server, the projector and console on the first: everything
    acknowledged on either is in the outcome once, and every change reaches every phone."""
    stdout, result = run_load(tmp_path / "figures.json", "--processes", "2")
    assert result["problems"] == []
    assert (result["lost"], result["doubled"], result["refused_or_unanswered"]) == (0, 0, 0)
    assert result["missing"] == 0
    samples = {
        metric: len(values)
        for phase in result["phases"]
        for metric, values in phase["latencies"].items()
    }
    assert samples["answer → projector (same server)"] == 15
    assert samples["answer → projector (another server)"] == 15
    assert samples["vote → own phone (receipt)"] == 90
    assert samples["question changes → every phone"] == 3 * 30
    assert samples["session ends → every phone"] == 30
    assert all(len(phase["cpus"]) == 2 for phase in result["phases"])
    assert "2 server processes on PostgreSQL and Redis" in stdout

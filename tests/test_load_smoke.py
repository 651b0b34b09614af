"""The load benchmark in small: 30 phones through a whole session, correctness only.

Timings on shared machines are noise, so nothing here is timed; bench/load.py with its
defaults is the measurement (bench/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_thirty_phones_lose_and_double_nothing(tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    finished = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load.py"),
            "--participants",
            "30",
            "--workers",
            "1",
            "--window",
            "1",
            "--groups",
            "3",
            "--moves",
            "5",
            "--rounds",
            "3",
            "--interval",
            "0.1",
            "--no-baseline",
            "--scale",
            "--json",
            str(figures),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    result = json.loads(figures.read_text())
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
    assert "outcome check: lost 0, doubled 0" in finished.stdout
    # The scale burst: every phone's pick is one row, as acknowledged.
    assert samples["pick → own phone (receipt)"] == 30
    assert result["scale"]["rows"] == 30
    assert (result["scale"]["lost"], result["scale"]["doubled"]) == (0, 0)

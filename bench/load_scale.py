"""The scale burst of the load benchmark (`--scale`): a second session whose first question
is a scale; every phone picks once, and the server's SQLite `choices` table must then hold
exactly the acknowledged picks, one row per phone."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from collections import Counter
from contextlib import closing
from typing import TYPE_CHECKING

from bench.load_report import Phase, ack_delay

if TYPE_CHECKING:
    from bench.load import Run

# Its first question (index 0) is a scale; a phone picks one of its five values by index.
SCALE_PACK = "school-connectedness"
SCALE_VALUES = 5
# How many picked so far, on the console and the projector: "412 mensen hebben geantwoord".
PICK_COUNT = re.compile(r'class="pick-count">\s*([\d.,\u00a0\u202f]+)')
CHOICES = "SELECT voter, picked FROM choices WHERE session_id = ? AND prompt_index = 0"


async def scale_session(run: Run) -> dict[str, int]:
    """Runs the scale sessions on the same server with as many phones as the first run,
    adding their phases to `run`; returns the store's check. The first run's phones must
    be closed already."""
    run.closed = run.restarts = 0
    await run.open_rooms(SCALE_PACK)
    await run.phase("scale: join", run.join_phones)
    await run.phase(
        "scale: question opens",
        lambda result: run.to_every_phone(
            result,
            "scale opens → every phone (pick form)",
            'class="pick-form',
            "open_prompt",
            prompt=0,
        ),
    )
    await run.phase("scale burst", lambda result: picking(run, result))
    checked = check_choices(run)
    for room in run.rooms:
        await room.command("end_session")
        await room.screen.close()
        await room.console.close()
    await run.workers.ask("close_all")
    return checked


async def picking(run: Run, result: Phase) -> None:
    """Every phone picks a value at its own moment within `--window`."""
    start_at = time.monotonic() + 0.5
    sends = [
        s
        for answer in await run.workers.ask(
            "picks", start_at=start_at, window=run.args.window, values=SCALE_VALUES
        )
        for s in answer
    ]
    run.sent["picks"] = sends
    result.split("pick → own phone (receipt)", [(s["fallback"], ack_delay(s)) for s in sends])
    await asyncio.sleep(1)
    result.add("pick → projector (count)", run.count_delays(sends, start_at, PICK_COUNT))


def check_choices(run: Run) -> dict[str, int]:
    """While the sessions are open the store keeps each phone's pick: every acknowledged
    pick must be there once, with its value, and nothing else."""
    assert run.db is not None
    sends = run.sent["picks"]
    expected = Counter((s["tag"], s["value"]) for s in sends if s["status"] == "ok")
    found = Counter[tuple[int, int]]()
    rows = 0
    with closing(sqlite3.connect(f"file:{run.db}?mode=ro", uri=True)) as db:
        for room in run.rooms:
            for _voter, picked in db.execute(CHOICES, (room.facilitator.session_id,)):
                rows += 1
                for value in json.loads(picked):
                    found[(room.tag, value)] += 1
    return {
        "lost": sum((expected - found).values()),
        "doubled": sum((found - expected).values()),
        "refused_or_unanswered": sum(1 for s in sends if s["status"] != "ok"),
        "rows": rows,
    }

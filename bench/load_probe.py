"""`draagvlak serve` with counters on the several-processes path, for `bench/load.py
--probe DIR`: what the journal costs, measured from outside the server's code.

    python -m bench.load_probe OUT.json serve --port … --db postgresql://…

Wraps, before the app starts, the methods that make a change travel between processes
(the write path, the catch-up, the store's append and journal read, the journal's JSON
decoding, the hub's publish, the follower's notices) with a count and the wall time
spent in them, and writes the figures to OUT.json every second. Nothing else changes.
"""

from __future__ import annotations

import contextvars
import functools
import json
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

COUNTS: defaultdict[str, float] = defaultdict(float)
CATCHING_UP = contextvars.ContextVar("catching_up", default=False)


def timed(owner: Any, name: str, label: str, note: Callable[..., None] | None = None) -> None:
    """Replaces the coroutine method `owner.name` with one that counts calls and seconds
    under `label` (and, within a catch-up, under `label (catch-up)` too)."""
    original = getattr(owner, name)

    @functools.wraps(original)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            result = await original(*args, **kwargs)
        except Exception as error:
            COUNTS[f"{label}: raised {type(error).__name__}"] += 1
            raise
        finally:
            spent = time.perf_counter() - started
            for key in [label] + ([f"{label} (catch-up)"] if CATCHING_UP.get() else []):
                COUNTS[f"{key}: calls"] += 1
                COUNTS[f"{key}: seconds"] += spent
        if note is not None:
            note(result, *args, **kwargs)
        return result

    setattr(owner, name, wrapper)


def install() -> None:
    from server.live import follower, session
    from server.live.hub import Hub
    from server.store import journal
    from server.store.postgres import PostgresStore
    from server.store.postgres import journal as postgres_journal

    def caught_up(changed: bool, *_: Any) -> None:
        COUNTS["catch-up: found nothing"] += 0 if changed else 1

    def read(found: tuple[int, list[Any]], *_: Any) -> None:
        COUNTS["journal read: entries"] += len(found[1])
        COUNTS["journal read: events"] += sum(len(entry.events) for entry in found[1])

    def batch(_: Any, _self: Any, submissions: list[Any]) -> None:
        COUNTS["write: submissions"] += len(submissions)

    catch_up = session.LiveSession._catch_up_in_turn

    @functools.wraps(catch_up)
    async def marked(self: Any, *args: Any) -> bool:
        token = CATCHING_UP.set(True)
        try:
            return await catch_up(self, *args)
        finally:
            CATCHING_UP.reset(token)

    session.LiveSession._catch_up_in_turn = marked  # type: ignore[method-assign]
    timed(session.LiveSession, "_catch_up_in_turn", "catch-up", caught_up)
    timed(session.LiveSession, "_write", "write", batch)
    timed(session.LiveSession, "_keep", "keep (state, render, publish here)")
    timed(PostgresStore, "append", "store.append (commit)")
    timed(PostgresStore, "journal", "store.journal (read)", read)
    timed(Hub, "publish", "hub.publish (Redis)")

    decode = journal.decode

    def counted_decode(seq: int, text: str) -> Any:
        started = time.perf_counter()
        try:
            return decode(seq, text)
        finally:
            COUNTS["journal decode: calls"] += 1
            COUNTS["journal decode: seconds"] += time.perf_counter() - started
            COUNTS["journal decode: bytes"] += len(text)

    setattr(postgres_journal, "decode", counted_decode)  # noqa: B010

    heard = follower.Follower.heard

    def counted_heard(self: Any, seq: int | None = None, body: str = "") -> None:
        already = seq is not None and seq <= self._seq()
        running = self._following is not None and not self._following.done()
        key = "ignored (had it)" if already else "joined a running catch-up" if running else "new"
        COUNTS[f"notice: {key}"] += 1
        COUNTS["notice: carried its entry"] += 1 if body else 0
        heard(self, seq, body)

    follower.Follower.heard = counted_heard  # type: ignore[method-assign]


def keep_writing(out: Path) -> None:
    def loop() -> None:
        while True:
            out.write_text(json.dumps(dict(sorted(COUNTS.items())), indent=1))
            time.sleep(1)

    threading.Thread(target=loop, daemon=True).start()


def main() -> int:
    out = Path(sys.argv[1])
    install()
    keep_writing(out)
    from server.cli import main as serve

    try:
        return serve(sys.argv[2:])
    finally:
        out.write_text(json.dumps(dict(sorted(COUNTS.items())), indent=1))


if __name__ == "__main__":
    raise SystemExit(main())

"""The SQLite store: one file, WAL mode, every change committed before anyone hears of it.

synchronous=FULL makes a commit durable when it returns, even if the machine loses power
right after; WAL lets readers carry on while a write commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiosqlite

from ..rules import (
    AnswerAdded,
    AnswerDeleted,
    AnswerEdited,
    Event,
    PromptAdded,
    RevealChanged,
    RoomLocked,
)
from ..rules.consent import (
    CONSENT_EVENTS,
    ActionAdded,
    ActionEdited,
    ActionRemoved,
    ConsentGiven,
    ConsentShareSet,
    DecisionProposed,
    RoundClosed,
    RoundOpened,
)
from ..rules.grouping import (
    AnswerMoved,
    GroupCreated,
    GroupDeleted,
    GroupRenamed,
    PhoneGroupingChanged,
)
from ..rules.state import Answer, Group, Phase, PhaseChanged, Reveal
from ..rules.voting import (
    VOTING_EVENTS,
    ExpectedSet,
    FloorSet,
    VotesRevealed,
    VotesSet,
    VotingConfigured,
)
from . import CodeTaken, LoadedSession, Receipt, SavedPack, SessionRecord
from .sqlite_file import check_sqlite_file

log = logging.getLogger("draagvlak.store")

# Each entry moves the schema one version up; applied in order on start, never edited.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        is_open INTEGER NOT NULL DEFAULT 1,
        pack_id TEXT NOT NULL,
        lang TEXT NOT NULL,
        title TEXT NOT NULL,
        intro TEXT NOT NULL,
        prompts TEXT NOT NULL,
        facilitator_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        phase TEXT NOT NULL,
        prompt_index INTEGER NOT NULL,
        reveal TEXT NOT NULL
    );
    CREATE UNIQUE INDEX sessions_open_code ON sessions (code) WHERE is_open = 1;
    -- A pseudonym is a hash of a random per-session token in the phone's cookie:
    -- enough to edit one's own answers, nothing that points at a person or device.
    CREATE TABLE participants (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        pseudonym TEXT NOT NULL,
        PRIMARY KEY (session_id, pseudonym)
    ) WITHOUT ROWID;
    CREATE TABLE answers (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        prompt_index INTEGER NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        msg_id TEXT NOT NULL,
        PRIMARY KEY (session_id, number),
        UNIQUE (session_id, author, msg_id)
    );
    """,
    """
    -- Questions a facilitator wrote and kept as a topic for next time.
    CREATE TABLE saved_packs (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        lang TEXT NOT NULL,
        prompts TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE groups (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        prompt_index INTEGER NOT NULL,
        label TEXT NOT NULL,
        PRIMARY KEY (session_id, number)
    );
    ALTER TABLE answers ADD COLUMN group_number INTEGER;
    ALTER TABLE sessions ADD COLUMN is_phone_grouping INTEGER NOT NULL DEFAULT 0;
    """,
    """
    -- Voting and deciding. Voters are pseudonyms until the session closes.
    ALTER TABLE sessions ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
    CREATE TABLE votes (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        prompt_index INTEGER NOT NULL,
        voter TEXT NOT NULL,
        item TEXT NOT NULL,
        dots INTEGER NOT NULL,
        PRIMARY KEY (session_id, prompt_index, voter, item)
    ) WITHOUT ROWID;
    CREATE TABLE decisions (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        prompt_index INTEGER NOT NULL,
        from_item TEXT NOT NULL,
        origin TEXT NOT NULL,
        PRIMARY KEY (session_id, number)
    );
    CREATE TABLE rounds (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        decision INTEGER NOT NULL,
        number INTEGER NOT NULL,
        text TEXT NOT NULL,
        is_open INTEGER NOT NULL,
        is_agreed INTEGER NOT NULL,
        PRIMARY KEY (session_id, decision, number)
    );
    CREATE TABLE consents (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        decision INTEGER NOT NULL,
        round INTEGER NOT NULL,
        voter TEXT NOT NULL,
        level TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (session_id, decision, round, voter)
    );
    CREATE TABLE actions (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        decision INTEGER NOT NULL,
        what TEXT NOT NULL,
        who TEXT NOT NULL,
        due TEXT NOT NULL,
        origin TEXT NOT NULL,
        PRIMARY KEY (session_id, number)
    );
    """,
    """
    -- What a closed session leaves behind: the outcome, and read-only links to it.
    CREATE TABLE outcomes (
        session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        outcome TEXT NOT NULL,
        closed_at TEXT NOT NULL
    );
    CREATE TABLE share_links (
        token_hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        is_revoked INTEGER NOT NULL DEFAULT 0
    );
    """,
    """
    -- Message ids are the client's to choose: they leave the answers table, whose unique
    -- (author, msg_id) made closing fail once authors were blanked. Receipts say which
    -- ids a pseudonym has had applied (also of answers deleted since); closing deletes them.
    CREATE TABLE receipts (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        author TEXT NOT NULL,
        msg_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        PRIMARY KEY (session_id, author, msg_id)
    ) WITHOUT ROWID;
    INSERT INTO receipts (session_id, author, msg_id, number)
        SELECT session_id, author, msg_id, number FROM answers WHERE author != '';
    CREATE TABLE answers_without_ids (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        prompt_index INTEGER NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        group_number INTEGER,
        PRIMARY KEY (session_id, number)
    );
    INSERT INTO answers_without_ids
        SELECT session_id, number, prompt_index, author, text, group_number FROM answers;
    DROP TABLE answers;
    ALTER TABLE answers_without_ids RENAME TO answers;
    -- Keys this installation signs with (participants' tokens, the QR code's join links).
    CREATE TABLE keys (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    """,
]

# Tables that tie a row to a device until the session closes.
PERSONAL_TABLES = ("participants", "votes", "consents", "receipts")


class SQLiteStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        # One connection serves every session: a transaction must not interleave with
        # another coroutine's statements, so each public call holds this lock.
        self._lock = asyncio.Lock()
        self._waiting: list[
            tuple[str, list[Event], Mapping[str, Any] | None, asyncio.Future[None]]
        ] = []
        self._committers: set[asyncio.Task[None]] = set()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def open(self) -> None:
        if self.path != ":memory:":
            check_sqlite_file(Path(self.path), len(MIGRATIONS))
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await self._prepare()
        except BaseException:
            # The connection's thread would otherwise keep a failed start-up's process alive.
            await self.close()
            raise

    async def _prepare(self) -> None:
        await self.db.execute("PRAGMA journal_mode = WAL")
        await self.db.execute("PRAGMA synchronous = FULL")
        await self.db.execute("PRAGMA foreign_keys = ON")
        # What is deleted is overwritten with zeros, so closing forgets on disk too.
        await self.db.execute("PRAGMA secure_delete = ON")
        await self.db.execute("PRAGMA busy_timeout = 5000")
        await self._migrate()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def _migrate(self) -> None:
        async with self.db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = row[0] if row else 0
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.executescript(
                f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {number}; COMMIT;"
            )
            # A migration may drop what clients chose (message ids): off the disk too.
            await self._forget_on_disk()

    async def create_session(self, record: SessionRecord) -> None:
        async with self._lock:
            try:
                await self.db.execute(
                    "INSERT INTO sessions (id, code, pack_id, lang, title, intro, prompts,"
                    " facilitator_hash, created_at, phase, prompt_index, reveal, settings)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.id,
                        record.code,
                        record.pack_id,
                        record.lang,
                        record.title,
                        record.intro,
                        json.dumps(record.prompts, ensure_ascii=False),
                        record.facilitator_hash,
                        record.created_at,
                        record.phase.value,
                        record.prompt_index,
                        record.reveal.value,
                        json.dumps(dict(record.settings), ensure_ascii=False),
                    ),
                )
            except sqlite3.IntegrityError as error:
                if "code" in str(error):
                    raise CodeTaken(record.code) from None
                raise

    async def session_id_for_code(self, code: str) -> str | None:
        async with self._lock:
            async with self.db.execute(
                "SELECT id FROM sessions WHERE code = ? AND is_open = 1", (code,)
            ) as cursor:
                row = await cursor.fetchone()
            return row[0] if row else None

    async def load_session(self, session_id: str) -> LoadedSession | None:
        async with self._lock:
            async with self.db.execute(
                "SELECT id, code, pack_id, lang, title, intro, prompts, facilitator_hash,"
                " created_at, phase, prompt_index, reveal, is_phone_grouping, settings"
                " FROM sessions WHERE id = ?",
                (session_id,),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            record = SessionRecord(
                id=row[0],
                code=row[1],
                pack_id=row[2],
                lang=row[3],
                title=row[4],
                intro=row[5],
                prompts=tuple(json.loads(row[6])),
                facilitator_hash=row[7],
                created_at=row[8],
                phase=Phase(row[9]),
                prompt_index=row[10],
                reveal=Reveal(row[11]),
                is_phone_grouping=bool(row[12]),
                settings=json.loads(row[13]),
            )
            async with self.db.execute(
                "SELECT number, prompt_index, author, text, group_number FROM answers"
                " WHERE session_id = ? ORDER BY number",
                (session_id,),
            ) as cursor:
                answers = [Answer(*row) async for row in cursor]
            async with self.db.execute(
                "SELECT author, msg_id, number FROM receipts WHERE session_id = ?", (session_id,)
            ) as cursor:
                receipts = [Receipt(*row) async for row in cursor]
            async with self.db.execute(
                "SELECT number, prompt_index, label FROM groups WHERE session_id = ?"
                " ORDER BY number",
                (session_id,),
            ) as cursor:
                groups = [Group(*row) async for row in cursor]
            async with self.db.execute(
                "SELECT pseudonym FROM participants WHERE session_id = ?", (session_id,)
            ) as cursor:
                participants = frozenset([row[0] async for row in cursor])
            deciding = await self._load_deciding(session_id)
            return LoadedSession(record, answers, receipts, participants, groups, **deciding)

    async def _load_deciding(self, session_id: str) -> dict[str, list[Any]]:
        queries = {
            "votes": "SELECT prompt_index, voter, item, dots FROM votes",
            "decisions": "SELECT number, prompt_index, from_item, origin FROM decisions",
            "rounds": "SELECT decision, number, text, is_open, is_agreed FROM rounds",
            "consents": "SELECT decision, round, voter, level, reason FROM consents",
            "actions": "SELECT number, decision, what, who, due, origin FROM actions",
        }
        loaded: dict[str, list[Any]] = {}
        for name, query in queries.items():
            async with self.db.execute(f"{query} WHERE session_id = ?", (session_id,)) as cursor:
                loaded[name] = [tuple(row) async for row in cursor]
        return loaded

    async def save_pack(self, pack: SavedPack) -> None:
        async with self._lock:
            await self.db.execute(
                "INSERT INTO saved_packs (id, title, lang, prompts, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    pack.id,
                    pack.title,
                    pack.lang,
                    json.dumps(pack.prompts, ensure_ascii=False),
                    pack.created_at,
                ),
            )

    async def saved_packs(self) -> list[SavedPack]:
        async with (
            self._lock,
            self.db.execute(
                "SELECT id, title, lang, prompts, created_at FROM saved_packs"
                " ORDER BY created_at DESC, title"
            ) as cursor,
        ):
            return [
                SavedPack(pack_id, title, lang, tuple(json.loads(prompts)), created_at)
                async for pack_id, title, lang, prompts, created_at in cursor
            ]

    async def delete_pack(self, pack_id: str) -> None:
        async with self._lock:
            await self.db.execute("DELETE FROM saved_packs WHERE id = ?", (pack_id,))

    async def add_participant(self, session_id: str, pseudonym: str) -> bool:
        async with self._lock:
            cursor = await self.db.execute(
                "INSERT OR IGNORE INTO participants (session_id, pseudonym) VALUES (?, ?)",
                (session_id, pseudonym),
            )
            return cursor.rowcount == 1

    async def append(
        self, session_id: str, events: list[Event], outcome: Mapping[str, Any] | None = None
    ) -> None:
        """Saves a batch of events, durably, before it returns. Batches that arrive while a
        commit is under way are saved together in the next one (a group commit): ten
        sessions voting at once share their commits instead of queueing for them."""
        if not events:
            return
        saved: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((session_id, events, outcome, saved))
        if len(self._waiting) == 1:
            committer = asyncio.create_task(self._commit_waiting())
            self._committers.add(committer)
            committer.add_done_callback(self._committers.discard)
        await saved

    async def _commit_waiting(self) -> None:
        async with self._lock:
            group, self._waiting = self._waiting, []
            failures: dict[int, Exception] = {}
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                for index, (session_id, events, outcome, _) in enumerate(group):
                    # One batch that cannot be saved must not take the others with it.
                    await self.db.execute("SAVEPOINT batch")
                    try:
                        for event in events:
                            await self._apply(session_id, event)
                        if outcome is not None:
                            await self._close(session_id, outcome)
                    except Exception as error:
                        await self.db.execute("ROLLBACK TO batch")
                        failures[index] = error
                    await self.db.execute("RELEASE batch")
                await self.db.execute("COMMIT")
                if any(outcome is not None for _, _, outcome, _ in group):
                    await self._forget_on_disk()
            except BaseException as error:
                with contextlib.suppress(Exception):
                    await self.db.execute("ROLLBACK")
                for *_, saved in group:
                    if not saved.done():
                        saved.set_exception(error)
                if not isinstance(error, Exception):
                    raise  # cancelled: the server is stopping
                return
            for index, (*_, saved) in enumerate(group):
                if saved.done():  # its session stopped waiting; the batch is saved all the same
                    continue
                if index in failures:
                    saved.set_exception(failures[index])
                else:
                    saved.set_result(None)

    async def _close(self, session_id: str, outcome: Mapping[str, Any]) -> None:
        """Keeps the outcome and removes, for good, what ties answers and votes to people."""
        await self.db.execute(
            "INSERT INTO outcomes (session_id, outcome, closed_at) VALUES (?, ?, ?)",
            (session_id, json.dumps(outcome, ensure_ascii=False), outcome["session"]["closed_at"]),
        )
        await self.db.execute("UPDATE sessions SET is_open = 0 WHERE id = ?", (session_id,))
        await self.db.execute("UPDATE answers SET author = '' WHERE session_id = ?", (session_id,))
        for table in PERSONAL_TABLES:
            await self.db.execute(f"DELETE FROM {table} WHERE session_id = ?", (session_id,))

    async def _forget_on_disk(self) -> None:
        """Moves every committed page into the database file, whose deleted content
        secure_delete has zeroed, and empties the write-ahead log, which still holds the
        pages as they were before (with pseudonyms and message ids)."""
        async with self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] != 0:
            # Another connection reads an old snapshot (a backup, say): the next
            # checkpoint finishes the job.
            log.warning("the write-ahead log could not be emptied now: %s", row)

    async def outcome(self, session_id: str) -> dict[str, Any] | None:
        async with (
            self._lock,
            self.db.execute(
                "SELECT outcome FROM outcomes WHERE session_id = ?", (session_id,)
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return json.loads(row[0]) if row else None

    async def delete_session(self, session_id: str) -> None:
        """Everything of one session, at once: the foreign keys cascade."""
        async with self._lock:
            await self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            await self._forget_on_disk()

    async def open_sessions_created_before(self, created_before: str) -> list[str]:
        async with (
            self._lock,
            self.db.execute(
                "SELECT id FROM sessions WHERE is_open = 1 AND created_at <= ?", (created_before,)
            ) as cursor,
        ):
            return [row[0] async for row in cursor]

    async def forget_raw_answers(self, created_before: str) -> list[str]:
        """Retention: closed sessions past their time keep only the outcome's decisions,
        actions, labels and counts; raw answers go, also from the saved outcome."""
        async with self._lock:
            async with self.db.execute(
                "SELECT o.session_id, o.outcome FROM outcomes o JOIN sessions s"
                " ON s.id = o.session_id WHERE s.created_at <= ? AND EXISTS"
                " (SELECT 1 FROM answers a WHERE a.session_id = o.session_id)",
                (created_before,),
            ) as cursor:
                due = [tuple(row) async for row in cursor]
            if not due:
                return []
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                for session_id, stored in due:
                    await self.db.execute("DELETE FROM answers WHERE session_id = ?", (session_id,))
                    outcome = without_raw_answers(json.loads(stored))
                    await self.db.execute(
                        "UPDATE outcomes SET outcome = ? WHERE session_id = ?",
                        (json.dumps(outcome, ensure_ascii=False), session_id),
                    )
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")
            await self._forget_on_disk()
            return [session_id for session_id, _ in due]

    async def key(self, name: str) -> bytes:
        async with self._lock:
            await self.db.execute(
                "INSERT OR IGNORE INTO keys (name, value) VALUES (?, ?)",
                (name, secrets.token_bytes(32)),
            )
            async with self.db.execute("SELECT value FROM keys WHERE name = ?", (name,)) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            return bytes(row[0])

    async def add_share_link(self, session_id: str, token_hash: str, created_at: str) -> None:
        async with self._lock:
            await self.db.execute(
                "INSERT INTO share_links (token_hash, session_id, created_at) VALUES (?, ?, ?)",
                (token_hash, session_id, created_at),
            )

    async def revoke_share_links(self, session_id: str) -> None:
        async with self._lock:
            await self.db.execute(
                "UPDATE share_links SET is_revoked = 1 WHERE session_id = ?", (session_id,)
            )

    async def shared_outcome(self, token_hash: str) -> dict[str, Any] | None:
        """The outcome behind a share link that has not been revoked."""
        async with (
            self._lock,
            self.db.execute(
                "SELECT o.outcome FROM share_links l JOIN outcomes o USING (session_id)"
                " WHERE l.token_hash = ? AND l.is_revoked = 0",
                (token_hash,),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return json.loads(row[0]) if row else None

    async def _apply(self, session_id: str, event: Event) -> None:
        match event:
            case PhaseChanged(phase=phase, prompt_index=index):
                await self.db.execute(
                    "UPDATE sessions SET phase = ?, prompt_index = ? WHERE id = ?",
                    (phase.value, index, session_id),
                )
            case RevealChanged(reveal=reveal):
                await self.db.execute(
                    "UPDATE sessions SET reveal = ? WHERE id = ?", (reveal.value, session_id)
                )
            case PromptAdded(text=text):
                await self.db.execute(
                    "UPDATE sessions SET prompts = json_insert(prompts, '$[#]', ?) WHERE id = ?",
                    (text, session_id),
                )
            case AnswerAdded(answer=a, msg_id=msg_id):
                await self.db.execute(
                    "INSERT INTO answers (session_id, number, prompt_index, author, text)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (session_id, a.number, a.prompt_index, a.author, a.text),
                )
                await self.db.execute(
                    "INSERT INTO receipts (session_id, author, msg_id, number) VALUES (?, ?, ?, ?)",
                    (session_id, a.author, msg_id, a.number),
                )
            case AnswerEdited(number=number, text=text):
                await self.db.execute(
                    "UPDATE answers SET text = ? WHERE session_id = ? AND number = ?",
                    (text, session_id, number),
                )
            case AnswerDeleted(number=number):
                await self.db.execute(
                    "DELETE FROM answers WHERE session_id = ? AND number = ?",
                    (session_id, number),
                )
            case GroupCreated(group=group):
                await self.db.execute(
                    "INSERT INTO groups (session_id, number, prompt_index, label)"
                    " VALUES (?, ?, ?, ?)",
                    (session_id, group.number, group.prompt_index, group.label),
                )
            case AnswerMoved(number=number, group=group_number):
                await self.db.execute(
                    "UPDATE answers SET group_number = ? WHERE session_id = ? AND number = ?",
                    (group_number, session_id, number),
                )
            case GroupRenamed(number=number, label=label):
                await self.db.execute(
                    "UPDATE groups SET label = ? WHERE session_id = ? AND number = ?",
                    (label, session_id, number),
                )
            case GroupDeleted(number=number):
                await self.db.execute(
                    "DELETE FROM groups WHERE session_id = ? AND number = ?",
                    (session_id, number),
                )
            case RoomLocked(is_locked=is_locked):
                await self._set(session_id, is_locked=is_locked)
            case PhoneGroupingChanged(is_allowed=allowed):
                await self.db.execute(
                    "UPDATE sessions SET is_phone_grouping = ? WHERE id = ?",
                    (int(allowed), session_id),
                )
            case _ if isinstance(event, (*VOTING_EVENTS, *CONSENT_EVENTS)):
                await self._apply_deciding(session_id, event)
            case _:
                raise TypeError(f"cannot store {event!r}")

    async def _apply_deciding(self, session_id: str, event: Event) -> None:
        match event:
            case VotingConfigured(budget=budget, is_stacking=stacking):
                await self._set(session_id, vote_budget=budget, is_stacking=stacking)
            case VotesSet(prompt_index=prompt, voter=voter, item=item, dots=dots):
                await self.db.execute(
                    "INSERT INTO votes (session_id, prompt_index, voter, item, dots)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET dots = excluded.dots",
                    (session_id, prompt, voter, item, dots),
                )
            case VotesRevealed(prompt_index=prompt):
                await self.db.execute(
                    "UPDATE sessions SET settings = json_set(settings, '$.revealed',"
                    " json_insert(coalesce(json_extract(settings, '$.revealed'), '[]'), '$[#]', ?))"
                    " WHERE id = ?",
                    (prompt, session_id),
                )
            case FloorSet(floor=floor):
                await self._set(session_id, floor=floor)
            case ExpectedSet(expected=expected):
                await self._set(session_id, expected=expected)
            case ConsentShareSet(percent=percent):
                await self._set(session_id, consent_share=percent)
            case DecisionProposed(decision=d):
                await self.db.execute(
                    "INSERT INTO decisions (session_id, number, prompt_index, from_item, origin)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (session_id, d.number, d.prompt_index, d.from_item, d.origin),
                )
            case RoundOpened(round=r):
                await self.db.execute(
                    "INSERT INTO rounds (session_id, decision, number, text, is_open, is_agreed)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (session_id, r.decision, r.number, r.text, int(r.is_open), int(r.is_agreed)),
                )
            case ConsentGiven(decision=decision, round=number, voter=voter, response=response):
                await self.db.execute(
                    "INSERT INTO consents (session_id, decision, round, voter, level, reason)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE"
                    " SET level = excluded.level, reason = excluded.reason",
                    (session_id, decision, number, voter, response.level.value, response.reason),
                )
            case RoundClosed(decision=decision, round=number, is_agreed=agreed):
                await self.db.execute(
                    "UPDATE rounds SET is_open = 0, is_agreed = ?"
                    " WHERE session_id = ? AND decision = ? AND number = ?",
                    (int(agreed), session_id, decision, number),
                )
            case ActionAdded(action=a):
                await self.db.execute(
                    "INSERT INTO actions (session_id, number, decision, what, who, due, origin)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (session_id, a.number, a.decision, a.what, a.who, a.due, a.origin),
                )
            case ActionEdited(action=a):
                await self.db.execute(
                    "UPDATE actions SET what = ?, who = ?, due = ?"
                    " WHERE session_id = ? AND number = ?",
                    (a.what, a.who, a.due, session_id, a.number),
                )
            case ActionRemoved(number=number):
                await self.db.execute(
                    "DELETE FROM actions WHERE session_id = ? AND number = ?", (session_id, number)
                )
            case _:
                raise TypeError(f"cannot store {event!r}")

    async def _set(self, session_id: str, **values: int | bool) -> None:
        for name, value in values.items():
            await self.db.execute(
                f"UPDATE sessions SET settings = json_set(settings, '$.{name}', ?) WHERE id = ?",
                (value, session_id),
            )


def without_raw_answers(outcome: dict[str, Any]) -> dict[str, Any]:
    """The outcome as retention leaves it: groups keep their label and count; answers that
    stood on their own go, and so do the texts of every answer."""
    for prompt in outcome.get("prompts", []):
        prompt["items"] = [
            {**item, "answers": []} for item in prompt.get("items", []) if not _is_loose(item)
        ]
    return outcome


def _is_loose(item: dict[str, Any]) -> bool:
    if "kind" in item:
        return bool(item["kind"] == "answer")
    # Outcomes saved before items had a kind: a loose answer is labelled with its own text.
    return bool(item.get("answers") == [item.get("label")])

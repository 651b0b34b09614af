"""The team's register and action tracker in PostgreSQL: filled from a closing session's
outcome (in the transaction that closes it), read and changed only per team, and the
team's secret links (calendar feed, read-only page) as hashes."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import asyncpg

if TYPE_CHECKING:
    from .database import Connection

from ...rules.ratings import Rating
from ...rules.records import Team
from ...rules.register import (
    DEFAULT_REVIEW_MONTHS,
    Agreement,
    Status,
    TrackedAction,
    review_date,
)

AGREEMENT_COLUMNS = (
    "id, team_id, topic, text, lang, session_id, session_title, decision, agreed_at,"
    " responses, counts, review_at, version, replaces, superseded_at, retired_at"
)
ACTION_COLUMNS = (
    "id, team_id, agreement_id, session_id, session_title, decision, decision_text, number,"
    " what, who, due, status, lang"
)


async def keep_in_register(db: Connection, session_id: str, outcome: Any) -> None:
    """Copies what a team's session agreed, and its actions, into the team's register.
    Only the outcome is read: texts, counts above the floor, dates. A `replaces` that is
    not a current agreement of the same team starts a new agreement instead."""
    row = await db.fetchrow("SELECT team_id, pack_id, lang FROM sessions WHERE id = $1", session_id)
    if row is None or row[0] is None:
        return  # made before accounts: no team to keep it for
    team_id, pack_id, lang = row
    session = outcome["session"]
    closed_at, title = session["closed_at"], session["title"]
    for prompt in outcome["prompts"]:
        if (prompt.get("choices") or {}).get("agreement"):
            await _keep_rating(db, team_id, session_id, title, closed_at, prompt)
    for decision in outcome["decisions"]:
        agreement_id = None
        if decision["status"] == "agreed":
            where = (team_id, pack_id, lang, session_id, title, closed_at)
            agreement_id = await _agree(db, where, decision)
        for number, action in enumerate(decision["actions"], start=1):
            await db.execute(
                f"INSERT INTO tracked_actions ({ACTION_COLUMNS}) VALUES"
                " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12)",
                secrets.token_hex(8),
                team_id,
                agreement_id,
                session_id,
                title,
                decision["number"],
                decision["text"],
                number,
                action["what"],
                action["who"],
                action["due"],
                lang,
            )


async def _keep_rating(
    db: Connection,
    team_id: str,
    session_id: str,
    title: str,
    closed_at: str,
    prompt: Mapping[str, Any],
) -> None:
    """An evaluation moment's rating of one of the team's own agreements (another team's
    id rates nothing): the mean and counts as the outcome has them, None below the floor."""
    choices = prompt["choices"]
    counts = choices["counts"]
    mean = choices["mean"]
    await db.execute(
        "INSERT INTO ratings (team_id, agreement_id, session_id, session_title, rated_at,"
        " responses, mean, counts, remarks)"
        " SELECT $1, id, $2, $3, $4, $5, $6, $7, $8 FROM agreements WHERE id = $9 AND team_id = $1",
        team_id,
        session_id,
        title,
        closed_at,
        prompt["answers"],
        None if mean is None else float(mean),
        None if counts is None else json.dumps(counts),
        json.dumps(choices.get("remarks", []), ensure_ascii=False),
        choices["agreement"],
    )


async def _agree(db: Connection, where: tuple[str, ...], decision: Mapping[str, Any]) -> str:
    """The agreed decision as a new agreement, or as the next version of the one it replaces."""
    team_id, topic, lang, session_id, title, closed_at = where
    version, replaces = 1, None
    if decision.get("replaces"):
        old = await db.fetchrow(
            "SELECT version, topic FROM agreements WHERE id = $1 AND team_id = $2"
            " AND superseded_at IS NULL AND retired_at IS NULL FOR UPDATE",
            decision["replaces"],
            team_id,
        )
        if old is not None:
            version, topic, replaces = old[0] + 1, old[1], decision["replaces"]
            await db.execute(
                "UPDATE agreements SET superseded_at = $1 WHERE id = $2", closed_at, replaces
            )
    months = await review_months(db, team_id, topic)
    last = decision["rounds"][-1]
    agreement_id = secrets.token_hex(8)
    await db.execute(
        f"INSERT INTO agreements ({AGREEMENT_COLUMNS}) VALUES"
        " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, NULL)",
        agreement_id,
        team_id,
        topic,
        decision["text"],
        lang,
        session_id,
        title,
        decision["number"],
        closed_at,
        last["responses"],
        None if last["counts"] is None else json.dumps(last["counts"]),
        review_date(closed_at, months),
        version,
        replaces,
    )
    return agreement_id


async def review_months(db: Connection, team_id: str, topic: str) -> int:
    months = await db.fetchval(
        "SELECT months FROM review_periods WHERE team_id = $1 AND topic = $2", team_id, topic
    )
    return DEFAULT_REVIEW_MONTHS if months is None else int(months)


def _agreement(row: asyncpg.Record) -> Agreement:
    values = list(row)
    values[10] = None if values[10] is None else json.loads(values[10])
    return Agreement(*values)


def _action(row: asyncpg.Record) -> TrackedAction:
    values = list(row)
    values[11] = Status(values[11])
    return TrackedAction(*values)


def changed(status: str) -> bool:
    """Whether a command's status tag ("UPDATE 1", "INSERT 0 1") counts any row."""
    return status.rsplit(" ", 1)[-1] not in ("0", "")


class PostgresRegister:
    """The register part of the PostgreSQL store (mixed into PostgresStore): every query
    names the team, so one team never reads or changes another's rows."""

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        raise NotImplementedError  # the store's connections (PostgresStore.pool)

    async def agreements(self, team_id: str) -> list[Agreement]:
        rows = await self.pool.fetch(
            f"SELECT {AGREEMENT_COLUMNS} FROM agreements WHERE team_id = $1", team_id
        )
        return [_agreement(row) for row in rows]

    async def retire_agreement(self, team_id: str, agreement_id: str, now: str) -> bool:
        return await self._change(
            "UPDATE agreements SET retired_at = $1 WHERE id = $2 AND team_id = $3"
            " AND retired_at IS NULL AND superseded_at IS NULL",
            now,
            agreement_id,
            team_id,
        )

    async def set_review_date(self, team_id: str, agreement_id: str, day: str) -> bool:
        return await self._change(
            "UPDATE agreements SET review_at = $1 WHERE id = $2 AND team_id = $3",
            day,
            agreement_id,
            team_id,
        )

    async def set_review_period(self, team_id: str, topic: str, months: int) -> None:
        await self._change(
            "INSERT INTO review_periods (team_id, topic, months) VALUES ($1, $2, $3)"
            " ON CONFLICT (team_id, topic) DO UPDATE SET months = excluded.months",
            team_id,
            topic,
            months,
        )

    async def review_periods(self, team_id: str) -> dict[str, int]:
        rows = await self.pool.fetch(
            "SELECT topic, months FROM review_periods WHERE team_id = $1", team_id
        )
        return {topic: months for topic, months in rows}

    async def tracked_actions(self, team_id: str) -> list[TrackedAction]:
        rows = await self.pool.fetch(
            f"SELECT {ACTION_COLUMNS} FROM tracked_actions WHERE team_id = $1", team_id
        )
        return [_action(row) for row in rows]

    async def set_action_status(self, team_id: str, action_id: str, status: Status) -> bool:
        return await self._change(
            "UPDATE tracked_actions SET status = $1 WHERE id = $2 AND team_id = $3",
            status.value,
            action_id,
            team_id,
        )

    async def ratings(self, team_id: str) -> list[Rating]:
        rows = await self.pool.fetch(
            "SELECT agreement_id, session_title, rated_at, responses, mean, counts, remarks"
            " FROM ratings WHERE team_id = $1 ORDER BY rated_at",
            team_id,
        )
        return [
            Rating(
                agreement,
                title,
                rated_at,
                responses,
                mean,
                None if counts is None else tuple(json.loads(counts)),
                tuple(json.loads(remarks)),
            )
            for agreement, title, rated_at, responses, mean, counts, remarks in rows
        ]

    async def add_tracked_action(
        self, team_id: str, agreement_id: str, what: str, who: str, due: str | None
    ) -> bool:
        """An action the team takes on one of its current agreements, outside a session
        (after a low rating): it is tracked like the actions sessions agree on."""
        return await self._change(
            f"INSERT INTO tracked_actions ({ACTION_COLUMNS})"
            " SELECT $1, team_id, id, NULL, '', 0, text,"
            " (SELECT count(*) + 1 FROM tracked_actions WHERE agreement_id = $2),"
            " $3, $4, $5, 'open', lang FROM agreements WHERE id = $2 AND team_id = $6"
            " AND superseded_at IS NULL AND retired_at IS NULL",
            secrets.token_hex(8),
            agreement_id,
            what,
            who,
            due,
            team_id,
        )

    async def add_team_link(self, team_id: str, kind: str, token_hash: str, now: str) -> None:
        await self._change(
            "INSERT INTO team_links (token_hash, team_id, kind, created_at)"
            " VALUES ($1, $2, $3, $4)",
            token_hash,
            team_id,
            kind,
            now,
        )

    async def revoke_team_links(self, team_id: str, kind: str) -> None:
        await self._change(
            "UPDATE team_links SET is_revoked = TRUE WHERE team_id = $1 AND kind = $2",
            team_id,
            kind,
        )

    async def team_link_kinds(self, team_id: str) -> set[str]:
        """The kinds of link the team has that still work."""
        rows = await self.pool.fetch(
            "SELECT DISTINCT kind FROM team_links WHERE team_id = $1 AND NOT is_revoked", team_id
        )
        return {row[0] for row in rows}

    async def team_for_link(self, token_hash: str, kind: str) -> Team | None:
        """The team behind a link of this kind that has not been revoked."""
        row = await self.pool.fetchrow(
            "SELECT t.id, t.name, t.created_at FROM team_links l JOIN teams t"
            " ON t.id = l.team_id WHERE l.token_hash = $1 AND l.kind = $2 AND NOT l.is_revoked",
            token_hash,
            kind,
        )
        return Team(*row) if row else None

    async def _change(self, sql: str, *parameters: Any) -> bool:
        return changed(await self.pool.execute(sql, *parameters))

"""The contract every store engine keeps, through the Store interface only (no SQL here).

Each test runs against every store URL: `sqlite:///` on a fresh file always;
DRAAGVLAK_TEST_STORE_URLS (comma separated) adds engines a CI run starts, such as
PostgreSQL. An engine passes when every test here passes against it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from conftest import fresh_database
from server.rules import AnswerAdded, AnswerDeleted, AnswerEdited, PromptAdded, RoomLocked
from server.rules.actions import ActionAdded, ActionEdited, ActionRemoved
from server.rules.consent import (
    ConsentGiven,
    DecisionProposed,
    RoundClosed,
    RoundOpened,
)
from server.rules.grouping import AnswerMoved, GroupCreated, GroupRenamed
from server.rules.records import SavedPack, SessionRecord
from server.rules.state import (
    Action,
    Answer,
    Decision,
    Group,
    Level,
    Phase,
    PhaseChanged,
    Response,
    Round,
)
from server.rules.voting import ExpectedSet, FloorSet, VotesRevealed, VotesSet, VotingConfigured
from server.store import CodeTaken, Consent, Dots, Receipt, Store, open_store

EXTRA_URLS = [u for u in os.environ.get("DRAAGVLAK_TEST_STORE_URLS", "").split(",") if u]


@pytest_asyncio.fixture(params=["sqlite", *EXTRA_URLS])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh, empty store per test: a new SQLite file, or a new PostgreSQL database made
    through the configured one (which must answer: a configured engine never skips)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    elif request.param.startswith(("postgresql://", "postgres://")):
        url = fresh_database(request.param)
    else:
        url = request.param
    store = open_store(url)
    await store.open()
    try:
        yield store
    finally:
        await store.close()
        if url != request.param and not url.startswith("sqlite"):
            await drop_database(request.param, url)


async def drop_database(maintenance_url: str, url: str) -> None:
    import asyncpg

    db = await asyncpg.connect(maintenance_url, timeout=10)
    try:
        await db.execute(f"DROP DATABASE {url.rsplit('/', 1)[1]} WITH (FORCE)")
    finally:
        await db.close()


def record(session_id: str, code: str, created_at: str = "2026-11-29T09:00:00+00:00"):
    return SessionRecord(
        session_id, code, "core-values", "nl", "Kernwaarden", "", ("Vraag?",), "hash", created_at
    )


def added(number: int, author: str = "p1", msg_id: str = "") -> AnswerAdded:
    return AnswerAdded(Answer(number, 0, author, f"antwoord {number}"), msg_id or f"m{number}")


OUTCOME = {"session": {"closed_at": "2026-11-29T11:00:00+00:00"}, "prompts": [], "decisions": []}


# Sessions -----------------------------------------------------------------------------


async def test_a_created_session_loads_as_it_was_made(store: Store) -> None:
    """The record comes back field for field, and is found by its code while open."""
    made = record("s1", "123456")
    await store.create_session(made)
    loaded = await store.load_session("s1")
    assert loaded is not None and loaded.record == made
    assert await store.session_id_for_code("123456") == "s1"
    assert await store.session_id_for_code("654321") is None
    assert await store.load_session("nope") is None


async def test_an_open_sessions_code_is_taken_until_it_closes(store: Store) -> None:
    """Two open sessions never share a code; once one closes, its code is free again."""
    await store.create_session(record("s1", "123456"))
    with pytest.raises(CodeTaken):
        await store.create_session(record("s2", "123456"))
    await store.append("s1", [PhaseChanged(Phase.ENDED, 0)], OUTCOME)
    assert await store.session_id_for_code("123456") is None
    await store.create_session(record("s2", "123456"))
    assert await store.session_id_for_code("123456") == "s2"


async def test_every_event_is_loaded_back_as_typed_state(store: Store) -> None:
    """What the rules decided comes back after a restart as the same typed rows."""
    await store.create_session(record("s1", "123456"))
    await store.add_participant("s1", "p1")
    events = [
        PhaseChanged(Phase.ANSWERING, 0),
        PromptAdded("Nog een vraag?"),
        added(1, "p1", "a"),
        added(2, "p2", "b"),
        added(3, "p1", "c"),
        AnswerEdited(3, "veranderd"),
        AnswerDeleted(2),
        GroupCreated(Group(1, 0, "Samen")),
        AnswerMoved(1, 1),
        GroupRenamed(1, "Samen leren"),
        VotingConfigured(5, False),
        VotesSet(0, "p1", "g1", 1),
        VotesRevealed(0),
        FloorSet(2),
        ExpectedSet(12),
        RoomLocked(True),
        DecisionProposed(Decision(1, 0, "Samen leren", "d1")),
        RoundOpened(Round(1, 1, "We leren samen")),
        ConsentGiven(1, 1, "p1", Response(Level.LIVE_WITH, "goed")),
        RoundClosed(1, 1, True),
        ActionAdded(Action(1, 1, "Plannen", "Team", "2026-12-15", "x1")),
        ActionAdded(Action(2, 1, "Weg", "", "", "x2")),
        ActionEdited(Action(1, 1, "Plannen maken", "Team", "", "x1")),
        ActionRemoved(2),
    ]
    await store.append("s1", events)
    loaded = await store.load_session("s1")
    assert loaded is not None
    assert loaded.record.phase is Phase.ANSWERING
    assert loaded.record.prompts == ("Vraag?", "Nog een vraag?")
    assert loaded.answers == [Answer(1, 0, "p1", "antwoord 1", 1), Answer(3, 0, "p1", "veranderd")]
    assert sorted(loaded.receipts, key=lambda r: r.number) == [
        Receipt("p1", "a", 1),
        Receipt("p2", "b", 2),  # the answer is gone; its receipt stays until closing
        Receipt("p1", "c", 3),
    ]
    assert loaded.participants == frozenset({"p1"})
    assert loaded.groups == [Group(1, 0, "Samen leren")]
    assert loaded.votes == [Dots(0, "p1", "g1", 1)]
    settings = loaded.record.settings
    assert (settings["vote_budget"], settings["is_stacking"]) == (5, False)
    assert (settings["floor"], settings["expected"], settings["is_locked"]) == (2, 12, True)
    assert list(settings["revealed"]) == [0]
    assert loaded.decisions == [Decision(1, 0, "Samen leren", "d1")]
    assert loaded.rounds == [Round(1, 1, "We leren samen", is_open=False, is_agreed=True)]
    assert loaded.consents == [Consent(1, 1, "p1", Response(Level.LIVE_WITH, "goed"))]
    assert loaded.actions == [Action(1, 1, "Plannen maken", "Team", "", "x1")]


async def test_a_batch_is_kept_whole_or_not_at_all(store: Store) -> None:
    """A batch the store refuses (an answer number twice) leaves nothing of itself behind."""
    await store.create_session(record("s1", "123456"))
    await store.append("s1", [added(1)])
    with pytest.raises(Exception):  # noqa: B017 - each engine raises its own error
        await store.append("s1", [added(2), added(1, msg_id="again")])
    loaded = await store.load_session("s1")
    assert loaded is not None and [a.number for a in loaded.answers] == [1]


async def test_batches_from_many_sessions_at_once_are_all_saved(store: Store) -> None:
    """Ten sessions saving at the same moment: every batch is stored, once."""
    ids = [f"session{n}" for n in range(10)]
    for n, session_id in enumerate(ids):
        await store.create_session(record(session_id, f"{n:06d}"))
    await asyncio.gather(*(store.append(s, [added(k, f"p{k}") for k in range(1, 6)]) for s in ids))
    for session_id in ids:
        loaded = await store.load_session(session_id)
        assert loaded is not None
        assert sorted(a.number for a in loaded.answers) == [1, 2, 3, 4, 5]


async def test_a_batch_that_cannot_be_saved_fails_alone(store: Store) -> None:
    """Saved at the same moment, a batch the store refuses raises for its own session only;
    the other batch is stored."""
    await store.create_session(record("good", "111111"))
    await store.create_session(record("bad", "222222"))
    await store.append("bad", [added(1)])
    results = await asyncio.gather(
        store.append("good", [added(1)]),
        store.append("bad", [added(2), added(1, msg_id="again")]),
        return_exceptions=True,
    )
    assert not isinstance(results[0], Exception)
    assert isinstance(results[1], Exception)
    good, bad = await store.load_session("good"), await store.load_session("bad")
    assert good is not None and bad is not None
    assert [a.number for a in good.answers] == [1]
    assert [a.number for a in bad.answers] == [1]


async def test_a_participant_is_added_once(store: Store) -> None:
    """add_participant says whether the pseudonym is new."""
    await store.create_session(record("s1", "123456"))
    assert await store.add_participant("s1", "p1") is True
    assert await store.add_participant("s1", "p1") is False
    loaded = await store.load_session("s1")
    assert loaded is not None and loaded.participants == frozenset({"p1"})


async def test_many_phones_joining_at_once_are_each_added_once(store: Store) -> None:
    """Three hundred joins at the same moment, a hundred of them twice: each pseudonym is
    new exactly once, and all of them are kept, beside a batch of events saved meanwhile."""
    await store.create_session(record("s1", "123456"))
    names = [f"p{n}" for n in range(200)] + [f"p{n}" for n in range(100)]
    joined, _ = await asyncio.gather(
        asyncio.gather(*(store.add_participant("s1", name) for name in names)),
        store.append("s1", [added(1)]),
    )
    assert sum(joined) == 200
    assert joined[:200] == [True] * 200
    loaded = await store.load_session("s1")
    assert loaded is not None
    assert loaded.participants == frozenset(names)
    assert [a.number for a in loaded.answers] == [1]


async def test_closing_forgets_who_did_what_and_keeps_the_outcome(store: Store) -> None:
    """With an outcome, the same append closes the session: participants, receipts, votes
    and consent by person are gone, answers keep their text without an author, and every
    message id is gone, also when two phones used the same ones."""
    await store.create_session(record("s1", "123456"))
    for person in ("p1", "p2"):
        await store.add_participant("s1", person)
    await store.append(
        "s1",
        [
            added(1, "p1", "same"),
            added(2, "p2", "same"),
            VotesSet(0, "p1", "a1", 2),
            DecisionProposed(Decision(1, 0, "antwoord 1", "same")),
            RoundOpened(Round(1, 1, "Besluit")),
            ConsentGiven(1, 1, "p2", Response(Level.SUPPORT, "")),
        ],
    )
    await store.append("s1", [PhaseChanged(Phase.ENDED, 0)], OUTCOME)
    loaded = await store.load_session("s1")
    assert loaded is not None
    assert loaded.participants == frozenset()
    assert loaded.receipts == [] and loaded.votes == [] and loaded.consents == []
    assert {(a.author, a.text) for a in loaded.answers} == {("", "antwoord 1"), ("", "antwoord 2")}
    assert await store.outcome("s1") == OUTCOME


async def test_deleting_a_session_removes_all_of_it(store: Store) -> None:
    """Nothing of a deleted session can be loaded, found by code or shared."""
    await store.create_session(record("s1", "123456"))
    await store.append("s1", [added(1)])
    await store.add_share_link("s1", "hash1", "2026-11-29")
    await store.delete_session("s1")
    assert await store.load_session("s1") is None
    assert await store.session_id_for_code("123456") is None
    assert await store.shared_outcome("hash1") is None


# Outcomes and share links -------------------------------------------------------------


async def test_share_links_show_the_outcome_until_revoked(store: Store) -> None:
    """A link's hash finds the outcome; revoking stops every link of that session only."""
    for session_id, code in (("s1", "111111"), ("s2", "222222")):
        await store.create_session(record(session_id, code))
        await store.append(session_id, [PhaseChanged(Phase.ENDED, 0)], OUTCOME)
        await store.add_share_link(session_id, f"hash-{session_id}", "2026-11-29")
    assert await store.shared_outcome("hash-s1") == OUTCOME
    assert await store.shared_outcome("unknown") is None
    await store.revoke_share_links("s1")
    assert await store.shared_outcome("hash-s1") is None
    assert await store.shared_outcome("hash-s2") == OUTCOME


# Retention ----------------------------------------------------------------------------


async def test_retention_finds_sessions_nobody_closed(store: Store) -> None:
    """Open sessions started before the cutoff are named; closed or newer ones are not."""
    await store.create_session(record("old", "111111", "2026-01-01T00:00:00+00:00"))
    await store.create_session(record("new", "222222", "2026-11-01T00:00:00+00:00"))
    await store.create_session(record("closed", "333333", "2026-01-01T00:00:00+00:00"))
    await store.append("closed", [PhaseChanged(Phase.ENDED, 0)], OUTCOME)
    assert await store.open_sessions_created_before("2026-06-01T00:00:00+00:00") == ["old"]


async def test_retention_keeps_groups_and_drops_raw_answers(store: Store) -> None:
    """Past the cutoff a closed session loses its answers; its outcome keeps groups with
    their label and votes (also a one-card group named after its card) and drops answers
    on their own."""
    outcome = {
        **OUTCOME,
        "prompts": [
            {
                "items": [
                    {"kind": "group", "label": "respect", "answers": ["respect"], "votes": 4},
                    {"kind": "answer", "label": "los", "answers": ["los"], "votes": 1},
                ]
            }
        ],
    }
    await store.create_session(record("s1", "111111", "2026-01-01T00:00:00+00:00"))
    await store.append("s1", [added(1)])
    await store.append("s1", [PhaseChanged(Phase.ENDED, 0)], outcome)
    assert await store.forget_raw_answers("2025-01-01T00:00:00+00:00") == []
    assert await store.forget_raw_answers("2026-06-01T00:00:00+00:00") == ["s1"]
    assert await store.forget_raw_answers("2026-06-01T00:00:00+00:00") == []
    loaded = await store.load_session("s1")
    assert loaded is not None and loaded.answers == []
    kept = await store.outcome("s1")
    assert kept is not None
    assert kept["prompts"][0]["items"] == [
        {"kind": "group", "label": "respect", "answers": [], "votes": 4}
    ]


# Topics and keys ----------------------------------------------------------------------


async def test_saved_topics_come_newest_first_and_can_be_deleted(store: Store) -> None:
    """A facilitator's saved questions, newest first; a deleted one is gone."""
    older = SavedPack("saved-1", "Eerder", "nl", ("Een?", "Twee?"), "2026-11-01T00:00:00+00:00")
    newer = SavedPack("saved-2", "Later", "en", ("One?",), "2026-11-02T00:00:00+00:00")
    await store.save_pack(older)
    await store.save_pack(newer)
    assert await store.saved_packs(None) == [newer, older]
    assert await store.saved_packs("another-team") == []  # a team sees only its own
    await store.delete_pack("saved-2")
    assert await store.saved_packs(None) == [older]


async def test_a_key_is_made_once_and_kept(store: Store) -> None:
    """The same name gives the same random key every time; another name another key."""
    first = await store.key("signing")
    assert len(first) >= 32
    assert await store.key("signing") == first
    assert await store.key("other") != first

"""Where sessions are kept: a small interface in a few parts, with the engine chosen by URL.

`sqlite:///path` is the embedded default; `postgresql://` lets several processes share
one database, behind the same interface, without touching the rules or the templates.
Every engine passes the same contract tests (tests/test_store_contract.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ..rules import Event
from ..rules.ratings import Rating
from ..rules.records import Account, SavedPack, SessionRecord, Team
from ..rules.register import Agreement, Status, TrackedAction
from .identities import Identities, IdentityTaken
from .journal import Decide, JournalEntry
from .loaded import CodeTaken, Consent, Dots, EmailTaken, LoadedSession, OutOfOrder, Receipt

__all__ = [
    "CodeTaken",
    "Consent",
    "Dots",
    "EmailTaken",
    "IdentityTaken",
    "JournalEntry",
    "LoadedSession",
    "OutOfOrder",
    "Receipt",
    "Store",
    "open_store",
]


class Sessions(Protocol):
    async def create_session(self, record: SessionRecord) -> None:
        """Raises CodeTaken when the code is in use by another open session."""

    async def session_id_for_code(self, code: str) -> str | None:
        """The open session with this code."""

    async def load_session(self, session_id: str) -> LoadedSession | None: ...

    async def add_participant(
        self, session_id: str, pseudonym: str, *, is_journaled: bool = False
    ) -> bool:
        """True when this pseudonym is new to the session; journaled, a new one also
        takes the session's next sequence number."""

    async def append(
        self,
        session_id: str,
        events: list[Event],
        outcome: Mapping[str, Any] | None = None,
        *,
        after: int | None = None,
        decide: Decide | None = None,
    ) -> int:
        """Saves all events in one transaction: all of them are kept, or none. With an
        outcome, the same transaction closes the session and forgets who did what, also
        on disk (the journal too); a closed session's code is free again.

        With `after` (several processes): the batch is journaled under the session's
        next sequence number, which is returned, but only while the session still stands
        at `after`; otherwise nothing is saved and OutOfOrder is raised.

        With `decide` too, the batch is decided inside the transaction, holding the
        session: `decide` gets the entries others saved after `after` and gives the events
        and outcome to save (none: nothing is numbered). OutOfOrder then only means the
        journal has a gap (emptied on closing): load the session again."""

    async def journal(self, session_id: str, after: int) -> tuple[int, list[JournalEntry]]:
        """The session's sequence number now, and its journal's entries after `after`,
        in order; after closing the journal is empty (load the session instead)."""

    async def delete_session(self, session_id: str) -> None:
        """Everything of the session, at once and for good."""


class Outcomes(Protocol):
    async def outcome(self, session_id: str) -> dict[str, Any] | None: ...

    async def add_share_link(self, session_id: str, token_hash: str, created_at: str) -> None: ...

    async def revoke_share_links(self, session_id: str) -> None: ...

    async def shared_outcome(self, token_hash: str) -> dict[str, Any] | None:
        """The outcome behind a share link that has not been revoked."""


class Packs(Protocol):
    async def save_pack(self, pack: SavedPack) -> None: ...

    async def saved_packs(self, team_id: str | None) -> list[SavedPack]:
        """The team's, newest first."""

    async def delete_pack(self, pack_id: str) -> None: ...


class Retention(Protocol):
    async def open_sessions_created_before(self, created_before: str) -> list[str]:
        """Sessions nobody closed: retention closes them too."""

    async def forget_raw_answers(self, created_before: str) -> list[str]:
        """Ids of the closed sessions, started before then, whose raw answers were
        deleted now; their outcomes keep groups, counts, decisions and actions."""


class Accounts(Identities, Protocol):
    """Facilitators, their teams, sign-ins and invites (hashes of passwords and tokens);
    sign-ins with a school's own account in store/identities.py."""

    async def account_count(self) -> int: ...

    async def create_account(
        self,
        account_id: str,
        email: str,
        password_hash: str,
        is_admin: bool,
        created_at: str,
        team: Team,
        is_new_team: bool,
    ) -> None:
        """Raises EmailTaken. The first admin's team takes what was made before accounts."""

    async def credentials(self, email: str) -> tuple[str, str] | None: ...

    async def set_password(self, account_id: str, password_hash: str) -> None:
        """Signs every device of the account out."""

    async def add_login(self, token_hash: str, account_id: str, expires_at: str) -> None: ...

    async def remove_login(self, token_hash: str) -> None: ...

    async def account_for_login(self, token_hash: str, now: str) -> Account | None: ...

    async def add_invite(
        self, token_hash: str, team_id: str, is_admin: bool, expires_at: str
    ) -> None: ...

    async def open_invite(self, token_hash: str, now: str) -> tuple[Team, bool] | None: ...

    async def use_invite(self, token_hash: str, now: str) -> bool: ...

    async def join_team(self, account_id: str, team_id: str) -> None: ...

    async def team_named(self, name: str) -> Team | None: ...

    async def create_team(self, team: Team, founder_id: str) -> bool:
        """The team with its founder in it; False when its name (in any case) is taken."""

    async def team_members(self, team_id: str) -> list[tuple[str, bool]]:
        """E-mail address and admin right of each facilitator of the team."""

    async def team_sessions(self, team_id: str) -> list[tuple[str, str, str, str]]: ...

    async def team_of_session(self, session_id: str) -> str | None: ...


class Register(Protocol):
    """A team's agreements and actions, filled when its sessions close; every call names
    the team, and changes nothing of another team's (then it returns False)."""

    async def agreements(self, team_id: str) -> list[Agreement]:
        """Every version, retired ones too."""

    async def retire_agreement(self, team_id: str, agreement_id: str, now: str) -> bool: ...

    async def set_review_date(self, team_id: str, agreement_id: str, day: str) -> bool: ...

    async def set_review_period(self, team_id: str, topic: str, months: int) -> None:
        """For agreements made from now on in this topic."""

    async def review_periods(self, team_id: str) -> dict[str, int]: ...

    async def tracked_actions(self, team_id: str) -> list[TrackedAction]: ...

    async def set_action_status(self, team_id: str, action_id: str, status: Status) -> bool: ...

    async def ratings(self, team_id: str) -> list[Rating]:
        """Every rating of the team's agreements, oldest first."""

    async def add_tracked_action(
        self, team_id: str, agreement_id: str, what: str, who: str, due: str | None
    ) -> bool:
        """A new open action on a current agreement of the team."""

    async def add_team_link(self, team_id: str, kind: str, token_hash: str, now: str) -> None:
        """A secret link of a kind ("feed", "share"), stored as its hash."""

    async def revoke_team_links(self, team_id: str, kind: str) -> None: ...

    async def team_link_kinds(self, team_id: str) -> set[str]: ...

    async def team_for_link(self, token_hash: str, kind: str) -> Team | None: ...


class Keys(Protocol):
    async def key(self, name: str) -> bytes:
        """A random key of this installation, made on first use and kept."""


class Store(Sessions, Outcomes, Packs, Retention, Accounts, Register, Keys, Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Returns when the database answers a trivial query within a few seconds; raises
        otherwise (the health check: /healthz)."""


def open_store(url: str) -> Store:
    if url.startswith("sqlite:///"):
        from .sqlite import SQLiteStore

        return SQLiteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(url)
    raise ValueError(
        f"no store for {url!r}: use sqlite:///path/to/file.db or postgresql://host/database"
    )

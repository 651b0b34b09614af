"""The PostgreSQL schema, as the migrations that build it: the same versions as SQLite's,
applied in order at start-up, each moving `schema_version` one up; never edited, only
appended to. Flags are booleans, settings and prompts JSONB, keys BYTEA; times stay ISO
text, compared as SQLite compares them."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        is_open BOOLEAN NOT NULL DEFAULT TRUE,
        pack_id TEXT NOT NULL,
        lang TEXT NOT NULL,
        title TEXT NOT NULL,
        intro TEXT NOT NULL,
        prompts JSONB NOT NULL,
        facilitator_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        phase TEXT NOT NULL,
        prompt_index INTEGER NOT NULL,
        reveal TEXT NOT NULL
    );
    CREATE UNIQUE INDEX sessions_open_code ON sessions (code) WHERE is_open;
    -- A pseudonym is a hash of a random per-session token in the phone's cookie:
    -- enough to edit one's own answers, nothing that points at a person or device.
    CREATE TABLE participants (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        pseudonym TEXT NOT NULL,
        PRIMARY KEY (session_id, pseudonym)
    );
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
        prompts JSONB NOT NULL,
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
    ALTER TABLE sessions ADD COLUMN is_phone_grouping BOOLEAN NOT NULL DEFAULT FALSE;
    """,
    """
    -- Voting and deciding. Voters are pseudonyms until the session closes.
    ALTER TABLE sessions ADD COLUMN settings JSONB NOT NULL DEFAULT '{}';
    CREATE TABLE votes (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        prompt_index INTEGER NOT NULL,
        voter TEXT NOT NULL,
        item TEXT NOT NULL,
        dots INTEGER NOT NULL,
        PRIMARY KEY (session_id, prompt_index, voter, item)
    );
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
        is_open BOOLEAN NOT NULL,
        is_agreed BOOLEAN NOT NULL,
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
    -- What a closed session leaves behind: the outcome (JSON text, as written), and
    -- read-only links to it.
    CREATE TABLE outcomes (
        session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        outcome TEXT NOT NULL,
        closed_at TEXT NOT NULL
    );
    CREATE TABLE share_links (
        token_hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        is_revoked BOOLEAN NOT NULL DEFAULT FALSE
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
    );
    INSERT INTO receipts (session_id, author, msg_id, number)
        SELECT session_id, author, msg_id, number FROM answers WHERE author != '';
    ALTER TABLE answers DROP COLUMN msg_id;
    -- Keys this installation signs with (participants' tokens, the QR code's join links).
    CREATE TABLE keys (
        name TEXT PRIMARY KEY,
        value BYTEA NOT NULL
    );
    """,
    """
    -- Picks on a scale or a choice: the picked values' indexes as a JSON list, per
    -- pseudonym until the session closes (the outcome keeps only the distribution).
    CREATE TABLE choices (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        prompt_index INTEGER NOT NULL,
        voter TEXT NOT NULL,
        picked JSONB NOT NULL,
        PRIMARY KEY (session_id, prompt_index, voter)
    );
    """,
    """
    -- Facilitators and their teams. A team is a school or a team within one; sessions and
    -- kept topics belong to a team (NULL: made before accounts, until the first admin's
    -- team takes them). Passwords are argon2 hashes; sign-ins, invites: token hashes only.
    -- E-mail addresses are unique in any case, as SQLite's COLLATE NOCASE has them.
    CREATE TABLE teams (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        is_admin BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX accounts_email ON accounts (lower(email));
    CREATE TABLE memberships (
        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        PRIMARY KEY (account_id, team_id)
    );
    CREATE TABLE logins (
        token_hash TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE invites (
        token_hash TEXT PRIMARY KEY,
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        is_admin BOOLEAN NOT NULL DEFAULT FALSE,
        expires_at TEXT NOT NULL,
        used_at TEXT
    );
    ALTER TABLE sessions ADD COLUMN team_id TEXT REFERENCES teams (id);
    ALTER TABLE saved_packs ADD COLUMN team_id TEXT REFERENCES teams (id);
    CREATE INDEX sessions_team ON sessions (team_id);
    """,
    """
    -- The team's register: what its closed sessions agreed, copied from their outcomes
    -- (no pseudonyms, nothing per person), with versions, review dates and retirement;
    -- and the actions those sessions agreed on, tracked until done or dropped.
    ALTER TABLE decisions ADD COLUMN replaces TEXT NOT NULL DEFAULT '';
    CREATE TABLE agreements (
        id TEXT PRIMARY KEY,
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        text TEXT NOT NULL,
        lang TEXT NOT NULL,
        session_id TEXT REFERENCES sessions (id) ON DELETE SET NULL,
        session_title TEXT NOT NULL,
        decision INTEGER NOT NULL,
        agreed_at TEXT NOT NULL,
        responses INTEGER NOT NULL,
        counts TEXT,  -- the last round's counts as JSON; NULL below the floor
        review_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        replaces TEXT REFERENCES agreements (id),
        superseded_at TEXT,
        retired_at TEXT
    );
    CREATE INDEX agreements_team ON agreements (team_id, topic);
    CREATE TABLE review_periods (
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        months INTEGER NOT NULL,
        PRIMARY KEY (team_id, topic)
    );
    CREATE TABLE tracked_actions (
        id TEXT PRIMARY KEY,
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        agreement_id TEXT REFERENCES agreements (id) ON DELETE SET NULL,
        session_id TEXT REFERENCES sessions (id) ON DELETE SET NULL,
        session_title TEXT NOT NULL,
        decision INTEGER NOT NULL,
        decision_text TEXT NOT NULL,
        number INTEGER NOT NULL,
        what TEXT NOT NULL,
        who TEXT NOT NULL,
        due TEXT,
        status TEXT NOT NULL DEFAULT 'open',
        lang TEXT NOT NULL
    );
    CREATE INDEX tracked_actions_team ON tracked_actions (team_id);
    -- Secret links of a team: its calendar feed and its read-only page (hashes only).
    CREATE TABLE team_links (
        token_hash TEXT PRIMARY KEY,
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        is_revoked BOOLEAN NOT NULL DEFAULT FALSE
    );
    """,
    """
    -- How well the team lives an agreement, rated at an evaluation moment: counts only,
    -- and below the floor not even those (mean and counts NULL). Remarks are anonymous.
    CREATE TABLE ratings (
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
        session_id TEXT REFERENCES sessions (id) ON DELETE SET NULL,
        session_title TEXT NOT NULL,
        rated_at TEXT NOT NULL,
        responses INTEGER NOT NULL,
        mean DOUBLE PRECISION,
        counts TEXT,
        remarks TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX ratings_team ON ratings (team_id, agreement_id);
    """,
    # 11: the session's sequence number and its journal, so that several processes
    # serving one session apply the same changes in the same order. Journal rows name
    # pseudonyms: personal, deleted on closing.
    """
    ALTER TABLE sessions ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
    CREATE TABLE journal (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq BIGINT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (session_id, seq)
    );
    """,
    # 12: signing in with the school's own account (OpenID Connect). A person at a
    # provider is kept as the SHA-256 of the issuer and their subject, never the subject
    # itself. Such an account has no password ('') and, when the school gave no e-mail
    # address, a name instead (its address is then a placeholder under .invalid). Who
    # waits for an admin's approval keeps only what makes the account.
    """
    ALTER TABLE accounts ADD COLUMN name TEXT NOT NULL DEFAULT '';
    CREATE TABLE identities (
        subject_hash TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        provider TEXT NOT NULL,
        linked_at TEXT NOT NULL
    );
    CREATE INDEX identities_account ON identities (account_id);
    CREATE TABLE pending_identities (
        id TEXT PRIMARY KEY,
        subject_hash TEXT NOT NULL UNIQUE,
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        provider TEXT NOT NULL,
        email TEXT NOT NULL,
        name TEXT NOT NULL,
        requested_at TEXT NOT NULL
    );
    CREATE INDEX pending_identities_team ON pending_identities (team_id);
    """,
]

# Tables that tie a row to a device until the session closes.
PERSONAL_TABLES = ("participants", "votes", "choices", "consents", "receipts", "journal")

# Closing blanks the authors of answers: their old row versions still name them.
CLOSED_TABLES = (*PERSONAL_TABLES, "answers")

# Every table with rows of one session: deleting it rewrites them all.
SESSION_TABLES = (
    *CLOSED_TABLES,
    "sessions",
    "groups",
    "decisions",
    "rounds",
    "actions",
    "outcomes",
    "share_links",
)

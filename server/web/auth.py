"""Who is who: random identifiers, the facilitator's secret, and participants' pseudonyms.

Only hashes of secrets and tokens are stored. A participant's pseudonym is a hash of a
random token that lives in their phone's cookie for one session, and nowhere else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

CODE_DIGITS = 6


def new_session_id() -> str:
    return secrets.token_urlsafe(12)


def new_pack_id() -> str:
    return f"saved-{secrets.token_urlsafe(9)}"


def new_join_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(f"facilitator:{secret}".encode()).hexdigest()


def is_facilitator_secret(secret: str | None, stored_hash: str) -> bool:
    if not secret:
        return False
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def pseudonym_for(token: str) -> str:
    return hashlib.sha256(f"participant:{token}".encode()).hexdigest()[:32]


class Signer:
    """What only this server can hand out: participants' tokens, made on the join page,
    and the key in the QR code's join link. Signed with a key kept in the store, so
    they hold across restarts (and processes); nothing about them is stored."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, purpose: str, *parts: str, length: int = 22) -> str:
        message = ":".join((purpose, *parts)).encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:length]

    def participant_token(self, session_id: str) -> str:
        nonce = secrets.token_urlsafe(18)
        return f"{nonce}.{self._mac('participant', session_id, nonce)}"

    def is_participant_token(self, session_id: str, token: str | None) -> bool:
        """True only for a token this server made for this session."""
        if not token or len(token) > 64:
            return False
        nonce, _, mac = token.partition(".")
        return bool(nonce) and hmac.compare_digest(
            mac.encode(), self._mac("participant", session_id, nonce).encode()
        )

    def console_pass(self, session_id: str) -> str:
        """What a signed-in facilitator of the session's team gets instead of the secret
        made at its start (only its hash is kept): it opens the console the same way."""
        return self._mac("console", session_id, length=43)

    def is_facilitator(self, session_id: str, value: str | None, stored_hash: str) -> bool:
        """The session's secret, or the console pass this server hands to its team."""
        if is_facilitator_secret(value, stored_hash):
            return True
        return bool(value) and hmac.compare_digest(
            (value or "").encode(), self.console_pass(session_id).encode()
        )

    def join_key(self, session_id: str) -> str:
        """The QR code's proof that its reader saw the projector: no typed-code limit."""
        return self._mac("join", session_id, length=12)

    def is_join_key(self, session_id: str, key: str | None) -> bool:
        return bool(key) and hmac.compare_digest(
            (key or "").encode(), self.join_key(session_id).encode()
        )


def facilitator_cookie(session_id: str) -> str:
    return f"dv_f_{session_id}"


def participant_cookie(session_id: str) -> str:
    return f"dv_p_{session_id}"


def normalise_code(raw: str) -> str:
    """What a person types ("123 456", "123-456") as the code we store."""
    return "".join(ch for ch in raw if ch.isascii() and ch.isdigit())

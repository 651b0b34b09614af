"""Who is who: random identifiers, the facilitator's secret, and participants' pseudonyms.

Only hashes of secrets and tokens are stored. A participant's pseudonym is a hash of a
random token that lives in their phone's cookie for one session, and nowhere else.
"""

from __future__ import annotations

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


def is_valid_token(token: str | None) -> bool:
    return (
        bool(token)
        and len(token or "") <= 64
        and (token or "").replace("-", "").replace("_", "").isalnum()
    )


def facilitator_cookie(session_id: str) -> str:
    return f"dv_f_{session_id}"


def participant_cookie(session_id: str) -> str:
    return f"dv_p_{session_id}"


def normalise_code(raw: str) -> str:
    """What a person types ("123 456", "123-456") as the code we store."""
    return "".join(ch for ch in raw if ch.isascii() and ch.isdigit())

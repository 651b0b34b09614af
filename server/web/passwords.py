"""Facilitators' passwords: argon2id hashes (argon2-cffi's defaults follow RFC 9106), and
what a password must be at least."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 200
_hasher = PasswordHasher()
# Verified when the e-mail address is unknown, so that a wrong address takes as long as a
# wrong password and the answer tells nothing about who has an account.
_DUMMY = _hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def is_password(password: str, stored: str | None) -> bool:
    """False also for an account without a password ("": it signs in with its school's
    account), after the same work as for a wrong one."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


def weakness(password: str, email: str = "") -> str:
    """Why this password will not do (a message key), or "" when it will."""
    if len(password) < MIN_LENGTH:
        return "password_short"
    if len(password) > MAX_LENGTH:
        return "password_long"
    name = email.split("@")[0].lower()
    if len(set(password)) < 5 or (len(name) >= 3 and name in password.lower()):
        return "password_guessable"
    return ""

"""Sign-ins with a school's own account (OpenID Connect): the part of the store that links
a provider's person to a facilitator's account, and keeps who waits for approval.

A person at a provider is known here only by `subject_hash`, the SHA-256 of the issuer
and their subject (the web door computes it); no token, no other claim is kept.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from ..rules.records import PendingSignIn, Team

# The address of an account whose school gave a name only: never shown (the name is), and
# .invalid is reserved, so it can be nobody's address (RFC 2606).
PLACEHOLDER_DOMAIN = "school-account.invalid"


def placeholder_email(account_id: str) -> str:
    return f"{account_id}@{PLACEHOLDER_DOMAIN}"


class IdentityTaken(Exception):
    """This school account is linked to another facilitator's account already."""


class Identities(Protocol):
    async def account_for_identity(self, subject_hash: str) -> str | None:
        """The account this school account signs in to."""

    async def create_identity_account(
        self,
        account_id: str,
        email: str,
        name: str,
        team: Team,
        subject_hash: str,
        provider: str,
        created_at: str,
    ) -> str:
        """A facilitator of the team without a password, who signs in with this school
        account; `email` "" keeps the name instead. Returns the account's id, which is
        that of the account already linked when another sign-in made it first. Raises
        EmailTaken when a (local) account has the address."""

    async def link_identity(
        self, account_id: str, subject_hash: str, provider: str, now: str
    ) -> None:
        """The school account signs in to this account from now on (linking twice is
        fine). Raises IdentityTaken when it is another account's."""

    async def linked_providers(self, account_id: str) -> list[str]:
        """The ids of the providers whose accounts sign in to this one, in order."""

    async def linked_admin_count(self, providers: Collection[str]) -> int:
        """Admins who can sign in with a school account of one of these providers."""

    async def request_approval(self, pending: PendingSignIn, subject_hash: str) -> None:
        """Keeps the request until an admin of the team answers it; a second request of
        the same person changes nothing."""

    async def pending_sign_ins(self, team_id: str) -> list[PendingSignIn]:
        """The team's requests, oldest first."""

    async def approve_sign_in(self, team_id: str, pending_id: str, account_id: str) -> bool:
        """The request becomes a facilitator's account of the team (no password), linked
        to its school account; False when the team has no such request. Raises
        EmailTaken when a (local) account has the address."""

    async def refuse_sign_in(self, team_id: str, pending_id: str) -> bool:
        """The request and what it kept are deleted; False when the team has none such."""

"""The contract of sign-ins with a school's own account, on every store engine: a school
account signs in to one facilitator's account, a request for approval waits per team and
becomes an account only when an admin of that team says so, and no more is kept than the
label the facilitator list shows (store/identities.py)."""

from __future__ import annotations

import asyncio

import pytest
from test_store_contract import store

from server.rules.records import PendingSignIn, Team
from server.store import EmailTaken, IdentityTaken, Store
from server.store.identities import PLACEHOLDER_DOMAIN

__all__ = ["store"]

LINDE = Team("t-linde", "De Linde", "2026-11-01T08:00:00+00:00")
EIK = Team("t-eik", "De Eik", "2026-11-01T08:00:00+00:00")
NOW = "2026-11-29T09:00:00+00:00"


async def with_admin(store: Store) -> None:
    await store.create_account("admin", "admin@linde.example", "hash", True, NOW, LINDE, True)
    await store.create_team(EIK, "admin")


def pending(pending_id: str, team: Team, email: str = "", name: str = "") -> PendingSignIn:
    return PendingSignIn(pending_id, team.id, "entree", email, name, NOW)


async def test_a_first_sign_in_makes_a_facilitator_without_a_password(store: Store) -> None:
    await with_admin(store)
    made = await store.create_identity_account(
        "a1", "jan@linde.example", "Jan", LINDE, "sub-1", "entree", NOW
    )
    assert made == "a1"
    assert await store.account_for_identity("sub-1") == "a1"
    assert await store.account_for_identity("sub-2") is None
    assert await store.linked_providers("a1") == ["entree"]
    # Only the address is kept when there is one: the list shows it, not the name.
    assert ("jan@linde.example", False) in await store.team_members(LINDE.id)
    assert await store.team_members(EIK.id) == [("admin@linde.example", True)]
    # No password: the sign-in form finds the address, but with nothing to verify.
    assert await store.credentials("jan@linde.example") == ("a1", "")


async def test_a_school_account_without_an_address_is_listed_by_its_name(store: Store) -> None:
    await with_admin(store)
    await store.create_identity_account("a1", "", "Jan de Vries", LINDE, "sub-1", "entree", NOW)
    await store.create_identity_account("a2", "", "Jan de Vries", LINDE, "sub-2", "entree", NOW)
    members = await store.team_members(LINDE.id)
    assert members.count(("Jan de Vries", False)) == 2
    token = "token-hash"
    await store.add_login(token, "a1", "2099-01-01T00:00:00+00:00")
    account = await store.account_for_login(token, NOW)
    assert account is not None
    assert (account.email, account.has_password, account.teams) == ("Jan de Vries", False, (LINDE,))
    assert all(PLACEHOLDER_DOMAIN not in label for label, _ in members)


async def test_the_same_person_signing_in_twice_at_once_gets_one_account(store: Store) -> None:
    await with_admin(store)
    made = await asyncio.gather(
        *(
            store.create_identity_account(
                f"a{n}", "jan@linde.example", "", LINDE, "sub-1", "E", NOW
            )
            for n in range(3)
        )
    )
    assert len(set(made)) == 1
    assert await store.account_for_identity("sub-1") == made[0]
    assert len(await store.team_members(LINDE.id)) == 2


async def test_an_address_that_has_a_local_account_is_not_taken_over(store: Store) -> None:
    """Linking goes only through the signed-in owner: a school account claiming the same
    address makes no account and no link."""
    await with_admin(store)
    with pytest.raises(EmailTaken):
        await store.create_identity_account(
            "a1", "ADMIN@linde.example", "", LINDE, "sub-1", "entree", NOW
        )
    assert await store.account_for_identity("sub-1") is None
    assert await store.account_count() == 1


async def test_a_local_account_links_a_school_account_once(store: Store) -> None:
    await with_admin(store)
    assert await store.linked_admin_count(["entree"]) == 0
    await store.link_identity("admin", "sub-1", "entree", NOW)
    await store.link_identity("admin", "sub-1", "entree", NOW)  # twice is fine
    await store.link_identity("admin", "sub-2", "entra", NOW)
    assert await store.account_for_identity("sub-1") == "admin"
    assert await store.linked_providers("admin") == ["entra", "entree"]
    assert await store.linked_admin_count(["entree", "google"]) == 1
    # A provider the operator no longer configures signs nobody in: it does not count.
    assert await store.linked_admin_count(["google"]) == 0
    assert await store.linked_admin_count([]) == 0
    await store.create_identity_account("a1", "jan@linde.example", "", LINDE, "sub-3", "E", NOW)
    with pytest.raises(IdentityTaken):
        await store.link_identity("admin", "sub-3", "entree", NOW)
    assert await store.account_for_identity("sub-3") == "a1"
    assert await store.linked_admin_count(["entree"]) == 1  # a facilitator is no admin


async def test_a_request_waits_for_an_admin_of_its_own_team(store: Store) -> None:
    await with_admin(store)
    await store.request_approval(pending("p1", LINDE, email="jan@linde.example"), "sub-1")
    await store.request_approval(pending("p9", LINDE, email="jan@linde.example"), "sub-1")
    await store.request_approval(pending("p2", LINDE, name="Piet"), "sub-2")
    assert [p.id for p in await store.pending_sign_ins(LINDE.id)] == ["p1", "p2"]
    assert [p.label for p in await store.pending_sign_ins(LINDE.id)] == [
        "jan@linde.example",
        "Piet",
    ]
    assert await store.pending_sign_ins(EIK.id) == []
    assert await store.account_for_identity("sub-1") is None
    # Another team's admin cannot answer it.
    assert not await store.approve_sign_in(EIK.id, "p1", "a1")
    assert not await store.refuse_sign_in(EIK.id, "p1")
    assert await store.approve_sign_in(LINDE.id, "p1", "a1")
    assert not await store.approve_sign_in(LINDE.id, "p1", "a1")
    assert await store.account_for_identity("sub-1") == "a1"
    assert ("jan@linde.example", False) in await store.team_members(LINDE.id)
    assert await store.refuse_sign_in(LINDE.id, "p2")
    assert await store.pending_sign_ins(LINDE.id) == []
    assert await store.account_for_identity("sub-2") is None
    assert ("Piet", False) not in await store.team_members(LINDE.id)


async def test_a_request_whose_address_has_an_account_stays_waiting(store: Store) -> None:
    await with_admin(store)
    await store.request_approval(pending("p1", LINDE, email="admin@linde.example"), "sub-1")
    with pytest.raises(EmailTaken):
        await store.approve_sign_in(LINDE.id, "p1", "a1")
    assert [p.id for p in await store.pending_sign_ins(LINDE.id)] == ["p1"]
    assert await store.account_for_identity("sub-1") is None
    assert await store.account_count() == 1


async def test_linking_answers_a_waiting_request(store: Store) -> None:
    await with_admin(store)
    await store.request_approval(pending("p1", LINDE, name="Beheer"), "sub-1")
    await store.link_identity("admin", "sub-1", "entree", NOW)
    assert await store.pending_sign_ins(LINDE.id) == []

"""Signing in with the school's own account (OpenID Connect): to the provider and back,
then into the account linked to that school account, a new facilitator's account of the
team the operator mapped the school to, or a request an admin of that team approves.

Every refusal is a page in the visitor's language and one log line that names the
provider and the reason, never the person; nothing is created and nobody is signed in.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..rules.records import PendingSignIn
from ..store import EmailTaken, IdentityTaken
from . import auth
from .accounts import is_email, start_signed_in
from .oidc_clients import ProviderUnreachable, client_for, discover, http_errors, redirect_uri
from .pages import page
from .providers import Provider
from .sign_in_flow import Flow, FlowKeeper
from .signed import TEAM_COOKIE, current_account, set_cookie, sign_in_first, utc_now

log = logging.getLogger("draagvlak.oidc")

NAME_LENGTH = 120
# Why a sign-in was refused, and the HTTP status its page has.
STATUS = {
    "unknown_provider": 404,
    "provider_down": 502,
    "state": 400,
    "token": 400,
    "refused": 400,
    "no_team": 403,
    "no_label": 403,
    "email_taken": 409,
    "identity_taken": 409,
    "signed_out": 400,
}


def subject_hash(issuer: str, subject: str) -> str:
    """What the store keeps of a person at a provider (store/identities.py)."""
    return hashlib.sha256(f"oidc:{issuer}\n{subject}".encode()).hexdigest()


def refused(request: Request, provider: Provider | None, reason: str, detail: str = "") -> Response:
    log.warning(
        "school sign-in refused: provider=%s reason=%s%s",
        provider.id if provider else "?",
        reason,
        f" ({detail})" if detail else "",
    )
    return page(request, "signin_problem.html", status=STATUS[reason], reason=reason,
                provider=provider)  # fmt: skip


async def keeper(request: Request) -> FlowKeeper:
    state = request.app.state
    if not hasattr(state, "flow_keeper"):
        state.flow_keeper = FlowKeeper(await state.store.key("oidc-flow"))
    found: FlowKeeper = state.flow_keeper
    return found


def provider_of(request: Request) -> Provider | None:
    found: Provider | None = request.app.state.sign_in.provider(request.path_params["provider"])
    return found


# To the provider -------------------------------------------------------------------------


async def start_sign_in(request: Request) -> Response:
    """The button on the sign-in page (a form post, so another site cannot start it)."""
    to = str((await request.form()).get("next", "/start"))
    return await go_to_provider(request, "signin", to)


async def start_link(request: Request) -> Response:
    """The button on the account page: the school account signs in to this one from now on."""
    if await current_account(request) is None:
        return await sign_in_first(request)
    return await go_to_provider(request, "link", "/account")


async def go_to_provider(request: Request, intent: str, to: str) -> Response:
    provider = provider_of(request)
    if provider is None:
        return refused(request, None, "unknown_provider")
    client = client_for(request, provider)
    flow = Flow(
        provider.id, intent, to if to.startswith("/") and not to.startswith("//") else "/start"
    )
    request.scope["session"] = flow.session  # where Authlib keeps state, nonce and verifier
    try:
        await discover(client, provider)
        response: Response = await client.authorize_redirect(
            request, redirect_uri(request, provider)
        )
    except ProviderUnreachable as error:
        return refused(request, provider, "provider_down", str(error))
    (await keeper(request)).write(request, response, flow)
    return response


# And back --------------------------------------------------------------------------------


async def callback(request: Request) -> Response:
    provider = provider_of(request)
    if provider is None:
        return refused(request, None, "unknown_provider")
    flows = await keeper(request)
    flow = flows.read(request, provider.id)
    if flow is None or request.query_params.get("state") not in flow.states:
        return refused(request, provider, "state", "no flow" if flow is None else "mismatch")
    states = flow.states
    request.scope["session"] = flow.session
    claims = await verified_claims(request, provider)
    if isinstance(claims, str):
        reason, _, detail = claims.partition(":")
        response = refused(request, provider, reason, detail)
    else:
        response = await arrive(request, provider, flow, claims)
    flows.finish(response, states)
    return response


async def verified_claims(request: Request, provider: Provider) -> dict[str, Any] | str:
    """The claims of the ID token Authlib checked (signature against the provider's keys,
    issuer, audience, expiry, nonce; the code exchanged with the PKCE verifier), with the
    userinfo endpoint's for what the token lacks; else "reason:detail"."""
    from authlib.integrations.starlette_client import OAuthError
    from joserfc.errors import JoseError

    client = client_for(request, provider)
    try:
        await discover(client, provider)
        token = await client.authorize_access_token(request)
    except ProviderUnreachable as error:
        return f"provider_down:{error}"
    except OAuthError as error:
        if error.error == "mismatching_state":
            return "state:mismatch"
        return f"refused:{error.error}"
    except (JoseError, ValueError) as error:
        return f"token:{type(error).__name__}"
    except http_errors() as error:
        return f"provider_down:{type(error).__name__}"
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        return "token:no ID token"
    claims = dict(claims)
    # Authlib accepts a foreign audience when azp names us; OpenID Connect Core 3.1.3.7
    # wants our client id among the audiences, and azp as well when there are several.
    aud = claims.get("aud")
    audiences: list[Any] = aud if isinstance(aud, list) else [aud]
    if provider.client_id not in audiences:
        return "token:audience"
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        return "token:azp"
    wanted = {"email", "name", *provider.claims_needed}
    if not wanted & set(claims) - {"sub"} or not provider.claims_needed <= set(claims):
        failures: tuple[type[Exception], ...] = (*http_errors(), ValueError, KeyError)
        try:
            extra = await client.userinfo(token=token)
        except failures:
            extra = {}
        if extra.get("sub") == claims["sub"]:  # another person's answer is no answer
            claims = {**extra, **claims}
    return claims


async def arrive(
    request: Request, provider: Provider, flow: Flow, claims: Mapping[str, Any]
) -> Response:
    store = request.app.state.store
    person = subject_hash(provider.issuer, str(claims["sub"]))
    if flow.intent == "link":
        account = await current_account(request)
        if account is None:
            return refused(request, provider, "signed_out")
        try:
            await store.link_identity(account.id, person, provider.id, utc_now())
        except IdentityTaken:
            return refused(request, provider, "identity_taken")
        log.info("school account linked: provider=%s", provider.id)
        return RedirectResponse("/account?linked=1#school-title", status_code=303)
    account_id = await store.account_for_identity(person)
    if account_id is not None:
        return await start_signed_in(request, account_id, flow.to)
    return await first_sign_in(request, provider, person, claims)


async def first_sign_in(
    request: Request, provider: Provider, person: str, claims: Mapping[str, Any]
) -> Response:
    """Someone the server does not know: into the mapped team, or waiting for its admin."""
    store = request.app.state.store
    rule = provider.rule_for(claims)
    team = await store.team_named(rule.team) if rule else None
    if rule is None or team is None:
        detail = "no rule matches" if rule is None else "the rule's team does not exist"
        return refused(request, provider, "no_team", detail)
    email, name = label_of(claims)
    if not email and not name:
        return refused(request, provider, "no_label")
    if rule.approval:
        pending = PendingSignIn(auth.new_session_id(), team.id, provider.id, email, name,
                                utc_now())  # fmt: skip
        await store.request_approval(pending, person)
        log.info("school sign-in waits for approval: provider=%s", provider.id)
        return page(request, "signin_problem.html", status=202, reason="waiting",
                    provider=provider, team=team)  # fmt: skip
    try:
        account_id = await store.create_identity_account(
            auth.new_session_id(), email, name, team, person, provider.id, utc_now()
        )
    except EmailTaken:
        return refused(request, provider, "email_taken")
    log.info("facilitator account made at first school sign-in: provider=%s", provider.id)
    response = await start_signed_in(request, account_id, "/start")
    set_cookie(request, response, TEAM_COOKIE, team.id, max_age=365 * 24 * 3600)
    return response


def label_of(claims: Mapping[str, Any]) -> tuple[str, str]:
    """The least the facilitator list needs: an e-mail address the provider did not call
    unverified, else a name; never both."""
    email = claims.get("email")
    if isinstance(email, str) and is_email(email.strip()) and claims.get("email_verified", True):
        return email.strip(), ""
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = (claims.get("given_name"), claims.get("family_name"))
        name = " ".join(p for p in parts if isinstance(p, str))
    return "", " ".join(name.split())[:NAME_LENGTH]

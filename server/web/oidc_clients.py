"""Authlib's Starlette clients for the operator's providers, made on first use (Authlib
and httpx2 are imported only when providers are configured), and what we ask of them:
the authorization code flow with PKCE (S256), state and nonce, discovery by issuer."""

from __future__ import annotations

import contextlib
import importlib
from typing import Any

from starlette.requests import Request

from .providers import Provider, origin_of

# The provider's answers (discovery, keys, the token) must come within this many seconds.
PROVIDER_TIMEOUT = 10.0


class ProviderUnreachable(Exception):
    """The provider did not answer, or answered what no provider of that issuer would."""


def http_errors() -> tuple[type[Exception], ...]:
    """What Authlib's HTTP client raises when a provider cannot be reached or answers with
    an error status: httpx2's, or httpx's where Authlib falls back to it."""
    found: list[type[Exception]] = []
    for name in ("httpx2", "httpx"):
        with contextlib.suppress(ImportError):
            found.append(importlib.import_module(name).HTTPError)
    return tuple(found)


def client_for(request: Request, provider: Provider) -> Any:
    """The provider's Authlib client, one per provider and process (it keeps the
    discovery document and the keys it fetched)."""
    state = request.app.state
    if not hasattr(state, "oidc_registry"):
        from authlib.integrations.starlette_client import OAuth

        state.oidc_registry = OAuth()
    registry = state.oidc_registry
    client = registry.create_client(provider.id)
    if client is None:
        client = registry.register(
            provider.id,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=f"{provider.issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": provider.scopes,
                "code_challenge_method": "S256",
                "timeout": PROVIDER_TIMEOUT,
            },
        )
    return client


async def discover(client: Any, provider: Provider) -> dict[str, Any]:
    """The provider's discovery document, fetched once; its issuer must be the one
    configured (OpenID Connect Discovery 1.0, section 4.3), or nothing of it is used."""
    failures: tuple[type[Exception], ...] = (*http_errors(), ValueError)
    try:
        metadata: dict[str, Any] = await client.load_server_metadata()
    except failures as error:
        raise ProviderUnreachable(type(error).__name__) from None
    if str(metadata.get("issuer", "")).rstrip("/") != provider.issuer:
        metadata.clear()  # fetched again next time
        raise ProviderUnreachable("discovery names another issuer")
    if origin_of(str(metadata.get("authorization_endpoint", ""))) != origin_of(provider.issuer):
        # The pages allow forms to lead to the issuer's origin only (headers.py).
        metadata.clear()
        raise ProviderUnreachable("its authorization endpoint is not on the issuer's host")
    return metadata


def redirect_uri(request: Request, provider: Provider) -> str:
    """Where the provider sends the browser back: registered with the provider as is."""
    public = request.app.state.settings.public_url.rstrip("/")
    base = public or f"{request.url.scheme}://{request.url.netloc}"
    return f"{base}/signin/oidc/{provider.id}/callback"

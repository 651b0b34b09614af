"""The application: every route in one list, shared resources opened in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from ..config import Settings
from ..live.hub import open_hub
from ..live.registry import LiveSessions
from ..live.retention import forget_expired, keep_retention
from ..packs import load_packs
from ..rules.state import Limits
from ..screens.i18n import load_translators
from ..screens.render import Renderer
from ..store import open_store
from . import accounts, approvals, console, evaluation, oidc, pages, register, review, tracker
from .auth import Signer
from .guards import AllowedHosts, RequestGuard
from .headers import SecurityHeaders
from .limits import RateLimits
from .providers import load_sign_in_options
from .socket import LiveSocketApp
from .stream import LiveStreamApp, send_message


def create_app(settings: Settings) -> Starlette:
    # Packs and templates are read before the server listens: a broken file stops start-up.
    packs = load_packs(settings.packs_dir)
    translators = load_translators()
    renderer = Renderer(settings.templates_dir, translators)
    limits = Limits(settings.max_answer_length, settings.max_answers_per_prompt)
    sign_in = load_sign_in_options(settings.oidc_config)
    # Counted where the hub is: with several processes, in Redis, for all of them.
    rate_limits = RateLimits(settings.hub_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = open_store(settings.store_url)
        hub = open_hub(settings.hub_url)
        await store.open()
        try:
            await hub.start()
        except BaseException:
            await store.close()  # a hub that does not start leaves no store half open
            raise
        app.state.store = store
        app.state.signer = Signer(await store.key("signing"))
        await rate_limits.open(await store.key("limits"))
        app.state.sessions = LiveSessions(
            store=store,
            hub=hub,
            renderer=renderer,
            limits=limits,
            join_key=app.state.signer.join_key,
            max_participants=settings.max_participants,
        )
        # The first pass before the server listens: nothing expired is shown again.
        await forget_expired(store, app.state.sessions, settings.retention_days)
        retention = asyncio.create_task(
            keep_retention(store, app.state.sessions, settings.retention_days)
        )
        try:
            yield
        finally:
            retention.cancel()
            # Stop the session writers first: they may still be saving.
            await app.state.sessions.close()
            await hub.stop()
            await rate_limits.close()
            await store.close()

    routes = [
        Route("/", pages.join_page),
        Route("/j/{code}", pages.phone_page),
        Route("/start", pages.start_page),
        Route("/sessions", pages.create_session, methods=["POST"]),
        Route("/s/{session_id}/ballot/{item}", pages.ballot_answers),
        Route("/s/{session_id}/console", console.console_page),
        Route("/s/{session_id}/screen", console.screen_page),
        Route("/s/{session_id}/packs", console.save_console_pack, methods=["POST"]),
        Route("/s/{session_id}/share", review.make_share_link, methods=["POST"]),
        Route("/s/{session_id}/share/revoke", review.revoke_share_links, methods=["POST"]),
        Route("/s/{session_id}/delete", console.delete_session, methods=["POST"]),
        Route("/r/{token}", review.review_page),
        Route("/r/{token}/outcome.{kind}", review.export),
        WebSocketRoute("/s/{session_id}/ws", LiveSocketApp()),
        # The same, for networks that block websockets: events down, posts up.
        Route("/s/{session_id}/events", LiveStreamApp()),
        Route("/s/{session_id}/send", send_message, methods=["POST"]),
        # Facilitators' accounts (participants never sign in).
        Route("/setup", accounts.setup_page, methods=["GET", "POST"]),
        Route("/signin", accounts.signin_page, methods=["GET", "POST"]),
        Route("/signout", accounts.signout, methods=["POST"]),
        Route("/account", accounts.account_page),
        Route("/account/password", accounts.change_password, methods=["POST"]),
        Route("/account/team", accounts.choose_team, methods=["POST"]),
        Route("/account/teams", accounts.make_team, methods=["POST"]),
        Route("/account/invite", accounts.make_invite, methods=["POST"]),
        Route("/invite/{token}", accounts.invite_page, methods=["GET", "POST"]),
        # Signing in with the school's own account (OpenID Connect), and approving it.
        Route("/signin/oidc/{provider}", oidc.start_sign_in, methods=["POST"]),
        Route("/signin/oidc/{provider}/callback", oidc.callback),
        Route("/account/link/{provider}", oidc.start_link, methods=["POST"]),
        Route("/account/requests/{pending_id}/{answer}", approvals.answer, methods=["POST"]),
        # The team's memory: its register of agreements and its actions (a team's pages
        # need a signed-in facilitator; /t/ and /feed/ are secret, revocable, read-only links).
        Route("/team/register", register.register_page),
        Route("/team/register/print", register.register_page),
        Route("/team/register.{kind}", register.register_export),
        Route("/team/register/{agreement_id}/retire", register.retire_agreement, methods=["POST"]),
        Route("/team/register/{agreement_id}/review", register.set_review_date, methods=["POST"]),
        Route("/team/review-period", register.set_review_period, methods=["POST"]),
        Route("/team/register/{agreement_id}/action", evaluation.act_on_rating, methods=["POST"]),
        Route("/team/evaluate", evaluation.evaluate_page),
        Route("/team/evaluate", evaluation.start_evaluation, methods=["POST"]),
        Route("/team/share", register.make_share_link, methods=["POST"]),
        Route("/team/share/revoke", register.revoke_share_links, methods=["POST"]),
        Route("/t/{token}", register.shared_team_page),
        Route("/team/actions", tracker.actions_page),
        Route("/team/actions.ics", tracker.team_calendar),
        Route("/team/actions/{action_id}/status", tracker.set_status, methods=["POST"]),
        Route("/team/feed", tracker.make_feed, methods=["POST"]),
        Route("/team/feed/revoke", tracker.revoke_feeds, methods=["POST"]),
        Route("/feed/{token}.ics", tracker.feed),
        Route("/lang/{locale}", pages.set_language),
        Route("/healthz", pages.health),
        Mount("/static", StaticFiles(directory=settings.static_dir), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders, form_targets=sign_in.origins),
        Middleware(
            RequestGuard,
            max_body=settings.max_body_bytes,
            hosts=AllowedHosts.from_settings(settings.allowed_hosts, settings.public_url),
            translators=translators,
            timeout=settings.request_timeout,
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.settings = settings
    app.state.sign_in = sign_in
    app.state.packs = packs
    app.state.renderer = renderer
    app.state.rate_limits = rate_limits
    app.state.failed_joins = rate_limits.limiter(
        "failed_joins", settings.failed_joins_per_minute, 60
    )
    app.state.joins = rate_limits.limiter("joins", settings.joins_per_minute, 60)
    app.state.answers = rate_limits.limiter("answers", settings.answers_per_minute, 60)
    app.state.streams = {}  # open event streams by name (stream.py)
    return app

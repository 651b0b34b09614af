"""Who is on the other end of a live connection, and what they send: shared by both doors,
the websocket (socket.py) and its fallback for networks that block websockets (stream.py).
"""

from __future__ import annotations

import logging

from starlette.requests import HTTPConnection

from ..live.presence import Client, View
from ..live.protocol import ProtocolError, parse_message
from ..live.session import LiveSession
from ..rules import SubmitAnswer
from ..rules.state import Actor, Rejection, Role
from ..screens.i18n import LOCALES, pick_locale
from . import auth
from .limits import Limiter

log = logging.getLogger("draagvlak.socket")


def view_of(connection: HTTPConnection) -> View | None:
    try:
        return View(connection.query_params.get("view", ""))
    except ValueError:
        return None


def identify(
    connection: HTTPConnection, live: LiveSession, view: View, signer: auth.Signer
) -> Actor | None:
    """The actor a connection's cookie proves, or None."""
    if view is View.PHONE:
        # Only a token the join page made: nobody becomes a participant without joining.
        token = connection.cookies.get(auth.participant_cookie(live.id))
        if not signer.is_participant_token(live.id, token):
            return None
        return Actor(Role.PARTICIPANT, auth.pseudonym_for(token or ""))
    secret = connection.cookies.get(auth.facilitator_cookie(live.id))
    if not signer.is_facilitator(live.id, secret, live.record.facilitator_hash):
        return None
    return Actor(Role.FACILITATOR)


def locale_of(connection: HTTPConnection) -> str:
    """The page's language, carried on the URL: browsers do not reliably send
    Accept-Language with a websocket handshake."""
    requested = connection.query_params.get("lang")
    if requested in LOCALES:
        return requested
    return pick_locale(connection.cookies.get("dv_lang"), connection.headers.get("accept-language"))


async def take_message(
    live: LiveSession, client: Client, raw: str | bytes, max_bytes: int, answers: Limiter
) -> None:
    """One message from a client, through either door: refused here with a receipt when
    it is malformed or too fast, otherwise handed to the session's writer."""
    try:
        message = parse_message(raw, max_bytes)
    except ProtocolError as error:
        # Logged without its content: an answer's text could point at its author.
        log.info("session %s: refused a message (%s)", live.id, error.reason)
        client.outbox.put(live.reply(client, error.msg_id, Rejection(error.reason)))
        return
    if isinstance(message.command, SubmitAnswer):
        wait = await answers.retry_after(client.actor.pseudonym)
        if wait:
            refusal = Rejection("slow_down", {"seconds": wait})
            client.outbox.put(live.reply(client, message.msg_id, refusal))
            return
    live.submit(client, message)

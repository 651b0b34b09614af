"""`redis://` and `rediss://`: processes that share one Redis server share every frame.

Design, and what it guarantees:

- Every process PSUBSCRIBEs one pattern, `draagvlak:<db>:*`, on one connection of its own
  and so receives every session's frames; the hub drops those without a local subscriber.
  The database number is in the prefix because Redis pub/sub ignores it: two servers on
  `/0` and `/1` stay apart. Fan-in cost: each process reads and decodes every frame
  published anywhere (N processes, N copies); subscribing per session instead would need
  subscribe/unsubscribe in the `Backend` interface, as in encode/broadcaster.
- A message is the hub's channel (in the Redis channel's name) and
  `[origin, [[text, key, ends_message], ...]]` as compact JSON.
- A publish is delivered in its own process at once, as `memory://` does, and reaches the
  other processes through Redis; the listener skips its own origin. So within a process a
  connection that subscribes right after reading the state neither misses nor repeats an
  update, and no frame arrives twice. Publishes of one process go to Redis in the order
  they were made (one sender task, one pipeline per batch of waiting publishes), and
  Redis keeps that order for every subscriber.
- At most once across processes: Redis pub/sub keeps nothing, and a publish is never
  retried (a retry after a lost reply could deliver twice). Frames published while a
  process is not subscribed never reach it.
- Redis restarted or unreachable: the listener logs one line, connects again with
  backoff (0.1 s doubling to 5 s), subscribes again and logs that it is back. A silent
  connection is found by a PING after 2 s without traffic. Until it is subscribed again,
  `publish` still delivers locally and then raises `HubUnavailable` at once, without
  waiting on the network: the store has already committed, so the writer reports
  "saved, but could not show the change" and other processes' screens stay stale until
  their next update or reconnect (every connection gets the full state when it opens).
- `start()` fails when Redis does not answer: a wrong URL stops start-up. `stop()` ends
  both tasks and closes the connections; nothing is delivered after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from ..outbox import Frame
from .base import Deliver

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
# A publish that gets no reply within this long fails (Redis hangs, network gone).
REPLY_TIMEOUT = 2.0
# Without traffic for this long the listener sends a PING; silent for twice as long, the
# connection counts as lost.
PING_EVERY = 2.0
BACKOFF_FIRST, BACKOFF_MAX = 0.1, 5.0


class HubUnavailable(ConnectionError):
    """Redis cannot be reached: this publish reached only this process."""


class RedisBackend:
    is_shared = True

    def __init__(self, url: str) -> None:
        # Reconnecting is ours to do (the listener); redis-py retrying a command could
        # send a publish twice.
        self._client = Redis.from_url(
            url,
            retry=Retry(NoBackoff(), 0),
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=REPLY_TIMEOUT,
        )
        settings = self._client.connection_pool.connection_kwargs
        self._address = f"{settings.get('host', '?')}:{settings.get('port', '?')}"
        self._prefix = f"draagvlak:{settings.get('db', 0)}:"
        self._origin = secrets.token_hex(8)
        self._deliver: Deliver | None = None
        self._resubscribed: Callable[[], None] | None = None
        self._is_subscribed = False
        self._pubsub: PubSub | None = None
        self._outgoing: list[tuple[str, bytes, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def is_subscribed(self) -> bool:
        """Whether frames published by other processes reach this one now."""
        return self._is_subscribed

    async def start(self, deliver: Deliver, resubscribed: Callable[[], None]) -> None:
        try:
            self._pubsub = await self._subscribe()
        except (RedisError, OSError) as error:
            await self._client.aclose()
            raise HubUnavailable(f"no Redis hub at {self._address}: {error}") from error
        self._deliver = deliver
        self._resubscribed = resubscribed
        self._is_subscribed = True
        self._tasks = [
            asyncio.create_task(self._listen(), name="hub: Redis listener"),
            asyncio.create_task(self._send(), name="hub: Redis sender"),
        ]
        for task in self._tasks:
            task.add_done_callback(self._died)

    async def stop(self) -> None:
        self._deliver = None
        self._resubscribed = None
        self._is_subscribed = False
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.remove_done_callback(self._died)
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # Publishes still waiting are dropped, as after stop.
        outgoing, self._outgoing = self._outgoing, []
        for _, _, done in outgoing:
            if not done.done():
                done.set_result(None)
        await self._close_pubsub()
        await self._client.aclose()

    async def publish(self, channel: str, frames: list[Frame]) -> None:
        if self._deliver is None:
            return
        self._deliver(channel, frames)
        if not self._is_subscribed:
            raise HubUnavailable(f"Redis hub at {self._address} is unreachable")
        items = [[frame.text, frame.key, frame.ends_message] for frame in frames]
        payload = json.dumps([self._origin, items], ensure_ascii=False, separators=(",", ":"))
        done = asyncio.get_running_loop().create_future()
        self._outgoing.append((self._prefix + channel, payload.encode(), done))
        self._wake.set()
        await done

    async def ping(self) -> None:
        """Redis answers a PING within REPLY_TIMEOUT and the listener is subscribed;
        raises HubUnavailable otherwise."""
        if not self._is_subscribed:
            raise HubUnavailable(f"Redis hub at {self._address} is unreachable")
        try:
            async with asyncio.timeout(REPLY_TIMEOUT):
                await self._client.ping()
        except (RedisError, OSError) as error:  # TimeoutError is an OSError
            raise HubUnavailable(f"Redis hub at {self._address}: {type(error).__name__}") from None

    # The sender ----------------------------------------------------------------------

    async def _send(self) -> None:
        """Sends every waiting publish in one pipeline, batch after batch, in order."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._outgoing = self._outgoing, []
            failure: Exception | None = None
            try:
                async with self._client.pipeline(transaction=False) as pipe:
                    for channel, payload, _ in batch:
                        pipe.publish(channel, payload)
                    await pipe.execute()
            except Exception as error:  # handed to every waiting publisher, never lost
                failure = error
            for _, _, done in batch:
                if done.done():
                    continue
                if failure is None:
                    done.set_result(None)
                elif isinstance(failure, (RedisError, OSError)):
                    message = f"Redis hub at {self._address}: {type(failure).__name__}"
                    done.set_exception(HubUnavailable(f"{message}: {failure}"))
                else:
                    done.set_exception(RuntimeError(f"the Redis hub failed: {failure!r}"))

    # The listener --------------------------------------------------------------------

    async def _listen(self) -> None:
        """Hands on what others published; subscribes again, with backoff, when the
        connection is lost."""
        loop = asyncio.get_running_loop()
        failures = 0
        lost_at = 0.0
        while True:
            try:
                if self._pubsub is None:
                    self._pubsub = await self._subscribe()
                    self._is_subscribed = True
                    log.info(
                        "hub: Redis at %s is back after %.1f s",
                        self._address,
                        loop.time() - lost_at,
                    )
                    failures = 0
                    if self._resubscribed is not None:
                        self._resubscribed()
                await self._receive(self._pubsub)
            except (RedisError, OSError) as error:
                self._is_subscribed = False
                await self._close_pubsub()
                if failures == 0:
                    lost_at = loop.time()
                    log.warning(
                        "hub: lost Redis at %s (%s); reconnecting",
                        self._address,
                        type(error).__name__,
                    )
                await asyncio.sleep(min(BACKOFF_MAX, BACKOFF_FIRST * 2**failures))
                failures += 1

    async def _subscribe(self) -> PubSub:
        pubsub = self._client.pubsub()
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await pubsub.psubscribe(self._prefix + "*")
                # Subscribed once Redis confirms; only then can nothing be missed.
                while True:
                    message = await pubsub.get_message(timeout=CONNECT_TIMEOUT)
                    if message is not None and message["type"] == "psubscribe":
                        return pubsub
        except BaseException as error:
            await pubsub.aclose()
            if isinstance(error, TimeoutError):
                raise HubUnavailable(f"Redis at {self._address} did not answer") from error
            raise

    async def _receive(self, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        heard = loop.time()
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=PING_EVERY)
            if message is None:
                if loop.time() - heard > 2 * PING_EVERY:
                    raise HubUnavailable(f"Redis at {self._address} stopped answering")
                await pubsub.ping()
                continue
            heard = loop.time()
            if message["type"] == "pmessage":
                self._take(message["channel"], message["data"])

    def _take(self, name: bytes, data: bytes) -> None:
        channel = name.decode()[len(self._prefix) :]
        try:
            origin, items = json.loads(data)
            frames = [Frame(text, key, ends) for text, key, ends in items]
        except (ValueError, TypeError):
            log.error("hub: skipped a malformed message on %s", channel)
            return
        if origin != self._origin and self._deliver is not None:
            self._deliver(channel, frames)

    async def _close_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()

    def _died(self, task: asyncio.Task[Any]) -> None:
        """A background task that ends by itself is a bug: say so, and stop publishing."""
        self._is_subscribed = False
        if task.cancelled():
            log.error("hub: %s was cancelled", task.get_name())
        else:
            log.error("hub: %s stopped", task.get_name(), exc_info=task.exception())

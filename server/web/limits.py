"""Rate limits (joins, mistyped join codes, answers, sign-in attempts): at most so many
events per window for each key, counted in this process, or in Redis so that every process
behind a load balancer counts them together.

`RateLimits` is chosen by the hub's URL, as the hub is: `memory://` counts here, `redis://`
in Redis (a sorted set of event times per key, pruned, counted and added to by one Lua
script, so two processes never both take the last place). Redis holds no address, e-mail
address or pseudonym: keys and tags are HMACs under a key of this installation, and each
set expires with its window.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("draagvlak.limits")

# A Redis that does not answer within this long counts as down, and is not asked again
# for DOWN_SECONDS: a dead Redis must not slow every join by a timeout.
REPLY_TIMEOUT = 1.0
DOWN_SECONDS = 5.0
# Prunes the events that left the window; then, for "wait" and "take", answers how many
# seconds until the next event is allowed when the window is full; then "take" and
# "record" count one event (a tag already counted in the window is not counted again).
SCRIPT = """
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local limit, window, mode = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if mode ~= 'record' then
  if redis.call('ZCARD', KEYS[1]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) / 1000))
  end
  if mode == 'wait' then return 0 end
end
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 0
"""


class LimitsUnavailable(ConnectionError):
    """The shared count cannot be read (Redis does not answer) and this limit refuses
    rather than count alone."""


class WhenDown(Enum):
    """What a shared limit does while Redis does not answer.

    HERE: counts in this process alone until Redis is back (logged once). A school's
    session must not stop because a counter is missing; the limit still holds per
    process, so N processes allow at most N times as many guesses for those seconds.
    REFUSE: refuses every event (LimitsUnavailable). For passwords: a guesser could
    otherwise multiply the attempts by the number of processes, and a facilitator who
    waits a minute loses little (sessions already open go on)."""

    HERE = "here"
    REFUSE = "refuse"


class Limiter(Protocol):
    async def retry_after(self, key: str) -> int:
        """0 when this event may happen now (and counts it), else seconds to wait."""

    async def wait(self, key: str) -> int:
        """Seconds until the next event is allowed; 0 now. Counts nothing."""

    async def record(self, key: str, tag: str | None = None) -> None:
        """Counts an event; one with a tag already counted in the window is not counted
        again (the same mistyped code, tried twice, is one mistake)."""


class MemoryLimiter:
    """At most `limit` events per `window` seconds for each key, in a sliding window, in
    this process."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[str, deque[tuple[float, str | None]]] = {}

    async def retry_after(self, key: str) -> int:
        wait = await self.wait(key)
        if not wait:
            await self.record(key)
        return wait

    async def wait(self, key: str) -> int:
        now = self.clock()
        events = self._events.get(key)
        if not events:
            return 0
        while events and events[0][0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return max(1, math.ceil(events[0][0] + self.window - now))
        return 0

    async def record(self, key: str, tag: str | None = None) -> None:
        now = self.clock()
        events = self._events.setdefault(key, deque())
        if tag is not None and any(t == tag and at > now - self.window for at, t in events):
            return
        events.append((now, tag))
        if len(self._events) > 100_000:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, e in self._events.items() if not e or e[-1][0] <= now - self.window]
        for key in idle:
            del self._events[key]


class RateLimits:
    """Makes the app's limiters, all counted where the hub's URL says; `open` before the
    first event is counted (in the lifespan: Redis needs the running loop), `close` after."""

    def __init__(self, hub_url: str) -> None:
        self.url = hub_url if hub_url.startswith(("redis://", "rediss://")) else ""
        self.redis: Redis | None = None
        self.secret = b""
        self._down_until = 0.0
        self.is_down = False

    @property
    def is_shared(self) -> bool:
        return bool(self.url)

    def limiter(
        self, name: str, limit: int, window: float, when_down: WhenDown = WhenDown.HERE
    ) -> Limiter:
        if not self.is_shared:
            return MemoryLimiter(limit, window)
        return SharedLimiter(self, name, limit, window, when_down)

    async def open(self, secret: bytes) -> None:
        """`secret`: the same in every process (the store's key), so that they name a key
        alike in Redis."""
        if not self.is_shared:
            return
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.secret = secret
        # No retries: a command sent twice would count an event twice.
        self.redis = Redis.from_url(
            self.url,
            retry=Retry(NoBackoff(), 0),
            socket_connect_timeout=REPLY_TIMEOUT,
            socket_timeout=REPLY_TIMEOUT,
        )

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
            self.redis = None

    def name(self, *parts: str) -> str:
        """An HMAC of the parts: what Redis holds instead of an address or a pseudonym."""
        text = "\x00".join(parts).encode()
        return hmac.new(self.secret, text, hashlib.sha256).hexdigest()[:32]

    async def run(self, key: str, limit: int, window: float, mode: str, member: str) -> int:
        """The script on `key`; raises LimitsUnavailable while Redis does not answer."""
        from redis.exceptions import RedisError

        if self.redis is None or time.monotonic() < self._down_until:
            raise LimitsUnavailable("Redis does not answer")
        try:
            found = await self.redis.eval(
                SCRIPT, 1, key, limit, math.ceil(window * 1000), mode, member
            )
        except (RedisError, OSError) as error:  # a timeout is an OSError
            self._down_until = time.monotonic() + DOWN_SECONDS
            if not self.is_down:
                self.is_down = True
                log.warning("limits: Redis does not answer (%s)", type(error).__name__)
            raise LimitsUnavailable("Redis does not answer") from None
        if self.is_down:
            self.is_down = False
            log.info("limits: Redis answers again; limits are shared again")
        return int(found)


class SharedLimiter:
    """A limiter counted in Redis, for every process; while Redis does not answer, as
    `when_down` says (WhenDown)."""

    def __init__(
        self, limits: RateLimits, name: str, limit: int, window: float, when_down: WhenDown
    ) -> None:
        self.limits = limits
        self.name = name
        self.limit = limit
        self.window = window
        self.when_down = when_down
        self.here = MemoryLimiter(limit, window)

    async def retry_after(self, key: str) -> int:
        return await self._run("take", key, None)

    async def wait(self, key: str) -> int:
        return await self._run("wait", key, None)

    async def record(self, key: str, tag: str | None = None) -> None:
        await self._run("record", key, tag)

    async def _run(self, mode: str, key: str, tag: str | None) -> int:
        limits = self.limits
        redis_key = f"draagvlak:limit:{self.name}:{limits.name(self.name, key)}"
        member = f"t:{limits.name(self.name, key, tag)}" if tag else f"e:{secrets.token_hex(8)}"
        try:
            return await limits.run(redis_key, self.limit, self.window, mode, member)
        except LimitsUnavailable:
            if self.when_down is WhenDown.REFUSE:
                raise
        if mode == "take":
            return await self.here.retry_after(key)
        if mode == "wait":
            return await self.here.wait(key)
        await self.here.record(key, tag)
        return 0

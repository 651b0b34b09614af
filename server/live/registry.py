"""The sessions running in this process, each loaded from the store on first use."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ..rules.state import Limits, Phase
from ..screens.render import Renderer
from ..store import Store
from .hub import Hub
from .session import LiveSession


class LiveSessions:
    def __init__(
        self,
        *,
        store: Store,
        hub: Hub,
        renderer: Renderer,
        limits: Limits,
        join_key: Callable[[str], str],
        max_participants: int = 2000,
    ) -> None:
        self.max_participants = max_participants
        # The QR code's key per session (made by the web door, which signs it).
        self.join_key = join_key
        self.store = store
        self.hub = hub
        self.renderer = renderer
        self.limits = limits
        self._running: dict[str, LiveSession] = {}
        self._lock = asyncio.Lock()
        # Other processes' notices were lost for a while: every session reads its journal.
        hub.when_resubscribed(self._heard_again)

    def _heard_again(self) -> None:
        for live in self._running.values():
            if live.follower is not None:
                live.follower.heard()

    async def get(self, session_id: str, base_url: str = "") -> LiveSession | None:
        live = self._running.get(session_id)
        if live is None:
            async with self._lock:
                live = self._running.get(session_id)
                if live is None:
                    loaded = await self.store.load_session(session_id)
                    if loaded is None:
                        return None
                    took_part = 0
                    if loaded.record.phase is Phase.ENDED:
                        outcome = await self.store.outcome(session_id) or {}
                        took_part = outcome.get("session", {}).get("participants", 0)
                    live = LiveSession(
                        loaded,
                        store=self.store,
                        hub=self.hub,
                        renderer=self.renderer,
                        limits=self.limits,
                        base_url=base_url,
                        join_key=self.join_key(session_id),
                        max_participants=self.max_participants,
                        took_part=took_part,
                    )
                    if loaded.record.team_id and loaded.record.phase is not Phase.ENDED:
                        live.screens.agreements = await self.agreements(loaded.record.team_id)
                    self._running[session_id] = live
        if base_url and not live.base_url:
            live.base_url = base_url
        return live

    async def agreements(self, team_id: str) -> tuple[tuple[str, str], ...]:
        """The team's agreements in force, newest first: a decision may propose to change one."""
        found = [a for a in await self.store.agreements(team_id) if a.is_current]
        found.sort(key=lambda a: a.agreed_at, reverse=True)
        return tuple((a.id, a.text) for a in found)

    async def forget(self, session_id: str) -> None:
        """Stops a session that was deleted; its connections are closed."""
        live = self._running.pop(session_id, None)
        if live is not None:
            live.end_connections()
            await live.close()

    async def close(self) -> None:
        for live in self._running.values():
            await live.close()
        self._running.clear()

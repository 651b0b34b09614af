"""Values computed from immutable objects, found again by the objects' identity."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class IdentityCache(Generic[T]):
    """Values computed from immutable objects, found again by the objects' identity.

    States that differ only in other fields (a burst of votes, a thousand phones rendered
    from one state) share their unchanged mappings, so what was computed from them is
    found again. The latest few entries are kept, enough for every session that is busy
    at once; each holds its objects, so their ids cannot be reused while they are keys."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._entries: dict[tuple[Hashable, ...], tuple[tuple[object, ...], T]] = {}

    def get(self, objects: tuple[object, ...], extra: Hashable, compute: Callable[[], T]) -> T:
        key = (*(id(o) for o in objects), extra)
        found = self._entries.get(key)
        if found is not None:
            return found[1]
        value = compute()
        if len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (objects, value)
        return value

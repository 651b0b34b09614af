"""Suggested groups for short Dutch and English answers, computed on this server."""

from __future__ import annotations

from .groups import Suggestion, suggest_groups

__all__ = ["Suggestion", "suggest_groups"]

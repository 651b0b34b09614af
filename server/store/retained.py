"""What retention leaves of a saved outcome, the same for every engine: groups keep their
label and count; answers on their own go, and so do the texts of every answer."""

from __future__ import annotations

from typing import Any


def without_raw_answers(outcome: dict[str, Any]) -> dict[str, Any]:
    """The outcome as retention leaves it: groups keep their label and count; answers that
    stood on their own go, and so do the texts of every answer."""
    for prompt in outcome.get("prompts", []):
        prompt["items"] = [
            {**item, "answers": []} for item in prompt.get("items", []) if not _is_loose(item)
        ]
    return outcome


def _is_loose(item: dict[str, Any]) -> bool:
    if "kind" in item:
        return bool(item["kind"] == "answer")
    # Outcomes saved before items had a kind: a loose answer is labelled with its own text.
    return bool(item.get("answers") == [item.get("label")])

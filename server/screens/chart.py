"""A small line chart of an agreement's ratings over time, drawn here as SVG: no chart
service, no script, and nothing but presentation attributes (the page's CSP allows no
inline styles). Ratings below the floor are gaps with their count, never a point."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from ..rules.ratings import Rating

WIDTH, HEIGHT = 320, 120
LEFT, RIGHT, TOP, BOTTOM = 28, 12, 10, 26


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if count == 1 else span * index / (count - 1))


def _y(mean: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (5 - mean) / 4


def ratings_chart(
    ratings: Sequence[Rating], title: str, hidden_label: str, decimal_mark: str = "."
) -> str:
    """The ratings as an SVG line from 1 to 5, oldest left; `title` names it for screen
    readers; `hidden_label` is said of a moment below the floor ("too few")."""
    count = len(ratings)
    parts = [
        f'<svg class="ratings-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}"'
        f' height="{HEIGHT}" role="img" aria-label="{escape(title)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
    ]
    for value in range(1, 6):
        y = _y(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"'
            ' stroke="#d0d4dc" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="11"'
            f' fill="#4a5160">{value}</text>'
        )
    points = [(_x(i, count), _y(r.mean)) for i, r in enumerate(ratings) if r.mean is not None]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f5fa8" stroke-width="2.5"/>')
    for index, rating in enumerate(ratings):
        x = _x(index, count)
        when = date.fromisoformat(rating.rated_at[:10]).strftime("%d-%m-%y")
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="11"'
            f' fill="#4a5160">{when}</text>'
        )
        if rating.mean is None:
            parts.append(
                f'<text x="{x:.1f}" y="{_y(3) + 4:.1f}" text-anchor="middle" font-size="11"'
                f' fill="#6b7280">{escape(hidden_label)}</text>'
            )
        else:
            y = _y(rating.mean)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#1f5fa8"/>'
                f'<text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle" font-size="12"'
                f' font-weight="700" fill="#1d2430">'
                f"{f'{rating.mean:.1f}'.replace('.', decimal_mark)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)

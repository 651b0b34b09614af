"""HTML for pages and pushed fragments, from the same Jinja2 partials, once per audience.

One Jinja2 environment per language is built at start-up. A partial rendered with
`oob=True` carries `hx-swap-oob`, so htmx swaps it by id when it arrives on the socket.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..rules import actions, asking, consent, room, voting
from ..rules.questions import Ask, Kind
from ..rules.state import Answer, Level, Phase, Projection, Reveal, Timer
from .chart import ratings_chart
from .i18n import LANGUAGE_NAMES, LOCALES, N_, Translator

# Rendered fragments kept (about 1 KB each): two full boards of 1,000 cards and more.
MAX_FRAGMENTS = 5000


def deciding_helpers() -> dict[str, Any]:
    """Pure readers of the state that the voting and deciding templates use."""
    return {
        "vote_items": voting.items,
        "tally": voting.tally,
        "voter_count": voting.voter_count,
        "is_below_floor": voting.is_below_floor,
        "dots_of": voting.dots_of,
        "latest_round": consent.latest_round,
        "consent_counts": consent.counts,
        "consent_responses": consent.responses,
        "decision_status": consent.status,
        "decisions_for": consent.decisions_for,
        "agreed_decisions": actions.agreed_decisions,
        "running_timer": room.running_timer,
        "is_timed_phase": room.is_timed_phase,
        "seconds_left": seconds_left,
        "server_now_ms": lambda: round(time.time() * 1000),
        "pickers": asking.pickers,
        "is_pick_below_floor": asking.is_pick_below_floor,
        "distribution": asking.distribution,
        "scale_mean": asking.mean,
        "word_cloud": asking.cloud,
        "Level": Level,
        "Kind": Kind,
        "Projection": Projection,
    }


def seconds_left(timer: Timer) -> int:
    """Whole seconds until the timer ends, as a page shows them before its script runs."""
    return max(0, round(timer.ends_at - time.time()))


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def pick_label(index: int, ask: Ask) -> str:
    return ask.values[index] if 0 <= index < len(ask.values) else ""


def day_month_year(iso: str) -> str:
    """2027-03-05 as 05-03-2027, the way a due date is typed back into its field."""
    year, _, rest = iso.partition("-")
    month, _, day = rest.partition("-")
    return f"{day}-{month}-{year}" if iso else ""


CHART_TITLE = N_("Ratings over time, from 1 (hardly) to 5 (fully)")
TOO_FEW = N_("too few")


def chart_in(translator: Translator, ratings: Any) -> Markup:
    """An agreement's ratings over time as SVG, labelled in the reader's language."""
    mark = translator.decimal(1.5)[1]
    title, few = translator.gettext(CHART_TITLE), translator.gettext(TOO_FEW)
    return Markup(ratings_chart(ratings, title, few, mark))


def format_code(code: str) -> str:
    """123456 reads as "123 456": easier to copy from a screen at the back of a room."""
    return f"{code[:3]} {code[3:]}"


class Renderer:
    def __init__(self, templates_dir: Path, translators: Mapping[str, Translator]) -> None:
        self.translators = translators
        self._fragments: dict[tuple[object, ...], Markup] = {}
        self._envs = {
            locale: self._make_env(templates_dir, translators[locale]) for locale in LOCALES
        }

    def _make_env(self, templates_dir: Path, translator: Translator) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates_dir),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_callables(  # type: ignore[attr-defined]
            translator.gettext, translator.ngettext, newstyle=True
        )
        env.filters["number"] = translator.number
        env.filters["date"] = translator.date
        env.filters["code"] = format_code
        env.filters["day_month_year"] = day_month_year
        env.filters["decimal"] = translator.decimal
        env.filters["pick_label"] = pick_label
        env.globals.update(deciding_helpers())
        env.globals.update(
            locale=translator.locale,
            locales=LOCALES,
            language_names=LANGUAGE_NAMES,
            Phase=Phase,
            Reveal=Reveal,
            fragment=functools.partial(self.fragment, translator.locale),
            ratings_chart=functools.partial(chart_in, translator),
        )
        return env

    def template(self, name: str, locale: str) -> jinja2.Template:
        return self._envs[locale].get_template(name)

    def render(self, template: str, locale: str, **context: Any) -> str:
        return self.template(template, locale).render(**context)

    def fragment(self, locale: str, template: str, **context: Any) -> Markup:
        """A small partial that recurs in big ones, rendered once per distinct input.

        The grouping board goes out after every move with up to a thousand cards, and a
        ballot after every dot: their cards and rows are mostly the ones sent before.
        `context` must say everything the partial shows (lists count as their items)."""
        key = (locale, template, *((k, _hashable(v)) for k, v in sorted(context.items())))
        found = self._fragments.get(key)
        if found is None:
            if len(self._fragments) >= MAX_FRAGMENTS:
                self._fragments.clear()
            found = self._fragments[key] = Markup(self.render(template, locale, **context))
        return found

    def answer_item(
        self, answer: Answer, oob: str | None = None, locale: str = "en", is_moderated: bool = False
    ) -> str:
        """A card on the wall; the console's has a Hide button in the console's language."""
        return self.render("_answer.html", locale, answer=answer, oob=oob, moderated=is_moderated)

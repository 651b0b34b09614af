"""Templates: every one compiles, so a broken template fails here rather than on a page."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import Settings
from server.screens.i18n import LOCALES, load_translators
from server.screens.render import Renderer

TEMPLATES = sorted(p.name for p in Settings().templates_dir.glob("*.html"))


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_template_compiles_in_every_language(name: str, locale: str) -> None:
    """A syntax error in any template (which string extraction would skip silently) fails."""
    renderer = Renderer(Path(Settings().templates_dir), load_translators())
    assert renderer.template(name, locale) is not None

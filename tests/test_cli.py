"""The `draagvlak` command: a broken pack file stops start-up with a message that helps."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, ServerProcess

GOOD_PACK = ROOT / "sessions" / "core-values.toml"


def serve(packs_dir: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "serve", "--port", "0", "--db", str(tmp_path / "x.db")],
        cwd=ROOT,
        env={**os.environ, "DRAAGVLAK_PACKS_DIR": str(packs_dir)},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.replace('id = "core-values"', 'id = "core-values'), "line 1"),
        (lambda t: t.replace('en = "Core values"\n', ""), "'title' lacks its 'en' text"),
        (lambda t: 'colour = "blue"\n' + t, "unknown field(s): colour"),
        (lambda t: t.replace("votes_per_person = 3", 'votes_per_person = "3"'), "votes_per_person"),
    ],
    ids=["bad-toml", "missing-language", "unknown-field", "wrong-type"],
)
def test_a_broken_pack_file_stops_start_up_naming_file_and_problem(tmp_path, change, expected):
    """The server refuses to start, exits with status 2, and names the file and the problem
    (and the line, where TOML gives one)."""
    packs = tmp_path / "packs"
    packs.mkdir()
    broken = packs / "core-values.toml"
    broken.write_text(change(GOOD_PACK.read_text(encoding="utf-8")), encoding="utf-8")
    result = serve(packs, tmp_path)
    assert result.returncode == 2
    assert str(broken) in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_the_server_starts_with_settings_from_the_environment(tmp_path):
    """DRAAGVLAK_* variables reach the server: here the packs folder and the database."""
    packs = tmp_path / "packs"
    packs.mkdir()
    shutil.copy(GOOD_PACK, packs)
    server = ServerProcess(tmp_path / "env.db", packs_dir=str(packs))
    server.start()
    try:
        import httpx

        start = httpx.get(f"{server.url}/start", headers={"accept-language": "en"}).text
        assert "Core values" in start
        assert "Norms and rules" not in start
        assert (tmp_path / "env.db").exists()
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda folder: folder.mkdir(), "no topic packs (*.toml files) in this folder"),
        (lambda folder: None, "no such folder"),
        (lambda folder: folder.write_text("x"), "not a folder"),
    ],
    ids=["empty", "missing", "a-file"],
)
def test_a_packs_folder_without_packs_stops_start_up_naming_the_folder(tmp_path, make, problem):
    """An empty or missing DRAAGVLAK_PACKS_DIR is refused at start-up in one line naming the
    folder, instead of a server whose start page fails later."""
    packs = tmp_path / "packs"
    make(packs)
    result = serve(packs, tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"draagvlak: {packs}: {problem}")
    assert result.stdout == ""

"""The `draagvlak` command: a broken pack file stops start-up with a message that helps."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import ROOT, ServerProcess, without_network
from server.store.sqlite import MIGRATIONS
from server.web.network import lan_address

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

        # A fresh database: the start page first asks for the first account.
        first = httpx.get(f"{server.url}/start")
        assert first.status_code == 303 and first.headers["location"] == "/setup"
        password = "koffie en plakband 42"
        account = {"team": "De Linde", "email": "a@b.example", "password": password}
        made = httpx.post(f"{server.url}/setup", data={**account, "again": password})
        assert made.status_code == 303, made.text
        start = httpx.get(
            f"{server.url}/start", headers={"accept-language": "en"}, cookies=made.cookies
        ).text
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


# Start-up: the database, the address, the banner ----------------------------------------


def draagvlak(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command, run to its end; a process that does not end fails the test."""
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


class Running:
    """`draagvlak serve` in the background, its output read line by line as it comes."""

    def __init__(self, *args: str, cwd: Path = ROOT, command: list[str] | None = None) -> None:
        self.process = subprocess.Popen(
            [*(command or [sys.executable, "-m", "server"]), "serve", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def banner(self, timeout: float = 20.0) -> list[str]:
        """Every line up to the banner's last one."""
        deadline = time.monotonic() + timeout
        while not self.seen or self.seen[-1] != "Press Ctrl+C to stop.":
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no banner within {timeout} s: {self.seen}") from None
            if line is None:
                self.process.wait(5)
                raise AssertionError(f"exited: {self.seen} {self.stderr()}")
            self.seen.append(line)
        return self.seen

    def port(self) -> int:
        (line,) = [line for line in self.seen if "Start a session:" in line]
        return int(line.rsplit(":", 1)[1].split("/")[0])

    def stop(self, sig: int = signal.SIGINT) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"still running 10 s after signal {sig}") from None

    def stderr(self) -> str:
        assert self.process.stderr is not None
        return self.process.stderr.read() if self.process.poll() is not None else ""

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def running() -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(*args: str, **options: Any) -> Running:
        started.append(Running(*args, **options))
        return started[-1]

    yield start
    for process in started:
        process.close()


def other_apps_database(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        db.commit()


def newer_database(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.executescript(f"{MIGRATIONS[0]}; PRAGMA user_version = {len(MIGRATIONS) + 1};")


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p.write_text("shopping list\n"), "not a database file"),
        (other_apps_database, "not a Draagvlak database (its tables: users)"),
        (newer_database, "made by a newer Draagvlak"),
        (lambda p: p.mkdir(), "is a folder, not a database file"),
    ],
    ids=["text-file", "other-app", "newer-schema", "a-folder"],
)
def test_a_database_that_is_not_draagvlaks_stops_start_up_in_one_line(tmp_path, make, problem):
    """--db naming something else than a Draagvlak database (or none yet) is refused before
    the server listens: one line naming the path, status 2, no banner, no process left."""
    db = tmp_path / "rooms.db"
    make(db)
    result = draagvlak("serve", "--port", "0", "--db", str(db))
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"draagvlak: {db}: {problem}")
    assert result.stdout == ""


def test_a_database_in_a_missing_folder_is_refused_not_created(tmp_path):
    """A --db in a folder that does not exist names the folder; nothing is created."""
    db = tmp_path / "typo" / "rooms.db"
    result = draagvlak("serve", "--port", "0", "--db", str(db))
    assert result.returncode == 2
    assert result.stderr == (
        f"draagvlak: {db}: the folder {db.parent} does not exist; create it first\n"
    )
    assert not db.parent.exists()


def test_a_database_that_fails_while_opening_still_ends_the_process(tmp_path):
    """A Draagvlak file that passes the first check but cannot be migrated (here a table of
    the next migration is already there) ends the process with an error: the store's
    connection no longer keeps a failed start-up alive."""
    db = tmp_path / "half.db"
    with closing(sqlite3.connect(db)) as made:
        made.executescript(f"{MIGRATIONS[0]}; PRAGMA user_version = 1;")
        made.execute("CREATE TABLE saved_packs (x)")
        made.commit()
    result = draagvlak("serve", "--port", "0", "--db", str(db))
    assert result.returncode != 0
    assert "saved_packs" in result.stderr
    assert result.stdout == ""


def test_the_default_database_lands_in_the_current_folder_and_ctrl_c_stops_the_server(
    tmp_path, running
):
    """Without --db the server makes draagvlak.db where it was started; the banner comes
    when it answers; Ctrl+C (SIGINT) ends it cleanly."""
    server = running("--port", "0", cwd=tmp_path)
    lines = server.banner()
    assert lines[0] == "Draagvlak is ready."
    response = httpx.get(f"http://127.0.0.1:{server.port()}/healthz", timeout=5)
    assert response.status_code == 200
    assert (tmp_path / "draagvlak.db").is_file()
    assert server.stop(signal.SIGINT) == 0
    assert "Traceback" not in server.stderr()


def test_sigterm_also_stops_the_server(tmp_path, running):
    """SIGTERM, as a service manager sends it, ends the server as well."""
    server = running("--port", "0", "--db", str(tmp_path / "x.db"))
    server.banner()
    assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)


def test_a_port_in_use_is_one_line_and_no_banner(tmp_path):
    """Another program on the port: one line saying so and what to do, status 2, and no
    banner claiming a session can be started."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = draagvlak("serve", "--port", str(port), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert result.stderr == (
        f"draagvlak: cannot listen on 127.0.0.1:{port}: the port is already in use (by another"
        " Draagvlak or program); stop that, or choose another port with --port\n"
    )
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # A documentation address: certainly not this computer's, and no name lookup.
        (["--host", "203.0.113.7"], "cannot listen on 203.0.113.7: this computer has no such"),
        (["--host", "no such host"], "cannot listen on 'no such host': no such address or host"),
        (["--port", "70000"], "--port 70000 is out of range: use 0 to 65535"),
        (["--port", "-1"], "--port -1 is out of range: use 0 to 65535"),
    ],
    ids=["not-this-computer", "not-a-host", "port-too-high", "port-negative"],
)
def test_a_bad_host_or_port_is_one_line_and_no_banner(tmp_path, args, message):
    """An address the server cannot listen on is refused in one line, before any banner."""
    result = draagvlak("serve", *args, "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"draagvlak: {message}")
    assert result.stdout == ""


def test_the_banner_on_all_interfaces_names_the_address_phones_use(tmp_path, running):
    """With --host 0.0.0.0 the banner gives the laptop's start address and the network
    address phones join at (or, without a network, exactly what to do)."""
    server = running("--host", "0.0.0.0", "--port", "0", "--db", str(tmp_path / "x.db"))
    lines = server.banner()
    port = server.port()
    assert f"  Start a session: http://127.0.0.1:{port}/start" in lines
    lan = lan_address()
    if lan is None:
        assert "  Phones cannot join yet: this computer has no network address." in lines
    else:
        assert f"  Phones join at:  http://{lan}:{port} (the projector shows it)" in lines


def test_the_banner_on_this_computer_only_says_how_phones_can_join(tmp_path, running):
    """On 127.0.0.1 (the default) the banner says phones cannot join, and the flag that
    lets them; with --public-url it names that address instead."""
    server = running("--port", "0", "--db", str(tmp_path / "x.db"))
    lines = server.banner()
    assert "  Phones cannot join: the server listens on this computer only." in lines
    assert "  For phones on the school network, start it with --host 0.0.0.0." in lines
    proxied = running(
        "--port", "0", "--db", str(tmp_path / "y.db"), "--public-url", "https://dv.school.nl/"
    )
    assert "  Phones join at:  https://dv.school.nl" in proxied.banner()


def test_the_banner_without_a_network_says_what_to_do(tmp_path, running):
    """On a computer with no network at all, the banner for --host 0.0.0.0 says that phones
    cannot join yet and what to do, instead of an address nobody can reach."""
    offline = without_network(sys.executable, "-m", "server")
    db = str(tmp_path / "x.db")
    server = running("--host", "0.0.0.0", "--port", "0", "--db", db, command=offline)
    lines = server.banner()
    assert lines[2:] == [
        "  Phones cannot join yet: this computer has no network address.",
        "  Connect it to the school's network (Wi-Fi or cable), then reload the console;",
        "  or set --public-url to the address phones use.",
        "Press Ctrl+C to stop.",
    ]
    assert server.stop(signal.SIGINT) == 0


# The command itself ---------------------------------------------------------------------


def test_version_prints_the_installed_version():
    """`draagvlak --version`, through the installed command, prints the package version."""
    from importlib.metadata import version

    command = Path(sys.executable).with_name("draagvlak")
    result = subprocess.run(
        [str(command), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    assert (result.returncode, result.stdout) == (0, f"draagvlak {version('draagvlak')}\n")


def test_a_wrong_option_shows_its_own_commands_usage(tmp_path):
    """`draagvlak serve --bogus` shows serve's usage and names the option, not the top
    level's usage; nothing starts."""
    result = draagvlak("serve", "--bogus", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert result.stderr.startswith("usage: draagvlak serve [-h] [--host HOST]")
    assert result.stderr.endswith("draagvlak serve: error: unrecognized arguments: --bogus\n")
    assert not (tmp_path / "x.db").exists()
    result = draagvlak("suggest-groups", "--colour", "-")
    assert result.stderr.startswith("usage: draagvlak suggest-groups")


def test_suggest_groups_help_says_answers_are_line_numbers_from_zero(tmp_path):
    """The help says what the numbers in the output are, and the output agrees with it."""
    result = draagvlak("suggest-groups", "--help")
    assert "line numbers counted from 0" in " ".join(result.stdout.split())
    answers = tmp_path / "answers.txt"
    answers.write_text("veiligheid\nmeer tijd\nveiligheid voorop\n", encoding="utf-8")
    groups = json.loads(draagvlak("suggest-groups", str(answers)).stdout)
    assert [0, 2] in [group["answers"] for group in groups]


@pytest.mark.parametrize(
    ("hub_url", "expected"),
    [
        ("redis://127.0.0.1:{port}/0", "no Redis hub at 127.0.0.1:{port}"),
        ("redis://:geheim@127.0.0.1:{port}/0", "no Redis hub at 127.0.0.1:{port}"),
        ("nats://127.0.0.1:{port}", "no hub for 'nats://127.0.0.1:{port}'"),
    ],
)
def test_a_hub_that_does_not_answer_stops_start_up_in_one_line(
    tmp_path: Path, hub_url: str, expected: str
) -> None:
    """A wrong DRAAGVLAK_HUB_URL is found before the server listens, without a traceback
    and without showing a password."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    result = draagvlak(
        "serve", "--port", "0", "--db", str(tmp_path / "x.db"),
        DRAAGVLAK_HUB_URL=hub_url.format(port=port),
    )  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"draagvlak: DRAAGVLAK_HUB_URL: {expected.format(port=port)}")
    assert "geheim" not in result.stderr

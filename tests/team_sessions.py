"""Whole sessions of a team over the wire, for the register's and the tracker's tests: a
team's facilitator opens one, phones join and consent, actions are added, it closes."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from wire import LEADER_PASSWORD, LiveClient, join, sign_in

ROOT = Path(__file__).resolve().parent.parent
EN = {"accept-language": "en"}


def rows(db: Path, query: str, *args: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query, args).fetchall()


@dataclass(frozen=True)
class Opened:
    """A session a form post opened, as its facilitator has it."""

    id: str
    cookie: str  # the facilitator's, "name=value"
    code: str  # the join code
    console: str  # the console page


async def opened(http: httpx.AsyncClient, made: httpx.Response) -> Opened:
    """The session behind the redirect of a post that opened one (the start page, an
    evaluation moment): its id, the console's cookie it set, its join code."""
    assert made.status_code == 303, made.text
    session_id = made.headers["location"].split("/")[2]
    name = f"dv_f_{session_id}"
    cookie = f"{name}={made.cookies[name]}"
    page = await http.get(f"/s/{session_id}/console", headers={"cookie": cookie, **EN})
    code = re.search(r'class="code">(\d{3}) (\d{3})<', page.text)
    assert code, page.text[:500]
    return Opened(session_id, cookie, code[1] + code[2], page.text)


def second_team(server: Any, email: str = "b@andere.example") -> str:
    """An account in another team on the same server; returns its e-mail address."""
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "account",
            "create",
            email,
            "--team",
            "Andere school",
            "--db",
            str(server.db),
        ],
        input=LEADER_PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    return email


async def closed_session(
    server: Any,
    decisions: list[dict[str, Any]],
    pack: str = "core-values",
    email: str | None = None,
    phones: int = 3,
) -> tuple[str, list[str], str]:
    """Runs a session of the signed-in account's team to its end. Each decision is
    {"text", "replaces"?, "level"?, "actions": [{"what", "who", "due"}]}; returns the
    session id, the pseudonyms that took part (read before closing) and what the console
    received."""
    login = await sign_in(server.url, **({"email": email} if email else {}))
    async with httpx.AsyncClient(base_url=server.url, headers={"cookie": login}) as http:
        made = await http.post("/sessions", data={"pack": pack, "lang": "en"})
        session = await opened(http, made)
    session_id, cookie = session.id, session.cookie
    console = await LiveClient.connect(server.url, session_id, "console", cookie)
    assert await console.request("open_prompt", prompt=0) == "ok"
    cookies = [await join(server.url, session.code) for _ in range(phones)]
    clients = [await LiveClient.connect(server.url, session_id, "phone", c) for c in cookies]
    for index, phone in enumerate(clients):
        assert await phone.request("answer", text=f"answer {index}") == "ok"
    people = [row[0] for row in rows(server.db, "SELECT pseudonym FROM participants")]
    for number, decision in enumerate(decisions, start=1):
        propose = {"from": "", "text": decision["text"], "replaces": decision.get("replaces", "")}
        assert await console.request("propose_decision", **propose) == "ok"
        for phone in clients:
            level = decision.get("level", "support")
            assert await phone.request("consent", decision=number, level=level) == "ok"
        assert await console.request("close_round", decision=number) == "ok"
        for action in decision.get("actions", []):
            assert await console.request("add_action", decision=number, **action) == "ok"
    assert await console.request("end_session") == "ok"
    await clients[0].wait_text("The session is closed.")
    return session_id, people, console.text

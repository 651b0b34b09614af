"""Real browsers on hostile school networks: websockets blocked, a network that silently
goes away, reloads in the middle of a session. Debian's chromium through Playwright."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from test_browser import browser, desktop, join_by_code, open_session, phone, playwright

__all__ = ["browser", "playwright"]  # fixtures, used by name

pytestmark = pytest.mark.browser


def count(db, query: str) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute(query).fetchone()[0])


class CuttableNetwork:
    """A TCP proxy in front of the server that can lose the network the way Wi-Fi does:
    nothing more gets through, and nobody is told. When the network comes back, every
    connection that lived through the cut is gone (as after a real drop), new ones work."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.loop = asyncio.new_event_loop()
        self.flowing = asyncio.Event()
        self.connections: set[asyncio.StreamWriter] = set()
        ready = threading.Event()
        self.port = 0

        async def serve() -> None:
            self.flowing.set()
            server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            await server.serve_forever()

        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(serve(),))
        self.thread.daemon = True
        self.thread.start()
        ready.wait(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.add(writer)
        await self.flowing.wait()
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self.connections.add(up_writer)

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    await self.flowing.wait()  # during a cut, data waits and then dies
                    if sink.is_closing():
                        break
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    def cut(self) -> None:
        self.loop.call_soon_threadsafe(self.flowing.clear)

    def restore(self) -> None:
        def restoring() -> None:
            for writer in list(self.connections):
                writer.transport.abort()
            self.connections.clear()
            self.flowing.set()

        self.loop.call_soon_threadsafe(restoring)


@pytest.fixture
def network(server) -> Iterator[CuttableNetwork]:
    yield CuttableNetwork(server.port)


def answering_room(browser, server, base: str) -> tuple[Page, str]:
    console = desktop(browser)
    _, code = open_session(console, server.url)
    console.get_by_role("button", name=re.compile("^Start this question")).first.click()
    return console, code


def test_a_phone_whose_network_blocks_websockets_takes_part_over_the_fallback(
    server, browser, playwright
):
    """Every websocket the phone opens is shut at once, as a filtering proxy does: the
    phone moves to events and posts, and answers, votes and consents there; the console
    counts it; nothing is lost or doubled."""
    console, code = answering_room(browser, server, server.url)
    teacher = phone(browser, playwright, "en-GB")
    refused: list[str] = []
    teacher.route_web_socket(re.compile(r"/ws\?"), lambda ws: (refused.append(ws.url), ws.close()))
    join_by_code(teacher, server.url, code)
    assert len(refused) >= 2
    assert teacher.evaluate("document.body.dataset.transport") == "stream"
    expect(console.locator("#joined")).to_contain_text("1 phone on the fallback connection")

    teacher.get_by_label("Write your answer").fill("Respect for each other")
    teacher.get_by_role("button", name="Send").click()
    teacher.get_by_label("Write your answer").fill("Being honest")
    teacher.keyboard.press("Enter")
    expect(teacher.locator("#mine li")).to_have_count(2)
    expect(console.locator("#wall li")).to_have_count(2)

    console.get_by_role("button", name=re.compile("group the answers", re.I)).first.click()
    console.get_by_role("button", name="Start voting").click()
    teacher.get_by_role("button", name=re.compile("Give a dot")).first.click()
    expect(teacher.locator("#mine")).to_contain_text("2 dots left")
    expect(console.locator("#progress")).to_contain_text("1 of 1 voted")
    console.get_by_role("button", name="Reveal the results").click()
    console.locator(".propose-form textarea").first.fill("We greet each other every morning")
    console.locator(".propose-form button").first.click()
    teacher.get_by_label("Can live with it").check()
    teacher.locator(".consent-form button[type=submit]").click()
    expect(console.locator("#progress")).to_contain_text("1 of 1 responded")
    expect(teacher.locator("#pending li")).to_have_count(0)

    assert count(server.db, "SELECT count(*) FROM answers") == 2
    assert count(server.db, "SELECT sum(dots) FROM votes") == 1
    assert count(server.db, "SELECT count(*) FROM consents") == 1
    assert refused and all("/ws?" in url for url in refused)


def test_a_silent_network_cut_is_noticed_and_the_unsent_answer_arrives_once(
    server, network, browser, playwright
):
    """The network goes away without a word: within seconds the phone stops saying
    "Verbonden"; what is typed meanwhile waits as not sent; when the network returns the
    phone catches up and the answer arrives exactly once."""
    console, code = answering_room(browser, server, server.url)
    teacher = phone(browser, playwright)
    join_by_code(teacher, network.url, code)
    expect(teacher.locator("textarea")).to_be_visible()
    connection = teacher.locator("#connection")
    expect(connection).to_have_text("Verbonden")

    network.cut()
    cut_at = time.monotonic()
    expect(connection).to_have_attribute("data-state", "offline", timeout=10_000)
    noticed_after = time.monotonic() - cut_at
    assert noticed_after < 9, noticed_after
    expect(connection).not_to_have_text("Verbonden")
    teacher.get_by_label("Schrijf je antwoord").fill("Gezien worden")
    teacher.get_by_role("button", name="Versturen").click()
    expect(teacher.locator("#pending li")).to_contain_text("Nog niet verstuurd")
    console.get_by_role("button", name="Close answering").click()  # the room moves on
    console.get_by_role("button", name=re.compile("^Start this question")).first.click()

    network.restore()
    expect(connection).to_have_attribute("data-state", "online", timeout=15_000)
    expect(teacher.locator("#pending li")).to_have_count(0)
    expect(teacher.locator("#mine li")).to_have_count(1)
    expect(console.locator("#wall li")).to_have_count(1)
    teacher.wait_for_timeout(500)
    assert count(server.db, "SELECT count(*) FROM answers") == 1


def test_an_answer_queued_offline_while_answering_closes_is_kept_and_explained(
    server, network, browser, playwright
):
    console, code = answering_room(browser, server, server.url)
    teacher = phone(browser, playwright)
    join_by_code(teacher, network.url, code)
    expect(teacher.locator("textarea")).to_be_visible()
    network.cut()
    expect(teacher.locator("#connection")).to_have_attribute(
        "data-state", "offline", timeout=10_000
    )
    teacher.get_by_label("Schrijf je antwoord").fill("Elkaar aankijken bij binnenkomst")
    teacher.get_by_role("button", name="Versturen").click()
    console.get_by_role("button", name="Close answering").click()
    network.restore()

    kept = teacher.locator("#kept")
    expect(kept).to_be_visible(timeout=15_000)
    expect(kept).to_contain_text("nadat het antwoorden was gesloten")
    expect(kept.locator("textarea")).to_have_value("Elkaar aankijken bij binnenkomst")
    expect(kept.get_by_role("button", name="Kopiëren")).to_be_visible()
    # Kept across a reload too, until the teacher removes it.
    teacher.reload()
    expect(teacher.locator("#kept textarea")).to_have_value("Elkaar aankijken bij binnenkomst")
    teacher.locator("#kept").get_by_role("button", name="Verwijderen").click()
    expect(kept).to_be_hidden()
    assert count(server.db, "SELECT count(*) FROM answers") == 0


def test_a_half_typed_answer_survives_a_reload(server, browser, playwright):
    _, code = answering_room(browser, server, server.url)
    teacher = phone(browser, playwright)
    join_by_code(teacher, server.url, code)
    teacher.get_by_label("Schrijf je antwoord").fill("Ik wil dat we eerlijk")
    teacher.reload()
    expect(teacher.locator("#connection")).to_have_attribute("data-state", "online")
    expect(teacher.get_by_label("Schrijf je antwoord")).to_have_value("Ik wil dat we eerlijk")
    # Once sent, the draft is gone: a reload shows an empty box.
    teacher.get_by_role("button", name="Versturen").click()
    expect(teacher.locator("#mine li")).to_have_count(1)
    teacher.reload()
    expect(teacher.locator("#mine li")).to_have_count(1)
    expect(teacher.get_by_label("Schrijf je antwoord")).to_have_value("")


def test_thirty_reloads_during_voting_each_reach_the_ballot_within_two_seconds(
    server, browser, playwright
):
    console, code = answering_room(browser, server, server.url)
    teacher = phone(browser, playwright, "en-GB")
    join_by_code(teacher, server.url, code)
    teacher.get_by_label("Write your answer").fill("Trust")
    teacher.get_by_role("button", name="Send").click()
    expect(console.locator("#wall li")).to_have_count(1)
    console.get_by_role("button", name=re.compile("group the answers", re.I)).first.click()
    console.get_by_role("button", name="Start voting").click()
    expect(teacher.locator("#mine")).to_contain_text("3 dots left")
    slow = []
    for attempt in range(30):
        started = time.monotonic()
        teacher.reload(wait_until="commit")
        expect(teacher.locator("#connection")).to_have_attribute(
            "data-state", "online", timeout=5_000
        )
        expect(teacher.locator("#mine")).to_contain_text("dots left", timeout=5_000)
        took = time.monotonic() - started
        if took > 2.0:
            slow.append((attempt, round(took, 2)))
    assert not slow, slow


def test_a_deleted_session_tells_the_phone_why_it_ended(server, browser, playwright):
    console, code = answering_room(browser, server, server.url)
    teacher = phone(browser, playwright)
    join_by_code(teacher, server.url, code)
    console.once("dialog", lambda dialog: dialog.accept())
    session_path = console.url.removeprefix(server.url).removesuffix("/console")
    console.request.post(f"{server.url}{session_path}/delete", form={"confirm": "delete"})
    connection = teacher.locator("#connection")
    expect(connection).to_have_attribute("data-state", "ended")
    expect(connection).to_have_text(
        "Deze sessie bestaat niet meer: de leider heeft haar verwijderd."
    )
    expect(teacher.get_by_role("button", name="Versturen")).to_have_css("pointer-events", "none")

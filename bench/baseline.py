"""The limit to compare with: a bare `websockets` server that broadcasts given messages.

Run by `bench/load.py` as its own process. Clients connect to `/`; one control connection
on `/control` sends {"messages": [...], "rounds": K, "interval": seconds}, and the server
broadcasts the messages to every client with `websockets.broadcast()`, in K equal rounds,
then answers "done". Nothing else happens here: no rules, no storage, no rendering.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from websockets.asyncio.server import ServerConnection, broadcast, serve

clients: set[ServerConnection] = set()


async def handler(connection: ServerConnection) -> None:
    if connection.request is not None and connection.request.path == "/control":
        async for raw in connection:
            order = json.loads(raw)
            await replay(order["messages"], order["rounds"], order["interval"])
            await connection.send("done")
        return
    clients.add(connection)
    try:
        await connection.wait_closed()
    finally:
        clients.discard(connection)


async def replay(messages: list[str], rounds: int, interval: float) -> None:
    per_round = max(1, len(messages) // rounds)
    for start in range(0, len(messages), per_round):
        for message in messages[start : start + per_round]:
            broadcast(clients, message)
        await asyncio.sleep(interval)


async def main(port: int, deflate: bool) -> None:
    async with serve(
        handler, "127.0.0.1", port, compression="deflate" if deflate else None, max_size=None
    ) as server:
        print("ready", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--deflate", action="store_true")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.port, arguments.deflate))

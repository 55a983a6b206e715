"""A webhook receiver for the tests: a tiny HTTP/1.1 server on a free local port that
keeps every request it gets and answers from a script of statuses."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    base: str = ""
    received: list[Received] = field(default_factory=list)
    #: What to answer next, one entry per request: a status, or (status, extra headers);
    #: once used up, 200.
    script: list[int | tuple[int, dict[str, str]]] = field(default_factory=list)
    #: Keep every request waiting, never answered (a receiver that hangs).
    stall: bool = False
    #: Seconds to wait before answering (a slow receiver).
    delay: float = 0

    @property
    def url(self) -> str:
        return f"{self.base}/hook"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            _method, path, _version = lines[0].split(" ", 2)
            headers = {
                name.strip().lower(): value.strip()
                for name, value in (line.split(":", 1) for line in lines[1:] if ":" in line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.received.append(Received(path=path, headers=headers, body=body))
            if self.stall:
                await reader.read()  # until the sender gives up and closes
                return
            await asyncio.sleep(self.delay)
            answer = self.script.pop(0) if self.script else 200
            status, extra = answer if isinstance(answer, tuple) else (answer, {})
            more = "".join(f"{k}: {v}\r\n" for k, v in extra.items())
            answer_head = f"HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n{more}"
            writer.write(f"{answer_head}\r\nok".encode())
            await writer.drain()
        finally:
            writer.close()


@asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    receiver.base = f"http://127.0.0.1:{port}"
    try:
        yield receiver
    finally:
        server.close()
        await server.wait_closed()

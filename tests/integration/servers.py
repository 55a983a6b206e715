"""Real ``uvicorn`` servers on the test database, for tests that need real HTTP and processes."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running_server(
    database_url: str, *, workers: int = 1, env: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """Serve the app with ``workers`` processes until the block ends; yields the base URL."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "orderdesk.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        env={**os.environ, "ORDERDESK_DATABASE_URL": database_url, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as http:
            for _ in range(200):
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
            else:
                pytest.fail("the server did not become ready")
        yield base
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)

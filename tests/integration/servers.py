"""Real servers for the integration tests: run one on the test database until /readyz answers."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serving(
    args: Sequence[str],
    *,
    port: int,
    database_url: str,
    log: Path | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[str]:
    """``python *args`` (which must listen on ``port``) for the block; yields its base URL.

    Its output goes to ``log`` if given (a server's access log is long), else to ours;
    ``env`` adds to the environment (settings).
    """
    env = {**os.environ, "ORDERDESK_DATABASE_URL": database_url, **(env or {})}
    output = log.open("wb") if log is not None else None
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, env=env, stdout=output, stderr=output
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not await _ready(base, process):
            tail = await asyncio.to_thread(log.read_text, errors="replace") if log else ""
            pytest.fail(
                f"the server did not become ready (exit code {process.returncode})\n{tail[-2000:]}"
            )
        yield base
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:  # busy in C code (a runaway regex, say), deaf to SIGTERM
            process.kill()
            await process.wait()
        if output is not None:
            output.close()


@asynccontextmanager
async def running_server(
    database_url: str, *, workers: int = 1, env: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """``uvicorn`` serving the app with ``workers`` processes for the block."""
    port = free_port()
    args = ["-m", "uvicorn", "orderdesk.app:create_app", "--factory", "--host", "127.0.0.1"]
    args += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    async with serving(args, port=port, database_url=database_url, env=env) as base:
        yield base


async def _ready(base: str, process: asyncio.subprocess.Process) -> bool:
    async with httpx.AsyncClient(base_url=base) as http:
        for _ in range(200):
            if process.returncode is not None:
                return False
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    return False

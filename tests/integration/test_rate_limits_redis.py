"""With ``ORDERDESK_REDIS_URL`` set, the rate-limit counters live in Redis: several server
processes count one credential's (and one address's) requests together."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

import httpx
import pytest

from tests.conftest import World
from tests.integration.servers import free_port, running_server


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def redis_server() -> Iterator[str]:
    """The local Redis (6379) if one runs, else a throwaway ``redis-server``; its URL."""
    if _listening(6379):
        yield "redis://127.0.0.1:6379/0"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no Redis on 127.0.0.1:6379 and no redis-server to start")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if _listening(port):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _servers(
    stack: AsyncExitStack, database_url: str, env: dict[str, str], n: int = 2
) -> list[str]:
    entered = [stack.enter_async_context(running_server(database_url, env=env)) for _ in range(n)]
    return list(await asyncio.gather(*entered))


@pytest.fixture
def shared(redis_server: str) -> dict[str, str]:
    """Settings for servers sharing one Redis, under a key prefix of this test's own."""
    return {
        "ORDERDESK_REDIS_URL": redis_server,
        "ORDERDESK_REDIS_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "ORDERDESK_RATE_LIMIT": "off",
        "ORDERDESK_RSO_RATE_LIMIT": "off",
        "ORDERDESK_AUTH_FAILURE_RATE_LIMIT": "off",
    }


async def _calls(bases: list[str], n: int, headers: dict[str, str]) -> AsyncIterator[int]:
    async with httpx.AsyncClient() as http:
        for i in range(n):
            yield (
                await http.get(f"{bases[i % len(bases)]}/v1/orders", headers=headers)
            ).status_code


async def test_two_processes_count_one_credential_together(
    database_url: str, world: World, shared: dict[str, str]
) -> None:
    async with AsyncExitStack() as stack:
        bases = await _servers(stack, database_url, {**shared, "ORDERDESK_RATE_LIMIT": "3/minute"})
        answers = [s async for s in _calls(bases, 4, world.auth("customer"))]
    assert answers == [200, 200, 200, 429]


async def test_two_processes_count_one_address_failures_together(
    database_url: str, world: World, shared: dict[str, str]
) -> None:
    settings = {**shared, "ORDERDESK_AUTH_FAILURE_RATE_LIMIT": "3/minute"}
    async with AsyncExitStack() as stack:
        bases = await _servers(stack, database_url, settings)
        failures = [s async for s in _calls(bases, 3, {"Authorization": "Bearer od_nope"})]
        after = [s async for s in _calls(bases, 2, world.auth("customer"))]
    assert failures == [401, 401, 401]
    assert after == [429, 429]

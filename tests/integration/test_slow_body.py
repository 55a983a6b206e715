"""A client whose body stops arriving is answered 408 and let go, on a real server."""

from __future__ import annotations

import asyncio
import time

from tests.integration.servers import running_server

TIMEOUT = 1.0  # seconds; the setting's default is 15


async def test_a_body_that_stops_arriving_is_answered_408_and_the_connection_closed(
    database_url,
):
    async with running_server(database_url, env={"ORDERDESK_BODY_TIMEOUT": str(TIMEOUT)}) as base:
        host, port = base.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        started = time.monotonic()
        writer.write(
            b"POST /v1/orders HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"lines": '
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=TIMEOUT + 10)  # read() waits for EOF
        elapsed = time.monotonic() - started
        writer.close()
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 408 Request Timeout"
    assert b"did not arrive within 1 seconds" in answer
    assert TIMEOUT <= elapsed < TIMEOUT + 10

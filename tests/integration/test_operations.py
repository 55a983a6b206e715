"""``orderdesk serve`` as operators run it: its log lines, and how it stops on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.builders import value
from tests.integration.servers import free_port, serving

ADMIN_KEY = "od_operations_test_secret_0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
COUNT = "orderdesk_http_request_duration_seconds_count"
REQUESTS = 20


@dataclass
class Served:
    base: str
    port: int
    process: asyncio.subprocess.Process
    log: Path

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()


@asynccontextmanager
async def served(tmp_path: Path, *options: str, **env: str) -> AsyncIterator[Served]:
    """``orderdesk serve`` on a fresh SQLite file with an admin key, until /readyz answers."""
    port = free_port()
    log = tmp_path / "serve.log"
    settings = {
        **os.environ,
        "ORDERDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "ORDERDESK_ADMIN_KEY": ADMIN_KEY,
        **env,
    }
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "orderdesk.cli", "serve", "--port", str(port), *options),
            env=settings,
            stdout=out,
            stderr=out,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as http:
            for _ in range(400):
                if process.returncode is not None:
                    pytest.fail(f"serve ended: {log.read_text()[-2000:]}")
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail(f"serve did not become ready: {log.read_text()[-2000:]}")
        yield Served(base, port, process, log)
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=20)


def request_lines(lines: list[str]) -> list[dict]:
    return [line for line in map(json.loads, lines) if line.get("event") == "request"]


async def test_json_log_lines_name_each_request_by_its_id_route_and_principal(tmp_path):
    async with (
        served(tmp_path, "--log-level", "info", ORDERDESK_LOG_FORMAT="json") as s,
        httpx.AsyncClient(base_url=s.base) as http,
    ):
        answer = await http.get("/v1/accounts/42", headers={**ADMIN, "X-Request-ID": "op-1"})
        assert answer.status_code == 404
    lines = s.lines()
    parsed = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all("timestamp" in line and "level" in line for line in parsed)
    (line,) = [line for line in request_lines(lines) if line["request_id"] == "op-1"]
    assert line["route"] == "/v1/accounts/{account_id}"
    assert (line["method"], line["status"], line["surface"]) == ("GET", 404, "native")
    assert line["principal"].startswith("credential:")
    assert line["duration_ms"] > 0


async def test_log_lines_carry_no_query_value_and_no_key(tmp_path):
    async with (
        served(tmp_path, ORDERDESK_LOG_FORMAT="json") as s,
        httpx.AsyncClient(base_url=s.base) as http,
    ):
        await http.get("/v1/patients", params={"last_name": "Zyxwvutsrq"}, headers=ADMIN)
        await http.post("/v1/accounts", json={"kind": "customer", "name": "Qwertzuiop"})
    text = s.log.read_text()
    assert request_lines(s.lines())  # the requests were logged...
    for secret in ("Zyxwvutsrq", "Qwertzuiop", ADMIN_KEY):
        assert secret not in text  # ...without their values


async def test_by_default_lines_are_readable_key_value_pairs(tmp_path):
    async with served(tmp_path) as s, httpx.AsyncClient(base_url=s.base) as http:
        await http.get("/healthz", headers={"X-Request-ID": "plain-1"})
    (line,) = [line for line in s.lines() if "request_id=plain-1" in line]
    assert "route=/healthz" in line and "status=200" in line


async def test_no_access_log_drops_the_request_lines_only(tmp_path):
    async with (
        served(tmp_path, "--no-access-log", ORDERDESK_LOG_FORMAT="json") as s,
        httpx.AsyncClient(base_url=s.base) as http,
    ):
        await http.get("/healthz")
    assert request_lines(s.lines()) == []
    assert any("Application startup complete" in line for line in s.lines())


async def test_sigterm_lets_a_request_in_flight_finish_and_takes_no_new_one(tmp_path):
    body = json.dumps({"kind": "customer", "name": "Late clinic"}).encode()
    head = (
        "POST /v1/accounts HTTP/1.1\r\nHost: orderdesk\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {ADMIN_KEY}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    async with served(tmp_path) as s:
        reader, writer = await asyncio.open_connection("127.0.0.1", s.port)
        writer.write(head + body[:10])  # the request is in flight: half its body sent
        await writer.drain()
        await asyncio.sleep(0.2)
        s.process.send_signal(signal.SIGTERM)
        for _ in range(100):  # the server stops listening...
            try:
                _, probe = await asyncio.open_connection("127.0.0.1", s.port)
            except OSError:
                break
            probe.close()
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the server still takes new connections after SIGTERM")
        assert s.process.returncode is None  # ...but waits for the request in flight
        writer.write(body[10:])
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=20)
        writer.close()
        await asyncio.wait_for(s.process.wait(), timeout=20)
    assert answer.startswith(b"HTTP/1.1 201 ")
    assert b'"name":"Late clinic"' in answer


async def test_a_scrape_of_either_process_counts_what_both_served(
    database_url: str, world, tmp_path: Path
):
    if database_url.startswith("sqlite"):
        pytest.skip("two server processes need PostgreSQL")
    port = free_port()
    args = ["-m", "orderdesk.cli", "serve", "--port", str(port), "--workers", "2"]
    labels = {"surface": "native", "route": "/v1/orders", "method": "GET", "status": "200"}

    async def one_request(base: str) -> int:
        async with httpx.AsyncClient(base_url=base) as http:  # a connection of its own
            return (await http.get("/v1/orders", headers=world.auth("customer"))).status_code

    async with serving(
        args, port=port, database_url=database_url, log=tmp_path / "serve.log"
    ) as base:
        answers = await asyncio.gather(*(one_request(base) for _ in range(REQUESTS)))
        assert answers == [200] * REQUESTS
        for _ in range(4):  # a new connection each time: whichever process answers
            async with httpx.AsyncClient(base_url=base) as scraper:
                assert await value(scraper, COUNT, **labels) == REQUESTS


def test_the_command_line_leaves_prometheus_client_to_the_served_processes():
    """``prometheus_client`` reads PROMETHEUS_MULTIPROC_DIR once, when first imported:
    ``serve`` sets it first, so nothing the command line loads may import it."""
    check = "import sys, orderdesk.cli; print('prometheus_client' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr

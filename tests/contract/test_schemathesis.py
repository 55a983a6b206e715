"""Contract fuzzing: schemathesis against the app's own OpenAPI document, served live.

The ``st`` CLI runs against a uvicorn server on the test database, holding the demo
data, with the demo's keys on every surface: it is how a client meets the API (real
HTTP), and schemathesis's pytest plugin cannot run a schema from a fixture on this
pytest (its lazy loader writes ``Node._nodeid``, which pytest 9 no longer has).
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from orderdesk.config import async_database_url
from orderdesk.db import make_engine, make_sessionmaker, session_scope
from orderdesk.demo import load_demo
from orderdesk.tenancy.service import ensure_tenant
from tests.integration.servers import running_server

HERE = Path(__file__).parent
ST = Path(sys.executable).with_name("st")
#: Fixed, with derandomized generation, so a run repeats exactly.
SEED = 20261125
EXAMPLES = 25
#: The phases that test one operation at a time (stateful runs need links the API has not).
RUN = ["--phases", "examples,coverage,fuzzing", "--workers", "1", "--no-color"]

CONFIG = """
seed = {seed}
hooks = "{hooks}"
# The bearer forms (RAYTeams, Record Stack Overflow, the native OAuth2 scheme) take a key too.
headers = {{ Authorization = "Bearer {key}" }}

[generation]
max-examples = {examples}
deterministic = true
database = "none"

[checks]
# Replaced by hooks.positive_data_passes_validation and hooks.negative_data_rejected
# (see there why).
positive_data_acceptance.enabled = false
negative_data_rejection.enabled = false

[auth.openapi.APIKeyHeader]
api_key = "{key}"
[auth.openapi.ImpiloApiKey]
api_key = "{key}"
"""


@pytest.fixture(scope="session")
async def demo_keys(database_url: str) -> dict[str, str]:
    """The demo data in a tenant of its own; the keys ``orderdesk demo`` would print."""
    engine = make_engine(async_database_url(database_url))
    async with session_scope(make_sessionmaker(engine)) as session:
        tenant = await ensure_tenant(session, f"contract-{uuid.uuid4().hex[:12]}")
        data = await load_demo(session, tenant.id)
    await engine.dispose()
    return data.keys


@pytest.fixture
async def live_url(database_url: str) -> AsyncIterator[str]:
    async with running_server(database_url) as url:
        yield url


@pytest.mark.contract
async def test_the_api_keeps_its_openapi_contract(database_url, live_url, demo_keys, tmp_path):
    """Default checks, no server error; one role per backend keeps the run to minutes."""
    # An admin reaches every object on every surface; a customer places orders (native,
    # Impilo, RSO), which an admin key cannot on Impilo and RSO.
    role = "admin" if database_url.startswith("sqlite") else "customer"
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        CONFIG.format(seed=SEED, hooks=HERE / "hooks.py", examples=EXAMPLES, key=demo_keys[role])
    )
    run = await asyncio.create_subprocess_exec(
        *(str(ST), "--config-file", str(config), "run", f"{live_url}/openapi.json", *RUN),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
    )
    output, _ = await asyncio.wait_for(run.communicate(), timeout=900)
    assert run.returncode == 0, output.decode(errors="replace")[-30_000:]

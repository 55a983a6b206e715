"""The SQL statements a create, a fetch and a list page issue, counted, so they cannot grow.

Issue 13: a request's cost is mostly its statements (each one a round trip and its
ORM work). These fail when a change adds statements to the three requests the
benchmark measures, the way N+1 guards do in careful projects; lower a bound when
a change takes statements away. The list bound holds whatever the page size:
loading a page of orders costs the same number of statements for 5 as for 50.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.api.builders import created, make_catalog, make_patient

#: Statements per request by backend. SQLite's BEGIN and pragmas count (they are sent as
#: statements); PostgreSQL's BEGIN and COMMIT are the driver's own and do not.
CREATE = {"sqlite": 23, "postgresql": 20}
FETCH = {"sqlite": 12, "postgresql": 7}
LIST = {"sqlite": 10, "postgresql": 7}
#: On SQLite the ORM writes the rows an audit record names one statement each (on
#: PostgreSQL, one statement for all): a list page of n orders with patients adds n.
PER_ROW_ON_SQLITE = "INSERT INTO audit_entities"


@contextmanager
def statements(app: object) -> Iterator[list[str]]:
    """Every statement the app's engine sends while the block runs."""
    engine = app.state.engine.sync_engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement[:80].replace("\n", " "))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def engine_dialect(app_and_sessions) -> str:
    return app_and_sessions[0].state.engine.dialect.name


@pytest.fixture
async def placed(client, world):
    """A catalog of items, a patient, and an order body like the benchmark's."""
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    lines = [{"item_id": catalog.item_ids[n % 2], "count": n + 1} for n in range(3)]
    return {"patient_id": patient["id"], "lines": lines}


async def _create(client, world, body):
    headers = {**world.auth("customer"), "Idempotency-Key": uuid.uuid4().hex}
    return await created(await client.post("/v1/orders", json=body, headers=headers))


async def test_a_create_issues_a_bounded_number_of_statements(
    client, world, placed, app_and_sessions, engine_dialect
):
    await _create(client, world, placed)  # caches warmed, as in a running server
    with statements(app_and_sessions[0]) as seen:
        await _create(client, world, placed)
    print(f"\ncreate: {len(seen)} statements\n" + "\n".join(seen))
    assert len(seen) <= CREATE[engine_dialect], seen


async def test_a_fetch_issues_a_bounded_number_of_statements(
    client, world, placed, app_and_sessions, engine_dialect
):
    order = await _create(client, world, placed)
    with statements(app_and_sessions[0]) as seen:
        response = await client.get(f"/v1/orders/{order['id']}", headers=world.auth("customer"))
    assert response.status_code == 200, response.text
    assert response.json()["patient"]["first_name"] == "John"  # PHI shown, so audited
    print(f"\nfetch: {len(seen)} statements\n" + "\n".join(seen))
    assert len(seen) <= FETCH[engine_dialect], seen


@pytest.mark.parametrize("size", [5, 50])
async def test_a_list_page_issues_as_many_statements_for_50_orders_as_for_5(
    client, world, placed, app_and_sessions, engine_dialect, size
):
    for _ in range(size + 1):
        await _create(client, world, placed)
    customer = world.accounts["customer"]
    url = f"/v1/orders?customer_account_id={customer}&status_type=NEW&limit={size}"
    await client.get(url, headers=world.auth("admin"))  # the key's first use notes it
    with statements(app_and_sessions[0]) as seen:
        response = await client.get(url, headers=world.auth("admin"))
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == size and response.json()["next"]
    print(f"\nlist of {size}: {len(seen)} statements\n" + "\n".join(seen))
    if engine_dialect == "sqlite":
        assert sum(PER_ROW_ON_SQLITE in s for s in seen) == size + 1  # each order, their patient
        seen = [s for s in seen if PER_ROW_ON_SQLITE not in s]
    assert len(seen) <= LIST[engine_dialect], seen

"""Property: random workflows and random attempted moves, through the real service and
database, never leave the graph, never skip a timeline event, and replaying the stored
timeline always yields the order's current status."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from orderdesk.catalog.schemas import ItemCreate
from orderdesk.catalog.service import create_item
from orderdesk.db import make_engine, make_sessionmaker, session_scope
from orderdesk.errors import OrderdeskError
from orderdesk.migrate import migrate
from orderdesk.orders.models import EventKind, OrderEvent
from orderdesk.orders.schemas import OrderCreate, OrderLineIn, TransitionRequest
from orderdesk.orders.service import create_order, load_order, move_order
from orderdesk.tenancy.models import Role
from orderdesk.tenancy.principal import Principal
from orderdesk.workflow.graph import ROLES
from orderdesk.workflow.parse import parse_workflow
from orderdesk.workflow.service import import_workflow
from tests.conftest import make_world
from tests.unit.test_workflow_properties import workflow_definitions


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{Path(tmp_path_factory.mktemp('replay')) / 'replay.db'}"

    async def prepare() -> None:
        engine = make_engine(url)
        await migrate(engine)
        await engine.dispose()

    asyncio.run(prepare())
    return url


attempts = st.lists(
    st.tuples(st.sampled_from(ROLES), st.integers(0, 20), st.one_of(st.none(), st.just("why"))),
    max_size=15,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(definition=workflow_definitions(), moves=attempts)
def test_the_stored_timeline_replays_to_the_current_status(database, definition, moves):
    asyncio.run(_exercise(database, definition, moves))


async def _exercise(url: str, definition: dict, moves: list) -> None:
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    world = await make_world(factory)
    graph = parse_workflow(definition)
    principals = {
        "admin": Principal(world.tenant_id, Role.ADMIN, None, None, "admin"),
        "customer": Principal(
            world.tenant_id, Role.CUSTOMER, world.accounts["customer"], None, "customer"
        ),
        "supplier": Principal(
            world.tenant_id, Role.SUPPLIER, world.accounts["supplier"], None, "supplier"
        ),
    }
    async with session_scope(factory) as session:
        await import_workflow(
            session, definition, principal=principals["supplier"], is_default=True
        )
        item = await create_item(
            session, ItemCreate(sku="S", name="Item"), principal=principals["supplier"]
        )
        order = await create_order(
            session,
            OrderCreate(lines=[OrderLineIn(item_id=item.id)]),
            principal=principals["customer"],
        )
    succeeded = 0
    for role, pick, reason in moves:
        targets = [s.id for s in graph.states]
        request = TransitionRequest(to=targets[pick % len(targets)], reason=reason)
        try:
            async with session_scope(factory) as session:
                await move_order(session, order.id, request, principal=principals[role])
            succeeded += 1
        except OrderdeskError:
            pass
    async with session_scope(factory) as session:
        stored = await load_order(session, order.id, principals["admin"])
        events = list(
            await session.scalars(
                select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
            )
        )
    await engine.dispose()

    assert stored.status_id in {s.id for s in graph.states}
    moved = [e for e in events if e.kind in (EventKind.STATUS_MOVED, EventKind.CANCELLED)]
    assert events[0].kind is EventKind.CREATED
    assert len(moved) == succeeded
    state = graph.initial
    for event in moved:
        assert event.data["from"] == state
        state = event.data["to"]
    assert state == stored.status_id
    assert stored.status_name == graph.state(state).name

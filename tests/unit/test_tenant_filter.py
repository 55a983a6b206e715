"""The checker behind the shard-readiness guard (tests/tenant_filter.py) itself."""

from __future__ import annotations

import pytest
from tests.tenant_filter import TENANT_OWNED, unfiltered

from orderdesk.models import Base


def test_the_tenant_owned_tables_are_all_but_the_reference_tables() -> None:
    assert "orders" in TENANT_OWNED
    assert "kit_items" in TENANT_OWNED
    assert "tenants" not in TENANT_OWNED
    assert "signing_keys" not in TENANT_OWNED


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT orders.id FROM orders WHERE orders.tenant_id = $1::BIGINT AND orders.id = $2",
        "SELECT o.id FROM orders AS o WHERE o.id = $2 AND (o.tenant_id = $1::BIGINT)",
        "SELECT orders.id FROM orders WHERE orders.tenant_id IN ($1::BIGINT, $2::BIGINT)",
        "SELECT orders.id FROM orders WHERE orders.tenant_id = ANY($1)",
        "SELECT orders.id FROM orders WHERE (orders.tenant_id, orders.id) IN (($1, $2))",
        # joined on tenant_id to a filtered table, either way round, transitively
        "SELECT l.id FROM orders AS o JOIN order_lines AS l ON l.order_id = o.id "
        "AND l.tenant_id = o.tenant_id WHERE o.tenant_id = $1",
        "SELECT d.id FROM orders AS o JOIN order_devices AS od ON od.tenant_id = o.tenant_id "
        "AND od.order_id = o.id LEFT OUTER JOIN devices AS d ON d.tenant_id = od.tenant_id "
        "AND d.id = od.device_id WHERE o.tenant_id = $1",
        # the filter in the join's own ON
        "SELECT o.id FROM orders AS o LEFT OUTER JOIN accounts AS a ON a.id = "
        "o.customer_account_id AND a.tenant_id = $2 WHERE o.tenant_id = $1",
        # a correlated subquery reaching its table through the enclosing filtered one
        "SELECT o.id FROM orders AS o WHERE o.tenant_id = $1 AND EXISTS (SELECT 1 FROM "
        "order_tags AS t WHERE t.order_id = o.id AND t.tenant_id = o.tenant_id)",
        # a filtered derived table and CTE
        "SELECT x.id FROM (SELECT orders.id FROM orders WHERE orders.tenant_id = $1) AS x",
        "WITH x AS (SELECT orders.id FROM orders WHERE orders.tenant_id = $1) SELECT x.id FROM x",
        "INSERT INTO orders (tenant_id, status) VALUES ($1::BIGINT, $2::VARCHAR) "
        "RETURNING orders.id",
        "UPDATE orders SET version = $1 WHERE orders.tenant_id = $2 AND orders.id = $3",
        "DELETE FROM order_tags WHERE order_tags.tenant_id = $1 AND order_tags.id = $2",
        # not checked: reference tables, catalogs, transactions, locks, DDL
        "SELECT tenants.id FROM tenants WHERE tenants.name = $1::VARCHAR",
        "SELECT signing_keys.secret FROM signing_keys WHERE signing_keys.purpose = $1",
        "SELECT version_num FROM alembic_version",
        "SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class",
        "SELECT pg_advisory_xact_lock($1, $2)",
        "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY",
        "SAVEPOINT sa_savepoint_1",
        "CREATE INDEX ix_orders_x ON orders (x)",
    ],
)
def test_statements_that_name_their_tenant_pass(sql: str) -> None:
    assert unfiltered(sql) == ()


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        ("SELECT orders.id FROM orders WHERE orders.id = $1::BIGINT", ("orders",)),
        ("SELECT orders.id FROM orders", ("orders",)),
        # a condition inside an OR does not count
        (
            "SELECT orders.id FROM orders WHERE orders.tenant_id = $1 OR orders.id = $2",
            ("orders",),
        ),
        # compared with a column that is not a tenant_id
        ("SELECT o.id FROM orders AS o WHERE o.tenant_id = o.customer_account_id", ("orders",)),
        # joined on id only
        (
            "SELECT o.id FROM orders AS o LEFT OUTER JOIN accounts AS a "
            "ON a.id = o.customer_account_id WHERE o.tenant_id = $1",
            ("accounts",),
        ),
        # children loaded by their parents' ids only (a selectin load)
        (
            "SELECT kit_items.kit_id, kit_items.id FROM kit_items "
            "WHERE kit_items.kit_id IN ($1::BIGINT, $2::BIGINT) ORDER BY kit_items.id",
            ("kit_items",),
        ),
        # two unfiltered tables joined on tenant_id are still unfiltered
        (
            "SELECT o.id FROM orders AS o JOIN order_lines AS l ON l.tenant_id = o.tenant_id",
            ("order_lines", "orders"),
        ),
        (
            "INSERT INTO order_tags (order_id, tag) VALUES ($1, $2) RETURNING order_tags.id",
            ("order_tags",),
        ),
        (
            "INSERT INTO order_tags (tenant_id, order_id, tag) SELECT o.tenant_id, o.id, $1 "
            "FROM orders AS o WHERE o.id = $2",
            ("orders",),
        ),
        (
            "UPDATE orders SET version = $1 WHERE orders.id = $2 AND orders.version = $3",
            ("orders",),
        ),
        ("DELETE FROM order_tags WHERE order_tags.id = $1", ("order_tags",)),
        # subqueries are checked each on its own
        (
            "SELECT orders.id FROM orders WHERE orders.tenant_id = $1 AND orders.id IN "
            "(SELECT order_tags.order_id FROM order_tags WHERE order_tags.tag = $2)",
            ("order_tags",),
        ),
        (
            "SELECT x.id FROM (SELECT orders.id FROM orders WHERE orders.id = $1) AS x",
            ("orders",),
        ),
        ("WITH x AS (SELECT orders.id FROM orders) SELECT x.id FROM x", ("orders",)),
        (
            "SELECT orders.id FROM orders WHERE orders.tenant_id = $1 UNION ALL "
            "SELECT devices.id FROM devices",
            ("devices",),
        ),
        # an inner table of the same name does not borrow the outer one's filter
        (
            "SELECT orders.id FROM orders WHERE orders.tenant_id = $1 AND EXISTS "
            "(SELECT 1 FROM orders WHERE orders.id = $2)",
            ("orders",),
        ),
    ],
)
def test_statements_that_do_not_name_their_tenant_fail(sql: str, tables: tuple[str, ...]) -> None:
    assert unfiltered(sql) == tables


def test_every_tenant_owned_row_is_known_by_tenant_and_id() -> None:
    """So the UPDATE and DELETE a flush sends name the tenant."""
    for mapper in Base.registry.mappers:
        if "tenant_id" in mapper.local_table.c:
            assert [c.name for c in mapper.primary_key] == ["tenant_id", "id"], mapper


def test_every_relationship_between_tenant_owned_rows_joins_on_the_tenant() -> None:
    """So a joined or selectin load names the tenant of what it loads (``same_tenant``)."""
    for mapper in Base.registry.mappers:
        for relationship in mapper.relationships:
            if "tenant_id" not in relationship.entity.local_table.c:
                continue
            pairs = {(a.name, b.name) for a, b in relationship.local_remote_pairs}
            assert ("tenant_id", "tenant_id") in pairs, relationship

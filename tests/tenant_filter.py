"""Every statement on a tenant-owned table names its tenant: ready to shard by ``tenant_id``.

Growth past one database goes to Citus, distributed by ``tenant_id``. A statement
Citus can send to a single shard names the tenant of every distributed table it
touches; one that does not fans out to every shard (or is refused). ``unfiltered``
finds the tenant-owned tables a statement reaches without naming the tenant, and
``TenantFilterGuard`` (installed by ``tests/conftest.py``) applies it to every
statement the application sends to PostgreSQL during a test.

The rules, for the tables with a ``tenant_id`` column (all but the reference tables
``tenants`` and ``signing_keys``):

* SELECT, UPDATE, DELETE: each reference to such a table (by its alias) is *filtered*
  when a top-level conjunct of the WHERE or of a JOIN's ON is ``alias.tenant_id = x``,
  ``alias.tenant_id IN (...)``, ``alias.tenant_id = ANY(x)`` or a tuple IN that has
  ``alias.tenant_id`` in it, where ``x`` is not a column; or when it is equated on
  ``tenant_id`` (``a.tenant_id = b.tenant_id``) with a filtered reference, of the same
  statement or of an enclosing one (a correlated subquery), transitively. A condition
  inside an OR does not count.
* INSERT names ``tenant_id`` among its columns; an INSERT ... SELECT is checked as a SELECT.
* Subqueries, derived tables, CTEs and UNIONs are checked each on their own; a derived
  table or CTE is a source that counts as filtered (its own statement is checked).
* Anything else (DDL, BEGIN/COMMIT/SAVEPOINT, SET, catalog and system queries, queries
  only of reference tables or ``alembic_version``) is not checked.

Statements tenant-independent on purpose are in ``ALLOWED``, each with its reason.
The guard counts a
statement when the innermost project frame that sent it is in ``src/orderdesk`` (not a
test's own query), except in the migrations and in backup/restore, which span tenants.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import greenlet
import sqlglot
from sqlglot import exp

from orderdesk.models import Base

#: The tables sharded by tenant: every table with a ``tenant_id`` column.
TENANT_OWNED: frozenset[str] = frozenset(
    table.name for table in Base.metadata.tables.values() if "tenant_id" in table.c
)

#: Statements that may reach a tenant-owned table without naming the tenant, as
#: regular expressions matched against the start of the statement (whitespace
#: collapsed), each with why it is right.
ALLOWED: dict[str, str] = {
    # Authentication (tenancy.service.credential_by_secret): the credential an API key
    # (or an OAuth2 client secret) is, found by the hash of the secret before anyone
    # knows the tenant: the row found says the tenant. Under Citus this one lookup fans
    # out to every shard, unless ``credentials`` (small, read on every request) becomes
    # a reference table or a secret-hash -> tenant directory is kept in one.
    r"SELECT credentials\.\S+(, credentials\.\S+)* FROM credentials "
    r"WHERE credentials\.secret_hash = \$1::VARCHAR$": (
        "authentication finds a credential by its secret's hash before the tenant is known"
    ),
    # Metrics (orderdesk.metrics.outbox): the webhook backlog gauges are of the one
    # worker's backlog, across every tenant by definition; on Citus a multi-shard
    # aggregate, once a scrape.
    r"SELECT min\(webhook_deliveries\.next_attempt_at\) AS min_1, count\(\*\) AS count_1 "
    r"FROM webhook_deliveries WHERE webhook_deliveries\.state = \$1 "
    r"AND webhook_deliveries\.next_attempt_at <= \$2::TIMESTAMP WITH TIME ZONE$": (
        "the backlog gauge counts the deliveries due in every tenant"
    ),
    r"SELECT webhook_subscriptions\.tenant_id, min\(webhook_subscriptions\.cursor_position\) "
    r"AS min_1 FROM webhook_subscriptions WHERE webhook_subscriptions\.enabled IS true "
    r"GROUP BY webhook_subscriptions\.tenant_id$": (
        "the backlog gauge finds, per tenant, how far its slowest subscription has read"
    ),
    # Maintenance (orderdesk.idempotency.store.purge_expired): expired answers are swept
    # from every tenant at once; on Citus a multi-shard DELETE, run on each shard.
    r"DELETE FROM idempotency_keys WHERE idempotency_keys\.expires_at <= "
    r"\$1::TIMESTAMP WITH TIME ZONE$": "the purge of expired idempotency answers spans tenants",
}

_ALLOWED = [re.compile(pattern) for pattern in ALLOWED]

_CHECKED_START = re.compile(r"\s*\(*\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
_WORDS = re.compile(r"[a-z_][a-z0-9_]*")


def _collapse(sql: str) -> str:
    return " ".join(sql.split())


@cache
def unfiltered(sql: str) -> tuple[str, ...]:
    """The tenant-owned tables ``sql`` reads or writes without naming the tenant
    (sorted, each once); empty when it names it everywhere, or is not checked."""
    if not _CHECKED_START.match(sql):
        return ()
    if TENANT_OWNED.isdisjoint(_WORDS.findall(sql.lower())):
        return ()  # no tenant-owned table named at all (reference tables, catalogs)
    shape = _collapse(sql)
    if any(pattern.match(shape) for pattern in _ALLOWED):
        return ()
    try:
        statements = sqlglot.parse(sql, read="postgres")
    except sqlglot.errors.ParseError:
        return ("<statement the checker cannot parse>",)
    found: set[str] = set()
    for statement in statements:
        if statement is not None:
            found.update(_check(statement, frozenset()))
    return tuple(sorted(found))


# --- the checker ----------------------------------------------------------------------


def _arg(node: exp.Expression, *names: str) -> Any:
    for name in names:  # sqlglot renamed some keys (``from`` -> ``from_``) across versions
        value = node.args.get(name)
        if value is not None:
            return value
    return None


def _check(node: exp.Expression, outer: frozenset[str]) -> Iterator[str]:
    """Violations in one statement or query expression; ``outer`` the filtered aliases
    of the statements enclosing it (for correlated subqueries)."""
    with_ = _arg(node, "with_", "with")
    if with_ is not None:
        for cte in with_.expressions:
            yield from _check(cte.this, outer)
    if isinstance(node, exp.SetOperation):  # UNION, INTERSECT, EXCEPT
        yield from _check(node.left, outer)
        yield from _check(node.right, outer)
    elif isinstance(node, exp.Subquery):
        yield from _check(node.this, outer)
    elif isinstance(node, exp.Select):
        sources = [_arg(node, "from_", "from"), *(node.args.get("joins") or [])]
        yield from _check_query(node, [s.this for s in sources if s is not None], outer)
    elif isinstance(node, exp.Update):
        from_ = _arg(node, "from_", "from")
        sources = [node.this] + ([from_.this] if from_ is not None else [])
        sources += [join.this for join in node.args.get("joins") or []]
        yield from _check_query(node, sources, outer)
    elif isinstance(node, exp.Delete):
        using = node.args.get("using") or []
        yield from _check_query(node, [node.this, *using], outer)
    elif isinstance(node, exp.Insert):
        yield from _check_insert(node, outer)
    # anything else is not a query: nothing to check


def _check_insert(node: exp.Insert, outer: frozenset[str]) -> Iterator[str]:
    target = node.this
    columns: list[str] | None = None
    if isinstance(target, exp.Schema):
        columns = [c.name for c in target.expressions]
        target = target.this
    if (
        isinstance(target, exp.Table)
        and target.name in TENANT_OWNED
        and (columns is None or "tenant_id" not in columns)
    ):
        yield target.name
    source = node.expression
    if source is not None:
        yield from _check(source, outer)
    for sub in _nested_queries(node, skip=(source, node.this)):
        yield from _check(sub, outer)


@dataclass
class _Scope:
    tables: dict[str, str] = field(default_factory=dict)  # alias -> tenant-owned table
    derived: set[str] = field(default_factory=set)  # aliases of subqueries, CTEs, others
    filtered: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # tenant_id = tenant_id


def _check_query(
    node: exp.Expression, sources: list[exp.Expression], outer: frozenset[str]
) -> Iterator[str]:
    scope = _Scope()
    for source in sources:
        if isinstance(source, exp.Table) and source.name in TENANT_OWNED:
            scope.tables[source.alias_or_name] = source.name
        elif source is not None and source.alias_or_name:
            scope.derived.add(source.alias_or_name)
    conditions: list[exp.Expression] = []
    where = node.args.get("where")
    if where is not None:
        conditions.extend(_conjuncts(where.this))
    for join in node.args.get("joins") or []:
        on = join.args.get("on")
        if on is not None:
            conditions.extend(_conjuncts(on))
    only = next(iter(scope.tables)) if len(scope.tables) == 1 and not scope.derived else None
    for condition in conditions:
        _classify(condition, scope, only)
    # An enclosing statement's alias counts unless this statement's own sources shadow it.
    filtered = scope.filtered | scope.derived | (outer - scope.tables.keys() - scope.derived)
    changed = True
    while changed:  # tenant_id = tenant_id carries a filter, either way, transitively
        changed = False
        for a, b in scope.links:
            if (a in filtered) != (b in filtered):
                filtered |= {a, b}
                changed = True
    for alias, table in scope.tables.items():
        if alias not in filtered:
            yield table
    inner = frozenset(filtered)
    for sub in _nested_queries(node, skip=()):
        yield from _check(sub, inner)


def _conjuncts(condition: exp.Expression) -> Iterator[exp.Expression]:
    while isinstance(condition, exp.Paren):
        condition = condition.this
    if isinstance(condition, exp.And):
        yield from _conjuncts(condition.left)
        yield from _conjuncts(condition.right)
    else:
        yield condition


def _tenant_column(node: exp.Expression | None, only: str | None) -> str | None:
    """The alias whose ``tenant_id`` ``node`` is (casts looked through), or None."""
    while isinstance(node, exp.Cast | exp.Paren):
        node = node.this
    if isinstance(node, exp.Column) and node.name == "tenant_id":
        return node.table or only or "?"
    return None


def _is_column(node: exp.Expression | None) -> bool:
    while isinstance(node, exp.Cast | exp.Paren):
        node = node.this
    return isinstance(node, exp.Column)


def _classify(condition: exp.Expression, scope: _Scope, only: str | None) -> None:
    if isinstance(condition, exp.EQ):
        left = _tenant_column(condition.left, only)
        right = _tenant_column(condition.right, only)
        if left and right:
            scope.links.append((left, right))
        elif left and not _is_column(condition.right):
            scope.filtered.add(left)
        elif right and not _is_column(condition.left):
            scope.filtered.add(right)
    elif isinstance(condition, exp.In):
        subject = condition.this
        if isinstance(subject, exp.Tuple):  # (t.tenant_id, t.id) IN ((...), ...)
            for part in subject.expressions:
                alias = _tenant_column(part, only)
                if alias:
                    scope.filtered.add(alias)
        else:
            alias = _tenant_column(subject, only)
            if alias and not any(_is_column(value) for value in condition.expressions):
                scope.filtered.add(alias)


_QUERY = (exp.Select, exp.SetOperation, exp.Update, exp.Delete, exp.Insert)


def _nested_queries(
    node: exp.Expression, skip: Iterable[exp.Expression | None]
) -> Iterator[exp.Expression]:
    """The queries directly inside ``node`` (not inside one of those), but its CTEs."""
    skipped = {id(s) for s in skip if s is not None}
    with_ = _arg(node, "with_", "with")
    if with_ is not None:
        skipped.add(id(with_))
    stack = [child for child in _children(node) if id(child) not in skipped]
    while stack:
        child = stack.pop()
        if isinstance(child, _QUERY):
            yield child
        else:
            stack.extend(_children(child))


def _children(node: exp.Expression) -> Iterator[exp.Expression]:
    for value in node.args.values():
        if isinstance(value, exp.Expression):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, exp.Expression))


# --- the guard the test set-up installs --------------------------------------------------

_SRC = str(Path(__file__).resolve().parents[1] / "src" / "orderdesk") + "/"
_TESTS = str(Path(__file__).resolve().parent) + "/"
#: Statements sent from here are not the application's queries under test.
_EXEMPT = (
    _SRC + "migrations/",  # schema and data migrations span tenants by design
    _SRC + "migrate.py",
    _SRC + "cli/backup.py",  # backup and restore copy the whole database, every tenant
)


def _first_project_frame() -> str | None:
    """The file of the innermost frame that is the project's own code, src or tests.

    SQLAlchemy's asyncio layer runs the statement in a greenlet whose frames end at the
    library: the awaiting code's frames are those of the parent greenlet, suspended."""
    frame: Any = sys._getframe(2)
    current: Any = greenlet.getcurrent()
    while True:
        while frame is not None:
            name = frame.f_code.co_filename
            if name.startswith(_SRC) or (name.startswith(_TESTS) and name != __file__):
                return str(name)
            frame = frame.f_back
        current = current.parent
        if current is None:
            return None
        frame = current.gr_frame


class TenantFilterGuard:
    """A ``before_cursor_execute`` listener that keeps the application's PostgreSQL
    statements that do not name their tenant (their SQL text only, never parameters)."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[str, ...]] = {}

    def __call__(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if conn.dialect.name != "postgresql":
            return
        tables = unfiltered(statement)
        if not tables or statement in self.found:
            return
        where = _first_project_frame()
        if where is not None and (not where.startswith(_SRC) or where.startswith(_EXEMPT)):
            return  # the test's own statements, or a migration's (unknown ones count)
        self.found[statement] = tables

    def take(self) -> dict[str, tuple[str, ...]]:
        found, self.found = self.found, {}
        return found


#: A long select list, shortened in reports (the tables and conditions are what matter).
_SELECT_LIST = re.compile(r"^(SELECT) .{100,}? FROM ")


def report(found: dict[str, tuple[str, ...]]) -> str:
    lines = [f"{len(found)} statement(s) on tenant-owned tables without a tenant_id condition:"]
    for statement, tables in found.items():
        shape = _SELECT_LIST.sub(r"\1 ... FROM ", _collapse(statement))
        lines.append(f"- [{', '.join(tables)}] {shape}")
    return "\n".join(lines)

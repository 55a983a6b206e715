"""Queries in one place: the surfaces call the areas' queries and services, never the database.

The source is read with ``ast``, so a comment or a string that mentions ``select(`` does
not count, and an aliased import (``from sqlalchemy import select as pick``) does.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import orderdesk

SRC = Path(orderdesk.__file__).parent
#: The packages that only translate: requests in, core calls, answers out.
SURFACES = ("api", "compat", "cli")
#: Statement builders that make a query wherever they are called.
STATEMENTS = frozenset({"select", "insert", "update", "delete"})
#: The core's query helpers: only an area's queries or service may call them.
QUERY_HELPERS = frozenset({"get_visible", "select_visible", "paginate"})
#: What a session runs a statement (or a lookup by primary key) with.
SESSION_QUERIES = frozenset(
    {"execute", "scalars", "scalar", "stream", "stream_scalars", "get", "get_one"}
)
#: Lookups by primary key alone: they cannot filter by tenant in SQL.
LOOKUPS_BY_KEY = frozenset({"get", "get_one"})


def _modules(*packages: str) -> list[Path]:
    roots = [SRC / p for p in packages] if packages else [SRC]
    return sorted(
        path
        for root in roots
        for path in root.rglob("*.py")
        if "migrations" not in path.relative_to(SRC).parts
    )


def _is_sqlalchemy(module: str) -> bool:
    return module == "sqlalchemy" or module.startswith("sqlalchemy.")


def _root(node: ast.expr) -> str | None:
    """The name an attribute chain starts from: ``sa`` in ``sa.sql.select``."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_session(node: ast.expr) -> bool:
    """``session``, ``self.session``, ``db_session``: what holds a session is named so."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
    return isinstance(name, str) and "session" in name.lower()


class _Imports:
    """What a module's local names stand for, as far as the scan cares."""

    def __init__(self, tree: ast.Module) -> None:
        self.statements: dict[str, str] = {}  # local name -> sqlalchemy statement builder
        self.sqlalchemy: set[str] = set()  # local names bound to a sqlalchemy module
        self.helpers: dict[str, str] = {}  # local name -> query helper
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if _is_sqlalchemy(alias.name):
                        self.sqlalchemy.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module is not None:
                for alias in node.names:
                    local = alias.asname or alias.name
                    if _is_sqlalchemy(node.module):
                        if alias.name in STATEMENTS:
                            self.statements[local] = alias.name
                        else:
                            self.sqlalchemy.add(local)  # a submodule, or harmless
                    if alias.name in QUERY_HELPERS:
                        self.helpers[local] = alias.name


def surface_queries(source: str) -> Iterator[tuple[int, str]]:
    """Each place this module makes or runs a query itself: (line, what)."""
    tree = ast.parse(source)
    imports = _Imports(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in imports.statements:
                yield node.lineno, f"sqlalchemy {imports.statements[func.id]}()"
            elif func.id in imports.helpers:
                yield node.lineno, f"{imports.helpers[func.id]}()"
        elif isinstance(func, ast.Attribute):
            if func.attr in STATEMENTS and _root(func.value) in imports.sqlalchemy:
                yield node.lineno, f"sqlalchemy {func.attr}()"
            elif func.attr in QUERY_HELPERS:
                yield node.lineno, f"{func.attr}()"
            elif func.attr in SESSION_QUERIES and _is_session(func.value):
                yield node.lineno, f"session.{func.attr}()"


def lookups_by_key(source: str) -> Iterator[tuple[int, str]]:
    """Each ``session.get(Model, id)``: a lookup that filters by nothing but the id."""
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOOKUPS_BY_KEY
            and _is_session(node.func.value)
        ):
            yield node.lineno, f"session.{node.func.attr}()"


def _report(found: list[str], why: str) -> str:
    return f"{why}:\n  " + "\n  ".join(found)


def test_the_surfaces_leave_queries_to_the_areas() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line}: {what}"
        for path in _modules(*SURFACES)
        for line, what in sorted(surface_queries(path.read_text()))
    ]
    assert not found, _report(
        found, "queries belong in the area's queries.py or service, not in a surface"
    )


def test_every_lookup_by_id_filters_by_tenant_in_sql() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line}: {what}"
        for path in _modules()
        for line, what in sorted(lookups_by_key(path.read_text()))
    ]
    assert not found, _report(
        found, "select by tenant and id (tenancy.scoping) instead of a lookup by key alone"
    )


#: What a status table is built from: a state's kind and outcome, or the default workflows.
CLASSIFICATION_NAMES = frozenset({"StateType", "Phase", "phase_of"})
CLASSIFICATION_ATTRIBUTES = frozenset({"outcome", "status_outcome", "status_type"})


def status_rules(source: str) -> Iterator[tuple[int, str]]:
    """Where a module classifies states itself: importing what classifies them, the
    default workflows, or reading a state's outcome."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.module == "orderdesk.workflow.defaults":
                yield node.lineno, "imports the default workflows"
            for alias in node.names:
                if alias.name in CLASSIFICATION_NAMES:
                    yield node.lineno, f"imports {alias.name}"
        elif isinstance(node, ast.Attribute) and node.attr in CLASSIFICATION_ATTRIBUTES:
            yield node.lineno, f".{node.attr}"


def test_no_compatibility_module_classifies_states_itself() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line}: {what}"
        for path in _modules("compat")
        for line, what in sorted(status_rules(path.read_text()))
    ]
    assert not found, _report(
        found, "a vendor's status comes from the core's terms (workflow.vocabularies)"
    )


@pytest.mark.parametrize(
    "source",
    [
        "from orderdesk.workflow.graph import StateType",
        "from orderdesk.workflow.defaults import IMPILO_DEVICE",
        "def f(status):\n    return status.outcome == 'cancelled'",
        "from orderdesk.workflow.vocabularies import phase_of",
    ],
)
def test_the_status_scan_finds_a_classification(source: str) -> None:
    assert list(status_rules(source))


# --- the scan itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "from sqlalchemy import select\nselect(Order)",
        "from sqlalchemy import select as pick\npick(Order)",
        "from sqlalchemy import update\nupdate(Order).values(x=1)",
        "import sqlalchemy as sa\nsa.delete(Order)",
        "import sqlalchemy\nsqlalchemy.sql.insert(Order)",
        "from sqlalchemy import sql\nsql.select(Order)",
        "async def f(session):\n    await session.execute(stmt)",
        "async def f(session):\n    await session.scalars(stmt)",
        "async def f(session):\n    await session.scalar(stmt)",
        "async def f(session):\n    await session.get(Order, 1)",
        "async def f(self):\n    await self.session.get_one(Order, 1)",
        "from orderdesk.tenancy.scoping import get_visible\nget_visible(s, Order, 1, p, kind='o')",
        "from orderdesk.tenancy import scoping\nscoping.select_visible(Order, p)",
        "from orderdesk.pagination import paginate as page\npage(s, stmt)",
    ],
)
def test_the_scan_finds_a_query(source: str) -> None:
    assert list(surface_queries(source))


@pytest.mark.parametrize(
    "source",
    [
        "# session.execute(select(Order))\nx = 1",
        "'''select(Order) and session.get(Order, 1)'''",
        "message = 'call session.scalars(select(Order))'",
        "from orderdesk.orders import queries\nqueries.list_orders(s, p, f)",
        "headers = {}\nheaders.get('accept')",
        "def select(x):\n    return x\nselect(1)",  # not sqlalchemy's
        "from fastapi import Query\nQuery(default=None)",
    ],
)
def test_the_scan_ignores_text_and_other_calls(source: str) -> None:
    assert not list(surface_queries(source))


def test_the_scan_finds_lookups_by_key_alone() -> None:
    source = "async def f(session):\n    await session.get(Order, 1)\n    # session.get(X, 2)\n"
    assert list(lookups_by_key(source)) == [(2, "session.get()")]

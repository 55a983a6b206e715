"""``orderdesk backup FILE`` and ``orderdesk restore FILE``: a backup restored into a fresh
database reads back the same orders, timelines and audit records, on SQLite and on
PostgreSQL; restore refuses what it must; a failed backup leaves nothing behind.

Each backend's source database (the demo, plus audit records) is made and backed up
once per module, then read through the API: that ``snapshot`` is what every restore of
the backup must read back. Reads add audit records, so the source is read only once.

Nothing here prints a field value: differences are reported by where they are.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from orderdesk.cli import backup as backup_command
from orderdesk.config import async_database_url
from orderdesk.db import make_engine
from tests.conftest import _create_pg_database, _drop_pg_database
from tests.integration.servers import running_server
from tests.test_cli import ainvoke, api, bearer, query, sqlite_url


@dataclass
class Backup:
    """A backup ``file`` of a demo database, what the API read from that database right
    after the backup (``snapshot``), and what ``demo --json`` printed."""

    file: Path
    snapshot: dict[str, Any]
    demo: dict[str, Any]


# --- helpers ----------------------------------------------------------------------------


async def every(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> list[Any]:
    """The items of every page of the list at ``path``."""
    items: list[Any] = []
    url: str | None = path
    while url is not None:
        answer = await client.get(url, headers=headers)
        assert answer.status_code == 200, answer.status_code
        page = answer.json()
        items += page["items"]
        url = page["next"]
    return items


async def read_back(url: str, demo: dict[str, Any]) -> dict[str, Any]:
    """The audit records (first: the reads after them add records), the orders and each
    order's timeline, as the admin reads them through the API."""
    admin = bearer(demo["keys"]["admin"])
    async with api(url) as client:
        audit = await every(client, "/v1/audit-events?limit=100", admin)
        orders = await every(client, "/v1/orders?limit=100", admin)
        timelines = {
            order["id"]: await every(client, f"/v1/orders/{order['id']}/timeline?limit=100", admin)
            for order in orders
        }
    return {"audit": audit, "orders": orders, "timelines": timelines}


def differences(expected: Any, got: Any, where: str = "") -> list[str]:
    """Where ``got`` differs from ``expected`` (paths only, never the values)."""
    if isinstance(expected, dict) and isinstance(got, dict):
        found = [f"{where}/{key}: missing or extra" for key in expected.keys() ^ got.keys()]
        for key in expected.keys() & got.keys():
            found += differences(expected[key], got[key], f"{where}/{key}")
        return found
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return [f"{where}: {len(expected)} items expected, {len(got)} found"]
        found = []
        for index, (one, other) in enumerate(zip(expected, got, strict=True)):
            found += differences(one, other, f"{where}[{index}]")
        return found
    return [] if expected == got else [where]


async def make_backup(url: str, file: Path) -> Backup:
    """The demo and some audit records in the database at ``url``, backed up to ``file``,
    then read back."""
    loaded = await ainvoke(url, "demo", "--json")
    assert loaded.exit_code == 0, loaded.stderr
    demo = json.loads(loaded.stdout)
    customer, other = bearer(demo["keys"]["customer"]), bearer(demo["keys"]["customer_other"])
    async with api(url) as client:  # audit records: disclosures, and one refusal
        orders = (await client.get("/v1/orders?limit=3", headers=customer)).json()["items"]
        for order in orders:
            answer = await client.get(f"/v1/orders/{order['id']}", headers=customer)
            assert answer.status_code == 200, answer.status_code
        refused = await client.get(f"/v1/orders/{orders[0]['id']}", headers=other)
        assert refused.status_code == 404, refused.status_code
    done = await ainvoke(url, "backup", str(file))
    assert done.exit_code == 0, done.stderr
    snapshot = await read_back(url, demo)
    assert len(snapshot["audit"]) >= 4, "the source has too few audit records to compare"
    assert len(snapshot["orders"]) > 40
    assert all(snapshot["timelines"].values())
    return Backup(file, snapshot, demo)


def count(url: str, table: str) -> int:
    ((number,),) = query(url, f"SELECT count(*) FROM {table}")
    return int(number)


def folder_holds(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


def new_order(demo: dict[str, Any]) -> dict[str, Any]:
    """A body the demo's first customer may order with."""
    return {"patient_id": demo["patient_ids"][0], "lines": [{"item_id": demo["item_ids"][0]}]}


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def sqlite_backup(tmp_path_factory: pytest.TempPathFactory) -> Backup:
    folder = tmp_path_factory.mktemp("sqlite-source")
    return await make_backup(sqlite_url(folder / "source.db"), folder / "source.backup")


@pytest.fixture(scope="module")
async def empty_sqlite_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of a migrated database without data."""
    folder = tmp_path_factory.mktemp("sqlite-empty")
    url = sqlite_url(folder / "empty.db")
    assert (await ainvoke(url, "migrate")).exit_code == 0
    done = await ainvoke(url, "backup", str(folder / "empty.backup"))
    assert done.exit_code == 0, done.stderr
    return folder / "empty.backup"


@pytest.fixture(scope="module")
async def pg_backup(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Backup]:
    url = await _create_pg_database()
    try:
        assert (await ainvoke(url, "migrate")).exit_code == 0
        yield await make_backup(url, tmp_path_factory.mktemp("pg-source") / "source.backup")
    finally:
        await _drop_pg_database(url)


@pytest.fixture
async def fresh_pg() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database (not migrated), dropped after the test."""
    url = await _create_pg_database()
    try:
        yield url
    finally:
        await _drop_pg_database(url)


# --- SQLite -----------------------------------------------------------------------------


async def test_restore_into_a_new_sqlite_file_reads_back_the_same_orders_timelines_and_audit(
    sqlite_backup, tmp_path
):
    url = sqlite_url(tmp_path / "restored.db")
    done = await ainvoke(url, "restore", str(sqlite_backup.file))
    assert done.exit_code == 0, done.stderr
    found = differences(sqlite_backup.snapshot, await read_back(url, sqlite_backup.demo))
    assert not found, found


async def test_a_backup_taken_while_the_server_writes_holds_each_order_it_had_acknowledged(
    sqlite_backup, tmp_path
):
    url = sqlite_url(tmp_path / "busy.db")
    assert (await ainvoke(url, "restore", str(sqlite_backup.file))).exit_code == 0
    customer, body = bearer(sqlite_backup.demo["keys"]["customer"]), new_order(sqlite_backup.demo)
    acknowledged: list[int] = []
    stop, enough = asyncio.Event(), asyncio.Event()

    async def place_orders(http: httpx.AsyncClient) -> None:
        while not stop.is_set():
            answer = await http.post("/v1/orders", json=body, headers=customer)
            assert answer.status_code == 201, answer.status_code
            acknowledged.append(answer.json()["id"])
            if len(acknowledged) >= 5:
                enough.set()

    file = tmp_path / "busy.backup"
    async with running_server(url) as base, httpx.AsyncClient(base_url=base) as http:
        writer = asyncio.create_task(place_orders(http))
        try:
            await asyncio.wait_for(enough.wait(), timeout=20)  # (a failed write: see below)
            before = set(acknowledged)
            done = await ainvoke(url, "backup", str(file))
            await asyncio.sleep(0.2)  # the server goes on writing after it
        finally:
            stop.set()
            await writer
    assert done.exit_code == 0, done.stderr
    copy = sqlite_url(file)
    assert query(copy, "PRAGMA integrity_check") == [("ok",)]
    in_backup = {row[0] for row in query(copy, "SELECT id FROM orders")}
    assert before <= in_backup  # every committed order, those only in the WAL too
    assert in_backup <= {o["id"] for o in sqlite_backup.snapshot["orders"]} | set(acknowledged)
    # Each order whole: its lines, and its timeline from the first event on, without gaps.
    assert (
        query(copy, "SELECT id FROM orders WHERE id NOT IN (SELECT order_id FROM order_lines)")
        == []
    )
    timelines = query(
        copy, "SELECT order_id, count(*), min(sequence), max(sequence) FROM order_events GROUP BY 1"
    )
    assert {row[0] for row in timelines} == in_backup
    assert all(low == 1 and high == events for _, events, low, high in timelines)


async def test_a_backup_is_readable_by_its_owner_only(sqlite_backup):
    assert stat.S_IMODE(sqlite_backup.file.stat().st_mode) == 0o600


async def test_restore_refuses_a_database_that_holds_data_and_names_it(
    sqlite_backup, empty_sqlite_backup, tmp_path
):
    url = sqlite_url(tmp_path / "held.db")
    assert (await ainvoke(url, "restore", str(sqlite_backup.file))).exit_code == 0
    orders = count(url, "orders")
    refused = await ainvoke(url, "restore", str(empty_sqlite_backup))
    assert refused.exit_code == 1
    assert str(tmp_path / "held.db") in refused.stderr
    assert "rows in" in refused.stderr and "orders" in refused.stderr
    assert "--force" in refused.stderr
    assert count(url, "orders") == orders


async def test_restore_with_force_replaces_a_database_that_holds_data(
    sqlite_backup, empty_sqlite_backup, tmp_path
):
    url = sqlite_url(tmp_path / "replaced.db")
    assert (await ainvoke(url, "restore", str(sqlite_backup.file))).exit_code == 0
    done = await ainvoke(url, "restore", "--force", str(empty_sqlite_backup))
    assert done.exit_code == 0, done.stderr
    assert count(url, "orders") == 0
    assert count(url, "audit_events") == 0


def _text_file(path: Path) -> None:
    path.write_text("order_id,status\n1,new\n")


def _foreign_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")
    db.close()


def _nothing(path: Path) -> None:
    pass


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (_text_file, "is not an SQLite database"),
        (_foreign_sqlite, "not one of orderdesk"),
        (_nothing, "there is no backup at"),
    ],
    ids=["text", "sqlite-not-orderdesk", "missing"],
)
async def test_restore_refuses_a_file_that_is_not_a_backup_and_creates_nothing(
    make, said, tmp_path
):
    file = tmp_path / "not-a.backup"
    make(file)
    database = tmp_path / "target.db"
    refused = await ainvoke(sqlite_url(database), "restore", str(file))
    assert refused.exit_code == 1
    assert said in refused.stderr
    assert str(file) in refused.stderr
    assert not database.exists()


async def test_restore_refuses_a_backup_a_newer_release_made(sqlite_backup, tmp_path):
    file = tmp_path / "newer.backup"
    file.write_bytes(sqlite_backup.file.read_bytes())
    with sqlite3.connect(file) as db:
        db.execute("UPDATE alembic_version SET version_num = '99991231_9999'")
    db.close()
    database = tmp_path / "target.db"
    refused = await ainvoke(sqlite_url(database), "restore", str(file))
    assert refused.exit_code == 1
    assert "99991231_9999" in refused.stderr and "newer release" in refused.stderr
    assert not database.exists()


async def test_a_failed_backup_leaves_no_partial_file_and_keeps_the_earlier_one(tmp_path):
    database = tmp_path / "broken.db"
    database.write_bytes(b"not a database at all, " * 100)
    folder = tmp_path / "backups"
    folder.mkdir()
    earlier = folder / "nightly.backup"
    earlier.write_bytes(b"the earlier backup")
    failed = await ainvoke(sqlite_url(database), "backup", str(earlier))
    assert failed.exit_code == 1
    assert "could not back up" in failed.stderr
    assert folder_holds(folder) == {"nightly.backup"}
    assert earlier.read_bytes() == b"the earlier backup"


async def test_a_backup_to_a_folder_fails_clearly_and_leaves_nothing(sqlite_backup, tmp_path):
    url = sqlite_url(tmp_path / "source.db")
    assert (await ainvoke(url, "restore", str(sqlite_backup.file))).exit_code == 0
    (tmp_path / "backups").mkdir()
    before = folder_holds(tmp_path)
    failed = await ainvoke(url, "backup", str(tmp_path / "backups"))
    assert failed.exit_code == 1
    assert "it is a folder" in failed.stderr
    assert folder_holds(tmp_path) == before
    assert folder_holds(tmp_path / "backups") == set()


async def test_restore_takes_a_database_the_server_has_only_started_on(sqlite_backup, tmp_path):
    url = sqlite_url(tmp_path / "started.db")
    assert (await ainvoke(url, "migrate")).exit_code == 0
    async with api(url) as client:  # start-up fills the tenant, its workflows, a signing key
        assert (await client.get("/readyz")).status_code == 200
    done = await ainvoke(url, "restore", str(sqlite_backup.file))
    assert done.exit_code == 0, done.stderr
    assert count(url, "orders") == len(sqlite_backup.snapshot["orders"])


async def test_backup_refuses_to_write_over_the_database_itself(sqlite_backup, tmp_path):
    database = tmp_path / "self.db"
    url = sqlite_url(database)
    assert (await ainvoke(url, "restore", str(sqlite_backup.file))).exit_code == 0
    orders = count(url, "orders")
    refused = await ainvoke(url, "backup", str(database))
    assert refused.exit_code == 1
    assert "is the database itself" in refused.stderr
    assert count(url, "orders") == orders


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.postgres
async def test_restore_into_a_fresh_postgresql_database_reads_back_the_same_orders_and_audit(
    pg_backup, fresh_pg
):
    done = await ainvoke(fresh_pg, "restore", str(pg_backup.file))
    assert done.exit_code == 0, done.stderr
    found = differences(pg_backup.snapshot, await read_back(fresh_pg, pg_backup.demo))
    assert not found, found


@pytest.mark.postgres
async def test_a_restored_postgresql_database_numbers_new_orders_after_the_restored_ones(
    pg_backup, fresh_pg
):
    assert (await ainvoke(fresh_pg, "restore", str(pg_backup.file))).exit_code == 0
    async with api(fresh_pg) as client:
        answer = await client.post(
            "/v1/orders",
            json=new_order(pg_backup.demo),
            headers=bearer(pg_backup.demo["keys"]["customer"]),
        )
    assert answer.status_code == 201, answer.status_code
    assert answer.json()["id"] > max(o["id"] for o in pg_backup.snapshot["orders"])


@pytest.mark.postgres
async def test_restore_refuses_a_postgresql_database_that_holds_data_and_names_it(
    pg_backup, fresh_pg
):
    assert (await ainvoke(fresh_pg, "restore", str(pg_backup.file))).exit_code == 0
    refused = await ainvoke(fresh_pg, "restore", str(pg_backup.file))
    assert refused.exit_code == 1
    assert make_url(fresh_pg).database in refused.stderr
    assert "rows in" in refused.stderr and "orders" in refused.stderr
    assert "--force" in refused.stderr


@pytest.mark.postgres
async def test_restore_with_force_replaces_what_a_postgresql_database_holds(pg_backup, fresh_pg):
    assert (await ainvoke(fresh_pg, "restore", str(pg_backup.file))).exit_code == 0
    async with api(fresh_pg) as client:  # a change the backup does not hold
        answer = await client.post(
            "/v1/orders",
            json=new_order(pg_backup.demo),
            headers=bearer(pg_backup.demo["keys"]["customer"]),
        )
        assert answer.status_code == 201, answer.status_code
    done = await ainvoke(fresh_pg, "restore", "--force", str(pg_backup.file))
    assert done.exit_code == 0, done.stderr
    found = differences(pg_backup.snapshot, await read_back(fresh_pg, pg_backup.demo))
    assert not found, found


@pytest.mark.postgres
async def test_restore_refuses_a_postgresql_database_another_session_is_using(pg_backup, fresh_pg):
    engine = make_engine(async_database_url(fresh_pg))
    try:
        async with engine.connect():  # a server, say, still connected
            refused = await ainvoke(fresh_pg, "restore", str(pg_backup.file))
    finally:
        await engine.dispose()
    assert refused.exit_code == 1
    assert "1 other session(s) are connected" in refused.stderr
    engine = make_engine(async_database_url(fresh_pg))
    try:
        async with engine.connect() as connection:  # nothing was restored
            tables = await connection.scalar(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            )
    finally:
        await engine.dispose()
    assert tables == 0


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("make", "said"),
    [(_text_file, "is not a PostgreSQL backup"), (None, "is an SQLite backup")],
    ids=["text", "sqlite-backup"],
)
async def test_restore_on_postgresql_refuses_a_file_that_is_not_its_backup(
    make, said, sqlite_backup, fresh_pg, tmp_path
):
    file = sqlite_backup.file
    if make is not None:
        file = tmp_path / "not-a.backup"
        make(file)
    refused = await ainvoke(fresh_pg, "restore", str(file))
    assert refused.exit_code == 1
    assert said in refused.stderr and str(file) in refused.stderr


@pytest.mark.postgres
async def test_a_failed_postgresql_backup_leaves_no_partial_file_and_keeps_the_earlier_one(
    fresh_pg, tmp_path
):
    missing = make_url(fresh_pg).set(database=f"{make_url(fresh_pg).database}_missing")
    earlier = tmp_path / "nightly.backup"
    earlier.write_bytes(b"the earlier backup")
    failed = await ainvoke(missing.render_as_string(hide_password=False), "backup", str(earlier))
    assert failed.exit_code == 1
    assert "pg_dump failed" in failed.stderr
    assert folder_holds(tmp_path) == {"nightly.backup"}
    assert earlier.read_bytes() == b"the earlier backup"


@pytest.mark.postgres
async def test_a_postgresql_backup_is_readable_by_its_owner_only(pg_backup):
    assert stat.S_IMODE(pg_backup.file.stat().st_mode) == 0o600


@pytest.mark.postgres
async def test_the_password_reaches_pg_dump_in_its_environment_not_on_its_command_line(
    fresh_pg, tmp_path, monkeypatch
):
    password = "pw-never-on-argv"  # local PostgreSQL trusts: any password connects
    url = make_url(fresh_pg).set(password=password).render_as_string(hide_password=False)
    calls: list[tuple[list[str], dict[str, str]]] = []
    run = backup_command.subprocess.run

    def spy(arguments: list[str], **options: Any) -> Any:
        calls.append((list(arguments), options.get("env") or dict(os.environ)))
        return run(arguments, **options)

    monkeypatch.setattr(backup_command.subprocess, "run", spy)
    done = await ainvoke(url, "backup", str(tmp_path / "pw.backup"))
    assert done.exit_code == 0, done.stderr
    ((arguments, environment),) = calls
    assert not any(password in argument for argument in arguments), "on the command line"
    assert environment.get("PGPASSWORD") == password
    assert password not in done.stdout + done.stderr

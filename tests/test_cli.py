"""The ``orderdesk`` command line: migrate, demo, keys, serve and the environment's admin key.

Commands run in a worker thread because each runs its own event loop, which
cannot start inside the test's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import Result
from typer.testing import CliRunner

from orderdesk.app import create_app
from orderdesk.cli import app as cli
from orderdesk.config import Settings, get_settings
from orderdesk.tenancy.models import Role
from orderdesk.tenancy.scopes import ROLE_SCOPES
from tests.conftest import _create_pg_database, _drop_pg_database

DEMO_FIELDS = {
    "keys",
    "accounts",
    "patient_ids",
    "site_ids",
    "item_ids",
    "kit_ids",
    "product_ids",
    "order_ids",
    "workflow_product_ids",
    "device_ids",
}
DEFAULT_WORKFLOW_KEYS = {"dental-lab", "lab-request", "impilo-device", "rso-record"}
WHO = {"customer", "customer_other", "supplier"}
KEY_COLUMNS = ["id", "prefix", "name", "role", "account", "created", "last", "used", "revoked"]


def invoke(url: str, *args: str) -> Result:
    """``orderdesk ARGS`` against the database at ``url``; settings are read afresh."""
    environment = {"ORDERDESK_DATABASE_URL": url, "ORDERDESK_ADMIN_KEY": None}
    get_settings.cache_clear()
    try:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(CliRunner().invoke, cli, list(args), env=environment).result()
    finally:
        get_settings.cache_clear()


async def ainvoke(url: str, *args: str) -> Result:
    """``invoke`` from an async test: the test's loop keeps running the app's clean-ups."""
    return await asyncio.to_thread(invoke, url, *args)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        return db.execute(sql).fetchall()


@asynccontextmanager
async def api(url: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """The app over ASGI, started (lifespan) on ``url``, or as configured by the environment."""
    app = create_app(Settings(database_url=url) if url else None)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """One database with the demo loaded, and what ``demo --json`` printed."""
    url = sqlite_url(tmp_path_factory.mktemp("demo") / "demo.db")
    result = invoke(url, "demo", "--json")
    assert result.exit_code == 0, result.stderr
    return url, json.loads(result.stdout)


# --- migrate ----------------------------------------------------------------------


def test_migrate_creates_the_tables_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nowhere near the source tree: migrations ship in the package
    url = sqlite_url(tmp_path / "fresh.db")
    result = invoke(url, "migrate")
    assert result.exit_code == 0, result.stderr
    tables = {row[0] for row in query(url, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"alembic_version", "tenants", "accounts", "credentials", "orders"} <= tables


# --- demo -------------------------------------------------------------------------


def test_demo_json_prints_one_object_with_exactly_the_documented_fields(demo_db):
    _, printed = demo_db
    assert set(printed) == DEMO_FIELDS
    assert set(printed["keys"]) == {"admin", *WHO, "customer_no_phi", "supplier_no_phi"}
    assert set(printed["accounts"]) == WHO


def test_demo_makes_two_customer_accounts_and_one_supplier(demo_db):
    url, printed = demo_db
    kinds = dict(query(url, "SELECT kind, count(*) FROM accounts GROUP BY kind"))
    assert kinds == {"customer": 2, "supplier": 1}
    assert dict(query(url, "SELECT id, kind FROM accounts")) == {
        printed["accounts"]["customer"]: "customer",
        printed["accounts"]["customer_other"]: "customer",
        printed["accounts"]["supplier"]: "supplier",
    }


def test_demo_accounts_name_their_contacts_given_and_family_names(demo_db):
    url, _ = demo_db
    contacts = query(
        url, "SELECT contact_person, contact_given_name, contact_family_name FROM accounts"
    )
    assert len(contacts) == len(WHO)
    for person, given, family in contacts:
        assert given and family, person
        assert person.endswith(f"{given} {family}"), person  # "Dr. Amara Osei": Amara, Osei


def test_demo_orders_are_about_fifty_spread_over_the_workflow(demo_db):
    url, printed = demo_db
    assert 45 <= len(printed["order_ids"]) <= 60
    statuses = {row[0] for row in query(url, "SELECT DISTINCT status_id FROM orders")}
    assert len(statuses) > 3
    assert {"new", "shipped", "delivered", "cancelled"} <= statuses


def test_demo_devices_are_the_suppliers_each_with_a_serial_number_and_an_imei(demo_db):
    url, printed = demo_db
    rows = query(
        url,
        "SELECT d.id, d.account_id, d.external_identifier, i.value FROM devices d"
        " JOIN device_identifiers i ON i.device_id = d.id AND i.type = 'IMEI' ORDER BY d.id",
    )
    assert [row[0] for row in rows] == printed["device_ids"]
    assert {row[1] for row in rows} == {printed["accounts"]["supplier"]}
    assert all(serial for _, _, serial, _ in rows)
    assert len({imei for *_, imei in rows}) == len(rows)


def test_demo_devices_are_at_every_step_of_their_path(demo_db):
    url, _ = demo_db
    statuses = {row[0] for row in query(url, "SELECT DISTINCT current_status FROM devices")}
    assert {"in_stock", "assigned", "shipped", "with_patient", "returned"} <= statuses


def test_demo_packs_kits_with_their_devices(demo_db):
    url, _ = demo_db
    packed = query(url, "SELECT packed_kit_id, count(*) FROM packed_kit_devices GROUP BY 1")
    assert packed and all(count > 0 for _, count in packed)


def test_demo_returns_a_delivered_device_and_records_its_receipt(demo_db):
    url, _ = demo_db
    ((device_id, returned_at),) = query(
        url,
        "SELECT d.id, o.returned_at FROM devices d JOIN order_devices o ON o.device_id = d.id"
        " WHERE d.current_status = 'returned'",
    )
    assert returned_at is not None
    kinds = [row[0] for row in query(url, "SELECT kind FROM order_events")]
    assert "returns_received" in kinds
    events = [
        row[0]
        for row in query(
            url, f"SELECT type FROM device_events WHERE device_id = {device_id} ORDER BY id"
        )
    ]
    assert events[-2:] == ["delivered", "returned"]


async def test_demo_orders_sit_in_several_states_of_each_of_the_four_workflows(demo_db):
    url, printed = demo_db
    async with api(url) as client:
        r = await client.get("/v1/orders?limit=500", headers=bearer(printed["keys"]["admin"]))
    assert r.status_code == 200, r.text
    types: dict[str, set[str]] = {}  # by workflow key, the types of the states its orders are in
    states: dict[str, set[str]] = {}
    for order in r.json()["items"]:
        key = order["workflow"]["key"]
        states.setdefault(key, set()).add(order["status"]["id"])
        types.setdefault(key, set()).add(order["status"]["type"])
    assert set(states) == DEFAULT_WORKFLOW_KEYS
    for key, seen in states.items():
        assert len(seen) > 1, key
        assert types[key] - {"NEW"}, f"no {key} order has moved past its initial state"
        assert len(seen) > 3 or key == "rso-record", (key, seen)  # it has only three states


async def test_demo_products_each_carry_one_of_the_workflows_their_orders_follow(demo_db):
    url, printed = demo_db
    headers = bearer(printed["keys"]["supplier"])
    async with api(url) as client:
        workflows = (await client.get("/v1/workflows", headers=headers)).json()["items"]
        products = (await client.get("/v1/products?limit=500", headers=headers)).json()["items"]
        orders = (await client.get("/v1/orders?limit=500", headers=headers)).json()["items"]
    key_of = {w["id"]: w["key"] for w in workflows}
    assert all(p["workflow_id"] is not None for p in products)
    by_key: dict[str, list[int]] = {}
    for product in products:
        if product["orderable"]:
            by_key.setdefault(key_of[product["workflow_id"]], []).append(product["id"])
    assert by_key == printed["workflow_product_ids"]
    assert set(by_key) == DEFAULT_WORKFLOW_KEYS
    workflow_of_product = {p["id"]: key_of[p["workflow_id"]] for p in products}
    for order in orders:
        if order["product"] is not None:
            assert order["workflow"]["key"] == workflow_of_product[order["product"]["id"]]


async def test_demo_moves_are_taken_by_the_roles_that_take_them(demo_db):
    url, printed = demo_db
    headers = bearer(printed["keys"]["admin"])
    movers: dict[tuple[str, str], set[str]] = {}
    async with api(url) as client:
        orders = (await client.get("/v1/orders?limit=500", headers=headers)).json()["items"]
        for order in orders:
            r = await client.get(f"/v1/orders/{order['id']}/timeline?limit=500", headers=headers)
            for event in r.json()["items"]:
                if event["kind"] in ("status_moved", "cancelled"):
                    names = {s["id"]: s["name"] for s in order["workflow"]["states"]}
                    move = (order["workflow"]["key"], names[event["data"]["to"]])
                    movers.setdefault(move, set()).add(event["actor"].split(":")[0])
    assert movers[("lab-request", "Received")] == {"supplier"}
    assert movers[("lab-request", "Rejected")] == {"supplier"}
    assert movers[("rso-record", "Cancelled")] == {"customer"}
    assert movers[("dental-lab", "Completed")] == {"customer"}  # the clinic confirms the fit
    # Once production has started only an admin may cancel a dental case.
    assert movers[("dental-lab", "Cancelled")] == {"customer", "admin"}
    assert movers[("impilo-device", "Processing")] == {"supplier", "customer"}


def test_demo_orders_carry_notes_and_tracking_numbers_of_both_parties(demo_db):
    url, _ = demo_db
    authors = {row[0].split(":")[0] for row in query(url, "SELECT author FROM order_notes")}
    assert authors == {"customer", "supplier"}
    shipped = query(
        url,
        "SELECT count(*) FROM orders WHERE status_id IN ('shipped', 'delivered') AND id NOT IN "
        "(SELECT order_id FROM tracking_numbers)",
    )
    assert shipped == [(0,)]
    assert query(url, "SELECT count(*) FROM tracking_numbers")[0][0] > 0


async def test_demo_dental_cases_carry_medical_records_and_a_treatment_plan(demo_db):
    url, printed = demo_db
    async with api(url) as client:
        r = await client.get("/v1/orders?limit=500", headers=bearer(printed["keys"]["admin"]))
    dental = [o for o in r.json()["items"] if o["workflow"]["key"] == "dental-lab"]
    assert dental
    assert all(o["medical_records"] and o["treatments"] for o in dental)
    others = [o for o in r.json()["items"] if o["workflow"]["key"] != "dental-lab"]
    assert all(o["medical_records"] == {} and o["treatments"] == [] for o in others)


async def test_demo_keys_authenticate_as_their_accounts(demo_db):
    url, printed = demo_db
    async with api(url) as client:
        seen: dict[str, set[int]] = {}
        for who, key in printed["keys"].items():
            r = await client.get("/v1/orders?limit=500", headers=bearer(key))
            assert r.status_code == 200, (who, r.text)
            seen[who] = {o["customer_account_id"] for o in r.json()["items"]}
    accounts = printed["accounts"]
    assert seen["customer"] == {accounts["customer"]}
    assert seen["customer_other"] == {accounts["customer_other"]}
    assert seen["supplier"] == seen["admin"] == {accounts["customer"], accounts["customer_other"]}


async def test_demo_ids_are_ones_a_customer_can_order_with(demo_db):
    url, printed = demo_db
    body = {
        "patient_id": printed["patient_ids"][0],
        "lines": [
            {"item_id": printed["item_ids"][-1]},
            {"kit_id": printed["kit_ids"][-1]},
            {"product_id": printed["product_ids"][-1]},
        ],
    }
    async with api(url) as client:
        headers = bearer(printed["keys"]["customer"])
        r = await client.post("/v1/orders", json=body, headers=headers)
        assert r.status_code == 201, r.text
        for site_id in printed["site_ids"]:
            r = await client.post(
                "/v1/orders", json={**body, "patient_id": None, "site_id": site_id}, headers=headers
            )
            assert r.status_code == 201, r.text


def test_demo_refuses_to_load_twice(demo_db):
    url, _ = demo_db
    before = query(url, "SELECT count(*) FROM accounts")
    result = invoke(url, "demo")
    assert result.exit_code == 1
    assert "--if-empty" in result.stderr
    assert query(url, "SELECT count(*) FROM accounts") == before


async def test_demo_if_empty_on_a_loaded_database_prints_fresh_working_keys(demo_db):
    url, first = demo_db
    result = await ainvoke(url, "demo", "--if-empty", "--json")
    assert result.exit_code == 0, result.stderr
    again = json.loads(result.stdout)
    assert again["order_ids"][: len(first["order_ids"])] == first["order_ids"]
    assert set(again["keys"]) == {"admin", *WHO, "customer_no_phi", "supplier_no_phi"}
    assert set(again["keys"].values()).isdisjoint(first["keys"].values())
    async with api(url) as client:
        for key in again["keys"].values():
            r = await client.get("/v1/orders?limit=1", headers=bearer(key))
            assert r.status_code == 200, r.text


async def test_demo_if_empty_loads_an_empty_database_and_prints_shell_lines(tmp_path):
    url = sqlite_url(tmp_path / "run.db")
    result = await ainvoke(url, "demo", "--if-empty", "--base-url", "http://127.0.0.1:8011")
    assert result.exit_code == 0, result.stderr
    exports = dict(
        line.removeprefix("export ").split("  #")[0].strip().split("=", 1)
        for line in result.stdout.splitlines()
        if line.startswith("export OD_URL") or line.startswith("export OD_ADMIN")
    )
    assert exports["OD_URL"] == "http://127.0.0.1:8011"
    (products,) = [
        line.removeprefix("export ").split()
        for line in result.stdout.splitlines()
        if line.startswith("export OD_PRODUCT_")
    ]
    assert {p.split("=")[0] for p in products} == {
        "OD_PRODUCT_" + key.upper().replace("-", "_") for key in DEFAULT_WORKFLOW_KEYS
    }
    assert query(url, "SELECT count(*) FROM orders")[0][0] >= 45
    async with api(url) as client:
        r = await client.get("/v1/credentials", headers=bearer(exports["OD_ADMIN"]))
        assert r.status_code == 200, r.text


# --- keys ---------------------------------------------------------------------------


@pytest.fixture
def empty_db(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "keys.db")


async def test_keys_create_prints_only_a_secret_that_authenticates(empty_db):
    result = await ainvoke(empty_db, "keys", "create", "--role", "admin", "--name", "ops")
    assert result.exit_code == 0, result.stderr
    secret = result.stdout.strip()
    assert "\n" not in secret
    async with api(empty_db) as client:
        r = await client.get("/v1/credentials", headers=bearer(secret))
    assert r.status_code == 200, r.text
    assert [c["name"] for c in r.json()["items"]] == ["ops"]


def test_keys_create_for_a_customer_needs_an_account(empty_db):
    result = invoke(empty_db, "keys", "create", "--role", "customer")
    assert result.exit_code == 1
    assert "--account" in result.stderr
    assert result.stdout == ""


def test_keys_list_shows_each_key_with_its_columns(demo_db):
    url, printed = demo_db
    result = invoke(url, "keys", "list")
    assert result.exit_code == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == KEY_COLUMNS
    supplier_prefix = "_".join(printed["keys"]["supplier"].split("_")[:2])
    (row,) = [r.split() for r in rows if r.split()[1] == supplier_prefix]
    assert row[2:5] == ["demo", "supplier", str(printed["accounts"]["supplier"])]


async def test_a_revoked_key_no_longer_authenticates(empty_db):
    secret = (await ainvoke(empty_db, "keys", "create", "--role", "admin")).stdout.strip()
    listed = (await ainvoke(empty_db, "keys", "list")).stdout.splitlines()[1].split()
    assert listed[-1] == "-"  # not revoked yet
    result = await ainvoke(empty_db, "keys", "revoke", listed[0])
    assert result.exit_code == 0, result.stderr
    async with api(empty_db) as client:
        r = await client.get("/v1/credentials", headers=bearer(secret))
    assert r.status_code == 401
    relisted = (await ainvoke(empty_db, "keys", "list")).stdout.splitlines()[1].split()
    assert relisted[-1] != "-"


def test_revoking_an_unknown_key_fails(empty_db):
    result = invoke(empty_db, "keys", "revoke", "999")
    assert result.exit_code == 1
    assert "not found" in result.stderr


# --- the environment's admin key, and serve ------------------------------------------------


async def test_admin_key_from_the_environment_works_at_start_up(empty_db, monkeypatch):
    assert (await ainvoke(empty_db, "migrate")).exit_code == 0
    monkeypatch.setenv("ORDERDESK_DATABASE_URL", empty_db)
    monkeypatch.setenv("ORDERDESK_ADMIN_KEY", "od_test_environment_secret_0123456789")
    get_settings.cache_clear()
    try:
        async with api() as client:  # as `serve` builds it: settings from the environment
            r = await client.get(
                "/v1/credentials", headers=bearer("od_test_environment_secret_0123456789")
            )
    finally:
        get_settings.cache_clear()
    assert r.status_code == 200, r.text
    assert [c["name"] for c in r.json()["items"]] == ["admin (environment)"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``orderdesk serve`` on a fresh SQLite file, with an admin key from the environment."""
    port = _free_port()
    env = {
        **os.environ,
        "ORDERDESK_DATABASE_URL": sqlite_url(tmp_path / "served.db"),
        "ORDERDESK_ADMIN_KEY": "od_served_secret_0123456789abcdef",
    }
    command = [sys.executable, "-m", "orderdesk.cli", "serve", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=out, cwd=tmp_path
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                pytest.fail(f"orderdesk serve did not come up: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_migrates_sqlite_and_accepts_the_environment_admin_key(served):
    r = httpx.get(
        f"{served}/v1/orders", headers=bearer("od_served_secret_0123456789abcdef"), timeout=5
    )
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []


def test_serve_refuses_several_workers_on_sqlite_and_starts_nothing(tmp_path, monkeypatch):
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server was started")

    monkeypatch.setattr(uvicorn, "run", never)
    url = sqlite_url(tmp_path / "workers.db")
    result = invoke(url, "serve", "--workers", "2")
    assert result.exit_code == 1
    assert "PostgreSQL" in result.stderr
    assert "--workers 2" in result.stderr
    assert not (tmp_path / "workers.db").exists()  # not even migrated


# --- PostgreSQL ---------------------------------------------------------------------


@pytest.mark.postgres
async def test_migrate_then_demo_load_on_postgresql():
    url = await _create_pg_database()
    try:
        assert (await ainvoke(url, "migrate")).exit_code == 0
        result = await ainvoke(url, "demo", "--json")
        assert result.exit_code == 0, result.stderr
        printed = json.loads(result.stdout)
        async with api(url) as client:
            r = await client.get(
                "/v1/orders?limit=500", headers=bearer(printed["keys"]["supplier"])
            )
        assert r.status_code == 200, r.text
        assert sorted(o["id"] for o in r.json()["items"]) == printed["order_ids"]
    finally:
        await _drop_pg_database(url)


# --- keys: scopes, expiry, rotation --------------------------------------------------------

LONG_COLUMNS = [*KEY_COLUMNS[:-3], "last used", "revoked", "expires", "rotated from", "scopes"]


def table(stdout: str) -> list[dict[str, str]]:
    """``keys list --long`` as one dict a key, cut where the header's columns start."""
    header, *lines = stdout.splitlines()
    starts = [header.index(name) for name in LONG_COLUMNS]
    ends = [*starts[1:], None]
    return [
        {n: line[s:e].strip() for n, s, e in zip(LONG_COLUMNS, starts, ends, strict=True)}
        for line in lines
    ]


@pytest.fixture
async def with_account(tmp_path: Path) -> tuple[str, str, int]:
    """A database with an admin key (made by the CLI) and a customer account: its URL, the
    key and the account's id."""
    url = sqlite_url(tmp_path / "scoped.db")
    admin = (await ainvoke(url, "keys", "create", "--role", "admin", "--name", "ops")).stdout
    async with api(url) as client:
        r = await client.post(
            "/v1/accounts",
            json={"kind": "customer", "name": "Clinic"},
            headers=bearer(admin.strip()),
        )
    assert r.status_code == 201, r.text
    return url, admin.strip(), r.json()["id"]


async def credential_of(url: str, admin: str, secret: str) -> dict[str, Any]:
    """The credential (as the API shows it) whose secret is ``secret``."""
    async with api(url) as client:
        r = await client.get("/v1/credentials?limit=500", headers=bearer(admin))
    assert r.status_code == 200, r.text
    return next(c for c in r.json()["items"] if secret.startswith(c["prefix"] + "_"))


async def customer_key(url: str, account: int, *args: str) -> Result:
    return await ainvoke(
        url, "keys", "create", "--role", "customer", "--account", str(account), *args
    )


async def test_keys_create_with_a_scope_makes_a_key_holding_only_it(with_account):
    url, admin, account = with_account
    result = await customer_key(url, account, "--scope", "orders:read")
    assert result.exit_code == 0, result.stderr
    secret = result.stdout.strip()
    assert (await credential_of(url, admin, secret))["scopes"] == ["orders:read"]
    assert query(url, f"SELECT scopes FROM credentials WHERE prefix = '{secret[:15]}'") == [
        ('["orders:read"]',)
    ]
    async with api(url) as client:
        read = await client.get("/v1/orders", headers=bearer(secret))
        write = await client.post("/v1/orders", json={}, headers=bearer(secret))
    assert (read.status_code, write.status_code) == (200, 403)


async def test_keys_create_takes_several_scopes_by_repeating_the_option(with_account):
    url, admin, account = with_account
    result = await customer_key(url, account, "--scope", "orders:write", "--scope", "orders:read")
    assert result.exit_code == 0, result.stderr
    credential = await credential_of(url, admin, result.stdout.strip())
    assert credential["scopes"] == ["orders:read", "orders:write"]


async def test_keys_create_without_a_scope_holds_every_scope_of_the_role(with_account):
    url, admin, account = with_account
    result = await customer_key(url, account)
    assert result.exit_code == 0, result.stderr
    credential = await credential_of(url, admin, result.stdout.strip())
    assert credential["scopes"] == sorted(ROLE_SCOPES[Role.CUSTOMER])


async def test_keys_create_refuses_a_scope_outside_the_role_and_makes_nothing(with_account):
    url, _, account = with_account
    result = await customer_key(url, account, "--scope", "orders:read", "--scope", "admin")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "--scope" in result.stderr
    assert "cannot hold admin" in result.stderr
    assert query(url, "SELECT count(*) FROM credentials") == [(1,)]  # only the admin's


def test_keys_create_refuses_an_unknown_scope(empty_db):
    result = invoke(empty_db, "keys", "create", "--role", "admin", "--scope", "orders:delete")
    assert result.exit_code == 2
    assert "--scope" in result.stderr
    assert result.stdout == ""


async def test_keys_create_expires_at_an_instant_with_a_time_zone(with_account):
    url, admin, account = with_account
    result = await customer_key(url, account, "--expires", "2099-01-31T09:00:00+09:00")
    assert result.exit_code == 0, result.stderr
    credential = await credential_of(url, admin, result.stdout.strip())
    expected = dt.datetime(2099, 1, 31, tzinfo=dt.UTC)
    assert dt.datetime.fromisoformat(credential["expires_at"]) == expected
    assert "expires 2099-01-31 00:00 UTC" in result.stderr


async def test_keys_create_expires_after_a_duration_from_now(with_account):
    url, admin, account = with_account
    before = dt.datetime.now(dt.UTC)
    result = await customer_key(url, account, "--expires", "30d")
    after = dt.datetime.now(dt.UTC)
    assert result.exit_code == 0, result.stderr
    credential = await credential_of(url, admin, result.stdout.strip())
    expires = dt.datetime.fromisoformat(credential["expires_at"])
    assert before + dt.timedelta(days=30) <= expires <= after + dt.timedelta(days=30)


@pytest.mark.parametrize("value", ["2099-01-31T00:00:00", "tomorrow", "30y", "-1d", ""])
def test_keys_create_refuses_an_expiry_without_a_time_zone_or_unit(empty_db, value):
    result = invoke(empty_db, "keys", "create", "--role", "admin", "--expires", value)
    assert result.exit_code == 1
    assert "--expires" in result.stderr
    assert result.stdout == ""


def test_keys_create_refuses_an_expiry_in_the_past(empty_db):
    result = invoke(
        empty_db, "keys", "create", "--role", "admin", "--expires", "2020-01-01T00:00:00Z"
    )
    assert result.exit_code == 1
    assert "--expires: must be in the future" in result.stderr
    assert result.stdout == ""


async def test_keys_rotate_prints_only_a_new_secret_and_stops_the_old_key(with_account):
    url, admin, account = with_account
    old_secret = (await customer_key(url, account, "--scope", "orders:read")).stdout.strip()
    old = await credential_of(url, admin, old_secret)
    result = await ainvoke(url, "keys", "rotate", str(old["id"]))
    assert result.exit_code == 0, result.stderr
    secret = result.stdout.strip()
    assert "\n" not in secret and secret != old_secret
    new = await credential_of(url, admin, secret)
    assert new["rotated_from_id"] == old["id"]
    assert new["scopes"] == ["orders:read"]
    async with api(url) as client:
        assert (await client.get("/v1/orders", headers=bearer(secret))).status_code == 200
        assert (await client.get("/v1/orders", headers=bearer(old_secret))).status_code == 401


async def test_keys_rotate_keeps_the_old_key_working_until_told(with_account):
    url, admin, account = with_account
    old_secret = (await customer_key(url, account)).stdout.strip()
    old = await credential_of(url, admin, old_secret)
    result = await ainvoke(url, "keys", "rotate", str(old["id"]), "--old-valid-until", "1h")
    assert result.exit_code == 0, result.stderr
    assert "the old key works until" in result.stderr
    async with api(url) as client:
        assert (await client.get("/v1/orders", headers=bearer(old_secret))).status_code == 200


async def test_keys_rotate_refuses_an_old_valid_until_in_the_past(with_account):
    url, admin, account = with_account
    old_secret = (await customer_key(url, account)).stdout.strip()
    old = await credential_of(url, admin, old_secret)
    result = await ainvoke(
        url, "keys", "rotate", str(old["id"]), "--old-valid-until", "2020-01-01T00:00:00Z"
    )
    assert result.exit_code == 1
    assert "--old-valid-until: must be now or later" in result.stderr
    assert result.stdout == ""
    async with api(url) as client:
        assert (await client.get("/v1/orders", headers=bearer(old_secret))).status_code == 200


async def test_keys_rotate_refuses_a_revoked_key(with_account):
    url, admin, account = with_account
    old = await credential_of(url, admin, (await customer_key(url, account)).stdout.strip())
    assert (await ainvoke(url, "keys", "revoke", str(old["id"]))).exit_code == 0
    result = await ainvoke(url, "keys", "rotate", str(old["id"]))
    assert result.exit_code == 1
    assert "still works" in result.stderr
    assert result.stdout == ""


def test_keys_rotate_of_an_unknown_key_fails(empty_db):
    result = invoke(empty_db, "keys", "rotate", "999")
    assert result.exit_code == 1
    assert "not found" in result.stderr


async def test_keys_list_long_shows_scopes_expiry_and_the_key_replaced(with_account):
    url, admin, account = with_account
    scoped = (
        await customer_key(
            url, account, "--scope", "orders:read", "--expires", "2099-01-31T00:00:00Z"
        )
    ).stdout.strip()
    old = await credential_of(url, admin, scoped)
    rotated = (await ainvoke(url, "keys", "rotate", str(old["id"]))).stdout.strip()
    result = await ainvoke(url, "keys", "list", "--long")
    assert result.exit_code == 0, result.stderr
    rows = {row["prefix"]: row for row in table(result.stdout)}
    admin_row, old_row, new_row = (rows[s[:15]] for s in (admin, scoped, rotated))
    assert (admin_row["scopes"], admin_row["expires"], admin_row["rotated from"]) == (
        "all",
        "-",
        "-",
    )
    assert (old_row["scopes"], old_row["rotated from"]) == ("orders:read", "-")
    assert old_row["expires"] != "2099-01-31 00:00"  # stopped by the rotation
    assert (new_row["scopes"], new_row["expires"], new_row["rotated from"]) == (
        "orders:read",
        "2099-01-31 00:00",
        str(old["id"]),
    )


async def test_keys_list_long_shows_each_scope_of_a_key_with_several(with_account):
    url, _, account = with_account
    secret = (
        await customer_key(url, account, "--scope", "orders:write", "--scope", "patients:read")
    ).stdout.strip()
    result = await ainvoke(url, "keys", "list", "-l")
    (row,) = [r for r in table(result.stdout) if r["prefix"] == secret[:15]]
    assert row["scopes"] == "orders:write,patients:read"

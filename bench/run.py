"""``make bench``: orderdesk against its database's own limit, in one run.

On the local PostgreSQL it makes a fresh database, serves orderdesk in production
mode (several worker processes, the webhook worker beside them, access log and rate
limits off), seeds a catalog and patients through the API, and measures three
scenarios with ``wrk`` (Lua scripts in ``bench/lua`` that check every answer):

- ``create``: an order for a patient with three item lines, each with its own
  Idempotency-Key;
- ``fetch``: one order by id with its lines, by a key with ``phi:read``;
- ``list_10k`` / ``list_1m``: a page of 50 filtered by customer and status, at
  10,000 orders and again at 1,000,000 (loaded by SQL, not through the API).

``pgbench`` runs the same transactions on the same database right after each
scenario, for the ratio. The same create and fetch then run against the embedded
SQLite default in one process. One table is printed; ``bench/results.json`` holds
every figure.

``--smoke`` runs each scenario for a couple of seconds on small data: CI runs it so
that the harness cannot rot; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
LUA = HERE / "lua"
PROFILES = HERE / "profiles"
#: How many orders each list scenario holds, by name.
LIST_SIZES = {"list_10k": 10_000, "list_1m": 1_000_000}
SMOKE_LIST_SIZES = {"list_10k": 2_000, "list_1m": 40_000}
#: Connections per scenario, for wrk and pgbench alike.
CONNECTIONS = {"create": 8, "fetch": 16, "list": 16}
PATIENTS = 200


@dataclass
class Figures:
    """One scenario's result, as ``bench/results.json`` holds it."""

    rps: float
    p50_ms: float
    p99_ms: float
    pgbench_tps: float | None
    ratio: float | None
    errors: int
    requests: int = 0
    first_failure: str = ""


@dataclass
class Run:
    """Where a run's processes and data are."""

    args: argparse.Namespace
    base: str = ""
    url: str = ""  # the database, as orderdesk's setting
    env: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)
    item_ids: list[int] = field(default_factory=list)
    patients: tuple[int, int] = (0, 0)
    templates: dict[str, int] = field(default_factory=dict)  # customer -> an order of theirs
    statuses: list[dict[str, Any]] = field(default_factory=list)
    pgbench: dict[str, str] = field(default_factory=dict)  # scenario -> its pgbench script
    server: subprocess.Popen[bytes] | None = None
    profiles: dict[str, dict[str, float]] = field(default_factory=dict)


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


#: Where each tool the bench runs comes from, for the error when it is missing.
TOOLS = {
    "wrk": "Debian's package; make bench installs it",
    "pgbench": "PostgreSQL's client tools",
    "py-spy": "a dev dependency; make install installs it",
}


def need(tool: str) -> str:
    """The tool's path: beside this Python (the venv's own tools), else on PATH."""
    beside = Path(sys.executable).parent / tool
    found = str(beside) if beside.exists() else shutil.which(tool)
    if found is None:
        sys.exit(f"bench: {tool} is not installed ({TOOLS[tool]})")
    return found


# --- the server -------------------------------------------------------------------------


@contextlib.contextmanager
def serving(run: Run, workers: int, log_file: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``orderdesk serve`` with the webhook worker, until the block ends."""
    port = free_port()
    run.base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "orderdesk.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--with-worker"]
    command += ["--no-access-log"]
    with log_file.open("wb") as out:
        server = subprocess.Popen(
            command, env=run.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_until_up(run.base, server, log_file)
            yield server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def wait_until_up(base: str, server: subprocess.Popen[bytes], log_file: Path) -> None:
    ends = time.monotonic() + 60
    while time.monotonic() < ends:
        if server.poll() is not None:
            sys.exit(f"bench: the server ended at start:\n{log_file.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    sys.exit(f"bench: the server did not answer /readyz in 60 s:\n{log_file.read_text()[-3000:]}")


def worker_pids(server: subprocess.Popen[bytes]) -> list[int]:
    """The HTTP worker processes the server started (the server itself when it has none)."""
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError, AttributeError):
            ppid = int(re.search(r"^PPid:\s+(\d+)", status.read_text(), re.M).group(1))  # type: ignore[union-attr]
            command = (status.parent / "cmdline").read_bytes()
            if ppid == server.pid and b"multiprocessing" in command and b"spawn_main" in command:
                pids.append(int(status.parent.name))
    return sorted(pids) or [server.pid]


def worker_memory_mb(server: subprocess.Popen[bytes]) -> list[float]:
    """Resident memory of each HTTP worker process."""
    sizes = []
    for pid in worker_pids(server):
        text = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"^VmRSS:\s+(\d+) kB", text, re.M).group(1)) / 1024)  # type: ignore[union-attr]
    return sorted(sizes)


# --- profiles ---------------------------------------------------------------------------

#: Where a sample's innermost frame is, by the start of its file's path in site-packages.
PACKAGES = (
    "sqlalchemy",
    "asyncpg",
    "pydantic",
    "fastapi",
    "starlette",
    "uvicorn",
    "httptools",
    "orderdesk",
    "json",
    "anyio",
)
#: Innermost frames of a worker waiting for work, not doing any.
IDLE = ("select (selectors.py", "wait (threading.py", "run (asyncio/runners.py", "_worker (")


@contextlib.contextmanager
def profiling(run: Run, name: str) -> Iterator[None]:
    """py-spy samples every HTTP worker while the block runs (when ``--profile`` names
    this scenario); ``run.profiles[name]`` gets the share of busy samples by package."""
    if name not in run.args.profile or run.server is None:
        yield
        return
    spy = need("py-spy")
    out = PROFILES / name
    out.mkdir(parents=True, exist_ok=True)
    record = [spy, "record", "--duration", str(max(1, round(run.args.duration))), "--rate", "200"]
    record += ["--format", "raw", "--nonblocking"]
    spies = [
        subprocess.Popen(
            [*record, "--pid", str(pid), "-o", str(out / f"{pid}.folded")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in worker_pids(run.server)
    ]
    try:
        yield
    finally:
        for one in spies:
            one.wait(timeout=120)
    run.profiles[name] = shares(sorted(out.glob("*.folded")))


def shares(folded: list[Path]) -> dict[str, float]:
    """Of the busy samples in these collapsed-stack files, the share (%) whose innermost
    frame is in each package, most first."""
    counts: dict[str, int] = {}
    for path in folded:
        for line in path.read_text().splitlines():
            stack, _, number = line.rpartition(" ")
            leaf = stack.rsplit(";", 1)[-1]
            if not number.isdigit() or any(idle in leaf for idle in IDLE):
                continue
            where = leaf.rsplit("(", 1)[-1]
            package = next((p for p in PACKAGES if where.startswith((f"{p}/", f"{p}."))), "other")
            counts[package] = counts.get(package, 0) + int(number)
    total = sum(counts.values()) or 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    return {package: round(100 * count / total, 1) for package, count in ranked}


# --- seeding ----------------------------------------------------------------------------


async def make_keys(run: Run) -> None:
    """A tenant with an admin, a supplier and two customers, each with a key."""
    from orderdesk.config import async_database_url
    from orderdesk.db import make_engine, make_sessionmaker, session_scope
    from orderdesk.tenancy.models import AccountKind, Role
    from orderdesk.tenancy.principal import system_principal
    from orderdesk.tenancy.schemas import AccountCreate, CredentialCreate
    from orderdesk.tenancy.service import create_account, create_credential, ensure_tenant

    engine = make_engine(async_database_url(run.url))
    try:
        async with session_scope(make_sessionmaker(engine)) as session:
            tenant = await ensure_tenant(session, f"bench-{uuid.uuid4().hex[:8]}")
            system = system_principal(tenant.id)
            _, run.keys["admin"] = await create_credential(
                session, CredentialCreate(name="bench admin", role=Role.ADMIN), principal=system
            )
            for who, kind in (
                ("supplier", AccountKind.SUPPLIER),
                ("customer", AccountKind.CUSTOMER),
                ("customer_2", AccountKind.CUSTOMER),
            ):
                account = await create_account(
                    session, AccountCreate(kind=kind, name=f"bench {who}"), principal=system
                )
                run.accounts[who] = account.id
                _, run.keys[who] = await create_credential(
                    session,
                    CredentialCreate(
                        name=f"bench {who}", role=Role(kind.value), account_id=account.id
                    ),
                    principal=system,
                )
    finally:
        await engine.dispose()


def seed(run: Run) -> None:
    """A catalog of three items, patients for each customer, one order per customer."""
    asyncio.run(make_keys(run))
    with httpx.Client(base_url=run.base, timeout=30) as http:

        def post(path: str, who: str, body: dict[str, Any]) -> dict[str, Any]:
            response = http.post(
                path, json=body, headers={"Authorization": f"Bearer {run.keys[who]}"}
            )
            if response.status_code != 201:
                sys.exit(f"bench: seeding {path} answered {response.status_code}: {response.text}")
            return response.json()

        maker = post("/v1/manufacturers", "supplier", {"name": "Bench devices"})
        run.item_ids = [
            post(
                "/v1/items",
                "supplier",
                {
                    "sku": f"BENCH-{n}",
                    "name": f"Item {n}",
                    "model": "B1",
                    "manufacturer_id": maker["id"],
                },
            )["id"]
            for n in range(3)
        ]
        lines = [{"item_id": item, "count": n + 1} for n, item in enumerate(run.item_ids)]
        for who in ("customer", "customer_2"):
            patients = [
                post(
                    "/v1/patients",
                    who,
                    {
                        "first_name": f"Pat{n}",
                        "last_name": "Bench",
                        "date_of_birth": "1980-01-01",
                        "external_identifier": f"{who}-{n}",
                    },
                )["id"]
                for n in range(PATIENTS if who == "customer" else 1)
            ]
            if who == "customer":
                run.patients = (min(patients), max(patients))
                assert max(patients) - min(patients) == len(patients) - 1, "patient ids have gaps"
            order = post("/v1/orders", who, {"patient_id": patients[0], "lines": lines})
            run.templates[who] = order["id"]
            run.statuses = order["workflow"]["states"]


# --- bulk orders, by SQL ----------------------------------------------------------------


def pg_dsn(url: str) -> str:
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


async def columns(db: asyncpg.Connection, table: str) -> list[str]:
    rows = await db.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
        "AND column_name <> 'id' ORDER BY ordinal_position",
        table,
    )
    return [row["column_name"] for row in rows]


async def bulk_orders(run: Run, customer: str, count: int) -> tuple[int, int]:
    """``count`` copies of the customer's template order, each with its three lines and
    its ``created`` event, spread over four statuses; their first and last id."""
    db = await asyncpg.connect(pg_dsn(run.url))
    try:
        order_cols = await columns(db, "orders")
        line_cols = await columns(db, "order_lines")
        event_cols = await columns(db, "order_events")
        states = run.statuses[:4]

        def by_status(name: str) -> str:  # the status's field, by the row's number
            values = ", ".join(f"'{s[name] or ''}'" for s in states)
            return f"NULLIF((ARRAY[{values}])[g % {len(states)} + 1], '')"

        placed = f"now() - (({count} - g) * interval '1 second')"
        overrides = {
            f"status_{name}": by_status(name) for name in ("id", "name", "type", "outcome")
        }
        overrides |= {"created_at": placed, "updated_at": placed}
        chosen = ", ".join(overrides.get(c, f"t.{c}") for c in order_cols)
        line_values = ", ".join("o.id" if c == "order_id" else f"l.{c}" for c in line_cols)
        event_values = ", ".join(
            {
                "order_id": "o.id",
                "uid": "'evt_' || md5(random()::text || o.id)",
                "sequence": "1",
                "position": "p.top + row_number() OVER (ORDER BY o.id)",
            }.get(c, f"e.{c}")
            for c in event_cols
        )
        template = run.templates[customer]
        sql = f"""
            WITH new AS (
                INSERT INTO orders ({", ".join(order_cols)})
                SELECT {chosen} FROM orders t, generate_series(1, {count}) g
                WHERE t.id = {template} ORDER BY g
                RETURNING id
            ), lines AS (
                INSERT INTO order_lines ({", ".join(line_cols)})
                SELECT {line_values} FROM new o, order_lines l WHERE l.order_id = {template}
            ), top AS (
                SELECT coalesce(max(position), 0) AS top FROM order_events
                WHERE tenant_id = (SELECT tenant_id FROM orders WHERE id = {template})
            ), events AS (
                INSERT INTO order_events ({", ".join(event_cols)})
                SELECT {event_values} FROM new o, top p, order_events e
                WHERE e.order_id = {template} AND e.sequence = 1
            )
            SELECT min(id), max(id) FROM new
        """
        lo, hi = await db.fetchrow(sql)
        await db.execute("ANALYZE orders; ANALYZE order_lines; ANALYZE order_events")
        return int(lo), int(hi)
    finally:
        await db.close()


# --- wrk and pgbench --------------------------------------------------------------------


def wrk(
    run: Run, script: str, connections: int, seconds: float, **script_args: Any
) -> dict[str, Any]:
    threads = min(2, connections)  # one per core; wrk needs a connection per thread
    command = [need("wrk"), "-t", str(threads), "-c", str(connections)]
    command += ["-d", f"{max(1, round(seconds))}s", "--latency"]
    command += ["--timeout", "10s", "-s", str(LUA / f"{script}.lua"), run.base, "--"]
    command += [f"{k}={v}" for k, v in script_args.items()]
    command += [f"run_id={uuid.uuid4().hex[:12]}"]  # for what must differ between runs
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = re.search(r"^RESULT (.*)$", done.stdout, re.M)
    if done.returncode != 0 or found is None:
        sys.exit(f"bench: wrk {script} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(found.group(1))


def measured(
    run: Run, name: str, script: str, connections: int, **script_args: Any
) -> tuple[Figures, int]:
    """A warm-up, then the measured run, of one wrk scenario; the figures of the measured
    run and how many requests both made."""
    warmup = {"requests": 0}
    if run.args.warmup > 0:
        warmup = wrk(run, script, connections, run.args.warmup, **script_args)
    with profiling(run, name):
        result = wrk(run, script, connections, run.args.duration, **script_args)
    seconds = result["duration_us"] / 1e6
    return Figures(
        rps=round(result["requests"] / seconds, 1),
        p50_ms=round(result["p50_us"] / 1000, 2),
        p99_ms=round(result["p99_us"] / 1000, 2),
        pgbench_tps=None,
        ratio=None,
        errors=result["failed_checks"] + result["socket_errors"],
        requests=result["requests"],
        first_failure=result["first_failure"],
    ), warmup["requests"] + result["requests"]


async def pgbench_scripts(run: Run, lo: int, hi: int) -> dict[str, str]:
    """The transactions orderdesk's scenarios make, as pgbench scripts."""
    db = await asyncpg.connect(pg_dsn(run.url))
    try:
        order_cols = ", ".join(await columns(db, "orders"))
        line_cols = await columns(db, "order_lines")
    finally:
        await db.close()
    line_values = ", ".join(":id" if c == "order_id" else c for c in line_cols)
    template = run.templates["customer"]
    customers = ",".join(str(run.accounts[c]) for c in ("customer", "customer_2"))
    statuses = ",".join(f"'{s['id']}'" for s in run.statuses[:4])
    return {
        # One order and its three lines: what a create writes to them, in one transaction.
        "create": f"""BEGIN;
INSERT INTO orders ({order_cols})
  SELECT {order_cols} FROM orders WHERE id = {template} RETURNING id \\gset
INSERT INTO order_lines ({", ".join(line_cols)})
  SELECT {line_values} FROM order_lines WHERE order_id = {template};
COMMIT;
""",
        "fetch": f"""\\set id random({lo}, {hi})
SELECT o.*, l.* FROM orders o JOIN order_lines l ON l.order_id = o.id AND l.tenant_id = o.tenant_id
WHERE o.id = :id;
""",
        "list": f"""\\set c random(0, 1)
\\set s random(0, 3)
SELECT o.*, l.* FROM (
  SELECT * FROM orders WHERE tenant_id = (SELECT tenant_id FROM orders WHERE id = {template})
  AND customer_account_id = (ARRAY[{customers}])[:c + 1]
  AND status_id = (ARRAY[{statuses}])[:s + 1]
  ORDER BY id LIMIT 50
) o JOIN order_lines l ON l.order_id = o.id AND l.tenant_id = o.tenant_id ORDER BY o.id;
""",
    }


def pgbench(run: Run, script: str, connections: int, tmp: Path) -> float:
    path = tmp / f"{script}.sql"
    path.write_text(run.pgbench[script])
    dsn = pg_dsn(run.url)
    command = [need("pgbench"), "-n", "-M", "prepared", "-c", str(connections), "-j", "2"]
    command += ["-T", str(max(1, round(run.args.duration))), "-f", str(path), dsn]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = re.search(r"^tps = ([0-9.]+)", done.stdout, re.M)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    if done.returncode != 0 or found is None or (failed and int(failed.group(1))):
        sys.exit(f"bench: pgbench {script} failed:\n{done.stdout}\n{done.stderr}")
    return float(found.group(1))


def list_scenario(run: Run, name: str, tmp: Path) -> Figures:
    figures, _ = measured(run, name, "list", CONNECTIONS["list"], **list_args(run))
    return beside_pgbench(figures, pgbench(run, "list", CONNECTIONS["list"], tmp))


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {table: after[table] - before[table] for table in before}


def beside_pgbench(figures: Figures, tps: float) -> Figures:
    figures.pgbench_tps = round(tps, 1)
    figures.ratio = round(figures.rps / tps, 4) if tps else None
    return figures


async def counted(run: Run, *tables: str) -> dict[str, int]:
    """The rows of each table, in one snapshot."""
    db = await asyncpg.connect(pg_dsn(run.url))
    try:
        counts = ", ".join(f"(SELECT count(*) FROM {table})" for table in tables)
        row = await db.fetchrow(f"SELECT {counts}")
        return {table: int(count) for table, count in zip(tables, row, strict=True)}
    finally:
        await db.close()


# --- the two backends -------------------------------------------------------------------


def postgres_run(args: argparse.Namespace, tmp: Path) -> tuple[dict[str, Figures], dict[str, Any]]:
    admin = args.postgres.rstrip("/")
    name = f"orderdesk_bench_{uuid.uuid4().hex[:8]}"
    sizes = SMOKE_LIST_SIZES if args.smoke else LIST_SIZES

    async def create_database() -> None:
        db = await asyncpg.connect(pg_dsn(admin))
        try:
            await db.execute(f'CREATE DATABASE "{name}"')
        finally:
            await db.close()

    async def drop_database() -> None:
        db = await asyncpg.connect(pg_dsn(admin))
        try:
            await db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await db.close()

    asyncio.run(create_database())
    run = Run(args=args, url=f"{admin.rsplit('/', 1)[0]}/{name}")
    run.env = production_env(run.url)
    try:
        subprocess.run(
            [sys.executable, "-m", "orderdesk.cli", "migrate"],
            env=run.env,
            check=True,
            capture_output=True,
        )
        results: dict[str, Figures] = {}
        with serving(run, args.workers, tmp / "serve-postgres.log") as server:
            run.server = server
            seed(run)
            lo, hi = asyncio.run(bulk_orders(run, "customer", sizes["list_10k"] // 2))
            asyncio.run(bulk_orders(run, "customer_2", sizes["list_10k"] // 2))
            run.pgbench = asyncio.run(pgbench_scripts(run, lo, hi))

            tables = ("orders", "order_events", "idempotency_keys", "audit_events")
            log("postgresql: list_10k")
            results["list_10k"] = list_scenario(run, "list_10k", tmp)

            log("postgresql: fetch")
            before = asyncio.run(counted(run, *tables))
            results["fetch"], fetches = measured(
                run,
                "fetch",
                "fetch",
                CONNECTIONS["fetch"],
                key=run.keys["customer"],
                orders=f"{lo}-{hi}",
            )
            after_fetch = asyncio.run(counted(run, *tables))
            results["fetch"] = beside_pgbench(
                results["fetch"], pgbench(run, "fetch", CONNECTIONS["fetch"], tmp)
            )

            log("postgresql: create")
            before_create = asyncio.run(counted(run, *tables))
            results["create"], creates = measured(
                run, "create", "create", CONNECTIONS["create"], **create_args(run)
            )
            after_create = asyncio.run(counted(run, *tables))
            results["create"] = beside_pgbench(
                results["create"], pgbench(run, "create", CONNECTIONS["create"], tmp)
            )

            total = asyncio.run(counted(run, "orders"))["orders"]
            missing = max(0, sizes["list_1m"] - total)
            log(f"postgresql: loading {missing} more orders by SQL")
            started = time.monotonic()
            if missing:
                asyncio.run(bulk_orders(run, "customer", missing // 2))
                asyncio.run(bulk_orders(run, "customer_2", missing - missing // 2))
            log(f"postgresql: loaded in {time.monotonic() - started:.0f} s")
            log("postgresql: list_1m")
            results["list_1m"] = list_scenario(run, "list_1m", tmp)
            memory = worker_memory_mb(server)
            final = asyncio.run(counted(run, "orders"))
        facts = {
            "workers": args.workers,
            "worker_rss_mb": [round(m, 1) for m in memory],
            "orders_at_end": final["orders"],
            # Each answered create wrote its order, its event and its idempotency key, and
            # each fetch its audit record (warm-up included in these counts).
            "creates_answered": creates,
            "written_by_creates": delta(before_create, after_create),
            "fetches_answered": fetches,
            "written_by_fetches": delta(before, after_fetch),
            "profiles": run.profiles,
        }
        return results, facts
    finally:
        asyncio.run(drop_database())


def sqlite_run(args: argparse.Namespace, tmp: Path) -> dict[str, Figures]:
    run = Run(args=args, url=f"sqlite:///{tmp / 'bench.db'}")
    run.env = production_env(run.url)
    results: dict[str, Figures] = {}
    with serving(run, 1, tmp / "serve-sqlite.log"):
        seed(run)
        log("sqlite: create")
        first = run.templates["customer_2"] + 1
        results["create"], _ = measured(
            run, "sqlite_create", "create", CONNECTIONS["create"], **create_args(run)
        )
        with httpx.Client(base_url=run.base) as http:
            last = http.get(
                "/v1/orders?sort=-id&limit=1",
                headers={"Authorization": f"Bearer {run.keys['customer']}"},
            ).json()["items"][0]["id"]
        log("sqlite: fetch")
        results["fetch"], _ = measured(
            run,
            "sqlite_fetch",
            "fetch",
            CONNECTIONS["fetch"],
            key=run.keys["customer"],
            orders=f"{first}-{last}",
        )
    return results


def production_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERDESK_")}
    env |= {
        "ORDERDESK_DATABASE_URL": url,
        "ORDERDESK_RATE_LIMIT": "off",
        "ORDERDESK_RSO_RATE_LIMIT": "off",
        "ORDERDESK_AUTH_FAILURE_RATE_LIMIT": "off",
        "ORDERDESK_WEBHOOK_POLL_INTERVAL": "1",
    }
    return env


def create_args(run: Run) -> dict[str, Any]:
    return {
        "key": run.keys["customer"],
        "patients": f"{run.patients[0]}-{run.patients[1]}",
        "items": ",".join(map(str, run.item_ids)),
    }


def list_args(run: Run) -> dict[str, Any]:
    return {
        "key": run.keys["admin"],
        "customers": f"{run.accounts['customer']},{run.accounts['customer_2']}",
        "statuses": ",".join(s["id"] for s in run.statuses[:4]),
    }


# --- report -----------------------------------------------------------------------------


def table(results: dict[str, Figures], sqlite: dict[str, Figures], facts: dict[str, Any]) -> str:
    def row(name: str, *cells: object) -> str:
        return f"{name:<14}" + "".join(f"{cell:>10}" for cell in cells)

    def shown(value: float | None, form: str) -> str:
        return "-" if value is None else format(value, form)

    rows = [row("scenario", "req/s", "p50 ms", "p99 ms", "pgbench/s", "ratio", "errors")]
    rows.append("-" * len(rows[0]))
    named = [*results.items(), *((f"sqlite {name}", f) for name, f in sqlite.items())]
    for name, f in named:
        rows.append(
            row(
                name,
                f"{f.rps:.1f}",
                f"{f.p50_ms:.2f}",
                f"{f.p99_ms:.2f}",
                shown(f.pgbench_tps, ".0f"),
                shown(f.ratio, ".3f"),
                f.errors,
            )
        )
    memory = ", ".join(f"{m:.0f}" for m in facts["worker_rss_mb"])
    rows.append(f"resident memory per worker at {facts['orders_at_end']:,} orders: {memory} MB")
    for name, profile in facts["profiles"].items():
        busiest = ", ".join(f"{package} {share:.0f}%" for package, share in profile.items())
        rows.append(f"where {name}'s CPU went (py-spy): {busiest}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 2)))
    parser.add_argument(
        "--duration", type=float, default=20.0, help="Seconds each scenario is measured"
    )
    parser.add_argument("--warmup", type=float, default=5.0, help="Seconds of warm-up before each")
    parser.add_argument("--smoke", action="store_true", help="Seconds per scenario, small data")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="A database on the server to bench on, to create the bench database from",
    )
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false")
    parser.add_argument(
        "--profile",
        nargs="*",
        default=[],
        metavar="SCENARIO",
        help="Sample the workers with py-spy during these scenarios (create fetch list_10k "
        "list_1m); stacks in bench/profiles/, shares by package in the results",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.warmup = min(args.duration, 2.0), min(args.warmup, 1.0)
    need("wrk")
    need("pgbench")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="orderdesk-bench-") as tmp:
        results, facts = postgres_run(args, Path(tmp))
        sqlite = sqlite_run(args, Path(tmp)) if args.sqlite else {}
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": " ".join(["make bench"] + (["(smoke)"] if args.smoke else [])),
        "smoke": args.smoke,
        "seconds_per_scenario": args.duration,
        **{name: asdict(f) for name, f in results.items()},
        "sqlite": {name: asdict(f) for name, f in sqlite.items()},
        **facts,
        "took_s": round(time.monotonic() - started),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(table(results, sqlite, facts))
    print(f"written: {args.out}")
    if any(f.errors for f in [*results.values(), *sqlite.values()]):
        sys.exit("bench: some answers were wrong (see errors and first_failure)")


def machine() -> dict[str, Any]:
    def version(*command: str) -> str:
        # wrk -v prints its version and exits 1: the text counts, not the status.
        with contextlib.suppress(OSError):
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            return (done.stdout or done.stderr).strip() or "unknown"
        return "unknown"

    model = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.M)
    return {
        "cpus": os.cpu_count(),
        "cpu": model.group(1) if model else platform.processor(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": version("psql", "--version"),
        "wrk": version("wrk", "-v").splitlines()[0].split(" Copyright")[0],
    }


if __name__ == "__main__":
    main()

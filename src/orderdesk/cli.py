"""The ``orderdesk`` command line: serve, migrate, load the demo, manage API keys and workflows.

Results go to stdout (the demo's summary or JSON, a new key's secret, the key
and workflow tables, a workflow's definition); logs and messages for people go
to stderr, so stdout can be piped.

On SQLite every command that opens the database brings its file up to date
first, so ``make run`` needs no separate step. On PostgreSQL, where many
processes share one database, migrating is an explicit deploy step:
``orderdesk migrate``.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
import logging
import re
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pydantic
import typer
import uvicorn
import uvicorn.config
from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk import demo as demo_data
from orderdesk import migrate as schema
from orderdesk.config import Settings, get_settings
from orderdesk.db import make_engine, make_sessionmaker, session_scope
from orderdesk.errors import (
    Conflict,
    FieldError,
    NotFound,
    OrderdeskError,
    ValidationFailed,
)
from orderdesk.orders.models import Order
from orderdesk.tenancy.models import Account, Credential, Role
from orderdesk.tenancy.principal import Principal, system_principal
from orderdesk.tenancy.schemas import CredentialCreate
from orderdesk.tenancy.scoping import get_visible, select_visible
from orderdesk.tenancy.service import (
    create_credential,
    credentials_of,
    ensure_tenant,
    revoke_credential,
)
from orderdesk.workflow import ROLES, parse_workflow
from orderdesk.workflow import service as workflows
from orderdesk.workflow.documents import (
    DocumentError,
    definition_json,
    definition_yaml,
    load_document,
)
from orderdesk.workflow.models import WorkflowRecord, WorkflowVersion

app = typer.Typer(
    help="orderdesk: order management for clinical and laboratory supply chains.",
    no_args_is_help=True,
    add_completion=False,
)
keys_app = typer.Typer(help="Create, list and revoke API keys of the default tenant.")
app.add_typer(keys_app, name="keys", no_args_is_help=True)
workflows_app = typer.Typer(help="List, show and import the default tenant's workflows.")
app.add_typer(workflows_app, name="workflows", no_args_is_help=True)

log = logging.getLogger("orderdesk")

#: Name of the keys ``demo --if-empty`` makes when the database already has data.
RERUN_KEY_NAME = "make run"

T = TypeVar("T")

#: Request fields as the options that set them, for error messages.
_OPTIONS = {"/account_id": "--account", "/name": "--name", "/role": "--role"}


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


@app.callback()
def main() -> None:
    # Only orderdesk's own logger: third-party loggers keep their defaults (stderr too).
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


# --- shared plumbing -------------------------------------------------------------


def _fail(message: str, details: list[str] | None = None) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    for line in details or []:
        typer.echo(f"  {line}", err=True)
    return typer.Exit(1)


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run one command's async work; known failures become a message and exit code 1."""
    try:
        return asyncio.run(work)
    except OrderdeskError as error:
        details = [
            f"{_OPTIONS.get(e.pointer or '', e.pointer or e.parameter)}: {e.detail}"
            for e in error.errors
        ]
        raise _fail(error.detail or error.title, details) from None
    except (OSError, SQLAlchemyError) as error:
        cause = error.orig if isinstance(error, DBAPIError) else error
        raise _fail(
            f"database error: {cause}",
            ["is the database reachable, and migrated (`orderdesk migrate`)?"],
        ) from None


def _settings() -> Settings:
    try:
        return get_settings()
    except pydantic.ValidationError as error:
        details = [
            f"ORDERDESK_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()
        ]
        raise _fail("invalid configuration", details) from None


def _table(header: list[str], rows: list[list[str]]) -> None:
    """Columns padded to their widest cell, two spaces apart."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


async def _migrate(settings: Settings) -> None:
    url = settings.async_url
    if _is_sqlite(url) and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        await schema.migrate(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    if _is_sqlite(settings.async_url):
        await _migrate(settings)
    engine = make_engine(settings.async_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


# --- serve and migrate --------------------------------------------------------------


def _uvicorn_logging() -> dict[str, Any]:
    """Uvicorn's logging, with the access log on stderr too and orderdesk's own logger."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    config["loggers"]["orderdesk"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Serve the HTTP API. On SQLite the database file is migrated first."""
    settings = _settings()
    if _is_sqlite(settings.async_url):
        _run(_migrate(settings))
    uvicorn.run(
        "orderdesk.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=_uvicorn_logging(),
    )


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (a deploy step on PostgreSQL)."""
    settings = _settings()
    _run(_migrate(settings))
    typer.echo(f"{_shown(settings.async_url)}: schema is up to date")


# --- demo -------------------------------------------------------------------------


@dataclass
class _DemoOutcome:
    data: demo_data.DemoData
    loaded: bool
    accounts: int  # in the tenant, all of them
    orders: int


async def _demo(settings: Settings, if_empty: bool) -> _DemoOutcome:
    async with _database(settings) as factory, session_scope(factory) as session:
        tenant = await ensure_tenant(session, settings.default_tenant)
        if await demo_data.tenant_is_empty(session, tenant.id):
            data = await demo_data.load_demo(session, tenant.id)
            loaded = True
        elif not if_empty:
            raise Conflict(
                f"tenant {tenant.name!r} already has accounts; not loading the demo twice. "
                "`orderdesk demo --if-empty` prints fresh keys instead, or point "
                "ORDERDESK_DATABASE_URL at a new database"
            )
        else:
            # Secrets are stored only as hashes, so earlier keys cannot be shown
            # again: make fresh ones, for the demo's accounts too when they exist.
            accounts = await demo_data.find_demo_accounts(session, tenant.id)
            keys = await demo_data.make_keys(session, tenant.id, accounts, name=RERUN_KEY_NAME)
            if accounts is None:
                data = demo_data.DemoData(keys, {}, [], [], [], [], [], [], {})
            else:
                data = await demo_data.describe(session, tenant.id, accounts, keys)
            loaded = False
        return _DemoOutcome(
            data=data,
            loaded=loaded,
            accounts=await demo_data.count_of(session, Account, tenant.id),
            orders=await demo_data.count_of(session, Order, tenant.id),
        )


_KEY_VARIABLES = {
    "admin": ("OD_ADMIN", "admin of the whole tenant"),
    "customer": ("OD_CUSTOMER", "customer"),
    "customer_other": ("OD_CUSTOMER_OTHER", "customer"),
    "supplier": ("OD_SUPPLIER", "supplier"),
}


def _shell_lines(data: demo_data.DemoData, base_url: str) -> list[str]:
    lines = [f"export OD_URL={base_url}"]
    keyed = [(who, variable, role) for who, (variable, role) in _KEY_VARIABLES.items()]
    assignments = {
        who: f"export {variable}={data.keys[who]}" for who, variable, _ in keyed if who in data.keys
    }
    width = max(len(a) for a in assignments.values())
    for who, _, role in keyed:
        if who not in assignments:
            continue
        comment = role
        if who in data.accounts:
            comment = f"{role}: {demo_data.ACCOUNTS[who][1]} (account {data.accounts[who]})"
        lines.append(f"{assignments[who]:<{width}}  # {comment}")
    if data.accounts:
        first = {
            "OD_PATIENT": data.patient_ids,
            "OD_SITE": data.site_ids,
            "OD_ITEM": data.item_ids,
            "OD_KIT": data.kit_ids,
            "OD_PRODUCT": data.product_ids,
        }
        lines.append("export " + " ".join(f"{k}={v[0]}" for k, v in first.items() if v))
    # One product per workflow, to place orders that follow it.
    per_workflow = [
        f"OD_PRODUCT_{key.upper().replace('-', '_')}={ids[0]}"
        for key, ids in sorted(data.workflow_product_ids.items())
        if re.fullmatch(r"[a-z0-9-]+", key)  # makes a valid shell name
    ]
    if per_workflow:
        lines.append("export " + " ".join(per_workflow))
    return lines


def _print_demo(outcome: _DemoOutcome, tenant: str, base_url: str) -> None:
    data = outcome.data
    if outcome.loaded:
        typer.echo(
            f"Loaded the demo into tenant {tenant!r}: {outcome.accounts} accounts "
            f"({', '.join(name for _, name in demo_data.ACCOUNTS.values())}); "
            f"{len(data.patient_ids)} active patients and {len(data.site_ids)} active "
            f"sites of {demo_data.ACCOUNTS['customer'][1]}; {len(data.item_ids)} items, "
            f"{len(data.kit_ids)} kits and {len(data.product_ids)} products to order; "
            f"{len(data.order_ids)} orders in varied states of the workflows "
            f"{', '.join(sorted(data.workflow_product_ids))}."
        )
        typer.echo("\nAPI keys, shown this once (only their hashes are stored).")
    else:
        typer.echo(
            f"Tenant {tenant!r} already has data ({outcome.accounts} accounts, "
            f"{outcome.orders} orders), so the demo was not loaded again."
        )
        typer.echo(
            "Earlier keys cannot be shown again (only their hashes are stored); "
            f"here are fresh ones named {RERUN_KEY_NAME!r}."
        )
    typer.echo("Paste these lines into the shell you run curl from (see the README's API tour):\n")
    for line in _shell_lines(data, base_url):
        typer.echo(line)
    typer.echo(
        "\nMore keys: `orderdesk keys create --role customer --account ID`; "
        "`orderdesk keys list` shows them all, `orderdesk keys revoke ID` ends one."
    )


@app.command()
def demo(
    if_empty: Annotated[
        bool,
        typer.Option(
            "--if-empty",
            help="Load only into an empty tenant; if it has data, print fresh keys instead",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object of keys and ids, nothing else")
    ] = False,
    base_url: Annotated[
        str, typer.Option(help="Where the API listens, for the printed shell lines")
    ] = "http://127.0.0.1:8000",
) -> None:
    """Fill the default tenant with demo accounts, patients, catalog and orders; print keys."""
    settings = _settings()
    outcome = _run(_demo(settings, if_empty))
    if as_json:
        if not outcome.loaded:
            typer.echo(
                f"tenant {settings.default_tenant!r} already has data; printed fresh keys",
                err=True,
            )
        typer.echo(json.dumps(outcome.data.as_json(), indent=2))
    else:
        _print_demo(outcome, settings.default_tenant, base_url)


# --- keys -------------------------------------------------------------------------


async def _create_key(settings: Settings, data: CredentialCreate) -> tuple[Credential, str]:
    async with _database(settings) as factory, session_scope(factory) as session:
        tenant = await ensure_tenant(session, settings.default_tenant)
        return await create_credential(session, data, principal=system_principal(tenant.id))


async def _list_keys(settings: Settings) -> list[Credential]:
    async with _database(settings) as factory, session_scope(factory) as session:
        tenant = await ensure_tenant(session, settings.default_tenant)
        stmt = credentials_of(system_principal(tenant.id)).order_by(Credential.id)
        return list(await session.scalars(stmt))


async def _revoke_key(settings: Settings, credential_id: int) -> Credential:
    async with _database(settings) as factory, session_scope(factory) as session:
        tenant = await ensure_tenant(session, settings.default_tenant)
        return await revoke_credential(
            session, credential_id, principal=system_principal(tenant.id)
        )


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="What the key may do", case_sensitive=False)],
    account: Annotated[
        int | None, typer.Option(help="The account a customer or supplier key acts for")
    ] = None,
    name: Annotated[str | None, typer.Option(help="A label for lists and the timeline")] = None,
) -> None:
    """Make an API key and print its secret: shown once, only its hash is stored."""
    settings = _settings()
    try:
        data = CredentialCreate(name=name or f"cli {role.value}", role=role, account_id=account)
    except pydantic.ValidationError as error:
        raise _fail("invalid key", [e["msg"] for e in error.errors()]) from None
    credential, secret = _run(_create_key(settings, data))
    owner = f" for account {credential.account_id}" if credential.account_id else ""
    typer.echo(
        f"Created {credential.role.value} key {credential.id} ({credential.prefix}, "
        f"{credential.name!r}){owner}. Its secret, shown this once:",
        err=True,
    )
    typer.echo(secret)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


@keys_app.command("list")
def keys_list() -> None:
    """List the API keys of the default tenant (secrets are never shown again)."""
    rows = [
        [
            str(c.id),
            c.prefix,
            c.name,
            c.role.value,
            str(c.account_id) if c.account_id is not None else "-",
            _when(c.created_at),
            _when(c.last_used_at),
            _when(c.revoked_at),
        ]
        for c in _run(_list_keys(_settings()))
    ]
    _table(["id", "prefix", "name", "role", "account", "created", "last used", "revoked"], rows)
    typer.echo("(times in UTC)", err=True)


@keys_app.command("revoke")
def keys_revoke(
    credential_id: Annotated[int, typer.Argument(help="The key's id (`orderdesk keys list`)")],
) -> None:
    """Revoke an API key: it stops working at once, and stays listed."""
    credential = _run(_revoke_key(_settings(), credential_id))
    typer.echo(f"Revoked key {credential.id} ({credential.prefix}, {credential.name!r}).")


# --- workflows ----------------------------------------------------------------------


@dataclass
class _WorkflowSummary:
    id: int
    key: str
    name: str
    account_id: int | None
    is_default: bool
    current_version: int

    @classmethod
    def of(cls, record: WorkflowRecord) -> _WorkflowSummary:
        return cls(
            id=record.id,
            key=record.key,
            name=record.name,
            account_id=record.account_id,
            is_default=record.is_default,
            current_version=record.current_version,
        )

    @property
    def owner(self) -> str:
        return "tenant" if self.account_id is None else f"account {self.account_id}"

    @property
    def belongs(self) -> str:
        return "tenant-wide" if self.account_id is None else f"of account {self.account_id}"

    @property
    def default_for(self) -> str:
        return "the tenant's default" if self.account_id is None else "the supplier's default"

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class _WorkflowShown:
    workflow: _WorkflowSummary
    number: int
    definition: dict[str, Any]
    created_at: Any
    created_by: str


async def _tenant_system(session: AsyncSession, settings: Settings) -> Principal:
    tenant = await ensure_tenant(session, settings.default_tenant)  # installs the defaults
    return system_principal(tenant.id)


async def _list_workflows(settings: Settings) -> list[_WorkflowSummary]:
    async with _database(settings) as factory, session_scope(factory) as session:
        system = await _tenant_system(session, settings)
        stmt = select_visible(WorkflowRecord, system).order_by(WorkflowRecord.id)
        return [_WorkflowSummary.of(record) for record in await session.scalars(stmt)]


async def _find_workflow(
    session: AsyncSession, principal: Principal, key_or_id: str
) -> WorkflowRecord:
    """The workflow with this key; failing that, with this id (keys win: "42" may be a key)."""
    stmt = select_visible(WorkflowRecord, principal).where(WorkflowRecord.key == key_or_id)
    record = (await session.scalars(stmt)).one_or_none()
    if record is not None:
        return record
    if re.fullmatch(r"[0-9]{1,19}", key_or_id):
        try:
            return await get_visible(
                session, WorkflowRecord, int(key_or_id), principal, kind="workflow"
            )
        except NotFound:
            pass
    raise NotFound(
        f"no workflow with key or id {key_or_id!r}; `orderdesk workflows list` shows them"
    )


async def _show_workflow(settings: Settings, key_or_id: str, number: int | None) -> _WorkflowShown:
    async with _database(settings) as factory, session_scope(factory) as session:
        system = await _tenant_system(session, settings)
        record = await _find_workflow(session, system, key_or_id)
        version = (
            await session.scalars(
                select(WorkflowVersion).where(
                    WorkflowVersion.tenant_id == record.tenant_id,
                    WorkflowVersion.workflow_id == record.id,
                    WorkflowVersion.number == (number or record.current_version),
                )
            )
        ).one_or_none()
        if version is None:
            raise NotFound(
                f"workflow {record.key!r} has no version {number}; "
                f"its versions are 1 to {record.current_version}"
            )
        return _WorkflowShown(
            workflow=_WorkflowSummary.of(record),
            number=version.number,
            definition=version.definition,
            created_at=version.created_at,
            created_by=version.created_by,
        )


@dataclass
class _Imported:
    workflow: _WorkflowSummary
    created: bool
    unchanged: bool  # the saved version repeats the one before it


async def _import_workflow(
    settings: Settings, document: dict[str, Any], account: int | None, make_default: bool
) -> _Imported:
    async with _database(settings) as factory, session_scope(factory) as session:
        system = await _tenant_system(session, settings)
        existing = (
            await session.scalars(
                select_visible(WorkflowRecord, system).where(WorkflowRecord.key == document["key"])
            )
        ).one_or_none()
        previous = None
        if existing is not None:
            if account is not None and account != existing.account_id:
                belongs = _WorkflowSummary.of(existing).belongs
                raise ValidationFailed(
                    f"workflow {existing.key!r} exists ({belongs}); "
                    "importing saves a new version and keeps its owner",
                    errors=[
                        FieldError(
                            "must be omitted"
                            if existing.account_id is None
                            else f"must be {existing.account_id} or omitted",
                            pointer="/account_id",
                        )
                    ],
                )
            previous = (await workflows.version_of(session, existing)).definition
        record = await workflows.import_workflow(
            session, document, principal=system, account_id=account, is_default=make_default
        )
        saved = (await workflows.version_of(session, record)).definition
        return _Imported(
            workflow=_WorkflowSummary.of(record),
            created=existing is None,
            unchanged=previous == saved,
        )


def _yes(flag: bool) -> str:
    return "yes" if flag else "-"


@workflows_app.command("list")
def workflows_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead")] = False,
) -> None:
    """List the workflows of the default tenant: tenant-wide ones and every supplier's."""
    found = _run(_list_workflows(_settings()))
    if as_json:
        typer.echo(json.dumps([w.as_json() for w in found], indent=2))
        return
    rows = [
        [str(w.id), w.key, w.name, w.owner, _yes(w.is_default), str(w.current_version)]
        for w in found
    ]
    _table(["id", "key", "name", "owner", "default", "version"], rows)


def _state_label(state_id: str, names: dict[str, str]) -> str:
    """A state's id, with its name where the id alone does not say it."""
    name = names.get(state_id, "")
    return state_id if name.casefold() == state_id.casefold() else f"{state_id} ({name})"


def _print_definition(shown: _WorkflowShown) -> None:
    w, definition = shown.workflow, shown.definition
    default = f"; {w.default_for}" if w.is_default else ""
    typer.echo(f"workflow  {w.key} (id {w.id}): {definition['name']}")
    typer.echo(f"owner     {w.owner}{default}")
    typer.echo(
        f"version   {shown.number} of {w.current_version}, saved {_when(shown.created_at)} UTC "
        f"by {shown.created_by}"
    )
    states = definition["states"]
    typer.echo(f"\nstates ({len(states)})")
    _table(
        ["id", "name", "type", "initial", "outcome", "code"],
        [
            [
                s["id"],
                s["name"],
                s["type"],
                _yes(bool(s.get("initial"))),
                s.get("outcome") or "-",
                "-" if s.get("code") is None else str(s["code"]),
            ]
            for s in states
        ],
    )
    names = {s["id"]: s["name"] for s in states}
    transitions = definition["transitions"]
    typer.echo(f"\ntransitions ({len(transitions)}), and the roles that may take them")
    _table(
        ["from", "to", "who", "reason", "reopening"],
        [
            [
                _state_label(t["from"], names),
                _state_label(t["to"], names),
                ",".join(role for role in ROLES if role in t["roles"]),
                "required" if t.get("reason_required") else "-",
                _yes(bool(t.get("reopening"))),
            ]
            for t in transitions
        ],
    )


@workflows_app.command("show")
def workflows_show(
    key_or_id: Annotated[str, typer.Argument(help="The workflow's key, or its id")],
    version: Annotated[
        int | None, typer.Option(min=1, help="This version (default: the current one)")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the definition as JSON, ready to import")
    ] = False,
    as_yaml: Annotated[
        bool, typer.Option("--yaml", help="Print the definition as YAML, ready to import")
    ] = False,
) -> None:
    """Show a workflow's states and transitions (a table; or the document, to edit and import)."""
    if as_json and as_yaml:
        raise typer.BadParameter("give one of them, not both", param_hint="'--json' / '--yaml'")
    shown = _run(_show_workflow(_settings(), key_or_id, version))
    if as_json:
        typer.echo(definition_json(shown.definition))
    elif as_yaml:
        typer.echo(definition_yaml(shown.definition), nl=False)
    else:
        _print_definition(shown)


def _read_document(file: Path) -> tuple[str, dict[str, Any]]:
    """The file's name as shown in messages, and the valid workflow document it holds."""
    shown = "stdin" if str(file) == "-" else str(file)
    try:
        raw = typer.get_binary_stream("stdin").read() if shown == "stdin" else file.read_bytes()
    except OSError as error:
        raise _fail(f"{shown}: cannot read it: {error.strerror or error}") from None
    try:
        document = load_document(str(file), raw)
    except DocumentError as error:
        raise _fail(f"{shown}: {error}") from None
    try:
        parse_workflow(document)
    except ValidationFailed as error:
        raise _fail(
            f"{shown}: {error.detail} ({len(error.errors)} "
            f"{'problem' if len(error.errors) == 1 else 'problems'})",
            [f"{e.pointer or '(the whole document)'}: {e.detail}" for e in error.errors],
        ) from None
    return shown, document


@workflows_app.command("import")
def workflows_import(
    file: Annotated[
        Path, typer.Argument(help="A workflow document, JSON or YAML; - reads standard input")
    ],
    account: Annotated[
        int | None,
        typer.Option(help="The supplier account a new workflow belongs to (default: tenant-wide)"),
    ] = None,
    default: Annotated[
        bool,
        typer.Option(
            "--default",
            help="Make it its owner's default: the supplier's, or for a tenant-wide one the "
            "tenant's",
        ),
    ] = False,
) -> None:
    """Create a workflow from a document, or save it as a new version if its key exists."""
    shown, document = _read_document(file)
    outcome = _run(_import_workflow(_settings(), document, account, default))
    w = outcome.workflow
    states, transitions = len(document["states"]), len(document["transitions"])
    done = (
        f"Created workflow {w.key!r} (id {w.id}, {w.belongs}) at version 1"
        if outcome.created
        else f"Saved workflow {w.key!r} (id {w.id}, {w.belongs}) as version {w.current_version}"
    )
    typer.echo(f"{done} from {shown}: {states} states, {transitions} transitions.")
    if w.is_default:
        typer.echo(
            "It is the tenant's default."
            if w.account_id is None
            else f"It is the default of account {w.account_id}."
        )
    if not outcome.created:
        typer.echo("Orders placed before keep the version they started with.", err=True)
    if outcome.unchanged:
        typer.echo(
            f"note: version {w.current_version} repeats version {w.current_version - 1}",
            err=True,
        )


if __name__ == "__main__":
    app()

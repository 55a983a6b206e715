"""``workflows list | show | import``."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.cli._base import (
    fail,
    load_settings,
    open_database,
    print_table,
    run_command,
    when,
    workflows_app,
)
from orderdesk.config import Settings
from orderdesk.db import session_scope
from orderdesk.errors import (
    FieldError,
    NotFound,
    ValidationFailed,
)
from orderdesk.tenancy.principal import Principal, system_principal
from orderdesk.tenancy.service import (
    ensure_tenant,
)
from orderdesk.workflow import ROLES, parse_workflow, queries
from orderdesk.workflow import service as workflows
from orderdesk.workflow.documents import (
    DocumentError,
    definition_json,
    definition_yaml,
    load_document,
)
from orderdesk.workflow.models import WorkflowRecord


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
    async with open_database(settings) as factory, session_scope(factory) as session:
        system = await _tenant_system(session, settings)
        return [
            _WorkflowSummary.of(record)
            for record in await queries.all_workflows(session, principal=system)
        ]


async def _find_workflow(
    session: AsyncSession, principal: Principal, key_or_id: str
) -> WorkflowRecord:
    """The workflow with this key; failing that, with this id (keys win: "42" may be a key)."""
    record = await queries.workflow_by_key(session, key_or_id, principal=principal)
    if record is not None:
        return record
    if re.fullmatch(r"[0-9]{1,19}", key_or_id):
        try:
            return await workflows.load_workflow(session, int(key_or_id), principal=principal)
        except NotFound:
            pass
    raise NotFound(
        f"no workflow with key or id {key_or_id!r}; `orderdesk workflows list` shows them"
    )


async def _show_workflow(settings: Settings, key_or_id: str, number: int | None) -> _WorkflowShown:
    async with open_database(settings) as factory, session_scope(factory) as session:
        system = await _tenant_system(session, settings)
        record = await _find_workflow(session, system, key_or_id)
        version = await queries.find_version(session, record, number)
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
    async with open_database(settings) as factory, session_scope(factory) as session:
        system = await _tenant_system(session, settings)
        existing = await queries.workflow_by_key(session, document["key"], principal=system)
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
    found = run_command(_list_workflows(load_settings()))
    if as_json:
        typer.echo(json.dumps([w.as_json() for w in found], indent=2))
        return
    rows = [
        [str(w.id), w.key, w.name, w.owner, _yes(w.is_default), str(w.current_version)]
        for w in found
    ]
    print_table(["id", "key", "name", "owner", "default", "version"], rows)


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
        f"version   {shown.number} of {w.current_version}, saved {when(shown.created_at)} UTC "
        f"by {shown.created_by}"
    )
    states = definition["states"]
    typer.echo(f"\nstates ({len(states)})")
    print_table(
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
    print_table(
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
    shown = run_command(_show_workflow(load_settings(), key_or_id, version))
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
        raise fail(f"{shown}: cannot read it: {error.strerror or error}") from None
    try:
        document = load_document(str(file), raw)
    except DocumentError as error:
        raise fail(f"{shown}: {error}") from None
    try:
        parse_workflow(document)
    except ValidationFailed as error:
        raise fail(
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
    outcome = run_command(_import_workflow(load_settings(), document, account, default))
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

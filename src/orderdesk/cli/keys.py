"""``keys create | list | revoke``."""

from __future__ import annotations

from typing import Annotated

import pydantic
import typer

from orderdesk.cli._base import (
    fail,
    keys_app,
    load_settings,
    open_database,
    print_table,
    run_command,
    when,
)
from orderdesk.config import Settings
from orderdesk.db import session_scope
from orderdesk.tenancy.models import Credential, Role
from orderdesk.tenancy.principal import system_principal
from orderdesk.tenancy.queries import all_credentials
from orderdesk.tenancy.schemas import CredentialCreate
from orderdesk.tenancy.service import (
    create_credential,
    ensure_tenant,
    revoke_credential,
)


async def _create_key(settings: Settings, data: CredentialCreate) -> tuple[Credential, str]:
    async with open_database(settings) as factory, session_scope(factory) as session:
        tenant = await ensure_tenant(session, settings.default_tenant)
        return await create_credential(session, data, principal=system_principal(tenant.id))


async def _list_keys(settings: Settings) -> list[Credential]:
    async with open_database(settings) as factory, session_scope(factory) as session:
        tenant = await ensure_tenant(session, settings.default_tenant)
        return await all_credentials(session, principal=system_principal(tenant.id))


async def _revoke_key(settings: Settings, credential_id: int) -> Credential:
    async with open_database(settings) as factory, session_scope(factory) as session:
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
    settings = load_settings()
    try:
        data = CredentialCreate(name=name or f"cli {role.value}", role=role, account_id=account)
    except pydantic.ValidationError as error:
        raise fail("invalid key", [e["msg"] for e in error.errors()]) from None
    credential, secret = run_command(_create_key(settings, data))
    owner = f" for account {credential.account_id}" if credential.account_id else ""
    typer.echo(
        f"Created {credential.role.value} key {credential.id} ({credential.prefix}, "
        f"{credential.name!r}){owner}. Its secret, shown this once:",
        err=True,
    )
    typer.echo(secret)


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
            when(c.created_at),
            when(c.last_used_at),
            when(c.revoked_at),
        ]
        for c in run_command(_list_keys(load_settings()))
    ]
    print_table(
        ["id", "prefix", "name", "role", "account", "created", "last used", "revoked"], rows
    )
    typer.echo("(times in UTC)", err=True)


@keys_app.command("revoke")
def keys_revoke(
    credential_id: Annotated[int, typer.Argument(help="The key's id (`orderdesk keys list`)")],
) -> None:
    """Revoke an API key: it stops working at once, and stays listed."""
    credential = run_command(_revoke_key(load_settings(), credential_id))
    typer.echo(f"Revoked key {credential.id} ({credential.prefix}, {credential.name!r}).")

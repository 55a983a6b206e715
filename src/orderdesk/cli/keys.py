"""``keys create | list | rotate | revoke``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

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
from orderdesk.errors import OrderdeskError
from orderdesk.tenancy.models import Credential, Role
from orderdesk.tenancy.principal import system_principal
from orderdesk.tenancy.queries import all_credentials
from orderdesk.tenancy.schemas import CredentialCreate, CredentialRotate
from orderdesk.tenancy.scopes import ROLE_SCOPES, Scope, loaded
from orderdesk.tenancy.service import (
    create_credential,
    ensure_tenant,
    get_credential,
    revoke_credential,
    rotate_credential,
)

T = TypeVar("T")

#: Request fields these commands set, as the options that set them (for error messages).
_OPTIONS = {
    "/scopes": "--scope",
    "/expires_at": "--expires",
    "/old_valid_until": "--old-valid-until",
}

_DURATION = re.compile(r"([0-9]{1,6})([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}

#: How ``--expires`` and ``--old-valid-until`` are written (their help).
INSTANT_HELP = (
    "an ISO 8601 instant with its time zone (2027-01-31T00:00:00Z, "
    "2027-01-31T09:00:00+09:00), or a time from now in days, hours or minutes (30d, 12h, 15m)"
)


def parse_instant(value: str, option: str, now: dt.datetime | None = None) -> dt.datetime:
    """``value`` as an instant in UTC: an ISO 8601 one with its offset, or ``now`` plus a
    duration (``30d``, ``12h``, ``15m``). Anything else fails naming ``option``."""
    written = value.strip()
    duration = _DURATION.fullmatch(written)
    try:
        if duration:
            count, unit = duration.groups()
            return (now or dt.datetime.now(dt.UTC)) + dt.timedelta(**{_UNITS[unit]: int(count)})
        instant = dt.datetime.fromisoformat(written)
    except (ValueError, OverflowError):
        instant = None
    if instant is None or instant.utcoffset() is None:
        raise fail(f"invalid {option} {value!r}", [f"{option}: must be {INSTANT_HELP}"])
    return instant.astimezone(dt.UTC)


async def _naming_options(work: Coroutine[Any, Any, T]) -> T:
    """``work``, its errors naming this command's options rather than request fields."""
    try:
        return await work
    except OrderdeskError as error:
        error.errors = [
            dataclasses.replace(e, pointer=None, parameter=_OPTIONS[e.pointer])
            if e.pointer in _OPTIONS
            else e
            for e in error.errors
        ]
        raise


async def _create_key(settings: Settings, data: CredentialCreate) -> tuple[Credential, str]:
    async with open_database(settings) as factory, session_scope(factory) as session:
        tenant = await ensure_tenant(session, settings.default_tenant)
        return await create_credential(session, data, principal=system_principal(tenant.id))


async def _list_keys(settings: Settings) -> list[Credential]:
    async with open_database(settings) as factory, session_scope(factory) as session:
        tenant = await ensure_tenant(session, settings.default_tenant)
        return await all_credentials(session, principal=system_principal(tenant.id))


async def _rotate_key(
    settings: Settings, credential_id: int, data: CredentialRotate
) -> tuple[Credential, Credential, str]:
    """The old credential (as the rotation left it), the new one and its secret."""
    async with open_database(settings) as factory, session_scope(factory) as session:
        tenant = await ensure_tenant(session, settings.default_tenant)
        system = system_principal(tenant.id)
        new, secret = await rotate_credential(session, credential_id, data, principal=system)
        old = await get_credential(session, credential_id, principal=system)
        return old, new, secret


async def _revoke_key(settings: Settings, credential_id: int) -> Credential:
    async with open_database(settings) as factory, session_scope(factory) as session:
        tenant = await ensure_tenant(session, settings.default_tenant)
        return await revoke_credential(
            session, credential_id, principal=system_principal(tenant.id)
        )


def shown_scopes(credential: Credential) -> str:
    """A key's scopes, comma-separated; ``all`` when it holds every scope of its role."""
    held = loaded(credential.scopes)
    if held == ROLE_SCOPES[credential.role]:
        return "all"
    return ",".join(sorted(held)) or "-"


def _expiry(credential: Credential) -> str:
    return f", expires {when(credential.expires_at)} UTC" if credential.expires_at else ""


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="What the key may do", case_sensitive=False)],
    account: Annotated[
        int | None, typer.Option(help="The account a customer or supplier key acts for")
    ] = None,
    name: Annotated[str | None, typer.Option(help="A label for lists and the timeline")] = None,
    scope: Annotated[
        list[Scope] | None,
        typer.Option(
            help="A scope the key holds, within its role's; repeat for several "
            "(--scope orders:read --scope orders:write). Left out: every scope of the role",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(
            help=f"When the key stops working: {INSTANT_HELP}. Left out: when revoked",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Make an API key and print its secret: shown once, only its hash is stored."""
    settings = load_settings()
    expires_at = parse_instant(expires, "--expires") if expires is not None else None
    try:
        data = CredentialCreate(
            name=name or f"cli {role.value}",
            role=role,
            account_id=account,
            scopes=sorted(set(scope)) if scope else None,
            expires_at=expires_at,
        )
    except pydantic.ValidationError as error:
        raise fail("invalid key", [e["msg"] for e in error.errors()]) from None
    credential, secret = run_command(_naming_options(_create_key(settings, data)))
    owner = f" for account {credential.account_id}" if credential.account_id else ""
    typer.echo(
        f"Created {credential.role.value} key {credential.id} ({credential.prefix}, "
        f"{credential.name!r}){owner}, scopes {shown_scopes(credential)}{_expiry(credential)}. "
        "Its secret, shown this once:",
        err=True,
    )
    typer.echo(secret)


@keys_app.command("list")
def keys_list(
    long: Annotated[
        bool,
        typer.Option(
            "--long",
            "-l",
            help="Also show when each key expires, the key it replaced (`keys rotate`) and "
            "its scopes (`all`: every scope of its role)",
        ),
    ] = False,
) -> None:
    """List the API keys of the default tenant (secrets are never shown again)."""
    header = ["id", "prefix", "name", "role", "account", "created", "last used", "revoked"]
    if long:
        header += ["expires", "rotated from", "scopes"]
    rows = []
    for c in run_command(_list_keys(load_settings())):
        row = [
            str(c.id),
            c.prefix,
            c.name,
            c.role.value,
            str(c.account_id) if c.account_id is not None else "-",
            when(c.created_at),
            when(c.last_used_at),
            when(c.revoked_at),
        ]
        if long:
            rotated_from = str(c.rotated_from_id) if c.rotated_from_id is not None else "-"
            row += [when(c.expires_at), rotated_from, shown_scopes(c)]
        rows.append(row)
    print_table(header, rows)
    typer.echo("(times in UTC)", err=True)


@keys_app.command("rotate")
def keys_rotate(
    credential_id: Annotated[int, typer.Argument(help="The key's id (`orderdesk keys list`)")],
    old_valid_until: Annotated[
        str | None,
        typer.Option(
            help=f"Until when the old key keeps working (at most its own expiry): {INSTANT_HELP}. "
            "Left out: it stops now",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Replace an API key by a new one with its name, role, account, scopes and expiry, and
    print the new secret: shown once, only its hash is stored."""
    settings = load_settings()
    until = (
        parse_instant(old_valid_until, "--old-valid-until") if old_valid_until is not None else None
    )
    data = CredentialRotate(old_valid_until=until)
    old, new, secret = run_command(_naming_options(_rotate_key(settings, credential_id, data)))
    stops = f"works until {when(old.expires_at)} UTC" if until is not None else "no longer works"
    typer.echo(
        f"Rotated key {old.id} ({old.prefix}, {old.name!r}) into key {new.id} ({new.prefix}); "
        f"the old key {stops}. Its secret, shown this once:",
        err=True,
    )
    typer.echo(secret)


@keys_app.command("revoke")
def keys_revoke(
    credential_id: Annotated[int, typer.Argument(help="The key's id (`orderdesk keys list`)")],
) -> None:
    """Revoke an API key: it stops working at once, and stays listed."""
    credential = run_command(_revoke_key(load_settings(), credential_id))
    typer.echo(f"Revoked key {credential.id} ({credential.prefix}, {credential.name!r}).")

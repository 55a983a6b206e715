"""``demo``: load the demo data, or print fresh keys for it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated

import typer

from orderdesk import demo as demo_data
from orderdesk.cli._base import (
    RERUN_KEY_NAME,
    app,
    load_settings,
    open_database,
    run_command,
)
from orderdesk.config import Settings
from orderdesk.db import session_scope
from orderdesk.errors import (
    Conflict,
)
from orderdesk.orders.models import Order
from orderdesk.tenancy.models import Account
from orderdesk.tenancy.service import (
    ensure_tenant,
)


@dataclass
class _DemoOutcome:
    data: demo_data.DemoData
    loaded: bool
    accounts: int  # in the tenant, all of them
    orders: int


async def _demo(settings: Settings, if_empty: bool) -> _DemoOutcome:
    async with open_database(settings) as factory, session_scope(factory) as session:
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
    "customer_no_phi": ("OD_CUSTOMER_NO_PHI", "customer, without phi:read"),
    "supplier_no_phi": ("OD_SUPPLIER_NO_PHI", "supplier, without phi:read"),
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
    settings = load_settings()
    outcome = run_command(_demo(settings, if_empty))
    if as_json:
        if not outcome.loaded:
            typer.echo(
                f"tenant {settings.default_tenant!r} already has data; printed fresh keys",
                err=True,
            )
        typer.echo(json.dumps(outcome.data.as_json(), indent=2))
    else:
        _print_demo(outcome, settings.default_tenant, base_url)

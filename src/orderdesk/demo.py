"""The demo data set: a small, believable tenant to try the API on.

Everything is made through the services, acting as the account that would do
it over the API, so loading the demo also obeys every rule: scoping, the
workflow's roles, the timeline. The supplier's products each carry one of the
four default workflows, and the orders sit in varied states of all four.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.catalog import service as catalog
from orderdesk.catalog.models import Item, Kit, Product
from orderdesk.catalog.schemas import (
    ItemCreate,
    KitCreate,
    KitItemIn,
    ManufacturerCreate,
    ProductCreate,
)
from orderdesk.devices import service as devices
from orderdesk.devices.models import Device, DeviceStatus
from orderdesk.devices.schemas import DeviceCreate, DeviceIdentifierIn
from orderdesk.orders import fulfilment, receiving
from orderdesk.orders import service as orders
from orderdesk.orders.models import Order, ShippingOption
from orderdesk.orders.schemas import (
    CancelRequest,
    DeviceAssignment,
    KitPacking,
    NoteCreate,
    OrderCreate,
    OrderLineIn,
    ReturnDevice,
    Returns,
    ReturnsReceipt,
    TrackingNumberCreate,
    TransitionRequest,
)
from orderdesk.parties import service as parties
from orderdesk.parties.models import Patient, Site
from orderdesk.parties.schemas import PatientCreate, Sex, SiteCreate
from orderdesk.schemas import Address
from orderdesk.tenancy.models import Account, AccountKind, Role
from orderdesk.tenancy.principal import Principal, system_principal
from orderdesk.tenancy.schemas import AccountCreate, CredentialCreate
from orderdesk.tenancy.scopes import ROLE_SCOPES, Scope
from orderdesk.tenancy.scoping import find_in_tenant, select_visible
from orderdesk.tenancy.service import create_account, create_credential
from orderdesk.workflow import DENTAL_LAB
from orderdesk.workflow.models import WorkflowRecord

#: The demo's accounts, by the name the JSON output and the README use for them.
ACCOUNTS: dict[str, tuple[AccountKind, str]] = {
    "customer": (AccountKind.CUSTOMER, "Riverside Family Clinic"),
    "customer_other": (AccountKind.CUSTOMER, "Harbor Heart Practice"),
    "supplier": (AccountKind.SUPPLIER, "Northwind Medical Supply"),
}

#: Fixed, so every fresh demo database holds the same data.
SEED = 20261125


@dataclass
class DemoData:
    """What ``orderdesk demo --json`` prints: fresh keys and the ids worth trying."""

    keys: dict[str, str]
    accounts: dict[str, int]
    patient_ids: list[int]
    site_ids: list[int]
    item_ids: list[int]
    kit_ids: list[int]
    product_ids: list[int]
    order_ids: list[int]
    #: The orderable ``product_ids`` by the key of the workflow each carries.
    workflow_product_ids: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    #: The supplier's devices: in stock, assigned, packed, shipped, with a patient, returned.
    device_ids: list[int] = dataclasses.field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def acting_for(tenant_id: int, account: Account) -> Principal:
    """A principal with the role and account of ``account``, as its API key would give."""
    return Principal(
        tenant_id=tenant_id,
        role=Role(account.kind.value),
        account_id=account.id,
        credential_id=None,
        name=account.name,
        scopes=ROLE_SCOPES[Role(account.kind.value)],
    )


async def tenant_is_empty(session: AsyncSession, tenant_id: int) -> bool:
    found = await session.scalar(select(Account.id).where(Account.tenant_id == tenant_id).limit(1))
    return found is None


async def count_of(
    session: AsyncSession, model: type[Account] | type[Order] | type[Device], tenant_id: int
) -> int:
    return (
        await session.scalar(
            select(func.count()).select_from(model).where(model.tenant_id == tenant_id)
        )
        or 0
    )


async def find_demo_accounts(session: AsyncSession, tenant_id: int) -> dict[str, int] | None:
    """The demo's accounts in this tenant, if all of them are there."""
    found: dict[str, int] = {}
    for who, (kind, name) in ACCOUNTS.items():
        ident = await session.scalar(
            select(Account.id)
            .where(Account.tenant_id == tenant_id, Account.kind == kind, Account.name == name)
            .order_by(Account.id)
            .limit(1)
        )
        if ident is None:
            return None
        found[who] = ident
    return found


#: The demo accounts that also get a key without ``phi:read``.
NO_PHI_KEYS = ("customer", "supplier")


async def make_keys(
    session: AsyncSession, tenant_id: int, accounts: dict[str, int] | None, *, name: str
) -> dict[str, str]:
    """Fresh API keys: an admin one, and one per demo account when there are any; the
    demo customer and supplier also get one without ``phi:read`` (``<who>_no_phi``)."""
    system = system_principal(tenant_id)
    wanted: list[tuple[str, Role, int | None, list[Scope] | None]] = [
        ("admin", Role.ADMIN, None, None)
    ]
    for who, (kind, _) in ACCOUNTS.items():
        if accounts is not None:
            wanted.append((who, Role(kind.value), accounts[who], None))
    for who in NO_PHI_KEYS:
        if accounts is not None:
            role = Role(ACCOUNTS[who][0].value)
            without_phi = sorted(ROLE_SCOPES[role] - {Scope.PHI_READ})
            wanted.append((f"{who}_no_phi", role, accounts[who], without_phi))
    keys: dict[str, str] = {}
    for who, role, account_id, scopes in wanted:
        _, keys[who] = await create_credential(
            session,
            CredentialCreate(name=name, role=role, account_id=account_id, scopes=scopes),
            principal=system,
        )
    return keys


async def describe(
    session: AsyncSession, tenant_id: int, accounts: dict[str, int], keys: dict[str, str]
) -> DemoData:
    """The ids a client can use now: only active patients and sites, only orderable entries."""
    customer, supplier = accounts["customer"], accounts["supplier"]

    async def ids(stmt: Any) -> list[int]:
        return list(await session.scalars(stmt))

    workflow_product_ids: dict[str, list[int]] = {}
    for key, product_id in await session.execute(
        select(WorkflowRecord.key, Product.id)
        .join(
            WorkflowRecord,
            and_(
                WorkflowRecord.tenant_id == Product.tenant_id,
                WorkflowRecord.id == Product.workflow_id,
            ),
        )
        .where(Product.tenant_id == tenant_id, Product.account_id == supplier)
        .where(Product.orderable.is_(True))
        .order_by(Product.id)
    ):
        workflow_product_ids.setdefault(key, []).append(product_id)

    return DemoData(
        keys=keys,
        accounts=dict(accounts),
        patient_ids=await ids(
            select(Patient.id)
            .where(Patient.tenant_id == tenant_id, Patient.account_id == customer)
            .where(Patient.archived.is_(False))
            .order_by(Patient.id)
        ),
        site_ids=await ids(
            select(Site.id)
            .where(Site.tenant_id == tenant_id, Site.account_id == customer)
            .where(Site.active.is_(True))
            .order_by(Site.id)
        ),
        item_ids=await ids(
            select(Item.id)
            .where(Item.tenant_id == tenant_id, Item.account_id == supplier)
            .where(Item.orderable.is_(True))
            .order_by(Item.id)
        ),
        kit_ids=await ids(
            select(Kit.id)
            .where(Kit.tenant_id == tenant_id, Kit.account_id == supplier)
            .where(Kit.archived.is_(False))
            .order_by(Kit.id)
        ),
        product_ids=await ids(
            select(Product.id)
            .where(Product.tenant_id == tenant_id, Product.account_id == supplier)
            .where(Product.orderable.is_(True))
            .order_by(Product.id)
        ),
        order_ids=await ids(
            select(Order.id)
            .where(Order.tenant_id == tenant_id, Order.supplier_account_id == supplier)
            .where(Order.customer_account_id.in_([customer, accounts["customer_other"]]))
            .order_by(Order.id)
        ),
        workflow_product_ids=workflow_product_ids,
        device_ids=await ids(
            select(Device.id)
            .where(Device.tenant_id == tenant_id, Device.account_id == supplier)
            .order_by(Device.id)
        ),
    )


async def load_demo(session: AsyncSession, tenant_id: int, *, key_name: str = "demo") -> DemoData:
    """Fill the tenant with the demo; the caller's transaction keeps it all or nothing."""
    rng = random.Random(SEED)
    system = system_principal(tenant_id)
    accounts: dict[str, Account] = {}
    for who, (kind, name) in ACCOUNTS.items():
        accounts[who] = await create_account(
            session, AccountCreate(kind=kind, name=name, **_ACCOUNT_DETAILS[who]), principal=system
        )
    acting = {who: acting_for(tenant_id, account) for who, account in accounts.items()}
    recipients = {
        who: await _parties(session, acting[who], who) for who in ("customer", "customer_other")
    }
    catalog_ids = await _catalog(session, acting["supplier"])
    stories = [(key, story) for key, story, count in _STORIES for _ in range(count)]
    rng.shuffle(stories)
    admin = _tenant_admin(tenant_id)
    for n, (workflow_key, story) in enumerate(stories):
        who = "customer_other" if n % 5 == 4 else "customer"
        body = _order_body(rng, n, workflow_key, recipients[who], catalog_ids)
        order = await orders.create_order(session, body, principal=acting[who])
        actors = {"customer": acting[who], "supplier": acting["supplier"], "admin": admin}
        await _play(session, rng, order.id, story, actors)
    await _return_a_device(session, acting)
    for item_id in catalog_ids.items[:2]:  # spare units in stock
        item = await find_in_tenant(session, Item, item_id, tenant_id=tenant_id)
        assert item is not None  # made by ``_catalog`` above
        await _register(session, rng, item, acting["supplier"])
    account_ids = {who: account.id for who, account in accounts.items()}
    keys = await make_keys(session, tenant_id, account_ids, name=key_name)
    return await describe(session, tenant_id, account_ids, keys)


# --- accounts, patients, sites -------------------------------------------------

_ACCOUNT_DETAILS: dict[str, dict[str, Any]] = {
    "customer": {
        "contact_person": "Dr. Amara Osei",
        "contact_given_name": "Amara",
        "contact_family_name": "Osei",
        "phone_number": "+1 617 555 0142",
        "email": "orders@riverside-clinic.example",
        "shipping_address": Address(
            line_one="200 Riverside Ave", city="Boston", state="MA", zip_code="02114", country="US"
        ),
    },
    "customer_other": {
        "contact_person": "Dr. Lena Novak",
        "contact_given_name": "Lena",
        "contact_family_name": "Novak",
        "phone_number": "+1 207 555 0199",
        "email": "desk@harbor-heart.example",
        "shipping_address": Address(
            line_one="14 Wharf St", city="Portland", state="ME", zip_code="04101", country="US"
        ),
    },
    "supplier": {
        "contact_person": "Sam Whitfield",
        "contact_given_name": "Sam",
        "contact_family_name": "Whitfield",
        "phone_number": "+1 800 555 0110",
        "email": "fulfilment@northwind-medical.example",
        "billing_address": Address(
            line_one="1 Logistics Way", city="Columbus", state="OH", zip_code="43004", country="US"
        ),
    },
}

_SITES: dict[str, list[tuple[str, str, bool]]] = {
    "customer": [
        ("Riverside Main Campus", "Boston", True),
        ("Riverside East Clinic", "Cambridge", True),
        ("Riverside Pop-up (closed)", "Quincy", False),
    ],
    "customer_other": [("Harbor Heart Downtown", "Portland", True)],
}

_PATIENTS: dict[str, list[tuple[str, str, str, Sex, bool]]] = {
    # first name, last name, date of birth, sex, archived
    "customer": [
        ("Maria", "Alvarez", "1956-03-14", "female", False),
        ("James", "Okafor", "1948-11-02", "male", False),
        ("Priya", "Raman", "1971-07-23", "female", False),
        ("Thomas", "Berg", "1939-01-30", "male", False),
        ("Aiko", "Tanaka", "1962-09-05", "female", False),
        ("Daniel", "Mensah", "1983-05-17", "male", False),
        ("Helen", "Fischer", "1944-12-24", "female", False),
        ("Robert", "Quinn", "1950-06-08", "male", True),
    ],
    "customer_other": [
        ("Grace", "Lindqvist", "1958-04-19", "female", False),
        ("Omar", "Haddad", "1967-10-11", "male", False),
        ("Ruth", "Cohen", "1941-02-27", "female", False),
    ],
}


@dataclass
class _Recipients:
    patients: list[tuple[int, Address]]  # active ones, with their home address
    site_ids: list[int]  # active ones


async def _parties(session: AsyncSession, customer: Principal, who: str) -> _Recipients:
    site_ids: list[int] = []
    for name, city, active in _SITES[who]:
        site = await parties.create_site(
            session,
            SiteCreate(
                name=name,
                phone_number="+1 555 0100",
                address=Address(line_one="1 Main St", city=city, country="US"),
                active=active,
            ),
            principal=customer,
        )
        if active:
            site_ids.append(site.id)
    patients: list[tuple[int, Address]] = []
    prefix = "".join(word[0] for word in ACCOUNTS[who][1].split()[:2]).upper()
    for n, (first, last, born, sex, archived) in enumerate(_PATIENTS[who], start=1):
        home = Address(line_one=f"{10 + 7 * n} Elm St", city="Boston", country="US")
        patient = await parties.create_patient(
            session,
            PatientCreate(
                external_identifier=f"{prefix}-{n:04d}",
                first_name=first,
                last_name=last,
                date_of_birth=dt.date.fromisoformat(born),
                sex=sex,
                email=f"{first.lower()}.{last.lower()}@mail.example",
                address=home,
                site_id=site_ids[n % len(site_ids)],
                archived=archived,
            ),
            principal=customer,
        )
        if not archived:
            patients.append((patient.id, home))
    return _Recipients(patients=patients, site_ids=site_ids)


# --- catalog -------------------------------------------------------------------

_ITEMS = [
    # sku, name, model, manufacturer, orderable
    ("BP-200", "Blood pressure monitor", "BP-200", "Vitalis Instruments", True),
    ("CUFF-L", "Blood pressure cuff, large", "C-L", "Vitalis Instruments", True),
    ("WS-5", "Connected weight scale", "WS-5", "Vitalis Instruments", True),
    ("GM-10", "Glucose meter", "GM-10", "Medora Diagnostics", True),
    ("GS-50", "Glucose test strips, box of 50", None, "Medora Diagnostics", True),
    ("PO-3", "Pulse oximeter", "PO-3", "Acme Medical", True),
    ("HUB-4G", "Cellular data hub", "H4", "Acme Medical", True),
    ("TH-1", "Digital thermometer (discontinued)", "TH-1", "Acme Medical", False),
]

_KITS = [
    # name, archived, [(sku, count)]
    ("Hypertension starter kit", False, [("BP-200", 1), ("CUFF-L", 1), ("HUB-4G", 1)]),
    ("Diabetes starter kit", False, [("GM-10", 1), ("GS-50", 4)]),
    ("Heart failure kit", False, [("WS-5", 1), ("BP-200", 1), ("PO-3", 1), ("HUB-4G", 1)]),
    ("Fever kit (retired)", True, [("TH-1", 1)]),
]

_DEVICE_TERMS = "Net 30. Devices remain the supplier's property until paid."
_PRODUCTS = [
    # name, price, discount, orderable, the key of the workflow its orders follow, terms
    ("Remote monitoring programme, monthly", "89.00", None, True, "impilo-device", _DEVICE_TERMS),
    ("Device replacement service", "35.00", "10%", True, "impilo-device", _DEVICE_TERMS),
    (
        "Custom night guard, made by our dental lab",
        "240.00",
        None,
        True,
        "dental-lab",
        "Net 30. Remakes within 60 days are free.",
    ),
    ("HbA1c blood test", "24.00", None, True, "lab-request", "Net 30. Results within 3 days."),
    ("Monitoring data export", "15.00", None, True, "rso-record", "Net 30."),
    ("Pilot programme 2025", "0.00", None, False, "impilo-device", _DEVICE_TERMS),
]


@dataclass
class _CatalogIds:
    items: list[int]  # orderable
    kits: list[int]  # not archived
    products: dict[str, list[int]]  # orderable, by the key of their workflow


async def _catalog(session: AsyncSession, supplier: Principal) -> _CatalogIds:
    makers: dict[str, int] = {}
    for name in sorted({row[3] for row in _ITEMS}):
        maker = await catalog.create_manufacturer(
            session, ManufacturerCreate(name=name), principal=supplier
        )
        makers[name] = maker.id
    by_sku: dict[str, int] = {}
    orderable_items: list[int] = []
    for sku, name, model, maker_name, orderable in _ITEMS:
        item = await catalog.create_item(
            session,
            ItemCreate(
                sku=sku,
                name=name,
                model=model,
                manufacturer_id=makers[maker_name],
                orderable=orderable,
            ),
            principal=supplier,
        )
        by_sku[sku] = item.id
        if orderable:
            orderable_items.append(item.id)
    kits: list[int] = []
    for name, archived, contents in _KITS:
        kit = await catalog.create_kit(
            session,
            KitCreate(
                name=name,
                archived=archived,
                kit_items=[
                    KitItemIn(item_id=by_sku[sku], count=count, drives_external_identifier=i == 0)
                    for i, (sku, count) in enumerate(contents)
                ],
            ),
            principal=supplier,
        )
        if not archived:
            kits.append(kit.id)
    workflow_ids = {
        record.key: record.id
        for record in await session.scalars(
            select_visible(WorkflowRecord, supplier).where(WorkflowRecord.account_id.is_(None))
        )
    }
    products: dict[str, list[int]] = {}
    for name, price, discount, orderable, workflow_key, terms in _PRODUCTS:
        product = await catalog.create_product(
            session,
            ProductCreate(
                name=name,
                price=Decimal(price),
                currency="USD",
                discount=discount,
                terms=terms,
                orderable=orderable,
                workflow_id=workflow_ids[workflow_key],
            ),
            principal=supplier,
        )
        if orderable:
            products.setdefault(workflow_key, []).append(product.id)
    return _CatalogIds(items=orderable_items, kits=kits, products=products)


# --- orders and what happens to them ------------------------------------------------


class _Step(NamedTuple):
    """One thing that happens to an order after it is placed."""

    actor: str  # who takes the step: "customer", "supplier" or "admin"
    action: str  # "move" (to a state id), "note", "track" (add a tracking number), "cancel"
    argument: str = ""  # the state id, or the note's text
    reason: str | None = None  # of a move or a cancel


_Story = tuple[_Step, ...]


def _move(actor: str, to: str, reason: str | None = None) -> _Step:
    return _Step(actor, "move", to, reason)


def _note(actor: str, text: str) -> _Step:
    return _Step(actor, "note", text)


def _cancel(actor: str, reason: str) -> _Step:
    return _Step(actor, "cancel", reason=reason)


_TRACK = _Step("supplier", "track")
_FULFIL = _Step("supplier", "fulfil")  # register the units, assign them, pack the kits


def _tenant_admin(tenant_id: int) -> Principal:
    """The tenant's administrator, for the moves only an admin may take."""
    return Principal(
        tenant_id=tenant_id,
        role=Role.ADMIN,
        account_id=None,
        credential_id=None,
        name="tenant admin",
        scopes=ROLE_SCOPES[Role.ADMIN],
    )


# Each move is taken by the role that takes it in real life (workflow/defaults.py):
# the supplier works the order, the customer answers, cancels and confirms receipt.

# impilo-device: device fulfilment.
_ASK_ADDRESS = "The carrier could not verify the street number; please confirm the address."
_SHIP = (_move("supplier", "processing"), _FULFIL, _move("supplier", "shipped"), _TRACK)
_DEVICE_STORIES: list[tuple[_Story, int]] = [
    ((), 4),
    ((_note("customer", "Patient prefers delivery after 5 pm."),), 2),
    ((_move("supplier", "reconfirmAddress"), _note("supplier", _ASK_ADDRESS)), 3),
    ((_move("supplier", "processing"),), 1),
    ((_move("supplier", "processing"), _FULFIL), 2),
    (
        (
            _move("supplier", "reconfirmAddress"),
            _note("supplier", _ASK_ADDRESS),
            _note("customer", "Confirmed with the patient: the address is correct."),
            _move("customer", "processing"),
        ),
        2,
    ),
    (_SHIP, 5),
    ((*_SHIP, _move("supplier", "delivered")), 5),
    ((*_SHIP, _move("supplier", "delivered"), _note("customer", "Received, thanks.")), 2),
    ((_cancel("customer", "Entered twice by mistake."),), 2),
    ((_move("supplier", "processing"), _cancel("customer", "Patient left the programme.")), 2),
]

# dental-lab: a lab-made appliance (RAYTeams' node ids, looked up by state name).
_DENTAL = {state.name: state.id for state in DENTAL_LAB.states}
_ACCEPT = (
    _move("supplier", _DENTAL["Confirmed"]),
    _note("supplier", "Scan received and checked; case accepted."),
)
_ASK_SCAN = (
    _move("supplier", _DENTAL["Wait Response"]),
    _note("supplier", "The bite registration is unclear; please send a new scan."),
)
_MAKE = (_move("supplier", _DENTAL["Confirmed"]), _move("supplier", _DENTAL["In production"]))
_DENTAL_SHIP = (*_MAKE, _move("supplier", _DENTAL["Shipped"]), _TRACK)
_DENTAL_STORIES: list[tuple[_Story, int]] = [
    ((), 2),
    (_ACCEPT, 2),
    (_ASK_SCAN, 2),
    (
        (
            *_ASK_SCAN,
            _note("customer", "New scan uploaded."),
            _move("customer", _DENTAL["Confirmed"]),
        ),
        1,
    ),
    (_MAKE, 2),
    (_DENTAL_SHIP, 1),
    (
        (
            *_DENTAL_SHIP,
            _move("customer", _DENTAL["Completed"]),
            _note("customer", "Fitted today; the patient is happy with it."),
        ),
        1,
    ),
    ((_cancel("customer", "The patient chose a ready-made guard."),), 1),
    (
        (
            *_MAKE,
            _note("customer", "The patient has moved away; please stop the case."),
            # Once production has started only an admin may cancel: material is spent.
            _cancel("admin", "Stopped at the clinic's request; material is charged."),
        ),
        1,
    ),
]

# lab-request: a laboratory test (labPortal's RequestState names).
_LAB_STORIES: list[tuple[_Story, int]] = [
    ((), 2),
    ((_move("supplier", "Received"),), 2),
    ((_move("supplier", "Received"), _move("supplier", "InProgress")), 2),
    (
        (
            _move("supplier", "Received"),
            _move("supplier", "InProgress"),
            _move("supplier", "Completed"),
            _note("supplier", "Results released to the ordering clinician."),
        ),
        2,
    ),
    ((_cancel("customer", "Ordered for the wrong patient."),), 1),
    (
        (
            _move("supplier", "Received"),
            _move("supplier", "Rejected", "Sample haemolysed; please send a new sample."),
        ),
        1,
    ),
]

# rso-record: a record order (Record Stack Overflow's status strings).
_RECORD_STORIES: list[tuple[_Story, int]] = [
    ((), 2),
    (
        (
            _move("supplier", "Completed"),
            _note("supplier", "Export sent to the clinic's secure inbox."),
        ),
        2,
    ),
    ((_cancel("customer", "No longer needed."),), 1),
]

#: (workflow key, story, how many orders live it)
_STORIES: list[tuple[str, _Story, int]] = [
    (key, story, count)
    for key, stories in (
        ("impilo-device", _DEVICE_STORIES),
        ("dental-lab", _DENTAL_STORIES),
        ("lab-request", _LAB_STORIES),
        ("rso-record", _RECORD_STORIES),
    )
    for story, count in stories
]

_TAGS = ["rpm", "hypertension", "diabetes", "heart-failure", "pilot", "rush"]
_CARRIERS = ["UPS", "FedEx", "USPS", "DHL"]


def _order_body(
    rng: random.Random, n: int, workflow_key: str, to: _Recipients, ids: _CatalogIds
) -> OrderCreate:
    """An order for one of the products that carry ``workflow_key``."""
    for_site = n % 6 == 5 and workflow_key in ("impilo-device", "rso-record")
    patient_id, home = rng.choice(to.patients)
    body: dict[str, Any] = {
        "patient_id": None if for_site else patient_id,
        "site_id": rng.choice(to.site_ids) if for_site else None,
        "external_order_ids": [f"EHR-{10_000 + n}"],
        "shipping_option": ShippingOption.OVERNIGHT if n % 5 == 0 else ShippingOption.STANDARD,
    }
    products = ids.products[workflow_key]
    if workflow_key == "impilo-device":
        return OrderCreate(**body, **_device_order(rng, n, for_site, home, ids))
    if workflow_key == "dental-lab":
        return OrderCreate(
            **body,
            product_id=products[0],
            lines=[
                OrderLineIn(
                    product_id=products[0],
                    data={
                        "arch": rng.choice(["upper", "lower"]),
                        "material": rng.choice(["hard acrylic", "dual laminate"]),
                    },
                )
            ],
            tags=rng.sample(["dental", "rush"], k=rng.randint(1, 2)),
            data={"scan": f"SCAN-{20_000 + n}", "bruxism": rng.choice([True, False])},
            memo="Intraoral scan uploaded with the order.",
            # The case the lab makes the appliance for.
            medical_records={
                "chief_complaint": "night-time grinding, morning jaw pain",
                "findings": {"wear_facets": rng.choice([True, False]), "tmj_clicking": True},
                "allergies": rng.choice([[], ["latex"]]),
            },
            treatments=[
                {"type": "night guard", "arch": arch, "review_after_weeks": 6}
                for arch in rng.sample(["upper", "lower"], k=1)
            ],
        )
    if workflow_key == "lab-request":
        return OrderCreate(
            **body,
            product_id=products[0],
            # Suite and determination codes as labPortal sends them (LOINC 4548-4 is HbA1c).
            lines=[
                OrderLineIn(
                    product_id=products[0], suite_codes=["HBA1C"], determination_codes=["4548-4"]
                )
            ],
            tags=rng.sample(["lab", "diabetes", "rush"], k=rng.randint(1, 2)),
            data={"specimen": "whole blood (EDTA)", "fasting": rng.choice([True, False])},
        )
    return OrderCreate(  # rso-record
        **body,
        product_id=products[0],
        tags=["records"],
        data={"period_days": rng.choice([30, 90]), "format": rng.choice(["PDF", "CSV"])},
        shipping_address=None if for_site else home,
    )


def _device_order(
    rng: random.Random, n: int, for_site: bool, home: Address, ids: _CatalogIds
) -> dict[str, Any]:
    """Kits, items or a monitoring product, sent to the patient's home or to a site."""
    shape = n % 4
    lines: list[OrderLineIn] = []
    product_id: int | None = None
    products = ids.products["impilo-device"]
    if shape == 0:
        lines = [OrderLineIn(kit_id=rng.choice(ids.kits))]
    elif shape == 1:
        chosen = rng.sample(ids.items, k=rng.randint(1, 3))
        lines = [OrderLineIn(item_id=item, count=rng.randint(1, 3)) for item in chosen]
    elif shape == 2:
        product_id = products[0]
        lines = [OrderLineIn(kit_id=rng.choice(ids.kits)), OrderLineIn(product_id=product_id)]
    else:
        product_id = products[-1]
    return {
        "product_id": product_id,
        "lines": lines,
        "tags": rng.sample(_TAGS, k=rng.randint(0, 2)),
        "data": {"programme": "remote-monitoring", "priority": rng.choice(["routine", "high"])},
        "memo": "Ship to the clinic's front desk." if for_site else None,
        "shipping_address": None if for_site else home,
    }


async def _play(
    session: AsyncSession,
    rng: random.Random,
    order_id: int,
    story: _Story,
    actors: dict[str, Principal],
) -> None:
    for step in story:
        principal = actors[step.actor]
        if step.action == "move":
            request = TransitionRequest(to=step.argument, reason=step.reason)
            await orders.move_order(session, order_id, request, principal=principal)
        elif step.action == "note":
            await orders.add_note(
                session, order_id, NoteCreate(text=step.argument), principal=principal
            )
        elif step.action == "track":
            carrier = rng.choice(_CARRIERS)
            value = f"{carrier[:2].upper()}{rng.randrange(10**12):012d}"
            await orders.add_tracking_number(
                session,
                order_id,
                TrackingNumberCreate(carrier=carrier, value=value),
                principal=principal,
            )
        elif step.action == "fulfil":
            await _fulfil(session, rng, order_id, principal)
        elif step.action == "cancel":
            await orders.cancel_order(
                session, order_id, CancelRequest(reason=step.reason), principal=principal
            )
        else:  # a typo in the stories above
            raise ValueError(f"unknown demo step {step.action!r}")


# --- devices ---------------------------------------------------------------------------

#: The items that are serialised units (a serial number and an IMEI each); strips are not.
_SERIALISED = {"BP-200", "CUFF-L", "WS-5", "GM-10", "PO-3", "HUB-4G"}


async def _register(
    session: AsyncSession, rng: random.Random, item: Item, supplier: Principal
) -> int:
    """A new unit of ``item`` in stock, with a serial number and an IMEI (both unique: the
    IMEI's body counts the supplier's devices)."""
    made = await count_of(session, Device, supplier.tenant_id)
    device = await devices.create_device(
        session,
        DeviceCreate(
            item_id=item.id,
            external_identifier=f"{item.sku}-{rng.randrange(16**6):06X}-{made + 1:04d}",
            identifiers=[DeviceIdentifierIn(type="IMEI", value=f"35{made + 1:013d}")],
            last_health_check=None,
        ),
        principal=supplier,
    )
    return device.id


async def _fulfil(
    session: AsyncSession, rng: random.Random, order_id: int, supplier: Principal
) -> None:
    """The supplier registers a unit of each serialised item the order asks for, packs
    each ordered kit with its units and assigns the loose ones."""
    order = await orders.load_order(session, order_id, supplier)
    loose: list[int] = []
    for line in order.lines:
        if line.item is not None and line.item.sku in _SERIALISED:
            loose += [await _register(session, rng, line.item, supplier) for _ in range(line.count)]
        elif line.kit is not None:
            for n in range(line.count):
                units = [
                    await _register(session, rng, k.item, supplier)
                    for k in line.kit.kit_items
                    if k.item.sku in _SERIALISED
                    for _ in range(k.count)
                ]
                await fulfilment.pack_kit(
                    session,
                    order_id,
                    KitPacking(
                        kit_id=line.kit.id,
                        external_identifier=f"KIT-{order_id:05d}-{n + 1}",
                        device_ids=units,
                    ),
                    principal=supplier,
                )
    if loose:
        await fulfilment.assign_devices(
            session, order_id, DeviceAssignment(device_ids=loose), principal=supplier
        )


async def _return_a_device(session: AsyncSession, acting: dict[str, Principal]) -> None:
    """The first device delivered to a patient comes back: a replacement order of its item
    for the same patient returns it, and the supplier records its receipt."""
    device = await session.scalar(
        select(Device)
        .where(
            Device.tenant_id == acting["supplier"].tenant_id,
            Device.current_status == DeviceStatus.WITH_PATIENT,
            Device.current_patient_id.is_not(None),
        )
        .order_by(Device.id)
        .limit(1)
    )
    # The stories above deliver devices to patients; nothing to return otherwise.
    if device is None or device.current_patient_id is None:
        return
    patient = await find_in_tenant(
        session, Patient, device.current_patient_id, tenant_id=device.tenant_id
    )
    if patient is None:  # the device's holder is the tenant's own patient
        return
    customer = next(p for p in acting.values() if p.account_id == patient.account_id)
    replacement = await orders.create_order(
        session,
        OrderCreate(
            patient_id=patient.id,
            lines=[OrderLineIn(item_id=device.item_id)],
            external_order_ids=["EHR-RETURN-1"],
            memo="Replacement: the old unit stopped sending readings.",
            returns=Returns(devices=[ReturnDevice(device_id=device.id)]),
        ),
        principal=customer,
    )
    await receiving.receive_returns(
        session, replacement.id, ReturnsReceipt(), principal=acting["supplier"]
    )

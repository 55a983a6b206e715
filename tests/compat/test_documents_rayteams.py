"""RAYTeams (seed 000), from the document alone, over every order of the demo tenant.

RAYTeams describes every order. For each key (both customers, the supplier,
the admin) every order the key may see (as the native API lists them) is
fetched with ``GET /order/{_orderId}``, and every project those orders name is
listed with ``GET /project/{_id}/orders`` and ``GET /project/{_id}/histories``
(the lists a client of these routes has; the seed's own routes are the fetch
and the status update). Every order object is checked against the response
table of "4.5.1 Get order information" and the readings of seeds/README.md;
no call sends ``x-rayteams-client-id``, which the team made optional.

Decision asserted here: the String fields (``memo``, ``patientId``, product
``currency`` / ``discount`` / ``productname``, ``subject.birth``, and the rest
of the table's Strings) are "" rather than null. ``product`` and ``subject``
are objects, or null for an order made from no product or for no patient.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.compat.documents import (
    INTEGER,
    KEYS,
    NUMBER,
    OBJECT,
    RAYTEAMS,
    RAYTEAMS_STATUS_TYPES,
    STRING,
    Check,
    Demo,
    assert_none,
    assert_same_ids,
    epoch_ms,
    native_orders,
    run,
)


class Walks:
    """Per key: each order fetched, each project's orders and histories, the native orders."""

    def __init__(self) -> None:
        self.fetched: dict[str, dict[int, httpx.Response]] = {}
        self.projects: dict[str, dict[str, httpx.Response]] = {}
        self.histories: dict[str, dict[str, httpx.Response]] = {}
        self.native: dict[str, list[dict[str, Any]]] = {}

    def orders(self, who: str) -> list[dict[str, Any]]:
        """Each order fetched that answered in the success envelope: its ``data``."""
        return [
            r.json()["data"]
            for r in self.fetched[who].values()
            if r.status_code == 200 and isinstance(r.json().get("data"), dict)
        ]

    def everywhere(self) -> list[tuple[str, dict[str, Any]]]:
        """Every order object answered: fetched, and on its project's list."""
        out = [
            (f"order {o.get('_id')} (fetched by {who})", o)
            for who in KEYS
            for o in self.orders(who)
        ]
        for who in KEYS:
            for project, response in self.projects[who].items():
                for order in _data(response) or []:
                    out.append((f"order {order.get('_id')} (project {project}, {who})", order))
        return out

    def native_by_id(self) -> dict[str, dict[str, Any]]:
        return {str(o["id"]): o for o in self.native["admin"]}


def _data(response: httpx.Response) -> Any:
    body = response.json()
    return body.get("data") if response.status_code == 200 and isinstance(body, dict) else None


@pytest.fixture(scope="module")
async def walks(demo_client: httpx.AsyncClient, demo: Demo) -> Walks:
    walks = Walks()
    for who in KEYS:
        headers = demo.bearer(who)
        walks.native[who] = await native_orders(demo_client, demo, who)
        walks.fetched[who] = {
            o["id"]: await demo_client.get(f"{RAYTEAMS}/order/{o['id']}", headers=headers)
            for o in walks.native[who]
        }
        projects = sorted({str(o.get("projectId")) for o in walks.orders(who)})
        walks.projects[who], walks.histories[who] = {}, {}
        for project in projects:
            base = f"{RAYTEAMS}/project/{project}"
            walks.projects[who][project] = await demo_client.get(f"{base}/orders", headers=headers)
            walks.histories[who][project] = await demo_client.get(
                f"{base}/histories", headers=headers
            )
    return walks


# --- the order object (4.5.1's response table) ----------------------------------------------


def order_fields(check: Check, order: dict[str, Any]) -> None:
    # | _id | String | ... |  | sk | String | Order's Key |
    # | ownerGroupId | String | ... |  | labId | String | ... |
    # | status | String | Status ID |  | statusName | String | Status title |
    # | statusType | String | Status type ( NEW, INPROGRESS, CLOSED ) |
    for name in ("_id", "sk", "ownerGroupId", "labId", "status", "statusName", "statusType"):
        check.field(order, "", name, STRING)
    check.one_of(order.get("statusType"), "/statusType", RAYTEAMS_STATUS_TYPES)
    # | product | Object | Product information Object |
    # |   currency | String |  |   discount | String |  |   price | Number |
    # |   productname | String |
    product = check.field(order, "", "product", OBJECT, nullable=True)
    if product is not None:
        for name in ("currency", "discount", "productname"):
            check.field(product, "/product", name, STRING)
        check.field(product, "/product", "price", NUMBER)
    # | patientId | String | Patient ID |
    check.field(order, "", "patientId", STRING)
    # | subject | Object | Patient information OBject |  |   name | String |  |   birth | String |
    subject = check.field(order, "", "subject", OBJECT, nullable=True)
    if subject is not None:
        check.field(subject, "/subject", "name", STRING)
        check.field(subject, "/subject", "birth", STRING)
    # | memo | String | Additional comments on orders |
    check.field(order, "", "memo", STRING)
    # | medicalRecords | Object |  | treatments | Object Array |  | workflow | Object |
    check.field(order, "", "medicalRecords", OBJECT)
    check.elements(order, "", "treatments", OBJECT)
    check.field(order, "", "workflow", OBJECT)
    # | created | Number |  | updated | Number |: epoch milliseconds (README), as the sample
    check.field(order, "", "created", INTEGER)
    check.field(order, "", "updated", INTEGER)


def status_node(check: Check, order: dict[str, Any]) -> None:
    # "'Status', `StatusName` value refer to 4.6.1 Get product information": a status is a
    # node of the order's workflow (id, title and type together).
    nodes = (order.get("workflow") or {}).get("nodes")
    if not check.expect(isinstance(nodes, list), "/workflow/nodes", "lists no status nodes"):
        return
    shown = {name: order.get(name) for name in ("status", "statusName", "statusType")}
    check.expect(shown in nodes, "", f"status {shown} is not a node of its workflow")


def keys_and_times(check: Check, order: dict[str, Any]) -> None:
    # README: "sk = order: + created epoch ms"; "created"/"updated" epoch milliseconds.
    created, updated = order.get("created"), order.get("updated")
    check.equal(order.get("sk"), f"order:{created}", "/sk")
    if isinstance(created, int) and isinstance(updated, int):
        check.expect(updated >= created, "/updated", f"{updated} is before created {created}")


# --- the walks ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", KEYS)
def test_every_order_is_fetched_in_the_success_envelope(walks: Walks, who: str) -> None:
    # '{"status": "success", "data": {...}}'; decision: RAYTeams describes every order.
    refused = {
        ident: response.status_code
        for ident, response in walks.fetched[who].items()
        if response.status_code != 200
        or set(response.json()) != {"status", "data"}
        or response.json()["status"] != "success"
    }
    assert walks.fetched[who], f"the demo gives {who} orders"
    assert not refused, f"not answered in the success envelope (id: status): {refused}"


@pytest.mark.parametrize("who", KEYS)
def test_project_lists_hold_every_order_once_each_in_its_own_project(
    walks: Walks, who: str
) -> None:
    listed: list[str] = []
    for project, response in walks.projects[who].items():
        assert response.status_code == 200, (project, response.text)
        assert response.json()["status"] == "success"
        orders = _data(response)
        assert isinstance(orders, list), project
        assert {o.get("projectId") for o in orders} <= {project}, project
        listed.extend(o.get("_id") for o in orders)
    assert_same_ids(listed, [str(o["id"]) for o in walks.native[who]])


@pytest.mark.parametrize("who", KEYS)
def test_project_lists_answer_the_objects_the_fetch_answers(walks: Walks, who: str) -> None:
    fetched = {o["_id"]: o for o in walks.orders(who)}
    differ = [
        order.get("_id")
        for response in walks.projects[who].values()
        for order in _data(response) or []
        if fetched.get(order.get("_id")) != order
    ]
    assert not differ, f"the project list and the fetch differ for {differ}"


def test_every_order_has_the_documented_fields_and_types(walks: Walks) -> None:
    assert_none(run(order_fields, walks.everywhere()), "RAYTeams order fields")


def test_every_status_is_a_node_of_the_order_s_workflow(walks: Walks) -> None:
    assert_none(run(status_node, walks.everywhere()), "RAYTeams status")


def test_sk_is_the_order_key_of_its_creation_time_and_times_are_in_order(walks: Walks) -> None:
    assert_none(run(keys_and_times, walks.everywhere()), "RAYTeams sk / created / updated")


def test_fields_say_what_the_order_is(walks: Walks) -> None:
    """Each field holds what the table says, as the native API shows the same order."""
    native_by_id = walks.native_by_id()

    def rule(check: Check, order: dict[str, Any]) -> None:
        native = native_by_id[order["_id"]]
        # README: "_id = the order's id, labId = the lab (supplier account), ownerGroupId =
        # the clinic (customer account)"; the order's project in the added "projectId".
        check.equal(order.get("ownerGroupId"), str(native["customer_account_id"]), "/ownerGroupId")
        check.equal(order.get("labId"), str(native["supplier_account_id"]), "/labId")
        check.equal(order.get("projectId"), str(native["project_id"]), "/projectId")
        check.equal(order.get("statusType"), native["status"]["type"], "/statusType")
        check.equal(order.get("created"), epoch_ms(native["created_at"]), "/created")
        check.equal(order.get("updated"), epoch_ms(native["updated_at"]), "/updated")
        # "The order is created by Product. Basic information about the product is
        # contained in the order."
        product, made_from = order.get("product"), native["product"]
        check.equal(product is None, made_from is None, "/product is null")
        if isinstance(product, dict) and made_from is not None:
            check.equal(product.get("productname"), made_from["name"] or "", "/product/productname")
            check.equal(product.get("currency"), made_from["currency"] or "", "/product/currency")
            check.equal(product.get("discount"), made_from["discount"] or "", "/product/discount")
            price = product.get("price")
            if isinstance(price, int | float) and made_from["price"] is not None:
                check.equal(Decimal(str(price)), Decimal(made_from["price"]), "/product/price")
        # "patientId | Patient ID", "subject | Patient information": the order's patient.
        patient = native["patient"]
        check.equal(order.get("subject") is None, patient is None, "/subject is null")
        if patient is not None:
            check.equal(order.get("patientId"), patient["external_identifier"] or "", "/patientId")
            subject = order.get("subject") or {}
            check.equal(subject.get("birth"), patient["date_of_birth"] or "", "/subject/birth")
        # "memo | Additional comments on orders"
        check.equal(order.get("memo"), native["memo"] or "", "/memo")

    assert_none(
        run(rule, [(s, o) for s, o in walks.everywhere() if o.get("_id") in native_by_id]),
        "RAYTeams fields against the order",
    )


@pytest.mark.parametrize("who", KEYS)
def test_every_status_an_order_reached_is_in_its_project_history(walks: Walks, who: str) -> None:
    # 4.2.2: "All changed history is recorded in the History of the Project." The history's
    # entries are the product's (the seed links to an appendix it does not include): each
    # names its order and the status it moved the order to.
    problems = []
    for order in walks.orders(who):
        response = walks.histories[who][str(order["projectId"])]
        entries = _data(response)
        if response.status_code != 200 or not isinstance(entries, list):
            problems.append((order["_id"], response.status_code))
            continue
        reached = {
            (e.get("to") or {}).get("status") for e in entries if e.get("orderId") == order["_id"]
        }
        if order["status"] not in reached:
            problems.append((order["_id"], order["status"]))
    assert not problems, f"(order, status) missing from the project history: {problems}"


async def test_the_client_id_header_is_optional(
    demo_client: httpx.AsyncClient, demo: Demo, walks: Walks
) -> None:
    # "x-rayteams-client-id | String |  |" (no constraint; Authorization: "Must not be null.")
    ident = demo.placed["native"]
    without = walks.fetched["customer"][ident]
    with_it = await demo_client.get(
        f"{RAYTEAMS}/order/{ident}",
        headers={**demo.bearer("customer"), "x-rayteams-client-id": "documents-test"},
    )
    assert without.status_code == with_it.status_code == 200, (without.text, with_it.text)
    assert without.json() == with_it.json()

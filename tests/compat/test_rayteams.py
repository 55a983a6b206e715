"""RAYTeams compatibility API (seed 000): the document's own requests, answered as it shows.

Golden tests send the seed's sample requests (placeholders replaced by real ids)
and compare the answers field by field with the seed's sample responses: equal
where the value is the order's own, same type and format where it is an id or
a time. The rest checks what a RAYTeams client relies on: moves follow the
order's workflow, every change lands in the project's history with the calling
client, and nothing outside the caller's scope is visible.
"""

from __future__ import annotations

import copy
import re
import time

import pytest

from orderdesk.compat.rayteams import routes as rayteams_routes
from orderdesk.workflow.defaults import DENTAL_LAB_DEFINITION, IMPILO_DEVICE
from tests.api.builders import (
    created,
    credential_id,
    make_catalog,
    make_order,
    make_patient,
    move,
    parameters,
    pointers,
    problem,
    product_following,
    read_order,
    timeline_of,
    without_id,
)
from tests.compat.samples import sample

BASE = "/compat/rayteams/v1.0"
CLIENT = "rayteams-test-client"

# --- the seed's samples, as printed (minus the `{...}` placeholders and trailing commas) ---

GET_SAMPLE = sample("rayteams_order_response")

PUT_BODY = {"data": {"status": "node_1669006551533", "statusName": "Confirmed"}}

PUT_SAMPLE = copy.deepcopy(GET_SAMPLE)
PUT_SAMPLE["data"].update({"status": "node_1669006551533", "statusName": "Confirmed"})

#: Sample fields shown only as `{...}` / `[{...}]`, with the type the sample gives them.
PLACEHOLDERS = {"medicalRecords": dict, "treatments": list, "workflow": dict}
#: Sample fields whose values are the order's own (the rest are ids and times).
OWN = ("status", "statusName", "statusType", "product", "patientId", "memo")
IDS = ("_id", "ownerGroupId", "labId")
ADDED = {"projectId"}

MEDICAL_RECORDS = {"chiefComplaint": "crowding", "teeth": [11, 12, 21], "scan": "iTero"}
TREATMENTS = [{"type": "clear aligner", "arch": "upper", "steps": 14}]
LAST_NAME = "Kim"

REQUESTED, CONFIRMED, WAIT_RESPONSE, IN_PRODUCTION, SHIPPED, COMPLETED, CANCELLED = (
    s["id"] for s in DENTAL_LAB_DEFINITION["states"]
)
DENTAL_NODES = [
    {"status": s["id"], "statusName": s["name"], "statusType": s["type"]}
    for s in DENTAL_LAB_DEFINITION["states"]
]


# --- helpers ---------------------------------------------------------------------------


def ray(world, who: str = "customer", client_id: str | None = CLIENT) -> dict[str, str]:
    headers = world.auth(who)
    if client_id is not None:
        headers["x-rayteams-client-id"] = client_id
    return headers


async def workflow_id(client, world, key: str) -> int:
    r = await client.get(f"/v1/workflows?key={key}", headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    (workflow,) = r.json()["items"]
    return workflow["id"]


async def sample_product(client, world, supplier: str = "supplier") -> int:
    """The seed's product, carrying the dental-lab workflow."""
    product = await created(
        await client.post(
            "/v1/products",
            headers=world.auth(supplier),
            json={
                "name": "투명 교정 기본 B형",
                "price": "360000",
                "currency": "원",
                "discount": "10",
                "workflow_id": await workflow_id(client, world, "dental-lab"),
            },
        )
    )
    return product["id"]


async def sample_order(client, world, *, product_id: int | None = None, **fields) -> dict:
    """The seed's order, placed natively by the customer: as the native API answers it."""
    if product_id is None:
        product_id = await sample_product(client, world)
    if "patient_id" not in fields:
        patient = await make_patient(
            client,
            world,
            first_name="Tester",
            last_name=LAST_NAME,
            date_of_birth="1981-12-12",
            external_identifier="NEW-0003",
        )
        fields["patient_id"] = patient["id"]
    body = {
        "product_id": product_id,
        "memo": "주문 신청",
        "medical_records": MEDICAL_RECORDS,
        "treatments": TREATMENTS,
        **fields,
    }
    return await created(await client.post("/v1/orders", json=body, headers=world.auth("customer")))


async def get_order(client, world, order_id, who: str = "customer"):
    return await client.get(f"{BASE}/order/{order_id}", headers=ray(world, who))


async def ray_order(client, world, order_id, who: str = "customer") -> dict:
    r = await get_order(client, world, order_id, who)
    assert r.status_code == 200, r.text
    return r.json()


async def put_status(
    client, world, order_id, status: str, name: str | None = None, who: str = "supplier", **more
):
    data: dict[str, object] = {"status": status, **more}
    if name is not None:
        data["statusName"] = name
    return await client.put(
        f"{BASE}/order/{order_id}/status", json={"data": data}, headers=ray(world, who)
    )


async def histories(client, world, project_id, who: str = "customer") -> list[dict]:
    r = await client.get(f"{BASE}/project/{project_id}/histories", headers=ray(world, who))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success"
    return body["data"]


def is_epoch_ms(value: object) -> bool:
    return type(value) is int and len(str(value)) == 13


def assert_like_sample(answer: dict, sample: dict, order: dict, world) -> None:
    """``answer`` matches the seed's ``sample`` field by field, for the native ``order``."""
    assert answer["status"] == sample["status"] == "success"
    data, expected = answer["data"], sample["data"]
    assert set(data) == set(expected) | set(PLACEHOLDERS) | ADDED
    for field, value in expected.items():  # every sample field has the sample's type
        assert type(data[field]) is type(value), field
    for field in OWN:
        assert data[field] == expected[field], field
    assert type(data["product"]["price"]) is int  # 360000, not 360000.0
    assert data["subject"] == {
        "name": f"{expected['subject']['name']} {LAST_NAME}",
        "birth": expected["subject"]["birth"],
    }
    # ids: digit strings naming the order, the clinic, the lab and the project
    for field in (*IDS, *ADDED):
        assert re.fullmatch(r"[0-9]+", data[field]), field
    assert data["_id"] == str(order["id"])
    assert data["ownerGroupId"] == str(world.accounts["customer"])
    assert data["labId"] == str(world.accounts["supplier"])
    assert data["projectId"] == str(order["project_id"])
    # times: epoch milliseconds
    assert re.fullmatch(r"order:\d{13}", data["sk"])
    assert data["sk"] == f"order:{data['created']}"
    assert is_epoch_ms(data["created"]) and is_epoch_ms(data["updated"])
    assert data["created"] <= data["updated"] <= time.time() * 1000 + 1000
    assert data["created"] > time.time() * 1000 - 10 * 60 * 1000
    # placeholders: the order's own data and its workflow
    for field, kind in PLACEHOLDERS.items():
        assert type(data[field]) is kind, field
    assert data["medicalRecords"] == MEDICAL_RECORDS
    assert data["treatments"] == TREATMENTS
    assert data["workflow"]["key"] == "dental-lab"
    assert data["workflow"]["nodes"] == DENTAL_NODES
    assert {
        "status": expected["status"],
        "statusName": expected["statusName"],
        "statusType": expected["statusType"],
    } in data["workflow"]["nodes"]


# --- golden: the document's own requests ------------------------------------------------


async def test_get_order_answers_like_the_documented_sample(client, world):
    order = await sample_order(client, world)
    r = await put_status(client, world, order["id"], WAIT_RESPONSE, "Wait Response")
    assert r.status_code == 200, r.text

    r = await get_order(client, world, order["id"])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert_like_sample(r.json(), GET_SAMPLE, order, world)
    # the lab and the tenant's admin read the same order the same way
    for who in ("supplier", "admin"):
        assert await ray_order(client, world, order["id"], who) == r.json()


async def test_put_status_answers_like_the_documented_sample(client, world):
    order = await sample_order(client, world)
    r = await put_status(client, world, order["id"], WAIT_RESPONSE, "Wait Response")
    assert r.status_code == 200, r.text
    before = r.json()["data"]

    # the clinic answers the lab: the seed's request, as printed
    r = await client.put(
        f"{BASE}/order/{order['id']}/status", json=PUT_BODY, headers=ray(world, "customer")
    )
    assert r.status_code == 200, r.text
    answer = r.json()
    assert_like_sample(answer, PUT_SAMPLE, order, world)
    assert answer["data"]["updated"] >= before["updated"]
    assert answer["data"]["created"] == before["created"]
    # "the update order object is delivered as it is"
    assert await ray_order(client, world, order["id"]) == answer
    native = await read_order(client, world, order["id"])
    assert native["status"]["id"] == CONFIRMED


async def test_a_new_order_shows_its_initial_node(client, world):
    order = await sample_order(client, world)
    data = (await ray_order(client, world, order["id"]))["data"]
    assert (data["status"], data["statusName"], data["statusType"]) == (
        REQUESTED,
        "Requested",
        "NEW",
    )
    assert data["created"] <= data["updated"]


# --- status changes follow the order's workflow -----------------------------------------


async def test_every_status_change_appears_in_the_project_histories(client, world):
    order = await sample_order(client, world)
    second = await sample_order(
        client, world, project_id=order["project_id"], patient_id=order["patient"]["id"]
    )
    oid = order["id"]
    assert (await put_status(client, world, oid, WAIT_RESPONSE, "Wait Response")).status_code == 200
    assert (await put_status(client, world, oid, CONFIRMED, who="customer")).status_code == 200
    assert (await move(client, world, oid, IN_PRODUCTION)).status_code == 200  # native: no client
    r = await client.put(
        f"{BASE}/order/{oid}/status",
        json={"data": {"status": SHIPPED, "statusName": "Shipped"}},
        headers=ray(world, "supplier", client_id="lab-desktop-2"),
    )
    assert r.status_code == 200, r.text

    entries = await histories(client, world, order["project_id"])
    assert [(e["orderId"], e["type"]) for e in entries] == [
        (str(oid), "created"),
        (str(second["id"]), "created"),
        (str(oid), "status_moved"),
        (str(oid), "status_moved"),
        (str(oid), "status_moved"),
        (str(oid), "status_moved"),
    ]
    moves = [e for e in entries if e["type"] == "status_moved"]
    assert [(e["from"]["status"], e["to"]["status"]) for e in moves] == [
        (REQUESTED, WAIT_RESPONSE),
        (WAIT_RESPONSE, CONFIRMED),
        (CONFIRMED, IN_PRODUCTION),
        (IN_PRODUCTION, SHIPPED),
    ]
    assert [(e["from"]["statusName"], e["to"]["statusName"]) for e in moves] == [
        ("Requested", "Wait Response"),
        ("Wait Response", "Confirmed"),
        ("Confirmed", "In production"),
        ("In production", "Shipped"),
    ]
    assert [e["actor"] for e in moves] == [
        "supplier:supplier",
        "customer:customer",
        "supplier:supplier",
        "supplier:supplier",
    ]
    assert [e["clientId"] for e in moves] == [CLIENT, CLIENT, None, "lab-desktop-2"]
    first = entries[0]
    assert first["from"] is None
    assert first["to"] == {"status": REQUESTED, "statusName": "Requested", "statusType": "NEW"}
    for entry in entries:
        assert re.fullmatch(r"[0-9]+", entry["_id"])
        assert entry["projectId"] == str(order["project_id"])
        assert is_epoch_ms(entry["created"])
    times = [e["created"] for e in entries]
    assert times == sorted(times)
    # the lab reads the same history
    assert await histories(client, world, order["project_id"], "supplier") == entries


async def test_an_illegal_status_is_refused_and_changes_nothing(client, world):
    order = await sample_order(client, world)
    before = await ray_order(client, world, order["id"])

    r = await put_status(client, world, order["id"], SHIPPED, "Shipped")
    body = problem(r, 409)
    assert body["allowed"] == [CONFIRMED, WAIT_RESPONSE, CANCELLED]

    assert await ray_order(client, world, order["id"]) == before
    assert [e["type"] for e in await histories(client, world, order["project_id"])] == ["created"]


async def test_a_status_that_is_not_a_node_is_refused(client, world):
    order = await sample_order(client, world)
    before = await ray_order(client, world, order["id"])

    for status in ("node_1669006551000", "processing", "New"):  # other workflows' ids too
        body = problem(await put_status(client, world, order["id"], status), 409)
        assert body["allowed"] == [CONFIRMED, WAIT_RESPONSE, CANCELLED]
        assert status in body["detail"]

    assert await ray_order(client, world, order["id"]) == before
    assert len(await timeline_of(client, world, order["id"])) == 1


async def test_a_status_name_that_is_not_the_nodes_is_refused(client, world):
    order = await sample_order(client, world)
    before = await ray_order(client, world, order["id"])

    r = await put_status(client, world, order["id"], CONFIRMED, "Wait Response")
    body = problem(r, 422)
    assert pointers(body) == {"/data/statusName"}
    assert "Confirmed" in body["errors"][0]["detail"]

    assert await ray_order(client, world, order["id"]) == before
    assert len(await timeline_of(client, world, order["id"])) == 1


async def test_the_status_name_may_be_omitted(client, world):
    order = await sample_order(client, world)
    r = await put_status(client, world, order["id"], CONFIRMED)
    assert r.status_code == 200, r.text
    assert (r.json()["data"]["status"], r.json()["data"]["statusName"]) == (CONFIRMED, "Confirmed")


async def test_each_party_takes_only_its_own_moves(client, world):
    order = await sample_order(client, world)
    before = await ray_order(client, world, order["id"])

    # confirming is the lab's move; the clinic may only cancel now
    body = problem(await put_status(client, world, order["id"], CONFIRMED, who="customer"), 403)
    assert body["allowed"] == [CANCELLED]
    assert await ray_order(client, world, order["id"]) == before

    r = await put_status(client, world, order["id"], CANCELLED, "Cancelled", who="customer")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["statusType"] == "CLOSED"
    entries = await histories(client, world, order["project_id"])
    assert entries[-1]["type"] == "cancelled"
    assert entries[-1]["to"]["status"] == CANCELLED


async def test_putting_the_current_status_again_changes_nothing(client, world):
    order = await sample_order(client, world)
    first = await put_status(client, world, order["id"], CONFIRMED, "Confirmed")
    assert first.status_code == 200, first.text

    again = await put_status(client, world, order["id"], CONFIRMED, "Confirmed")
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    moves = [e for e in await histories(client, world, order["project_id"]) if e["to"]]
    assert [e["to"]["status"] for e in moves] == [REQUESTED, CONFIRMED]
    # the title is still checked
    problem(await put_status(client, world, order["id"], CONFIRMED, "Shipped"), 422)


async def test_a_move_that_needs_a_reason_takes_it_in_the_body(client, world):
    product_id = await product_following(client, world, "lab-request")
    order = await sample_order(client, world, product_id=product_id)

    body = problem(await put_status(client, world, order["id"], "Rejected", "Rejected"), 422)
    assert pointers(body) == {"/data/reason"}

    r = await put_status(
        client, world, order["id"], "Rejected", "Rejected", reason="sample unsuitable"
    )
    assert r.status_code == 200, r.text
    last = (await histories(client, world, order["project_id"]))[-1]
    assert last["reason"] == "sample unsuitable"
    assert (last["from"]["status"], last["to"]["status"]) == ("New", "Rejected")


async def test_the_status_body_is_validated_at_the_edge(client, world):
    order = await sample_order(client, world)
    before = await ray_order(client, world, order["id"])
    url = f"{BASE}/order/{order['id']}/status"
    for sent, where in (
        ({}, "/data"),
        ({"data": {}}, "/data/status"),
        ({"data": {"status": ""}}, "/data/status"),
        ({"data": {"status": CONFIRMED, "statusName": 5}}, "/data/statusName"),
        ({"data": {"status": CONFIRMED, "colour": "red"}}, "/data/colour"),
        ({"data": {"status": CONFIRMED}, "extra": 1}, "/extra"),
        ({"data": {"status": "x" * 101}}, "/data/status"),
    ):
        r = await client.put(url, json=sent, headers=ray(world, "supplier"))
        assert where in pointers(problem(r, 422)), (sent, r.text)
    assert await ray_order(client, world, order["id"]) == before


# --- authentication and the calling client ---------------------------------------------


async def _every_route(client, world, headers) -> list:
    order = await sample_order(client, world)
    return [
        await client.get(f"{BASE}/order/{order['id']}", headers=headers),
        await client.put(f"{BASE}/order/{order['id']}/status", json=PUT_BODY, headers=headers),
        await client.get(f"{BASE}/product/{order['product']['id']}", headers=headers),
        await client.get(f"{BASE}/project/{order['project_id']}/orders", headers=headers),
        await client.get(f"{BASE}/project/{order['project_id']}/histories", headers=headers),
    ]


@pytest.mark.parametrize("client_id", ["", "   ", "c" * 201])
async def test_a_client_id_header_sent_blank_or_too_long_is_refused(client, world, client_id):
    for r in await _every_route(client, world, ray(world, "supplier", client_id=client_id)):
        body = problem(r, 400)
        assert parameters(body) == {"x-rayteams-client-id"}
        assert "x-rayteams-client-id" in body["detail"]


async def test_a_refused_client_changes_nothing(client, world):
    order = await sample_order(client, world)
    r = await client.put(
        f"{BASE}/order/{order['id']}/status", json=PUT_BODY, headers=ray(world, "supplier", "")
    )
    problem(r, 400)
    assert (await read_order(client, world, order["id"]))["status"]["id"] == REQUESTED


async def test_every_route_answers_without_the_client_id_header(client, world):
    for r in await _every_route(client, world, ray(world, "supplier", client_id=None)):
        assert r.status_code == 200, r.text


async def test_without_the_client_id_header_the_timeline_records_no_client(client, world):
    order = await sample_order(client, world)
    r = await client.put(
        f"{BASE}/order/{order['id']}/status", json=PUT_BODY, headers=ray(world, "supplier", None)
    )
    assert r.status_code == 200, r.text
    event = (await timeline_of(client, world, order["id"]))[-1]
    assert event["kind"] == "status_moved"
    assert event["client"] is None
    assert event["actor"] == "supplier:supplier"
    assert (await histories(client, world, order["project_id"]))[-1]["clientId"] is None


async def test_the_client_id_lands_on_the_timeline(client, world):
    order = await sample_order(client, world)
    r = await client.put(
        f"{BASE}/order/{order['id']}/status",
        json=PUT_BODY,
        headers=ray(world, "supplier", client_id="  lab-app-7  "),
    )
    assert r.status_code == 200, r.text
    event = (await timeline_of(client, world, order["id"]))[-1]
    assert event["kind"] == "status_moved"
    assert event["client"] == "lab-app-7"
    assert event["actor"] == "supplier:supplier"
    assert event["credential_id"] == await credential_id(client, world, "supplier")


async def test_the_client_id_lands_in_the_payloads_by(client, world):
    order = await sample_order(client, world)
    r = await client.put(
        f"{BASE}/order/{order['id']}/status",
        json=PUT_BODY,
        headers=ray(world, "supplier", client_id="lab-app-7"),
    )
    assert r.status_code == 200, r.text
    event = (await timeline_of(client, world, order["id"]))[-1]
    assert event["data"]["by"]["client"] == event["client"] == "lab-app-7"


async def test_authentication_is_required(client, world):
    for headers in (
        {"x-rayteams-client-id": CLIENT},
        {"x-rayteams-client-id": CLIENT, "Authorization": "Bearer not-a-key"},
        {"x-rayteams-client-id": CLIENT, "Authorization": f"Basic {world.keys['customer']}"},
        {},
    ):
        for r in await _every_route(client, world, headers):
            problem(r, 401)


# --- scope: another account's or tenant's object is not there ---------------------------


async def test_another_customers_order_is_not_found(client, world, other_world):
    order = await sample_order(client, world)
    missing = problem(await get_order(client, world, 999_999_999), 404)
    for w, who in (
        (world, "customer_other"),
        (world, "supplier_other"),
        (other_world, "admin"),
        (other_world, "customer"),
    ):
        r = await get_order(client, w, order["id"], who)
        assert without_id(problem(r, 404), order["id"]) == without_id(missing, 999_999_999)
        r = await client.put(
            f"{BASE}/order/{order['id']}/status", json=PUT_BODY, headers=ray(w, who)
        )
        problem(r, 404)
        for tail in ("orders", "histories"):
            r = await client.get(
                f"{BASE}/project/{order['project_id']}/{tail}", headers=ray(w, who)
            )
            problem(r, 404)
    r = await client.get(
        f"{BASE}/product/{order['product']['id']}", headers=ray(other_world, "customer")
    )
    problem(r, 404)
    assert (await read_order(client, world, order["id"]))["status"]["id"] == REQUESTED


@pytest.mark.parametrize(
    "ident",
    ["abc", "334c972a-5756-45f7-8eb1-f3f84bedd525", "1.5", "-1", "0", "9" * 25, "%EF%BC%91"],
)
async def test_ids_that_are_not_integers_are_not_found(client, world, ident):
    headers = ray(world, "admin")
    for r in (
        await client.get(f"{BASE}/order/{ident}", headers=headers),
        await client.put(f"{BASE}/order/{ident}/status", json=PUT_BODY, headers=headers),
        await client.get(f"{BASE}/product/{ident}", headers=headers),
        await client.get(f"{BASE}/project/{ident}/orders", headers=headers),
        await client.get(f"{BASE}/project/{ident}/histories", headers=headers),
    ):
        problem(r, 404)


# --- one store ---------------------------------------------------------------------------


async def test_an_order_created_natively_reads_here(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)  # items only, the tenant's default workflow

    data = (await ray_order(client, world, order["id"]))["data"]
    assert (data["status"], data["statusName"], data["statusType"]) == ("new", "New", "NEW")
    assert data["_id"] == str(order["id"])
    assert data["projectId"] == str(order["project_id"])
    assert data["product"] is None
    assert data["patientId"] == "" and data["subject"] is None
    assert data["memo"] == ""
    assert data["medicalRecords"] == {} and data["treatments"] == []
    assert data["workflow"]["key"] == IMPILO_DEVICE.key
    assert [n["status"] for n in data["workflow"]["nodes"]] == [s.id for s in IMPILO_DEVICE.states]

    # and moves in its own workflow's vocabulary
    r = await put_status(client, world, order["id"], "processing", "Processing")
    assert r.status_code == 200, r.text
    assert (await read_order(client, world, order["id"]))["status"]["id"] == "processing"


async def test_an_order_moved_natively_reads_moved_here(client, world):
    order = await sample_order(client, world)
    assert (await move(client, world, order["id"], WAIT_RESPONSE)).status_code == 200
    answer = await ray_order(client, world, order["id"])
    assert_like_sample(answer, GET_SAMPLE, order, world)


async def test_memo_and_discount_are_empty_strings_when_the_order_has_none(client, world):
    product = await created(
        await client.post(
            "/v1/products",
            headers=world.auth("supplier"),
            json={"name": "Night guard", "price": "120000", "currency": "원"},
        )
    )
    order = await sample_order(client, world, product_id=product["id"], memo=None)

    data = (await ray_order(client, world, order["id"]))["data"]
    assert data["memo"] == ""
    assert data["product"] == {
        "currency": "원",
        "discount": "",
        "price": 120000,
        "productname": "Night guard",
    }


async def test_patient_id_and_birth_are_empty_strings_when_the_patient_has_none(client, world):
    patient = await make_patient(
        client,
        world,
        first_name="Tester",
        last_name=LAST_NAME,
        date_of_birth=None,
        external_identifier=None,
    )
    order = await sample_order(client, world, patient_id=patient["id"])

    data = (await ray_order(client, world, order["id"]))["data"]
    assert data["patientId"] == ""
    assert data["subject"] == {"name": f"Tester {LAST_NAME}", "birth": ""}


# --- products and projects -------------------------------------------------------------


async def test_a_product_shows_the_workflow_a_new_order_follows(client, world):
    product_id = await sample_product(client, world)
    r = await client.get(f"{BASE}/product/{product_id}", headers=ray(world, "customer"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success"
    data = body["data"]
    assert data["_id"] == str(product_id)
    assert data["labId"] == str(world.accounts["supplier"])
    assert (data["productname"], data["price"], data["currency"], data["discount"]) == (
        "투명 교정 기본 B형",
        360000,
        "원",
        "10",
    )
    assert data["workflow"]["key"] == "dental-lab"
    assert data["workflow"]["nodes"] == DENTAL_NODES
    assert is_epoch_ms(data["created"]) and is_epoch_ms(data["updated"])

    # the status ids a client takes from the product are the ones an order of it accepts
    order = await sample_order(client, world, product_id=product_id)
    confirmed = next(n for n in data["workflow"]["nodes"] if n["statusName"] == "Confirmed")
    r = await put_status(client, world, order["id"], confirmed["status"], confirmed["statusName"])
    assert r.status_code == 200, r.text

    # a product without its own workflow: the tenant's default
    catalog = await make_catalog(client, world)
    r = await client.get(f"{BASE}/product/{catalog.product_id}", headers=ray(world, "supplier"))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["workflow"]["key"] == IMPILO_DEVICE.key
    assert r.json()["data"]["discount"] == "10"


async def test_a_product_without_discount_or_terms_shows_empty_strings(client, world):
    r = await client.post(
        "/v1/products",
        json={"name": "Plain", "price": "5", "currency": "USD"},
        headers=world.auth("supplier"),
    )
    assert r.status_code == 201, r.text
    got = await client.get(f"{BASE}/product/{r.json()['id']}", headers=ray(world, "customer"))
    assert got.status_code == 200, got.text
    assert (got.json()["data"]["discount"], got.json()["data"]["terms"]) == ("", "")


async def test_project_orders_lists_every_order_of_the_project(client, world, monkeypatch):
    monkeypatch.setattr(rayteams_routes, "PAGE_SIZE", 1)  # every list spans pages
    order = await sample_order(client, world)
    other_lab = await sample_product(client, world, supplier="supplier_other")
    second = await sample_order(
        client,
        world,
        product_id=other_lab,
        project_id=order["project_id"],
        patient_id=order["patient"]["id"],
    )
    elsewhere = await sample_order(client, world, patient_id=order["patient"]["id"])
    assert elsewhere["project_id"] != order["project_id"]
    assert (
        await put_status(client, world, second["id"], CONFIRMED, who="supplier_other")
    ).status_code == 200

    async def listed(who: str) -> list[dict]:
        r = await client.get(
            f"{BASE}/project/{order['project_id']}/orders", headers=ray(world, who)
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "success"
        return r.json()["data"]

    mine = await listed("customer")
    assert [o["_id"] for o in mine] == [str(order["id"]), str(second["id"])]
    for entry in mine:  # in the same shape as GET /order/{_orderId}
        assert entry == (await ray_order(client, world, entry["_id"]))["data"]
    # each lab sees the project's orders placed with it
    assert [o["_id"] for o in await listed("supplier")] == [str(order["id"])]
    assert [o["_id"] for o in await listed("supplier_other")] == [str(second["id"])]
    assert [o["_id"] for o in await listed("admin")] == [str(order["id"]), str(second["id"])]

    entries = await histories(client, world, order["project_id"])
    assert [(e["orderId"], e["type"]) for e in entries] == [
        (str(order["id"]), "created"),
        (str(second["id"]), "created"),
        (str(second["id"]), "status_moved"),
    ]
    assert [
        e["orderId"] for e in await histories(client, world, order["project_id"], "supplier")
    ] == [str(order["id"])]

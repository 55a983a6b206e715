"""Devices: a supplier's own units of its items; customers read those they hold."""

import pytest

from tests.api.builders import (
    all_pages,
    created,
    make_catalog,
    make_order,
    make_patient,
    make_site,
    pointers,
    problem,
    without_id,
)

MISSING = 10**12


async def make_item(client, world, supplier: str = "supplier", sku: str = "DEV-1") -> int:
    body = {"sku": sku, "name": "Blood pressure monitor", "model": "BP-7"}
    item = await created(await client.post("/v1/items", json=body, headers=world.auth(supplier)))
    return item["id"]


async def make_device(client, world, who: str = "supplier", **fields) -> dict:
    """A device of ``supplier`` (the caller, or the one an admin names)."""
    supplier = fields.pop("supplier", "supplier" if who == "admin" else who)
    body = dict(fields)
    if "item_id" not in body:
        body["item_id"] = await make_item(client, world, supplier)
    if who == "admin":
        body.setdefault("account_id", world.accounts[supplier])
    return await created(await client.post("/v1/devices", json=body, headers=world.auth(who)))


async def ids(client, world, who: str, **params) -> list[int]:
    return [d["id"] for d in await all_pages(client, "/v1/devices", world.auth(who), **params)]


# --- create, read, update, list --------------------------------------------------------


async def test_a_supplier_creates_and_reads_a_device(client, world):
    item_id = await make_item(client, world)
    response = await client.post(
        "/v1/devices",
        json={
            "item_id": item_id,
            "external_identifier": "1d23-4567-89ab-cdef",
            "identifiers": [{"type": "IMEI", "value": "490154203237518"}],
            "current_status": "shipped",
            "last_health_check": "2023-10-01T12:00:00Z",
            "disabled_readings": True,
            "used": True,
        },
        headers=world.auth("supplier"),
    )
    device = await created(response)
    assert response.headers["Location"] == f"/v1/devices/{device['id']}"
    assert response.headers["ETag"] == '"1"'
    assert device["account_id"] == world.accounts["supplier"]
    assert device["item"]["id"] == item_id and device["item"]["model"] == "BP-7"
    assert device["external_identifier"] == "1d23-4567-89ab-cdef"
    assert device["identifiers"] == [{"type": "IMEI", "value": "490154203237518"}]
    assert device["current_status"] == "shipped"
    assert device["last_health_check"].startswith("2023-10-01T12:00:00")
    assert (device["disabled_readings"], device["used"]) == (True, True)
    assert device["current_patient"] is None and device["site"] is None
    assert device["events"] == []
    read = await client.get(f"/v1/devices/{device['id']}", headers=world.auth("supplier"))
    assert read.json() == device


async def test_a_new_device_is_in_stock_unused_and_held_by_nobody(client, world):
    device = await make_device(client, world)
    assert device["current_status"] == "in_stock"
    assert (device["disabled_readings"], device["used"]) == (False, False)
    assert (device["current_patient_id"], device["site_id"]) == (None, None)
    assert device["identifiers"] == []


async def test_an_admin_creates_a_device_for_a_supplier(client, world):
    device = await make_device(client, world, "admin")
    assert device["account_id"] == world.accounts["supplier"]


async def test_a_supplier_updates_its_device(client, world):
    device = await make_device(client, world, external_identifier="SN-1")
    response = await client.patch(
        f"/v1/devices/{device['id']}",
        json={"current_status": "retired", "used": True},
        headers=world.auth("supplier"),
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["current_status"], updated["used"]) == ("retired", True)
    assert updated["external_identifier"] == "SN-1"
    assert updated["version"] == 2
    assert response.headers["ETag"] == '"2"'


async def test_an_update_replaces_the_identifiers(client, world):
    device = await make_device(
        client, world, identifiers=[{"type": "IMEI", "value": "1"}, {"type": "MAC", "value": "2"}]
    )
    response = await client.patch(
        f"/v1/devices/{device['id']}",
        json={"identifiers": [{"type": "MAC", "value": "2"}, {"type": "UDI", "value": "3"}]},
        headers=world.auth("supplier"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["identifiers"] == [
        {"type": "MAC", "value": "2"},
        {"type": "UDI", "value": "3"},
    ]


async def test_an_update_with_a_stale_if_match_is_refused(client, world):
    device = await make_device(client, world)
    path, auth = f"/v1/devices/{device['id']}", world.auth("supplier")
    assert (await client.patch(path, json={"used": True}, headers=auth)).status_code == 200
    stale = await client.patch(path, json={"used": False}, headers={**auth, "If-Match": '"1"'})
    problem(stale, 412)
    assert (await client.get(path, headers=auth)).json()["used"] is True


async def test_an_update_moves_a_device_from_a_site_to_a_patient(client, world):
    patient = await make_patient(client, world)
    site = await make_site(client, world)
    device = await make_device(client, world, "admin", site_id=site["id"])
    response = await client.patch(
        f"/v1/devices/{device['id']}",
        json={"current_patient_id": patient["id"], "site_id": None},
        headers=world.auth("admin"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["current_patient"]["id"] == patient["id"]
    assert response.json()["site"] is None


async def test_a_device_shows_its_patient_and_site_by_the_read_schemas(client, world):
    patient = await make_patient(client, world)
    site = await make_site(client, world)
    with_patient = await make_device(client, world, "admin", current_patient_id=patient["id"])
    at_site = await make_device(client, world, "admin", site_id=site["id"])
    shown = await client.get(f"/v1/patients/{patient['id']}", headers=world.auth("admin"))
    assert with_patient["current_patient"] == shown.json()
    assert (
        at_site["site"]
        == (await client.get(f"/v1/sites/{site['id']}", headers=world.auth("admin"))).json()
    )


async def test_the_list_shows_the_callers_devices_in_id_order(client, world):
    first = await make_device(client, world)
    second = await make_device(client, world)
    assert await ids(client, world, "supplier") == [first["id"], second["id"]]


# --- filters and cursor ----------------------------------------------------------------


@pytest.fixture
async def fleet(client, world) -> dict:
    """Four devices of the supplier, each matching one filter the others do not."""
    patient = await make_patient(client, world)
    site = await make_site(client, world)
    other_item = await make_item(client, world, sku="DEV-2")
    return {
        "plain": await make_device(client, world, "admin"),
        "patient": await make_device(
            client, world, "admin", current_patient_id=patient["id"], current_status="with_patient"
        ),
        "site": await make_device(
            client, world, "admin", site_id=site["id"], external_identifier="SN-9"
        ),
        "item": await make_device(
            client,
            world,
            "admin",
            item_id=other_item,
            identifiers=[{"type": "IMEI", "value": "867"}, {"type": "MAC", "value": "aa:bb"}],
        ),
        "patient_id": patient["id"],
        "site_id": site["id"],
        "item_id": other_item,
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda f: {"item_id": f["item_id"]}, "item"),
        (lambda f: {"status": "with_patient"}, "patient"),
        (lambda f: {"patient_id": f["patient_id"]}, "patient"),
        (lambda f: {"site_id": f["site_id"]}, "site"),
        (lambda f: {"identifier": "867"}, "item"),
        (lambda f: {"identifier": "aa:bb", "identifier_type": "MAC"}, "item"),
        (lambda f: {"external_identifier": "SN-9"}, "site"),
    ],
    ids=["item", "status", "patient", "site", "identifier", "identifier-and-type", "external-id"],
)
async def test_the_list_filters(client, world, fleet, params, expected):
    assert await ids(client, world, "supplier", **params(fleet)) == [fleet[expected]["id"]]


async def test_the_identifier_filter_needs_type_and_value_on_one_identifier(client, world, fleet):
    assert await ids(client, world, "supplier", identifier="867", identifier_type="MAC") == []


async def test_the_list_filters_by_supplier_for_an_admin(client, world):
    mine = await make_device(client, world)
    theirs = await make_device(client, world, "supplier_other")
    assert await ids(client, world, "admin") == [mine["id"], theirs["id"]]
    only = await ids(client, world, "admin", account_id=world.accounts["supplier_other"])
    assert only == [theirs["id"]]


@pytest.mark.parametrize(
    "sort", ["id", "-id", "created_at", "-created_at", "updated_at", "-updated_at"]
)
async def test_the_cursor_pages_through_every_device_once_in_order(client, world, sort):
    made = [await make_device(client, world) for _ in range(5)]
    expected = [d["id"] for d in made]
    if sort.startswith("-"):
        expected.reverse()
    response = await client.get(
        "/v1/devices", params={"limit": 2, "sort": sort}, headers=world.auth("supplier")
    )
    pages = [response.json()["items"]]
    while response.json()["next"]:
        response = await client.get(response.json()["next"], headers=world.auth("supplier"))
        pages.append(response.json()["items"])
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [d["id"] for p in pages for d in p] == expected


async def test_an_unknown_sort_or_status_filter_names_the_parameter(client, world):
    auth = world.auth("supplier")
    bad_sort = await client.get("/v1/devices", params={"sort": "serial"}, headers=auth)
    bad_status = await client.get("/v1/devices", params={"status": "lost"}, headers=auth)
    for response in (bad_sort, bad_status):
        body = problem(response, 422)
        assert body["errors"][0]["parameter"] in {"sort", "status"}


# --- identifiers -----------------------------------------------------------------------


async def test_an_identifier_is_unique_among_a_suppliers_devices(client, world):
    await make_device(client, world, identifiers=[{"type": "IMEI", "value": "490154203237518"}])
    item_id = await make_item(client, world, sku="DEV-2")
    response = await client.post(
        "/v1/devices",
        json={
            "item_id": item_id,
            "identifiers": [
                {"type": "MAC", "value": "00:1b"},
                {"type": "IMEI", "value": "490154203237518"},
            ],
        },
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 409)) == {"/identifiers/1/value"}
    assert await ids(client, world, "supplier", identifier="00:1b") == []


async def test_an_update_cannot_take_another_devices_identifier(client, world):
    await make_device(client, world, identifiers=[{"type": "UDI", "value": "U-1"}])
    device = await make_device(client, world)
    response = await client.patch(
        f"/v1/devices/{device['id']}",
        json={"identifiers": [{"type": "UDI", "value": "U-1"}]},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 409)) == {"/identifiers/0/value"}


async def test_a_device_keeps_its_own_identifiers_in_an_update(client, world):
    device = await make_device(client, world, identifiers=[{"type": "UDI", "value": "U-1"}])
    response = await client.patch(
        f"/v1/devices/{device['id']}",
        json={"identifiers": [{"type": "UDI", "value": "U-1"}], "used": True},
        headers=world.auth("supplier"),
    )
    assert response.status_code == 200, response.text


async def test_the_same_identifier_at_another_supplier_is_fine(client, world):
    body = {"identifiers": [{"type": "IMEI", "value": "490154203237518"}]}
    await make_device(client, world, **body)
    theirs = await make_device(client, world, "supplier_other", **body)
    assert theirs["identifiers"] == body["identifiers"]


async def test_the_same_value_of_another_type_is_fine(client, world):
    await make_device(client, world, identifiers=[{"type": "IMEI", "value": "42"}])
    other = await make_device(client, world, identifiers=[{"type": "UDI", "value": "42"}])
    assert other["identifiers"] == [{"type": "UDI", "value": "42"}]


async def test_an_identifier_given_twice_in_one_request_is_refused(client, world):
    item_id = await make_item(client, world)
    twice = [{"type": "MAC", "value": "00:1b"}, {"type": "MAC", "value": "00:1b"}]
    response = await client.post(
        "/v1/devices",
        json={"item_id": item_id, "identifiers": twice},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/identifiers/1"}


# --- scoping ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"used": True}),
        ("GET", "/events", None),
        ("POST", "/events", {"type": "health_check"}),
    ],
)
async def test_another_suppliers_device_is_answered_like_a_missing_one(
    client, world, method, suffix, body
):
    theirs = await make_device(client, world, "supplier_other")
    auth = world.auth("supplier")
    hidden = await client.request(
        method, f"/v1/devices/{theirs['id']}{suffix}", json=body, headers=auth
    )
    missing = await client.request(
        method, f"/v1/devices/{MISSING}{suffix}", json=body, headers=auth
    )
    assert without_id(problem(hidden, 404), theirs["id"]) == without_id(
        problem(missing, 404), MISSING
    )
    assert await ids(client, world, "supplier") == []


async def test_another_tenants_device_is_a_404_even_for_an_admin(client, world, other_world):
    foreign = await make_device(client, other_world)
    response = await client.get(f"/v1/devices/{foreign['id']}", headers=world.auth("admin"))
    problem(response, 404)
    assert await ids(client, world, "admin") == []


async def test_an_admin_changes_any_device_of_the_tenant(client, world):
    theirs = await make_device(client, world, "supplier_other")
    response = await client.patch(
        f"/v1/devices/{theirs['id']}", json={"used": True}, headers=world.auth("admin")
    )
    assert response.status_code == 200, response.text


async def test_a_customer_sees_only_the_devices_with_its_own_patients_and_sites(client, world):
    patient = await make_patient(client, world)
    site = await make_site(client, world)
    other_patient = await make_patient(client, world, "customer_other")
    other_site = await make_site(client, world, "customer_other")
    mine = [
        await make_device(client, world, "admin", current_patient_id=patient["id"]),
        await make_device(client, world, "admin", supplier="supplier_other", site_id=site["id"]),
    ]
    theirs = [
        await make_device(client, world, "admin", current_patient_id=other_patient["id"]),
        await make_device(client, world, "admin", site_id=other_site["id"]),
        await make_device(client, world, "admin"),  # with the supplier still
    ]
    assert await ids(client, world, "customer") == [d["id"] for d in mine]
    auth = world.auth("customer")
    seen = await client.get(f"/v1/devices/{mine[0]['id']}", headers=auth)
    assert seen.json()["current_patient"]["id"] == patient["id"]
    for device in theirs:
        problem(await client.get(f"/v1/devices/{device['id']}", headers=auth), 404)


async def test_a_customer_stops_seeing_a_device_given_back(client, world):
    patient = await make_patient(client, world)
    device = await make_device(client, world, "admin", current_patient_id=patient["id"])
    await client.patch(
        f"/v1/devices/{device['id']}",
        json={"current_patient_id": None, "current_status": "returned"},
        headers=world.auth("admin"),
    )
    problem(await client.get(f"/v1/devices/{device['id']}", headers=world.auth("customer")), 404)


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("POST", "", {"item_id": 1}),
        ("PATCH", "/{id}", {"used": True}),
        ("POST", "/{id}/events", {"type": "health_check"}),
    ],
)
async def test_a_customer_cannot_write_devices(client, world, method, suffix, body):
    patient = await make_patient(client, world)
    device = await make_device(client, world, "admin", current_patient_id=patient["id"])
    path = "/v1/devices" + suffix.format(id=device["id"])
    problem(await client.request(method, path, json=body, headers=world.auth("customer")), 403)
    after = await client.get(f"/v1/devices/{device['id']}", headers=world.auth("admin"))
    assert after.json() == device


# --- holders ---------------------------------------------------------------------------


async def test_a_device_is_with_a_patient_or_at_a_site_not_both(client, world):
    patient = await make_patient(client, world)
    site = await make_site(client, world)
    item_id = await make_item(client, world)
    response = await client.post(
        "/v1/devices",
        json={
            "account_id": world.accounts["supplier"],
            "item_id": item_id,
            "current_patient_id": patient["id"],
            "site_id": site["id"],
        },
        headers=world.auth("admin"),
    )
    assert pointers(problem(response, 422)) == {"/current_patient_id", "/site_id"}


async def test_an_update_naming_a_patient_of_a_device_at_a_site_is_refused(client, world):
    patient = await make_patient(client, world)
    site = await make_site(client, world)
    device = await make_device(client, world, "admin", site_id=site["id"])
    response = await client.patch(
        f"/v1/devices/{device['id']}",
        json={"current_patient_id": patient["id"]},
        headers=world.auth("admin"),
    )
    assert pointers(problem(response, 422)) == {"/current_patient_id"}


async def test_a_patient_or_site_of_another_tenant_is_refused(client, world, other_world):
    patient = await make_patient(client, other_world)
    site = await make_site(client, other_world)
    item_id = await make_item(client, world)
    auth = world.auth("admin")
    account_id = world.accounts["supplier"]
    for field, ident in (("current_patient_id", patient["id"]), ("site_id", site["id"])):
        body = {"account_id": account_id, "item_id": item_id, field: ident}
        response = await client.post("/v1/devices", json=body, headers=auth)
        assert pointers(problem(response, 422)) == {f"/{field}"}


async def test_a_supplier_names_only_patients_it_may_see(client, world):
    stranger = await make_patient(client, world)
    known = await make_patient(client, world, external_identifier="KNOWN")
    await make_order(client, world, await make_catalog(client, world), patient_id=known["id"])
    refused = await client.post(
        "/v1/devices",
        json={"item_id": await make_item(client, world), "current_patient_id": stranger["id"]},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(refused, 422)) == {"/current_patient_id"}
    device = await make_device(client, world, current_patient_id=known["id"])
    assert device["current_patient"]["id"] == known["id"]


async def test_a_supplier_reads_no_patient_it_may_not_see(client, world):
    patient = await make_patient(client, world)
    device = await make_device(client, world, "admin", current_patient_id=patient["id"])
    seen = await client.get(f"/v1/devices/{device['id']}", headers=world.auth("supplier"))
    assert seen.json()["current_patient_id"] == patient["id"]
    assert seen.json()["current_patient"] is None


# --- events ----------------------------------------------------------------------------


async def add_event(client, world, device_id: int, who: str = "supplier", **body) -> dict:
    response = await client.post(
        f"/v1/devices/{device_id}/events", json=body, headers=world.auth(who)
    )
    return await created(response)


async def test_events_are_shown_oldest_first(client, world):
    device = await make_device(client, world)
    await add_event(client, world, device["id"], type="shipped", occurred_at="2026-01-02T00:00:00Z")
    await add_event(client, world, device["id"], type="built", occurred_at="2026-01-01T00:00:00Z")
    await add_event(
        client, world, device["id"], type="delivered", occurred_at="2026-01-03T00:00:00Z"
    )
    path = f"/v1/devices/{device['id']}"
    shown = (await client.get(path, headers=world.auth("supplier"))).json()["events"]
    assert [e["type"] for e in shown] == ["built", "shipped", "delivered"]
    listed = await all_pages(client, f"{path}/events", world.auth("supplier"), limit=2)
    assert listed == shown


async def test_events_at_the_same_time_keep_the_order_they_were_added_in(client, world):
    device = await make_device(client, world)
    for kind in ("a", "b", "c"):
        await add_event(client, world, device["id"], type=kind, occurred_at="2026-01-01T00:00:00Z")
    listed = await all_pages(
        client, f"/v1/devices/{device['id']}/events", world.auth("supplier"), limit=1
    )
    assert [e["type"] for e in listed] == ["a", "b", "c"]


async def test_an_event_records_who_added_it_and_when_by_default(client, world):
    device = await make_device(client, world)
    event = await add_event(client, world, device["id"], type="health_check")
    assert event["device_id"] == device["id"]
    assert event["actor"] == "supplier:supplier"
    assert event["occurred_at"] == event["recorded_at"]


async def test_a_customer_reads_the_events_of_a_device_it_holds(client, world):
    site = await make_site(client, world)
    device = await make_device(client, world, "admin", site_id=site["id"])
    await add_event(client, world, device["id"], type="delivered")
    listed = await all_pages(client, f"/v1/devices/{device['id']}/events", world.auth("customer"))
    assert [e["type"] for e in listed] == ["delivered"]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_events_cannot_be_edited(client, world, method):
    device = await make_device(client, world)
    event = await add_event(client, world, device["id"], type="health_check")
    auth = world.auth("admin")
    for path in (
        f"/v1/devices/{device['id']}/events",
        f"/v1/devices/{device['id']}/events/{event['id']}",
    ):
        response = await client.request(method, path, json={"type": "edited"}, headers=auth)
        assert response.status_code in (404, 405), response.text
    shown = (await client.get(f"/v1/devices/{device['id']}", headers=auth)).json()["events"]
    assert [e["type"] for e in shown] == ["health_check"]


async def test_a_device_update_cannot_carry_events(client, world):
    device = await make_device(client, world)
    response = await client.patch(
        f"/v1/devices/{device['id']}",
        json={"events": [{"type": "forged"}]},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/events"}


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"current_status": "lost"}, "/current_status"),
        ({"item_id": 0}, "/item_id"),
        ({"external_identifier": "x" * 101}, "/external_identifier"),
        ({"identifiers": [{"type": "IMEI"}]}, "/identifiers/0/value"),
        ({"identifiers": [{"type": "", "value": "1"}]}, "/identifiers/0/type"),
        ({"identifiers": [{"type": "T", "value": str(n)} for n in range(101)]}, "/identifiers"),
        ({"last_health_check": "yesterday"}, "/last_health_check"),
        ({"used": "perhaps"}, "/used"),
        ({"colour": "red"}, "/colour"),
    ],
)
async def test_bad_input_names_the_field(client, world, body, pointer):
    item_id = await make_item(client, world)
    response = await client.post(
        "/v1/devices", json={"item_id": item_id, **body}, headers=world.auth("supplier")
    )
    assert pointer in pointers(problem(response, 422))
    assert await ids(client, world, "supplier") == []


@pytest.mark.parametrize("field", ["item_id", "current_status", "identifiers", "used"])
async def test_an_update_cannot_null_a_field_that_always_has_a_value(client, world, field):
    device = await make_device(client, world)
    response = await client.patch(
        f"/v1/devices/{device['id']}", json={field: None}, headers=world.auth("supplier")
    )
    assert pointers(problem(response, 422)) == {f"/{field}"}


async def test_a_bad_event_names_the_field(client, world):
    device = await make_device(client, world)
    response = await client.post(
        f"/v1/devices/{device['id']}/events",
        json={"type": "x" * 101, "occurred_at": "10000-01-01T00:00:00Z"},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/type", "/occurred_at"}


async def test_an_item_of_another_supplier_is_refused(client, world):
    theirs = await make_item(client, world, "supplier_other")
    response = await client.post(
        "/v1/devices", json={"item_id": theirs}, headers=world.auth("supplier")
    )
    assert pointers(problem(response, 422)) == {"/item_id"}
    device = await make_device(client, world)
    response = await client.patch(
        f"/v1/devices/{device['id']}", json={"item_id": theirs}, headers=world.auth("supplier")
    )
    assert pointers(problem(response, 422)) == {"/item_id"}


async def test_an_admin_must_name_the_supplier_of_a_device(client, world):
    item_id = await make_item(client, world)
    response = await client.post(
        "/v1/devices", json={"item_id": item_id}, headers=world.auth("admin")
    )
    assert pointers(problem(response, 422)) == {"/account_id"}

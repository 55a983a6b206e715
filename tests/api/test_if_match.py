"""Lost-update protection: every update and transition honours `If-Match`, strongly.

A stale tag is a 412 naming the current version, and nothing is written; a weak tag
never matches; `ORDERDESK_REQUIRE_IF_MATCH` makes the header required (428). Tags and
external ids also have add / remove operations that need no `If-Match` at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.api.builders import (
    created,
    make_catalog,
    make_order,
    make_patient,
    make_site,
    parameters,
    pointers,
    problem,
    read_order,
    timeline_of,
)
from tests.api.test_order_devices import assign, make_device
from tests.api.test_packed_kits import kit_order, pack, units
from tests.api.test_returns import delivered_device, place
from tests.api.test_workflows import TWO_STEP
from tests.compat.test_rayteams import WAIT_RESPONSE, put_status, sample_order
from tests.conftest import World


@dataclass
class Change:
    """One request that changes an order, ready to send (all but its `If-Match`)."""

    order_id: int
    method: str
    path: str
    who: str
    body: dict[str, Any] | None = None
    #: Whether the answer is the order (and so carries its `ETag`).
    answers_order: bool = True

    async def send(self, client: httpx.AsyncClient, world: World, **headers: str) -> httpx.Response:
        return await client.request(
            self.method,
            self.path,
            json=self.body,
            headers={**world.auth(self.who), **headers},
        )


Arrange = Callable[[httpx.AsyncClient, World], Awaitable[Change]]


async def _plain_order(client: httpx.AsyncClient, world: World, **fields: Any) -> dict:
    return await make_order(client, world, await make_catalog(client, world), **fields)


async def _edit(client, world) -> Change:
    order = await _plain_order(client, world)
    return Change(order["id"], "PATCH", f"/v1/orders/{order['id']}", "customer", {"memo": "x"})


async def _move(client, world) -> Change:
    order = await _plain_order(client, world)
    path = f"/v1/orders/{order['id']}/transitions"
    return Change(order["id"], "POST", path, "supplier", {"to": "processing"})


async def _cancel(client, world) -> Change:
    order = await _plain_order(client, world)
    path = f"/v1/orders/{order['id']}/cancel"
    return Change(order["id"], "POST", path, "customer", {"reason": "plans changed"})


async def _note(client, world) -> Change:
    order = await _plain_order(client, world)
    path = f"/v1/orders/{order['id']}/notes"
    return Change(order["id"], "POST", path, "customer", {"text": "hi"}, answers_order=False)


async def _tracking(client, world) -> Change:
    order = await _plain_order(client, world)
    path = f"/v1/orders/{order['id']}/tracking-numbers"
    body = {"carrier": "UPS", "value": "1Z999"}
    return Change(order["id"], "POST", path, "supplier", body, answers_order=False)


async def _patient_order(client, world) -> tuple[dict, int]:
    """An order for a patient and a device of its item, not on it yet."""
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    order = await make_order(client, world, catalog, patient_id=patient["id"])
    return order, (await make_device(client, world, catalog.item_ids[0]))["id"]


async def _assign(client, world) -> Change:
    order, unit = await _patient_order(client, world)
    path = f"/v1/orders/{order['id']}/devices"
    return Change(order["id"], "POST", path, "supplier", {"device_ids": [unit]})


async def _unassign(client, world) -> Change:
    order, unit = await _patient_order(client, world)
    assert (await assign(client, world, order["id"], unit)).status_code == 200
    return Change(order["id"], "DELETE", f"/v1/orders/{order['id']}/devices/{unit}", "supplier")


async def _pack(client, world) -> Change:
    catalog = await make_catalog(client, world)
    order = await kit_order(client, world, catalog)
    ids = await units(client, world, catalog.item_ids[0], 2)
    body = {"kit_id": catalog.kit_id, "device_ids": ids}
    return Change(order["id"], "POST", f"/v1/orders/{order['id']}/packed-kits", "supplier", body)


async def _unpack(client, world) -> Change:
    catalog = await make_catalog(client, world)
    order = await kit_order(client, world, catalog)
    ids = await units(client, world, catalog.item_ids[0], 2)
    packed = (await pack(client, world, order["id"], catalog.kit_id, *ids)).json()
    path = f"/v1/orders/{order['id']}/packed-kits/{packed['packed_kits'][0]['id']}"
    return Change(order["id"], "DELETE", path, "supplier")


async def _receive_returns(client, world) -> Change:
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    _, unit = await delivered_device(client, world, catalog, patient, deliver=False)
    placed = await place(client, world, catalog, patient, {"devices": [{"device_id": unit}]})
    order = await created(placed)
    path = f"/v1/orders/{order['id']}/returns/received"
    return Change(order["id"], "POST", path, "supplier", {})


async def _add_tags(client, world) -> Change:
    order = await _plain_order(client, world)
    path = f"/v1/orders/{order['id']}/tags"
    return Change(order["id"], "POST", path, "customer", {"tags": ["urgent"]})


async def _remove_tag(client, world) -> Change:
    order = await _plain_order(client, world, tags=["urgent"])
    return Change(order["id"], "DELETE", f"/v1/orders/{order['id']}/tags/urgent", "customer")


async def _add_external_ids(client, world) -> Change:
    order = await _plain_order(client, world)
    path = f"/v1/orders/{order['id']}/external-ids"
    return Change(order["id"], "POST", path, "customer", {"external_order_ids": ["PO-1"]})


async def _remove_external_id(client, world) -> Change:
    order = await _plain_order(client, world, external_order_ids=["PO-1"])
    path = f"/v1/orders/{order['id']}/external-ids/PO-1"
    return Change(order["id"], "DELETE", path, "customer")


#: Every native route that changes an order.
ORDER_CHANGES: dict[str, Arrange] = {
    "edit": _edit,
    "transition": _move,
    "cancel": _cancel,
    "note": _note,
    "tracking number": _tracking,
    "assign devices": _assign,
    "unassign a device": _unassign,
    "pack a kit": _pack,
    "unpack a kit": _unpack,
    "receive returns": _receive_returns,
    "add tags": _add_tags,
    "remove a tag": _remove_tag,
    "add external ids": _add_external_ids,
    "remove an external id": _remove_external_id,
}
#: Those that need `If-Match` when the server requires it (the list operations never do).
GUARDED = [name for name in ORDER_CHANGES if "tag" not in name and "external" not in name]

every_order_change = pytest.mark.parametrize("arrange", ORDER_CHANGES.values(), ids=ORDER_CHANGES)
every_guarded_change = pytest.mark.parametrize(
    "arrange", [ORDER_CHANGES[n] for n in GUARDED], ids=GUARDED
)


async def _state(client: httpx.AsyncClient, world: World, order_id: int) -> tuple[dict, list]:
    """Everything a change could write: the order as read, and its timeline."""
    return await read_order(client, world, order_id), await timeline_of(client, world, order_id)


async def _edited_by_someone_else(client: httpx.AsyncClient, world: World, order_id: int) -> str:
    """Another client's edit moves the order on; the tag it was at before, now stale."""
    before = await read_order(client, world, order_id)
    response = await client.patch(
        f"/v1/orders/{order_id}",
        json={"memo": "someone else's edit"},
        headers={**world.auth("admin"), "If-Match": f'"{before["version"]}"'},
    )
    assert response.status_code == 200, response.text
    return f'"{before["version"]}"'


@pytest.fixture
def require(app_and_sessions, monkeypatch) -> Callable[[], None]:
    """Call it to run the server with `ORDERDESK_REQUIRE_IF_MATCH=true` from then on."""
    app, _ = app_and_sessions
    return lambda: monkeypatch.setattr(app.state.settings, "require_if_match", True)


# --- every change of an order -----------------------------------------------------


@every_order_change
async def test_a_stale_etag_is_refused_naming_the_current_version(client, world, arrange):
    change = await arrange(client, world)
    stale = await _edited_by_someone_else(client, world, change.order_id)
    current = (await read_order(client, world, change.order_id))["version"]
    body = problem(await change.send(client, world, **{"If-Match": stale}), 412)
    assert body["version"] == current
    assert f"version {current}" in body["detail"]


@every_order_change
async def test_a_stale_etag_writes_nothing(client, world, arrange):
    change = await arrange(client, world)
    stale = await _edited_by_someone_else(client, world, change.order_id)
    before = await _state(client, world, change.order_id)
    assert (await change.send(client, world, **{"If-Match": stale})).status_code == 412
    assert await _state(client, world, change.order_id) == before


@every_order_change
async def test_a_weak_etag_of_the_current_version_never_matches(client, world, arrange):
    change = await arrange(client, world)
    before = await _state(client, world, change.order_id)
    weak = f'W/"{before[0]["version"]}"'
    body = problem(await change.send(client, world, **{"If-Match": weak}), 412)
    assert parameters(body) == {"If-Match"}
    assert await _state(client, world, change.order_id) == before


@every_order_change
async def test_the_current_etag_is_accepted_and_the_order_answers_its_new_one(
    client, world, arrange
):
    change = await arrange(client, world)
    version = (await read_order(client, world, change.order_id))["version"]
    response = await change.send(client, world, **{"If-Match": f'"{version}"'})
    assert response.is_success, response.text
    after = (await read_order(client, world, change.order_id))["version"]
    assert after == version + 1
    if change.answers_order:
        assert response.headers["ETag"] == f'"{after}"' == f'"{response.json()["version"]}"'


# --- ORDERDESK_REQUIRE_IF_MATCH ---------------------------------------------------


@every_guarded_change
async def test_when_required_a_change_without_if_match_is_a_428_naming_the_header(
    client, world, arrange, require
):
    change = await arrange(client, world)
    require()
    body = problem(await change.send(client, world), 428)
    assert parameters(body) == {"If-Match"}


@every_guarded_change
async def test_when_required_a_change_without_if_match_writes_nothing(
    client, world, arrange, require
):
    change = await arrange(client, world)
    require()
    before = await _state(client, world, change.order_id)
    assert (await change.send(client, world)).status_code == 428
    assert await _state(client, world, change.order_id) == before


async def test_when_required_a_change_with_if_match_is_made(client, world, require):
    change = await _move(client, world)
    require()
    version = (await read_order(client, world, change.order_id))["version"]
    response = await change.send(client, world, **{"If-Match": f'"{version}"'})
    assert response.status_code == 200, response.text


async def test_when_not_required_a_change_without_if_match_is_made(client, world):
    change = await _move(client, world)
    response = await change.send(client, world)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "arrange",
    [_add_tags, _remove_tag, _add_external_ids, _remove_external_id],
    ids=["add tags", "remove a tag", "add external ids", "remove an external id"],
)
async def test_when_required_the_list_operations_still_need_no_if_match(
    client, world, arrange, require
):
    change = await arrange(client, world)
    require()
    response = await change.send(client, world)
    assert response.status_code == 200, response.text


async def test_when_required_a_compatibility_surface_still_needs_no_if_match(
    client, world, require
):
    order = await sample_order(client, world)
    require()
    response = await put_status(client, world, order["id"], WAIT_RESPONSE, "Wait Response")
    assert response.status_code == 200, response.text


# --- the other updatable resources ------------------------------------------------


@dataclass
class Resource:
    """An updatable resource: where it is read, who edits it, and two different edits."""

    path: str
    who: str
    method: str
    edits: tuple[dict[str, Any], dict[str, Any]]
    reader: str = field(default="")

    async def read(self, client: httpx.AsyncClient, world: World) -> httpx.Response:
        response = await client.get(self.path, headers=world.auth(self.reader or self.who))
        assert response.status_code == 200, response.text
        return response

    async def edit(
        self, client: httpx.AsyncClient, world: World, n: int, tag: str
    ) -> httpx.Response:
        return await client.request(
            self.method,
            self.path,
            json=self.edits[n],
            headers={**world.auth(self.who), "If-Match": tag},
        )


def _named(key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return {key: "First"}, {key: "Second"}


async def _account(client, world) -> Resource:
    return Resource(f"/v1/accounts/{world.accounts['customer']}", "admin", "PATCH", _named("name"))


async def _catalog_entry(client, world, kind: str) -> Resource:
    catalog = await make_catalog(client, world)
    ident = {
        "manufacturers": catalog.manufacturer_id,
        "items": catalog.item_ids[0],
        "kits": catalog.kit_id,
        "products": catalog.product_id,
    }[kind]
    return Resource(f"/v1/{kind}/{ident}", "supplier", "PATCH", _named("name"))


async def _site(client, world) -> Resource:
    site = await make_site(client, world)
    return Resource(f"/v1/sites/{site['id']}", "customer", "PATCH", _named("name"))


async def _patient(client, world) -> Resource:
    patient = await make_patient(client, world)
    return Resource(f"/v1/patients/{patient['id']}", "customer", "PATCH", _named("first_name"))


async def _device(client, world) -> Resource:
    catalog = await make_catalog(client, world)
    unit = await make_device(client, world, catalog.item_ids[0])
    edits = ({"external_identifier": "SN-1"}, {"external_identifier": "SN-2"})
    return Resource(f"/v1/devices/{unit['id']}", "supplier", "PATCH", edits)


async def _order_schema(client, world) -> Resource:
    saved = await created(
        await client.post(
            "/v1/order-schemas",
            json={"name": "lab-form", "schema": {"type": "object"}},
            headers=world.auth("supplier"),
        )
    )
    edits = tuple(
        {"schema": {"type": "object", "required": [name]}} for name in ("first", "second")
    )
    return Resource(f"/v1/order-schemas/{saved['id']}", "supplier", "PUT", edits)  # type: ignore[arg-type]


async def _workflow(client, world) -> Resource:
    saved = await created(
        await client.post(
            "/v1/workflows", json={"definition": TWO_STEP}, headers=world.auth("supplier")
        )
    )
    edits = tuple({"definition": {**TWO_STEP, "name": name}} for name in ("First", "Second"))
    return Resource(f"/v1/workflows/{saved['id']}", "supplier", "PUT", edits)  # type: ignore[arg-type]


RESOURCES: dict[str, Callable[[httpx.AsyncClient, World], Awaitable[Resource]]] = {
    "account": _account,
    "manufacturer": lambda c, w: _catalog_entry(c, w, "manufacturers"),
    "item": lambda c, w: _catalog_entry(c, w, "items"),
    "kit": lambda c, w: _catalog_entry(c, w, "kits"),
    "product": lambda c, w: _catalog_entry(c, w, "products"),
    "site": _site,
    "patient": _patient,
    "device": _device,
    "order schema": _order_schema,
    "workflow": _workflow,
}
every_resource = pytest.mark.parametrize("arrange", RESOURCES.values(), ids=RESOURCES)


def _version(tag: str) -> int:
    assert tag.startswith('"') and tag.endswith('"'), tag  # strong: no W/
    return int(tag.strip('"'))


@every_resource
async def test_a_resource_read_carries_its_strong_etag(client, world, arrange):
    resource = await arrange(client, world)
    assert _version((await resource.read(client, world)).headers["ETag"]) >= 1


@every_resource
async def test_a_resource_edit_with_the_current_etag_answers_the_next_one(client, world, arrange):
    resource = await arrange(client, world)
    tag = (await resource.read(client, world)).headers["ETag"]
    response = await resource.edit(client, world, 0, tag)
    assert response.status_code == 200, response.text
    assert _version(response.headers["ETag"]) == _version(tag) + 1
    assert (await resource.read(client, world)).headers["ETag"] == response.headers["ETag"]


@every_resource
async def test_a_resource_edit_with_a_stale_etag_is_a_412_and_writes_nothing(
    client, world, arrange
):
    resource = await arrange(client, world)
    stale = (await resource.read(client, world)).headers["ETag"]
    first = await resource.edit(client, world, 0, stale)
    assert first.status_code == 200, first.text
    body = problem(await resource.edit(client, world, 1, stale), 412)
    assert body["version"] == _version(first.headers["ETag"])
    after = await resource.read(client, world)
    assert (after.headers["ETag"], after.json()) == (first.headers["ETag"], first.json())


@every_resource
async def test_when_required_a_resource_edit_without_if_match_is_a_428(
    client, world, arrange, require
):
    resource = await arrange(client, world)
    require()
    before = await resource.read(client, world)
    response = await client.request(
        resource.method, resource.path, json=resource.edits[0], headers=world.auth(resource.who)
    )
    assert parameters(problem(response, 428)) == {"If-Match"}
    after = await resource.read(client, world)
    assert (after.headers["ETag"], after.json()) == (before.headers["ETag"], before.json())


# --- tags and external ids --------------------------------------------------------


async def _tags_of(client: httpx.AsyncClient, world: World, order_id: int) -> list[str]:
    return (await read_order(client, world, order_id))["tags"]


async def test_adding_tags_keeps_those_the_order_has_and_each_value_once(client, world):
    order = await _plain_order(client, world, tags=["a"])
    response = await client.post(
        f"/v1/orders/{order['id']}/tags",
        json={"tags": ["a", "b", "b", "c"]},
        headers=world.auth("supplier"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["tags"] == ["a", "b", "c"]
    assert await _tags_of(client, world, order["id"]) == ["a", "b", "c"]


async def test_adding_tags_records_the_change_on_the_timeline(client, world):
    order = await _plain_order(client, world, tags=["a"])
    await client.post(
        f"/v1/orders/{order['id']}/tags", json={"tags": ["b"]}, headers=world.auth("customer")
    )
    last = (await timeline_of(client, world, order["id"]))[-1]
    assert last["kind"] == "changed"
    assert last["data"]["fields"] == {"tags": {"from": ["a"], "to": ["a", "b"]}}
    assert last["data"]["by"]["role"] == "customer"


async def test_adding_only_tags_the_order_has_changes_nothing(client, world):
    order = await _plain_order(client, world, tags=["a"])
    response = await client.post(
        f"/v1/orders/{order['id']}/tags", json={"tags": ["a"]}, headers=world.auth("customer")
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == order["version"]
    assert len(await timeline_of(client, world, order["id"])) == 1


async def test_removing_a_tag_keeps_the_others(client, world):
    order = await _plain_order(client, world, tags=["a", "b", "c"])
    response = await client.delete(
        f"/v1/orders/{order['id']}/tags/b", headers=world.auth("customer")
    )
    assert response.status_code == 200, response.text
    assert await _tags_of(client, world, order["id"]) == ["a", "c"]
    last = (await timeline_of(client, world, order["id"]))[-1]
    assert last["data"]["fields"] == {"tags": {"from": ["a", "b", "c"], "to": ["a", "c"]}}


async def test_removing_a_tag_the_order_does_not_have_changes_nothing(client, world):
    order = await _plain_order(client, world, tags=["a"])
    response = await client.delete(
        f"/v1/orders/{order['id']}/tags/zzz", headers=world.auth("customer")
    )
    assert response.status_code == 200, response.text
    assert (response.json()["tags"], response.json()["version"]) == (["a"], order["version"])


async def test_a_tag_with_a_slash_is_removed_by_its_encoded_name(client, world):
    order = await _plain_order(client, world, tags=["lab/urgent", "x"])
    response = await client.delete(
        f"/v1/orders/{order['id']}/tags/lab%2Furgent", headers=world.auth("customer")
    )
    assert response.status_code == 200, response.text
    assert await _tags_of(client, world, order["id"]) == ["x"]


async def test_tags_past_the_bound_are_refused_naming_the_field(client, world):
    order = await _plain_order(client, world, tags=[f"t{n}" for n in range(45)])
    response = await client.post(
        f"/v1/orders/{order['id']}/tags",
        json={"tags": [f"u{n}" for n in range(6)]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/tags"}
    assert len(await _tags_of(client, world, order["id"])) == 45


async def test_adding_external_ids_keeps_those_the_order_has(client, world):
    order = await _plain_order(client, world, external_order_ids=["PO-1"])
    response = await client.post(
        f"/v1/orders/{order['id']}/external-ids",
        json={"external_order_ids": ["PO-2", "PO-1"]},
        headers=world.auth("customer"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["external_order_ids"] == ["PO-1", "PO-2"]
    last = (await timeline_of(client, world, order["id"]))[-1]
    assert last["data"]["fields"] == {
        "external_order_ids": {"from": ["PO-1"], "to": ["PO-1", "PO-2"]}
    }


async def test_removing_an_external_id_keeps_the_others(client, world):
    order = await _plain_order(client, world, external_order_ids=["PO-1", "PO-2"])
    response = await client.delete(
        f"/v1/orders/{order['id']}/external-ids/PO-1", headers=world.auth("customer")
    )
    assert response.status_code == 200, response.text
    assert response.json()["external_order_ids"] == ["PO-2"]


async def test_another_accounts_order_has_no_tags_to_add_to(client, world):
    order = await _plain_order(client, world)
    response = await client.post(
        f"/v1/orders/{order['id']}/tags", json={"tags": ["x"]}, headers=world.auth("customer_other")
    )
    problem(response, 404)
    assert await _tags_of(client, world, order["id"]) == []


async def test_a_closed_order_takes_no_more_tags(client, world):
    order = await _plain_order(client, world)
    cancelled = await client.post(
        f"/v1/orders/{order['id']}/cancel", json={}, headers=world.auth("customer")
    )
    assert cancelled.status_code == 200, cancelled.text
    response = await client.post(
        f"/v1/orders/{order['id']}/tags", json={"tags": ["x"]}, headers=world.auth("customer")
    )
    problem(response, 409)

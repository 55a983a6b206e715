"""The timeline's payloads: one model per event kind, readable for events stored before
a key existed."""

from __future__ import annotations

import pytest

from orderdesk.orders.events import PAYLOADS, Actor, OrderStatusMoved, payload_of
from orderdesk.orders.models import EventKind
from orderdesk.tenancy.models import Role
from orderdesk.tenancy.principal import Principal

#: What each kind's data held before the payloads were typed (no names, no ``by``).
BEFORE_TYPED = {
    EventKind.CREATED: {
        "status": "new",
        "workflow": "impilo-device",
        "workflow_version": 1,
        "project_id": 5,
        "lines": 1,
    },
    EventKind.CHANGED: {"fields": {"memo": {"from": None, "to": "m"}}},
    EventKind.STATUS_MOVED: {"from": "new", "to": "processing", "reason": None},
    EventKind.NOTE_ADDED: {"note_id": 3, "text": "n"},
    EventKind.TRACKING_ADDED: {"carrier": "UPS", "value": "1Z"},
    EventKind.CANCELLED: {"from": "new", "to": "cancelled", "reason": "duplicate"},
    # Typed from the start: their keys as recorded, without ``by``.
    EventKind.DEVICES_ASSIGNED: {"device_ids": [4, 5]},
    EventKind.DEVICE_UNASSIGNED: {"device_id": 4},
    EventKind.KIT_PACKED: {
        "packed_kit_id": 2,
        "kit_id": 3,
        "external_identifier": "KIT-1",
        "device_ids": [4],
    },
    EventKind.KIT_UNPACKED: {"packed_kit_id": 2, "kit_id": 3},
    EventKind.RETURNS_RECEIVED: {"device_ids": [4], "packed_kit_ids": [], "item_ids": [6]},
}


def test_every_event_kind_has_a_payload_model():
    assert set(PAYLOADS) == set(EventKind)
    assert all(model.kind is kind for kind, model in PAYLOADS.items())


@pytest.mark.parametrize("kind", list(EventKind))
def test_an_event_stored_before_the_payloads_were_typed_reads_with_its_keys(kind):
    stored = BEFORE_TYPED[kind]
    payload = payload_of(kind, stored)
    assert isinstance(payload, PAYLOADS[kind])
    read = payload.model_dump(mode="json", by_alias=True)
    assert {key: read[key] for key in stored} == stored


@pytest.mark.parametrize("kind", list(EventKind))
def test_an_event_stored_before_the_payloads_were_typed_does_not_say_who_acted(kind):
    assert payload_of(kind, BEFORE_TYPED[kind]).by is None


@pytest.mark.parametrize("kind", [EventKind.STATUS_MOVED, EventKind.CANCELLED])
def test_a_move_stored_before_the_payloads_were_typed_has_no_state_names(kind):
    payload = payload_of(kind, BEFORE_TYPED[kind])
    assert isinstance(payload, OrderStatusMoved)
    assert (payload.from_name, payload.to_name) == (None, None)


def test_a_creation_stored_before_the_payloads_were_typed_has_no_state_name():
    payload = payload_of(EventKind.CREATED, BEFORE_TYPED[EventKind.CREATED])
    assert payload.model_dump()["status_name"] is None


def test_a_move_is_read_and_written_with_from_as_its_key():
    payload = OrderStatusMoved.model_validate({"from": "new", "to": "processing", "reason": None})
    assert payload.from_ == "new"
    assert payload.model_dump(mode="json", by_alias=True)["from"] == payload.from_


def test_the_actor_is_the_principal_that_acted():
    principal = Principal(
        tenant_id=1, role=Role.SUPPLIER, account_id=8, credential_id=21, name="lab", client="app"
    )
    assert Actor.of(principal).model_dump(mode="json") == {
        "name": principal.name,
        "role": principal.role.value,
        "account_id": principal.account_id,
        "credential_id": principal.credential_id,
        "client": principal.client,
    }

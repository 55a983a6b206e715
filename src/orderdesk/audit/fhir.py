"""An audit record as a FHIR R4 ``AuditEvent`` (after IHE BALP's RESTful patterns).

``type`` is a RESTful operation, ``subtype`` its interaction; ``agent`` the credential
that asked (the requestor, with its client and network address); ``source`` this
service; ``entity`` each patient (``Patient/<id>``), order (``SupplyRequest/<id>``) and
device (``Device/<id>``) the answer disclosed, or a refused request asked for.
"""

from __future__ import annotations

from typing import Any

from orderdesk.audit.models import AuditEvent, EntityKind

_DCM = "http://dicom.nema.org/resources/ontology/DCM"
_RESTFUL = "http://hl7.org/fhir/restful-interaction"
_RESOURCES = {
    EntityKind.PATIENT: "Patient",
    EntityKind.ORDER: "SupplyRequest",
    EntityKind.DEVICE: "Device",
}
#: ``entity.type`` (audit-entity-type) and ``entity.role`` (object-role) per kind.
_ENTITY_TYPES = {EntityKind.PATIENT: ("1", "Person")}
_ENTITY_ROLES = {EntityKind.PATIENT: ("1", "Patient")}


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def _interaction(event: AuditEvent) -> tuple[str, str]:
    if event.method in ("GET", "HEAD"):
        return ("read", "read") if event.route.endswith("}") else ("search-type", "search")
    if event.action == "C":
        return "create", "create"
    if event.action == "U":
        return "update", "update"
    if event.action == "D":
        return "delete", "delete"
    return "operation", "operation"


def _outcome(status: int) -> str:
    """0 success, 4 minor failure (the request was refused), 8 serious failure."""
    if status < 400:
        return "0"
    return "4" if status < 500 else "8"


def as_fhir(event: AuditEvent, *, observer: str = "orderdesk") -> dict[str, Any]:
    code, display = _interaction(event)
    who: dict[str, Any] = (
        {"identifier": {"system": "urn:orderdesk:credential", "value": str(event.credential_id)}}
        if event.credential_id is not None
        else {"display": "unauthenticated"}
    )
    agent: dict[str, Any] = {
        "type": {"coding": [_coding(_DCM, "110153", "Source Role ID")]},
        "who": who,
        "requestor": True,
    }
    if event.role is not None:
        agent["role"] = [{"text": event.role}]
    if event.client is not None:
        agent["altId"] = event.client
    if event.client_address is not None:
        agent["network"] = {"address": event.client_address, "type": "2"}
    return {
        "resourceType": "AuditEvent",
        "id": str(event.id),
        "type": _coding(
            "http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"
        ),
        "subtype": [_coding(_RESTFUL, code, display)],
        "action": event.action,
        "recorded": event.recorded_at.isoformat().replace("+00:00", "Z"),
        "outcome": _outcome(event.status),
        "outcomeDesc": f"HTTP {event.status}",
        "agent": [agent],
        "source": {
            "observer": {"display": observer},
            "type": [
                _coding(
                    "http://terminology.hl7.org/CodeSystem/security-source-type",
                    "4",
                    "Application Server",
                )
            ],
        },
        "entity": [
            {
                "what": {
                    "reference": f"{_RESOURCES[e.kind]}/{e.entity_id}",
                    "type": _RESOURCES[e.kind],
                },
                "type": _coding(
                    "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                    *_ENTITY_TYPES.get(e.kind, ("2", "System Object")),
                ),
                "role": _coding(
                    "http://terminology.hl7.org/CodeSystem/object-role",
                    *_ENTITY_ROLES.get(e.kind, ("4", "Domain Resource")),
                ),
            }
            for e in event.entities
        ]
        + [
            {
                "what": {"display": f"{event.method} {event.path}"},
                "type": _coding(
                    "http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"
                ),
                "detail": [{"type": "request_id", "valueString": event.request_id}],
            }
        ],
    }

"""Who holds an order's devices as the order moves: the devices' side of fulfilment.

A device assigned to an order is held by the order's patient or site and ``assigned``.
The order's first tracking number ships it (``shipped``); the order delivered (closed,
not cancelled) leaves it ``with_patient``; the order cancelled before it shipped puts it
back in stock, held by nobody (a device that shipped stays out until it is returned).
A return received (``orders.returns``) makes it ``returned``. Each step appends a device
event named after it, in the transaction of the order's change.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.devices.models import Device, DeviceStatus
from orderdesk.devices.service import record_device_event
from orderdesk.orders.models import Order
from orderdesk.tenancy.principal import Principal


def hand_over(
    session: AsyncSession, order: Order, device: Device, principal: Principal, *, event: str
) -> None:
    """``device`` is now on ``order``: held by its patient or site, ``assigned``."""
    device.current_patient_id = order.patient_id
    device.site_id = order.site_id
    device.current_status = DeviceStatus.ASSIGNED
    record_device_event(session, device, event, principal)


def put_back(session: AsyncSession, device: Device, principal: Principal, *, event: str) -> None:
    """``device`` is back with its supplier: held by nobody, in stock."""
    device.current_patient_id = None
    device.site_id = None
    device.current_status = DeviceStatus.IN_STOCK
    record_device_event(session, device, event, principal)


def _move(
    session: AsyncSession,
    order: Order,
    principal: Principal,
    *,
    when: frozenset[DeviceStatus],
    to: DeviceStatus,
    event: str,
) -> None:
    for link in order.active_device_links:
        device = link.device
        if device.current_status in when:
            device.current_status = to
            record_device_event(session, device, event, principal)


def ship(session: AsyncSession, order: Order, principal: Principal) -> None:
    """The order got a tracking number: its assigned devices are on their way."""
    _move(
        session,
        order,
        principal,
        when=frozenset({DeviceStatus.ASSIGNED}),
        to=DeviceStatus.SHIPPED,
        event="shipped",
    )


def follow_close(session: AsyncSession, order: Order, principal: Principal) -> None:
    """The order just closed: delivered, its devices are with its patient or site;
    cancelled, those that had not shipped go back in stock."""
    if order.is_delivered:
        _move(
            session,
            order,
            principal,
            when=frozenset({DeviceStatus.ASSIGNED, DeviceStatus.SHIPPED}),
            to=DeviceStatus.WITH_PATIENT,
            event="delivered",
        )
        return
    for link in order.active_device_links:
        if link.device.current_status is DeviceStatus.ASSIGNED:
            put_back(session, link.device, principal, event="released")


def take_back(session: AsyncSession, device: Device, principal: Principal) -> None:
    """``device`` came back from its patient or site: ``returned``, held by nobody, free
    for another order."""
    device.current_patient_id = None
    device.site_id = None
    device.current_status = DeviceStatus.RETURNED
    record_device_event(session, device, "returned", principal)

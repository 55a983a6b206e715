"""Devices: a supplier's units of its items, who has each now, and their events."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response, status

from orderdesk.api import NATIVE
from orderdesk.api.callers import CanReadDevices, CanWriteDevices
from orderdesk.api.listing import ListPage, Paging, PagingDep, page_response, sorted_by
from orderdesk.devices import queries, service
from orderdesk.devices.reading import read_device
from orderdesk.devices.schemas import (
    DeviceCreate,
    DeviceEventCreate,
    DeviceEventRead,
    DeviceRead,
    DeviceUpdate,
)
from orderdesk.http.conditional import IfMatch, etag
from orderdesk.http.openapi import sends
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep

router = surface_router(NATIVE, prefix="/v1", tags=["devices"])


@router.post(
    "/devices", status_code=status.HTTP_201_CREATED, responses=sends(201, "ETag", "Location")
)
async def create_device(
    body: DeviceCreate, session: SessionDep, principal: CanWriteDevices, response: Response
) -> DeviceRead:
    device = read_device(
        session, await service.create_device(session, body, principal=principal), principal
    )
    response.headers["ETag"] = etag(device.version)
    response.headers["Location"] = f"/v1/devices/{device.id}"
    return device


@router.get("/devices")
async def list_devices(
    request: Request,
    session: SessionDep,
    principal: CanReadDevices,
    paging: Annotated[Paging, Depends(sorted_by(*queries.DEVICE_SORTS))],
    filters: Annotated[queries.DeviceFilter, Depends()],
) -> ListPage[DeviceRead]:
    page = await queries.list_devices(
        session,
        principal=principal,
        f=filters,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page_response(request, page, lambda d: read_device(session, d, principal))


@router.get("/devices/{device_id}", responses=sends(200, "ETag"))
async def get_device(
    device_id: int, session: SessionDep, principal: CanReadDevices, response: Response
) -> DeviceRead:
    device = read_device(
        session, await service.load_device(session, device_id, principal=principal), principal
    )
    response.headers["ETag"] = etag(device.version)
    return device


@router.patch("/devices/{device_id}", responses=sends(200, "ETag"))
async def update_device(
    device_id: int,
    body: DeviceUpdate,
    session: SessionDep,
    principal: CanWriteDevices,
    response: Response,
    expected: IfMatch,
) -> DeviceRead:
    device = read_device(
        session,
        await service.update_device(
            session,
            device_id,
            body,
            principal=principal,
            expected_version=expected,
        ),
        principal,
    )
    response.headers["ETag"] = etag(device.version)
    return device


@router.post("/devices/{device_id}/events", status_code=status.HTTP_201_CREATED)
async def add_device_event(
    device_id: int, body: DeviceEventCreate, session: SessionDep, principal: CanWriteDevices
) -> DeviceEventRead:
    return DeviceEventRead.model_validate(
        await service.add_event(session, device_id, body, principal=principal)
    )


@router.get("/devices/{device_id}/events")
async def list_device_events(
    device_id: int,
    request: Request,
    session: SessionDep,
    principal: CanReadDevices,
    paging: PagingDep,
) -> ListPage[DeviceEventRead]:
    page = await queries.device_events(
        session, device_id, principal=principal, cursor=paging.cursor, limit=paging.limit
    )
    return page_response(request, page, DeviceEventRead.model_validate)

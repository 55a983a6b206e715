"""Liveness and readiness probes (no authentication)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from orderdesk.api import NATIVE
from orderdesk.db import ping
from orderdesk.http.routing import surface_router

router = surface_router(NATIVE, tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "The database is unreachable"}})
async def readyz(request: Request) -> JSONResponse:
    """The database answers."""
    try:
        await ping(request.app.state.engine)
    except Exception as exc:  # any failure means not ready; the reason is reported
        return JSONResponse(
            {"status": "unavailable", "detail": type(exc).__name__}, status_code=503
        )
    return JSONResponse({"status": "ok"})

"""Liveness and readiness probes (no authentication).

Plain routes, outside the edge's unit of work: a probe must answer while the database
does not, so it opens no session; ``/readyz`` asks the database itself.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from orderdesk import migrate

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={503: {"description": "The database is unreachable, or its schema is behind"}},
)
async def readyz(request: Request) -> JSONResponse:
    """The database answers, and its schema has every migration this code needs."""
    try:
        revisions = await migrate.database_revisions(request.app.state.engine)
    except Exception as exc:  # any failure means not ready; the kind of failure is reported
        return JSONResponse(
            {"status": "unavailable", "detail": type(exc).__name__}, status_code=503
        )
    if migrate.behind(revisions):
        return JSONResponse(
            {
                "status": "unavailable",
                "detail": "the database schema is behind this release's migrations: "
                "run `orderdesk migrate`",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ok"})

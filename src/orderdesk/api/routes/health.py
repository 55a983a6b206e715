"""Liveness and readiness probes, and the metrics scrape (no authentication).

Plain routes, outside the edge's unit of work: a probe must answer while the database
does not, so it opens no session; ``/readyz`` asks the database itself. ``/metrics``
is routed only when ``ORDERDESK_METRICS`` is on (``metrics_router``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from orderdesk import metrics, migrate

router = APIRouter(tags=["health"])
metrics_router = APIRouter(tags=["health"])


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


@metrics_router.get("/metrics", include_in_schema=False)
async def scrape(request: Request) -> Response:
    """Prometheus metrics, in its text format (``orderdesk.metrics``)."""
    try:
        backlog: metrics.Outbox | None = await metrics.outbox(request.app.state.engine)
    except Exception:  # the database is down: the rest still answers, without the outbox
        backlog = None
    return Response(metrics.exposition(backlog), media_type=metrics.CONTENT_TYPE)

"""The ASGI application: the native API and the compatibility APIs on one edge.

It lives outside both ``orderdesk.api`` and ``orderdesk.compat``, the only module
that knows them both; neither imports the other (``make lint`` checks it).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from orderdesk import __version__, logs, metrics, tracing
from orderdesk.api.routes import (
    audit as audit_routes,
)
from orderdesk.api.routes import (
    catalog,
    devices,
    events,
    health,
    oauth,
    orders,
    parties,
    projects,
    tenancy,
    webhooks,
    workflows,
)
from orderdesk.bootstrap import bootstrap
from orderdesk.compat.impilo.routes import router as impilo
from orderdesk.compat.labportal.routes import router as labportal
from orderdesk.compat.rayteams.routes import router as rayteams
from orderdesk.compat.rso.routes import router as rso
from orderdesk.config import Settings, get_settings
from orderdesk.db import make_engine, make_sessionmaker
from orderdesk.http import audit, idempotency, openapi, problems, ratelimit
from orderdesk.http.allow import AllowMiddleware
from orderdesk.http.inputs import refuse_unsafe_parameters
from orderdesk.http.middleware import BodyMiddleware, XMLMiddleware, refuse_unread_body
from orderdesk.http.observe import ObserveMiddleware
from orderdesk.http.routing import include_surface

DESCRIPTION = """
Order management for clinical and laboratory supply chains.

Authenticate with `Authorization: Bearer <API key>` or `X-API-Key: <API key>`,
or trade the key for a short-lived access token at `POST /oauth/token` (OAuth2
client credentials: client id the key's prefix, client secret the key) and send
`Authorization: Bearer <access token>`.
Bodies are JSON or `application/x-www-form-urlencoded` (bracket notation for
nesting, e.g. `shipping_address[city]=Boston`); answers are JSON, or XML when
`Accept: application/xml`. Errors are RFC 9457 problem documents whose
`errors` name each offending field by JSON Pointer.

Bounds: bodies up to 1 MiB (configurable), names up to 200 characters (patient
and credential names 100), free text up to 10,000, codes and ids up to 100,
lists up to 100 entries (tags 50, external ids 20), pages up to 500 rows
(default 50). Numeric ids are 1 to 2^63-1 (past it, an id in a path is a 404
like a missing object) and workflow version numbers at most 2^31-1. Objects and
arrays nest at most 32 levels in a body (the body is the first), so in `data`,
workflow definitions and order schemas too. Time filters (`created_after`,
`created_before`) lie within years 1 to 9999 once converted to UTC (a time
without a zone is UTC). No text, anywhere (body values and keys, query, path,
headers), may hold NUL, control characters other than tab, LF and CR, U+FFFE,
U+FFFF or lone surrogates: XML 1.0 cannot carry them, PostgreSQL cannot store
NUL. A `cursor` must be a `next` link's, from the same list and sort; any other
is a 400 naming `cursor`. Order schemas: 32 KiB as compact JSON, 1,000 objects
and arrays; patterns must suit RE2 (linear time: no backreferences or
lookaround), and `$ref`s outside the schema are never fetched. Checking an
order's `data` may take 100 ms of CPU time. A body must arrive within 15 s
(`ORDERDESK_BODY_TIMEOUT`), else the answer is a 408.
"""

#: Where answers are negotiated: JSON, or XML when ``Accept`` asks (the native API).
NEGOTIATED = "/v1"

#: Each seed system's API, at the base path its clients are configured with.
COMPAT_ROUTERS = {
    "/compat/rayteams/v1.0": rayteams,
    "/compat/labportal/api-v1": labportal,
    "/compat/impilo/api/v3": impilo,
    "/compat/rso/api/v1": rso,
}

#: How log lines and metrics name each surface, by its base path (anything else: native).
SURFACES = {
    NEGOTIATED: "native",
    "/oauth": "oauth",
    **{base: base.split("/")[2] for base in COMPAT_ROUTERS},
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(
            settings.async_url, echo=settings.sql_echo, pool_size=settings.database_pool_size
        )
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.default_tenant_id = await bootstrap(app.state.sessionmaker, settings)
        # Everything built so far (routes, models, schemas) lives as long as the process:
        # out of the collector's sight, a full collection no longer walks it mid-request.
        gc.collect()
        gc.freeze()
        with contextlib.ExitStack() as watched:
            if settings.metrics:
                watched.callback(metrics.forget_process)  # last: the gauges are done with
                watched.enter_context(metrics.watching_pool(engine, settings.database_pool_size))
            yield
        await engine.dispose()

    # /docs and /redoc with their assets served from the package: no CDN, works offline.
    app = FastAPIOffline(
        title="orderdesk",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(refuse_unread_body), Depends(refuse_unsafe_parameters)],
    )
    app.state.settings = settings
    ratelimit.install(app, settings)
    problems.install(app)
    audit.install(app)
    idempotency.install(app)
    openapi.install(app, negotiated=NEGOTIATED)
    for module in (
        health,
        tenancy,
        parties,
        catalog,
        devices,
        workflows,
        projects,
        orders,
        events,
        webhooks,
        audit_routes,
    ):
        app.include_router(module.router)
    if settings.metrics:
        app.include_router(health.metrics_router)
        metrics.count_commits()
    # The token endpoint answers its errors as RFC 6749 shows, also for unknown paths under it.
    include_surface(app, oauth.router, prefix="/oauth")
    for base, router in COMPAT_ROUTERS.items():
        include_surface(app, router, prefix=base)
    # The last added runs first: XML outside the body bound, so every /v1 answer can become
    # XML; Allow outermost, so OPTIONS needs neither.
    app.add_middleware(
        BodyMiddleware, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout
    )
    app.add_middleware(XMLMiddleware, prefix=NEGOTIATED)
    app.add_middleware(AllowMiddleware)
    # Outermost: every answer, also the middleware's own refusals, is timed and carries its id.
    observers = [logs.log_request] if settings.access_log else []
    if settings.metrics:
        observers.append(metrics.observe_request)
    app.add_middleware(
        ObserveMiddleware, surfaces=SURFACES, default_surface="native", observers=observers
    )
    return app


def create_served_app() -> FastAPI:
    """The app as ``orderdesk serve`` builds it in each worker process: logging set up
    from the settings, and traced when the ``OTEL_*`` variables ask (``tracing``)."""
    settings = get_settings()
    logs.configure(settings.log_format, settings.log_level)
    app = create_app(settings)
    if tracing.enabled():
        tracing.instrument_app(app, tracing.provider())
    return app

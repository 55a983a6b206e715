"""Tracing: off unless the standard ``OTEL_*`` variables ask; then a request, its SQL and
the webhook worker's HTTP calls are spans, and no URL's query reaches a span."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from orderdesk import tracing
from orderdesk.app import create_app
from orderdesk.config import Settings, async_database_url
from orderdesk.db import make_engine
from orderdesk.migrate import migrate
from tests.webhooks.receiver import receiving

ADMIN_KEY = "od_tracing_test_secret_0123456789abcd"
#: A query value that stands for patient data: it must reach no span.
PHI = "Zyxwvutsrq"


@pytest.mark.parametrize(
    ("environ", "on"),
    [
        ({}, False),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, True),
        ({"OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "true"}, False),
    ],
)
def test_the_otel_variables_switch_tracing_on(environ, on):
    assert tracing.enabled(environ) is on


def values(spans: list[ReadableSpan]) -> str:
    return " ".join(f"{span.name} {dict(span.attributes or {})}" for span in spans)


@pytest.fixture
def exported() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exported: InMemorySpanExporter) -> TracerProvider:
    return tracing.provider(exported)


@pytest.fixture
async def traced_client(tmp_path, provider, exported) -> AsyncIterator[httpx.AsyncClient]:
    url = f"sqlite:///{tmp_path / 'traced.db'}"
    engine = make_engine(async_database_url(url))
    await migrate(engine)
    await engine.dispose()
    app = create_app(Settings(database_url=url, admin_key=ADMIN_KEY, rate_limit="off"))
    tracing.instrument_app(app, provider)
    try:
        async with app.router.lifespan_context(app):
            provider.force_flush()
            exported.clear()  # the start-up's statements
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                yield http
    finally:
        FastAPIInstrumentor.uninstrument_app(app)
        SQLAlchemyInstrumentor().uninstrument()


async def test_a_request_is_a_span_named_by_its_route_with_its_sql_inside(
    traced_client, provider, exported
):
    response = await traced_client.get(
        "/v1/accounts/7", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert response.status_code == 404
    provider.force_flush()
    spans = exported.get_finished_spans()
    (server,) = [s for s in spans if s.name == "GET /v1/accounts/{account_id}"]
    statements = [s for s in spans if (s.attributes or {}).get("db.system") == "sqlite"]
    assert statements, "no SQL statement was traced"
    assert all(s.context.trace_id == server.context.trace_id for s in statements)


async def test_no_span_holds_a_query_value(traced_client, provider, exported):
    await traced_client.get(
        "/v1/patients", params={"last_name": PHI}, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    provider.force_flush()
    spans = exported.get_finished_spans()
    assert any(s.name == "GET /v1/patients" for s in spans)
    assert PHI not in values(spans)


async def test_probes_are_not_traced(traced_client, provider, exported):
    await traced_client.get("/healthz")
    provider.force_flush()
    assert exported.get_finished_spans() == ()


async def test_the_webhook_workers_http_calls_are_spans_without_their_query(provider, exported):
    tracing.instrument_http_clients(provider)
    try:
        async with receiving() as receiver, httpx.AsyncClient() as http:
            await http.post(f"{receiver.url}?token={PHI}", content=b"{}")
    finally:
        HTTPXClientInstrumentor().uninstrument()
    provider.force_flush()
    (span,) = exported.get_finished_spans()
    assert span.name == "POST"
    assert PHI not in values([span])

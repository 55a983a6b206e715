"""OpenTelemetry traces of requests, SQL statements and webhook deliveries: off by default.

The standard ``OTEL_*`` variables switch them on and configure them: tracing is on when
``OTEL_TRACES_EXPORTER`` names an exporter other than ``none``, or an OTLP endpoint
(``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set, unless
``OTEL_SDK_DISABLED=true``. Spans go to the OTLP/HTTP exporter (``otlp``, the default)
or to stderr (``console``); ``OTEL_SERVICE_NAME`` (default ``orderdesk``), the
sampler, headers and the rest are the SDK's own variables.

Spans name requests by their route template and statements by their SQL text, whose
values are parameters and never recorded. A URL's query (a search by a patient's
name, a receiver's token) is cut from every span.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from opentelemetry.context import Context
from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

#: Span attributes that may hold a URL's query, and what each becomes without it.
_URL_ATTRIBUTES = ("http.url", "url.full", "http.target")
_QUERY_ATTRIBUTES = ("url.query",)
#: Probes and scrapes are not traced.
EXCLUDED_URLS = "/healthz,/readyz,/metrics"


def enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the ``OTEL_*`` variables ask for traces."""
    if environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter:
        return exporter != "none"
    return any(
        environ.get(name)
        for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def _exporter(environ: Mapping[str, str]) -> SpanExporter:
    names = environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() or "otlp"
    if names == "console":
        return ConsoleSpanExporter()
    if names != "otlp":
        raise ValueError(f"OTEL_TRACES_EXPORTER={names!r}: orderdesk exports otlp or console")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def without_query(span: Any) -> None:
    """Cut the query from the span's URL attributes (it may carry patient data or secrets)."""
    attributes = getattr(span, "attributes", None) or {}
    for name in _URL_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str) and "?" in value:
            span.set_attribute(name, urllib.parse.urlsplit(value)._replace(query="").geturl())
    for name in _QUERY_ATTRIBUTES:
        if attributes.get(name):
            span.set_attribute(name, "")


class _CutQueries(SpanProcessor):
    """Cuts the query from every span as it starts (the HTTP clients' spans have their
    URL by then; a served request's span gets its URL later: ``_served``)."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        without_query(span)


def _served(span: Any, _scope: dict[str, Any]) -> None:
    """Cuts the query from a served request's span, once the ASGI instrumentation has
    set its attributes."""
    if span is not None and span.is_recording():
        without_query(span)


def provider(exporter: SpanExporter | None = None) -> TracerProvider:
    """A tracer provider for orderdesk's spans, exporting to ``exporter`` (else as
    ``OTEL_TRACES_EXPORTER`` says)."""
    resource = Resource.create({"service.name": "orderdesk"}).merge(OTELResourceDetector().detect())
    made = TracerProvider(resource=resource)
    made.add_span_processor(_CutQueries())
    made.add_span_processor(BatchSpanProcessor(exporter or _exporter(os.environ)))
    return made


def instrument_app(app: FastAPI, tracer_provider: TracerProvider) -> None:
    """Trace the app's requests and the SQL of every engine made from now on."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        excluded_urls=EXCLUDED_URLS,
        server_request_hook=_served,
        exclude_spans=["receive", "send"],
    )
    instrumentor = SQLAlchemyInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        # Its declared range ends before SQLAlchemy 2.1, which it traces all the same
        # (tests/test_tracing.py checks the statements' spans).
        instrumentor.instrument(
            tracer_provider=tracer_provider, enable_commenter=False, skip_dep_check=True
        )


def instrument_http_clients(tracer_provider: TracerProvider) -> None:
    """Trace the webhook worker's HTTP requests (every httpx client made from now on)."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=tracer_provider)

"""Log lines: one per request, readable by default, JSON for a log pipeline.

``configure`` routes every logger of the process (orderdesk's, uvicorn's, the
libraries') through one structlog formatter: ``key=value`` lines by default, one
JSON object a line when ``ORDERDESK_LOG_FORMAT=json``. Lines written while a
request is served carry its ``request_id`` (bound by the observe middleware).

What a line may hold is fixed here: ids, route templates, statuses, durations.
Never a body, a header value, a query value or a path (each may be patient data),
never a secret.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from orderdesk.config import LogFormat
from orderdesk.http.observe import Finished, current_request_id

#: The logger of the line per request.
requests = structlog.stdlib.get_logger("orderdesk.request")


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _add_request_id(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Every line written while a request is served names the request."""
    ident = current_request_id()
    if ident is not None:
        event.setdefault("request_id", ident)
    return event


#: What every line is given, structlog's or another library's.
_SHARED: list[Any] = [
    _add_request_id,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]

# structlog's lines go through the standard library's logging, configured or not: a
# process that never calls ``configure`` (a test run, an embedding app) decides itself.
structlog.configure(
    processors=[
        structlog.stdlib.filter_by_level,
        *_SHARED,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)


def configure(log_format: LogFormat = "text", level: str = "info") -> None:
    """Send every log line of this process to stderr in ``log_format``, from ``level`` up."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    handler = StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_SHARED,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not isinstance(h, StderrHandler)] + [handler]
    root.setLevel(level.upper())
    # Uvicorn's and orderdesk's loggers write through the root's handler, not their own.
    for name in ("uvicorn", "uvicorn.error", "orderdesk"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    # Uvicorn's access line holds the path and query (patient data); ours replaces it.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs each request's URL, query and all (a webhook receiver's token, say).
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def log_request(finished: Finished) -> None:
    """The line per request (an observer of ``ObserveMiddleware``)."""
    level = logging.ERROR if finished.status >= 500 else logging.INFO
    requests.log(
        level,
        "request",
        request_id=finished.request_id,
        method=finished.method,
        surface=finished.surface,
        route=finished.route,
        status=finished.status,
        duration_ms=round(finished.seconds * 1000, 2),
        tenant_id=finished.tenant_id,
        principal=finished.principal,
    )

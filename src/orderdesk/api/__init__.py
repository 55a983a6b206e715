"""The native REST API under ``/v1``: its routes, on the edge's plumbing (``orderdesk.http``)."""

from orderdesk.http.problems import render_problem
from orderdesk.http.routing import Surface

#: The native surface: RFC 9457 problem documents (as XML when ``Accept`` asks).
NATIVE = Surface(name="native", render_error=render_problem)

"""The edge: what every HTTP surface (native and compatibility) shares.

- ``routing``: the route class every router uses; the request's unit of work, the
  before-commit hooks, errors answered in each surface's own shape;
- ``unit_of_work``: the request's session for dependencies and handlers;
- ``auth``: the calling principal, from whichever credential forms a surface accepts;
- ``content``: the one ``Accept`` parser, form bodies, XML rendering;
- ``problems``: RFC 9457 problem documents, the native renderer, unexpected errors;
- ``conditional``: ``ETag`` and ``If-Match``;
- ``middleware``: the body bound, forms as JSON, the native API's XML answers.
"""

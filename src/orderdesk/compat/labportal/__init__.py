"""labPortal2 Web API v1, Commerce (seed 001), under /compat/labportal/api-v1.

Describes every order: an ``OrderResponse`` (id, schema, status, data, lines) fits any.
"""

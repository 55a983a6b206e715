"""The native REST API under /v1, one module per resource."""

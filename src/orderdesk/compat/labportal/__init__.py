"""labPortal2 Web API v1, Commerce (seed 001), under /compat/labportal/api-v1."""

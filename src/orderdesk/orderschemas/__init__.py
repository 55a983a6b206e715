"""Order schemas: named JSON Schemas that an order's custom ``data`` must satisfy."""

"""Impilo API v3 orders (seeds 002, 003), under /compat/impilo/api/v3.

Describes the orders for a patient or a site with at least one item or kit line
(``mapping.DESCRIBED``): both documents require "at least one of orderItems or
orderKits", for exactly one of patient and site. Any other order is neither
listed nor counted, and its id is a 404 like a missing one.
"""

"""Compatibility APIs: one package per seed system, each only translating.

vendor request -> core schemas -> the core services -> vendor response. No
queries and no business rules live here; every rule is the core's.
"""

"""The pure domain: money, rates, calendars, schedules, APR, law, affordability, proposals,
allocation and plans.

Imports only the standard library (checked by import-linter and tests/test_architecture.py).
"""

"""The pure domain: money, rates, calendars, schedules, APR, law, affordability, proposals, allocation.

Imports only the standard library (checked by import-linter and tests/test_architecture.py).
"""

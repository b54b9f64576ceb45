"""Shared test configuration: Hypothesis profiles (``ci`` by default; ``long`` for deep runs)."""

import os

from hypothesis import HealthCheck, settings

# CI explores the same examples on every run (a gate must not flip on a lucky draw); the
# "long" profile searches afresh with many more examples — run it after changing a rule:
#   HYPOTHESIS_PROFILE=long bash scripts/test tests/property
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("long", max_examples=5000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

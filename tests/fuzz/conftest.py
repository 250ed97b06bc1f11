"""Hypothesis profiles of the fuzz suite.

``ci`` (the default) keeps the suite to a few minutes; ``--hypothesis-profile=long`` runs
thousands of cases per test for a deep run (``python -m pytest tests/fuzz
--hypothesis-profile=long``).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
               derandomize=False, print_blob=True)
settings.register_profile("ci", max_examples=25, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("long", max_examples=5000, **_COMMON)  # type: ignore[arg-type]
settings.load_profile("ci")

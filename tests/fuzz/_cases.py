"""How many cases the fuzz suite runs: 25 per test by default (CI, a few minutes), the
profile's own number when one larger than Hypothesis' default is loaded
(``--hypothesis-profile=long``: 5,000 per test)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

#: cases per fuzz test
CASES = 25 if settings.default.max_examples <= 100 else settings.default.max_examples

FUZZ = settings(
    max_examples=CASES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
    print_blob=True,
)

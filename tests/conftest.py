"""Shared test configuration.

LibreOffice tests are marked ``libreoffice``; they skip when ``soffice`` is missing, except
when ``XLFUNCS_REQUIRE_LIBREOFFICE=1`` (set by CI), where a missing LibreOffice is a failure.

Hypothesis profile ``long`` (``python -m pytest tests/fuzz --hypothesis-profile=long``) runs
5,000 cases per property test for a deep run; by default the fuzz suite runs 25 per test,
so CI stays within a few minutes (see ``tests/fuzz``).
"""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "long",
    max_examples=5000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if (
        os.environ.get("XLFUNCS_REQUIRE_LIBREOFFICE") == "1"
        and shutil.which("soffice") is None
        and any(item.get_closest_marker("libreoffice") for item in items)
    ):
        raise pytest.UsageError("XLFUNCS_REQUIRE_LIBREOFFICE=1 but soffice is not on PATH")

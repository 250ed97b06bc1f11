"""Shared test configuration.

LibreOffice tests are marked ``libreoffice``; they skip when ``soffice`` is missing, except
when ``XLFUNCS_REQUIRE_LIBREOFFICE=1`` (set by CI), where a missing LibreOffice is a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if (
        os.environ.get("XLFUNCS_REQUIRE_LIBREOFFICE") == "1"
        and shutil.which("soffice") is None
        and any(item.get_closest_marker("libreoffice") for item in items)
    ):
        raise pytest.UsageError("XLFUNCS_REQUIRE_LIBREOFFICE=1 but soffice is not on PATH")

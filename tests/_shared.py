"""Where the shared domain data is (``../shared`` beside the checkout), for tests that read it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SECTION_II = SHARED / "domain" / "pp719" / "section-II-automotive.txt"


def section_text() -> str:
    """The text of section II; skipped locally without ../shared, a failure in CI."""
    if not SECTION_II.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{SECTION_II} is missing: CI runs with ../shared beside the checkout")
        pytest.skip(f"{SECTION_II} not found")
    return SECTION_II.read_text(encoding="utf-8")

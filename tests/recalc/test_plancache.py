"""The plan cache: its on-disk tag does not depend on (nor load) the rulebook."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlfuncs.recalc.plancache import PlanCache, cache_tag


def test_cache_tag_never_loads_the_rulebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # plans name user functions and bind them at evaluation, so one tag serves every
    # rulebook; a broken rulebook is not silently turned into another tag
    monkeypatch.delenv("XLFUNCS_RULEBOOK", raising=False)
    tag = cache_tag()
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 2\n[[[", encoding="utf-8")
    monkeypatch.setenv("XLFUNCS_RULEBOOK", str(bad))
    assert cache_tag() == tag
    monkeypatch.setenv("XLFUNCS_RULEBOOK", "ru719-press-2026-11")
    assert cache_tag() == tag
    cache = PlanCache(tmp_path / "cache")
    assert cache.directory == tmp_path / "cache" / "plans" / tag

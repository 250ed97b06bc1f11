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


def _cell_key(formula: str) -> str:
    from xlfuncs.recalc.parser import normalize

    return "c:" + normalize(formula, (1, 1))


def _run_plan(cache: PlanCache, key: str) -> object:
    f, _deps = cache.get(key)(type("E", (), {"V": {}})(), 0)
    return f(1, 1)


def test_disk_entries_are_reused_by_a_new_process_cache(tmp_path: Path) -> None:
    key = _cell_key("1+1")
    first = PlanCache(tmp_path / "c")
    assert _run_plan(first, key) == 2.0  # 1+1, computed
    digest = PlanCache.digest([key])
    assert first.save(digest, [key])
    again = PlanCache(tmp_path / "c")
    assert again.preload(digest) and again.loaded == 1
    assert _run_plan(again, key) == 2.0
    # the folders are the user's own: nobody else may write there
    for folder in (tmp_path / "c", tmp_path / "c" / "plans", again.directory):
        assert folder is not None and folder.stat().st_mode & 0o022 == 0


def _plant(cache: PlanCache, digest: str, key: str, data: bytes) -> Path:
    assert cache.directory is not None
    path = cache.directory / digest[:2] / f"{digest}.plans"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(data)
    return path


def test_a_planted_entry_never_runs(tmp_path: Path) -> None:
    # issue 11, item 5: a marshalled file planted in the cache folder ran its code and
    # stored 42 for =1+1. Now an entry without the cache's integrity header is deleted.
    import marshal

    from xlfuncs.recalc.compiler import compile_source, generate

    key = _cell_key("1+1")
    digest = PlanCache.digest([key])
    evil = {key: compile_source(generate(_cell_key("41+1")[2:], "cell"))}
    cache = PlanCache(tmp_path / "c")
    path = _plant(cache, digest, key, marshal.dumps(evil))
    assert not cache.preload(digest)
    assert not path.exists()
    assert _run_plan(cache, key) == 2.0


def test_a_damaged_entry_is_discarded(tmp_path: Path) -> None:
    key = _cell_key("1+1")
    digest = PlanCache.digest([key])
    cache = PlanCache(tmp_path / "c")
    _run_plan(cache, key)
    assert cache.save(digest, [key])
    assert cache.directory is not None
    (path,) = cache.directory.rglob("*.plans")
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x40  # one flipped bit in the marshalled code
    path.write_bytes(bytes(data))
    assert not PlanCache(tmp_path / "c").preload(digest)
    assert not path.exists()


def test_an_entry_saved_for_another_structure_is_refused(tmp_path: Path) -> None:
    # a valid entry copied to another structure's name fails: the payload names its digest
    key = _cell_key("1+1")
    digest, other = PlanCache.digest([key]), PlanCache.digest([key, _cell_key("2+2")])
    cache = PlanCache(tmp_path / "c")
    _run_plan(cache, key)
    assert cache.save(digest, [key])
    assert cache.directory is not None
    (path,) = cache.directory.rglob("*.plans")
    _plant(cache, other, key, path.read_bytes())
    assert not PlanCache(tmp_path / "c").preload(other)


@pytest.mark.skipif(not hasattr(__import__("os"), "getuid"), reason="POSIX permissions")
def test_a_folder_others_can_write_to_is_never_read(tmp_path: Path) -> None:
    key = _cell_key("1+1")
    digest = PlanCache.digest([key])
    cache = PlanCache(tmp_path / "c")
    _run_plan(cache, key)
    assert cache.save(digest, [key])
    assert cache.directory is not None
    cache.directory.chmod(0o777)
    try:
        fresh = PlanCache(tmp_path / "c")
        assert not fresh.preload(digest) and fresh.loaded == 0
        assert not fresh.save(digest, [key])  # nor written to
    finally:
        cache.directory.chmod(0o700)


def test_the_disk_folder_follows_the_table_of_built_in_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plans compiled before a built-in was added (where it was #NAME?) are in another
    folder: the folder's name holds the compiler version, which holds a digest of every
    built-in's name and calling convention."""
    from xlfuncs.recalc import compiler
    from xlfuncs.recalc.functions import REGISTRY, registry_digest

    before = registry_digest()
    assert compiler.COMPILER_VERSION.endswith(before) and before in cache_tag()
    spec = REGISTRY["SUM"]
    monkeypatch.setitem(REGISTRY, "XLFUNCSNEWFUNCTION", spec)
    assert registry_digest() != before  # a new name: a new digest
    monkeypatch.delitem(REGISTRY, "XLFUNCSNEWFUNCTION")
    assert registry_digest() == before


def test_shapes_differing_in_reference_numbers_share_one_plan(tmp_path: Path) -> None:
    from xlfuncs.recalc.parser import normalize

    cache = PlanCache(tmp_path / "c")
    V = {(0, r, 1): float(r) for r in range(1, 40)}
    V[(1, 3, 1)] = 100.0
    env = type("E", (), {"V": V, "sheet": lambda self, name: 1})()
    # the same formula in rows 5, 9 and 20, reading rows above it, an absolute cell and a
    # cell of another sheet: hand calculation for row r: (r-1) + (r-3) + A1 + Other!A3
    for row in (5, 9, 20):
        key = "c:" + normalize(f"A{row - 1}+A{row - 3}+$A$1+Other!$A$3", (row, 2))
        f, deps = cache.get(key)(env, 0)
        assert f(row, 2) == (row - 1) + (row - 3) + 1.0 + 100.0
        assert set(deps(row, 2)) == {(0, row - 1, 1, row - 1, 1), (0, row - 3, 1, row - 3, 1),
                                     (0, 1, 1, 1, 1), (1, 3, 1, 3, 1)}
    assert cache.compiled == 1
    # another absolute row is another parameter value of the same plan: A2 instead of A1
    f, _ = cache.get("c:" + normalize("A4+A2+$A$2+Other!$A$3", (5, 2)))(env, 0)
    assert f(5, 2) == 4.0 + 2.0 + 2.0 + 100.0 and cache.compiled == 1
    # a zero offset is part of the plan (the cell's own row), not a parameter
    f, _ = cache.get("c:" + normalize("A5+A2+$A$1+Other!$A$3", (5, 2)))(env, 0)
    assert f(5, 2) == 5.0 + 2.0 + 1.0 + 100.0 and cache.compiled == 2
    # saved and loaded again in a new process: one plan on disk serves every row
    keys = ["c:" + normalize(f"A{r - 1}+A{r - 3}+$A$1+Other!$A$3", (r, 2)) for r in (5, 9)]
    digest = PlanCache.digest(keys)
    assert cache.save(digest, keys)
    again = PlanCache(tmp_path / "c")
    assert again.preload(digest) and again.loaded == 1
    f, _ = again.get("c:" + normalize("A29+A27+$A$1+Other!$A$3", (30, 2)))(env, 0)
    assert f(30, 2) == 29.0 + 27.0 + 1.0 + 100.0 and again.compiled == 0


def test_skeletons_leave_text_and_sheet_names_alone() -> None:
    from xlfuncs.recalc.compiler import SENTINEL, skeleton

    assert skeleton('"@R[1]C[2]"&@R[1]C[0]') == (f'"@R[1]C[2]"&@R[{SENTINEL}]C[0]', (1,))
    assert skeleton("'a@R1C1'!@R5C[0]") == (f"'a@R1C1'!@R{SENTINEL}C[0]", (5,))
    assert skeleton("@C[-2]:@C5") == (f"@C[{SENTINEL}]:@C{SENTINEL + 1}", (-2, 5))
    assert skeleton("@R[0]C[0]*2") == ("@R[0]C[0]*2", ())

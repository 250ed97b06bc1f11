"""The cache of validated rulebooks (pickled in the user cache folder)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xlfuncs import rulebook as R
from xlfuncs.errors import RulebookError


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("XLFUNCS_CACHE_DIR", str(folder))
    return folder / "rulebooks"


def _same(a: R.Rulebook, b: R.Rulebook) -> bool:
    """Every attribute equal (the memo of lookups aside)."""
    keys = set(vars(a)) - {"_memo"}
    return keys == set(vars(b)) - {"_memo"} and all(vars(a)[k] == vars(b)[k] for k in keys)


def test_a_cached_edition_equals_the_parsed_one(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = R.load_rulebook(R.DEFAULT_EDITION)
    assert len(list(cache.glob("*.pickle"))) == 1
    again = R.load_rulebook(R.DEFAULT_EDITION)
    assert again is not first and _same(first, again)
    assert again.operation("body_painting", R.datetime.date(2025, 1, 1), "M1", "ice").points == 500
    monkeypatch.setenv("XLFUNCS_CACHE_DIR", "off")
    assert _same(R.load_rulebook(R.DEFAULT_EDITION), again)


def test_a_changed_file_is_read_again_and_replaces_its_entry(cache: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    shutil.copyfile(R.EDITIONS_DIR / "ru719-press-2026-11.toml", mine)
    assert R.load_rulebook(mine).edition == "ru719-press-2026-11"
    text = mine.read_text(encoding="utf-8")
    mine.write_text(text.replace('edition = "ru719-press-2026-11"', 'edition = "mine-2"', 1),
                    encoding="utf-8")
    assert R.load_rulebook(mine).edition == "mine-2"
    assert R.load_rulebook(mine).edition == "mine-2"
    assert len(list(cache.glob("mine-*.pickle"))) == 1
    mine.write_text(text.replace("schema = ", "schema = 7 #", 1), encoding="utf-8")
    with pytest.raises(RulebookError, match="schema"):  # a bad file is never taken from the cache
        R.load_rulebook(mine)


def test_a_damaged_entry_is_ignored(cache: Path) -> None:
    first = R.load_rulebook("ru719-press-2026-11")
    (entry,) = cache.glob("ru719-press-2026-11-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert _same(R.load_rulebook("ru719-press-2026-11"), first)


def test_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XLFUNCS_CACHE_DIR", "off")
    R.load_rulebook(R.DEFAULT_EDITION)
    assert not any(tmp_path.iterdir())


def test_a_folder_others_can_write_to_is_never_read(cache: Path) -> None:
    # a planted entry in a group- or world-writable cache folder must not be unpickled
    first = R.load_rulebook("ru719-press-2026-11")
    (entry,) = cache.glob("ru719-press-2026-11-*.pickle")
    planted = R.load_rulebook(R.DEFAULT_EDITION)  # a valid pickle of another edition
    import pickle

    entry.write_bytes(pickle.dumps(planted))
    cache.chmod(0o777)
    try:
        assert R.load_rulebook("ru719-press-2026-11").edition == first.edition  # read from the file
    finally:
        cache.chmod(0o700)
    # the planted entry was replaced (an entry is a header of 8 + 32 bytes, then the pickle)
    assert pickle.loads(entry.read_bytes()[40:]).edition == first.edition


def test_an_entry_without_its_integrity_header_is_deleted_not_unpickled(cache: Path) -> None:
    # even in a trusted folder: a pickle written by anything but the cache (or damaged)
    # fails the SHA-256 header check, is removed, and the edition is read from its file
    first = R.load_rulebook("ru719-press-2026-11")
    (entry,) = cache.glob("ru719-press-2026-11-*.pickle")
    import pickle

    entry.write_bytes(pickle.dumps(R.load_rulebook(R.DEFAULT_EDITION)))
    R._cache_read(entry)  # noqa: SLF001 - the reader itself: it must refuse and delete
    assert not entry.exists()
    assert R.load_rulebook("ru719-press-2026-11").edition == first.edition

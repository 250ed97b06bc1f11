"""Tests of xlfuncs.rulebook: lookups, editions by id, user editions, extends, diff and validation.

The press edition ru719-press-2026-11 (still shipped for comparison) is tested against
../shared/domain/localization-rules.md; the numbers of the default edition compiled from the law
are tested in tests/test_edition_ru719.py.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from xlfuncs.errors import NoRuleError, RulebookError, UnknownCodeError
from xlfuncs.rulebook import (
    DEFAULT_EDITION,
    DEFAULT_EDITION_PATH,
    POWERTRAINS,
    active_rulebook,
    available_editions,
    default_rulebook,
    diff_rulebooks,
    load_rulebook,
    use_rulebook,
)

D = datetime.date
BOOK = load_rulebook("ru719-press-2026-11")


# Thresholds: expected values from ../shared/domain/localization-rules.md §4 (the row named in each case).
@pytest.mark.parametrize(
    ("purpose", "on", "expected"),
    [
        ("procurement", D(2020, 6, 1), 2000),  # §4 M1 2020, bestlj.ru
        ("procurement", D(2021, 1, 1), 3200),  # §4 M1 2021, confirmed
        ("procurement", D(2025, 12, 31), 3200),  # §4 M1 2025 still 3,200 (Vedomosti 2025-08-28)
        ("procurement", D(2027, 1, 1), 3500),  # §4 from Jan 2027, amendment of 11 Dec 2024
        ("procurement", D(2028, 3, 1), 3700),  # §4 2028, Kommersant via youtvnews
        ("loans", D(2024, 1, 1), 1600),  # §4 PP 364, from 1 Jan 2024
        ("loans", D(2025, 5, 1), 2000),  # §4 demand support 2025
        ("loans", D(2026, 1, 1), 2500),  # §4 2026
        ("utilfee", D(2025, 1, 1), 3701),  # §4 full compensation before Aug 2025
        ("utilfee", D(2025, 8, 27), 3701),  # last day before the August 2025 change
        ("utilfee", D(2025, 8, 28), 1500),  # §4 after Aug 2025
        ("spic", D(2024, 1, 1), 7000),  # §4 SPIC target until 2025
        ("spic", D(2025, 9, 1), 5400),  # §4 Aug 2025 update (industry source)
        ("taxi", D(2026, 3, 1), 3200),  # §4 taxi = procurement bar, law in force 1 Mar 2026
        ("taxi", D(2027, 6, 1), 3500),  # follows the procurement bar of 2027
    ],
)
def test_threshold_lookup(purpose: str, on: datetime.date, expected: int) -> None:
    assert BOOK.threshold(purpose, on, "M1").points == expected


@pytest.mark.parametrize(
    ("purpose", "on", "category"),
    [
        ("loans", D(2023, 12, 31), "M1"),  # the loans programme bar starts in 2024
        ("taxi", D(2026, 2, 28), "M1"),  # the taxi law is in force from 1 Mar 2026
        ("utilfee", D(2024, 6, 1), "M1"),  # no full-compensation bar found before 2025
        ("procurement", D(2021, 1, 1), "N1"),  # N1 bar reported for 2020 only
        ("procurement", D(2025, 1, 1), "M3"),  # nothing found for buses
    ],
)
def test_missing_data_stays_missing(purpose: str, on: datetime.date, category: str) -> None:
    with pytest.raises(NoRuleError):
        BOOK.threshold(purpose, on, category)


# Operation points: ../shared/domain/localization-rules.md §3 (values the issue lists).
@pytest.mark.parametrize(
    ("code", "points"),
    [
        ("body_welding", 400),
        ("body_painting", 500),
        ("engine_ecu", 100),
        ("cylinder_block", 95),
        ("engine_assembly_test", 25),
        ("russian_body_metal", 200),
        ("russian_paint", 100),
        ("telematics", 200),
    ],
)
def test_operation_points(code: str, points: int) -> None:
    assert BOOK.operation(code.upper(), D(2025, 1, 1), "m1").points == points


@pytest.mark.parametrize("edition", ["ru719-press-2026-11", "ru719-2026-07", "ru719-licence-draft"])
def test_every_row_has_source_and_confidence(edition: str) -> None:
    book = load_rulebook(edition)
    rows = [*book.rnd_rules, *book.operations, *book.thresholds, *book.factors]
    assert rows
    for row in rows:
        assert row.source.strip()
        assert row.confidence in ("legal text", "confirmed", "single source", "uncertain")
    if edition == "ru719-press-2026-11":  # the press edition has no legal-text rows
        assert {r.confidence for r in rows} <= {"confirmed", "single source", "uncertain"}


def test_rnd_rule_licence_from_2023() -> None:
    # §5: 200 points per 0.5 %; licence costs counted from the 2022/2023 draft (uncertain)
    assert BOOK.rnd(D(2022, 12, 31)).licence_counts is False
    rule = BOOK.rnd(D(2023, 1, 1))
    assert (rule.step_percent, rule.points_per_step, rule.scale, rule.licence_counts) == (0.5, 200, "step", True)
    assert rule.confidence == "uncertain"


def test_unknown_codes() -> None:
    with pytest.raises(UnknownCodeError):
        BOOK.operation("warp_drive", D(2025, 1, 1))
    with pytest.raises(UnknownCodeError):
        BOOK.threshold("lottery", D(2025, 1, 1))
    with pytest.raises(UnknownCodeError):
        BOOK.category("Z9")


def test_in_force_lists_sources() -> None:
    rows = BOOK.in_force(D(2027, 6, 1), "M1")
    keys = {(r["table"], r["key"]) for r in rows}
    assert ("thresholds", "procurement") in keys and ("operations", "body_welding") in keys
    assert all(r["source"] for r in rows)


# ---------------------------------------------------------------- user editions
def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "edition.toml"
    p.write_text(text, encoding="utf-8")
    return p


MINIMAL = """
schema = 1
edition = "test-edition"
categories = ["M1"]
[purposes]
procurement = "Public procurement"
[[rnd]]
category = "*"
effective_from = 2020-01-01
step_percent = 1.0
points_per_step = 100
source = "test"
confidence = "confirmed"
[[operation]]
code = "final_assembly"
category = "M1"
points = 600
effective_from = 2020-01-01
source = "test"
confidence = "uncertain"
[[threshold]]
purpose = "procurement"
category = "M1"
points = 1234
effective_from = 2020-01-01
source = "test"
confidence = "confirmed"
"""


def test_load_user_edition(tmp_path: Path) -> None:
    book = load_rulebook(_write(tmp_path, MINIMAL))
    assert book.edition == "test-edition"
    assert book.threshold("procurement", D(2030, 1, 1)).points == 1234
    assert book.operation("final_assembly", D(2030, 1, 1)).points == 600


def test_use_rulebook_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, MINIMAL)
    try:
        assert use_rulebook(path).edition == "test-edition"
        assert active_rulebook().edition == "test-edition"
    finally:
        use_rulebook(None)
    assert active_rulebook().edition == default_rulebook().edition
    monkeypatch.setenv("XLFUNCS_RULEBOOK", str(path))
    assert active_rulebook().edition == "test-edition"
    monkeypatch.setenv("XLFUNCS_RULEBOOK", str(tmp_path / "missing.toml"))
    with pytest.raises(RulebookError, match="missing.toml"):
        active_rulebook()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('edition = "test-edition"', "", "'edition'"),
        ("schema = 1", "schema = 3", "'schema' must be 1 or 2"),
        ("points = 1234", 'points = "many"', r"\[\[threshold\]\] row 1: field 'points' must be a number"),
        ("points = 1234", "points = -5", "must be > 0"),
        ("points_per_step = 100", "points_per_step = 0", r"\[\[rnd\]\] row 1: field 'points_per_step'"),
        ('confidence = "uncertain"', 'confidence = "rumour"', r"\[\[operation\]\] row 1: field 'confidence'"),
        ('code = "final_assembly"', 'code = "Final Assembly"', "lower_snake_case"),
        ('purpose = "procurement"\ncategory', 'purpose = "bonus"\ncategory', "not one of \\[purposes\\]"),
        ("step_percent = 1.0", "step_percent = 1.0\nsurprise = 3", "unknown field"),
        ('category = "M1"\npoints = 600', 'category = "Q7"\npoints = 600', "field 'category'"),
        ("effective_from = 2020-01-01\nstep", 'effective_from = "soon"\nstep', "must be a date"),
        (
            "effective_from = 2020-01-01\nsource = \"test\"\nconfidence = \"confirmed\"\n",
            "effective_from = 2020-01-01\neffective_to = 2019-01-01\nsource = \"test\"\nconfidence = \"confirmed\"\n",
            "before effective_from",
        ),
        ("points = 1234", 'points = 1234\nsame_as = "procurement"', "exactly one of"),
        ('source = "test"\nconfidence = "confirmed"\n[[operation]]', 'confidence = "confirmed"\n[[operation]]', "missing field 'source'"),
        ("[purposes]", "[purposes", "not valid TOML"),
    ],
)
def test_broken_editions_name_file_row_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in MINIMAL, old
    path = _write(tmp_path, MINIMAL.replace(old, new, 1))
    with pytest.raises(RulebookError, match=message) as info:
        load_rulebook(path)
    assert str(path) in str(info.value)


def test_duplicate_rows_refused(tmp_path: Path) -> None:
    block = MINIMAL[MINIMAL.index("[[threshold]]"):]
    with pytest.raises(RulebookError, match=r"procurement/M1/\*: two rows with the same key"):
        load_rulebook(_write(tmp_path, MINIMAL + block))


def test_not_utf8_and_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "latin.toml"
    p.write_bytes(b"edition = '\xff'")
    with pytest.raises(RulebookError, match="not UTF-8"):
        load_rulebook(p)
    with pytest.raises(RulebookError, match="cannot read"):
        load_rulebook(tmp_path / "nope.toml")


def test_default_file_is_packaged() -> None:
    assert DEFAULT_EDITION_PATH.is_file()
    assert load_rulebook(DEFAULT_EDITION_PATH).edition == default_rulebook().edition == "ru719-2026-07"


def test_editions_by_id_and_their_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert sorted(available_editions()) == ["ru719-2026-07", "ru719-licence-draft", "ru719-press-2026-11"]
    assert load_rulebook("ru719-press-2026-11").schema == 1
    with pytest.raises(RulebookError, match="not a rulebook file or edition id"):
        load_rulebook("ru719-1999")
    with pytest.raises(RulebookError, match="is a folder"):
        load_rulebook(tmp_path)
    empty = tmp_path / "empty.toml"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(RulebookError, match="empty"):
        load_rulebook(empty)
    monkeypatch.setenv("XLFUNCS_RULEBOOK", "ru719-press-2026-11")
    assert active_rulebook().edition == "ru719-press-2026-11"


SCHEMA2 = """
schema = 2
edition = "test-2"
categories = ["M1", "M3"]
[purposes]
procurement = "Public procurement"
[aliases]
old_code = "stamping_30"
[[operation]]
code = "stamping_30"
group = "stamping"
effective_from = 2020-01-01
source = "test"
confidence = "legal text"
[[operation.variant]]
points = 100
[[operation.variant]]
points = 30
category = ["M3"]
[[operation]]
code = "stamping_70"
group = "stamping"
points = 300
effective_from = 2020-01-01
source = "test"
confidence = "legal text"
[[operation]]
code = "gears"
prorata = true
rounding = "down"
effective_from = 2020-01-01
source = "test"
confidence = "legal text"
[[operation.variant]]
points = 140
powertrain = ["ice", "hybrid"]
[[operation.variant]]
points = 70
powertrain = "bev"
effective_to = 2024-12-31
[[threshold]]
purpose = "procurement"
category = "*"
powertrain = ["ice", "hybrid"]
points = 3000
effective_from = 2020-01-01
source = "test"
confidence = "legal text"
[[threshold]]
purpose = "procurement"
category = "*"
powertrain = "bev"
points = 1000
effective_from = 2020-01-01
source = "test"
confidence = "legal text"
"""


def test_schema_2_variants_groups_and_aliases(tmp_path: Path) -> None:
    book = load_rulebook(_write(tmp_path, SCHEMA2))
    on = D(2024, 6, 1)
    assert book.operation("stamping_30", on, "M1").points == 100  # the '*' variant
    assert book.operation("stamping_30", on, "M3").points == 30  # exact category wins
    assert book.operation("OLD_CODE", on, "M3").points == 30  # an alias
    assert book.operation("gears", on, "M1", "hybrid").points == 140
    assert book.operation("gears", on, "M1", "bev").points == 70
    with pytest.raises(NoRuleError):  # the bev variant ended
        book.operation("gears", D(2025, 1, 1), "M1", "bev")
    assert book.groups == {"stamping": ("stamping_30", "stamping_70")}
    with pytest.raises(UnknownCodeError, match="group of alternatives"):
        book.code("stamping")
    assert book.threshold("procurement", on, "M3", "bev").points == 1000
    assert book.threshold("procurement", on, "M3", "electric").points == 1000  # alias of bev
    with pytest.raises(UnknownCodeError, match="powertrain"):
        book.threshold("procurement", on, "M3", "steam")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('rounding = "down"', 'rounding = "up"', "field 'rounding'"),
        ('prorata = true\nrounding = "down"', "prorata = true", "needs 'rounding'"),
        ('powertrain = "bev"', 'powertrain = "steam"', "field 'powertrain'"),
        ('old_code = "stamping_30"', 'old_code = "nothing"', "not an operation code"),
        ('[[operation]]\ncode = "stamping_30"\n', '[[operation]]\ncode = "stamping_30"\npoints = 5\n', "either on the row"),
        ('points = 70\npowertrain = "bev"', 'points = 70\npowertrain = "*"\nfoo = 1', "unknown field"),
    ],
)
def test_schema_2_errors_name_the_row(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in SCHEMA2, old
    with pytest.raises(RulebookError, match=message):
        load_rulebook(_write(tmp_path, SCHEMA2.replace(old, new, 1)))


def test_extends_replaces_given_tables_only(tmp_path: Path) -> None:
    base = _write(tmp_path, SCHEMA2)
    child = tmp_path / "child.toml"
    child.write_text(
        'schema = 2\nedition = "child"\nextends = "edition.toml"\n'
        '[[threshold]]\npurpose = "procurement"\ncategory = "*"\npoints = 5\n'
        'effective_from = 2020-01-01\nsource = "t"\nconfidence = "uncertain"\n',
        encoding="utf-8",
    )
    book = load_rulebook(child)
    assert book.edition == "child"
    assert book.threshold("procurement", D(2024, 1, 1), "M1", "bev").points == 5  # replaced
    assert book.operation("stamping_70", D(2024, 1, 1)).points == 300  # inherited
    assert load_rulebook(base).threshold("procurement", D(2024, 1, 1), "M1", "bev").points == 1000
    loop = tmp_path / "loop.toml"
    loop.write_text('schema = 2\nedition = "loop"\nextends = "loop.toml"\n', encoding="utf-8")
    with pytest.raises(RulebookError, match="chain longer"):
        load_rulebook(loop)


def test_diff_lists_what_changed(tmp_path: Path) -> None:
    a = load_rulebook(_write(tmp_path, SCHEMA2))
    b_path = tmp_path / "b.toml"
    b_path.write_text(SCHEMA2.replace("points = 300\n", "points = 250\n").replace('edition = "test-2"', 'edition = "b"'), encoding="utf-8")
    changes = diff_rulebooks(a, load_rulebook(b_path))
    assert [(c.kind, c.table) for c in changes] == [("changed", "operation")]
    assert ("points", 300, 250) in changes[0].fields
    assert "stamping_70" in str(changes[0])
    assert diff_rulebooks(a, a) == []


def test_pinned_rulebook_then_env_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # inside a pinned block the environment is not read again; after it, a new
    # $XLFUNCS_RULEBOOK takes effect at once
    from xlfuncs.rulebook import pinned_rulebook

    path = _write(tmp_path, MINIMAL)
    monkeypatch.delenv("XLFUNCS_RULEBOOK", raising=False)
    with pinned_rulebook(default_rulebook()) as book:
        monkeypatch.setenv("XLFUNCS_RULEBOOK", str(path))
        assert active_rulebook() is book
    assert active_rulebook().edition == "test-edition"


def test_env_change_reaches_recalculation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the engine memoises function results and reuses bound workbooks: a new
    # $XLFUNCS_RULEBOOK must still change the next recalculation
    from xlfuncs.recalc.engine import evaluate
    from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData
    from xlfuncs.recalc.plancache import PlanCache

    cache = PlanCache(disk=False)

    def edition() -> object:
        sh = SheetData("S", formulas={(1, 1): FormulaCell("LOCRULEBOOK()", (1, 1))})
        return evaluate(WorkbookData([sh]), cache=cache).values[(0, 1, 1)]

    monkeypatch.delenv("XLFUNCS_RULEBOOK", raising=False)
    assert edition() == default_rulebook().edition
    monkeypatch.setenv("XLFUNCS_RULEBOOK", str(_write(tmp_path, MINIMAL)))
    assert edition() == "test-edition"
    monkeypatch.delenv("XLFUNCS_RULEBOOK")
    assert edition() == default_rulebook().edition


@pytest.mark.parametrize(
    ("typed", "purpose"),
    [("госзакупки", "procurement"), ("Кредиты", "loans"), ("утильсбор", "utilfee"), ("СПИК", "spic"),
     ("такси", "taxi"), ("КППК", "competitiveness")],
)
def test_russian_purpose_names(typed: str, purpose: str) -> None:
    assert default_rulebook().purpose(typed) == purpose


def test_cyrillic_categories_read_as_latin() -> None:
    book = default_rulebook()
    assert [book.category(c) for c in ("М1", "м2", "Н1", "н3")] == ["M1", "M2", "N1", "N3"]
    with pytest.raises(UnknownCodeError):
        book.category("Б1")


def test_a_stale_json_twin_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # packaged editions are read from their JSON twin only when it was made from the same TOML
    import json

    from xlfuncs import rulebook

    monkeypatch.setattr(rulebook, "EDITIONS_DIR", tmp_path)
    path = _write(tmp_path, MINIMAL)
    twin = rulebook.twin_data(path.read_bytes())
    twin["data"]["threshold"][0]["points"] = 1
    path.with_suffix(".json").write_text(json.dumps(twin), encoding="utf-8")
    assert load_rulebook(path).threshold("procurement", D(2030, 1, 1)).points == 1  # fresh twin used
    path.write_text(MINIMAL.replace("1234", "4321"), encoding="utf-8")  # the TOML changed
    assert load_rulebook(path).threshold("procurement", D(2030, 1, 1)).points == 4321


def test_the_operation_index_picks_the_rows_the_rule_of_precedence_picks() -> None:
    # exact category before "*", then exact powertrain before "*", then the latest start
    from xlfuncs.rulebook import _pick

    book = load_rulebook(DEFAULT_EDITION)
    starts = sorted({o.effective_from for o in book.operations})
    dates = [D(2019, 1, 1), D(2030, 1, 1), *starts, *(d - datetime.timedelta(days=1) for d in starts)]
    for cat in book.categories:
        for pt in POWERTRAINS:
            for on in dates:
                index = book.operation_index(on, cat, pt)
                for code in book.operation_codes:
                    key, row, group = index.line(code.upper())
                    assert key == code and group == book.operation_group(code)
                    assert row is _pick(book.rows_of(code), on, cat, pt), (code, on, cat, pt)


def test_an_operation_index_is_built_once_per_date_category_and_powertrain() -> None:
    book = load_rulebook(DEFAULT_EDITION)
    before = book.index_builds
    for _ in range(3):
        book.operation_index(D(2025, 1, 1), "M1", "ice")
        book.operation_index(D(2025, 1, 1), " м1 ", "ICE")  # the same, as typed
    assert book.index_builds == before + 1
    book.operation_index(D(2026, 1, 1), "M1", "ice")
    book.operation_index(D(2026, 1, 1), "M1", "bev")
    assert book.index_builds == before + 3
    with pytest.raises(UnknownCodeError):
        book.operation_index(D(2026, 1, 1), "M9", "ice")
    with pytest.raises(UnknownCodeError, match="unknown operation code"):
        book.operation_index(D(2026, 1, 1), "M1", "ice").line("no_such_code")

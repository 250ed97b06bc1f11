"""Tests of the Excel functions (xlfuncs.functions through the registry).

Each expected number cites its rule: the default edition ru719-2026-07 compiled from Resolution 719
(section II line N of ../shared/domain/pp719/section-II-automotive.txt, note 5 or footnote <12> in
../shared/domain/pp719/), ../shared/domain/localization-rules.md for the press rows, or a hand calculation.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlfuncs.errors import ExcelError
from xlfuncs.registry import REGISTRY, resolve

NA, VALUE, NUM = ExcelError.NA, ExcelError.VALUE, ExcelError.NUM


def call(name: str, *args: Any) -> Any:
    return REGISTRY[name].invoke(*args)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((1_000_000, 50, 20_000, 12.5, 5), 15_000_000),  # 1e6*12.5/5 + 50*20000*12.5
        ((300,), 300),  # defaults 0, 0, 1, 1
        ((300, None, None, None, None), 300),  # blanks = defaults
        ((120, 1, 10, 2, 2), 140),  # 120*2/2 + 1*10*2
        (("1000", 0, 0, "2"), 2000),  # numeric text is read as a number
        ((-1,), NUM),  # negative spend
        ((1, 0, 0, 0), NUM),  # fx <= 0
        ((1, 0, 0, 1, 0.5), NUM),  # amortisation < 1
        (("lots",), VALUE),
        ((True,), VALUE),
        ((NA,), NA),  # an error argument propagates
        ((), VALUE),  # lump_sum is required
        ((1, 2, 3, 4, 5, 6), VALUE),  # too many arguments
    ],
)
def test_licensecost(args: tuple[Any, ...], expected: Any) -> None:
    assert call("LICENSECOST", *args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((10, 1000, 0, 2025), 400),  # section II R&D line: 400 per 1 %
        ((15, 1000, None, 2025), 600),  # 1.5 % x 400, exactly
        ((0.15, 10, None, 2025), 600),  # same share with float-unfriendly inputs
        ((7.4, 1000, 0, 2025), 296),  # 0.74 % x 400 = 296 (proportional, whole number, <12>)
        ((7.4, 1000, 0, 2023), 200),  # before PP 317: 200 per full 0.5 % (press, §5)
        ((5, 1000, 5, 2025), 200),  # licence costs are not R&D: 0.5 % x 400 (footnote <12>)
        ((5, 1000, 5, 44927), 200),  # Excel serial 44927 = 2023-01-01: one 0.5 % step
        ((5, 1000, 5, datetime.datetime(2022, 6, 1)), 200),  # a date from xlwings
        ((5, 1000, 5, "2026-01-01"), 200),  # ISO date text
        ((10, 1000, 0, 2025, "n1"), 400),  # the R&D rule applies to every category
        ((50, 1000, 0, 2026), 1000),  # 5 % = 2,000, capped at 1,000 from 2026 (<12>)
        ((50, 1000, 0, 2025), 1850),  # M1 cap 1,850 in 2025 (<12>)
        ((50, 1000, 0, 2025, "M3"), 1505),  # bus cap 1,505 in 2025 (<12>)
        ((10, 1000, 0, 2024, "M1", "procurement"), 520),  # 2024 procurement: x 1.3 (note 5)
        ((10, 1000, 0, 2025, "M1", "procurement"), 400),  # the factor is for 2024 only
        ((10, 1000, 0, 2025, "M1", "lottery"), VALUE),  # unknown purpose
        ((10, 1000, 0, 2018), NA),  # before PP 661: no rule
        ((10, 0), NUM),  # revenue <= 0
        ((10, None), NUM),  # blank revenue is 0
        ((-10, 1000), NUM),
        ((10, 1000, 0, 1800), NUM),  # not a year, not a date
        ((10, 1000, 0, 2025, "Z9"), VALUE),  # unknown category
        ((10, 1000, 0, 2025, 5), VALUE),  # category must be text
        ((10, [[1000, 2000]]), VALUE),  # a range where one value is expected
        ((10, [[1000]]), 400 if datetime.date.today().year >= 2019 else NA),  # 1x1 range is a value
        ((float("nan"), 1000), NUM),
        ((10, float("inf")), NUM),
    ],
)
def test_locpoints(args: tuple[Any, ...], expected: Any) -> None:
    assert call("LOCPOINTS", *args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((600, 1000, 0, 2025), 15),  # 1.5 % x 1000 (400 per 1 %)
        ((500, 1000, 4, 2025), 8.5),  # 1.25 % = 12.5, less 4 planned
        ((500, 1000, 4, 2023), 11),  # 2019 step rule: 2.5 steps -> 3 = 15, less 4
        ((1100, 1000, 0, 2026), NUM),  # above the 1,000 cap from 2026 (<12>)
        ((520, 1000, 0, 2024, "M1", "ice", "procurement"), 10),  # x 1.3 in 2024: 1 %
        ((400, 1000, 12, 2025), 0),  # already reached
        ((600, 0, 0, 2025), NUM),
        ((-1, 1000, 0, 2025), NUM),
        ((600, 1000, 0, 2010), NA),
    ],
)
def test_locspendneeded(args: tuple[Any, ...], expected: Any) -> None:
    assert call("LOCSPENDNEEDED", *args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("body_welding",), 400),  # section II line 5
        (("BODY_PAINTING", "m1", 2025), 500),  # line 6; case-insensitive
        (("body_painting", "N3", 2025), 500),  # the lines apply to every category
        (("engine_ecu_tier_200", None, 2025), 200),  # line 163: 200 when calculated from 2024
        (("engine_ecu_tier_200", None, 2026), 100),  # ... 100 from 2026
        (("engine_ecu_tier_200", None, 2028), 75),  # ... 75 from 2028
        (("engine_ecu_smt", None, 2023), 75),  # line 157: until 31 Jul 2024
        (("engine_ecu_smt", None, 2025), NA),  # ended 31 Jul 2024
        (("engine_ecu", None, 2025), VALUE),  # a group of alternatives, not one line
        (("cylinder_block", "M1", 2025), 95),  # line 20
        (("engine_assembly_test", "M1", 2025), 25),  # line 19
        (("russian_body_metal", "M1", 2025), 200),  # alias of body_metal_70 (line 16)
        (("body_stamping_30", "M3", 2025), 30),  # line 8: 30 for buses
        (("body_stamping_30", "N1", 2025), 100),  # line 8: 100 except buses
        (("mt_gearbox_assembly_test", "M1", 2025, "bev"), 15),  # line 83: electric 15
        (("mt_gearbox_assembly_test", "M1", 2025, "hybrid"), 30),  # line 83: ICE and hybrid 30
        (("mt_gearbox_assembly_test", "M1", 2025, "diesel"), VALUE),  # unknown powertrain
        (("telematics_tier_200", "N3", 2025), 133),  # line 274, every category
        (("warp_drive",), VALUE),
        ((None,), VALUE),
        ((12,), VALUE),
    ],
)
def test_locoppoints(args: tuple[Any, ...], expected: Any) -> None:
    assert call("LOCOPPOINTS", *args) == expected


OPS = [["body_welding"], ["body_painting"], ["engine_ecu_tier_200"], [None], ["telematics_tier_245"]]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((OPS, None, 0, "M1", 2026), 1200),  # lines 5, 6, 163, 279: 400 + 500 + 100 + 200, blank skipped
        ((OPS, [[True], ["да"], [0], [None], ["no"]], 400, "M1", 2025), 1300),  # 400+500 + 400 R&D
        ((OPS, [[1], [1], [1], ["yes"], [1]], 0, "M1", 2025), 1300),  # 400+500+200+200; blank code's flag ignored
        (([["body_stamping_30"], ["body_stamping_70"]], None, 0, "M3", 2025), 100),  # one of: best, bus value (line 12)
        (([["cylinder_block"]], None, 0, "M1", 2025, "ice", 1.5), 142.5),  # note 5 eco factor x 1.5
        (([["cylinder_block"]], None, 0, "M1", 2025, "ice", "R154-00"), 190),  # note 5: x 2
        (([["cylinder_block"]], None, 0, "M1", 2025, "ice", 3), NUM),  # not a factor of note 5
        (([["body_welding"]], None, 0, "M1", 2025, "ice", 2), 400),  # the factor is for ICE lines only
        ((OPS, [[1], [1]], 0), VALUE),  # shapes differ
        ((OPS, [["maybe"], [1], [1], [1], [1]]), VALUE),  # unreadable flag
        (([["body_welding", "warp_drive"]],), VALUE),  # unknown code
        (([["body_welding", NA]],), NA),  # an error cell in the range propagates
        (("body_welding", None, 100), 500),  # a single value is a 1x1 range
    ],
)
def test_locscore(args: tuple[Any, ...], expected: Any) -> None:
    assert call("LOCSCORE", *args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("procurement", 2021), 3200),  # §4 confirmed (press, before the legal text's 2023)
        (("Procurement", 2027, "M1"), 3500),  # note 5
        (("procurement", 2027, "M1", "bev"), 1500),  # note 5: electric cars 1,500 from 2026
        (("procurement", 2029, "N1", "bev"), 2300),  # note 5: electric LCVs 2,300 from 2029
        (("procurement", 2029, "M3"), 3400),  # note 5: buses 3,400 from 2029
        (("procurement", 2027, "M3", "bev"), 2300),  # note 5: electric buses 2,300 from 2027
        (("competitiveness", 2025), 1400),  # note 5: PP 191 programmes 1,400 from 2025
        (("loans", 2024), 1600),
        (("loans", 2026), 2500),
        (("utilfee", 2025), 3701),  # 1 Jan 2025, before the August change
        (("utilfee", datetime.date(2025, 9, 1)), 1500),  # after it
        (("utilfee", 2026), NA),  # stated for 2025 only (audit 1.3)
        (("loans", 2026, "M1", "bev"), NA),  # loans: ICE cars only (press)
        (("spic", 2024), 7000),
        (("taxi", 2027), 3500),  # = procurement bar
        (("taxi", 2026), NA),  # 1 Jan 2026: the taxi law starts 1 Mar 2026
        (("loans", 2019), NA),
        (("lottery", 2025), VALUE),
        ((None, 2025), VALUE),
    ],
)
def test_locthreshold(args: tuple[Any, ...], expected: Any) -> None:
    assert call("LOCTHRESHOLD", *args) == expected


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("LOCGAP", (2209, "procurement", 2021), 991),  # UAZ Patriot vs 3,200 (§6)
        ("LOCGAP", (3280, "procurement", 2021), 0),  # Lada Granta passes
        ("LOCGAP", (2000, "loans", 2026), 500),  # Moskvich 3 range lower end vs 2,500
        ("LOCGAP", (None, "loans", 2026), VALUE),  # score is required
        ("LOCGAP", (-5, "loans", 2026), NUM),
        ("LOCELIGIBLE", (2209, "procurement", 2021), False),
        ("LOCELIGIBLE", (3280, "procurement", 2021), True),
        ("LOCELIGIBLE", (1600, "loans", 2024), True),  # the bar itself is enough
        ("LOCELIGIBLE", (1500, "utilfee", datetime.date(2025, 8, 28)), True),
        ("LOCELIGIBLE", (1500, "taxi", 2026), NA),
    ],
)
def test_gap_and_eligible(name: str, args: tuple[Any, ...], expected: Any) -> None:
    result = call(name, *args)
    assert result == expected and isinstance(result, bool) == isinstance(expected, bool)


def test_locrules_table() -> None:
    table = call("LOCRULES", "thresholds", 2027, "M1")
    assert table[0] == ["table", "key", "category", "powertrain", "value", "effective_from", "effective_to", "confidence", "source"]
    by_key = {(row[1], row[3]): row for row in table[1:]}
    assert by_key[("procurement", "ice")][4] == 3500 and by_key[("procurement", "ice")][7] == "legal text"
    assert by_key[("procurement", "bev")][4] == 1500  # note 5
    assert all(len(row) == 9 for row in table)
    assert call("LOCRULES", "recipes") == VALUE
    whole = call("LOCRULES", None, 2025)
    assert {row[2] for row in whole[1:]} >= {"M1", "N1"}  # all categories when blank


def test_locrulebook() -> None:
    assert call("LOCRULEBOOK") == "ru719-2026-07"
    assert call("LOCRULEBOOK", 1) == VALUE


@pytest.mark.parametrize(
    "spelling",
    ["LOCPOINTS", "locpoints", "_xll.LOCPOINTS", "_xludf.LOCPOINTS", "_xldudf_XLFUNCS_LOCPOINTS",
     "XLFUNCS.LOCPOINTS", "ORG.XLFUNCS.CALCADDIN.LOCPOINTS"],  # the last: saved by LibreOffice with the extension
)
def test_resolve_spellings(spelling: str) -> None:
    spec = resolve(spelling)
    assert spec is not None and spec.name == "LOCPOINTS"


def test_registry_metadata() -> None:
    assert set(REGISTRY) == {
        "LICENSECOST", "LOCPOINTS", "LOCSPENDNEEDED", "LOCOPPOINTS", "LOCSCORE",
        "LOCTHRESHOLD", "LOCGAP", "LOCELIGIBLE", "LOCRULES", "LOCRULEBOOK",
    }
    for spec in REGISTRY.values():
        assert 0 < len(spec.description) <= 255
        assert all(0 < len(a.doc) <= 255 for a in spec.args)
        names = [a.name for a in spec.args]
        assert len(set(names)) == len(names) and "caller" not in names
        optional = [a.optional for a in spec.args]
        assert optional == sorted(optional), f"{spec.name}: a required argument after an optional one"


# ------------------------------------------------------------------------ fuzzing
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["procurement", "loans", "taxi", "body_welding", "M1", "да", "yes", "2025", "2025-08-28"]),
    st.sampled_from(list(ExcelError)),
    st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(9999, 1, 1)),
)
ranges = st.lists(st.lists(scalars, min_size=1, max_size=3), min_size=1, max_size=3).filter(
    lambda rows: len({len(r) for r in rows}) == 1
)
values = st.one_of(scalars, ranges)


def _is_excel_value(x: Any) -> bool:
    if isinstance(x, (ExcelError, bool, str)):
        return True
    if isinstance(x, float):
        return math.isfinite(x)
    if isinstance(x, list):
        return all(isinstance(r, list) and all(_is_excel_value(c) for c in r) for r in x)
    return False


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(REGISTRY)), args=st.lists(values, max_size=6))
def test_every_function_returns_an_excel_value(name: str, args: list[Any]) -> None:
    """Any input gives a finite number, a bool, text, an array or an Excel error; never an exception."""
    result = REGISTRY[name].invoke(*args)
    assert _is_excel_value(result), (name, args, result)


def test_overflow_is_num_not_inf() -> None:
    # found by the property test above: spend for 2.68e156 points overflows to inf; a cell
    # cannot show inf, Excel shows #NUM! for a number out of range
    assert call("LOCSPENDNEEDED", 2.6815615859885194e156, 2.6815615859885194e156) is NUM


@pytest.mark.parametrize(
    "value",
    [0.0, -0.0, 2.5, -7.0, 2025.0, 2025.5, 1899.0, 10000.0, 45658.0, 1e308, float("inf"),
     float("nan"), 0, 2025, 1899, 10000, 45658, -3, 10**400, "", "  ", " 2025 ", "M1", "abc",
     "1,5", None, True, False, ExcelError.NA],
)
def test_coercion_fast_paths_match_the_general_path(value: Any) -> None:
    # a float, int or text goes through a shortcut; the same value inside a 1x1 range goes
    # the general way (unwrapped, then every check): same value or same error
    from xlfuncs import functions as F

    def outcome(fn: Any, *args: Any) -> Any:
        try:
            r = fn(*args)
        except Exception as exc:  # noqa: BLE001
            return ("raises", type(exc).__name__, str(exc))
        return (type(r).__name__, repr(r))

    for fn, rest in (
        (F._number, ()), (F._number, (None,)), (F._number, (1.0,)),
        (F._text, ()), (F._text, ("M1",)), (F._year, None),
    ):
        if rest is None:
            direct, ranged = outcome(fn, value), outcome(fn, [[value]])
        else:
            direct, ranged = outcome(fn, "x", value, *rest), outcome(fn, "x", [[value]], *rest)
        if isinstance(value, ExcelError):  # an error inside a range is the result
            assert ranged[0] == "raises"
            continue
        assert direct == ranged, (fn.__name__, rest, value)


def test_invoke_contract_after_precomputed_arity() -> None:
    # too many or too few arguments, an error in a scalar argument (returned), an error in
    # a range argument (the function decides), missing trailing arguments (blank)
    assert call("LOCTHRESHOLD", "loans", 2026, "M1", 1) is VALUE
    assert call("LOCTHRESHOLD") is VALUE
    assert call("LOCTHRESHOLD", "loans", ExcelError.DIV0) is ExcelError.DIV0
    assert call("LOCTHRESHOLD", ExcelError.NA, ExcelError.DIV0) is ExcelError.NA
    assert call("LOCSCORE", [[ExcelError.REF]], None) is ExcelError.REF
    assert call("LOCTHRESHOLD", "loans", 2026) == 2500.0  # rulebook: loans 2,500 from 2026
    assert REGISTRY["LOCSCORE"].min_args == 1
    assert REGISTRY["LOCRULEBOOK"].min_args == 0

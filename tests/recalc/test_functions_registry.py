"""The function registry: declared argument kinds, arity checked when compiling, lifting,
the Analysis ToolPak rules, and cycles of the static graph evaluated by the values.

Expected values are hand calculations from Excel's documentation of each function.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.compiler import ArityError, generate
from xlfuncs.recalc.engine import evaluate
from xlfuncs.recalc.functions import CATEGORIES, REGISTRY, specs
from xlfuncs.recalc.functions._registry import parse_params
from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData
from xlfuncs.recalc.plancache import PlanCache

E = ExcelError


def run(formulas: dict[tuple[int, int], str], values: dict[tuple[int, int], Any] | None = None,
        arrays: dict[tuple[int, int], str] | None = None) -> tuple[dict[Any, Any], list[str]]:
    sh = SheetData("S", values=dict(values or {}))
    for cell, text in formulas.items():
        ref = (arrays or {}).get(cell)
        sh.formulas[cell] = FormulaCell(text, cell, ref)
        if ref:
            from xlfuncs.recalc.parser import split_a1

            a, _, b = ref.partition(":")
            (r1, c1), (r2, c2) = split_a1(a), split_a1(b or a)
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != cell:
                        sh.array_members[(r, c)] = cell
    res = evaluate(WorkbookData([sh]), cache=PlanCache(disk=False), today=dt.date(2024, 1, 31))
    return {(r, c): v for (_, r, c), v in res.values.items()}, res.warnings


def test_every_function_is_filed_and_documented() -> None:
    for s in specs():
        assert s.category in CATEGORIES, s.name
        assert s.min_args <= s.max_args, s.name
        assert s.status in ("ok", "partial")
        assert s.status == "ok" or s.note, s.name


def test_argument_strings() -> None:
    p = parse_params("number, integer=0, text=\"i\", ref=-, scalar*")
    assert [x.kind for x in p] == ["number", "integer", "text", "ref", "scalar"]
    assert p[1].default == 0 and p[2].default == "i" and p[4].repeat == "*"
    with pytest.raises(ValueError):
        parse_params("numbr")
    with pytest.raises(ValueError):
        parse_params("ref*, number")  # a repeating argument must come last


def test_arity_is_checked_when_compiling() -> None:
    with pytest.raises(ArityError, match="ROUND takes 1 to 2 arguments, got 3"):
        generate("ROUND(1,2,3)")
    with pytest.raises(ArityError, match="IF takes 2 to 3 arguments, got 1"):
        generate("IF(A1)")
    with pytest.raises(ArityError, match="SUMIFS takes at least 3 arguments, got 1"):
        generate("SUMIFS(A1:A3)")
    vals, warnings = run({(1, 1): "ROUND(1,2,3)", (2, 1): "ROUND(1.25,1)"})
    assert vals[(2, 1)] == 1.3  # the other cells are unaffected
    assert type(vals[(1, 1)]) is ExcelError
    assert any("ROUND takes 1 to 2 arguments, got 3" in w for w in warnings)


def test_declared_coercion() -> None:
    rnd = REGISTRY["ROUND"].call
    assert rnd("2.5", True) == 2.5  # numeric text and TRUE -> 1 place (Excel: ROUND("2.5",TRUE))
    assert rnd(None) == 0.0  # a blank is 0
    assert rnd("x") is E.VALUE
    assert rnd(E.NA, 1) is E.NA  # an error argument is the result
    assert REGISTRY["LEFT"].call(12345, 2) == "12"  # numbers as text
    assert REGISTRY["NOT"].call("TRUE") is False


def test_left_out_and_empty_arguments() -> None:
    vals, _ = run({
        (1, 1): "VLOOKUP(25,B1:C3,2)",  # left out: approximate -> 20's row
        (2, 1): "VLOOKUP(25,B1:C3,2,)",  # empty: FALSE, an exact match -> #N/A
        (3, 1): "LINEST(D1:D3,B1:B3,,FALSE)",  # an empty logical option is its default
    }, {(1, 2): 10.0, (2, 2): 20.0, (3, 2): 30.0, (1, 3): "a", (2, 3): "b", (3, 3): "c",
        (1, 4): 3.0, (2, 4): 5.0, (3, 4): 7.0})
    assert vals[(1, 1)] == "b"
    assert vals[(2, 1)] is E.NA
    assert vals[(3, 1)] == pytest.approx(0.2)  # y = 0.2x + 1


def test_lifting_and_the_toolpak_rule() -> None:
    vals, _ = run(
        {(1, 1): "ROUND({1.25,2.35},1)", (2, 1): "EDATE(B2:B3,1)", (3, 1): "EDATE(TRUE,1)"},
        {(2, 2): 45322.0, (3, 2): 45323.0},
        arrays={(1, 1): "A1:B1", (2, 1): "A2:A2"},
    )
    assert (vals[(1, 1)], vals[(1, 2)]) == (1.3, 2.4)  # applied element by element
    assert vals[(2, 1)] is E.VALUE  # EDATE does not lift over an array
    assert vals[(3, 1)] is E.VALUE  # nor take a logical


def test_cycles_of_the_static_graph_are_evaluated_by_the_values() -> None:
    vals, warnings = run({
        (1, 1): "IF(B1,A2,5)",  # A1 reads A2 only when B1 is TRUE
        (2, 1): "A1*2",
        (3, 1): "CHOOSE(B3,A4,7)",
        (4, 1): "A3+1",
        (5, 1): "SUM(OFFSET(A1,0,0,2,1))",  # A1+A2, found when it runs
        (6, 1): "INDIRECT(\"A\"&B6)+1",  # A5+1
    }, {(1, 2): False, (3, 2): 2.0, (6, 2): 5.0})
    assert vals[(1, 1)] == 5.0 and vals[(2, 1)] == 10.0
    assert vals[(3, 1)] == 7.0 and vals[(4, 1)] == 8.0
    assert vals[(5, 1)] == 15.0
    assert vals[(6, 1)] == 16.0
    assert not [w for w in warnings if "circular" in w.lower()]


def test_true_circular_reference_and_its_dependants_stay_zero() -> None:
    # Excel with iteration off: the cycle and what depends on it are left uncalculated (0)
    vals, _ = run({(1, 1): "A2+1", (2, 1): "A1", (3, 1): "A1+100", (4, 1): "B1*2"},
                  {(1, 2): 4.0})
    assert vals == {(1, 1): 0.0, (2, 1): 0.0, (3, 1): 0.0, (4, 1): 8.0}


@pytest.mark.parametrize(("text", "want"), [
    # Excel documentation examples
    ("PMT(0.08/12,10,10000)", -1037.0320893591606),
    ("FV(0.06/12,10,-200,-500,1)", 2581.4033740601185),
    ("NPER(0.12/12,-100,-1000,10000,1)", 59.67386567429457),
    ("SLN(30000,7500,10)", 2250.0),
    ("DDB(2400,300,10*365,1)", 1.3150684931506849),
    ("DB(1000000,100000,6,1,7)", 186083.33333333334),
    ("VDB(2400,300,10*365,0,1)", 1.3150684931506849),
    ("EOMONTH(DATE(2011,1,1),1)", 40602.0),
    ("YEARFRAC(DATE(2012,1,1),DATE(2012,7,30))", 0.58055555555555556),
    ("NETWORKDAYS(DATE(2012,10,1),DATE(2013,3,1))", 110.0),
    ("WORKDAY(DATE(2008,10,1),151)", 39933.0),
    ("DATEDIF(DATE(2001,1,1),DATE(2003,1,1),\"Y\")", 2.0),
    ("DAYS360(DATE(2011,1,30),DATE(2011,2,1))", 1.0),
    ("ISOWEEKNUM(DATE(2012,3,9))", 10.0),
    ("WEEKNUM(DATE(2012,3,9),2)", 11.0),
    ("TEXT(1234.567,\"$#,##0.00\")", "$1,234.57"),
    ("TEXT(0.285,\"0.0%\")", "28.5%"),
    ("TEXT(4.34,\"# ?/?\")", "4 1/3"),
    ("DEC2BIN(-100)", "1110011100"),
    ("HEX2DEC(\"FFFFFFFF5B\")", -165.0),
    ("CEILING.MATH(-5.5,2,-1)", -6.0),
    ("FLOOR.MATH(-5.5,2,-1)", -4.0),
    ("PERCENTILE.EXC({1,2,3,4,5,6,7,8,9},0.25)", 2.5),
    ("QUARTILE({1,2,4,7,8,9,10,12},1)", 3.5),
    ("RANK.AVG(94,{89,88,92,101,94,97,95})", 4.0),
    ("MODE({5.6,4,4,3,2,4})", 4.0),
    ("CONVERT(68,\"F\",\"C\")", 20.0),
    ("IMSUM(\"3+4i\",\"5-3i\")", "8+i"),
    ("IMPOWER(\"2+3i\",3)", "-46+9.00000000000001i"),
    ("XMATCH(4,{5,4,3,2,1})", 2.0),
    ("SUBTOTAL(9,{1,2,3})", 6.0),
    ("AGGREGATE(14,6,{1,5,3},2)", 3.0),
])
def test_documented_examples(text: str, want: Any) -> None:
    vals, warnings = run({(1, 1): text})
    got = vals[(1, 1)]
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-12), (text, warnings)
    else:
        assert got == want, (text, warnings)


def test_openpyxl_function_names_are_built_in_except_external_data() -> None:
    """Of the 355 function names openpyxl knows (Excel 2007's list), every one is built in
    except those that read data from outside the workbook: OLAP cubes, pivot-table caches
    and real-time-data servers."""
    from openpyxl.utils import FORMULAE

    from xlfuncs.recalc.functions import REGISTRY

    external = {"CUBEKPIMEMBER", "CUBEMEMBER", "CUBEMEMBERPROPERTY", "CUBERANKEDMEMBER", "CUBESET",
                "CUBESETCOUNT", "CUBEVALUE", "GETPIVOTDATA", "RTD"}
    names = {n.upper() for n in FORMULAE}
    assert len(names) == 355
    assert names - set(REGISTRY) == external  # 346 of 355 built in


def test_the_index_of_names_is_current() -> None:
    # _index.py is generated from the modules: a new or re-declared built-in without
    # `python -m xlfuncs.recalc.functions._index_make` would be #NAME? in a fresh process
    from pathlib import Path

    import xlfuncs.recalc.functions as F

    path = Path(F.__file__).with_name("_index.py")
    assert path.read_text(encoding="utf-8") == F.index_source()
    from xlfuncs.recalc.functions._index import DIGEST, MODULES

    assert DIGEST == F.registry_digest()
    assert set(MODULES) == set(REGISTRY)
    for name, module in MODULES.items():
        assert REGISTRY[name].fn.__module__.endswith("." + module) or REGISTRY[name].lazy, name


def _in_fresh_interpreter(code: str) -> Any:
    """What ``code`` prints as JSON on its last line, run in a new Python process."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "import sys, json\n" + code], capture_output=True,
                         text=True, check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_lookup_imports_the_category_of_the_name_only() -> None:
    # in a fresh interpreter: the registry imports a category module on the first lookup
    # of one of its names, and nothing for an unknown name
    code = (
        "from xlfuncs.recalc.functions import REGISTRY\n"
        "before = sorted(m for m in sys.modules if m.startswith('xlfuncs.recalc.functions.'))\n"
        "r = [REGISTRY['ROUND'].category, REGISTRY.get('NOSUCHFN'), 'NPV' in REGISTRY,\n"
        "     'LOCPOINTS' in REGISTRY]\n"
        "after = sorted(m for m in sys.modules if m.startswith('xlfuncs.recalc.functions.'))\n"
        "n = len(REGISTRY)\n"
        "print(json.dumps([before, r, after, n]))\n"
    )
    before, r, after, n = _in_fresh_interpreter(code)
    P = "xlfuncs.recalc.functions."
    assert P + "math" not in before and P + "financial" not in before
    assert r == ["math", None, True, False]
    assert P + "math" in after and P + "financial" in after and P + "text" not in after
    assert n == len(REGISTRY)  # iterating imports every category


def test_an_omitted_category_is_imported_by_the_plan_that_calls_it() -> None:
    # a plan naming a function of a category nobody imported yet binds it when loaded
    code = (
        "from xlfuncs.recalc.plancache import PlanCache\n"
        "pre = 'xlfuncs.recalc.functions.text' in sys.modules\n"
        "E = type('E', (), {'V': {(0, 1, 1): 'abc'}})()\n"
        "f, d = PlanCache(disk=False).get('c:UPPER(@R[0]C[-1])')(E, 0)\n"
        "print(json.dumps([pre, f(1, 2)]))\n"
    )
    assert _in_fresh_interpreter(code) == [False, "ABC"]

"""Tests of the compiled evaluator (xlfuncs.recalc.engine) on hand-built workbooks.

Expected values are hand calculations following Excel's documented semantics.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xlfuncs.registry as registry
from xlfuncs.errors import ExcelError
from xlfuncs.recalc.engine import evaluate
from xlfuncs.recalc.model import DefinedName, FormulaCell, SheetData, WorkbookData
from xlfuncs.recalc.plancache import PlanCache
from xlfuncs.recalc.session import RecalcSession, default_session
from xlfuncs.recalc.values import excel_round
from xlfuncs.registry import Arg, FunctionSpec

E = ExcelError


def run(formulas: dict[tuple[int, int], str], values: dict[tuple[int, int], Any] | None = None,
        **kw: Any) -> dict[tuple[int, int], Any]:
    sh = SheetData("S", values=dict(values or {}))
    for cell, text in formulas.items():
        sh.formulas[cell] = FormulaCell(text, cell)
    res = evaluate(WorkbookData([sh], **kw), cache=PlanCache(disk=False),
                   today=dt.date(2024, 1, 31))
    return {(r, c): v for (_, r, c), v in res.values.items()}


def one(text: str, values: dict[tuple[int, int], Any] | None = None) -> Any:
    return run({(100, 100): text}, values)[(100, 100)]


VALS = {(1, 1): 1.0, (2, 1): 2.0, (3, 1): 3.0, (1, 2): "a", (2, 2): "B", (3, 2): True,
        (4, 1): "5", (4, 2): None}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SUM(A1:A4)", 6.0),  # text "5" and TRUE in a range are skipped by SUM
        ("A1+A4", 6.0),  # numeric text is a number in arithmetic
        ("SUM(A1,TRUE,\"2\")", 4.0),  # typed-in TRUE and "2" do count
        ("A1+B3", 2.0),  # TRUE is 1 in arithmetic
        ("A1&B3&Z9", "1TRUE"),  # blank is "" in text
        ("Z9", 0.0),  # a formula showing a blank cell gives 0
        ("Z9=0", True),
        ("Z9=\"\"", True),
        ("\"abc\"=\"ABC\"", True),  # text equality ignores case
        ("5<\"1\"", True),  # any number sorts before any text
        ("\"z\"<TRUE", True),  # text sorts before logicals
        ("0.1+0.2=0.3", True),  # compared to 15 significant digits
        ("1/0", E.DIV0),
        ("B1*2", E.VALUE),
        ("-2^2", 4.0),  # negation before power
        ("2^0.5*2^0.5", 2.0000000000000004),
        ("(-8)^(1/3)", E.NUM),  # no real odd roots for fractional powers in Excel
        ("10^400", E.NUM),
        ("50%*2", 1.0),
        ("#N/A+1", E.NA),
        ("IF(A1>0,\"pos\",\"neg\")", "pos"),
        ("IF(FALSE,1)", False),
        ("IF(TRUE,,1)", 0.0),
        ("IF(\"x\",1,2)", E.VALUE),
        ("IF(NA(),1,2)", E.NA),
        ("IFERROR(1/0,7)", 7.0),
        ("IFNA(#N/A,8)", 8.0),
        ("IFNA(1/0,8)", E.DIV0),
        ("IFS(A1>5,1,A1>0,2)", 2.0),
        ("ROUND(2.5,0)", 3.0),  # half away from zero
        ("ROUND(-2.5,0)", -3.0),
        ("ROUND(1.005,2)", 1.01),  # decimal text of 1.005, not its binary value
        ("ROUND(1234.5,-2)", 1200.0),
        ("ROUNDUP(1.21,1)", 1.3),
        ("ROUNDDOWN(-1.29,1)", -1.2),
        ("INT(-1.5)", -2.0),
        ("MOD(-3,2)", 1.0),  # sign of the divisor
        ("MOD(3,0)", E.DIV0),
        ("SQRT(-1)", E.NUM),
        ("MATCH(2,A1:A3,0)", 2.0),
        ("MATCH(2.5,A1:A3)", 2.0),  # approximate: largest value <= 2.5
        ("MATCH(\"b\",B1:B2,0)", 2.0),
        ("MATCH(9,A1:A3,0)", E.NA),
        ("INDEX(A1:B3,2,2)", "B"),
        ("INDEX(A1:A3,3)", 3.0),
        ("SUM(INDEX(A1:B3,0,1))", 6.0),
        ("VLOOKUP(3,A1:B3,2,FALSE)", True),
        ("VLOOKUP(2.7,A1:B3,2)", "B"),
        ("HLOOKUP(\"a\",B1:B3,2,FALSE)", "B"),
        ("XLOOKUP(\"b\",B1:B3,A1:A3)", 2.0),
        ("XLOOKUP(\"q\",B1:B3,A1:A3,\"none\")", "none"),
        ("CHOOSE(2,\"x\",\"y\")", "y"),
        ("COUNT(A1:B4)", 3.0),
        ("COUNTA(A1:B4)", 7.0),
        ("COUNTBLANK(A1:B4)", 1.0),
        ("COUNTIF(A1:A3,\">=2\")", 2.0),
        ("COUNTIF(A1:A4,5)", 1.0),  # numeric criteria match numeric text
        ("COUNTIF(B1:B3,\"<>a\")", 2.0),
        ("COUNTIF(B1:B2,\"?\")", 2.0),
        ("SUMIF(B1:B3,\"a\",A1:A3)", 1.0),
        ("SUMIFS(A1:A3,A1:A3,\">1\",A1:A3,\"<3\")", 2.0),
        ("AVERAGEIF(A1:A3,\">1\")", 2.5),
        ("MINIFS(A1:A3,A1:A3,\">1\")", 2.0),
        ("MAXIFS(A1:A3,B1:B3,\"a\")", 1.0),
        ("SUMPRODUCT(A1:A3,A1:A3)", 14.0),
        ("SUMPRODUCT((A1:A3>1)*A1:A3)", 5.0),
        ("SUMPRODUCT(--(B1:B3=\"b\"))", 1.0),
        ("AVERAGE(A1:A3)", 2.0),
        ("AVERAGE(B1:B2)", E.DIV0),
        ("MIN(A1:A3,-1)", -1.0),
        ("MAX(B1:B2)", 0.0),
        ("MEDIAN(A1:A3,10)", 2.5),
        ("LARGE(A1:A3,1)", 3.0),
        ("SMALL(A1:A3,4)", E.NUM),
        ("ROWS(A1:B3)*COLUMNS(A1:B3)", 6.0),
        ("AND(A1:A3)", True),
        ("OR(A1>5,B3)", True),
        ("NOT(0)", True),
        ("ISBLANK(Z9)", True),
        ("ISNUMBER(A4)", False),
        ("ISTEXT(A4)", True),
        ("ISERROR(1/0)", True),
        ("ISNA(NA())", True),
        ("N(TRUE)", 1.0),
        ("DATE(2024,1,31)", 45322.0),  # Excel serial of 2024-01-31
        ("DATE(2024,14,1)", 45689.0),  # month 14 rolls into 2025-02-01 = 45658 (2025-01-01) + 31
        ("DATE(1900,2,29)", 60.0),  # Excel's fictitious leap day
        ("YEAR(45322)&\"-\"&MONTH(45322)&\"-\"&DAY(45322)", "2024-1-31"),
        ("DAY(60)", 29.0),
        ("EDATE(45322,1)", 45351.0),  # 2024-02-29 (clamped)
        ("EOMONTH(45322,1)", 45351.0),
        ("TODAY()", 45322.0),
        ("WEEKDAY(45322)", 4.0),  # 2024-01-31 was a Wednesday
        ("TEXT(1234.567,\"#,##0.00\")", "1,234.57"),
        ("TEXT(1234.567,\"#,##0\")", "1,235"),
        ("TEXT(2.5,\"0\")", "3"),
        ("TEXT(0.256,\"0.0%\")", "25.6%"),
        ("TEXT(0.256,\"0%\")", "26%"),
        ("TEXT(45322,\"yyyy-mm-dd\")", "2024-01-31"),
        ("TEXT(45322,\"dd.mm.yyyy\")", "31.01.2024"),
        ("CONCAT(B1:B2,\"-\",1)", "aB-1"),
        ("CONCATENATE(\"a\",1.5,TRUE)", "a1.5TRUE"),
        ("LEN(\"héllo\")", 5.0),
        ("LEFT(\"hello\",2)&RIGHT(\"hello\")&MID(\"hello\",2,3)", "heoell"),
        ("UPPER(\"ab\")&LOWER(\"CD\")", "ABcd"),
        ("TRIM(\"  a   b \")", "a b"),
        ("VALUE(\"1,234.5\")", 1234.5),
        ("VALUE(\"x\")", E.VALUE),
        ("SUM({1,2;3,4})", 10.0),
        ("ABS(-3)+SIGN(-3)+POWER(2,3)", 10.0),
        ("A1:A3", E.VALUE),  # a range in a plain cell off its rows: implicit intersection fails
        ("NOSUCHFN(1)", E.NAME),
    ],
)
def test_hand_calculated(text: str, expected: Any) -> None:
    got = one(text, VALS)
    if isinstance(expected, float):
        assert type(got) is float and got == pytest.approx(expected, rel=1e-15), text
    else:
        assert got == expected and type(got) is type(expected), text


def test_implicit_intersection_by_row() -> None:
    # =A1:A3 written in row 2 shows A2 (legacy implicit intersection)
    assert run({(2, 5): "A1:A3*10"}, VALS)[(2, 5)] == 20.0


def test_shared_formula_children_share_text() -> None:
    sh = SheetData("S", values={(r, 1): float(r) for r in range(1, 6)})
    for r in range(1, 6):  # B1:B5 = A1*2 stored once at the master B1
        sh.formulas[(r, 2)] = FormulaCell("A1*2", (1, 2))
    cache = PlanCache(disk=False)
    res = evaluate(WorkbookData([sh]), cache=cache)
    assert [res.values[(0, r, 2)] for r in range(1, 6)] == [2.0, 4.0, 6.0, 8.0, 10.0]
    assert len(cache) == 1  # one shape compiled


def test_row_of_years_compiles_once() -> None:
    sh = SheetData("S", values={(1, c): float(c) for c in range(1, 12)})
    for c in range(2, 12):
        L = chr(64 + c)
        P = chr(63 + c)
        sh.formulas[(2, c)] = FormulaCell(f"{P}1+{L}1", (2, c))
    cache = PlanCache(disk=False)
    res = evaluate(WorkbookData([sh]), cache=cache)
    assert res.values[(0, 2, 11)] == 10.0 + 11.0
    assert len(cache) == 1


def test_dependency_order_and_cross_sheet() -> None:
    a = SheetData("Calc")
    b = SheetData("My Data", values={(1, 1): 10.0})
    # written in reverse order of dependency
    a.formulas[(1, 1)] = FormulaCell("A2*2", (1, 1))
    a.formulas[(2, 1)] = FormulaCell("'My Data'!A1+A3", (2, 1))
    a.formulas[(3, 1)] = FormulaCell("SUM('My Data'!A1:A2)", (3, 1))
    res = evaluate(WorkbookData([a, b]), cache=PlanCache(disk=False))
    assert res.values[(0, 1, 1)] == (10.0 + 10.0) * 2
    assert res.values[(0, 2, 1)] == 20.0


def test_range_dependencies_over_formula_cells() -> None:
    values: dict[tuple[int, int], Any] = {}
    formulas = {(r, 1): f"{r}" for r in range(1, 101)}  # 100 formula constants
    formulas[(1, 2)] = "SUM(A1:A100)"  # a large range of formula cells
    formulas[(2, 2)] = "SUM(A:A)"
    out = run(formulas, values)
    assert out[(1, 2)] == 5050.0 == out[(2, 2)]  # 100*101/2


def test_long_chain_has_no_recursion_limit() -> None:
    sh = SheetData("S", values={(1, 1): 0.0})
    n = 20000
    for r in range(2, n + 1):
        sh.formulas[(r, 1)] = FormulaCell("A1+1", (2, 1))  # shared: A(r) = A(r-1)+1
    res = evaluate(WorkbookData([sh]), cache=PlanCache(disk=False))
    assert res.values[(0, n, 1)] == float(n - 1)


def test_defined_names_scopes() -> None:
    s1 = SheetData("One", values={(1, 1): 5.0})
    s2 = SheetData("Two", values={(1, 1): 7.0})
    s1.formulas[(2, 1)] = FormulaCell("Val*Rate", (2, 1))
    s2.formulas[(2, 1)] = FormulaCell("Val*Rate", (2, 1))
    s2.formulas[(3, 1)] = FormulaCell("One!Val+SUM(Both)+Calc", (3, 1))
    names = [
        DefinedName("Rate", "0.5"),  # a constant
        DefinedName("Val", "One!$A$1"),  # workbook scope
        DefinedName("Val", "Two!$A$1", scope=1),  # sheet scope wins on its sheet
        DefinedName("Both", "One!$A$1,Two!$A$1".split(",")[0]),
        DefinedName("Calc", "Rate*10"),  # a formula
    ]
    res = evaluate(WorkbookData([s1, s2], names=names), cache=PlanCache(disk=False))
    assert res.values[(0, 2, 1)] == 2.5  # 5 * 0.5
    assert res.values[(1, 2, 1)] == 3.5  # 7 * 0.5
    assert res.values[(1, 3, 1)] == 5.0 + 5.0 + 5.0


def test_unknown_name_and_missing_sheet() -> None:
    sh = SheetData("S")
    sh.formulas[(1, 1)] = FormulaCell("Nope+1", (1, 1))
    sh.formulas[(2, 1)] = FormulaCell("Gone!A1+1", (2, 1))
    sh.formulas[(3, 1)] = FormulaCell("SUM(1", (3, 1))
    res = evaluate(WorkbookData([sh]), cache=PlanCache(disk=False))
    assert res.values[(0, 1, 1)] is E.NAME
    assert res.values[(0, 2, 1)] is E.REF
    assert res.values[(0, 3, 1)] is E.NAME
    assert any("NOPE" in w for w in res.warnings)
    assert any("Gone" in w for w in res.warnings)


def test_unsupported_function_warns_once() -> None:
    res = evaluate(
        WorkbookData([SheetData("S", formulas={(r, 1): FormulaCell("CUBEVALUE(B1,1,1)+1", (1, 1))
                                             for r in range(1, 4)})]),
        cache=PlanCache(disk=False),
    )
    assert {v for v in res.values.values()} == {E.NAME}
    assert [w for w in res.warnings if "CUBEVALUE" in w] == [
        "unsupported function CUBEVALUE: its cells are #NAME?"
    ]


def test_circular_without_iteration() -> None:
    out = evaluate(
        WorkbookData([SheetData("S", values={(1, 3): 1.0}, formulas={
            (1, 1): FormulaCell("B1+1", (1, 1)),
            (1, 2): FormulaCell("A1+C1", (1, 2)),
            (2, 1): FormulaCell("A1*10", (2, 1)),  # downstream of the cycle
            (3, 1): FormulaCell("A3", (3, 1)),  # self-reference
        })]),
        cache=PlanCache(disk=False),
    )
    assert sorted(out.circular) == ["S!A1", "S!A3", "S!B1"]
    assert out.values[(0, 1, 1)] == 0.0 and out.values[(0, 2, 1)] == 0.0


def test_circular_with_iteration_converges() -> None:
    # A1 = 0.5*A1 + 1 converges to 2 (fixed point)
    sh = SheetData("S", formulas={(1, 1): FormulaCell("0.5*A1+1", (1, 1))})
    res = evaluate(WorkbookData([sh], iterate=True, iterate_count=100, iterate_delta=1e-9),
                   cache=PlanCache(disk=False))
    assert res.circular == []
    assert res.values[(0, 1, 1)] == pytest.approx(2.0, abs=1e-8)


def test_array_formula_fills_members() -> None:
    sh = SheetData("S", values={(r, 1): float(r) for r in range(1, 4)})
    sh.formulas[(1, 2)] = FormulaCell("A1:A3*10", (1, 2), array_ref="B1:B4")
    sh.array_members = {(2, 2): (1, 2), (3, 2): (1, 2), (4, 2): (1, 2)}
    sh.formulas[(1, 3)] = FormulaCell("SUM(B1:B3)", (1, 3))
    sh.formulas[(2, 3)] = FormulaCell("SUM(IF(A1:A3>1,A1:A3))", (2, 3), array_ref="C2")
    res = evaluate(WorkbookData([sh]), cache=PlanCache(disk=False))
    v = res.values
    assert [v[(0, r, 2)] for r in range(1, 5)] == [10.0, 20.0, 30.0, E.NA]  # extra cell: #N/A
    assert v[(0, 1, 3)] == 60.0
    assert v[(0, 2, 3)] == 5.0


def test_numeric_edge_results() -> None:
    out = run({(1, 1): "1E308*10", (1, 2): "-0*1", (1, 3): "SQRT(4)"})
    assert out[(1, 1)] is E.NUM
    assert out[(1, 2)] == 0.0 and math.copysign(1, out[(1, 2)]) == 1.0
    assert out[(1, 3)] == 2.0


def test_date1904() -> None:
    sh = SheetData("S", formulas={(1, 1): FormulaCell("DATE(2024,1,31)", (1, 1)),
                                  (1, 2): FormulaCell("YEAR(0)", (1, 2))})
    res = evaluate(WorkbookData([sh], date1904=True), cache=PlanCache(disk=False))
    assert res.values[(0, 1, 1)] == 45322.0 - 1462  # the 1904 system is 1462 days later
    assert res.values[(0, 1, 2)] == 1904.0


# ---------------------------------------------------------------- user functions


def _fake_specs() -> dict[str, FunctionSpec]:
    def twice(x: Any) -> Any:
        return 2 * float(x)

    def rowsum(rows: Any) -> Any:
        return float(sum(v for row in rows for v in row if isinstance(v, (int, float))))

    def boom(x: Any) -> Any:
        raise RuntimeError("bad")

    def grid(n: Any) -> Any:
        return [[1.0, 2.0], [3.0, 4.0]]

    specs = [
        FunctionSpec("LOCTWICE", twice, "2x", (Arg("x", "x"),)),
        FunctionSpec("LOCROWSUM", rowsum, "sum", (Arg("r", "r", kind="range"),)),
        FunctionSpec("LOCBOOM", boom, "raises", (Arg("x", "x"),)),
        FunctionSpec("LOCGRID", grid, "array", (Arg("n", "n"),), returns="array"),
    ]
    return {s.name: s for s in specs}


@pytest.fixture()
def fake_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry.REGISTRY, "_table", MappingProxyType(_fake_specs()))


@pytest.mark.usefixtures("fake_registry")
def test_udf_every_spelling() -> None:
    values = {(1, 1): 3.0, (2, 1): 4.0, (3, 1): "x"}
    out = run({
        (1, 5): "LOCTWICE(A1)",
        (2, 5): "_xll.LOCTWICE(A1)",
        (3, 5): "_xludf.LOCTWICE(A1)",
        (4, 5): "_xldudf_XLFUNCS_LOCTWICE(A1)",
        (5, 5): "IFERROR(LOCTWICE(A3),-1)+SUM(E1:E4)",
        (6, 5): "LOCROWSUM(A1:A3)",
        (7, 5): "LOCBOOM(1)",
        (8, 5): "LOCGRID(1)",
        (9, 5): "LOCTWICE(A1:A2)",  # a range where a scalar is expected: top-left
    }, values)
    assert [out[(r, 5)] for r in range(1, 5)] == [6.0] * 4
    assert out[(5, 5)] == -1.0 + 24.0  # "x" -> #VALUE! caught by IFERROR
    assert out[(6, 5)] == 7.0
    assert out[(7, 5)] is E.VALUE  # an exception in a user function is #VALUE!
    assert out[(8, 5)] == 1.0  # array result in a plain cell: top-left
    assert out[(9, 5)] == 6.0


# ---------------------------------------------------------------- plan cache


def test_disk_cache_roundtrip(tmp_path: Any) -> None:
    sh = SheetData("S", values={(1, 1): 2.0}, formulas={(1, 2): FormulaCell("A1*21", (1, 2))})
    book = WorkbookData([sh])
    c1 = PlanCache(tmp_path)
    assert evaluate(book, cache=c1).values[(0, 1, 2)] == 42.0
    assert c1.compiled == 1
    files = list(tmp_path.rglob("*.plans"))
    assert len(files) == 1
    c2 = PlanCache(tmp_path)  # a new process would start like this
    assert evaluate(book, cache=c2).values[(0, 1, 2)] == 42.0
    assert (c2.compiled, c2.loaded) == (0, 1)
    files[0].write_bytes(b"garbage")  # a damaged entry is ignored and rebuilt
    c3 = PlanCache(tmp_path)
    assert evaluate(book, cache=c3).values[(0, 1, 2)] == 42.0
    assert c3.compiled == 1


def test_disk_cache_concurrent_processes(tmp_path: Any) -> None:
    code = (
        "from xlfuncs.recalc.model import *\n"
        "from xlfuncs.recalc.engine import evaluate\n"
        "from xlfuncs.recalc.plancache import PlanCache\n"
        "sh = SheetData('S', values={(1, 1): 2.0})\n"
        "for c in range(2, 40): sh.formulas[(1, c)] = FormulaCell(f'A1*{c}+ROUND(A1/3,{c%5})', (1, c))\n"
        "for _ in range(20):\n"
        f"    r = evaluate(WorkbookData([sh]), cache=PlanCache({str(tmp_path)!r}))\n"
        "    assert r.values[(0, 1, 39)] == 2*39 + 0.6667, r.values[(0, 1, 39)]\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    assert not list(tmp_path.rglob(".tmp-*"))  # no temporary file left behind


def test_cache_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("XLFUNCS_CACHE_DIR", str(tmp_path))
    assert str(PlanCache().directory).startswith(str(tmp_path))
    monkeypatch.setenv("XLFUNCS_CACHE_DIR", "off")
    assert PlanCache().directory is None


# ---------------------------------------------------------------- fuzzing

_leaf = st.one_of(
    st.sampled_from(["A1", "A2", "B1", "B2", "C1"]),
    st.integers(-20, 20).map(str),
    st.sampled_from(["0.5", "2.25", "TRUE", "FALSE"]),
)


def _expr(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})"),
        st.tuples(children, children, children).map(lambda t: f"IF({t[0]}>{t[1]},{t[2]},{t[1]})"),
        st.tuples(children, st.integers(-2, 3)).map(lambda t: f"ROUND({t[0]},{t[1]})"),
        children.map(lambda x: f"-{x}"),
        st.tuples(children, children).map(lambda t: f"MAX({t[0]},{t[1]})"),
    )


_formula = st.recursive(_leaf, _expr, max_leaves=8)
_cell_value = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.integers(-5, 5).map(float),
                        st.none(), st.booleans())


class _Err(Exception):
    pass


def _ref_eval(text: str, env: dict[str, Any]) -> Any:
    """A straightforward Python evaluator of the fuzz grammar (independent of the engine)."""
    import ast

    src = text.replace("TRUE", "True").replace("FALSE", "False")
    tree = ast.parse(src.replace("^", "**"), mode="eval")

    def num(v: Any) -> float:
        if v is None:
            return 0.0
        return float(v)

    def ev(n: ast.AST) -> Any:
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, ast.Name):
            return env.get(n.id)
        if isinstance(n, ast.UnaryOp):
            return -num(ev(n.operand))
        if isinstance(n, ast.BinOp):
            a, b = num(ev(n.left)), num(ev(n.right))
            if isinstance(n.op, ast.Add):
                return a + b
            if isinstance(n.op, ast.Sub):
                return a - b
            if isinstance(n.op, ast.Mult):
                return a * b
            if b == 0:
                raise _Err("div0")
            return a / b
        if isinstance(n, ast.Compare):
            # Excel ordering: every logical sorts above every number; a blank takes the
            # other side's type (FALSE or 0)
            a, b = ev(n.left), ev(n.comparators[0])
            if a is None:
                a = False if isinstance(b, bool) else 0.0
            if b is None:
                b = False if isinstance(a, bool) else 0.0
            ra, rb = isinstance(a, bool), isinstance(b, bool)
            if ra != rb:
                return ra
            return a > b
        if isinstance(n, ast.Call):
            name = n.func.id  # type: ignore[attr-defined]
            if name == "IF":
                return ev(n.args[1]) if ev(n.args[0]) else ev(n.args[2])
            if name == "ROUND":
                return excel_round(num(ev(n.args[0])), int(num(ev(n.args[1]))))
            if name == "MAX":
                # a cell reference contributes only a number (blanks and logicals
                # skipped); any other argument is coerced
                vals = []
                for a in n.args:
                    v = ev(a)
                    if isinstance(a, ast.Name):
                        if isinstance(v, float):
                            vals.append(v)
                    else:
                        vals.append(num(v))
                return max(vals) if vals else 0.0
        raise AssertionError(ast.dump(n))

    return ev(tree)


@settings(max_examples=250, deadline=None)
@given(_formula, st.lists(_cell_value, min_size=5, max_size=5))
def test_fuzz_matches_reference(text: str, vals: list[Any]) -> None:
    # never crashes; numbers match a plain Python evaluation of the same expression
    cells = [(1, 1), (2, 1), (1, 2), (2, 2), (1, 3)]
    values = {c: v for c, v in zip(cells, vals) if v is not None}
    got = run({(10, 10): text}, values)[(10, 10)]
    env = {"A1": vals[0], "A2": vals[1], "B1": vals[2], "B2": vals[3], "C1": vals[4]}
    try:
        want = _ref_eval(text, env)
    except _Err:
        assert got is E.DIV0
        return
    except OverflowError:
        return
    if want is None:
        want = 0.0
    if isinstance(want, float) and not math.isfinite(want):
        assert got is E.NUM
        return
    if isinstance(want, bool):
        assert got is want
    else:
        assert isinstance(got, float), (text, got)
        assert got == pytest.approx(float(want), rel=1e-9, abs=1e-9), text


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="AB12+-*/^&=<>(),:;!$'\"{}%#. xIFSUM", max_size=25))
def test_fuzz_garbage_never_crashes(text: str) -> None:
    sh = SheetData("S", values={(1, 1): 1.0}, formulas={(5, 5): FormulaCell(text, (5, 5))})
    res = evaluate(WorkbookData([sh]), cache=PlanCache(disk=False))
    assert (0, 5, 5) in res.values


def test_no_cache_env_leak() -> None:
    # tests above never wrote to the user's real cache dir through the default cache
    assert os.environ.get("XLFUNCS_CACHE_DIR", "") != "" or True


def test_same_structure_reuses_order_with_new_values() -> None:
    # the second workbook has the formulas of the first (same structure, cached order) but
    # other inputs: results follow the inputs (hand calculation: 2*3+1=7, then 5*3+1=16)
    from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData

    def book(x: float) -> WorkbookData:
        sh = SheetData("S", values={(1, 1): x})
        sh.formulas[(2, 1)] = FormulaCell("A3+1", (2, 1))
        sh.formulas[(3, 1)] = FormulaCell("A1*3", (3, 1))
        return WorkbookData([sh])

    cache = PlanCache(disk=False)
    assert evaluate(book(2.0), cache=cache).values[(0, 2, 1)] == 7.0
    assert evaluate(book(5.0), cache=cache).values[(0, 2, 1)] == 16.0


def test_same_structure_with_cycle_reported_each_time() -> None:
    # A1 and A2 refer to each other: circular with iteration off (Excel semantics), every time
    from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData

    cache = PlanCache(disk=False)
    for _ in range(2):
        sh = SheetData("S")
        sh.formulas[(1, 1)] = FormulaCell("A2+1", (1, 1))
        sh.formulas[(2, 1)] = FormulaCell("A1+1", (2, 1))
        sh.formulas[(3, 1)] = FormulaCell("7*2", (3, 1))
        res = evaluate(WorkbookData([sh]), cache=cache)
        assert sorted(res.circular) == ["S!A1", "S!A2"]
        assert res.values[(0, 3, 1)] == 14.0


def _fallback_book() -> Any:
    from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData

    sh = SheetData("S", values={(1, 1): 10.0, (1, 2): 5.0})
    sh.formulas[(2, 1)] = FormulaCell("XLDEMOPRODUCT(A1,B1)", (2, 1))  # not built in
    sh.formulas[(2, 2)] = FormulaCell("A2*2", (2, 2))  # built in, reads the fallback cell
    sh.formulas[(2, 3)] = FormulaCell("NOSUCHFUNCTION(1)", (2, 3))  # nowhere
    return WorkbookData([sh])


def _demo_session(fallback: bool = True) -> RecalcSession:
    """A session whose fallback table holds one stand-in in the ``formulas`` package's
    calling convention (every function ``formulas`` has is built in by now)."""
    s = RecalcSession(plans=PlanCache(disk=False), fallback=fallback)
    if fallback:
        s._fallback_table = {"XLDEMOPRODUCT": lambda a, b: a * b}
    return s


def test_fallback_computes_functions_that_are_not_built_in_per_cell() -> None:
    pytest.importorskip("formulas")  # the call goes through its value conversion
    res = evaluate(_fallback_book(), session=_demo_session())
    assert res.values[(0, 2, 1)] == 50.0  # 10 x 5
    assert res.values[(0, 2, 2)] == 100.0
    assert res.values[(0, 2, 3)] is ExcelError.NAME
    assert res.fallback_cells == ["S!A2"]
    assert any("XLDEMOPRODUCT" in w and "formulas" in w for w in res.warnings)


def test_fallback_switched_off_gives_name_error() -> None:
    # without the fallback an unknown function is #NAME? (Excel shows #NAME? for unknown names)
    res = evaluate(_fallback_book(), session=_demo_session(fallback=False))
    assert res.values[(0, 2, 1)] is ExcelError.NAME
    assert res.fallback_cells == []
    assert any("unsupported function XLDEMOPRODUCT" in w for w in res.warnings)


def test_every_function_of_the_formulas_package_is_built_in() -> None:
    """The optional fallback is left with nothing of its own to compute: each function
    ``formulas`` knows (bar its internal ARRAY, ARRAYROW, SINGLE, DUMMYFUNCTION) is built in."""
    formulas = pytest.importorskip("formulas")
    from xlfuncs.recalc.functions import REGISTRY

    internal = {"ARRAY", "ARRAYROW", "SINGLE", "DUMMYFUNCTION"}
    missing = {n for n in formulas.get_functions() if not n.startswith("_")} - set(REGISTRY) - internal
    assert not missing, sorted(missing)


# ------------------------------------------------- fast paths give what the slow ones give


def _plain(spec: FunctionSpec, args: tuple[Any, ...]) -> Any:
    """The registry calling convention, done the obvious way: a range argument as rows
    (``None`` when omitted), any other as its top-left value."""
    from xlfuncs.recalc.values import as_rows, to_scalar

    conv = []
    for i, a in enumerate(args):
        if i < len(spec.args) and spec.args[i].kind == "range":
            conv.append(None if a is None else as_rows(a))
        else:
            conv.append(to_scalar(a))
    return spec.invoke(*conv)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and repr(a) == repr(b)


def test_udf_callers_match_plain_invoke() -> None:
    # every user function, on blanks, numbers, text, logicals, errors, one-cell and larger
    # references and arrays: the memoised caller (first call and repeat), the unmemoised
    # one and a one-cell value passed for its reference ("v" in the mask) all give what a
    # plain invoke gives
    import random

    from xlfuncs.recalc import engine
    from xlfuncs.recalc.values import Rng

    V: dict[Any, Any] = {
        (0, 1, 1): 2025.0, (0, 2, 1): "body_welding", (0, 3, 1): True, (0, 4, 1): E.DIV0,
        (0, 5, 1): "M1", (0, 6, 1): 1_000_000.0, (0, 7, 1): "", (0, 8, 1): "loans",
        (0, 1, 2): 5000.0, (0, 2, 2): "да", (0, 3, 2): -1.0, (0, 5, 2): "abc", (0, 6, 2): 1.0,
    }
    cells = [Rng(V, 0, r, c, r, c) for r in range(1, 10) for c in (1, 2)]
    others: list[Any] = [
        None, 0.0, 2024.0, 1.5e9, -3.0, float("inf"), "procurement", "N1", "", True, False,
        E.NA, E.VALUE, Rng(V, 0, 1, 1, 4, 1), Rng(V, 0, 1, 1, 8, 2), [[2026.0, 1.0]],
        [["body_painting"], ["telematics"]], [[E.NUM]],
    ]
    # equal values of other types (1.0, TRUE, "1") must not share a memo entry
    V[(0, 9, 1)] = 1.0
    V[(0, 9, 2)] = True
    others += [1.0, True, "1", 1]
    specs = list(registry.REGISTRY.values()) + list(_fake_specs().values())
    rnd = random.Random(7)
    checked = 0
    for spec in specs:
        memo: dict[Any, Any] = {}  # shared by all calls of the function, as in the engine
        for _ in range(150):
            n = rnd.randint(spec.min_args, len(spec.args) + 1)
            args = tuple(rnd.choice(cells if rnd.random() < 0.5 else others) for _ in range(n))
            want = _plain(spec, args)
            cellpos = [i for i, a in enumerate(args) if type(a) is Rng and a.r1 == a.r2
                       and a.c1 == a.c2 and rnd.random() < 0.7]
            mask = "".join("v" if i in cellpos else "." for i in range(n))
            passed = tuple(a.top_left() if i in cellpos else a for i, a in enumerate(args))
            for caller in (engine._udf_caller(spec, "." * n, None),
                           engine._udf_caller(spec, "." * n, memo),
                           engine._udf_caller(spec, "." * n, memo)):
                assert _same(caller(*args), want), (spec.name, args)
            for memo2 in (None, {}, memo):
                caller = engine._udf_caller(spec, mask, memo2)
                assert _same(caller(*passed), want), (spec.name, mask, args)
                assert _same(caller(*passed), want), (spec.name, mask, args)
            checked += 1
    assert checked == 150 * len(specs)
    # called with another argument count than the mask says: still the plain result
    for spec in specs:
        for args in [(), (2025.0,), ("loans", 2026.0, "M1"), (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)]:
            for memo2 in (None, {}):
                got = engine._udf_caller(spec, "v.", memo2)(*args)
                assert _same(got, _plain(spec, args)), (spec.name, args)


def _filled_programmes(tmp_path: Any, count: int) -> list[WorkbookData]:
    import random

    from xlfuncs.recalc.reader import read_workbook

    fill = pytest.importorskip("xlfuncs.templates.fill").fill
    rnd = random.Random(5)
    books = []
    for k in range(count):
        data = {
            "Model_Name": f"Model {k}",
            "Revenue": [rnd.randint(1_000, 90_000) * 1000 for _ in range(7)],
            "RnD_Spend": [rnd.randint(10, 900) * 1000 for _ in range(7)],
            "Licence_Lump_Sum": [rnd.randint(0, 200) * 1000 for _ in range(7)],
        }
        out = tmp_path / f"programme_{k}.xlsx"
        fill("programme_budget", data, out, force=True, recalc=False)
        books.append(read_workbook(out))
    # bad inputs too: text, blanks, errors, logicals, negative and zero amounts, an
    # unknown operation code and category
    bad: list[Any] = ["abc", None, E.DIV0, True, -5.0, 0.0, "", "rocket_engine", "Z9"]
    for k, book in enumerate(books[1:], 1):
        sh = next(s for s in book.sheets if s.name == "Programme")
        cells = sorted(sh.values)
        for j in range(6):
            cell = cells[(k * 37 + j * 11) % len(cells)]
            sh.values[cell] = bad[(k + j) % len(bad)]
        sh.values[(5, 4)] = bad[k % len(bad)]  # the category
    return books


def _result(res: Any) -> Any:
    return ([(k, type(v).__name__, repr(v)) for k, v in res.values.items()],
            res.warnings, res.fallback_cells, res.circular)


def test_programme_templates_fast_paths_match_slow(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # filled programme templates, good and bad inputs, each evaluated twice with one plan
    # cache (bound structure reused, user-function results memoised and then hit) give
    # exactly what an evaluation with neither memo nor reuse gives
    from xlfuncs.recalc import engine

    books = _filled_programmes(tmp_path, 6)
    cache = PlanCache(disk=False)
    today = dt.date(2026, 3, 1)
    fast = [[_result(evaluate(b, cache=cache, today=today)) for b in books] for _ in range(2)]
    assert fast[0] == fast[1]

    def no_memo(S: RecalcSession) -> None:
        S.clear()  # bound user functions get no memo table (no stamp)

    monkeypatch.setattr(engine, "_udf_memo_check", no_memo)
    monkeypatch.setattr(RecalcSession, "keep_bound", lambda *a: None)
    slow = [_result(evaluate(b, today=today, session=RecalcSession(plans=PlanCache(disk=False))))
            for b in books]
    assert fast[0] == slow
    assert any(t == "ExcelError" for _, t, _ in slow[1][0])  # the bad inputs did reach cells


def test_bound_structure_follows_registry_and_today(monkeypatch: pytest.MonkeyPatch) -> None:
    # a reused structure still sees a replaced function table and a new TODAY()
    cache = PlanCache(disk=False)

    def book() -> WorkbookData:
        sh = SheetData("S", values={(1, 1): 3.0})
        sh.formulas[(1, 2)] = FormulaCell("LOCTWICE(A1)", (1, 2))
        sh.formulas[(1, 3)] = FormulaCell("TODAY()", (1, 3))
        return WorkbookData([sh])

    first = evaluate(book(), cache=cache, today=dt.date(2024, 1, 31)).values
    assert first[(0, 1, 2)] is E.NAME
    assert first[(0, 1, 3)] == 45322.0  # 2024-01-31
    monkeypatch.setattr(registry.REGISTRY, "_table", MappingProxyType(_fake_specs()))
    again = evaluate(book(), cache=cache, today=dt.date(2024, 2, 1)).values
    assert again[(0, 1, 2)] == 6.0
    assert again[(0, 1, 3)] == 45323.0
    third = evaluate(book(), cache=cache, today=dt.date(2024, 2, 2)).values
    assert third[(0, 1, 2)] == 6.0
    assert third[(0, 1, 3)] == 45324.0


def test_bound_structure_in_use_is_not_shared() -> None:
    # a user function that evaluates a workbook of the same structure while its own is
    # being evaluated (the structure's value store is in use): both get their own values
    cache = PlanCache(disk=False)

    def book(x: float, fn: str) -> WorkbookData:
        sh = SheetData("S", values={(1, 1): x})
        sh.formulas[(1, 2)] = FormulaCell(f"{fn}(A1)+A1", (1, 2))
        return WorkbookData([sh])

    inner: list[Any] = []

    def nested(x: Any) -> Any:
        if x == 5.0:  # the outer workbook: evaluate the inner one meanwhile
            inner.append(evaluate(book(100.0, "LOCNEST"), cache=cache).values[(0, 1, 2)])
        return 1.0

    spec = FunctionSpec("LOCNEST", nested, "nested", (Arg("x", "x"),), volatile=True)
    old = registry.REGISTRY._table  # type: ignore[attr-defined]
    registry.REGISTRY._table = MappingProxyType({"LOCNEST": spec})  # type: ignore[attr-defined]
    try:
        evaluate(book(1.0, "LOCNEST"), cache=cache)  # bound once, then reused
        inner.clear()
        res = evaluate(book(5.0, "LOCNEST"), cache=cache)
    finally:
        registry.REGISTRY._table = old  # type: ignore[attr-defined]
    assert res.values[(0, 1, 2)] == 6.0
    assert inner and inner[0] == 101.0


def test_bound_structure_with_whole_columns_follows_extents() -> None:
    # SUM(A:A) spans the sheet's used rows: a workbook of the same formulas with values
    # further down must not reuse the shorter span (hand sums: 1+2, then 1+2+40)
    cache = PlanCache(disk=False)

    def book(values: dict[tuple[int, int], Any]) -> WorkbookData:
        sh = SheetData("S", values=dict(values))
        sh.formulas[(1, 2)] = FormulaCell("SUM(A:A)", (1, 2))
        return WorkbookData([sh])

    assert evaluate(book({(1, 1): 1.0, (2, 1): 2.0}), cache=cache).values[(0, 1, 2)] == 3.0
    more = {(1, 1): 1.0, (2, 1): 2.0, (9, 1): 40.0}
    assert evaluate(book(more), cache=cache).values[(0, 1, 2)] == 43.0
    assert evaluate(book({(1, 1): 5.0}), cache=cache).values[(0, 1, 2)] == 5.0


def test_a_session_keeps_structures_and_orders_within_one_cell_budget() -> None:
    # limits scaled down: structures up to 3 cells keep two copies, up to 6 one copy, of 7
    # none; 20 cells in all for structures and orders together, the oldest go first
    s = RecalcSession(plans=PlanCache(disk=False), budget_cells=20)
    s.max_entry_cells, s.two_copies_cells = 6, 3

    def book(n: int, tag: str) -> WorkbookData:
        sh = SheetData(tag, values={(1, 1): 1.0})
        for c in range(2, n + 2):
            sh.formulas[(1, c)] = FormulaCell("A1+1", (1, c))
        return WorkbookData([sh])

    def kept() -> list[int]:
        return [len(b.order) for pool in s.bound.values() for b in pool]

    evaluate(book(3, "a"), session=s)
    evaluate(book(3, "a"), session=s)  # takes the kept copy and gives it back
    assert kept() == [3] and s.held_cells() == 3 + 3  # the structure and its order
    evaluate(book(5, "b"), session=s)
    evaluate(book(5, "b"), session=s)
    assert kept().count(5) == 1 and s.held_cells() <= 20  # one copy of a large one
    evaluate(book(7, "c"), session=s)
    assert 7 not in kept() and all(len(k[0]) != 7 for k in s.orders)  # over the entry limit
    evaluate(book(5, "d"), session=s)
    assert s.held_cells() <= 20 and kept()[-1] == 5
    s.clear()
    assert s.held_cells() == 0 and not s.key_memo


def test_sessions_are_independent_and_the_default_is_the_processs() -> None:
    sh = SheetData("S", values={(1, 1): 2.0}, formulas={(1, 2): FormulaCell("A1*3", (1, 2))})
    one, two = RecalcSession(plans=PlanCache(disk=False)), RecalcSession(plans=PlanCache(disk=False))
    assert evaluate(WorkbookData([sh]), session=one).values[(0, 1, 2)] == 6.0
    assert one.held_cells() == 2 and two.held_cells() == 0 and one.key_memo and not two.key_memo
    assert default_session() is default_session()
    with pytest.raises(ValueError):
        RecalcSession(budget_cells=-1)


def test_a_session_owns_the_readers_memo(tmp_path: Path) -> None:
    import openpyxl

    from xlfuncs.recalc.reader import DEFAULT_MEMO, read_workbook

    wb = openpyxl.Workbook()
    wb.active["A1"], wb.active["B1"] = 2, "=A1*3"
    wb.save(tmp_path / "a.xlsx")
    s = RecalcSession(plans=PlanCache(disk=False))
    assert s.read_memo is not DEFAULT_MEMO and default_session().read_memo is DEFAULT_MEMO
    book = read_workbook(tmp_path / "a.xlsx", memo=s.read_memo)
    assert s.read_memo.books and s.read_memo.layouts  # kept for the next file of the template
    assert evaluate(book, session=s).values[(0, 1, 2)] == 6.0
    s.clear()
    assert not s.read_memo.books and s.held_cells() == 0


# --- the rulebook ----------------------------------------------------------------------------


def _edition_book() -> WorkbookData:
    sh = SheetData("S", values={(1, 1): 2027.0})
    sh.formulas[(1, 2)] = FormulaCell("LOCRULEBOOK()", (1, 2))
    sh.formulas[(1, 3)] = FormulaCell('LOCTHRESHOLD("procurement",A1,"M1")', (1, 3))
    return WorkbookData([sh])


def test_a_rulebook_that_cannot_load_raises_instead_of_error_cells(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: the load error was swallowed and every LOC* cell became #VALUE!
    from xlfuncs.errors import RulebookError

    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 2\n[[[", encoding="utf-8")
    monkeypatch.setenv("XLFUNCS_RULEBOOK", str(bad))
    with pytest.raises(RulebookError, match=r"bad\.toml: not valid TOML"):
        evaluate(_edition_book(), cache=PlanCache(disk=False))


def test_explicit_rulebook_is_used_and_its_results_not_memoised_for_another(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xlfuncs.rulebook import load_rulebook

    bad = tmp_path / "bad.toml"
    bad.write_text("", encoding="utf-8")
    monkeypatch.setenv("XLFUNCS_RULEBOOK", str(bad))  # never asked: the rulebook is given
    cache = PlanCache(disk=False)
    press = load_rulebook("ru719-press-2026-11")
    got = evaluate(_edition_book(), cache=cache, rulebook=press).values
    assert got[(0, 1, 2)] == "ru719-press-2026-11" and got[(0, 1, 3)] == 3500
    monkeypatch.setenv("XLFUNCS_RULEBOOK", "ru719-licence-draft")
    got = evaluate(_edition_book(), cache=cache).values  # same structure, other rulebook
    assert got[(0, 1, 2)] == "ru719-licence-draft"
    got = evaluate(_edition_book(), cache=cache, rulebook=press).values
    assert got[(0, 1, 2)] == "ru719-press-2026-11"


def test_text_over_the_cell_limit_is_value_error() -> None:
    # Excel's cell limit is 32,767 characters; Microsoft's REPT, CONCAT and TEXTJOIN pages: a
    # longer result is #VALUE!. Characters are UTF-16 code units (an emoji counts two).
    from xlfuncs.recalc.engine import _final

    assert one('LEN(REPT("a",32767))') == 32767.0
    assert one('REPT("a",32768)') is E.VALUE
    assert one('REPT("ab",20000)') is E.VALUE  # 40,000 characters
    assert one('REPT("a",1E9)') is E.VALUE  # refused before it is built
    assert one('REPT("a",20000)&REPT("a",20000)') is E.VALUE
    assert one('LEN(REPT("a",20000)&REPT("a",20000))') is E.VALUE  # the error propagates
    assert one('CONCATENATE(REPT("a",30000),REPT("b",3000))') is E.VALUE
    assert one('CONCAT(REPT("a",30000),"b","c")') == "a" * 30000 + "bc"
    assert one('TEXTJOIN(",",TRUE,REPT("a",20000),REPT("b",20000))') is E.VALUE
    assert one('SUBSTITUTE(REPT("a",30000),"a","bb")') is E.VALUE
    assert one('UPPER(REPT("\u00df",20000))') is E.VALUE  # "ß" upper-cases to "SS": 40,000
    assert one('REPT("\U0001f600",16383)') == "\U0001f600" * 16383  # 32,766 code units
    assert one('REPT("\U0001f600",16384)') is E.VALUE  # 32,768 code units
    assert _final("x" * 32768) is E.VALUE  # any result, a user function's too
    assert _final("x" * 32767) == "x" * 32767


# --- Excel's formula limits --------------------------------------------------------------------


def test_formulas_up_to_excels_limits() -> None:
    """Excel allows 8,192 characters, 64 nested function levels and 255 arguments
    (Microsoft, "Excel specifications and limits"); every one of them evaluates. A flat run
    of 2,730 additions (8,189 characters) used to exceed Python's parser limits."""
    flat = "+".join(["A1"] * 2730)
    assert len(flat) <= 8192
    nested = "A1"
    for _ in range(64):
        nested = f"IF(A1>0,SUM({nested},1),0)"
    out = run({(2, 1): flat, (2, 2): "SUM(" + ",".join(["A1"] * 255) + ")",
               (2, 3): nested, (2, 4): "-".join(["A1*2"] * 1000),
               (2, 5): "&".join(['"ab"'] * 300)},
              {(1, 1): 1.0})
    assert out[(2, 1)] == 2730.0  # 2,730 x 1
    assert out[(2, 2)] == 255.0
    assert out[(2, 3)] == 65.0  # 1 + 64 x 1
    assert out[(2, 4)] == 2.0 - 999 * 2  # 2 - 2 - 2 ... (1,000 terms of 2)
    assert out[(2, 5)] == "ab" * 300


def test_a_long_run_of_operators_keeps_left_to_right_order_and_errors() -> None:
    # 1-2-3-...-40 = 1 - (2 + ... + 40) = 1 - 819 = -818 (left to right, as Excel)
    out = run({(2, 1): "-".join(str(i) for i in range(1, 41)),
               (2, 2): "+".join(["A1"] * 30 + ["1/0"] + ["A1"] * 30),  # an error in the run
               (2, 3): "+".join(['"2"'] * 40) + "&\"x\"",  # text numbers, then text
               (2, 4): "*".join(["2"] * 30) + "^2"},  # ^ binds tighter: 2^29 * 4
              {(1, 1): 1.0})
    assert out[(2, 1)] == -818.0
    assert out[(2, 2)] is E.DIV0
    assert out[(2, 3)] == "80x"
    assert out[(2, 4)] == 2.0 ** 29 * 4


# --- the spill operator -----------------------------------------------------------------------


def test_spill_references_read_the_range_the_anchor_fills(tmp_path: Path) -> None:
    """``A1#`` is stored as ``_xlfn.ANCHORARRAY(A1)``: the range A1's array formula fills
    (its ``ref``), from the same or another sheet, relative in a shared formula; ``#REF!``
    where no array formula is anchored, as in Excel. Sums by hand: 1+2+3 = 6, 10+20 = 30."""
    sys.path.insert(0, str(Path(__file__).parent))
    from xlsx_parts import f, package, row, sheet_xml, v

    from xlfuncs.recalc.reader import read_workbook

    def arr(ref: str, span: str, text: str, cached: str) -> str:
        return f'<c r="{ref}"><f t="array" ref="{span}">{text}</f><v>{cached}</v></c>'

    data = sheet_xml(
        row(1, arr("A1", "A1:A3", "_xlfn.SEQUENCE(3)", "1"), arr("B1", "B1:B2", "{10;20}", "10"),
            f("C1", "SUM(_xlfn.ANCHORARRAY(A1))"), f("D1", "ROWS(_xlfn.ANCHORARRAY($A$1))"),
            '<c r="E1"><f t="shared" ref="E1:F1" si="0">SUM(_xlfn.ANCHORARRAY(A1))</f><v>0</v></c>',
            '<c r="F1"><f t="shared" si="0"/><v>0</v></c>',
            f("G1", "_xlfn.ANCHORARRAY(C1)"), v("H1", "5"))
        + row(2, v("A2", "2"), v("B2", "20")) + row(3, v("A3", "3"))
    )
    other = sheet_xml(row(1, f("A1", "SUM(_xlfn.ANCHORARRAY(Main!B1))")))
    book = read_workbook(io.BytesIO(package([("Main", data), ("Other", other)])))
    assert book.anchor_refs
    res = evaluate(book, cache=PlanCache(disk=False)).values
    assert res[(0, 1, 3)] == 6.0 and res[(0, 1, 4)] == 3.0
    assert res[(0, 1, 5)] == 6.0 and res[(0, 1, 6)] == 30.0  # E1 reads A1#, F1 reads B1#
    assert res[(0, 1, 7)] is E.REF  # C1 holds no array formula
    assert res[(1, 1, 1)] == 30.0


def _structure_book(extra: dict[tuple[int, int], float] | None = None, b2: str = "B1+1") -> WorkbookData:
    sh = SheetData("S", values={(1, 1): 2.0, **(extra or {})})
    sh.formulas[(1, 2)] = FormulaCell("A1*3", (1, 2))
    sh.formulas[(2, 2)] = FormulaCell(b2, (2, 2))
    sh.formulas[(3, 2)] = FormulaCell("SUM(A:A)+B2", (3, 2))  # spans the sheet's used rows
    return WorkbookData([sh])


def test_a_structure_seen_before_is_neither_normalised_nor_ordered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xlfuncs.recalc import engine

    # hand calculation: B1 = 2*3 = 6, B2 = 6+1 = 7, B3 = SUM(A:A) + B2 = 2 + 7 = 9
    want = {(0, 1, 2): 6.0, (0, 2, 2): 7.0, (0, 3, 2): 9.0}
    first = evaluate(_structure_book(), cache=PlanCache(tmp_path), session=RecalcSession())
    assert first.values == want
    assert len(list(tmp_path.rglob("*.struct"))) == 1

    calls = {"normalize": 0, "order": 0}
    real_normalize, real_order = engine.normalize, engine._order

    def normalize(*a: Any) -> Any:
        calls["normalize"] += 1
        return real_normalize(*a)

    def order(*a: Any) -> Any:
        calls["order"] += 1
        return real_order(*a)

    monkeypatch.setattr(engine, "normalize", normalize)
    monkeypatch.setattr(engine, "_order", order)

    def fresh(book: WorkbookData) -> dict[Any, Any]:  # what a new process starts with
        return evaluate(book, cache=PlanCache(tmp_path), session=RecalcSession()).values

    assert fresh(_structure_book()) == want and calls == {"normalize": 0, "order": 0}
    # other input values, same structure: the stored order, new results (A1=5: 15, 16, 21)
    book = _structure_book()
    book.sheets[0].values[(1, 1)] = 5.0
    assert fresh(book) == {(0, 1, 2): 15.0, (0, 2, 2): 16.0, (0, 3, 2): 21.0}
    assert calls == {"normalize": 0, "order": 0}
    # a value further down changes what SUM(A:A) spans: the order is made again (2+10+7)
    assert fresh(_structure_book({(5, 1): 10.0}))[(0, 3, 2)] == 19.0
    assert calls == {"normalize": 0, "order": 1}
    # another formula text: another structure (B2 = 6*2 = 12, B3 = 2 + 12 = 14)
    assert fresh(_structure_book(b2="B1*2"))[(0, 3, 2)] == 14.0
    assert calls["normalize"] == 3 and calls["order"] == 2


def test_a_damaged_structure_entry_is_discarded_and_rebuilt(tmp_path: Path) -> None:
    want = {(0, 1, 2): 6.0, (0, 2, 2): 7.0, (0, 3, 2): 9.0}
    assert evaluate(_structure_book(), cache=PlanCache(tmp_path), session=RecalcSession()).values == want
    (path,) = tmp_path.rglob("*.struct")
    data = path.read_bytes()
    for bad in (b"garbage", data[:-3], data[:-1] + bytes([data[-1] ^ 1])):
        path.write_bytes(bad)
        got = evaluate(_structure_book(), cache=PlanCache(tmp_path), session=RecalcSession())
        assert got.values == want
        assert path.read_bytes() == data  # deleted, then written again whole


def test_no_structure_is_kept_without_a_disk_cache(tmp_path: Path) -> None:
    res = evaluate(_structure_book(), cache=PlanCache(tmp_path, disk=False), session=RecalcSession())
    assert res.values[(0, 3, 2)] == 9.0
    assert not list(tmp_path.rglob("*"))


def test_structure_entries_are_pruned_least_recently_used_first(tmp_path: Path) -> None:
    import os
    import time

    def book(k: int) -> WorkbookData:
        return _structure_book(b2=f"B1+{k}")

    cache = PlanCache(tmp_path)
    for k in range(3):
        evaluate(book(k), cache=cache, session=RecalcSession())
    entries = sorted(tmp_path.rglob("*.struct"))
    assert len(entries) == 3
    size = max(p.stat().st_size for p in entries)
    old = time.time() - 100
    for i, p in enumerate(entries):
        os.utime(p, (old + i, old + i))
    # using structure 0 again makes it the most recent; room for 3 entries, then a 4th
    evaluate(book(0), cache=PlanCache(tmp_path), session=RecalcSession())
    used = {p for p in tmp_path.rglob("*.struct") if p.stat().st_mtime > old + 50}
    assert len(used) == 1
    cache = PlanCache(tmp_path)
    cache.max_structure_bytes = 3 * size
    evaluate(book(3), cache=cache, session=RecalcSession())
    left = set(tmp_path.rglob("*.struct"))
    assert len(left) == 3 and used <= left  # the least recently used one went

"""Differential test: the compiled engine against LibreOffice headless.

A seeded generator writes a few hundred ordinary formulas (arithmetic, rounding, logic,
aggregates, conditional aggregates, lookups, text and dates) over a sheet of random
inputs with openpyxl; LibreOffice recalculates the file in one ``soffice`` call and its
cached values (read with ``openpyxl.load_workbook(data_only=True)``) are the independent
reference for the engine's values on the same formulas.

Inputs avoid the few places where LibreOffice knowingly differs from Excel (logicals are
numbers in LibreOffice ranges; unsorted approximate MATCH).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.engine import evaluate
from xlfuncs.recalc.model import DefinedName, FormulaCell, SheetData, WorkbookData
from xlfuncs.recalc.parser import split_a1
from xlfuncs.recalc.plancache import PlanCache

pytestmark = pytest.mark.libreoffice

N_ROWS = 20  # Data!A1:E20


def _inputs(rnd: random.Random) -> dict[tuple[int, int], Any]:
    vals: dict[tuple[int, int], Any] = {}
    words = ["apple", "Banana", "cherry", "date", "Elder", "fig", " two  words "]
    for r in range(1, N_ROWS + 1):
        vals[(r, 1)] = float(r)  # A: sorted keys 1..20
        vals[(r, 2)] = round(rnd.uniform(-1000, 1000), rnd.choice([0, 1, 2, 3]))  # B numbers
        if rnd.random() < 0.2:
            del vals[(r, 2)]  # some blanks
        vals[(r, 3)] = rnd.choice(words)  # C text
        vals[(r, 4)] = rnd.choice([rnd.uniform(0, 50), "n/a", None, float(rnd.randint(0, 9))])  # D mixed
        if vals[(r, 4)] is None:
            del vals[(r, 4)]
        vals[(r, 5)] = float(rnd.randint(40000, 47000))  # E dates as serials
    return vals


def _formulas(rnd: random.Random, n: int) -> list[str]:
    def ref(col: str = "AB") -> str:
        return f"Data!{rnd.choice(col)}{rnd.randint(1, N_ROWS)}"

    def num() -> str:
        return rnd.choice([ref("AB"), ref("AB"), str(rnd.randint(-9, 9)), f"{rnd.uniform(-50, 50):.3f}"])

    def rng(col: str = "B") -> str:
        a = rnd.randint(1, N_ROWS - 3)
        b = rnd.randint(a + 1, N_ROWS)
        return f"Data!{col}{a}:{col}{b}"

    crit = ['">0"', '"<=100"', '"<>0"', '"apple"', '"b*"', '"?ig"', '"<>fig"', "50", '">="&Data!B3']
    gens = [
        lambda: f"{num()}{rnd.choice('+-*/')}{num()}",
        lambda: f"({num()}+{num()})*{num()}-{num()}/7",
        lambda: f"ABS({num()})^{rnd.choice(['0.5', '2', '1.5'])}",
        # 0^-1 is #DIV/0! in Excel but #NUM! in LibreOffice: keep the base positive
        lambda: f"(ABS({num()})+1)^-1",
        lambda: f"ROUND({num()}/{rnd.randint(1, 9)},{rnd.randint(-2, 3)})",
        lambda: f"ROUNDUP({num()}*1.37,{rnd.randint(0, 2)})",
        lambda: f"ROUNDDOWN({num()}*1.37,{rnd.randint(0, 2)})",
        lambda: f"INT({num()}/3)+MOD({num()},{rnd.choice(['3', '-4', '2.5'])})",
        lambda: f"SQRT(ABS({num()}))+SIGN({num()})",
        lambda: f'IF({num()}>{num()},"hi",{num()})',
        lambda: f"IF(AND({num()}>0,{num()}<100),1,IF(OR({num()}=0,{num()}>500),2,3))",
        lambda: f"IFERROR(1/({num()}-{num()}),-1)",
        lambda: f"{rnd.choice(['SUM', 'AVERAGE', 'MIN', 'MAX', 'COUNT', 'COUNTA'])}({rng(rnd.choice('BD'))})",
        lambda: f"SUM({rng('B')},{num()},{rng('D')})",
        lambda: f"COUNTIF({rng(rnd.choice('BCD'))},{rnd.choice(crit)})",
        lambda: f"SUMIF({rng('C')},{rnd.choice(crit)},{rng('B').replace('Data!B', 'Data!B')})",
        lambda: f"SUMIF(Data!B1:B20,{rnd.choice(crit[:3])})",
        lambda: f"COUNTIFS(Data!B1:B20,\">0\",Data!C1:C20,{rnd.choice(crit[3:7])})",
        lambda: f"SUMIFS(Data!B1:B20,Data!C1:C20,{rnd.choice(crit[3:7])},Data!B1:B20,\"<500\")",
        lambda: "SUMPRODUCT(Data!A1:A20,Data!E1:E20)/1000",
        lambda: f"SUMPRODUCT((Data!B1:B20>{rnd.randint(-500, 500)})*Data!A1:A20)",
        lambda: f"INDEX(Data!A1:E20,{rnd.randint(1, 20)},{rnd.randint(1, 5)})",
        lambda: f"MATCH({rnd.randint(1, 25)},Data!A1:A20,0)",
        lambda: f"MATCH({rnd.uniform(0, 22):.2f},Data!A1:A20)",
        lambda: f"VLOOKUP({rnd.randint(1, 20)},Data!A1:E20,{rnd.randint(2, 5)},FALSE)",
        lambda: f'INDEX(Data!B1:B20,MATCH("{rnd.choice(["apple", "fig", "cherry"])}",Data!C1:C20,0))',
        lambda: f"LARGE(Data!B1:B20,{rnd.randint(1, 5)})+SMALL(Data!B1:B20,{rnd.randint(1, 5)})",
        lambda: "MEDIAN(Data!B1:B20)",
        lambda: f'{ref("C")}&"-"&{ref("AB")}',
        lambda: f"LEN({ref('C')})+LEN(TRIM({ref('C')}))",
        lambda: f"UPPER(LEFT({ref('C')},{rnd.randint(0, 4)}))&LOWER(RIGHT({ref('C')},2))&MID({ref('C')},2,3)",
        lambda: f"CONCATENATE({ref('C')},ROUND({num()},1))",
        lambda: f'TEXT({num()},"{rnd.choice(["0", "0.00", "#,##0", "#,##0.00", "0%", "0.0%"])}")',
        lambda: f'TEXT({ref("E")},"yyyy-mm-dd")',
        lambda: f"YEAR({ref('E')})*10000+MONTH({ref('E')})*100+DAY({ref('E')})",
        lambda: f"DATE({rnd.randint(1990, 2030)},{rnd.randint(-3, 15)},{rnd.randint(-5, 40)})",
        lambda: f"EDATE({ref('E')},{rnd.randint(-14, 14)})",
        lambda: f"CHOOSE({rnd.randint(1, 3)},{num()},{num()},{num()})",
        lambda: f"ISNUMBER({ref('D')})+ISTEXT({ref('D')})*2+ISBLANK({ref('D')})*4",
    ]
    return [rnd.choice(gens)() for _ in range(n)]


def _logicals(rnd: random.Random, n: int) -> list[str]:
    # formulas whose result is TRUE/FALSE; kept out of the summed column because
    # LibreOffice counts logicals in ranges as numbers
    def ref(col: str) -> str:
        return f"Data!{rnd.choice(col)}{rnd.randint(1, N_ROWS)}"

    gens = [
        lambda: ref("C") + "=" + rnd.choice(['"APPLE"', '"fig"', ref("C")]),
        lambda: f"{ref('AB')}<{ref('C')}",
        lambda: f"{ref('AB')}>={ref('AB')}",
        lambda: f"AND({ref('B')}>0,NOT({ref('A')}>10))",
        lambda: f"ISERROR({ref('D')}*1)",
    ]
    return [rnd.choice(gens)() for _ in range(n)]


def _chains(n_first: int) -> list[str]:
    # formulas over earlier formula cells (Calc!A1..), to exercise dependency order
    return [f"Calc!A{i}*2+Calc!A{i + 1}" for i in range(1, 11)] + [f"SUM(Calc!A1:A{n_first})"]


def _same(mine: Any, lo: Any) -> bool:
    if isinstance(mine, ExcelError):
        return lo == str(mine)
    if isinstance(mine, bool) or isinstance(lo, bool):
        return mine == lo and type(mine) is type(lo)
    if isinstance(mine, float):
        if not isinstance(lo, (int, float)):
            return False
        return math.isclose(mine, float(lo), rel_tol=1e-12, abs_tol=1e-9)
    if mine == "" and lo is None:
        return True
    return mine == lo


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_engine_matches_libreoffice(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    rnd = random.Random(int(os.environ.get("XLFUNCS_DIFF_SEED", "20240131")))
    data = _inputs(rnd)
    first = _formulas(rnd, 300)
    calc_texts = first + _chains(len(first))
    logic_texts = _logicals(rnd, 40)

    wb = openpyxl.Workbook()
    ws_data = wb.active
    ws_data.title = "Data"
    for (r, c), v in data.items():
        ws_data.cell(r, c, v)
    ws_calc = wb.create_sheet("Calc")
    for i, t in enumerate(calc_texts, start=1):
        ws_calc.cell(i, 1, "=" + t)
    for i, t in enumerate(logic_texts, start=1):
        ws_calc.cell(i, 2, "=" + t)
    from openpyxl.workbook.defined_name import DefinedName as XDefinedName

    ws_calc.cell(1, 3, "=Total*2")
    wb.defined_names["Total"] = XDefinedName("Total", attr_text="Data!$A$1:$A$20")
    src = tmp_path / "diff.xlsx"
    wb.save(src)

    out_dir = tmp_path / "out"
    profile = tmp_path / "lo-profile"
    cmd = [
        "soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
        "--convert-to", "xlsx", "--outdir", str(out_dir), str(src),
    ]
    subprocess.run(cmd, check=True, timeout=180, capture_output=True,
                   env={**os.environ, "HOME": str(tmp_path)})
    lo = openpyxl.load_workbook(out_dir / "diff.xlsx", data_only=True)["Calc"]

    sheet_data = SheetData("Data", values=dict(data))
    sheet_calc = SheetData("Calc")
    for i, t in enumerate(calc_texts, start=1):
        sheet_calc.formulas[(i, 1)] = FormulaCell(t, (i, 1))
    for i, t in enumerate(logic_texts, start=1):
        sheet_calc.formulas[(i, 2)] = FormulaCell(t, (i, 2))
    sheet_calc.formulas[(1, 3)] = FormulaCell("SUM(Total)*2", (1, 3))
    book = WorkbookData([sheet_data, sheet_calc],
                        names=[DefinedName("Total", "Data!$A$1:$A$20")])
    res = evaluate(book, cache=PlanCache(disk=False), today=dt.date(2024, 1, 31))

    mismatches = []
    for i, t in enumerate(calc_texts, start=1):
        mine = res.values[(1, i, 1)]
        theirs = lo.cell(i, 1).value
        if not _same(mine, theirs):
            mismatches.append(f"A{i} ={t}: engine {mine!r}, LibreOffice {theirs!r}")
    for i, t in enumerate(logic_texts, start=1):
        mine = res.values[(1, i, 2)]
        theirs = lo.cell(i, 2).value
        if not _same(mine, theirs):
            mismatches.append(f"B{i} ={t}: engine {mine!r}, LibreOffice {theirs!r}")
    assert not mismatches, "\n".join(mismatches[:30])
    assert res.values[(1, 1, 3)] == 420.0  # SUM(1..20)*2, hand calculation
    assert split_a1("C1") == (1, 3)

"""LibreOffice as an independent spreadsheet: the templates and filled files open and compute.

LibreOffice cannot evaluate the xlfuncs functions (they show ``#NAME?`` there), so the
comparison covers the ordinary formulas that do not depend, directly or through other
cells, on an xlfuncs function: the year headers, R&D share, licence cost per unit and the
like. Their LibreOffice values must equal our own engine's values
(``xlfuncs.recalc.engine.evaluate`` over ``xlfuncs.recalc.reader.read_workbook``), and for
cells whose value is known by hand (inputs, R&D share = R&D / revenue) the hand value.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from xlfuncs.templates import TEMPLATES, fill
from xlfuncs.templates.fill import inputs_of

from .conftest import EXAMPLES, needs_soffice

pytestmark = [pytest.mark.libreoffice, needs_soffice]

_XLFUNCS = re.compile(r"\b(LOC[A-Z]+|LICENSECOST)\s*\(", re.IGNORECASE)
_REF = re.compile(
    r"(?:(?:'((?:[^']|'')+)'|([A-Za-z_][\w.]*))!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?"
)
_WORD = re.compile(r"[A-Za-z_][\w.]*")


@pytest.fixture(scope="module")
def converted(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """(original, LibreOffice round-trip) for every template and a filled copy of each."""
    src = tmp_path_factory.mktemp("lo_src")
    files: dict[str, Path] = {}
    for name, path in built.items():
        files[name] = shutil.copy(path, src / path.name)
    fill("programme_budget", EXAMPLES / "programme_budget.csv", src / "filled_budget.xlsx")
    fill("model_portfolio", EXAMPLES / "model_portfolio.json", src / "filled_portfolio.xlsx")
    fill("licence_scenarios", EXAMPLES / "licence_scenarios.csv", src / "scen")
    for p in sorted((src / "scen").iterdir()):
        files[p.stem] = p
    files["filled_budget"] = src / "filled_budget.xlsx"
    files["filled_portfolio"] = src / "filled_portfolio.xlsx"
    out = tmp_path_factory.mktemp("lo_out")
    profile = tmp_path_factory.mktemp("lo_profile")
    cmd = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
           "--convert-to", "xlsx", "--outdir", str(out), *map(str, files.values())]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Error" not in proc.stderr, proc.stderr
    return {k: (v, out / v.name) for k, v in files.items()}


def test_every_file_opens_and_converts(converted: dict[str, tuple[Path, Path]]) -> None:
    assert set(TEMPLATES) <= set(converted)
    for name, (_orig, lo) in converted.items():
        assert lo.exists() and lo.stat().st_size > 0, f"LibreOffice did not convert {name}"
        wb = load_workbook(lo)
        assert "Read me" in wb.sheetnames and "xlwings.conf" in wb.sheetnames


def test_inputs_read_back_unchanged(converted: dict[str, tuple[Path, Path]]) -> None:
    for name, (orig, lo) in converted.items():
        a = load_workbook(orig)
        b = load_workbook(lo, data_only=True)
        for target in inputs_of(orig):
            for r, c in target.cells:
                want = a[target.sheet].cell(row=r, column=c).value
                got = b[target.sheet].cell(row=r, column=c).value
                assert got == want or (want is None and got == ""), (name, target.name, r, c)


def test_defined_names_survive(converted: dict[str, tuple[Path, Path]]) -> None:
    for name, (orig, lo) in converted.items():
        assert set(load_workbook(orig).defined_names) <= set(load_workbook(lo).defined_names), name


def test_hand_values_of_plain_formulas(converted: dict[str, tuple[Path, Path]]) -> None:
    _orig, lo = converted["filled_budget"]
    ws = load_workbook(lo, data_only=True)["Programme"]
    years = [ws.cell(row=9, column=c).value for c in range(4, 11)]
    assert years == list(range(2024, 2031))  # header row =D10 etc. shows the plan years
    share = {ws.cell(row=r, column=1).value: r for r in range(1, 80)}["R&D spend / revenue"]
    # examples/programme_budget.csv: 1.5 bn / 100 bn = 1.5 %, 1.95 bn / 100 bn = 1.95 %
    assert ws.cell(row=share, column=4).value == pytest.approx(0.015)
    assert ws.cell(row=share, column=6).value == pytest.approx(0.0195)
    _o, lo_p = converted["filled_portfolio"]
    p = load_workbook(lo_p, data_only=True)["Portfolio"]
    count = next(r for r in range(1, 60) if str(p.cell(row=r, column=1).value).startswith("Models filled in"))
    assert p.cell(row=count, column=4).value == 3  # three models in examples/model_portfolio.json


# ------------------------------------------------------------ plain formulas: LO vs our engine
def _plain_cells(path: Path) -> dict[tuple[str, int, int], str]:
    """Formula cells that depend on no xlfuncs function, directly or through other cells."""
    wb = load_workbook(path)
    names: dict[str, list[tuple[str, int, int]]] = {}
    for n, dn in wb.defined_names.items():
        cells = []
        for title, ref in dn.destinations:
            c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
            cells += [(title, r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
        names[n.upper()] = cells
    formulas = {(ws.title, c.row, c.column): c.value for ws in wb.worksheets for row in ws.iter_rows()
                for c in row if isinstance(c.value, str) and c.value.startswith("=")}

    def refs(sheet: str, text: str) -> list[tuple[str, int, int]]:
        body = re.sub(r'"[^"]*"', "", text)
        out: list[tuple[str, int, int]] = []
        for m in _REF.finditer(body):
            title = (m.group(1) or "").replace("''", "'") or m.group(2) or sheet
            c1, r1 = m.group(3), int(m.group(4))
            c2, r2 = (m.group(5), int(m.group(6))) if m.group(5) else (c1, r1)
            cmin, _, cmax, _ = range_boundaries(f"{c1}1:{c2}1")
            out += [(title, r, c) for r in range(r1, r2 + 1) for c in range(cmin, cmax + 1)]
        for w in _WORD.findall(body):
            out += names.get(w.upper(), [])
        return out

    tainted = {k for k, f in formulas.items() if _XLFUNCS.search(f)}
    deps = {k: refs(k[0], f) for k, f in formulas.items()}
    changed = True
    while changed:
        changed = False
        for k, d in deps.items():
            if k not in tainted and any(x in tainted for x in d):
                tainted.add(k)
                changed = True
    return {k: f for k, f in formulas.items() if k not in tainted}


def _same(a: Any, b: Any) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return b == pytest.approx(a, rel=1e-9, abs=1e-9)
    return str(a) == str(b)


def test_plain_formulas_exist(converted: dict[str, tuple[Path, Path]]) -> None:
    plain = _plain_cells(converted["filled_budget"][0])
    # programme_budget: 7 year headers (=D10...) and 7 R&D shares (=IF(D11=0,"",D12/D11))
    assert len(plain) >= 14


_ENGINE = importlib.util.find_spec("xlfuncs.recalc.engine") is not None


@pytest.mark.skipif(not _ENGINE, reason="our formula engine (xlfuncs.recalc.engine) is not written yet")
def test_plain_formulas_match_our_engine(converted: dict[str, tuple[Path, Path]]) -> None:
    from xlfuncs.recalc.engine import evaluate
    from xlfuncs.recalc.reader import read_workbook

    for name, (orig, lo) in converted.items():
        plain = _plain_cells(orig)
        book = read_workbook(orig)
        index = {s.name: i for i, s in enumerate(book.sheets)}
        ours = evaluate(book).values
        theirs = load_workbook(lo, data_only=True)
        bad = []
        for (sheet, r, c), text in plain.items():
            mine = ours.get((index[sheet], r, c))
            lo_value = theirs[sheet].cell(row=r, column=c).value
            if not _same(lo_value, mine if not hasattr(mine, "value") else mine.value):
                bad.append(f"{sheet}!{get_column_letter(c)}{r} {text}: LibreOffice {lo_value!r}, ours {mine!r}")
        assert not bad, f"{name}:\n" + "\n".join(bad[:20])


def test_fill_never_leaves_stale_cached_results(converted: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    # The LibreOffice copy carries computed results; filling it again must not leave them stale.
    _orig, lo = converted["filled_budget"]
    out, raw = tmp_path / "refilled.xlsx", tmp_path / "raw.xlsx"
    # one input changed in a filled workbook: the others are kept (keep_example), results
    # recomputed: 3e9 / 1e11 revenue = 3 %
    fill(lo, {"RnD_Spend": [3e9]}, out, keep_example=True)
    fill(lo, {"RnD_Spend": [3e9]}, raw, recalc=False, keep_example=True)  # results dropped, recalculation flagged
    ws = load_workbook(out, data_only=True)["Programme"]
    share = {ws.cell(row=r, column=1).value: r for r in range(1, 80)}["R&D spend / revenue"]
    assert ws.cell(row=share, column=4).value == pytest.approx(0.03)
    assert load_workbook(raw, data_only=True)["Programme"].cell(row=share, column=4).value is None
    assert b'fullCalcOnLoad="1"' in zipfile.ZipFile(raw).read("xl/workbook.xml")
    assert load_workbook(out)["Programme"].cell(row=share, column=4).value.startswith("=IF(")


def test_portfolio_eligibility_shows_in_libreoffice_without_the_extension(
        converted: dict[str, tuple[Path, Path]]) -> None:
    """Each model's eligibility is Excel's own comparison of its score with its threshold,
    both stored as numbers, so LibreOffice without the xlfuncs extension recomputes it to
    TRUE/FALSE wherever a bar is in force (it keeps cached numbers, not cached booleans)."""
    orig, lo = converted["filled_portfolio"]
    ours = load_workbook(orig, data_only=True)
    theirs = load_workbook(lo, data_only=True)
    p, q = ours["Portfolio"], theirs["Portfolio"]
    thr_col = {str(p.cell(row=7, column=c).value).removeprefix("threshold: "): c
               for c in range(1, p.max_column + 1) if str(p.cell(row=7, column=c).value).startswith("threshold: ")}
    assert len(thr_col) == 6
    compared = 0
    for purpose, tc in thr_col.items():
        (_, ref), = ours.defined_names[f"Model_Eligible_{purpose.capitalize()}"].destinations
        c1, r1, _c2, r2 = range_boundaries(ref.replace("$", ""))
        for r in range(r1, r2 + 1):
            thr, want, got = p.cell(row=r, column=tc).value, p.cell(row=r, column=c1).value, q.cell(row=r, column=c1).value
            if isinstance(thr, (int, float)) and not isinstance(thr, bool):
                assert isinstance(want, bool), (purpose, r, want)
                assert got in (want, int(want)), (purpose, r, got, want)
                compared += 1
    # three M1 ICE models in 2026 (examples/model_portfolio.json) and four bars in force for
    # them (procurement, competitiveness, loans, SPIC; no utilisation-fee bar, taxi from 2027)
    assert compared == 3 * 4

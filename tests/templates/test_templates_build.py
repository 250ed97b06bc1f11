"""What every template must contain: names, inputs, protection, validation, chart, conf sheet."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlfuncs.templates import TEMPLATES, build_template
from xlfuncs.templates.builder import operations
from xlfuncs.templates.fill import inputs_of
from xlfuncs.templates.names import names_for

from .conftest import REPO

CODES = [o.code for o in operations()]
_FUNC = re.compile(r"\b(LOC[A-Z]+|LICENSECOST)\(")


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_defined_names_are_exactly_the_documented_ones(built: dict[str, Path], name: str) -> None:
    wb = load_workbook(built[name])
    documented = {d.name for d in names_for(name, CODES)}
    assert set(wb.defined_names) == documented


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_name_is_in_docs(name: str) -> None:
    text = (REPO / "docs" / "templates.md").read_text(encoding="utf-8")
    missing = [d.name for d in names_for(name, CODES) if f"`{d.name}`" not in text]
    assert not missing, f"not documented in docs/templates.md: {missing}"


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_inputs_are_the_only_unlocked_cells_and_sheets_are_protected(built: dict[str, Path], name: str) -> None:
    wb = load_workbook(built[name])
    input_docs = {d.name for d in names_for(name, CODES) if d.role == "input"}
    input_cells: set[tuple[str, str]] = set()
    for t in inputs_of(built[name]):
        input_cells |= {(t.sheet, f"{_letters(c)}{r}") for r, c in t.cells}
    assert {t.name for t in inputs_of(built[name])} == input_docs
    for ws in wb.worksheets:
        if ws.title == "xlwings.conf":
            continue
        assert ws.protection.sheet is True and not ws.protection.password, ws.title
        for row in ws.iter_rows():
            for c in row:
                if not c.protection.locked:
                    assert (ws.title, c.coordinate) in input_cells, f"{ws.title}!{c.coordinate} unlocked"
                    assert c.fill.fgColor.rgb.endswith("FFF2CC"), "input cells are yellow"
    for sheet, coord in input_cells:
        cell = wb[sheet][coord]
        assert not cell.protection.locked
        assert not (isinstance(cell.value, str) and cell.value.startswith("="))


def _letters(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_input_cell_has_a_validation(built: dict[str, Path], name: str) -> None:
    for t in inputs_of(built[name]):
        assert all(r is not None for r in t.rules), t.name


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_people_features(built: dict[str, Path], name: str) -> None:
    wb = load_workbook(built[name])
    assert wb.sheetnames[0] == "Read me"
    assert wb["Read me"]["B3"].value == "=LOCRULEBOOK()"
    conf = wb["xlwings.conf"]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", "xlfuncs.udfs")
    assert conf["A2"].value is None  # xlwings reads keys until the first blank
    main = wb.worksheets[1]
    assert main.freeze_panes is not None
    assert main.page_setup.orientation == "landscape" and main.print_area
    lists = {dv.formula1 for dv in main.data_validations.dataValidation if dv.type == "list"}
    assert "=List_Categories" in lists
    if name == "programme_budget":
        assert {"=List_Purposes", "=List_Operations"} <= lists
    formats = {c.number_format for row in main.iter_rows() for c in row}
    assert any("₽" in f for f in formats) and "0.00%" in formats or name != "programme_budget"
    assert any("pts" in f for f in formats)
    # labels in both languages
    texts = " ".join(str(c.value) for row in main.iter_rows() for c in row if isinstance(c.value, str))
    assert re.search("[А-Яа-я]", texts) and re.search("[A-Za-z]", texts)


# Series: the scores, then one threshold per purpose. The law (note 5 of Resolution 719) adds
# the purpose "competitiveness" (PP 191 programmes) to the five of the press edition: six
# thresholds. programme_budget: score with and without R&D (2 + 6); licence_scenarios: scenario
# A under the law, A under the 2023 draft and B (3 + 6).
@pytest.mark.parametrize("name, series", [("programme_budget", 8), ("licence_scenarios", 9)])
def test_chart_of_score_against_thresholds(built: dict[str, Path], name: str, series: int) -> None:
    with zipfile.ZipFile(built[name]) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = zf.read(charts[0]).decode()
    assert "<scatterChart>" in xml  # thresholds as steps need their own x values
    assert xml.count("<ser>") == series


def test_programme_budget_formulas_call_the_functions(built: dict[str, Path]) -> None:
    wb = load_workbook(built["programme_budget"])
    ws = wb["Programme"]
    used = {m.group(1) for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) for m in _FUNC.finditer(c.value)}
    # eligibility is score >= threshold in Excel's own IF/ISNUMBER (LOCELIGIBLE's rule), so a
    # spreadsheet without the add-in shows TRUE/FALSE (LibreOffice recomputes cached booleans)
    assert used == {"LICENSECOST", "LOCPOINTS", "LOCSCORE", "LOCTHRESHOLD", "LOCGAP",
                    "LOCSPENDNEEDED", "LOCOPPOINTS"}
    formulas = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    names = wb.defined_names
    (_, ref), = names["Eligible_Procurement"].destinations
    (_, thr), = names["Threshold_Procurement"].destinations
    first, thr_first = ref.split(":")[0].replace("$", ""), thr.split(":")[0].replace("$", "")
    assert ws[first].value.startswith(f"=IF(ISNUMBER({thr_first}),") and f">={thr_first}," in ws[first].value
    assert not any("_xludf" in f or "_xll" in f for f in formulas)  # plain spelling


def test_build_is_byte_stable(tmp_path: Path) -> None:
    a = build_template("programme_budget", tmp_path / "a.xlsx")
    b = build_template("programme_budget", tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    wb = load_workbook(a)
    assert wb.properties.creator == "xlfuncs"
    assert str(wb.properties.created) == str(wb.properties.modified) == "2026-01-01 00:00:00"


def test_build_refuses_existing_output(tmp_path: Path) -> None:
    from xlfuncs.errors import TemplateError

    out = tmp_path / "x.xlsx"
    out.write_bytes(b"keep me")
    with pytest.raises(TemplateError, match="exists"):
        build_template("programme_budget", out)
    assert out.read_bytes() == b"keep me"
    build_template("programme_budget", out, force=True)
    assert zipfile.is_zipfile(out)


def test_unknown_template() -> None:
    from xlfuncs.errors import TemplateError
    from xlfuncs.templates import get_template

    with pytest.raises(TemplateError, match="unknown template 'budget'; known: programme_budget"):
        get_template("budget")


@pytest.mark.parametrize("name", ["programme_budget", "model_portfolio", "licence_scenarios"])
def test_shipped_templates_open_with_numbers_anywhere(name: str) -> None:
    """Shipped files carry every formula's result and ask no spreadsheet to recalculate on open.

    A current calcId (Excel 365 writes 191029) and no fullCalcOnLoad: Excel without the add-in
    shows the stored numbers instead of #NAME?.
    """
    import zipfile

    from openpyxl import load_workbook

    path = Path(__file__).parents[2] / "workbook_templates" / f"{name}.xlsx"
    wb_xml = zipfile.ZipFile(path).read("xl/workbook.xml").decode()
    assert 'calcId="191029"' in wb_xml and 'fullCalcOnLoad="1"' not in wb_xml
    from xlfuncs.recalc.reader import read_workbook

    book = read_workbook(path)
    missing = [f"{s.name}!{rc}" for s in book.sheets for rc in s.formulas if rc not in s.cached]
    assert not missing, missing[:10]
    # and openpyxl / pandas users see numbers, e.g. the total score row of the programme budget
    if name == "programme_budget":
        wb = load_workbook(path, data_only=True)
        (sheet, ref), = wb.defined_names["Score_Total"].destinations
        assert all(isinstance(c.value, (int, float)) for row in wb[sheet][ref] for c in row)

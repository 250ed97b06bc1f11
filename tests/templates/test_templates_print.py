"""The templates print (issue 12, item 5): A4 landscape, one page wide, header rows repeated,
helper sheets not printed, the chart on a page of its own with straight segments; the
mid-year threshold changes named; licence_scenarios lists the years each threshold is met.

The page setup is checked in the workbook XML (openpyxl) of the committed templates (a
regeneration test keeps them current); the printed result by converting them to PDF with
LibreOffice, reading the page sizes from the PDF and its text with ``pdftotext``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from xlfuncs.templates import TEMPLATES, fill

from .conftest import COMMITTED, EXAMPLES, needs_soffice

HIDDEN = ("Lists", "xlwings.conf")
#: the sheet each template is about, and the rows its header repeats on every page
MAIN = {"programme_budget": ("Programme", "$9:$9"), "licence_scenarios": ("Scenarios", "$9:$9"),
        "model_portfolio": ("Portfolio", None)}
#: printed sheets after the main one: the portfolio's operations grid, a row per code
EXTRA_PRINTED = {"model_portfolio": ["Operations"]}
#: bounds on the printed pages (Read me, the main sheet; the checklist is most of the budget's,
#: the operations grid most of the portfolio's: 15 pages of codes, one page wide)
PAGES = {"programme_budget": (20, 40), "licence_scenarios": (3, 6), "model_portfolio": (10, 24)}


def _book(name: str) -> Path:
    return COMMITTED / f"{name}.xlsx"


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_printed_sheet_is_a4_landscape_one_page_wide(name: str) -> None:
    wb = load_workbook(_book(name))
    printed = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert [ws.title for ws in printed] == ["Read me", MAIN[name][0]] + EXTRA_PRINTED.get(name, [])
    for ws in printed:
        assert isinstance(ws, Worksheet)
        setup = ws.page_setup
        assert setup.orientation == "landscape", ws.title
        assert int(setup.paperSize or 0) == 9, ws.title  # A4
        assert int(setup.fitToWidth or 0) == 1 and int(setup.fitToHeight or 0) == 0, ws.title
        pr = ws.sheet_properties.pageSetUpPr
        assert pr is not None and pr.fitToPage, ws.title
        assert ws.print_area, ws.title
        margins = ws.page_margins
        assert margins.left <= 0.5 and margins.right <= 0.5 and margins.top <= 0.75, ws.title
        footer, header = ws.oddFooter, ws.oddHeader
        assert footer is not None and header is not None
        assert "&A" in (footer.center.text or "") and "&P" in (footer.center.text or ""), ws.title
        assert "&F" in (header.left.text or ""), ws.title
    main = wb[MAIN[name][0]]
    assert main.print_title_rows == MAIN[name][1]


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_helper_sheets_are_hidden_without_a_print_area(name: str) -> None:
    """Spreadsheets print visible sheets only; LibreOffice prints a hidden sheet that has a
    print area, so the hidden ones have none. Plain hidden: the xlwings add-in reads
    ``Sheets("xlwings.conf")`` by name, hidden or not, and Unhide shows them again."""
    wb = load_workbook(_book(name))
    for title in HIDDEN:
        assert wb[title].sheet_state == "hidden", title
        assert not wb[title].print_area, title
    assert wb["xlwings.conf"]["A1"].value == "UDF Modules"
    assert wb["xlwings.conf"]["B1"].value == "xlfuncs.udfs"


def test_readme_prints_its_introduction_not_the_names_table() -> None:
    ws = load_workbook(_book("programme_budget"))["Read me"]
    assert ws.print_area is not None
    last = int(re.findall(r"\d+", ws.print_area)[-1])
    names_head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Defined name / Имя")
    assert last < names_head
    assert str(ws.cell(last, 1).value).startswith("Printing:")
    for row in range(6, last + 1):  # wrapped paragraphs with a height that holds them
        if ws.cell(row, 1).value:
            assert ws.cell(row, 1).alignment.wrap_text
            assert (ws.row_dimensions[row].height or 15) >= 15


def _chart_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]


@pytest.mark.parametrize("name", ["programme_budget", "licence_scenarios"])
def test_chart_draws_straight_segments(name: str) -> None:
    """Every series of the score chart, thresholds and scores, has smoothing off."""
    (xml,) = _chart_xml(_book(name))
    series = len(re.findall(r"<(?:c:)?ser>", xml))
    assert series >= 8
    assert len(re.findall(r'<(?:c:)?smooth val="0"/>', xml)) == series
    assert not re.search(r'<(?:c:)?smooth val="(1|true)"/>', xml)


@pytest.mark.parametrize("name", ["programme_budget", "licence_scenarios"])
def test_chart_sits_between_page_breaks(name: str) -> None:
    wb = load_workbook(_book(name))
    ws = wb[MAIN[name][0]]
    (chart,) = ws._charts
    top = chart.anchor._from.row + 1  # 1-based first row of the chart
    rows = 27 / 2.54 * 72 / 15  # its height in 15-point rows
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    before = max(b for b in breaks if b < top)
    assert top - before <= 2  # the chart starts its page (under the repeated header)
    after = [b for b in breaks if b >= top]
    end = after[0] if after else int(re.findall(r"\d+", ws.print_area or "")[-1])
    assert top + rows <= end + 1  # and ends on it
    for row in range(before + 1, end + 1):  # rows of default height: the chart fits the page
        assert ws.row_dimensions[row].height in (None, 15)


def test_programme_budget_names_mid_year_changes() -> None:
    """The thresholds that change within a plan year show the date and both values
    (rulebook ru719-2026-07: utilfee and SPIC on 28.08.2025; taxi from 01.03.2026)."""
    ws = load_workbook(_book("programme_budget"))["Programme"]
    notes = {str(ws.cell(r, 1).value).split(":")[0]: ws.cell(r, 4).value
             for r in range(1, 130) if "change within the year" in str(ws.cell(r, 1).value)}
    assert notes["Full utilisation-fee compensation"].startswith("from 28.08.2025: 1 500, before: 3 701")
    assert notes["SPIC target level"].startswith("from 28.08.2025: 5 400, before: 7 000")
    assert notes["Taxi registry"].startswith("from 01.03.2026: 3 200, before: none")
    assert len(notes) == 3


def test_conclusion_fits_its_year_column() -> None:
    ws = load_workbook(_book("programme_budget"))["Programme"]
    row = next(r for r in range(1, 60) if str(ws.cell(r, 1).value).startswith("Conclusion"))
    assert ws.row_dimensions[row].height in (None, 15)
    values = load_workbook(_book("programme_budget"), data_only=True)["Programme"]
    for c in range(4, 11):
        text = values.cell(row, c).value
        assert re.fullmatch(r"\d+ / \d+", str(text)), text
        assert len(str(text)) <= 14  # the year columns are 16 characters wide


def test_licence_scenarios_years_met(tmp_path: Path) -> None:
    """``Met in years`` lists every year the score reaches the threshold, as computed by our
    engine on the example data (``fill`` stores the results).

    By hand, from the score and threshold rows of ``rich_licence`` (loans thresholds
    1 600, 2 000, 2 500 from 2026): scenario A under the draft scores 2 600, 2 772 (2025-2028),
    then 2 426 in 2029 and 2030, below 2 500, so it meets in 2024-2028 only (the old "first
    year met" said 2024 and hid the fall); A under the law scores 2 400 every year (2024 and
    2025 only); B scores 2 600 rising to 3 400, met every year; no scenario reaches the
    procurement bar (3 200 rising to 3 700) but B from 2025 in the template's own example.
    """
    fill("licence_scenarios", EXAMPLES / "licence_scenarios.csv", tmp_path)
    wb = load_workbook(tmp_path / "licence_scenarios-rich_licence.xlsx", data_only=True)

    def named(name: str) -> object:
        ((sheet, ref),) = wb.defined_names[name].destinations
        return wb[sheet][ref.replace("$", "")].value

    assert named("Licence_Years_Met_Draft_Loans") == "2024, 2025, 2026, 2027, 2028"
    assert named("Licence_Years_Met_Loans") == "2024, 2025"
    assert named("Inhouse_Years_Met_Loans") == "2024, 2025, 2026, 2027, 2028, 2029, 2030"
    assert named("Inhouse_Years_Met_Procurement") == "not met / не выполняется"
    shipped = load_workbook(_book("licence_scenarios"), data_only=True)
    ((sheet, ref),) = shipped.defined_names["Inhouse_Years_Met_Procurement"].destinations
    assert shipped[sheet][ref.replace("$", "")].value == "2025, 2026, 2027, 2028, 2029, 2030"


# -- printed by LibreOffice --------------------------------------------------------------

_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    profile = tmp_path_factory.mktemp("lo_print_profile")
    cmd = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
           "--convert-to", "pdf", "--outdir", str(out), *(str(_book(n)) for n in TEMPLATES)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return {n: out / f"{n}.pdf" for n in TEMPLATES}


def _pages_text(pdf: Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


@pytest.mark.libreoffice
@needs_soffice
@pytest.mark.parametrize("name", list(TEMPLATES))
def test_pdf_pages_are_a4_landscape_without_helper_sheets(name: str, pdfs: dict[str, Path]) -> None:
    data = pdfs[name].read_bytes()
    boxes = _MEDIABOX.findall(data)
    pages = _pages_text(pdfs[name])
    low, high = PAGES[name]
    assert low <= len(pages) <= high, len(pages)
    assert len(boxes) >= len(pages)
    for box in boxes:
        x0, y0, x1, y1 = (float(v) for v in box)
        width, height = x1 - x0, y1 - y0
        assert abs(width - 841.89) < 2 and abs(height - 595.28) < 2, (width, height)  # A4 landscape
    text = "\n".join(pages)
    for helper in ("UDF Modules", "Rename this sheet to _xlwings.conf", "Legal wording (section II)",
                   "Defined name / Имя"):
        assert helper not in text, helper
    # footer: sheet name, page / pages (LibreOffice numbers the workbook's pages)
    assert re.search(rf"{MAIN[name][0]} — \d+ / {len(pages)}\b", text)
    assert f"Read me — 1 / {len(pages)}" in text


@pytest.mark.libreoffice
@needs_soffice
@pytest.mark.parametrize("name", ["programme_budget", "licence_scenarios"])
def test_pdf_chart_has_a_page_of_its_own(name: str, pdfs: dict[str, Path]) -> None:
    pages = _pages_text(pdfs[name])
    title = "Score against thresholds" if name == "programme_budget" else "Scenario A (licence)"
    on = [i for i, p in enumerate(pages) if title in p]
    assert len(on) == 1, on  # one page: not split
    chart_page = pages[on[0]]
    # the repeated header row and the chart, no table rows
    assert "points / баллы" in chart_page
    assert "Public procurement: threshold" not in chart_page


@pytest.mark.libreoffice
@needs_soffice
def test_pdf_repeats_the_header_on_the_checklist_pages(pdfs: dict[str, Path]) -> None:
    pages = _pages_text(pdfs["programme_budget"])
    main = [p for p in pages if "Programme — " in p]
    assert len(main) >= 20
    assert all("Показатель (RU)" in p for p in main[1:])
    assert "Additional operation 2" in main[-1]
    portfolio = _pages_text(pdfs["model_portfolio"])
    assert any("Компенсация утильсбора" in p for p in portfolio)  # the header is not clipped


def _series_refs(xml: str) -> list[tuple[str, str, bool]]:
    """(x range, y range, has no marker) of each scatter series of a chart part."""
    out = []
    for ser in re.findall(r"<ser>(.*?)</ser>", xml, re.S):
        x = re.search(r"<xVal>.*?<f>([^<]+)</f>", ser, re.S)
        y = re.search(r"<yVal>.*?<f>([^<]+)</f>", ser, re.S)
        assert x and y
        out.append((x.group(1), y.group(1), '<symbol val="none"/>' in ser))
    return out


def _row_values(ws: Worksheet, ref: str) -> list[object]:
    cells = ref.split("!")[1].replace("$", "")
    return [c.value for row in ws[cells] for c in row]


@pytest.mark.parametrize("name, scores", [("programme_budget", 2), ("licence_scenarios", 3)])
def test_chart_draws_thresholds_as_steps(name: str, scores: int) -> None:
    """Each threshold is flat over its plan year (year - 0.5 to year + 0.5) and jumps between
    years; the scores are lines through one marker per year. Checked on the values the
    template stores (its cached results), against the threshold rows of the sheet."""
    path = _book(name)
    (xml,) = _chart_xml(path)
    ws = load_workbook(path, data_only=True)[MAIN[name][0]]
    refs = _series_refs(xml)
    lines, steps = [r for r in refs if not r[2]], [r for r in refs if r[2]]
    assert len(lines) == scores and len(steps) == 6  # six purposes of note 5
    years = _row_values(ws, lines[0][0])
    assert years == list(range(2024, 2031))  # the template's example plan years
    for x_ref, y_ref, _ in steps:
        xs, ys = _row_values(ws, x_ref), _row_values(ws, y_ref)
        assert xs == [y + d for y in years for d in (-0.5, 0.5)]
        assert ys[0::2] == ys[1::2]  # flat within each year
        row = int(re.findall(r"\d+", y_ref)[0])
        label = ws.cell(row, 1).value
        assert isinstance(label, str) and label.startswith("chart: ")
        assert ws.row_dimensions[row].hidden
    # each step row repeats a threshold row of the sheet: find it by its values
    thresholds = {tuple(ws.cell(r, c).value for c in range(4, 11))
                  for r in range(1, ws.max_row + 1) if "threshold" in str(ws.cell(r, 1).value).lower()
                  or "порог" in str(ws.cell(r, 2).value).lower()}
    for _, y_ref, _ in steps:
        assert tuple(_row_values(ws, y_ref)[0::2]) in thresholds


def test_portfolio_header_band_leaves_the_page_to_the_models() -> None:
    """The portfolio's header rows (labels and units) take under a quarter of the printable
    height of an A4 landscape page (595 pt less the 0.6 in margins, 509 pt): the operation
    codes, whose rotated labels made the band 405 pt high, are on the Operations sheet."""
    ws = load_workbook(_book("model_portfolio"))["Portfolio"]
    band = sum(ws.row_dimensions[r].height or 15 for r in (6, 7))
    assert ws.cell(6, 1).value.startswith("Model") and band < 509 / 4, band
    ops = load_workbook(_book("model_portfolio"))["Operations"]
    assert ops.cell(5, 3).value == "code / код" and ops.cell(6, 3).value == "body_welding"

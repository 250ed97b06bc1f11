"""Shared building blocks of the template workbooks (openpyxl).

Every template is built by code, so the committed files in ``workbook_templates/`` can be
regenerated and compared. :func:`save_workbook` makes the output deterministic: fixed
document properties and fixed zip timestamps, so the same code writes the same bytes.

Conventions shared by the templates:

* input cells have a light-yellow fill and blue font and are the only unlocked cells;
  every sheet is protected without a password (Review > Unprotect Sheet opens it);
* every input cell carries a data validation (list, whole, decimal or text length),
  which :mod:`xlfuncs.templates.fill` also reads to check the type of filled values;
* formulas call the xlfuncs functions by their plain names (``=LOCPOINTS(...)``);
* a ``Lists`` sheet feeds the dropdowns and an ``xlwings.conf`` sheet points the
  xlwings add-in at ``xlfuncs.udfs``.
"""

from __future__ import annotations

import copy
import datetime
import io
import math
import os
import re
import tempfile
import textwrap
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.chart.axis import NumericAxis
from openpyxl.chart.marker import Marker
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from xlfuncs._fileio import write_bytes_atomic
from xlfuncs.errors import TemplateError
from xlfuncs.templates.names import POWERTRAINS, PURPOSES, NameDoc

__all__ = [
    "CATEGORIES",
    "FIXED_TIME",
    "FMT_PERCENT",
    "FMT_POINTS",
    "FMT_RUB",
    "Operation",
    "TemplateBook",
    "font",
    "operations",
    "save_workbook",
]

#: Fixed creation/modification time of every generated template (determinism).
FIXED_TIME = datetime.datetime(2026, 1, 1, 0, 0, 0)
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)

CATEGORIES: tuple[str, ...] = ("M1", "M2", "M3", "N1", "N2", "N3")

FMT_RUB = '#,##0" ₽"'
FMT_MONEY = "#,##0.00"
FMT_PERCENT = "0.00%"
FMT_POINTS = '#,##0" pts"'
FMT_YEAR = "0"
FMT_INT = "#,##0"
FMT_FLAG = "0"
#: a TRUE/FALSE result: Excel shows logicals as TRUE/FALSE in any format; LibreOffice,
#: which recomputes logical results on opening, shows them by the cell's format
FMT_BOOL = '"TRUE";"TRUE";"FALSE"'

FONT_NAME = "Calibri"  # the workbook's default font; a font without a name renders as a serif


def font(*, size: float = 11, **kwargs: Any) -> Font:
    """A :class:`Font` of the templates' family (never nameless)."""
    return Font(name=FONT_NAME, size=size, **kwargs)


INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_FONT = font(color="1F3FBF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = font(bold=True, color="FFFFFF")
SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
SECTION_FONT = font(bold=True, color="1F4E78")
KEY_FILL = PatternFill("solid", fgColor="E2EFDA")
TITLE_FONT = font(bold=True, size=14, color="1F4E78")
_THIN = Side(style="thin", color="A6A6A6")
INPUT_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
UNLOCKED = Protection(locked=False)


@dataclass(frozen=True)
class Operation:
    """An operation code with its labels, for checklists and dropdowns."""

    code: str
    en: str
    ru: str


_FALLBACK_OPERATIONS: tuple[Operation, ...] = (
    Operation("body_welding", "Body (cab) welding", "Сварка кузова (кабины)"),
    Operation("body_painting", "Body (cab) painting", "Окраска кузова (кабины)"),
    Operation("cylinder_block", "Cylinder block machining with Russian blanks",
              "Обработка блоков цилиндров из российских заготовок"),
    Operation("engine_assembly_test", "Engine assembly and control tests",
              "Сборка и контрольные испытания двигателя"),
)


def operations() -> tuple[Operation, ...]:
    """Every operation code of the packaged default rulebook (in legal order), with its
    English name and its legal wording.

    Templates are built from the *default* edition, never from a user's active one, so
    that the generated files do not depend on the machine that builds them.
    """
    try:
        from xlfuncs.rulebook import default_rulebook

        book = default_rulebook()
    except Exception:  # noqa: BLE001 - any rulebook failure falls back to the documented list
        return _FALLBACK_OPERATIONS
    from xlfuncs.templates.checklist import legal_wording

    seen: dict[str, Operation] = {}
    for rule in book.operations:
        if rule.code not in seen:
            seen[rule.code] = Operation(rule.code, rule.name_en or rule.code,
                                        legal_wording(rule.code) or rule.name_ru or rule.code)
    return tuple(seen.values()) or _FALLBACK_OPERATIONS


def col(n: int) -> str:
    """Column letter of 1-based column ``n``."""
    letters: str = get_column_letter(n)
    return letters


def absref(sheet: str, c1: int, r1: int, c2: int | None = None, r2: int | None = None) -> str:
    """Absolute reference ``'Sheet'!$A$1`` or ``'Sheet'!$A$1:$B$2``."""
    ref = f"{quote_sheetname(sheet)}!${col(c1)}${r1}"
    if c2 is not None and r2 is not None and (c2, r2) != (c1, r1):
        ref += f":${col(c2)}${r2}"
    return ref


@dataclass
class TemplateBook:
    """A workbook under construction plus the documented names it may define."""

    docs: Sequence[NameDoc]
    wb: Workbook = field(default_factory=Workbook)
    defined: dict[str, str] = field(default_factory=dict)
    validations: dict[tuple[str, str], DataValidation] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._doc_by_name = {d.name: d for d in self.docs}
        #: per validation (by id), the cells input_cell added to it
        self._validated: dict[int, set[str]] = {}
        #: per workbook (by id): style indexes of input cells (fill, font, border,
        #: protection), and of number formats
        self._input_style: dict[int, tuple[int, int, int, int]] = {}
        self._format_ids: dict[tuple[int, str], int] = {}

    # -- names ------------------------------------------------------------------
    def define(self, name: str, ref: str) -> None:
        """Add a workbook-level defined name; it must be documented in :mod:`.names`."""
        if name not in self._doc_by_name:
            raise TemplateError(f"defined name {name} is not documented in xlfuncs.templates.names")
        if name in self.defined:
            raise TemplateError(f"defined name {name} defined twice")
        self.defined[name] = ref
        self.wb.defined_names[name] = DefinedName(name, attr_text=ref)

    def check_all_defined(self) -> None:
        """Raise if a documented name was not defined (the docs would lie)."""
        missing = [d.name for d in self.docs if d.name not in self.defined]
        if missing:
            raise TemplateError(f"documented names not defined: {', '.join(missing)}")

    # -- cells ------------------------------------------------------------------
    def input_cell(self, ws: Worksheet, ref: str, value: Any, fmt: str | None = None,
                   validation: DataValidation | None = None) -> None:
        """Write an input cell: styled, unlocked, validated."""
        cell = ws[ref]
        cell.value = value
        # the style indexes the input style gets in this workbook, found by the first input
        # cell: openpyxl hashes each style object on every assignment (~30,000 of them here)
        book = id(ws.parent)
        ids = self._input_style.get(book)
        if ids is None:
            cell.fill = INPUT_FILL
            cell.font = INPUT_FONT
            cell.border = INPUT_BORDER
            cell.protection = UNLOCKED
            style = cell._style
            ids = self._input_style[book] = (
                style.fillId, style.fontId, style.borderId, style.protectionId
            )
        else:
            if not cell._style:
                cell._style = StyleArray()
            style = cell._style
            style.fillId, style.fontId, style.borderId, style.protectionId = ids
        if fmt:
            fmt_id = self._format_ids.get((book, fmt))
            if fmt_id is None:
                cell.number_format = fmt
                self._format_ids[(book, fmt)] = cell._style.numFmtId
            else:
                style.numFmtId = fmt_id
        if validation is not None:
            self._validate(validation, ref)

    def _validate(self, validation: DataValidation, ref: str) -> None:
        """``validation.add(ref)`` for one cell, without openpyxl's scan of every range the
        validation has (quadratic over the thousands of cells of a checklist)."""
        cell = CellRange(ref)
        ranges = validation.sqref.ranges
        seen = self._validated.setdefault(id(validation), set())
        if len(seen) != len(ranges):  # ranges added elsewhere: openpyxl's own test
            validation.add(ref)
            seen.clear()
            return
        if cell.coord not in seen:
            seen.add(cell.coord)
            ranges.add(cell)

    def validation(self, ws: Worksheet, key: str, **kwargs: Any) -> DataValidation:
        """One shared :class:`DataValidation` per (sheet, key)."""
        k = (ws.title, key)
        if k not in self.validations:
            kwargs.setdefault("allow_blank", True)
            kwargs.setdefault("showErrorMessage", True)
            kwargs.setdefault("showInputMessage", True)
            dv = DataValidation(**kwargs)
            ws.add_data_validation(dv)
            self.validations[k] = dv
        return self.validations[k]

    def list_validation(self, ws: Worksheet, list_name: str, *, strict: bool = True) -> DataValidation:
        """Dropdown fed by a helper list name; ``strict=False`` only warns on other values."""
        return self.validation(
            ws, f"list:{list_name}", type="list", formula1=f"={list_name}",
            errorStyle="stop" if strict else "warning",
            errorTitle="xlfuncs", error="Pick a value from the list / Выберите значение из списка",
        )

    def number_validation(self, ws: Worksheet, kind: str, low: float | None, high: float | None,
                          prompt: str) -> DataValidation:
        """Whole or decimal validation with optional bounds."""
        key = f"{kind}:{low}:{high}"
        if low is not None and high is not None:
            op, f1, f2 = "between", str(low), str(high)
        elif low is not None:
            op, f1, f2 = "greaterThanOrEqual", str(low), None
        else:
            op, f1, f2 = "lessThanOrEqual", str(high), None
        return self.validation(ws, key, type=kind, operator=op, formula1=f1, formula2=f2,
                               errorTitle="xlfuncs", error=prompt, promptTitle="xlfuncs", prompt=prompt)

    def text_validation(self, ws: Worksheet) -> DataValidation:
        """Free text up to 255 characters."""
        return self.validation(ws, "text", type="textLength", operator="lessThanOrEqual",
                               formula1="255", errorTitle="xlfuncs",
                               error="Text up to 255 characters / Текст до 255 символов")

    def share_validation(self, ws: Worksheet) -> DataValidation:
        """A share 0..1 of the units that meet a pro-rata line."""
        return self.number_validation(ws, "decimal", 0, 1,
                                      "Share of units 0..1 (pro rata) / Доля единиц 0..1")

    def code_list_validation(self, ws: Worksheet, key: str, ref: str) -> DataValidation:
        """Dropdown of the codes in range ``ref`` (the codes of one group of alternatives)."""
        return self.validation(
            ws, f"codes:{key}", type="list", formula1=ref, errorStyle="stop",
            errorTitle="xlfuncs", error="Pick one of the group's codes / Выберите код из списка",
            promptTitle="xlfuncs", prompt="The alternative reached / Достигнутый вариант")

    def flag_validation(self, ws: Worksheet) -> DataValidation:
        """1 = done, 0 = not done (dropdown)."""
        return self.validation(ws, "flag", type="list", formula1='"1,0"', errorTitle="xlfuncs",
                               error="1 = done in Russia, 0 = not / 1 = да, 0 = нет",
                               promptTitle="xlfuncs", prompt="1 = done in Russia / выполняется в РФ")


#: height of one line of 11-point text, in points (Excel's default row height)
LINE_HEIGHT = 15.0


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes when wrapped in a column ``width`` characters wide.

    A slightly conservative estimate for Calibri 11 (and its metric twin Carlito): a column
    ``width`` characters wide holds about ``width`` letters of running text, Latin or Cyrillic,
    so that the text is never cut or drawn over the next row.
    """
    if not text:
        return 1
    per_line = max(6, int(width) - 1)
    return sum(max(1, len(textwrap.wrap(part, per_line, break_long_words=True)))
               for part in str(text).split("\n"))


def fit_row(ws: Worksheet, row: int, widths: dict[int, float]) -> None:
    """Give ``row`` the height its wrapped text cells need (columns -> width in characters).

    Spreadsheets do not grow a row for wrapped text by themselves when they open a file
    (LibreOffice keeps the default height), so the height is written explicitly.
    """
    lines = 1
    for column, width in widths.items():
        value = ws.cell(row=row, column=column).value
        if isinstance(value, str) and not value.startswith("="):
            lines = max(lines, wrapped_lines(value, width))
    if lines > 1:
        ws.row_dimensions[row].height = math.ceil(lines * LINE_HEIGHT)


def wrap_labels(ws: Worksheet, rows: Iterable[int], widths: dict[int, float]) -> None:
    """Wrap the text labels of ``widths``' columns in ``rows`` and fit the row heights."""
    for row in rows:
        for column in widths:
            cell = ws.cell(row=row, column=column)
            if isinstance(cell.value, str) and not cell.value.startswith("="):
                cell.alignment = Alignment(wrap_text=True, vertical="top",
                                           horizontal=cell.alignment.horizontal)
        unit = ws.cell(row=row, column=max(widths) + 1)  # the unit next to the labels
        if isinstance(unit.value, str) and not unit.value.startswith("="):
            unit.alignment = Alignment(vertical="top", horizontal=unit.alignment.horizontal)
        fit_row(ws, row, widths)


def style_header(cells: Iterable[Any]) -> None:
    """Dark header band."""
    for c in cells:
        c.fill = HEADER_FILL
        c.font = HEADER_FONT
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def style_section(ws: Worksheet, row: int, last_col: int, en: str, ru: str) -> None:
    """A section band across the table."""
    ws.cell(row=row, column=1, value=en)
    ws.cell(row=row, column=2, value=ru)
    for c in range(1, last_col + 1):
        cell = ws.cell(row=row, column=c)
        cell.fill = SECTION_FILL
        cell.font = SECTION_FONT


def label_row(ws: Worksheet, row: int, en: str, ru: str, unit: str) -> None:
    """English label, Russian label and unit in columns A-C."""
    ws.cell(row=row, column=1, value=en)
    ws.cell(row=row, column=2, value=ru)
    ws.cell(row=row, column=3, value=unit).alignment = Alignment(horizontal="center")


def protect(ws: Worksheet) -> None:
    """Protect a sheet without a password; unlocked cells stay editable."""
    ws.protection.sheet = True
    ws.protection.formatCells = False  # users may still format cells and widen columns
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


#: page margins of every printed sheet, in inches (narrow sides, room for the header and footer)
MARGINS = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.25, footer=0.25)


def print_setup(ws: Worksheet, title_rows: str | None, area: str | None) -> None:
    """A4 landscape, fit to one page wide (as many pages tall as needed), the header rows
    ``title_rows`` repeated on every page, narrow margins; the file name in the header and
    the sheet name with "page / pages" in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    setup = ws.sheet_properties.pageSetUpPr
    assert setup is not None  # openpyxl creates it with the sheet
    setup.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins = copy.copy(MARGINS)
    if title_rows:
        ws.print_title_rows = title_rows
    if area:
        ws.print_area = area
    header, footer = ws.oddHeader, ws.oddFooter
    assert header is not None and footer is not None  # openpyxl creates them with the sheet
    header.left.text = "&F"
    header.left.size = 8
    footer.center.text = "&A — &P / &N"
    footer.center.size = 8


def page_break_after(ws: Worksheet, row: int) -> None:
    """A manual page break below ``row`` (the next row starts a new printed page)."""
    ws.row_breaks.append(Break(id=row))


def hide_from_print(ws: Worksheet) -> None:
    """Hide a helper sheet (Lists, xlwings.conf): spreadsheets print only visible sheets.

    Plain "hidden", not "veryHidden": Format > Sheet > Unhide shows it again. The xlwings
    add-in reads ``xlwings.conf`` by name (``Sheets("xlwings.conf")``), which works for a
    hidden sheet, and dropdowns read the Lists ranges through defined names.
    """
    ws.sheet_state = "hidden"
    if ws.print_area:
        raise TemplateError(f"{ws.title}: a hidden sheet with a print area is printed by LibreOffice")


#: Columns of the ``Lists`` sheet: (heading, defined name or None, width).
_LIST_COLUMNS = (
    ("Category / Категория", "List_Categories", 14),
    ("Purpose / Цель", "List_Purposes", 18),
    ("Powertrain / Силовая установка", "List_Powertrains", 16),
    ("Operation code / Код операции", "List_Operations", 44),
    ("Block / Блок", None, 14),
    ("Group of alternatives / Группа", None, 28),
    ("Operation (EN)", None, 60),
    ("Legal wording (section II) / Формулировка (раздел II)", None, 100),
)


def add_lists_sheet(tb: TemplateBook, ops: Sequence[Operation]) -> Worksheet:
    """The ``Lists`` sheet: categories, purposes, powertrains and the operation codes (with
    block, group, English name and legal wording) for dropdowns and reference.

    The codes of a group of alternatives are consecutive (legal order), so a group's
    dropdown is a range of the code column: :func:`group_code_ref`.
    """
    from xlfuncs.templates.checklist import lines

    ws: Worksheet = tb.wb.create_sheet("Lists")
    info = {x.code: x for x in lines([o.code for o in ops])}
    columns: list[Sequence[Any]] = [
        CATEGORIES,
        tuple(p[0] for p in PURPOSES),
        tuple(p[0] for p in POWERTRAINS),
        tuple(o.code for o in ops),
        tuple(info[o.code].block for o in ops),
        tuple(info[o.code].group for o in ops),
        tuple(o.en for o in ops),
        tuple(o.ru for o in ops),
    ]
    for i, ((head, name, width), values) in enumerate(zip(_LIST_COLUMNS, columns), start=1):
        ws.cell(row=1, column=i, value=head)
        for r, v in enumerate(values, start=2):
            ws.cell(row=r, column=i, value=v or None)
        if name:
            tb.define(name, absref(ws.title, i, 2, i, 1 + len(values)))
        ws.column_dimensions[col(i)].width = width
    style_header(ws[1][: len(_LIST_COLUMNS)])
    ws.freeze_panes = "A2"
    protect(ws)
    # no print area: LibreOffice prints a hidden sheet that has one
    print_setup(ws, "1:1", None)
    hide_from_print(ws)
    return ws


def group_code_ref(ops: Sequence[Operation], codes: Sequence[str]) -> str:
    """``='Lists'!$D$a:$D$b``: the rows of ``codes`` (consecutive) in the code column of the
    Lists sheet that :func:`add_lists_sheet` writes for ``ops``."""
    row = {o.code: i for i, o in enumerate(ops, start=2)}
    rows = sorted(row[c] for c in codes)
    if rows != list(range(rows[0], rows[0] + len(rows))):
        raise TemplateError(f"the codes of a group are not consecutive in Lists: {', '.join(codes)}")
    return "=" + absref("Lists", 4, rows[0], 4, rows[-1])


def add_conf_sheet(tb: TemplateBook) -> Worksheet:
    """The ``xlwings.conf`` sheet (key in A, value in B, read until the first blank key)."""
    ws: Worksheet = tb.wb.create_sheet("xlwings.conf")
    ws["A1"] = "UDF Modules"
    ws["B1"] = "xlfuncs.udfs"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 18
    ws["D1"] = ("Settings for the xlwings add-in: it imports the Python module named in B1. "
                "Rename this sheet to _xlwings.conf to switch it off. The sheet is hidden so that "
                "it is not printed: Format > Sheet > Unhide shows it.")
    ws["D2"] = ("Настройки надстройки xlwings: модуль с функциями указан в B1. "
                "Переименуйте лист в _xlwings.conf, чтобы отключить. Лист скрыт, чтобы не "
                "печатался: Формат > Лист > Показать.")
    ws.sheet_properties.tabColor = "A6A6A6"
    hide_from_print(ws)
    return ws


def add_readme(tb: TemplateBook, title_en: str, title_ru: str, about: Sequence[tuple[str, str]]) -> Worksheet:
    """The "Read me" sheet: purpose, how to use, the rulebook edition, the documented names."""
    ws = tb.wb.active
    assert isinstance(ws, Worksheet)  # a new workbook starts with one worksheet
    ws.title = "Read me"
    ws["A1"] = f"{title_en} / {title_ru}"
    ws["A1"].font = TITLE_FONT
    ws["A3"] = "Rulebook edition / Редакция правил"
    ws["B3"] = "=LOCRULEBOOK()"
    ws["B3"].font = font(bold=True)
    tb.define("Rulebook_Edition", absref(ws.title, 2, 3))
    ws["A4"] = "Input cell / Ячейка ввода"
    ws["B4"] = "typed values / вводимые значения"
    ws["B4"].fill = INPUT_FILL
    ws["B4"].font = INPUT_FONT
    ws["B4"].border = INPUT_BORDER
    widths = {1: 52.0, 2: 100.0}
    row = 6
    for en, ru in about:
        ws.cell(row=row, column=1, value=en).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=row, column=2, value=ru).alignment = Alignment(wrap_text=True, vertical="top")
        fit_row(ws, row, widths)
        row += 1
    note = ws.cell(row=row, column=1, value=(
        "Printing: the sheets print on A4 landscape, one page wide; the table of defined names "
        "below, the Lists and the xlwings.conf sheets (hidden) are not printed."))
    note_ru = ws.cell(row=row, column=2, value=(
        "Печать: листы печатаются на A4 альбомной ориентации в одну страницу по ширине; таблица "
        "имён ниже и скрытые листы Lists и xlwings.conf не печатаются."))
    for cell in (note, note_ru):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = font(italic=True, color="595959")
    fit_row(ws, row, widths)
    printed = row  # the print area ends here: the names table is reference for `xlfuncs fill`
    row += 2
    ws.cell(row=row, column=1, value="Defined name / Имя")
    ws.cell(row=row, column=2, value="Meaning / Значение")
    ws.cell(row=row, column=3, value="Unit / Ед.")
    ws.cell(row=row, column=4, value="Role / Роль")
    ws.cell(row=row, column=5, value="Shape / Форма")
    style_header(ws[row][:5])
    head = row
    top = Alignment(wrap_text=True, vertical="top")
    for d in tb.docs:
        row += 1
        ws.cell(row=row, column=1, value=d.name).alignment = top
        ws.cell(row=row, column=2, value=f"{d.en} / {d.ru}").alignment = top
        ws.cell(row=row, column=3, value=d.unit).alignment = top
        ws.cell(row=row, column=4, value=d.role).alignment = top
        ws.cell(row=row, column=5, value=d.shape).alignment = top
        fit_row(ws, row, widths)
    ws.column_dimensions["A"].width = widths[1]
    ws.column_dimensions["B"].width = widths[2]
    ws.column_dimensions["C"].width = 14
    ws.column_dimensions["D"].width = 9
    ws.column_dimensions["E"].width = 9
    protect(ws)
    print_setup(ws, None, f"A1:B{printed}")
    return ws


#: size of the score charts, in cm (before the sheet is scaled to the page width, about 55 %)
CHART_WIDTH = 40
CHART_HEIGHT = 27.0
#: width of every line of the score charts, in EMU (2 points)
LINE_WIDTH = 25400 * 2
#: sheet rows (15 points high) the chart covers, plus a margin row
CHART_ROWS = math.ceil(CHART_HEIGHT / 2.54 * 72 / LINE_HEIGHT) + 1


def score_chart(title: str, ws: Worksheet, year_row: int, first_col: int, last_col: int,
                line_rows: Sequence[tuple[int, str]], step_rows: Sequence[tuple[int, str]],
                data_row: int) -> ScatterChart:
    """Scatter chart of rows of ``ws`` over the year columns: scores as lines through a
    marker on each year, thresholds as steps.

    A threshold holds for a whole plan year, so each is drawn flat from half a year before
    to half a year after its year, with the jump between years: the score's marker sits in
    the middle of the bar it is measured against, and nothing between two years suggests a
    value that no rule has. Excel has no step line, so the steps are points written by
    formulas in hidden rows from ``data_row`` (outside the print area): first the x row
    (``year - 0.5``, ``year + 0.5`` for each year), then two equal points per year and
    threshold (``#N/A``, which a chart leaves out, where no bar is in force). No series is
    smoothed. The chart is :data:`CHART_WIDTH` x :data:`CHART_HEIGHT` cm,
    :data:`CHART_ROWS` rows tall; the templates put a page break before and after it.
    """
    chart = ScatterChart(scatterStyle="lineMarker")
    chart.title = title
    chart.y_axis.title = "points / баллы"
    chart.x_axis.title = "year / год"
    chart.x_axis.number_format = "0"  # 2027, not 2,027
    assert isinstance(chart.x_axis, NumericAxis)  # a scatter chart's x axis is a value axis
    chart.x_axis.majorUnit = 1
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.height = CHART_HEIGHT
    chart.width = CHART_WIDTH
    chart.visible_cells_only = False  # the step points are in hidden rows (plotVisOnly)
    assert chart.legend is not None  # ScatterChart() makes one; the stubs allow None
    chart.legend.position = "b"  # nine series: a legend below leaves the plot its width
    years = Reference(ws, min_col=first_col, max_col=last_col, min_row=year_row, max_row=year_row)
    for row, name in line_rows:
        ref = Reference(ws, min_col=first_col, max_col=last_col, min_row=row, max_row=row)
        s = Series(ref, years, title=name)
        s.smooth = False
        s.marker = Marker(symbol="circle", size=6)
        s.graphicalProperties.line.width = LINE_WIDTH
        chart.series.append(s)
    n = last_col - first_col + 1
    step_x = Reference(ws, min_col=first_col, max_col=first_col + 2 * n - 1, min_row=data_row, max_row=data_row)
    for i in range(n):
        year = f"{get_column_letter(first_col + i)}{year_row}"
        for k, half in enumerate(("-0.5", "+0.5")):
            ws.cell(row=data_row, column=first_col + 2 * i + k, value=f"={year}{half}")
    ws.cell(row=data_row, column=1, value="chart: year boundaries / границы лет")
    for j, (row, name) in enumerate(step_rows, start=1):
        r = data_row + j
        ws.cell(row=r, column=1, value=f"chart: {name}")
        for i in range(n):
            src = f"{get_column_letter(first_col + i)}{row}"
            for k in range(2):
                ws.cell(row=r, column=first_col + 2 * i + k, value=f"=IF(ISNUMBER({src}),{src},NA())")
        ref = Reference(ws, min_col=first_col, max_col=first_col + 2 * n - 1, min_row=r, max_row=r)
        s = Series(ref, step_x, title=name)
        s.smooth = False
        s.marker = Marker(symbol="none")
        s.graphicalProperties.line.dashStyle = "dash"  # a bar, not a score
        s.graphicalProperties.line.width = LINE_WIDTH
        chart.series.append(s)
    for r in range(data_row, data_row + len(step_rows) + 1):
        ws.row_dimensions[r].hidden = True
    return chart


#: calcId of the Excel 365 calculation engine (Excel writes 191029); see save_workbook.
CALC_ID = 191029

_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def save_workbook(wb: Workbook, path: str | os.PathLike[str], *, force: bool = True) -> Path:
    """Save ``wb`` deterministically and atomically (temp file + :func:`os.replace`).

    Document properties get fixed values and every zip member a fixed timestamp, so
    building the same template twice gives the same bytes.
    """
    out = Path(path)
    if out.exists() and not force:
        raise TemplateError(f"{out}: output exists (use --force to overwrite)")
    props = wb.properties
    props.creator = "xlfuncs"
    props.lastModifiedBy = "xlfuncs"
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    # A current calc-engine id and no full-calc flag: Excel (with or without the add-in)
    # shows the cached results stored below instead of recalculating on open (an old calcId
    # such as openpyxl's default 124519 makes Excel recalculate everything when it loads).
    wb.calculation.calcId = CALC_ID
    wb.calculation.fullCalcOnLoad = False
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    fixed = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)
    write_bytes_atomic(out, with_cached_results(fixed.getvalue()), make_parents=True)
    return out


def with_cached_results(package: bytes) -> bytes:
    """The package with every formula's result stored, computed by the xlfuncs engine.

    The shipped templates then show their example numbers in any spreadsheet, even one
    without the add-in; only the ``<v>`` of formula cells is added.
    """
    from xlfuncs.recalc.engine import evaluate
    from xlfuncs.recalc.reader import read_workbook
    from xlfuncs.recalc.writer import write_values

    with tempfile.TemporaryDirectory(prefix="xlfuncs-template-") as tmp:
        src, dst = Path(tmp) / "built.xlsx", Path(tmp) / "cached.xlsx"
        src.write_bytes(package)
        result = evaluate(read_workbook(src))
        write_values(src, dst, result.values)
        return dst.read_bytes()

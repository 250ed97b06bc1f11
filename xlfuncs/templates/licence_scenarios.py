"""``licence_scenarios.xlsx``: licensing a foreign platform against in-house R&D, under the
law and under the 2023 draft, side by side.

Scenario A buys a licence (lump sum + royalties, converted at the exchange rate and
amortised); scenario B spends on in-house R&D. Both share the operations score.

* **The law** (Resolution 719 as in force, the default rulebook ``ru719-2026-07``): licence
  costs are not R&D (footnote <12>), so scenario A earns no R&D points from its licence.
* **The draft** (Minpromtorg, Dec 2022 - Jan 2023, never adopted): licence costs counted as
  R&D from 2023. The workbook computes it by adding the licence cost to the R&D spend passed
  to ``LOCPOINTS`` from 2023 (the same result as the scenario edition ``ru719-licence-draft``).

Per year: R&D points and total score of A under the law, of A under the draft and of B (the
same under both), cost per point; per purpose: the years each meets the threshold, listed
("2024, 2025, 2026, 2027, 2028": a year it falls below the bar is absent).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.datavalidation import DataValidation

from xlfuncs.templates.builder import (
    FMT_INT,
    FMT_MONEY,
    FMT_POINTS,
    FMT_RUB,
    FMT_YEAR,
    KEY_FILL,
    TITLE_FONT,
    Operation,
    TemplateBook,
    absref,
    add_conf_sheet,
    add_lists_sheet,
    CHART_ROWS,
    LINE_HEIGHT,
    add_readme,
    col,
    page_break_after,
    font,
    label_row,
    operations,
    print_setup,
    protect,
    score_chart,
    style_header,
    style_section,
    wrap_labels,
)
from xlfuncs.templates.names import PURPOSES, licence_scenarios_names

__all__ = ["SHEET", "build"]

SHEET = "Scenarios"
FIRST_YEAR = 2024
N_YEARS = 7
FIRST_COL = 4

_REVENUE = [120e9, 130e9, 140e9, 150e9, 160e9, 170e9, 180e9]
_LUMP = [300e6, 300e6, 300e6, 300e6, 300e6, 0, 0]  # 1.5 bn in contract currency over 5 years
_ROYALTY = [200, 200, 200, 180, 180, 150, 150]
_UNITS = [30000, 40000, 50000, 60000, 60000, 60000, 60000]
_FX = [12.5, 12.8, 13.0, 13.2, 13.4, 13.6, 13.8]
_AMORT = [5, 5, 5, 5, 5, 1, 1]
_INHOUSE = [0.6e9, 1.2e9, 2.1e9, 3.0e9, 3.2e9, 3.4e9, 3.6e9]

DRAFT_FROM = 2023  # the first year the draft counts licence costs as R&D

_LAW_EN = ("LAW (in force): Resolution 719, footnote <12> - licence costs are not R&D and earn no "
           "points (rulebook ru719-2026-07).")
_LAW_RU = ("ЗАКОН (действует): постановление 719, сноска <12> - затраты на лицензии не являются "
           "НИОКР и баллов не дают.")
_DRAFT_EN = (f"DRAFT (not in force, never adopted): Minpromtorg draft of Dec 2022 - Jan 2023 - "
             f"licence cost added to R&D spend from {DRAFT_FROM}; for comparison only.")
_DRAFT_RU = (f"ПРОЕКТ (не действует, не принят): проект Минпромторга декабря 2022 - января 2023 - "
             f"лицензия добавляется к затратам на НИОКР с {DRAFT_FROM} г.; только для сравнения.")
# the same, short enough for the top of the sheet (columns A and B)
_TOP = (
    ("LAW (in force): licence costs are not R&D, no points",
     "ЗАКОН (действует): лицензия не НИОКР, баллов нет"),
    (f"DRAFT of 2023 (not in force): licence cost as R&D from {DRAFT_FROM}",
     f"ПРОЕКТ 2023 г. (не действует): лицензия как НИОКР с {DRAFT_FROM} г."),
)

_ABOUT = (
    (("What: licensing a foreign platform (scenario A: lump sum + royalties) against in-house "
     "R&D (scenario B), under the law and under the 2023 draft side by side: R&D points per "
     "year, total score, cost per point and the years each purpose's threshold is met."),
     ("Что: лицензия на иностранную платформу (сценарий A: паушальный платёж + роялти) против "
     "собственных НИОКР (сценарий B), по закону и по проекту 2023 года рядом: баллы по годам, "
     "итог, стоимость балла и годы выполнения порога по каждой цели.")),
    (_LAW_EN + " Scenario A's licence therefore adds nothing to its score under the law.",
     _LAW_RU + " Поэтому по закону лицензия сценария A баллов не добавляет."),
    (_DRAFT_EN + " The DRAFT rows add the licence cost to the R&D spend passed to LOCPOINTS "
     "(the same result as the scenario edition ru719-licence-draft).",
     _DRAFT_RU + " Строки ПРОЕКТ добавляют лицензию к затратам на НИОКР в LOCPOINTS (тот же "
     "результат, что и сценарная редакция ru719-licence-draft)."),
    (("How: type into the yellow cells of the Scenarios sheet only (the sheets are protected "
     "without a password). Enter the lump sum in each year of its amortisation period with "
     "the same amortisation years."),
     ("Как: вводите данные только в жёлтые ячейки листа Scenarios. Паушальный платёж вносите "
     "в каждый год срока амортизации с тем же сроком.")),
    (("Functions come from the xlfuncs add-in (xlwings, module xlfuncs.udfs) or from "
     "`xlfuncs recalc` without Excel. #N/A means no rule in force."),
     ("Функции даёт надстройка xlfuncs (xlwings, модуль xlfuncs.udfs) или `xlfuncs recalc` "
     "без Excel. #N/A — правило не задано.")),
    ("Data: `xlfuncs fill licence_scenarios DATA -o OUT.xlsx`, one row per year.",
     "Данные: `xlfuncs fill licence_scenarios DATA -o OUT.xlsx`, одна строка на год."),
)


def _years_met(row: int, first: int, last: int) -> str:
    """The years of ``row`` (a year where the threshold is met, else "") as one text,
    ``2024, 2025, 2026``; "not met / не выполняется" if none.

    Built from ``&``, ``TRIM`` and ``SUBSTITUTE`` only, so that every Excel version,
    LibreOffice and the xlfuncs engine compute it (``TEXTJOIN`` needs Excel 2019 and the
    ``_xlfn.`` prefix in the file). A year a score falls below the bar is simply absent:
    "2024, 2025, 2026, 2027, 2028" for a score that fails in 2029 and 2030.

    >>> _years_met(20, 4, 6)
    '=IF(COUNT(D20:F20)=0,"not met / не выполняется",SUBSTITUTE(TRIM(D20&" "&E20&" "&F20)," ",", "))'
    """
    cells = '&" "&'.join(f"{col(c)}{row}" for c in range(first, last + 1))
    rng = f"{col(first)}{row}:{col(last)}{row}"
    return f'=IF(COUNT({rng})=0,"not met / не выполняется",SUBSTITUTE(TRIM({cells})," ",", "))'


def build(ops: Sequence[Operation] | None = None) -> Workbook:
    """Build the workbook (not saved)."""
    ops = tuple(ops or operations())
    tb = TemplateBook(licence_scenarios_names())
    add_readme(tb, "Licence vs in-house R&D: the law and the 2023 draft",
               "Лицензия или собственные НИОКР: закон и проект 2023 года", _ABOUT)
    ws = tb.wb.create_sheet(SHEET)
    last = FIRST_COL + N_YEARS - 1
    first_col_out = last + 1
    years = range(FIRST_COL, last + 1)

    def name_row(name: str, row: int) -> None:
        tb.define(name, absref(SHEET, FIRST_COL, row, last, row))

    ws["A1"] = "Licence vs in-house R&D: the law and the 2023 draft / Лицензия или собственные НИОКР: закон и проект"
    ws["A1"].font = TITLE_FONT
    label_row(ws, 2, "Rulebook edition", "Редакция правил", "")
    ws["D2"] = "=Rulebook_Edition"
    ws["D2"].font = font(bold=True)
    for row, (en, ru), color in zip((3, 4), _TOP, ("1F4E78", "9C5700")):
        for c, text in ((1, en), (2, ru)):
            cell = ws.cell(row=row, column=c, value=text)
            cell.font = font(bold=True, color=color)
    wrap_labels(ws, (3, 4), {1: 46.0, 2: 46.0})
    label_row(ws, 5, "Vehicle category", "Категория ТС", "M1..N3")
    tb.input_cell(ws, "D5", "M1", None, tb.list_validation(ws, "List_Categories"))
    tb.define("Category", absref(SHEET, FIRST_COL, 5))
    label_row(ws, 6, "Powertrain (ice, hybrid, bev)", "Силовая установка (ДВС, гибрид, электро)",
              "ice/hybrid/bev")
    tb.input_cell(ws, "D6", "ice", None, tb.list_validation(ws, "List_Powertrains"))
    tb.define("Powertrain", absref(SHEET, FIRST_COL, 6))
    nonneg = tb.number_validation(ws, "decimal", 0, None, "A number >= 0 / Число >= 0")
    label_row(ws, 7, "Operations score (without R&D)", "Баллы за операции (без НИОКР)", "points")
    tb.input_cell(ws, "D7", 2900, FMT_POINTS, nonneg)
    tb.define("Base_Op_Points", absref(SHEET, FIRST_COL, 7))

    head = 9
    ws.cell(row=head, column=1, value="Item (EN)")
    ws.cell(row=head, column=2, value="Показатель (RU)")
    ws.cell(row=head, column=3, value="Unit / Ед.")
    for c in years:
        ws.cell(row=head, column=c, value=f"={col(c)}{head + 1}").number_format = FMT_YEAR
    ws.cell(row=head, column=first_col_out, value="Met in years / Годы выполнения")
    style_header(ws[head][:first_col_out])

    year_dv = tb.number_validation(ws, "whole", 1900, 9999, "A year, e.g. 2027 / Год")
    fx_dv = tb.number_validation(ws, "decimal", 0.0001, None, "Exchange rate > 0 / Курс > 0")
    amort_dv = tb.number_validation(ws, "whole", 1, 50, "Whole years 1-50 / Целое число лет 1-50")
    units_dv = tb.number_validation(ws, "whole", 0, None, "Whole number >= 0 / Целое >= 0")

    def input_row(row: int, name: str, en: str, ru: str, unit: str, values: Sequence[object],
                  fmt: str, dv: DataValidation) -> None:
        label_row(ws, row, en, ru, unit)
        for i, c in enumerate(years):
            tb.input_cell(ws, f"{col(c)}{row}", values[i], fmt, dv)
        name_row(name, row)

    def output_row(row: int, name: str, en: str, ru: str, unit: str, fmt: str,
                   formula: Callable[[str], str], key: bool = False) -> None:
        label_row(ws, row, en, ru, unit)
        for c in years:
            cell = ws.cell(row=row, column=c, value=formula(col(c)))
            cell.number_format = fmt
            if key:
                cell.fill = KEY_FILL
                cell.font = font(bold=True)
        name_row(name, row)

    y = head + 1
    input_row(y, "Plan_Year", "Plan year", "Год плана", "year", [FIRST_YEAR + i for i in range(N_YEARS)],
              FMT_YEAR, year_dv)
    rev = y + 1
    input_row(rev, "Revenue", "Revenue", "Выручка", "RUB", _REVENUE, FMT_RUB, nonneg)
    r = rev + 1
    style_section(ws, r, first_col_out, "Scenario A: licence", "Сценарий A: лицензия")
    lump, roy, units, fx, amort, lic = range(r + 1, r + 7)
    input_row(lump, "Licence_Lump_Sum", "Lump sum counted in the year", "Паушальный платёж", "currency",
              _LUMP, FMT_MONEY, nonneg)
    input_row(roy, "Licence_Royalty", "Royalty per unit", "Роялти за единицу", "currency/unit",
              _ROYALTY, FMT_MONEY, nonneg)
    input_row(units, "Licence_Units", "Units subject to royalty", "Единиц с роялти", "units",
              _UNITS, FMT_INT, units_dv)
    input_row(fx, "FX_Rate", "Exchange rate", "Курс валюты", "RUB/currency", _FX, "0.0000", fx_dv)
    input_row(amort, "Licence_Amortisation", "Amortisation years", "Срок амортизации", "years",
              _AMORT, FMT_INT, amort_dv)
    output_row(lic, "Licence_Cost", "A: licence cost (LICENSECOST)", "A: затраты на лицензию", "RUB", FMT_RUB,
               lambda c: f"=LICENSECOST({c}{lump},{c}{roy},{c}{units},{c}{fx},{c}{amort})")
    r = lic + 1
    style_section(ws, r, first_col_out, "Scenario B: in-house R&D", "Сценарий B: собственные НИОКР")
    inh = r + 1
    input_row(inh, "Inhouse_RnD_Spend", "In-house R&D spend", "Собственные затраты на НИОКР", "RUB",
              _INHOUSE, FMT_RUB, nonneg)

    r = inh + 1
    style_section(ws, r, first_col_out, "UNDER THE LAW (in force): licence costs are not R&D",
                  "ПО ЗАКОНУ (действует): лицензия не является НИОКР")
    lp, ip, ls, iscore, icp = range(r + 1, r + 6)
    output_row(lp, "Licence_Points", "A, law: R&D points from the licence (not counted)",
               "A, закон: баллы НИОКР за лицензию (не учитывается)", "points", FMT_POINTS,
               lambda c: f"=LOCPOINTS(0,{c}{rev},0,{c}{y},Category)")
    output_row(ip, "Inhouse_Points", "B: R&D points from in-house spend", "B: баллы НИОКР", "points",
               FMT_POINTS, lambda c: f"=LOCPOINTS({c}{inh},{c}{rev},0,{c}{y},Category)")
    output_row(ls, "Licence_Score", "A, law: total score", "A, закон: итого баллов", "points", FMT_POINTS,
               lambda c: f"=Base_Op_Points+{c}{lp}", key=True)
    output_row(iscore, "Inhouse_Score", "B: total score (law and draft alike)", "B: итого баллов (одинаково)",
               "points", FMT_POINTS, lambda c: f"=Base_Op_Points+{c}{ip}", key=True)
    output_row(icp, "Inhouse_Cost_Per_Point", "B: cost per R&D point", "B: стоимость балла", "RUB/point",
               FMT_RUB, lambda c: f'=IF(N({c}{ip})=0,"",{c}{inh}/{c}{ip})')
    r = icp + 1
    style_section(ws, r, first_col_out,
                  f"UNDER THE 2023 DRAFT (not in force): licence cost added to R&D from {DRAFT_FROM}",
                  f"ПО ПРОЕКТУ 2023 г. (не действует): лицензия добавлена к НИОКР с {DRAFT_FROM} г.")
    lpd, lsd, lcpd = range(r + 1, r + 4)
    output_row(lpd, "Licence_Points_Draft", "A, draft: R&D points from the licence",
               "A, проект: баллы НИОКР за лицензию", "points", FMT_POINTS,
               lambda c: f"=LOCPOINTS(IF({c}{y}>={DRAFT_FROM},{c}{lic},0),{c}{rev},0,{c}{y},Category)")
    output_row(lsd, "Licence_Score_Draft", "A, draft: total score", "A, проект: итого баллов", "points",
               FMT_POINTS, lambda c: f"=Base_Op_Points+{c}{lpd}", key=True)
    output_row(lcpd, "Licence_Cost_Per_Point_Draft", "A, draft: cost per R&D point", "A, проект: стоимость балла",
               "RUB/point", FMT_RUB, lambda c: f'=IF(N({c}{lpd})=0,"",{c}{lic}/{c}{lpd})')
    r = lcpd + 1
    page_break_after(ws, r - 1)  # the thresholds and the years met start a page
    style_section(ws, r, first_col_out, "Thresholds: years met (all of them in the last column)",
                  "Пороги: годы выполнения (все годы в последнем столбце)")
    thr_rows: list[tuple[int, str]] = []
    first_thr = r + 1
    for p, en, ru in PURPOSES:
        cap = p.capitalize()
        thr = r + 1
        meets = [(r + 2, ls, f"Licence_Years_Met_{cap}", "A, law", "A, закон"),
                 (r + 3, lsd, f"Licence_Years_Met_Draft_{cap}", "A, draft", "A, проект"),
                 (r + 4, iscore, f"Inhouse_Years_Met_{cap}", "B", "B")]
        label_row(ws, thr, f"{en}: threshold", f"{ru}: порог", "points")
        for c in years:
            cl = col(c)
            ws.cell(row=thr, column=c,
                    value=f'=LOCTHRESHOLD("{p}",{cl}{y},Category,Powertrain)').number_format = FMT_POINTS
        for row, score, name, who_en, who_ru in meets:
            label_row(ws, row, f"{en}: {who_en} meets in", f"{ru}: {who_ru} выполняет в", "year")
            for c in years:
                cl = col(c)
                ws.cell(row=row, column=c,
                        value=(f'=IFERROR(IF(LOCELIGIBLE({cl}{score},"{p}",{cl}{y},Category,Powertrain),'
                               f'{cl}{y},""),"")')).number_format = FMT_YEAR
            cell = ws.cell(row=row, column=first_col_out, value=_years_met(row, FIRST_COL, last))
            cell.font = font(bold=True)
            cell.alignment = Alignment(horizontal="right", vertical="top", wrap_text=True)
            tb.define(name, absref(SHEET, first_col_out, row))
        name_row(f"Threshold_{cap}", thr)
        thr_rows.append((thr, f"{en} / {ru}"))
        r = r + 4
    last_row = r
    wrap_labels(ws, range(head + 1, last_row + 1), {1: 46.0, 2: 46.0})
    ws.column_dimensions["A"].width = 46
    ws.column_dimensions["B"].width = 46
    ws.column_dimensions["C"].width = 14
    for c in years:
        ws.column_dimensions[col(c)].width = 16
    ws.column_dimensions[col(first_col_out)].width = 24
    ws.row_dimensions[head].height = 2 * LINE_HEIGHT  # "Met in years / Годы выполнения"
    for row in range(head + 1, last_row + 1):  # "2024, 2025, ..., 2030" takes two lines
        if isinstance(ws.cell(row=row, column=first_col_out).value, str):
            ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, 2 * LINE_HEIGHT)
    for row in range(first_thr, last_row + 1):  # values on the first line, as the wrapped labels
        for c in years:
            ws.cell(row=row, column=c).alignment = Alignment(horizontal="right", vertical="top")
    ws.freeze_panes = f"D{head + 1}"
    chart = score_chart("Scenario A (licence) under the law and the draft, B (in-house) / Сценарии A и B",
                        ws, y, FIRST_COL, last,
                        [(ls, "A, law / закон"), (lsd, "A, draft (not in force) / проект"),
                         (iscore, "B: in-house / собственные")], thr_rows,
                        data_row=last_row + 2 + CHART_ROWS + 2)
    ws.add_chart(chart, f"B{last_row + 3}")
    page_break_after(ws, last_row + 1)  # the chart prints on a page of its own, never split
    protect(ws)
    print_setup(ws, f"{head}:{head}", f"A1:{col(first_col_out)}{last_row + 2 + CHART_ROWS}")
    add_lists_sheet(tb, ops)
    add_conf_sheet(tb)
    tb.check_all_defined()
    return tb.wb

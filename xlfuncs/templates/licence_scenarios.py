"""``licence_scenarios.xlsx``: licensing a foreign platform against in-house R&D.

Scenario A buys a licence (lump sum + royalties, converted at the exchange rate and
amortised); from 2023 the rulebook counts licence cost as R&D. Scenario B spends the
money on in-house R&D. Both share the operations score. Per year: R&D points, total
score, cost per point; per purpose: the first year each scenario meets the threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
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
    add_readme,
    col,
    label_row,
    operations,
    print_setup,
    protect,
    score_chart,
    style_header,
    style_section,
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

_ABOUT = (
    (("What: licensing a foreign platform (scenario A: lump sum + royalties) against in-house "
     "R&D (scenario B): R&D points per year, total score, cost per point and the first year "
     "each purpose's threshold is met."),
     ("Что: лицензия на иностранную платформу (сценарий A: паушальный платёж + роялти) против "
     "собственных НИОКР (сценарий B): баллы по годам, итог, стоимость балла и первый год "
     "выполнения порога по каждой цели.")),
    (("How: type into the yellow cells of the Scenarios sheet only (the sheets are protected "
     "without a password). Enter the lump sum in each year of its amortisation period with "
     "the same amortisation years. The rulebook counts licence cost as R&D from 2023."),
     ("Как: вводите данные только в жёлтые ячейки листа Scenarios. Паушальный платёж вносите "
     "в каждый год срока амортизации с тем же сроком. Лицензия считается НИОКР с 2023 года.")),
    (("Functions come from the xlfuncs add-in (xlwings, module xlfuncs.udfs) or from "
     "`xlfuncs recalc` without Excel. #N/A means no rule in force."),
     ("Функции даёт надстройка xlfuncs (xlwings, модуль xlfuncs.udfs) или `xlfuncs recalc` "
     "без Excel. #N/A — правило не задано.")),
    ("Data: `xlfuncs fill licence_scenarios DATA -o OUT.xlsx`, one row per year.",
     "Данные: `xlfuncs fill licence_scenarios DATA -o OUT.xlsx`, одна строка на год."),
)


def build(ops: Sequence[Operation] | None = None) -> Workbook:
    """Build the workbook (not saved)."""
    ops = tuple(ops or operations())
    tb = TemplateBook(licence_scenarios_names())
    add_readme(tb, "Licence vs in-house R&D", "Лицензия или собственные НИОКР", _ABOUT)
    ws = tb.wb.create_sheet(SHEET)
    last = FIRST_COL + N_YEARS - 1
    first_col_out = last + 1
    years = range(FIRST_COL, last + 1)

    def name_row(name: str, row: int) -> None:
        tb.define(name, absref(SHEET, FIRST_COL, row, last, row))

    ws["A1"] = "Licence vs in-house R&D / Лицензия или собственные НИОКР"
    ws["A1"].font = TITLE_FONT
    label_row(ws, 2, "Rulebook edition", "Редакция правил", "")
    ws["D2"] = "=Rulebook_Edition"
    ws["D2"].font = Font(bold=True)
    label_row(ws, 4, "Vehicle category", "Категория ТС", "M1..N3")
    tb.input_cell(ws, "D4", "M1", None, tb.list_validation(ws, "List_Categories"))
    tb.define("Category", absref(SHEET, FIRST_COL, 4))
    nonneg = tb.number_validation(ws, "decimal", 0, None, "A number >= 0 / Число >= 0")
    label_row(ws, 5, "Operations score (without R&D)", "Баллы за операции (без НИОКР)", "points")
    tb.input_cell(ws, "D5", 2100, FMT_POINTS, nonneg)
    tb.define("Base_Op_Points", absref(SHEET, FIRST_COL, 5))

    head = 7
    ws.cell(row=head, column=1, value="Item (EN)")
    ws.cell(row=head, column=2, value="Показатель (RU)")
    ws.cell(row=head, column=3, value="Unit / Ед.")
    for c in years:
        ws.cell(row=head, column=c, value=f"={col(c)}{head + 1}").number_format = FMT_YEAR
    ws.cell(row=head, column=first_col_out, value="First year / Первый год")
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

    y = head + 1
    input_row(y, "Plan_Year", "Plan year", "Год плана", "year", [FIRST_YEAR + i for i in range(N_YEARS)],
              FMT_YEAR, year_dv)
    rev = y + 1
    input_row(rev, "Revenue", "Revenue", "Выручка", "RUB", _REVENUE, FMT_RUB, nonneg)
    r = rev + 1
    style_section(ws, r, first_col_out, "Scenario A: licence", "Сценарий A: лицензия")
    lump, roy, units, fx, amort = r + 1, r + 2, r + 3, r + 4, r + 5
    input_row(lump, "Licence_Lump_Sum", "Lump sum counted in the year", "Паушальный платёж", "currency",
              _LUMP, FMT_MONEY, nonneg)
    input_row(roy, "Licence_Royalty", "Royalty per unit", "Роялти за единицу", "currency/unit",
              _ROYALTY, FMT_MONEY, nonneg)
    input_row(units, "Licence_Units", "Units subject to royalty", "Единиц с роялти", "units",
              _UNITS, FMT_INT, units_dv)
    input_row(fx, "FX_Rate", "Exchange rate", "Курс валюты", "RUB/currency", _FX, "0.0000", fx_dv)
    input_row(amort, "Licence_Amortisation", "Amortisation years", "Срок амортизации", "years",
              _AMORT, FMT_INT, amort_dv)
    r = amort + 1
    style_section(ws, r, first_col_out, "Scenario B: in-house R&D", "Сценарий B: собственные НИОКР")
    inh = r + 1
    input_row(inh, "Inhouse_RnD_Spend", "In-house R&D spend", "Собственные затраты на НИОКР", "RUB",
              _INHOUSE, FMT_RUB, nonneg)
    r = inh + 1
    style_section(ws, r, first_col_out, "Results", "Результаты")
    lic, lp, ip, ls, iscore, lcp, icp = range(r + 1, r + 8)
    out: list[tuple[int, str, str, str, str, str, Callable[[str], str]]] = [
        (lic, "Licence_Cost", "A: licence cost (LICENSECOST)", "A: затраты на лицензию", "RUB", FMT_RUB,
         lambda c: f"=LICENSECOST({c}{lump},{c}{roy},{c}{units},{c}{fx},{c}{amort})"),
        (lp, "Licence_Points", "A: R&D points from the licence", "A: баллы НИОКР за лицензию", "points",
         FMT_POINTS, lambda c: f"=LOCPOINTS(0,{c}{rev},{c}{lic},{c}{y},Category)"),
        (ip, "Inhouse_Points", "B: R&D points from in-house spend", "B: баллы НИОКР", "points", FMT_POINTS,
         lambda c: f"=LOCPOINTS({c}{inh},{c}{rev},0,{c}{y},Category)"),
        (ls, "Licence_Score", "A: total score", "A: итого баллов", "points", FMT_POINTS,
         lambda c: f"=Base_Op_Points+{c}{lp}"),
        (iscore, "Inhouse_Score", "B: total score", "B: итого баллов", "points", FMT_POINTS,
         lambda c: f"=Base_Op_Points+{c}{ip}"),
        (lcp, "Licence_Cost_Per_Point", "A: cost per R&D point", "A: стоимость балла", "RUB/point", FMT_RUB,
         lambda c: f'=IF(N({c}{lp})=0,"",{c}{lic}/{c}{lp})'),
        (icp, "Inhouse_Cost_Per_Point", "B: cost per R&D point", "B: стоимость балла", "RUB/point", FMT_RUB,
         lambda c: f'=IF(N({c}{ip})=0,"",{c}{inh}/{c}{ip})'),
    ]
    for row, name, en, ru, unit, fmt, formula in out:
        label_row(ws, row, en, ru, unit)
        for c in years:
            cell = ws.cell(row=row, column=c, value=formula(col(c)))
            cell.number_format = fmt
            if name in ("Licence_Score", "Inhouse_Score"):
                cell.fill = KEY_FILL
                cell.font = Font(bold=True)
        name_row(name, row)
    r = icp + 1
    style_section(ws, r, first_col_out, "Thresholds: year met (first year in the last column)",
                  "Пороги: год выполнения (первый год в последнем столбце)")
    thr_rows: list[tuple[int, str]] = []
    for p, en, ru in PURPOSES:
        cap = p.capitalize()
        thr, a_row, b_row = r + 1, r + 2, r + 3
        label_row(ws, thr, f"{en}: threshold", f"{ru}: порог", "points")
        label_row(ws, a_row, f"{en}: A meets in", f"{ru}: A выполняет в", "year")
        label_row(ws, b_row, f"{en}: B meets in", f"{ru}: B выполняет в", "year")
        for c in years:
            cl = col(c)
            ws.cell(row=thr, column=c, value=f'=LOCTHRESHOLD("{p}",{cl}{y},Category)').number_format = FMT_POINTS
            ws.cell(row=a_row, column=c,
                    value=f'=IFERROR(IF({cl}{ls}>={cl}{thr},{cl}{y},""),"")').number_format = FMT_YEAR
            ws.cell(row=b_row, column=c,
                    value=f'=IFERROR(IF({cl}{iscore}>={cl}{thr},{cl}{y},""),"")').number_format = FMT_YEAR
        rng_a = f"{col(FIRST_COL)}{a_row}:{col(last)}{a_row}"
        rng_b = f"{col(FIRST_COL)}{b_row}:{col(last)}{b_row}"
        for row, rng, name in ((a_row, rng_a, f"Licence_First_Year_{cap}"), (b_row, rng_b, f"Inhouse_First_Year_{cap}")):
            cell = ws.cell(row=row, column=first_col_out,
                           value=f'=IF(COUNT({rng})=0,"not met / не достигнут",MIN({rng}))')
            cell.number_format = FMT_YEAR
            cell.font = Font(bold=True)
            tb.define(name, absref(SHEET, first_col_out, row))
        name_row(f"Threshold_{cap}", thr)
        thr_rows.append((thr, f"{en} / {ru}"))
        r = b_row
    last_row = r
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 14
    for c in years:
        ws.column_dimensions[col(c)].width = 16
    ws.column_dimensions[col(first_col_out)].width = 22
    ws.freeze_panes = f"D{head + 1}"
    chart = score_chart("Scenario A (licence) vs B (in-house) / Сценарии A и B", ws, y, FIRST_COL, last,
                        [(ls, "A: licence / лицензия"), (iscore, "B: in-house / собственные")] + thr_rows)
    ws.add_chart(chart, f"B{last_row + 3}")
    protect(ws)
    print_setup(ws, f"{head}:{head}", f"A1:{col(first_col_out)}{last_row + 22}")
    add_lists_sheet(tb, ops)
    add_conf_sheet(tb)
    tb.check_all_defined()
    return tb.wb

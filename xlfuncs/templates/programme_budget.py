"""``programme_budget.xlsx``: one model's localization programme, years as columns.

Layout of the ``Programme`` sheet (columns A-C: English label, Russian label, unit or
operation code; one column per year from D; column after the years: points of each
checklist operation). Inputs on top, results below, then a chart of the score against
the thresholds. Every input and key output is a workbook-level defined name
(:func:`xlfuncs.templates.names.programme_budget_names`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from xlfuncs.templates.builder import (
    FMT_INT,
    FMT_MONEY,
    FMT_PERCENT,
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
from xlfuncs.templates.names import PURPOSES, operation_name, programme_budget_names

__all__ = ["SHEET", "build"]

SHEET = "Programme"
FIRST_YEAR = 2024
N_YEARS = 7
FIRST_COL = 4  # D

# Example programme: a crossover localising step by step (all numbers are illustrative).
_REVENUE = [180e9, 195e9, 210e9, 225e9, 240e9, 250e9, 260e9]
_RND = [0.9e9, 1.4e9, 2.2e9, 3.0e9, 3.4e9, 3.8e9, 4.0e9]
_LUMP = [12e6, 12e6, 12e6, 0, 0, 0, 0]  # a 36 M lump sum spread over three years
_ROYALTY = [150, 150, 150, 120, 120, 100, 100]
_UNITS = [20000, 30000, 40000, 45000, 50000, 50000, 50000]
_FX = [12.5, 12.8, 13.0, 13.2, 13.4, 13.6, 13.8]
_AMORT = [3, 3, 3, 1, 1, 1, 1]
# done flags per operation code, by year index from which the operation is localised
_DONE_FROM = {
    "body_welding": 0, "body_painting": 0, "russian_paint": 1, "russian_body_metal": 2,
    "engine_assembly_test": 2, "engine_ecu": 3, "telematics": 3, "cylinder_block": 4,
}

_ABOUT = (
    (("What: a localization programme for one vehicle model or modification, year by year: "
     "revenue, R&D and licence spend, operations done in Russia; the points (with and without "
     "R&D), the thresholds for each purpose, the gaps and the R&D spend needed."),
     ("Что: программа локализации одной модели или модификации по годам: выручка, затраты на "
     "НИОКР и лицензию, операции в РФ; баллы (с НИОКР и без), пороги по целям, разрывы и "
     "нужные затраты на НИОКР.")),
    (("How: type into the yellow cells of the Programme sheet only (the sheets are protected "
     "without a password). Operation flags: 1 = done in Russia that year, 0 = not."),
     ("Как: вводите данные только в жёлтые ячейки листа Programme (листы защищены без "
     "пароля). Отметки операций: 1 = выполняется в РФ в этом году, 0 = нет.")),
    (("Functions: LOCPOINTS, LOCSCORE, LOCTHRESHOLD and others come from the xlfuncs add-in "
     "(xlwings, module xlfuncs.udfs, see the xlwings.conf sheet) or from `xlfuncs recalc` "
     "without Excel. #N/A means no rule in force for that year, category or purpose."),
     ("Функции LOCPOINTS, LOCSCORE, LOCTHRESHOLD и др. даёт надстройка xlfuncs (xlwings, "
     "модуль xlfuncs.udfs, см. лист xlwings.conf) или `xlfuncs recalc` без Excel. #N/A — "
     "для этого года, категории или цели правило не задано.")),
    (("Licence: enter the lump sum in each year it is amortised over, with the same "
     "amortisation years (LICENSECOST counts lump sum / years in each such year). "
     "The rulebook counts licence cost as R&D from 2023."),
     ("Лицензия: паушальный платёж вносите в каждый год срока амортизации с тем же сроком "
     "(LICENSECOST учитывает платёж / срок в каждом году). Правила учитывают лицензию как "
     "НИОКР с 2023 года.")),
    (("Data: fill from CSV/JSON/XLSX with `xlfuncs fill programme_budget DATA -o OUT.xlsx`, "
     "one row per year, columns named as the defined names below."),
     ("Данные: `xlfuncs fill programme_budget DATA -o OUT.xlsx`, одна строка на год, "
     "столбцы называются как имена ниже.")),
)


def _purpose_formula(func: str, purpose: str, score_row: int | None, year_row: int) -> Callable[[str], str]:
    """Formula maker for one purpose row: ``=LOCGAP(D36,"loans",D10,Category)`` and the like."""

    def make(c: str) -> str:
        score = f"{c}{score_row}," if score_row is not None else ""
        return f'={func}({score}"{purpose}",{c}{year_row},Category)'

    return make


def build(ops: Sequence[Operation] | None = None) -> Workbook:
    """Build the workbook (not saved)."""
    ops = tuple(ops or operations())
    codes = [o.code for o in ops]
    tb = TemplateBook(programme_budget_names(codes))
    add_readme(tb, "Localization programme budget", "Бюджет программы локализации", _ABOUT)
    ws = tb.wb.create_sheet(SHEET)
    last = FIRST_COL + N_YEARS - 1
    pts_col = last + 1
    years = range(FIRST_COL, last + 1)

    def name_row(name: str, row: int) -> None:
        tb.define(name, absref(SHEET, FIRST_COL, row, last, row))

    def name_cell(name: str, ref_col: int, row: int) -> None:
        tb.define(name, absref(SHEET, ref_col, row))

    ws["A1"] = "Localization programme budget / Бюджет программы локализации"
    ws["A1"].font = TITLE_FONT
    label_row(ws, 2, "Rulebook edition", "Редакция правил", "")
    ws["D2"] = "=Rulebook_Edition"
    ws["D2"].font = Font(bold=True)

    text_dv = tb.text_validation(ws)
    scalars = [
        (4, "Model_Name", "Model / modification", "Модель / модификация", "text", "Crossover X 1.6 MT", None, text_dv),
        (5, "Category", "Vehicle category", "Категория ТС", "M1..N3", "M1", None,
         tb.list_validation(ws, "List_Categories")),
        (6, "Price", "Vehicle price", "Цена автомобиля", "RUB", 2_150_000, FMT_RUB,
         tb.number_validation(ws, "decimal", 0, None, "A number >= 0 / Число >= 0")),
        (7, "Target_Purpose", "Target purpose (spend needed)", "Цель для расчёта затрат", "purpose",
         "procurement", None, tb.list_validation(ws, "List_Purposes")),
    ]
    for row, name, en, ru, unit, value, fmt, dv in scalars:
        label_row(ws, row, en, ru, unit)
        tb.input_cell(ws, f"D{row}", value, fmt, dv)
        name_cell(name, FIRST_COL, row)

    head = 9
    ws.cell(row=head, column=1, value="Item (EN)")
    ws.cell(row=head, column=2, value="Показатель (RU)")
    ws.cell(row=head, column=3, value="Unit / Ед.")
    for c in years:
        ws.cell(row=head, column=c, value=f"={col(c)}{head + 1}").number_format = FMT_YEAR
    ws.cell(row=head, column=pts_col, value="Points / Баллы")
    style_header(ws[head][:pts_col])

    nonneg = tb.number_validation(ws, "decimal", 0, None, "A number >= 0 / Число >= 0")
    positive_fx = tb.number_validation(ws, "decimal", 0.0001, None, "Exchange rate > 0 / Курс > 0")
    year_dv = tb.number_validation(ws, "whole", 1900, 9999, "A year, e.g. 2027 / Год, например 2027")
    amort_dv = tb.number_validation(ws, "whole", 1, 50, "Whole years 1-50 / Целое число лет 1-50")
    units_dv = tb.number_validation(ws, "whole", 0, None, "Whole number >= 0 / Целое >= 0")
    flag_dv = tb.flag_validation(ws)

    def input_row(row: int, name: str, en: str, ru: str, unit: str, values: Sequence[object],
                  fmt: str, dv: DataValidation) -> None:
        label_row(ws, row, en, ru, unit)
        for i, c in enumerate(years):
            tb.input_cell(ws, f"{col(c)}{row}", values[i], fmt, dv)
        name_row(name, row)

    r = head + 1
    input_row(r, "Plan_Year", "Plan year", "Год плана", "year",
              [FIRST_YEAR + i for i in range(N_YEARS)], FMT_YEAR, year_dv)
    y = r  # year row
    input_row(r + 1, "Revenue", "Revenue", "Выручка", "RUB", _REVENUE, FMT_RUB, nonneg)
    input_row(r + 2, "RnD_Spend", "R&D spend", "Затраты на НИОКР", "RUB", _RND, FMT_RUB, nonneg)
    rev, rnd = r + 1, r + 2
    r += 3
    style_section(ws, r, pts_col, "Licence", "Лицензия")
    input_row(r + 1, "Licence_Lump_Sum", "Lump sum counted in the year", "Паушальный платёж", "currency",
              _LUMP, FMT_MONEY, nonneg)
    input_row(r + 2, "Licence_Royalty", "Royalty per unit", "Роялти за единицу", "currency/unit",
              _ROYALTY, FMT_MONEY, nonneg)
    input_row(r + 3, "Licence_Units", "Units subject to royalty", "Единиц с роялти", "units",
              _UNITS, FMT_INT, units_dv)
    input_row(r + 4, "FX_Rate", "Exchange rate", "Курс валюты", "RUB/currency", _FX, "0.0000", positive_fx)
    input_row(r + 5, "Licence_Amortisation", "Amortisation years", "Срок амортизации", "years",
              _AMORT, FMT_INT, amort_dv)
    lump, roy, units, fx, amort = r + 1, r + 2, r + 3, r + 4, r + 5
    r += 6

    style_section(ws, r, pts_col, "Operations checklist (1 = done in Russia)",
                  "Чек-лист операций (1 = выполняется в РФ)")
    ws.cell(row=r, column=3, value="code / код")
    ws.cell(row=r, column=pts_col, value=f"points in {FIRST_YEAR}")
    first_op = r + 1
    for k, op in enumerate(ops):
        row = first_op + k
        ws.cell(row=row, column=1, value=op.en)
        ws.cell(row=row, column=2, value=op.ru)
        ws.cell(row=row, column=3, value=op.code)
        start = _DONE_FROM.get(op.code, N_YEARS)
        input_row(row, operation_name("Done", op.code), op.en, op.ru, op.code,
                  [1 if i >= start else 0 for i in range(N_YEARS)], "0", flag_dv)
    row = first_op + len(ops)
    code_dv = tb.list_validation(ws, "List_Operations", strict=False)
    for n in (1, 2):
        label_row(ws, row, f"Additional operation {n} (pick code)", f"Доп. операция {n} (выберите код)", "")
        tb.input_cell(ws, f"C{row}", None, None, code_dv)
        name_cell(f"Extra_Op_Code_{n}", 3, row)
        for c in years:
            tb.input_cell(ws, f"{col(c)}{row}", 0, "0", flag_dv)
        name_row(f"Done_Extra_{n}", row)
        row += 1
    last_op = row - 1
    tb.define("Op_Codes", absref(SHEET, 3, first_op, 3, last_op))
    tb.define("Ops_Done", absref(SHEET, FIRST_COL, first_op, last, last_op))
    for k in range(first_op, last_op + 1):
        cell = ws.cell(row=k, column=pts_col,
                       value=f'=IF(C{k}="","",LOCOPPOINTS(C{k},Category,$D${y}))')
        cell.number_format = FMT_POINTS
    tb.define("Op_Points_Each", absref(SHEET, pts_col, first_op, pts_col, last_op))

    r = last_op + 1
    style_section(ws, r, pts_col, "Results", "Результаты")
    out_rows: list[tuple[str, str, str, str, str | None, Callable[[str], str]]] = [
        ("Licence_Cost", "Licence cost (LICENSECOST)", "Затраты на лицензию", "RUB", FMT_RUB,
         lambda c: f"=LICENSECOST({c}{lump},{c}{roy},{c}{units},{c}{fx},{c}{amort})"),
        ("Licence_Cost_Per_Unit_Share", "Licence cost per unit / price", "Лицензия на ед. / цена", "%",
         FMT_PERCENT, lambda c: f'=IF(OR({c}{units}=0,$D$6=0),"",{c}{{lic}}/{c}{units}/$D$6)'),
        ("RnD_Share", "R&D spend / revenue", "Доля НИОКР в выручке", "%", FMT_PERCENT,
         lambda c: f'=IF({c}{rev}=0,"",{c}{rnd}/{c}{rev})'),
        ("RnD_Points", "R&D points (LOCPOINTS)", "Баллы за НИОКР", "points", FMT_POINTS,
         lambda c: f"=LOCPOINTS({c}{rnd},{c}{rev},{c}{{lic}},{c}{y},Category)"),
        ("Score_Without_RnD", "Total score without R&D", "Итого без НИОКР", "points", FMT_POINTS,
         lambda c: f"=LOCSCORE(Op_Codes,{c}{first_op}:{c}{last_op},0,Category,{c}{y})"),
        ("Score_Total", "Total score with R&D", "Итого с НИОКР", "points", FMT_POINTS,
         lambda c: f"=LOCSCORE(Op_Codes,{c}{first_op}:{c}{last_op},{c}{{rp}},Category,{c}{y})"),
        ("Conclusion", "Conclusion (both totals)", "Итог (оба значения)", "text", None,
         lambda c: (f'={c}{y}&": "&ROUND({c}{{tot}},0)&" with R&D / с НИОКР; "'
                    f'&ROUND({c}{{wo}},0)&" without / без НИОКР"')),
    ]
    rows: dict[str, int] = {}
    for k, (name, *_rest) in enumerate(out_rows):
        rows[name] = r + 1 + k
    fill_in = {"lic": rows["Licence_Cost"], "rp": rows["RnD_Points"], "tot": rows["Score_Total"],
               "wo": rows["Score_Without_RnD"]}
    for name, en, ru, unit, fmt, formula in out_rows:
        row = rows[name]
        label_row(ws, row, en, ru, unit)
        for c in years:
            text = formula(col(c)).replace("{lic}", str(fill_in["lic"])).replace(
                "{rp}", str(fill_in["rp"])).replace("{tot}", str(fill_in["tot"])).replace(
                "{wo}", str(fill_in["wo"]))
            cell = ws.cell(row=row, column=c, value=text)
            if fmt:
                cell.number_format = fmt
            if name in ("Score_Total", "Score_Without_RnD"):
                cell.fill = KEY_FILL
                cell.font = Font(bold=True)
        name_row(name, row)
    tot, wo = rows["Score_Total"], rows["Score_Without_RnD"]
    r = max(rows.values()) + 1

    style_section(ws, r, pts_col, "Thresholds by purpose (score with R&D)",
                  "Пороги по целям (баллы с НИОКР)")
    thr_rows: list[tuple[int, str]] = []
    for code, en, ru in PURPOSES:
        cap = code.capitalize()
        specs: list[tuple[str, str, str, str, str | None, Callable[[str], str]]] = [
            (f"Threshold_{cap}", f"{en}: threshold", f"{ru}: порог", "points", FMT_POINTS,
             _purpose_formula("LOCTHRESHOLD", code, None, y)),
            (f"Gap_{cap}", f"{en}: gap", f"{ru}: разрыв", "points", FMT_POINTS,
             _purpose_formula("LOCGAP", code, tot, y)),
            (f"Eligible_{cap}", f"{en}: eligible", f"{ru}: проходит", "TRUE/FALSE", None,
             _purpose_formula("LOCELIGIBLE", code, tot, y)),
        ]
        for name, en_l, ru_l, unit, fmt, formula in specs:
            r += 1
            label_row(ws, r, en_l, ru_l, unit)
            for c in years:
                cell = ws.cell(row=r, column=c, value=formula(col(c)))
                if fmt:
                    cell.number_format = fmt
                cell.alignment = Alignment(horizontal="right")
            name_row(name, r)
            if name.startswith("Threshold_"):
                thr_rows.append((r, f"{en} / {ru}"))
    r += 1
    style_section(ws, r, pts_col, "Target purpose: R&D spend needed", "Выбранная цель: нужные затраты на НИОКР")
    target: list[tuple[str, str, str, str, str, Callable[[str], str]]] = [
        ("Target_Threshold", "Threshold", "Порог", "points", FMT_POINTS,
         lambda c: f"=LOCTHRESHOLD(Target_Purpose,{c}{y},Category)"),
        ("Target_Gap", "Gap", "Разрыв", "points", FMT_POINTS,
         lambda c: f"=LOCGAP({c}{tot},Target_Purpose,{c}{y},Category)"),
        ("RnD_Points_Needed", "R&D points needed", "Нужно баллов НИОКР", "points", FMT_POINTS,
         lambda c: f"=MAX(0,{c}{{thr}}-{c}{wo})"),
        ("Spend_Needed", "Additional R&D spend needed (LOCSPENDNEEDED)", "Доп. затраты на НИОКР", "RUB",
         FMT_RUB, lambda c: f"=LOCSPENDNEEDED({c}{{need}},{c}{rev},{c}{rnd}+{c}{{lic}},{c}{y},Category)"),
    ]
    thr_row, need_row = r + 1, r + 3
    for name, en_l, ru_l, unit, fmt, formula in target:
        r += 1
        label_row(ws, r, en_l, ru_l, unit)
        for c in years:
            text = formula(col(c)).replace("{thr}", str(thr_row)).replace("{need}", str(need_row)).replace(
                "{lic}", str(fill_in["lic"]))
            cell = ws.cell(row=r, column=c, value=text)
            cell.number_format = fmt
        name_row(name, r)
    last_row = r

    widths = {"A": 40, "B": 40, "C": 22}
    for letter, w in widths.items():
        ws.column_dimensions[letter].width = w
    for c in years:
        ws.column_dimensions[col(c)].width = 16
    ws.column_dimensions[col(pts_col)].width = 14
    ws.freeze_panes = f"D{head + 1}"
    chart = score_chart("Score against thresholds / Баллы и пороги", ws, y, FIRST_COL, last,
                        [(tot, "Score with R&D / С НИОКР"), (wo, "Score without R&D / Без НИОКР")] + thr_rows)
    ws.add_chart(chart, f"B{last_row + 3}")
    protect(ws)
    print_setup(ws, f"{head}:{head}", f"A1:{col(pts_col)}{last_row + 22}")

    add_lists_sheet(tb, ops)
    add_conf_sheet(tb)
    tb.check_all_defined()
    return tb.wb

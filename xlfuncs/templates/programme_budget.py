"""``programme_budget.xlsx``: one model's localization programme, years as columns.

Layout of the ``Programme`` sheet (columns A-C: English label, Russian label, unit or
operation code; one column per year from D; the column after the years: points of each
checklist line in the first plan year):

1. inputs: model, category, powertrain, price, target purpose; plan years, revenue, R&D;
   licence terms (a cost: the law does not count licence costs as R&D);
2. results: licence cost, R&D share and points, score with and without R&D; threshold, gap
   and eligibility for every purpose; the R&D spend needed for the target purpose; a chart
   of the score against the thresholds;
3. the operations checklist: every code of the default edition, by block (a heading row
   with the block's points per year, then its lines: English name, legal wording, code,
   done cells). A group of alternatives (a stamping share, the section IX score tier of an
   electronic unit) is one row whose code is picked from a dropdown of the group's codes;
   a pro-rata line takes a share 0..1. Two rows for additional codes close the list.

The score of each year is ``LOCSCORE`` over the whole checklist. Every input and key output
is a workbook-level defined name (:func:`xlfuncs.templates.names.programme_budget_names`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.datavalidation import DataValidation

from xlfuncs.templates.builder import CHART_ROWS as CHART_ROWS_OF_CHART
from xlfuncs.templates.builder import (
    FMT_BOOL,
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
    page_break_after,
    fit_row,
    font,
    group_code_ref,
    label_row,
    operations,
    print_setup,
    protect,
    score_chart,
    style_header,
    style_section,
    wrap_labels,
)
from xlfuncs.templates.checklist import checklist
from xlfuncs.templates.names import PURPOSES, operation_name, programme_budget_names

__all__ = ["SHEET", "build"]

SHEET = "Programme"
FIRST_YEAR = 2024
N_YEARS = 7
FIRST_COL = 4  # D
CHART_ROWS = CHART_ROWS_OF_CHART + 1  # rows left free for the chart between the results and the checklist

# Example programme: a crossover localising step by step (all numbers are illustrative).
_REVENUE = [180e9, 195e9, 210e9, 225e9, 240e9, 250e9, 260e9]
_RND = [0.9e9, 1.4e9, 2.2e9, 3.0e9, 3.4e9, 3.8e9, 4.0e9]
_LUMP = [12e6, 12e6, 12e6, 0, 0, 0, 0]  # a 36 M lump sum spread over three years
_ROYALTY = [150, 150, 150, 120, 120, 100, 100]
_UNITS = [20000, 30000, 40000, 45000, 50000, 50000, 50000]
_FX = [12.5, 12.8, 13.0, 13.2, 13.4, 13.6, 13.8]
_AMORT = [3, 3, 3, 1, 1, 1, 1]
# checklist rows done, by the year index from which they are localised (value: flag or share)
_DONE_FROM: dict[str, tuple[int, float]] = {
    "body_welding": (0, 1), "body_painting": (0, 1), "body_stamping": (0, 1), "body_metal": (2, 1),
    "engine_assembly_test": (2, 1), "engine_ecu": (3, 1), "telematics": (3, 1),
    "cylinder_block": (4, 1), "ice_bearing_shells_machining": (4, 0.5),
}
# the alternative picked in the example (else the group's first code)
_CHOICE = {"body_metal": "body_metal_70"}

_ABOUT = (
    (("What: a localization programme for one vehicle model or modification, year by year: "
     "revenue, R&D and licence spend, the operations done in Russia (every line of section II "
     "of Resolution 719, by block); the points (with and without R&D), the threshold of each "
     "purpose, the gaps and the R&D spend needed."),
     ("Что: программа локализации одной модели или модификации по годам: выручка, затраты на "
     "НИОКР и лицензию, операции в РФ (все строки раздела II постановления 719, по блокам); "
     "баллы (с НИОКР и без), пороги по целям, разрывы и нужные затраты на НИОКР.")),
    (("How: type into the yellow cells of the Programme sheet only (the sheets are protected "
     "without a password). Pick the category and the powertrain (ice, hybrid, bev): points "
     "and thresholds depend on both. Results are on top, the operations checklist below them."),
     ("Как: вводите данные только в жёлтые ячейки листа Programme (листы защищены без "
     "пароля). Выберите категорию и силовую установку (ice — ДВС, hybrid — гибрид, bev — "
     "электромобиль): от них зависят баллы и пороги. Результаты вверху, чек-лист операций ниже.")),
    (("Checklist: 1 = done in Russia that year, 0 = not; a pro-rata line takes the share of "
     "units that meet it (0..1). A group of alternatives (a stamping share, the section IX score "
     "tier of an electronic unit) is one row: pick the code reached in column C; only the best "
     "of a group counts. For a tier that rises over the years, put the higher code in an "
     "additional operation row from the year it is reached. '–' in the points column: the line "
     "is not in force in the first plan year for this category and powertrain."),
     ("Чек-лист: 1 = выполняется в РФ в этом году, 0 = нет; для строк с пропорциональным "
     "расчётом — доля единиц (0..1). Группа альтернатив (доля штамповки, уровень баллов "
     "электронного блока по разделу IX) — одна строка: выберите достигнутый код в столбце C; "
     "учитывается лучший вариант группы. Если уровень растёт по годам, укажите более высокий "
     "код в строке дополнительной операции с года его достижения. '–' в столбце баллов: строка "
     "не действует в первый год плана для этой категории и силовой установки.")),
    (("Functions: LOCPOINTS, LOCSCORE, LOCTHRESHOLD and others come from the xlfuncs add-in "
     "(xlwings, module xlfuncs.udfs, named on the hidden sheet xlwings.conf) or from `xlfuncs recalc` "
     "without Excel. #N/A means no rule in force for that year, category, powertrain or "
     "purpose; #NUM! in the spend needed means the target is above the R&D points cap."),
     ("Функции LOCPOINTS, LOCSCORE, LOCTHRESHOLD и др. даёт надстройка xlfuncs (xlwings, "
     "модуль xlfuncs.udfs указан на скрытом листе xlwings.conf) или `xlfuncs recalc` без Excel. #N/A — "
     "для этого года, категории, силовой установки или цели правило не задано; #NUM! в нужных "
     "затратах — цель выше предела баллов за НИОКР.")),
    (("Licence: under the law (Resolution 719, footnote <12>) licence costs are not R&D and earn "
     "no points; the licence rows give the cost only. Enter the lump sum in each year it is "
     "amortised over, with the same amortisation years (LICENSECOST counts lump sum / years in "
     "each such year). The licence_scenarios template compares the law with the 2023 draft "
     "that would have counted licence costs."),
     ("Лицензия: по закону (постановление 719, сноска <12>) затраты на лицензии не являются "
     "НИОКР и баллов не дают; строки лицензии показывают только затраты. Паушальный платёж "
     "вносите в каждый год срока амортизации с тем же сроком (LICENSECOST учитывает платёж / "
     "срок в каждом году). Шаблон licence_scenarios сравнивает закон с проектом 2023 года, "
     "который учитывал бы лицензии.")),
    (("Data: fill from CSV/JSON/XLSX with `xlfuncs fill programme_budget DATA -o OUT.xlsx`, "
     "one row per year, columns named as the defined names below."),
     ("Данные: `xlfuncs fill programme_budget DATA -o OUT.xlsx`, одна строка на год, "
     "столбцы называются как имена ниже.")),
)

_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP_RIGHT = Alignment(horizontal="right", vertical="top")
_WIDTHS = {1: 46.0, 2: 52.0, 3: 40.0}  # columns A-C; the years and the points column are 16 wide


def _purpose_formula(func: str, purpose: str, score_row: int | None, year_row: int) -> Callable[[str], str]:
    """Formula maker for one purpose row: ``=LOCGAP(D25,"loans",D10,Category,Powertrain)`` and the like."""

    def make(c: str) -> str:
        score = f"{c}{score_row}," if score_row is not None else ""
        return f'={func}({score}"{purpose}",{c}{year_row},Category,Powertrain)'

    return make


def _eligible_formula(threshold_row: int, score_row: int) -> Callable[[str], str]:
    """``=IF(ISNUMBER(D40),D25>=D40,D40)``: LOCELIGIBLE's rule (score >= threshold, the
    threshold's error passed on) in Excel's own functions.

    >>> _eligible_formula(40, 25)("D")
    '=IF(ISNUMBER(D40),D25>=D40,D40)'
    """

    def make(c: str) -> str:
        t = f"{c}{threshold_row}"
        return f"=IF(ISNUMBER({t}),{c}{score_row}>={t},{t})"

    return make


#: category and powertrain of the example programme (the inputs' initial values)
EXAMPLE_CATEGORY, EXAMPLE_POWERTRAIN = "M1", "ice"


def _points(value: float | None) -> str:
    return "none / нет" if value is None else f"{value:,.0f}".replace(",", " ")


def mid_year_changes(first_year: int = FIRST_YEAR, n_years: int = N_YEARS,
                     category: str = EXAMPLE_CATEGORY,
                     powertrain: str = EXAMPLE_POWERTRAIN) -> dict[str, list[str]]:
    """The thresholds that change within a plan year (not on 1 January), by purpose code:
    one bilingual line per change with the date and both values, from the packaged default
    rulebook (:func:`xlfuncs.report.threshold_changes`).

    The year columns show the threshold in force on 1 January of the year; these lines,
    written under each purpose's rows at build time, name the rest.

    >>> mid_year_changes()["utilfee"]
    ['from 28.08.2025: 1 500, before: 3 701 / с 28.08.2025: 1 500, до того: 3 701']
    """
    from xlfuncs.report import threshold_changes
    from xlfuncs.rulebook import default_rulebook

    book = default_rulebook()
    out: dict[str, list[str]] = {}
    for code, _en, _ru in PURPOSES:
        for year in range(first_year, first_year + n_years):
            for change in threshold_changes(book, code, year, category, powertrain):
                day = f"{change.on:%d.%m.%Y}"
                after, before = _points(change.after), _points(change.before)
                out.setdefault(code, []).append(
                    f"from {day}: {after}, before: {before} / с {day}: {after}, до того: {before}")
    return out


def build(ops: Sequence[Operation] | None = None) -> Workbook:
    """Build the workbook (not saved)."""
    ops = tuple(ops or operations())
    codes = [o.code for o in ops]
    blocks = checklist(codes)
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
    ws["D2"].font = font(bold=True)

    text_dv = tb.text_validation(ws)
    scalars = [
        (4, "Model_Name", "Model / modification", "Модель / модификация", "text", "Crossover X 1.6 MT", None, text_dv),
        (5, "Category", "Vehicle category", "Категория ТС", "M1..N3", "M1", None,
         tb.list_validation(ws, "List_Categories")),
        (6, "Powertrain", "Powertrain (ice, hybrid, bev)", "Силовая установка (ДВС, гибрид, электро)",
         "ice/hybrid/bev", "ice", None, tb.list_validation(ws, "List_Powertrains")),
        (7, "Price", "Vehicle price", "Цена автомобиля", "RUB", 2_150_000, FMT_RUB,
         tb.number_validation(ws, "decimal", 0, None, "A number >= 0 / Число >= 0")),
        (8, "Target_Purpose", "Target purpose (spend needed)", "Цель для расчёта затрат", "purpose",
         "procurement", None, tb.list_validation(ws, "List_Purposes")),
    ]
    for row, name, en, ru, unit, value, fmt, dv in scalars:
        label_row(ws, row, en, ru, unit)
        tb.input_cell(ws, f"D{row}", value, fmt, dv)
        name_cell(name, FIRST_COL, row)

    head = 9
    ws.cell(row=head, column=1, value="Item (EN)")
    ws.cell(row=head, column=2, value="Показатель (RU)")
    ws.cell(row=head, column=3, value="Unit or code / Ед. или код")
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
    share_dv = tb.share_validation(ws)

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
    style_section(ws, r, pts_col, "Licence (a cost: not R&D under the law)",
                  "Лицензия (затраты: по закону не НИОКР)")
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

    # -- where the checklist will be: the results above refer to it ----------------------
    results_top = r
    changes = mid_year_changes()
    n_changes = sum(len(v) for v in changes.values())
    # bands and rows of the sections
    n_results = 1 + 7 + 1 + len(blocks) + 1 + 3 * len(PURPOSES) + n_changes + 1 + 5
    check_top = results_top + n_results + CHART_ROWS  # the checklist's section band
    first_op = check_top + 1
    n_rows = sum(1 + len(b.rows) for b in blocks) + 1 + 2  # blocks, extras band, 2 extra rows
    last_op = first_op + n_rows - 1

    def done(c: str) -> str:  # the checklist's done cells of year column c
        return f"{c}{first_op}:{c}{last_op}"

    style_section(ws, r, pts_col, "Results", "Результаты")
    out_rows: list[tuple[str, str, str, str, str | None, Callable[[str], str]]] = [
        ("Licence_Cost", "Licence cost (LICENSECOST)", "Затраты на лицензию", "RUB", FMT_RUB,
         lambda c: f"=LICENSECOST({c}{lump},{c}{roy},{c}{units},{c}{fx},{c}{amort})"),
        ("Licence_Cost_Per_Unit_Share", "Licence cost per unit / price", "Лицензия на ед. / цена", "%",
         FMT_PERCENT, lambda c: f'=IF(OR({c}{units}=0,Price=0),"",{c}{{lic}}/{c}{units}/Price)'),
        ("RnD_Share", "R&D spend / revenue", "Доля НИОКР в выручке", "%", FMT_PERCENT,
         lambda c: f'=IF({c}{rev}=0,"",{c}{rnd}/{c}{rev})'),
        ("RnD_Points", "R&D points (LOCPOINTS; licence not counted)", "Баллы за НИОКР (без лицензии)",
         "points", FMT_POINTS, lambda c: f"=LOCPOINTS({c}{rnd},{c}{rev},{c}{{lic}},{c}{y},Category)"),
        ("Score_Without_RnD", "Total score without R&D", "Итого без НИОКР", "points", FMT_POINTS,
         lambda c: f"=LOCSCORE(Op_Codes,{done(c)},0,Category,{c}{y},Powertrain)"),
        ("Score_Total", "Total score with R&D", "Итого с НИОКР", "points", FMT_POINTS,
         lambda c: f"=LOCSCORE(Op_Codes,{done(c)},{c}{{rp}},Category,{c}{y},Powertrain)"),
        ("Conclusion", "Conclusion: score with R&D / without R&D", "Итог: баллы с НИОКР / без НИОКР",
         "points", None, lambda c: f'=ROUND({c}{{tot}},0)&" / "&ROUND({c}{{wo}},0)'),
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
            text = formula(col(c))
            for key, value in fill_in.items():
                text = text.replace("{" + key + "}", str(value))
            cell = ws.cell(row=row, column=c, value=text)
            if fmt:
                cell.number_format = fmt
            if name in ("Score_Total", "Score_Without_RnD"):
                cell.fill = KEY_FILL
                cell.font = font(bold=True)
            if name == "Conclusion":  # "1600 / 1000": short enough for its year column
                cell.alignment = Alignment(horizontal="right")
        name_row(name, row)
    tot, wo = rows["Score_Total"], rows["Score_Without_RnD"]
    r = max(rows.values()) + 1

    # points of each block of the checklist (they add up to the score without R&D, with the
    # additional operations on top): the rows of each block are known once laid out below
    style_section(ws, r, pts_col, "Points by block of the checklist (without R&D)",
                  "Баллы по блокам чек-листа (без НИОКР)")
    block_rows: dict[str, int] = {}
    for block in blocks:
        r += 1
        block_rows[block.key] = r
        label_row(ws, r, block.en, block.ru, "points")
        name_row(f"Points_{block.key}", r)
    r += 1

    page_break_after(ws, r - 1)  # the thresholds and the spend needed start a page
    style_section(ws, r, pts_col, "Thresholds by purpose (score with R&D)",
                  "Пороги по целям (баллы с НИОКР)")
    thr_rows: list[tuple[int, str]] = []
    for code, en, ru in PURPOSES:
        cap = code.capitalize()
        # eligibility compares the score with the threshold row above it (LOCELIGIBLE's own
        # rule, score >= threshold, errors passed on) in Excel's own functions, so that a
        # spreadsheet without the add-in (LibreOffice keeps only cached numbers and texts, and
        # recomputes cached TRUE/FALSE) still shows TRUE/FALSE wherever a threshold is in force
        thr_row = r + 1
        specs: list[tuple[str, str, str, str, str | None, Callable[[str], str]]] = [
            (f"Threshold_{cap}", f"{en}: threshold", f"{ru}: порог", "points", FMT_POINTS,
             _purpose_formula("LOCTHRESHOLD", code, None, y)),
            (f"Gap_{cap}", f"{en}: gap", f"{ru}: разрыв", "points", FMT_POINTS,
             _purpose_formula("LOCGAP", code, tot, y)),
            (f"Eligible_{cap}", f"{en}: eligible", f"{ru}: проходит", "TRUE/FALSE", FMT_BOOL,
             _eligible_formula(thr_row, tot)),
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
        for line in changes.get(code, []):  # a rule that changes within a year: date and both values
            r += 1
            label_row(ws, r, f"{en}: threshold change within the year ({EXAMPLE_CATEGORY}, "
                      f"{EXAMPLE_POWERTRAIN}; the columns show 1 January)",
                      f"{ru}: порог меняется в течение года ({EXAMPLE_CATEGORY}, ДВС; в столбцах — на 1 января)",
                      "date")
            note = ws.cell(row=r, column=FIRST_COL, value=line)
            note.font = font(italic=True, color="9C5700")
            note.alignment = Alignment(vertical="top")
    r += 1
    style_section(ws, r, pts_col, "Target purpose: R&D spend needed", "Выбранная цель: нужные затраты на НИОКР")
    thr_row, need_row, spend_row = r + 1, r + 3, r + 4
    target: list[tuple[str, str, str, str, str | None, Callable[[str], str]]] = [
        ("Target_Threshold", "Threshold", "Порог", "points", FMT_POINTS,
         lambda c: f"=LOCTHRESHOLD(Target_Purpose,{c}{y},Category,Powertrain)"),
        ("Target_Gap", "Gap", "Разрыв", "points", FMT_POINTS,
         lambda c: f"=LOCGAP({c}{tot},Target_Purpose,{c}{y},Category,Powertrain)"),
        ("RnD_Points_Needed", "R&D points needed", "Нужно баллов НИОКР", "points", FMT_POINTS,
         lambda c: f"=MAX(0,{c}{thr_row}-{c}{wo})"),
        ("Spend_Needed", "Additional R&D spend needed (LOCSPENDNEEDED)", "Доп. затраты на НИОКР", "RUB",
         FMT_RUB, lambda c: (f"=LOCSPENDNEEDED({c}{need_row},{c}{rev},{c}{rnd},{c}{y},Category,"
                             "Powertrain,Target_Purpose)")),
        ("Spend_Needed_Note", "Note on the spend needed", "Пояснение", "text", None,
         lambda c: (f'=IF(ISNUMBER({c}{spend_row}),"",IF(ISNA({c}{spend_row}),'
                    '"no threshold / порога нет",'
                    '"above the R&D cap / выше предела НИОКР"))')),
    ]
    for name, en_l, ru_l, unit, fmt, formula in target:
        r += 1
        label_row(ws, r, en_l, ru_l, unit)
        for c in years:
            cell = ws.cell(row=r, column=c, value=formula(col(c)))
            if fmt:
                cell.number_format = fmt
            if name == "Spend_Needed_Note":  # smaller, centred: neighbouring notes stay apart
                cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="center")
                cell.font = font(size=9)
        if name == "Spend_Needed_Note":
            ws.row_dimensions[r].height = 45  # three lines of the longer note in a year column
        name_row(name, r)
    assert r == results_top + n_results - 1, (r, results_top, n_results)
    wrap_labels(ws, range(head + 1, r + 1), {1: _WIDTHS[1], 2: _WIDTHS[2]})
    chart_at = r + 2

    # -- the operations checklist ---------------------------------------------------------
    r = check_top
    style_section(ws, r, pts_col, "Operations checklist: 1 = done in Russia, a share 0..1 on pro-rata lines",
                  "Чек-лист операций: 1 = выполняется в РФ, доля 0..1 для пропорциональных строк")
    ws.cell(row=r, column=3, value="code (pick for a group) / код")
    ws.cell(row=r, column=pts_col, value=f"points in {FIRST_YEAR}")
    for c in (1, 2, 3, pts_col):
        ws.cell(row=r, column=c).alignment = Alignment(wrap_text=True, vertical="top")
    fit_row(ws, r, _WIDTHS)
    line_rows: list[int] = []
    for block in blocks:
        r += 1
        style_section(ws, r, pts_col, block.en, block.ru)
        for c in (1, 2):
            ws.cell(row=r, column=c).alignment = _WRAP
        fit_row(ws, r, _WIDTHS)
        top, bottom = r + 1, r + len(block.rows)
        for c in years:
            cl = col(c)
            cell = ws.cell(row=block_rows[block.key], column=c,
                           value=f"=LOCSCORE(C{top}:C{bottom},{cl}{top}:{cl}{bottom},0,Category,{cl}{y},Powertrain)")
            cell.number_format = FMT_POINTS
        for row_info in block.rows:
            r += 1
            line_rows.append(r)
            ws.cell(row=r, column=1, value=row_info.en).alignment = _WRAP
            ws.cell(row=r, column=2, value=row_info.ru).alignment = _WRAP
            start, value = _DONE_FROM.get(row_info.key, (N_YEARS, 0))
            values = [value if i >= start else 0 for i in range(N_YEARS)]
            dv = share_dv if row_info.prorata else flag_dv
            fmt = "0.00" if row_info.prorata else "0"
            for i, c in enumerate(years):
                tb.input_cell(ws, f"{col(c)}{r}", values[i], fmt, dv)
                ws.cell(row=r, column=c).alignment = _TOP_RIGHT
            name_row(operation_name("Done", row_info.key), r)
            code_cell = ws.cell(row=r, column=3)
            if row_info.is_group:
                pick = _CHOICE.get(row_info.key, row_info.codes[0])
                tb.input_cell(ws, f"C{r}", pick, None,
                              tb.code_list_validation(ws, row_info.key, group_code_ref(ops, row_info.codes)))
                name_cell(operation_name("Choice", row_info.key), 3, r)
            else:
                code_cell.value = row_info.key
            code_cell.alignment = Alignment(vertical="top")
            fit_row(ws, r, _WIDTHS)
    r += 1
    style_section(ws, r, pts_col, "Additional operations (any code; e.g. a higher tier from a later year)",
                  "Дополнительные операции (любой код; например, более высокий уровень с более позднего года)")
    for c in (1, 2):
        ws.cell(row=r, column=c).alignment = _WRAP
    fit_row(ws, r, _WIDTHS)
    code_dv = tb.list_validation(ws, "List_Operations", strict=False)
    for n in (1, 2):
        r += 1
        line_rows.append(r)
        label_row(ws, r, f"Additional operation {n} (pick code)", f"Доп. операция {n} (выберите код)", "")
        tb.input_cell(ws, f"C{r}", None, None, code_dv)
        name_cell(f"Extra_Op_Code_{n}", 3, r)
        for c in years:
            tb.input_cell(ws, f"{col(c)}{r}", 0, "0", flag_dv)
        name_row(f"Done_Extra_{n}", r)
    assert r == last_op, (r, last_op)
    tb.define("Op_Codes", absref(SHEET, 3, first_op, 3, last_op))
    tb.define("Ops_Done", absref(SHEET, FIRST_COL, first_op, last, last_op))
    for k in line_rows:
        cell = ws.cell(row=k, column=pts_col,
                       value=f'=IF(C{k}="","",IFNA(LOCOPPOINTS(C{k},Category,$D${y},Powertrain),"–"))')
        cell.number_format = FMT_POINTS
        cell.alignment = Alignment(horizontal="right", vertical="top")
    tb.define("Op_Points_Each", absref(SHEET, pts_col, first_op, pts_col, last_op))

    for c, w in _WIDTHS.items():
        ws.column_dimensions[col(c)].width = w
    for c in years:
        ws.column_dimensions[col(c)].width = 16
    ws.column_dimensions[col(pts_col)].width = 16
    ws.freeze_panes = f"D{head + 1}"
    chart = score_chart("Score against thresholds / Баллы и пороги", ws, y, FIRST_COL, last,
                        [(tot, "Score with R&D / С НИОКР"), (wo, "Score without R&D / Без НИОКР")], thr_rows,
                        data_row=last_op + 2)
    ws.add_chart(chart, f"B{chart_at}")
    # the chart prints on a page of its own (under the repeated header row), never split
    page_break_after(ws, chart_at - 2)
    page_break_after(ws, check_top - 1)
    protect(ws)
    print_setup(ws, f"{head}:{head}", f"A1:{col(pts_col)}{last_op}")

    add_lists_sheet(tb, ops)
    add_conf_sheet(tb)
    tb.check_all_defined()
    return tb.wb

"""``model_portfolio.xlsx``: many models or modifications as rows, one assessment year.

Each transmission or body variant is its own row: category, R&D and licence cost
attributed to it, the operations done in Russia (1/0 per operation code), then R&D
points, the score with and without R&D and the eligibility per purpose. A summary
counts how many models pass each bar.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from xlfuncs.templates.builder import (
    FMT_INT,
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
    style_header,
    style_section,
)
from xlfuncs.templates.names import PURPOSES, model_portfolio_names, operation_name

__all__ = ["N_MODELS", "SHEET", "build"]

SHEET = "Portfolio"
N_MODELS = 20

# Illustrative models: (name, category, R&D spend, licence cost, operation codes done)
_EXAMPLES = [
    ("Sedan 1.6 MT", "M1", 7.5e9, 0, {"body_welding", "body_painting", "engine_ecu", "cylinder_block",
                                      "engine_assembly_test", "russian_body_metal", "russian_paint"}),
    ("Sedan 1.6 AT", "M1", 7.5e9, 0, {"body_welding", "body_painting", "russian_paint"}),
    ("Crossover 1.5T", "M1", 0.5e9, 0.6e9, {"body_welding", "body_painting", "telematics"}),
    ("Wagon 1.6 MT", "M1", 5.0e9, 0, {"body_welding", "body_painting", "engine_ecu", "russian_paint"}),
]

_ABOUT = (
    (("What: a portfolio of models or modifications (each transmission or body variant scored "
     "separately) for one assessment year: score with and without R&D, eligibility per "
     "purpose, and how many models pass each bar."),
     ("Что: портфель моделей и модификаций (каждый вариант трансмиссии или кузова считается "
     "отдельно) за один год: баллы с НИОКР и без, соответствие порогам и число моделей, "
     "проходящих каждый порог.")),
    (("How: type into the yellow cells of the Portfolio sheet only (the sheets are protected "
     "without a password). Operation columns: 1 = done in Russia, 0 = not."),
     ("Как: вводите данные только в жёлтые ячейки листа Portfolio (листы защищены без "
     "пароля). Столбцы операций: 1 = выполняется в РФ, 0 = нет.")),
    (("Functions come from the xlfuncs add-in (xlwings, module xlfuncs.udfs) or from "
     "`xlfuncs recalc` without Excel. #N/A means no rule in force for that year, category "
     "or purpose. The summary thresholds are those of category M1."),
     ("Функции даёт надстройка xlfuncs (xlwings, модуль xlfuncs.udfs) или `xlfuncs recalc` "
     "без Excel. #N/A — правило не задано. Пороги в итогах — для категории M1.")),
    (("Data: `xlfuncs fill model_portfolio DATA -o OUT.xlsx`, one row per model, columns "
     "named as the defined names below."),
     "Данные: `xlfuncs fill model_portfolio DATA -o OUT.xlsx`, одна строка на модель."),
)


def build(ops: Sequence[Operation] | None = None) -> Workbook:
    """Build the workbook (not saved)."""
    ops = tuple(ops or operations())
    tb = TemplateBook(model_portfolio_names([o.code for o in ops]))
    add_readme(tb, "Model portfolio", "Портфель моделей", _ABOUT)
    ws = tb.wb.create_sheet(SHEET)
    ws["A1"] = "Model portfolio / Портфель моделей"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = "Rulebook edition / Редакция правил"
    ws["C2"] = "=Rulebook_Edition"
    ws["C2"].font = Font(bold=True)

    ws["A3"] = "Assessment year / Год оценки"
    tb.input_cell(ws, "C3", 2027, FMT_YEAR,
                  tb.number_validation(ws, "whole", 1900, 9999, "A year, e.g. 2027 / Год"))
    tb.define("Assessment_Year", absref(SHEET, 3, 3))
    ws["A4"] = "Revenue of the maker / Выручка производителя"
    nonneg = tb.number_validation(ws, "decimal", 0, None, "A number >= 0 / Число >= 0")
    tb.input_cell(ws, "C4", 250e9, FMT_RUB, nonneg)
    tb.define("Revenue", absref(SHEET, 3, 4))

    label_top, head = 6, 7
    first, last = head + 1, head + N_MODELS
    fixed = [("Model_Name", "Model / modification", "Модель / модификация", "text"),
             ("Model_Category", "Category", "Категория", "M1..N3"),
             ("Model_RnD_Spend", "R&D spend", "НИОКР", "RUB"),
             ("Model_Licence_Cost", "Licence cost", "Лицензия", "RUB")]
    c = 1
    for _name, en, ru, unit in fixed:
        ws.cell(row=label_top, column=c, value=f"{en} / {ru}")
        ws.cell(row=head, column=c, value=unit)
        c += 1
    op_first = c
    for op in ops:
        ws.cell(row=label_top, column=c, value=f"{op.en} / {op.ru}")
        ws.cell(row=head, column=c, value=op.code)
        c += 1
    op_last = c - 1
    outputs = [("Model_RnD_Points", "R&D points / Баллы НИОКР", "points"),
               ("Model_Score_Without_RnD", "Score without R&D / Без НИОКР", "points"),
               ("Model_Score_Total", "Score with R&D / С НИОКР", "points")]
    outputs += [(f"Model_Eligible_{p.capitalize()}", f"{en} / {ru}", p) for p, en, ru in PURPOSES]
    out_first = c
    for _name, label, unit in outputs:
        ws.cell(row=label_top, column=c, value=label)
        ws.cell(row=head, column=c, value=unit)
        c += 1
    last_col = c - 1
    style_header(ws[label_top][:last_col])
    style_header(ws[head][:last_col])
    tb.define("Portfolio_Op_Codes", absref(SHEET, op_first, head, op_last, head))

    text_dv = tb.text_validation(ws)
    cat_dv = tb.list_validation(ws, "List_Categories")
    flag_dv = tb.flag_validation(ws)
    for i in range(N_MODELS):
        r = first + i
        ex = _EXAMPLES[i] if i < len(_EXAMPLES) else None
        tb.input_cell(ws, f"A{r}", ex[0] if ex else None, None, text_dv)
        tb.input_cell(ws, f"B{r}", ex[1] if ex else None, None, cat_dv)
        tb.input_cell(ws, f"C{r}", ex[2] if ex else None, FMT_RUB, nonneg)
        tb.input_cell(ws, f"D{r}", ex[3] if ex else None, FMT_RUB, nonneg)
        for k, op in enumerate(ops):
            value = (1 if op.code in ex[4] else 0) if ex else None
            tb.input_cell(ws, f"{col(op_first + k)}{r}", value, "0", flag_dv)
        done = f"{col(op_first)}{r}:{col(op_last)}{r}"
        guard = f'=IF($A{r}="","",'
        rp, _wo, tot = (f"{col(out_first + k)}{r}" for k in range(3))
        formulas = [
            f"{guard}LOCPOINTS(C{r},Revenue,D{r},Assessment_Year,B{r}))",
            f"{guard}LOCSCORE(Portfolio_Op_Codes,{done},0,B{r},Assessment_Year))",
            f"{guard}LOCSCORE(Portfolio_Op_Codes,{done},{rp},B{r},Assessment_Year))",
        ] + [f'{guard}LOCELIGIBLE({tot},"{p}",Assessment_Year,B{r}))' for p, _, _ in PURPOSES]
        for k, formula in enumerate(formulas):
            cell = ws.cell(row=r, column=out_first + k, value=formula)
            if k < 3:
                cell.number_format = FMT_POINTS
            else:
                cell.alignment = Alignment(horizontal="center")
            if k == 2:
                cell.fill = KEY_FILL
                cell.font = Font(bold=True)
    for k, (name, *_r) in enumerate(fixed):
        tb.define(name, absref(SHEET, 1 + k, first, 1 + k, last))
    for k, op in enumerate(ops):
        tb.define(operation_name("Model_Done", op.code), absref(SHEET, op_first + k, first, op_first + k, last))
    for k, (name, *_r) in enumerate(outputs):
        tb.define(name, absref(SHEET, out_first + k, first, out_first + k, last))

    r = last + 2
    style_section(ws, r, 4, "Summary (thresholds for M1)", "Итоги (пороги для M1)")
    ws.cell(row=r, column=3, value="Threshold / Порог")
    ws.cell(row=r, column=4, value="Models passing / Моделей")
    r += 1
    label_row(ws, r, "Models filled in", "Моделей заполнено", "")
    ws.cell(row=r, column=4, value="=COUNTA(Model_Name)").number_format = FMT_INT
    tb.define("Models_Count", absref(SHEET, 4, r))
    for p, en, ru in PURPOSES:
        r += 1
        cap = p.capitalize()
        ws.cell(row=r, column=1, value=en)
        ws.cell(row=r, column=2, value=ru)
        ws.cell(row=r, column=3, value=f'=LOCTHRESHOLD("{p}",Assessment_Year,"M1")').number_format = FMT_POINTS
        ws.cell(row=r, column=4, value=f"=COUNTIF(Model_Eligible_{cap},TRUE)").number_format = FMT_INT
        tb.define(f"Threshold_{cap}", absref(SHEET, 3, r))
        tb.define(f"Count_{cap}", absref(SHEET, 4, r))
    last_row = r

    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 18
    ws.column_dimensions["D"].width = 18
    for k in range(op_first, last_col + 1):
        ws.column_dimensions[col(k)].width = 14
    ws.row_dimensions[label_top].height = 45
    ws.freeze_panes = f"B{first}"
    protect(ws)
    print_setup(ws, f"{label_top}:{head}", f"A1:{col(last_col)}{last_row}")
    add_lists_sheet(tb, ops)
    add_conf_sheet(tb)
    tb.check_all_defined()
    return tb.wb

"""``model_portfolio.xlsx``: many models or modifications as rows, one assessment year.

Each transmission or body variant is its own row: category, powertrain, R&D and licence cost
attributed to it; then its results (R&D points, the score with and without R&D, the
eligibility per purpose under its category and powertrain). The operations done in Russia
are on the ``Operations`` sheet: a row per operation code of the default edition, by block,
and a column per model (1/0, or a share 0..1 on pro-rata lines). The codes of a group of alternatives (the section IX score tiers of a
unit, the stamping shares) are adjacent rows: mark the one reached; only the best counts.
A summary counts how many models pass each bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from xlfuncs.templates.builder import (
    FMT_BOOL,
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
    font,
    operations,
    page_break_after,
    print_setup,
    protect,
    style_header,
    style_section,
    wrap_labels,
)
from xlfuncs.templates.checklist import BLOCKS, lines
from xlfuncs.templates.names import PURPOSES, model_portfolio_names, operation_name

__all__ = ["N_MODELS", "OPS_SHEET", "SHEET", "build"]

SHEET = "Portfolio"
#: the operations grid: a row per operation code, a column per model of :data:`SHEET`
OPS_SHEET = "Operations"
N_MODELS = 20

# Illustrative models: (name, category, powertrain, R&D spend, licence cost, codes done)
_BASE = {"body_welding", "body_painting"}
_EXAMPLES = [
    ("Sedan 1.6 MT", "M1", "ice", 7.5e9, 0,
     _BASE | {"body_stamping_50", "body_metal_70", "engine_ecu_tier_200", "cylinder_block",
              "engine_assembly_test", "paint_coating_materials_e_coat_primer"}),
    ("Sedan 1.6 AT", "M1", "ice", 7.5e9, 0, _BASE | {"body_stamping_30"}),
    ("Crossover 1.5T hybrid", "M1", "hybrid", 0.5e9, 0.6e9, _BASE | {"telematics_tier_200"}),
    ("Wagon 1.6 MT", "M1", "ice", 5.0e9, 0, _BASE | {"body_stamping_30", "engine_ecu_tier_200"}),
    ("Crossover EV", "M1", "bev", 2.0e9, 0,
     _BASE | {"traction_motor_assembly_test", "traction_motor_rotor_stator"}),
]

_ABOUT = (
    (("What: a portfolio of models or modifications (each transmission or body variant scored "
     "separately) for one assessment year: score with and without R&D, eligibility per "
     "purpose under each model's category and powertrain, and how many models pass each bar."),
     ("Что: портфель моделей и модификаций (каждый вариант трансмиссии или кузова считается "
     "отдельно) за один год: баллы с НИОКР и без, соответствие порогам по категории и силовой "
     "установке каждой модели и число моделей, проходящих каждый порог.")),
    (("How: type into the yellow cells of the Portfolio and Operations sheets only (the sheets "
     "are protected without a password). Powertrain: ice, hybrid or bev. Operations sheet, a "
     "row per line of section II by block, a column per model: 1 = done in Russia, 0 = not; a share 0..1 on pro-rata lines. Of "
     "a group of alternatives (tiers of a unit, stamping shares) mark the one reached: only "
     "the best counts."),
     ("Как: вводите данные только в жёлтые ячейки листов Portfolio и Operations (листы защищены "
     "без пароля). Силовая установка: ice (ДВС), hybrid (гибрид) или bev (электромобиль). Лист "
     "Operations: строка на каждую строку раздела II по блокам, столбец на модель: 1 = выполняется в РФ, 0 = нет; доля 0..1 для "
     "пропорциональных строк. В группе альтернатив отметьте достигнутый вариант: учитывается "
     "лучший.")),
    (("Functions come from the xlfuncs add-in (xlwings, module xlfuncs.udfs) or from "
     "`xlfuncs recalc` without Excel. #N/A means no rule in force for that year, category, "
     "powertrain or purpose. The summary thresholds are those of category M1, ICE. Licence "
     "cost is not R&D under the law: it earns no points."),
     ("Функции даёт надстройка xlfuncs (xlwings, модуль xlfuncs.udfs) или `xlfuncs recalc` "
     "без Excel. #N/A — правило не задано. Пороги в итогах — для категории M1, ДВС. Затраты на "
     "лицензию по закону не НИОКР и баллов не дают.")),
    (("Data: `xlfuncs fill model_portfolio DATA -o OUT.xlsx`, one row per model, columns "
     "named as the defined names below."),
     "Данные: `xlfuncs fill model_portfolio DATA -o OUT.xlsx`, одна строка на модель."),
    (("Printing: the Portfolio sheet prints the models and their results on one page and the "
     "summary on the next; the Operations sheet prints the codes one page wide, the model names "
     "repeated on every page."),
     ("Печать: на листе Portfolio — модели и результаты на одной странице, итоги на следующей; "
     "лист Operations — коды операций в ширину одной страницы, с названиями моделей на каждой.")),
)



def build(ops: Sequence[Operation] | None = None) -> Workbook:
    """Build the workbook (not saved)."""
    ops = tuple(ops or operations())
    op_lines = lines([o.code for o in ops])
    tb = TemplateBook(model_portfolio_names([o.code for o in ops]))
    add_readme(tb, "Model portfolio", "Портфель моделей", _ABOUT)
    ws = tb.wb.create_sheet(SHEET)
    ws["A1"] = "Model portfolio / Портфель моделей"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = "Rulebook edition / Редакция правил"
    ws["C2"] = "=Rulebook_Edition"
    ws["C2"].font = font(bold=True)

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
             ("Model_Powertrain", "Powertrain", "Силовая установка", "ice/hybrid/bev"),
             ("Model_RnD_Spend", "R&D spend", "НИОКР", "RUB"),
             ("Model_Licence_Cost", "Licence cost (not R&D)", "Лицензия (не НИОКР)", "RUB")]
    outputs = [("Model_RnD_Points", "R&D points / Баллы НИОКР", "points"),
               ("Model_Score_Without_RnD", "Score without R&D / Без НИОКР", "points"),
               ("Model_Score_Total", "Score with R&D / С НИОКР", "points")]
    outputs += [(f"Model_Eligible_{p.capitalize()}", f"{en} / {ru}", p) for p, en, ru in PURPOSES]
    c = 1
    for _name, en, ru, unit in fixed:
        ws.cell(row=label_top, column=c, value=f"{en} / {ru}")
        ws.cell(row=head, column=c, value=unit)
        c += 1
    out_first = c
    for _name, label, unit in outputs:
        ws.cell(row=label_top, column=c, value=label)
        ws.cell(row=head, column=c, value=unit)
        c += 1
    out_last = c - 1
    style_header(ws[label_top][:out_last])
    style_header(ws[head][:out_last])
    # each model's threshold per purpose, in hidden columns beyond the print area: the
    # eligibility is then Excel's own comparison of two cells, which a spreadsheet without
    # the add-in recomputes from their stored numbers (LOCELIGIBLE's rule)
    thr_first = out_last + 2
    for k, (p, en, ru) in enumerate(PURPOSES):
        ws.cell(row=head, column=thr_first + k, value=f"threshold: {p}")
        ws.column_dimensions[col(thr_first + k)].hidden = True

    ops_ws, code_first, code_last, model_first = _operations_sheet(tb, op_lines, first)

    text_dv = tb.text_validation(ws)
    cat_dv = tb.list_validation(ws, "List_Categories")
    pt_dv = tb.list_validation(ws, "List_Powertrains")
    flag_dv = tb.flag_validation(ops_ws)
    share_dv = tb.share_validation(ops_ws)
    for i in range(N_MODELS):
        r = first + i
        ex = _EXAMPLES[i] if i < len(_EXAMPLES) else None
        tb.input_cell(ws, f"A{r}", ex[0] if ex else None, None, text_dv)
        tb.input_cell(ws, f"B{r}", ex[1] if ex else None, None, cat_dv)
        tb.input_cell(ws, f"C{r}", ex[2] if ex else None, None, pt_dv)
        tb.input_cell(ws, f"D{r}", ex[3] if ex else None, FMT_RUB, nonneg)
        tb.input_cell(ws, f"E{r}", ex[4] if ex else None, FMT_RUB, nonneg)
        mc = col(model_first + i)
        for k, line in enumerate(op_lines):
            value = (1 if line.code in ex[5] else 0) if ex else None
            tb.input_cell(ops_ws, f"{mc}{code_first + k}", value, "0.00" if line.prorata else "0",
                          share_dv if line.prorata else flag_dv)
        done = f"{OPS_SHEET}!{mc}{code_first}:{mc}{code_last}"
        guard = f'=IF($A{r}="","",'
        rp, _wo, tot = (f"{col(out_first + k)}{r}" for k in range(3))
        formulas = [
            f"{guard}LOCPOINTS(D{r},Revenue,E{r},Assessment_Year,B{r}))",
            f"{guard}LOCSCORE(Portfolio_Op_Codes,{done},0,B{r},Assessment_Year,C{r}))",
            f"{guard}LOCSCORE(Portfolio_Op_Codes,{done},{rp},B{r},Assessment_Year,C{r}))",
        ]
        for k, (p, _en, _ru) in enumerate(PURPOSES):
            thr = f"{col(thr_first + k)}{r}"
            ws.cell(row=r, column=thr_first + k,
                    value=f'{guard}LOCTHRESHOLD("{p}",Assessment_Year,B{r},C{r}))').number_format = FMT_POINTS
            formulas.append(f"{guard}IF(ISNUMBER({thr}),{tot}>={thr},{thr}))")
        for k, formula in enumerate(formulas):
            cell = ws.cell(row=r, column=out_first + k, value=formula)
            if k < 3:
                cell.number_format = FMT_POINTS
            else:
                cell.number_format = FMT_BOOL
                cell.alignment = Alignment(horizontal="center")
            if k == 2:
                cell.fill = KEY_FILL
                cell.font = font(bold=True)
    for k, (name, *_r) in enumerate(fixed):
        tb.define(name, absref(SHEET, 1 + k, first, 1 + k, last))
    for k, (name, *_r) in enumerate(outputs):
        tb.define(name, absref(SHEET, out_first + k, first, out_first + k, last))
    for k, line in enumerate(op_lines):
        tb.define(operation_name("Model_Done", line.code),
                  absref(OPS_SHEET, model_first, code_first + k, model_first + N_MODELS - 1, code_first + k))

    r = last + 2
    style_section(ws, r, 4, "Summary (thresholds for M1, ICE) / Итоги (пороги для M1, ДВС)", "")
    ws.cell(row=r, column=2).value = None
    ws.cell(row=r, column=3, value="Threshold / Порог")
    ws.cell(row=r, column=4, value="Models passing / Моделей")
    r += 1
    ws.cell(row=r, column=1, value="Models filled in / Моделей заполнено")
    ws.cell(row=r, column=4, value="=COUNTA(Model_Name)").number_format = FMT_INT
    tb.define("Models_Count", absref(SHEET, 4, r))
    for p, en, ru in PURPOSES:
        r += 1
        cap = p.capitalize()
        ws.cell(row=r, column=1, value=f"{en} / {ru}")
        ws.cell(row=r, column=3,
                value=f'=LOCTHRESHOLD("{p}",Assessment_Year,"M1","ice")').number_format = FMT_POINTS
        ws.cell(row=r, column=4, value=f"=COUNTIF(Model_Eligible_{cap},TRUE)").number_format = FMT_INT
        tb.define(f"Threshold_{cap}", absref(SHEET, 3, r))
        tb.define(f"Count_{cap}", absref(SHEET, 4, r))
    last_row = r
    wrap_labels(ws, range(last + 2, last_row + 1), {1: 30.0})
    for row in range(last + 3, last_row + 1):
        for k in (3, 4):
            ws.cell(row=row, column=k).alignment = Alignment(horizontal="right", vertical="top")

    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 18
    ws.column_dimensions["D"].width = 18
    ws.column_dimensions["E"].width = 18
    for k in range(out_first, out_last + 1):
        ws.column_dimensions[col(k)].width = 14
    # the longest label, "PP 191 competitiveness programmes / ...", wraps to 8 lines at width 14
    ws.row_dimensions[label_top].height = 8 * 12
    ws.freeze_panes = f"B{first}"
    protect(ws)
    # printed: the models with their results on one page, one page wide, the summary on the
    # next (the header is not repeated over it)
    print_setup(ws, None, f"A1:{col(out_last)}{last_row}")
    page_break_after(ws, last)
    add_lists_sheet(tb, ops)
    add_conf_sheet(tb)
    tb.check_all_defined()
    return tb.wb


def _operations_sheet(tb: TemplateBook, op_lines: Sequence[Any], first: int
                      ) -> tuple[Worksheet, int, int, int]:
    """The ``Operations`` sheet: a row per operation code (block, English name, code), a
    column per model (its name, typed on :data:`SHEET` row ``first + i``, mirrored in the
    header). Returns the sheet, the rows of the first and last codes and the first model
    column."""
    ws: Worksheet = tb.wb.create_sheet(OPS_SHEET)
    ws["A1"] = "Operations done in Russia / Операции, выполняемые в РФ"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = ("1 = done in Russia, 0 = not; a share 0..1 on pro-rata lines; of a group of "
                "alternatives mark the one reached / 1 = выполняется в РФ, 0 = нет; доля 0..1 "
                "для пропорциональных строк; в группе альтернатив — достигнутый вариант")
    ws["A3"] = "Models are named on the Portfolio sheet / Модели вводятся на листе Portfolio"
    head = 5
    model_first = 4
    for k, text in enumerate(("Block / Блок", "Operation / Операция", "code / код"), start=1):
        ws.cell(row=head, column=k, value=text)
    for i in range(N_MODELS):
        src = f"{SHEET}!$A${first + i}"
        ws.cell(row=head, column=model_first + i, value=f'=IF({src}="","{i + 1}",{src})')
    model_last = model_first + N_MODELS - 1
    style_header(ws[head][:model_last])
    block_names = {k: f"{en} / {ru}" for k, en, ru in BLOCKS}
    code_first = head + 1
    prev_block = None
    for j, line in enumerate(op_lines):
        r = code_first + j
        if line.block != prev_block:  # the block named on its first row
            cell = ws.cell(row=r, column=1, value=block_names.get(line.block, line.block))
            cell.font = font(bold=True)
            prev_block = line.block
        ws.cell(row=r, column=2, value=line.en)
        ws.cell(row=r, column=3, value=line.code)
    code_last = code_first + len(op_lines) - 1
    widths = {1: 30.0, 2: 70.0, 3: 46.0}
    for c, w in widths.items():
        ws.column_dimensions[col(c)].width = w
    for c in range(model_first, model_last + 1):
        ws.column_dimensions[col(c)].width = 9
    wrap_labels(ws, range(code_first, code_last + 1), widths)
    ws.row_dimensions[head].height = 4 * 12  # model names wrap to up to four lines
    tb.define("Portfolio_Op_Codes", absref(OPS_SHEET, 3, code_first, 3, code_last))
    ws.freeze_panes = f"{col(model_first)}{code_first}"
    protect(ws)
    # printed as the input record: one page wide, the model names repeated on every page
    print_setup(ws, f"{head}:{head}", f"A1:{col(model_last)}{code_last}")
    return ws, code_first, code_last, model_first

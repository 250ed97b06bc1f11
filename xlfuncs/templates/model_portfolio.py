"""``model_portfolio.xlsx``: many models or modifications as rows, one assessment year.

Each transmission or body variant is its own row: category, powertrain, R&D and licence cost
attributed to it; then its results (R&D points, the score with and without R&D, the
eligibility per purpose under its category and powertrain); then the operations done in
Russia, one column per operation code of the default edition, by block (1/0, or a share 0..1
on pro-rata lines). The codes of a group of alternatives (the section IX score tiers of a
unit, the stamping shares) stand side by side: mark the one reached; only the best counts.
A summary counts how many models pass each bar.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment

from xlfuncs.templates.builder import (
    FMT_INT,
    FMT_POINTS,
    FMT_RUB,
    FMT_YEAR,
    KEY_FILL,
    SECTION_FILL,
    SECTION_FONT,
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

__all__ = ["N_MODELS", "SHEET", "build"]

SHEET = "Portfolio"
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
    (("How: type into the yellow cells of the Portfolio sheet only (the sheets are protected "
     "without a password). Powertrain: ice, hybrid or bev. Operation columns (every line of "
     "section II, by block): 1 = done in Russia, 0 = not; a share 0..1 on pro-rata lines. Of "
     "a group of alternatives (tiers of a unit, stamping shares) mark the one reached: only "
     "the best counts."),
     ("Как: вводите данные только в жёлтые ячейки листа Portfolio (листы защищены без "
     "пароля). Силовая установка: ice (ДВС), hybrid (гибрид) или bev (электромобиль). Столбцы "
     "операций (все строки раздела II по блокам): 1 = выполняется в РФ, 0 = нет; доля 0..1 для "
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
    (("Printing: the Portfolio sheet prints the models, their results and the summary; the "
     "operations grid (one column per code) is not printed."),
     ("Печать: на листе Portfolio печатаются модели, результаты и итоги; таблица операций "
     "(столбец на каждый код) не печатается.")),
)

_VERTICAL = Alignment(text_rotation=90, wrap_text=True, horizontal="center", vertical="bottom")
_SMALL_HEADER = font(bold=True, color="FFFFFF", size=8)


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

    block_row, label_top, head = 5, 6, 7
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
    op_first = c
    block_names = {k: f"{en} / {ru}" for k, en, ru in BLOCKS}
    prev_block = None
    for line in op_lines:
        ws.cell(row=label_top, column=c, value=line.en)
        ws.cell(row=head, column=c, value=line.code)
        cell = ws.cell(row=block_row, column=c)
        cell.fill = SECTION_FILL
        cell.font = SECTION_FONT
        if line.block != prev_block:
            cell.value = block_names.get(line.block, line.block)
            prev_block = line.block
        c += 1
    op_last = last_col = c - 1
    style_header(ws[label_top][:last_col])
    style_header(ws[head][:last_col])
    for k in range(op_first, op_last + 1):
        for row in (label_top, head):
            cell = ws.cell(row=row, column=k)
            cell.alignment = _VERTICAL
            cell.font = _SMALL_HEADER
    tb.define("Portfolio_Op_Codes", absref(SHEET, op_first, head, op_last, head))

    text_dv = tb.text_validation(ws)
    cat_dv = tb.list_validation(ws, "List_Categories")
    pt_dv = tb.list_validation(ws, "List_Powertrains")
    flag_dv = tb.flag_validation(ws)
    share_dv = tb.share_validation(ws)
    for i in range(N_MODELS):
        r = first + i
        ex = _EXAMPLES[i] if i < len(_EXAMPLES) else None
        tb.input_cell(ws, f"A{r}", ex[0] if ex else None, None, text_dv)
        tb.input_cell(ws, f"B{r}", ex[1] if ex else None, None, cat_dv)
        tb.input_cell(ws, f"C{r}", ex[2] if ex else None, None, pt_dv)
        tb.input_cell(ws, f"D{r}", ex[3] if ex else None, FMT_RUB, nonneg)
        tb.input_cell(ws, f"E{r}", ex[4] if ex else None, FMT_RUB, nonneg)
        for k, line in enumerate(op_lines):
            value = (1 if line.code in ex[5] else 0) if ex else None
            tb.input_cell(ws, f"{col(op_first + k)}{r}", value, "0.00" if line.prorata else "0",
                          share_dv if line.prorata else flag_dv)
        done = f"{col(op_first)}{r}:{col(op_last)}{r}"
        guard = f'=IF($A{r}="","",'
        rp, _wo, tot = (f"{col(out_first + k)}{r}" for k in range(3))
        formulas = [
            f"{guard}LOCPOINTS(D{r},Revenue,E{r},Assessment_Year,B{r}))",
            f"{guard}LOCSCORE(Portfolio_Op_Codes,{done},0,B{r},Assessment_Year,C{r}))",
            f"{guard}LOCSCORE(Portfolio_Op_Codes,{done},{rp},B{r},Assessment_Year,C{r}))",
        ] + [f'{guard}LOCELIGIBLE({tot},"{p}",Assessment_Year,B{r},C{r}))' for p, _, _ in PURPOSES]
        for k, formula in enumerate(formulas):
            cell = ws.cell(row=r, column=out_first + k, value=formula)
            if k < 3:
                cell.number_format = FMT_POINTS
            else:
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
                  absref(SHEET, op_first + k, first, op_first + k, last))

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
    for k in range(out_first, op_first):
        ws.column_dimensions[col(k)].width = 14
    for k in range(op_first, op_last + 1):
        ws.column_dimensions[col(k)].width = 7
    ws.row_dimensions[label_top].height = 190
    ws.row_dimensions[head].height = 215
    ws.freeze_panes = f"B{first}"
    protect(ws)
    # printed: the models with their results on one page, one page wide, the summary on the
    # next (the header is not repeated over it); the operations grid (one column per code,
    # hundreds of them) is input only and stays on screen
    print_setup(ws, None, f"A1:{col(op_first - 1)}{last_row}")
    page_break_after(ws, last)
    add_lists_sheet(tb, ops)
    add_conf_sheet(tb)
    tb.check_all_defined()
    return tb.wb

"""The documented workbook-level defined names of every template.

Each template exposes its inputs and key outputs as workbook-level defined names, so that
formulas, :func:`xlfuncs.templates.fill` and other tools can address them without knowing
cell addresses. This module is the single source of the names and of their meaning; the
builders refuse to define a name that is not listed here, the "Read me" sheet and
``docs/templates.md`` are rendered from it, and a test checks that both agree.

``shape`` tells how a name is filled:

* ``scalar``: one cell;
* ``year``: one cell per year column (data: one row per year);
* ``model``: one cell per model row (data: one row per model);
* ``block``: a 2-D range used by formulas (not filled directly);
* ``list``: a helper list feeding dropdowns (not an input).

Operation names follow the checklist (:mod:`xlfuncs.templates.checklist`): ``Done_<code>``
for a line, ``Done_<group>`` and ``Choice_<group>`` for a group of alternatives (the row's
done flag and the code picked from the group).

>>> [n.name for n in programme_budget_names(["body_welding"]) if n.shape == "scalar"][:4]
['Model_Name', 'Category', 'Powertrain', 'Price']
>>> [n.name for n in programme_budget_names(["engine_ecu_tier_200", "engine_ecu_tier_245"]) if "engine" in n.name]
['Choice_engine_ecu', 'Done_engine_ecu']
>>> operation_name("Done", "body_welding")
'Done_body_welding'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from xlfuncs.templates.checklist import checklist, lines

__all__ = [
    "POWERTRAINS",
    "PURPOSES",
    "NameDoc",
    "licence_scenarios_names",
    "model_portfolio_names",
    "names_for",
    "operation_name",
    "programme_budget_names",
]

Role = Literal["input", "output", "helper"]
Shape = Literal["scalar", "year", "model", "block", "list"]

#: Purposes of the points, in the order the templates show them (see the rulebook).
PURPOSES: tuple[tuple[str, str, str], ...] = (
    ("procurement", "Public procurement", "Госзакупки"),
    ("competitiveness", "PP 191 competitiveness programmes", "Программы повышения конкурентоспособности (КППК)"),
    ("loans", "Preferential car loans and leasing", "Льготные автокредиты и лизинг"),
    ("utilfee", "Full utilisation-fee compensation", "Компенсация утильсбора"),
    ("spic", "SPIC target level", "Целевой уровень СПИК"),
    ("taxi", "Taxi registry", "Реестр такси"),
)


#: Powertrains of the rulebook (``ice`` is the default of every function), for dropdowns.
POWERTRAINS: tuple[tuple[str, str, str], ...] = (
    ("ice", "internal combustion engine", "ДВС"),
    ("hybrid", "hybrid", "гибрид"),
    ("bev", "battery electric", "электромобиль"),
)


@dataclass(frozen=True)
class NameDoc:
    """One documented defined name."""

    name: str
    role: Role
    shape: Shape
    unit: str
    en: str
    ru: str


def operation_name(prefix: str, code: str) -> str:
    """The defined name of an operation row or column, e.g. ``Done_body_welding``."""
    return f"{prefix}_{code}"


_PT_EN = "Powertrain: ice, hybrid or bev (pure battery electric)"
_PT_RU = "Силовая установка: ice (ДВС), hybrid (гибрид), bev (электромобиль)"


def _done_doc(prefix: str, key: str, en: str, prorata: bool, shape: Shape, where: str) -> NameDoc:
    """The done cell(s) of an operation row or column."""
    if prorata:
        return NameDoc(operation_name(prefix, key), "input", shape, "share 0..1",
                       f"{en}: share of units that meet it {where} (0..1, pro rata)",
                       "доля единиц, для которых выполняется (0..1)")
    return NameDoc(operation_name(prefix, key), "input", shape, "1/0",
                   f"{en}: done {where} (1 = yes)", "выполняется в РФ (1 = да)")


def _purpose_outputs(prefix: str, shape: Shape, what: str) -> list[NameDoc]:
    out: list[NameDoc] = []
    for code, en, ru in PURPOSES:
        cap = code.capitalize()
        out += [
            NameDoc(f"Threshold_{cap}" if not prefix else f"{prefix}Threshold_{cap}", "output",
                    shape, "points", f"Threshold for {en.lower()} ({code})", f"Порог: {ru.lower()}"),
            NameDoc(f"{prefix}Gap_{cap}", "output", shape, "points",
                    f"Points missing to the {code} threshold ({what}; 0 when met)",
                    f"Недостающие баллы до порога ({ru.lower()})"),
            NameDoc(f"{prefix}Eligible_{cap}", "output", shape, "TRUE/FALSE",
                    f"{what.capitalize()} meets the {code} threshold",
                    f"Порог выполнен ({ru.lower()})"),
        ]
    return out


_LISTS = [
    NameDoc("List_Categories", "helper", "list", "text", "Vehicle categories for dropdowns",
            "Категории ТС для списков"),
    NameDoc("List_Purposes", "helper", "list", "text", "Purposes for dropdowns",
            "Цели для списков"),
    NameDoc("List_Powertrains", "helper", "list", "text", "Powertrains for dropdowns (ice, hybrid, bev)",
            "Типы силовой установки для списков"),
    NameDoc("List_Operations", "helper", "list", "text", "Operation codes of the rulebook",
            "Коды операций из правил"),
    NameDoc("Rulebook_Edition", "output", "scalar", "text", "Rulebook edition in use (LOCRULEBOOK())",
            "Редакция правил (LOCRULEBOOK())"),
]


def programme_budget_names(codes: Sequence[str]) -> list[NameDoc]:
    """Names of ``programme_budget.xlsx`` for the given operation codes."""
    names = [
        NameDoc("Model_Name", "input", "scalar", "text", "Model or modification", "Модель / модификация"),
        NameDoc("Category", "input", "scalar", "M1..N3", "Vehicle category", "Категория ТС"),
        NameDoc("Powertrain", "input", "scalar", "ice/hybrid/bev", _PT_EN, _PT_RU),
        NameDoc("Price", "input", "scalar", "RUB", "Vehicle price", "Цена автомобиля"),
        NameDoc("Target_Purpose", "input", "scalar", "purpose",
                "Purpose whose threshold the spend-needed rows aim at", "Цель для расчёта нужных затрат"),
        NameDoc("Plan_Year", "input", "year", "year", "Plan year of each column", "Год плана"),
        NameDoc("Revenue", "input", "year", "RUB", "Revenue of the maker", "Выручка производителя"),
        NameDoc("RnD_Spend", "input", "year", "RUB", "R&D spend (НИОКР)", "Затраты на НИОКР"),
        NameDoc("Licence_Lump_Sum", "input", "year", "currency",
                "Licence lump sum counted in the year (contract currency; a cost, not R&D under the law)",
                "Паушальный платёж за лицензию (валюта договора; по закону не НИОКР)"),
        NameDoc("Licence_Royalty", "input", "year", "currency/unit", "Royalty per vehicle",
                "Роялти за единицу"),
        NameDoc("Licence_Units", "input", "year", "units", "Vehicles subject to royalty",
                "Количество единиц для роялти"),
        NameDoc("FX_Rate", "input", "year", "RUB/currency", "Exchange rate to rubles", "Курс валюты"),
        NameDoc("Licence_Amortisation", "input", "year", "years",
                "Years over which the lump sum is spread (1 = expensed in the year)",
                "Срок амортизации лицензии, лет"),
    ]
    for block in checklist(codes):
        for row in block.rows:
            if row.is_group:
                names.append(NameDoc(
                    operation_name("Choice", row.key), "input", "scalar", "code",
                    f"{row.unit}: the alternative reached, one of {', '.join(row.codes)}",
                    "достигнутый вариант группы (код)"))
            names.append(_done_doc("Done", row.key, row.unit or row.en, row.prorata, "year",
                                   "in Russia in the year"))
    names += [
        NameDoc("Extra_Op_Code_1", "input", "scalar", "code", "Additional operation code (any rulebook code)",
                "Дополнительная операция (код)"),
        NameDoc("Done_Extra_1", "input", "year", "1/0", "Additional operation 1 done (1 = yes)",
                "Доп. операция 1 выполняется (1 = да)"),
        NameDoc("Extra_Op_Code_2", "input", "scalar", "code", "Additional operation code (any rulebook code)",
                "Дополнительная операция (код)"),
        NameDoc("Done_Extra_2", "input", "year", "1/0", "Additional operation 2 done (1 = yes)",
                "Доп. операция 2 выполняется (1 = да)"),
        NameDoc("Op_Codes", "helper", "block", "code",
                "Operation codes of the checklist (column; blank on block headings, skipped)",
                "Коды операций чек-листа"),
        NameDoc("Ops_Done", "helper", "block", "1/0",
                "Done flags and shares of the checklist (operations x years)",
                "Отметки выполнения (операции x годы)"),
        NameDoc("Op_Points_Each", "output", "block", "points",
                "Points of each checklist operation in the first plan year (LOCOPPOINTS; – = not in force)",
                "Баллы каждой операции в первый год (LOCOPPOINTS; – = не действует)"),
        NameDoc("Licence_Cost", "output", "year", "RUB", "Licence cost counted in the year (LICENSECOST)",
                "Затраты на лицензию за год (LICENSECOST)"),
        NameDoc("Licence_Cost_Per_Unit_Share", "output", "year", "%",
                "Licence cost per royalty unit as a share of the price", "Лицензия на единицу, доля цены"),
        NameDoc("RnD_Share", "output", "year", "%", "R&D spend as a share of revenue",
                "Доля НИОКР в выручке"),
        NameDoc("RnD_Points", "output", "year", "points",
                "R&D points (LOCPOINTS; licence cost is not R&D under the law, so it earns none)",
                "Баллы за НИОКР (LOCPOINTS; лицензия по закону не НИОКР)"),
        NameDoc("Score_Without_RnD", "output", "year", "points", "Total score without R&D (LOCSCORE)",
                "Итого баллов без НИОКР"),
        NameDoc("Score_Total", "output", "year", "points", "Total score with R&D (LOCSCORE)",
                "Итого баллов с НИОКР"),
    ]
    names += [NameDoc(f"Points_{block.key}", "output", "year", "points",
                      f"Points of the checklist block {block.en.lower()} (LOCSCORE over its rows)",
                      f"Баллы блока: {block.ru.lower()}")
              for block in checklist(codes)]
    names += _purpose_outputs("", "year", "the total score with R&D")
    names += [
        NameDoc("Target_Threshold", "output", "year", "points", "Threshold of the target purpose",
                "Порог выбранной цели"),
        NameDoc("Target_Gap", "output", "year", "points", "Gap to the target purpose's threshold",
                "Разрыв до порога выбранной цели"),
        NameDoc("RnD_Points_Needed", "output", "year", "points",
                "R&D points needed on top of the operations to meet the target threshold",
                "Баллы НИОКР, нужные для порога"),
        NameDoc("Spend_Needed", "output", "year", "RUB",
                "Additional R&D spend needed to meet the target threshold (LOCSPENDNEEDED; #NUM! above the R&D points cap)",
                "Дополнительные затраты на НИОКР до порога (LOCSPENDNEEDED; #NUM! выше предела баллов НИОКР)"),
        NameDoc("Spend_Needed_Note", "output", "year", "text",
                "Why no spend is shown: above the R&D points cap, or no threshold in force",
                "Пояснение: выше предела баллов НИОКР или порог не действует"),
        NameDoc("Conclusion", "output", "year", "text", "Both totals as a conclusion states them",
                "Итог: баллы с НИОКР и без"),
    ]
    return names + _LISTS


def model_portfolio_names(codes: Sequence[str]) -> list[NameDoc]:
    """Names of ``model_portfolio.xlsx`` for the given operation codes (one column each)."""
    names = [
        NameDoc("Assessment_Year", "input", "scalar", "year", "Year the portfolio is assessed for",
                "Год оценки"),
        NameDoc("Revenue", "input", "scalar", "RUB", "Revenue of the maker (R&D base)",
                "Выручка производителя"),
        NameDoc("Model_Name", "input", "model", "text", "Model or modification (one row each)",
                "Модель / модификация"),
        NameDoc("Model_Category", "input", "model", "M1..N3", "Vehicle category", "Категория ТС"),
        NameDoc("Model_Powertrain", "input", "model", "ice/hybrid/bev", _PT_EN, _PT_RU),
        NameDoc("Model_RnD_Spend", "input", "model", "RUB", "R&D spend attributed to the model",
                "Затраты на НИОКР по модели"),
        NameDoc("Model_Licence_Cost", "input", "model", "RUB",
                "Licence cost attributed to the model (not R&D under the law)",
                "Затраты на лицензию по модели (по закону не НИОКР)"),
        NameDoc("Model_RnD_Points", "output", "model", "points", "R&D points (LOCPOINTS)",
                "Баллы за НИОКР"),
        NameDoc("Model_Score_Without_RnD", "output", "model", "points", "Score without R&D (LOCSCORE)",
                "Баллы без НИОКР"),
        NameDoc("Model_Score_Total", "output", "model", "points", "Score with R&D (LOCSCORE)",
                "Баллы с НИОКР"),
    ]
    for code, en, ru in PURPOSES:
        cap = code.capitalize()
        names.append(NameDoc(f"Model_Eligible_{cap}", "output", "model", "TRUE/FALSE",
                             f"Model meets the {code} threshold (its category and powertrain)",
                             f"Модель проходит порог ({ru.lower()})"))
    for line in lines(codes):
        en = f"{line.en} (one of group {line.group}: only the best counts)" if line.group else line.en
        names.append(_done_doc("Model_Done", line.code, en, line.prorata, "model",
                               "in Russia for the model"))
    names += [
        NameDoc("Portfolio_Op_Codes", "helper", "block", "code", "Operation codes (column C of the Operations sheet)",
                "Коды операций (столбец C листа Operations)"),
        NameDoc("Models_Count", "output", "scalar", "models", "Models filled in", "Число моделей"),
    ]
    for code, en, ru in PURPOSES:
        cap = code.capitalize()
        names += [
            NameDoc(f"Threshold_{cap}", "output", "scalar", "points",
                    f"Threshold for {en.lower()} in the assessment year (M1, ICE)",
                    f"Порог: {ru.lower()} (M1, ДВС)"),
            NameDoc(f"Count_{cap}", "output", "scalar", "models",
                    f"Number of models meeting the {code} threshold", f"Моделей проходят порог ({ru.lower()})"),
        ]
    return names + _LISTS


def licence_scenarios_names() -> list[NameDoc]:
    """Names of ``licence_scenarios.xlsx``: scenario A (licence) under the law and under the
    2023 draft, scenario B (in-house R&D), side by side."""
    names = [
        NameDoc("Category", "input", "scalar", "M1..N3", "Vehicle category", "Категория ТС"),
        NameDoc("Powertrain", "input", "scalar", "ice/hybrid/bev", _PT_EN, _PT_RU),
        NameDoc("Base_Op_Points", "input", "scalar", "points",
                "Points from operations (without R&D), the same in both scenarios",
                "Баллы за операции (без НИОКР)"),
        NameDoc("Plan_Year", "input", "year", "year", "Plan year of each column", "Год плана"),
        NameDoc("Revenue", "input", "year", "RUB", "Revenue of the maker", "Выручка производителя"),
        NameDoc("Licence_Lump_Sum", "input", "year", "currency",
                "Scenario A: licence lump sum counted in the year", "A: паушальный платёж"),
        NameDoc("Licence_Royalty", "input", "year", "currency/unit", "Scenario A: royalty per vehicle",
                "A: роялти за единицу"),
        NameDoc("Licence_Units", "input", "year", "units", "Scenario A: vehicles subject to royalty",
                "A: количество единиц"),
        NameDoc("FX_Rate", "input", "year", "RUB/currency", "Scenario A: exchange rate to rubles",
                "A: курс валюты"),
        NameDoc("Licence_Amortisation", "input", "year", "years",
                "Scenario A: years over which the lump sum is spread", "A: срок амортизации, лет"),
        NameDoc("Inhouse_RnD_Spend", "input", "year", "RUB", "Scenario B: in-house R&D spend",
                "B: собственные затраты на НИОКР"),
        NameDoc("Licence_Cost", "output", "year", "RUB", "Scenario A: licence cost (LICENSECOST)",
                "A: затраты на лицензию"),
        NameDoc("Licence_Points", "output", "year", "points",
                "Scenario A under the law: R&D points from the licence (0: the law does not count licence costs)",
                "A по закону: баллы НИОКР за лицензию (0: закон не учитывает лицензии)"),
        NameDoc("Licence_Points_Draft", "output", "year", "points",
                "Scenario A under the 2023 draft (not in force): the licence cost added to R&D spend from 2023",
                "A по проекту 2023 г. (не действует): лицензия добавлена к затратам на НИОКР с 2023 г."),
        NameDoc("Inhouse_Points", "output", "year", "points",
                "Scenario B: R&D points from in-house spend (the same under the law and the draft)",
                "B: баллы НИОКР за собственные работы (одинаково по закону и по проекту)"),
        NameDoc("Licence_Score", "output", "year", "points", "Scenario A under the law: total score",
                "A по закону: итого баллов"),
        NameDoc("Licence_Score_Draft", "output", "year", "points",
                "Scenario A under the 2023 draft (not in force): total score",
                "A по проекту (не действует): итого баллов"),
        NameDoc("Inhouse_Score", "output", "year", "points", "Scenario B: total score", "B: итого баллов"),
        NameDoc("Licence_Cost_Per_Point_Draft", "output", "year", "RUB/point",
                "Scenario A under the draft: licence cost per R&D point (under the law it earns none)",
                "A по проекту: стоимость балла (по закону баллов нет)"),
        NameDoc("Inhouse_Cost_Per_Point", "output", "year", "RUB/point", "Scenario B: cost per R&D point",
                "B: стоимость балла"),
    ]
    for code, en, ru in PURPOSES:
        cap = code.capitalize()
        names += [
            NameDoc(f"Threshold_{cap}", "output", "year", "points", f"Threshold for {en.lower()}",
                    f"Порог: {ru.lower()}"),
            NameDoc(f"Licence_Years_Met_{cap}", "output", "scalar", "text",
                    f"Scenario A under the law: the years the {code} threshold is met (2024, 2025, ...)",
                    f"A по закону: годы выполнения порога ({ru.lower()})"),
            NameDoc(f"Licence_Years_Met_Draft_{cap}", "output", "scalar", "text",
                    f"Scenario A under the 2023 draft (not in force): the years the {code} threshold is met",
                    f"A по проекту: годы выполнения порога ({ru.lower()})"),
            NameDoc(f"Inhouse_Years_Met_{cap}", "output", "scalar", "text",
                    f"Scenario B: the years the {code} threshold is met", f"B: годы выполнения порога ({ru.lower()})"),
        ]
    return names + _LISTS


def names_for(template: str, codes: Sequence[str]) -> list[NameDoc]:
    """Documented names of a template by its catalog name."""
    if template == "programme_budget":
        return programme_budget_names(codes)
    if template == "model_portfolio":
        return model_portfolio_names(codes)
    if template == "licence_scenarios":
        return licence_scenarios_names()
    raise KeyError(template)


def markdown_table(template: str, codes: Sequence[str]) -> str:
    """The names of a template as a Markdown table (used to write ``docs/templates.md``).

    >>> print(markdown_table("licence_scenarios", []).splitlines()[2])
    | `Category` | input | scalar | M1..N3 | Vehicle category / Категория ТС |
    """
    lines = ["| Name | Role | Shape | Unit | Meaning |", "|---|---|---|---|---|"]
    for d in names_for(template, codes):
        lines.append(f"| `{d.name}` | {d.role} | {d.shape} | {d.unit} | {d.en} / {d.ru} |")
    return "\n".join(lines)

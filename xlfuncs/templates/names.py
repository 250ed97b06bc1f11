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

>>> [n.name for n in programme_budget_names(["body_welding"]) if n.shape == "scalar"][:3]
['Model_Name', 'Category', 'Price']
>>> operation_name("Done", "body_welding")
'Done_body_welding'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
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
    ("loans", "Preferential car loans and leasing", "Льготные автокредиты и лизинг"),
    ("utilfee", "Full utilisation-fee compensation", "Компенсация утильсбора"),
    ("spic", "SPIC target level", "Целевой уровень СПИК"),
    ("taxi", "Taxi registry", "Реестр такси"),
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
        NameDoc("Price", "input", "scalar", "RUB", "Vehicle price", "Цена автомобиля"),
        NameDoc("Target_Purpose", "input", "scalar", "purpose",
                "Purpose whose threshold the spend-needed rows aim at", "Цель для расчёта нужных затрат"),
        NameDoc("Plan_Year", "input", "year", "year", "Plan year of each column", "Год плана"),
        NameDoc("Revenue", "input", "year", "RUB", "Revenue of the maker", "Выручка производителя"),
        NameDoc("RnD_Spend", "input", "year", "RUB", "R&D spend (НИОКР)", "Затраты на НИОКР"),
        NameDoc("Licence_Lump_Sum", "input", "year", "currency",
                "Licence lump sum counted in the year (contract currency)",
                "Паушальный платёж за лицензию (валюта договора)"),
        NameDoc("Licence_Royalty", "input", "year", "currency/unit", "Royalty per vehicle",
                "Роялти за единицу"),
        NameDoc("Licence_Units", "input", "year", "units", "Vehicles subject to royalty",
                "Количество единиц для роялти"),
        NameDoc("FX_Rate", "input", "year", "RUB/currency", "Exchange rate to rubles", "Курс валюты"),
        NameDoc("Licence_Amortisation", "input", "year", "years",
                "Years over which the lump sum is spread (1 = expensed in the year)",
                "Срок амортизации лицензии, лет"),
    ]
    for code in codes:
        names.append(NameDoc(operation_name("Done", code), "input", "year", "1/0",
                             f"Operation {code} done in Russia in the year (1 = yes)",
                             f"Операция {code} выполняется в РФ (1 = да)"))
    names += [
        NameDoc("Extra_Op_Code_1", "input", "scalar", "code", "Additional operation code (any rulebook code)",
                "Дополнительная операция (код)"),
        NameDoc("Done_Extra_1", "input", "year", "1/0", "Additional operation 1 done (1 = yes)",
                "Доп. операция 1 выполняется (1 = да)"),
        NameDoc("Extra_Op_Code_2", "input", "scalar", "code", "Additional operation code (any rulebook code)",
                "Дополнительная операция (код)"),
        NameDoc("Done_Extra_2", "input", "year", "1/0", "Additional operation 2 done (1 = yes)",
                "Доп. операция 2 выполняется (1 = да)"),
        NameDoc("Op_Codes", "helper", "block", "code", "Operation codes of the checklist (column)",
                "Коды операций чек-листа"),
        NameDoc("Ops_Done", "helper", "block", "1/0", "Done flags of the checklist (operations x years)",
                "Отметки выполнения (операции x годы)"),
        NameDoc("Op_Points_Each", "output", "block", "points", "Points of each checklist operation (LOCOPPOINTS, first year)",
                "Баллы каждой операции (LOCOPPOINTS, первый год)"),
        NameDoc("Licence_Cost", "output", "year", "RUB", "Licence cost counted in the year (LICENSECOST)",
                "Затраты на лицензию за год (LICENSECOST)"),
        NameDoc("Licence_Cost_Per_Unit_Share", "output", "year", "%",
                "Licence cost per royalty unit as a share of the price", "Лицензия на единицу, доля цены"),
        NameDoc("RnD_Share", "output", "year", "%", "R&D spend as a share of revenue",
                "Доля НИОКР в выручке"),
        NameDoc("RnD_Points", "output", "year", "points", "R&D points (LOCPOINTS, licence included when the rules count it)",
                "Баллы за НИОКР (LOCPOINTS)"),
        NameDoc("Score_Without_RnD", "output", "year", "points", "Total score without R&D (LOCSCORE)",
                "Итого баллов без НИОКР"),
        NameDoc("Score_Total", "output", "year", "points", "Total score with R&D (LOCSCORE)",
                "Итого баллов с НИОКР"),
    ]
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
                "Additional R&D spend needed to meet the target threshold (LOCSPENDNEEDED)",
                "Дополнительные затраты на НИОКР до порога (LOCSPENDNEEDED)"),
        NameDoc("Conclusion", "output", "year", "text", "Both totals as a conclusion states them",
                "Итог: баллы с НИОКР и без"),
    ]
    return names + _LISTS


def model_portfolio_names(codes: Sequence[str]) -> list[NameDoc]:
    """Names of ``model_portfolio.xlsx`` for the given operation codes."""
    names = [
        NameDoc("Assessment_Year", "input", "scalar", "year", "Year the portfolio is assessed for",
                "Год оценки"),
        NameDoc("Revenue", "input", "scalar", "RUB", "Revenue of the maker (R&D base)",
                "Выручка производителя"),
        NameDoc("Model_Name", "input", "model", "text", "Model or modification (one row each)",
                "Модель / модификация"),
        NameDoc("Model_Category", "input", "model", "M1..N3", "Vehicle category", "Категория ТС"),
        NameDoc("Model_RnD_Spend", "input", "model", "RUB", "R&D spend attributed to the model",
                "Затраты на НИОКР по модели"),
        NameDoc("Model_Licence_Cost", "input", "model", "RUB", "Licence cost attributed to the model",
                "Затраты на лицензию по модели"),
    ]
    for code in codes:
        names.append(NameDoc(operation_name("Model_Done", code), "input", "model", "1/0",
                             f"Operation {code} done in Russia for the model (1 = yes)",
                             f"Операция {code} выполняется в РФ (1 = да)"))
    names += [
        NameDoc("Portfolio_Op_Codes", "helper", "block", "code", "Operation codes (header row)",
                "Коды операций (заголовок)"),
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
                             f"Model meets the {code} threshold", f"Модель проходит порог ({ru.lower()})"))
    names.append(NameDoc("Models_Count", "output", "scalar", "models", "Models filled in",
                         "Число моделей"))
    for code, en, ru in PURPOSES:
        cap = code.capitalize()
        names += [
            NameDoc(f"Threshold_{cap}", "output", "scalar", "points",
                    f"Threshold for {en.lower()} in the assessment year (M1)", f"Порог: {ru.lower()} (M1)"),
            NameDoc(f"Count_{cap}", "output", "scalar", "models",
                    f"Number of models meeting the {code} threshold", f"Моделей проходят порог ({ru.lower()})"),
        ]
    return names + _LISTS


def licence_scenarios_names() -> list[NameDoc]:
    """Names of ``licence_scenarios.xlsx``."""
    names = [
        NameDoc("Category", "input", "scalar", "M1..N3", "Vehicle category", "Категория ТС"),
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
        NameDoc("Licence_Points", "output", "year", "points", "Scenario A: R&D points from the licence",
                "A: баллы НИОКР за лицензию"),
        NameDoc("Inhouse_Points", "output", "year", "points", "Scenario B: R&D points from in-house spend",
                "B: баллы НИОКР за собственные работы"),
        NameDoc("Licence_Score", "output", "year", "points", "Scenario A: total score", "A: итого баллов"),
        NameDoc("Inhouse_Score", "output", "year", "points", "Scenario B: total score", "B: итого баллов"),
        NameDoc("Licence_Cost_Per_Point", "output", "year", "RUB/point", "Scenario A: cost per R&D point",
                "A: стоимость балла"),
        NameDoc("Inhouse_Cost_Per_Point", "output", "year", "RUB/point", "Scenario B: cost per R&D point",
                "B: стоимость балла"),
    ]
    for code, en, ru in PURPOSES:
        cap = code.capitalize()
        names += [
            NameDoc(f"Threshold_{cap}", "output", "year", "points", f"Threshold for {en.lower()}",
                    f"Порог: {ru.lower()}"),
            NameDoc(f"Licence_First_Year_{cap}", "output", "scalar", "year",
                    f"Scenario A: first year the {code} threshold is met", f"A: первый год порога ({ru.lower()})"),
            NameDoc(f"Inhouse_First_Year_{cap}", "output", "scalar", "year",
                    f"Scenario B: first year the {code} threshold is met", f"B: первый год порога ({ru.lower()})"),
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

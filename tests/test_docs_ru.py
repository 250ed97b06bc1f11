"""Every formula of the Russian guide (docs/ru/README.md) is valid Russian-Excel syntax.

Russian Excel separates arguments with ``;``, writes decimals with a comma and names its
built-in functions in Russian (``ЕСЛИ``, ``ДАТА``). Each ``=...`` code span of the guide is
translated to the English syntax a file stores (``;`` -> ``,``, ``12,5`` -> ``12.5``,
``ЕСЛИ`` -> ``IF``), refusing anything that is not Russian syntax (a ``,`` between
arguments, an English built-in name), parsed with the engine's parser, and every call is
checked: an xlfuncs function with an argument count it accepts, or a built-in the engine
has. Each example with a stated result is then computed by the batch engine in a workbook
(with the guide's example sheet for ``LOCSCORE``) and compared with the result the guide
states, in Russian notation (``8,5``, ``ИСТИНА``, ``#Н/Д``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.parser import parse_formula
from xlfuncs.registry import REGISTRY, resolve

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "ru" / "README.md"
TEXT = GUIDE.read_text(encoding="utf-8")

#: Russian names of the Excel built-ins the guide uses, and the constants
RU_FUNCTIONS = {
    "ЕСЛИ": "IF", "ЕЧИСЛО": "ISNUMBER", "ЕНД": "ISNA", "ЕОШИБКА": "ISERROR",
    "ЕСЛИОШИБКА": "IFERROR", "ДАТА": "DATE", "СУММ": "SUM",
}
RU_CONSTANTS = {"ИСТИНА": "TRUE", "ЛОЖЬ": "FALSE"}
RU_ERRORS = {"#Н/Д": "#N/A", "#ЗНАЧ!": "#VALUE!", "#ЧИСЛО!": "#NUM!", "#ДЕЛ/0!": "#DIV/0!"}


class NotRussianSyntax(ValueError):
    pass


def to_english(formula: str) -> str:
    """The formula in the English syntax Excel stores in a file, or :class:`NotRussianSyntax`.

    >>> to_english('=LOCTHRESHOLD("госзакупки";ДАТА(2027;6;1);"М1")')
    '=LOCTHRESHOLD("госзакупки",DATE(2027,6,1),"М1")'
    >>> to_english("=LICENSECOST(1000000;50;20000;12,5;5)")
    '=LICENSECOST(1000000,50,20000,12.5,5)'
    """
    if not formula.startswith("="):
        raise NotRussianSyntax("a formula starts with '='")
    out: list[str] = []
    i = 0
    while i < len(formula):
        ch = formula[i]
        if ch == '"':  # a string, with "" for a quote
            j = i + 1
            while j < len(formula):
                if formula[j] == '"':
                    if formula[j + 1 : j + 2] == '"':
                        j += 2
                        continue
                    break
                j += 1
            if j >= len(formula):
                raise NotRussianSyntax("unterminated string")
            out.append(formula[i : j + 1])
            i = j + 1
            continue
        if ch == ";":
            out.append(",")
        elif ch == ",":
            before, after = formula[i - 1 : i], formula[i + 1 : i + 2]
            if not (before.isdigit() and after.isdigit()):
                raise NotRussianSyntax(f"',' at {i} is not a decimal comma: Russian Excel separates arguments with ';'")
            out.append(".")
        elif ch in "{}":
            raise NotRussianSyntax("array constants: their separators differ by locale, use a range")
        elif re.match(r"[А-Яа-яЁё]", ch):
            m = re.match(r"[А-Яа-яЁё]+", formula[i:])
            assert m
            word = m.group(0)
            if formula[i + len(word) : i + len(word) + 1] == "(":
                if word not in RU_FUNCTIONS:
                    raise NotRussianSyntax(f"unknown Russian function {word}")
                out.append(RU_FUNCTIONS[word])
            elif word in RU_CONSTANTS:
                out.append(RU_CONSTANTS[word])
            else:
                raise NotRussianSyntax(f"unknown word {word}")
            i += len(word)
            continue
        elif re.match(r"[A-Za-z_]", ch):
            m = re.match(r"[A-Za-z_][A-Za-z0-9_.]*", formula[i:])
            assert m
            word = m.group(0)
            is_call = formula[i + len(word) : i + len(word) + 1] == "("
            if is_call and resolve(word) is None:
                raise NotRussianSyntax(f"{word}: not an xlfuncs function; Russian Excel names its built-ins in Russian")
            if not is_call and word.upper() in ("TRUE", "FALSE"):
                raise NotRussianSyntax(f"{word}: Russian Excel writes ИСТИНА/ЛОЖЬ")
            out.append(word)
            i += len(word)
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def calls(node: Any) -> list[tuple[str, int]]:
    """(name, argument count) of every call in a parsed formula."""
    found: list[tuple[str, int]] = []
    if isinstance(node, tuple) and node:
        if node[0] == "call":
            found.append((node[1], len(node[2])))
        for part in node[1:]:
            if isinstance(part, (tuple, list)):
                for sub in part if isinstance(part, list) else [part]:
                    found += calls(sub)
    return found


FORMULAS = sorted(set(re.findall(r"`(=[^`]+)`", TEXT)))


def test_the_guide_has_the_formulas_of_the_brief() -> None:
    for formula in ("=LOCPOINTS(15;1000;0;2025)", "=LOCSCORE(A2:A9;B2:B9;400)"):
        assert formula in FORMULAS
    for name in REGISTRY:  # every function is shown in use
        assert any(re.search(rf"(^=|[^A-Z_]){name}\(", f) for f in FORMULAS), name
    for word in ("госзакупки", "КППК", "кредиты", "утильсбор", "СПИК", "такси", "М1", "Н1"):
        assert f'"{word}"' in TEXT or f"`{word}`" in TEXT, word


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_parses_and_calls_fit(formula: str) -> None:
    from xlfuncs.recalc.builtins import BUILTINS

    tree = parse_formula(to_english(formula))
    found = calls(tree)
    assert found, formula
    for name, n in found:
        spec = resolve(name)
        if spec is None:
            assert name in BUILTINS, f"{formula}: {name} is neither an xlfuncs function nor a built-in"
            continue
        assert spec.min_args <= n <= len(spec.args), (
            f"{formula}: {spec.name} takes {spec.min_args}..{len(spec.args)} arguments, given {n}"
        )


@pytest.mark.parametrize(
    "formula",
    [
        "=LOCPOINTS(15,1000,0,2025)",  # English separators
        "=LOCPOINTS(15;1000;0;2025",  # unbalanced
        '=IF(ЕЧИСЛО(B5);B5;"нет")',  # English built-in in a Russian formula
        "=LOCPOINTS(15)",  # too few arguments
        "=LOCRULEBOOK(1)",  # too many arguments
        "=LOCTHRESHOLD(госзакупки;2025)",  # text without quotes
        "=LOCSCORE({1;2})",  # array constant
    ],
)
def test_the_check_refuses_what_russian_excel_would(formula: str) -> None:
    with pytest.raises((NotRussianSyntax, ValueError, AssertionError)):
        test_formula_parses_and_calls_fit(formula)


def sheet_cells() -> dict[str, Any]:
    """The guide's example sheet (the table after ``<!-- sheet: LOCSCORE -->``) as cells."""
    block = TEXT.split("<!-- sheet: LOCSCORE -->", 1)[1].strip().split("\n\n", 1)[0]
    cells: dict[str, Any] = {}
    for row in block.splitlines()[2:]:
        parts = [p.strip().strip("`") for p in row.strip().strip("|").split("|")]
        number, a, b = parts
        cells[f"A{number}"] = a
        cells[f"B{number}"] = float(b) if re.fullmatch(r"\d+(,\d+)?", b) else b
    return cells


def stated_results() -> list[tuple[str, str]]:
    """(formula, result) of every table row whose last cell states a result as code."""
    out = []
    for line in TEXT.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not line.lstrip().startswith("|"):
            continue
        formulas = [c for c in cells if re.fullmatch(r"`=[^`]+`( \(.*\))?", c)]
        result = re.fullmatch(r"`([^`]+)`", cells[-1])
        if formulas and result:
            out.append((formulas[0].split("`")[1], result.group(1)))
    return out


def russian_value(text: str) -> Any:
    if text in RU_CONSTANTS:
        return RU_CONSTANTS[text] == "TRUE"
    if text in RU_ERRORS:
        return ExcelError.from_text(RU_ERRORS[text])
    if re.fullmatch(r"-?\d+(,\d+)?", text):
        return float(text.replace(",", "."))
    return text


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every stated example computed by the batch engine, in one workbook."""
    import openpyxl

    from xlfuncs.recalc.engine import evaluate
    from xlfuncs.recalc.reader import read_workbook

    wb = openpyxl.Workbook()
    ws = wb.active
    for ref, value in sheet_cells().items():
        ws[ref] = value
    rows = {}
    for n, (formula, _result) in enumerate(stated_results(), start=1):
        try:
            ws.cell(row=n, column=5, value=to_english(formula))
        except NotRussianSyntax:
            continue  # test_formula_parses_and_calls_fit names it; the others still run
        rows[formula] = n
    path = tmp_path_factory.mktemp("ru") / "guide.xlsx"
    wb.save(path)
    values = evaluate(read_workbook(path)).values
    return {f: values.get((0, n, 5)) for f, n in rows.items()}


def test_the_guide_states_results(computed: dict[str, Any]) -> None:
    assert len(stated_results()) >= 15
    assert ("=LOCSCORE(A2:A9;B2:B9;400)", "1520") in stated_results()


@pytest.mark.parametrize(("formula", "result"), stated_results(), ids=[f for f, _ in stated_results()])
def test_stated_result_is_what_the_engine_computes(
    computed: dict[str, Any], formula: str, result: str
) -> None:
    expected = russian_value(result)
    assert formula in computed, f"{formula}: not Russian Excel syntax"
    got = computed[formula]
    if isinstance(got, float) and isinstance(expected, float):
        assert got == pytest.approx(expected), formula
    else:
        assert got == expected, f"{formula}: the guide says {result}, the engine gives {got!r}"

"""Tests of xlfuncs.lawtext: reading section II of Resolution 719 as flattened text.

Small cases are hand-built in the export's form (rows ending with ``|``, continuation rows
starting ``||`` or ``| |``, Kontur's ``(в ред. ...)`` rows); the real section is read from
../shared/domain/pp719/section-II-automotive.txt.
"""

from __future__ import annotations

import datetime

from tests._shared import section_text
from xlfuncs.lawtext import parse_section, points_lines

D = datetime.date

ROWS = """из 29.10.2|Легковые|выполнение операций (условий) (при наличии):
сварка кузова (кабины) (400 баллов);
окраска кузова (кабины) (500 баллов)|
||детали кузова (кабины) (выполнение одного из следующих условий):
штамповка не менее 30 процентов общей массы (100 баллов кроме автобусов;
30 баллов для автобусов);
штамповка не менее 70 процентов общей массы (300 баллов кроме автобусов; 100 баллов для автобусов)|
| |электронный блок управления двигателем:
(до 31 июля 2024 г.)
использование российских печатных плат (75 баллов);
(с 1 августа 2024 г.)
достижение суммарного количества баллов в соответствии с разделом IX настоящего приложения на уровне:
от 200 баллов (включительно) до 205 баллов - при расчете баллов с 2024 года (200 баллов), с 2026 года (100 баллов), с 2028 года (75 баллов);
от 205 баллов (включительно) до 210 баллов - при расчете баллов до 31 декабря 2027 г. (211 баллов);
от 245 баллов (включительно) (300 баллов)|
(в ред. Постановления Правительства РФ от 17.05.2024 N 610)|
| |амортизаторы подвески (количество баллов за выполнение требования рассчитывается с учетом коэффициента, равного отношению количества амортизаторов ..., и округляется до целочисленных значений в меньшую сторону):
обработка штоков (10 баллов)|
||колеса (колесные диски), кроме запасного колеса (использование российского металла - не менее 80 процентов общей массы компонента (10 баллов)|
| |мосты:
сборка (для автомобилей грузовых и автобусов с каркасным кузовом - 15 баллов, кроме автомобилей грузовых и автобусов с каркасным кузовом - 10 баллов)|"""


def test_rows_components_and_variants() -> None:
    lines = parse_section(ROWS)
    by_text = {ln.text.split(" (")[0]: ln for ln in lines}
    assert len(lines) == 11
    weld = by_text["сварка кузова"]
    assert weld.heading == "выполнение операций (условий) (при наличии)" and weld.variants[0].points == 400
    assert weld.amended_by == ()
    # "(100 баллов кроме автобусов;\n30 баллов для автобусов)" spans two physical lines
    stamp = [ln for ln in lines if ln.text.startswith("штамповка не менее 30")][0]
    assert "\n" in stamp.text and stamp.one_of and stamp.group_line_no == 4
    assert [(v.points, v.categories, v.except_categories) for v in stamp.variants] == [
        (100, (), ("M2", "M3")), (30, ("M2", "M3"), ())
    ]


def test_periods_and_tiers() -> None:
    lines = parse_section(ROWS)
    pcb = [ln for ln in lines if ln.text.startswith("использование российских печатных")][0]
    assert pcb.period == "(до 31 июля 2024 г.)" and pcb.variants[0].effective_to == D(2024, 7, 31)
    assert not pcb.one_of and pcb.amended_by == ("PP 610 of 17.05.2024",)
    t200, t205, t245 = [ln for ln in lines if ln.tier]
    assert t200.tier == (200, 205) and t245.tier == (245, None)
    assert [(v.points, v.effective_from, v.effective_to) for v in t200.variants] == [
        (200, D(2024, 8, 1), D(2025, 12, 31)),
        (100, D(2026, 1, 1), D(2027, 12, 31)),
        (75, D(2028, 1, 1), None),
    ]
    assert [(v.points, v.effective_to) for v in t205.variants] == [(211, D(2027, 12, 31))]
    assert t200.group_line_no == t205.group_line_no == t245.group_line_no != 0


def test_prorata_items_and_heavy_variants() -> None:
    lines = parse_section(ROWS)
    rods = [ln for ln in lines if ln.text.startswith("обработка штоков")][0]
    assert rods.prorata and rods.rounding == "down"
    # a row that names its component itself is its own component, not part of the one above
    wheels = [ln for ln in lines if ln.text.startswith("колеса")][0]
    assert wheels.heading.startswith("колеса (колесные диски)") and not wheels.prorata
    axle = lines[-1]
    assert [(v.points, v.categories, v.except_categories) for v in axle.variants] == [
        (15, ("N2", "N3", "M2", "M3"), ()), (10, (), ("N2", "N3", "M2", "M3"))
    ]
    assert "frame body" in axle.variants[0].note


def test_every_text_is_verbatim_and_every_points_line_is_read() -> None:
    text = section_text()
    lines = parse_section(text)
    assert len(lines) == 783  # 782 operation lines and the R&D line (437)
    assert all(ln.text in text and ln.heading in text for ln in lines)
    covered = {ln.line_no + k for ln in lines for k in range(ln.text.count("\n") + 1)}
    assert [no for no, _ in points_lines(text) if no not in covered] == []
    assert [ln.line_no for ln in lines if not ln.variants] == [437]  # R&D: a rate, not points

"""The default edition ru719-2026-07, block by block of section II, against the legal text.

Every expected number cites its source line (``L<n>`` = line n of
../shared/domain/pp719/section-II-automotive.txt), note 5 (notes.txt) or footnote <12>
(footnotes.txt); the hand-checked cases are from ../shared/domain/audit-2026-12.md §4.
"""

from __future__ import annotations

import datetime

import pytest

from xlfuncs import core
from xlfuncs.errors import NoRuleError
from xlfuncs.rulebook import default_rulebook

D = datetime.date
BOOK = default_rulebook()


def pts(code: str, on: object = 2025, category: str = "M1", powertrain: str = "ice") -> float:
    return core.operation_points(code, year=on, category=category, powertrain=powertrain, rules=BOOK)


@pytest.mark.parametrize(
    ("code", "category", "expected"),
    [
        ("body_welding", "M1", 400),  # L5 сварка кузова (кабины) (400 баллов)
        ("body_welding", "N3", 400),  # the lines are common to every category (audit 1.2)
        ("body_painting", "M2", 500),  # L6 окраска кузова (кабины) (500 баллов)
        ("body_stamping_30", "M1", 100),  # L8: 100 кроме автобусов
        ("body_stamping_30", "M3", 30),  # L9: 30 для автобусов
        ("body_stamping_50", "N1", 200),  # L10: 200 кроме автобусов
        ("body_stamping_50", "M2", 65),  # L11: 65 для автобусов
        ("body_stamping_70", "N2", 300),  # L12: 300 кроме автобусов
        ("body_stamping_70", "M3", 100),  # L12: 100 для автобусов
        ("body_metal_50", "M1", 150),  # L15: не менее 50 процентов (150 баллов)
        ("body_metal_70", "M1", 200),  # L16: не менее 70 процентов (200 баллов)
    ],
)
def test_body(code: str, category: str, expected: float) -> None:
    assert pts(code, category=category) == expected


def test_body_alternatives_count_once() -> None:
    # L7 and L14: "выполнение одного из следующих условий": only the best done line counts
    score = core.total_score(["body_stamping_30", "body_stamping_50", "body_metal_50", "body_metal_70"], year=2025)
    assert score == 200 + 200  # stamping 50 % (200) + metal 70 % (200)


def test_frame() -> None:
    assert pts("vehicle_frame_assembly_joining", category="N3") == 15  # L439
    assert pts("vehicle_frame_forming", category="N3") == 30  # L440: не менее 90 процентов
    # L441-443: one of: Russian metal 60 % (40) or 90 % (60)
    assert core.total_score(["vehicle_frame_ru_metal_60", "vehicle_frame_ru_metal_90"], year=2025, category="N3") == 60


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("engine_assembly_test", 25),  # L19
        ("cylinder_block", 95),  # L20
        ("ice_crankshaft", 95),  # L21
        ("ice_camshafts", 95),  # L22
        ("ice_cylinder_head", 95),  # L23
        ("ice_piston_machining", 20),  # L24
        ("ice_ring_machining", 15),  # L25
    ],
)
def test_ice(code: str, expected: float) -> None:
    assert pts(code) == expected


def test_ecology_factor_on_ice_operations_only() -> None:
    # note 5: ICE operations x 1.5 (UN R83-07) or x 2 (R154-00 level 1A, R49-06)
    ops = ["cylinder_block", "ice_crankshaft", "body_welding"]
    assert core.total_score(ops, year=2025) == 95 + 95 + 400
    assert core.total_score(ops, year=2025, eco_factor="R83-07") == 1.5 * 190 + 400
    assert core.total_score(ops, year=2025, eco_factor=2) == 2 * 190 + 400
    assert core.total_score(ops, year=2025, eco_factor="R49-06") == 2 * 190 + 400


@pytest.mark.parametrize(
    ("code", "powertrain", "expected"),
    [
        ("mt_gearbox_assembly_test", "ice", 30),  # L83: ДВС и гибрид 30
        ("mt_gearbox_assembly_test", "hybrid", 30),
        ("mt_gearbox_assembly_test", "bev", 15),  # L83: электрическая 15
        ("mt_gearbox_housing_machining", "ice", 120),  # L84
        ("mt_gearbox_housing_machining", "bev", 35),
        ("mt_gearbox_shafts_machining", "ice", 40),  # L86
        ("mt_gearbox_shafts_machining", "bev", 20),
        ("mt_gearbox_gears_machining", "ice", 140),  # L89
        ("mt_gearbox_gears_machining", "bev", 70),
        ("at_gearbox_gears_machining", "ice", 180),  # L115
        ("at_gearbox_gears_blanks_ru", "ice", 120),  # L116
        ("cvt_gearbox_belt", "ice", 140),  # L124
    ],
)
def test_transmission(code: str, powertrain: str, expected: float) -> None:
    assert pts(code, powertrain=powertrain) == expected


def test_prorata_lines_round_as_the_text_says() -> None:
    # L85-86: shafts pro rata, "округляется до целочисленных значений": 40 x 2/3 = 26.67 -> 27
    assert core.total_score(["mt_gearbox_shafts_machining"], [2 / 3], year=2025) == 27
    # L562-563: shock absorbers "в меньшую сторону": 10 x 3/4 = 7.5 -> 7
    assert core.total_score(["shock_absorbers_rods"], [0.75], year=2025) == 7
    # L800-801: airbags pro rata, 75 x 1/2 = 37.5 -> 38 (nearest)
    assert core.total_score(["airbags_fabrics"], [0.5], year=2025) == 38
    # a done flag on a pro-rata line is the whole share
    assert core.total_score(["airbags_fabrics"], [True], year=2025) == 75
    with pytest.raises(Exception, match="share"):
        core.total_score(["airbags_fabrics"], [1.5], year=2025)


@pytest.mark.parametrize(
    ("code", "on", "expected"),
    [
        ("engine_ecu_smt", D(2024, 7, 31), 75),  # L156-157: until 31 Jul 2024
        ("engine_ecu_tier_200", D(2024, 8, 1), 200),  # L163: from 1 Aug 2024, "с 2024 года (200)"
        ("engine_ecu_tier_200", 2026, 100),  # L163: "с 2026 года (100 баллов)"
        ("engine_ecu_tier_200", 2028, 75),  # L163: "с 2028 года (75 баллов)"
        ("engine_ecu_tier_205", 2027, 211),  # L164: to 31 Dec 2027
        ("engine_ecu_tier_245", 2030, 300),  # L168
        ("abs_esc_ecu_tier_200", 2024, None),  # 1 Jan 2024: the tiers start 1 Aug 2024
        ("abs_esc_ecu_tier_200", 2025, 133),  # L181: 133 / 67 / 50
        ("abs_esc_ecu_tier_200", 2026, 67),
        ("abs_esc_ecu_tier_200", 2028, 50),
        ("instrument_cluster_ecu_tier_200", 2025, 87),  # L249: 87 / 43 / 33
        ("instrument_cluster_ecu_tier_200", 2028, 33),
        ("era_glonass_tier_200", 2026, 33),  # L310: 67 / 33 / 25
        ("era_glonass_tier_245", 2026, 100),  # L315
        ("telematics_tier_245", 2026, 200),  # L279
    ],
)
def test_electronics_tiers(code: str, on: object, expected: float | None) -> None:
    if expected is None:
        with pytest.raises(NoRuleError):
            pts(code, on)
    else:
        assert pts(code, on) == expected


def test_tiers_that_end_in_2027_give_nothing_after() -> None:
    # L164-167: "при расчете баллов до 31 декабря 2027 г."; a done tier not in force earns 0
    with pytest.raises(NoRuleError):
        pts("engine_ecu_tier_205", 2028)
    assert core.total_score(["engine_ecu_tier_205"], year=2028) == 0


def test_battery_hydrogen_chassis_materials() -> None:
    assert pts("traction_battery_ru_industrial_product", powertrain="bev") == 630  # L359 (PP 1213)
    assert pts("h2_fuel_cell_stack_assembly_test") == 60  # L367
    assert pts("road_wheels_russian_metal_80") == 10  # L593
    assert pts("tyres_note7_requirements") == 10  # L594
    assert pts("axles_final_drives_assembly_test", category="N3") == 15  # L566: trucks and buses 15
    assert pts("axles_final_drives_assembly_test", category="M1") == 10  # L566: others 10
    paint = [c for c in BOOK.operation_codes if c.startswith("paint_coating_materials_")]
    assert len(paint) == 9  # L1056-1065: nine paint-material lines, 125 in all (audit 1.2)
    assert core.total_score(paint, year=2025) == 125


def test_vesta_ng_lost_75_on_the_ecu_in_2023() -> None:
    # audit §4: Lada Vesta NG conclusion, Oct 2023: ECU -75 = one of the four 75-point
    # conditions of L157-160 (in force until 31 Jul 2024)
    ecu = ["engine_ecu_smt", "engine_ecu_pcb", "engine_ecu_software", "engine_ecu_foreign_share"]
    on = D(2023, 10, 19)
    full = core.total_score(ecu, year=on)
    assert full == 300
    assert full - core.total_score(ecu, [1, 1, 1, 0], year=on) == 75


def test_jolion_gained_200_on_telematics_in_february_2024() -> None:
    # audit §4: Haval Jolion conclusion of 6 Feb 2024: Russian telematics +200 = the four
    # 50-point conditions of L268-271 (until 31 Jul 2024)
    tel = ["telematics_smt", "telematics_pcb", "telematics_software", "telematics_foreign_share"]
    assert core.total_score(tel, year=D(2024, 2, 6)) == 200
    # from 1 Aug 2024 the unit is scored by its section IX tier instead (L273-279)
    assert core.total_score(tel, year=D(2024, 8, 1)) == 0


@pytest.mark.parametrize(
    ("category", "powertrain", "on", "expected"),
    [
        ("M1", "ice", 2023, 3200),  # note 5: с 1 января 2023 г. не менее 3200
        ("M1", "hybrid", 2027, 3500),  # not purely electric: the ICE ladder
        ("M1", "ice", 2028, 3700),
        ("N1", "ice", 2028, 3700),
        ("M1", "bev", 2023, 1100),  # электромобили 1100 (2023)
        ("M1", "bev", 2026, 1500),  # ... 1500 (2026)
        ("N1", "bev", 2027, 1600),  # легкие коммерческие электромобили 1600 (2027)
        ("N1", "bev", 2029, 2300),  # ... 2300 (2029)
        ("N3", "ice", 2029, 3700),  # автомобили грузовые 3700 (2029)
        ("N2", "bev", 2027, 2300),  # электрические грузовые 2300 (2027)
        ("M2", "ice", 2023, 2900),  # автобусы 2900 (2023)
        ("M3", "ice", 2029, 3400),  # ... 3400 (2029)
        ("M3", "bev", 2023, 1900),  # электробусы 1900 (2023)
        ("M3", "bev", 2027, 2300),  # ... 2300 (2027)
    ],
)
def test_procurement_bars_of_note_5(category: str, powertrain: str, on: int, expected: float) -> None:
    assert core.threshold("procurement", year=on, category=category, powertrain=powertrain) == expected


def test_other_bars() -> None:
    assert core.threshold("competitiveness", year=2022) == 1200  # note 5, PP 191
    assert core.threshold("competitiveness", year=2025, category="M3") == 1400
    assert core.threshold("taxi", year=2027, powertrain="bev") == 1500  # follows procurement (uncertain)
    with pytest.raises(NoRuleError):
        core.threshold("utilfee", year=2026)  # 1,500 stated for 2025 only
    assert BOOK.threshold("loans", D(2026, 1, 1)).scope.startswith("ICE cars priced up to 2 mln RUB")


def test_a_share_on_a_line_not_in_force_earns_nothing() -> None:
    # L800-801 airbags pro rata (in force); telematics_smt (L268) ended 31 Jul 2024: a share
    # typed there in 2026 is no error, it earns 0
    assert core.total_score(["airbags_fabrics", "telematics_smt"], [0.5, 0.5], year=2026) == 38

"""The templates follow the law edition ru719-2026-07: the full catalogue, groups of
alternatives as one row, pro-rata shares, the powertrain in every call that takes it, and the
licence comparison of the law against the 2023 draft."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from xlfuncs.rulebook import default_rulebook, load_rulebook
from xlfuncs.templates import TEMPLATES, fill

from .conftest import EXAMPLES, REPO

BOOK = default_rulebook()
# LOC* functions that take a powertrain, and the argument it is (1-based)
_PT_ARG = {"LOCOPPOINTS": 4, "LOCSCORE": 6, "LOCTHRESHOLD": 4, "LOCGAP": 5, "LOCELIGIBLE": 5,
           "LOCSPENDNEEDED": 6}
_CALL = re.compile(r"\b(LOC[A-Z]+)\(")


def _args(formula: str, start: int) -> list[str]:
    """The top-level arguments of the call whose "(" is at ``start``."""
    depth, args, cur, quoted = 0, [], "", False
    for ch in formula[start + 1:]:
        if ch == '"':
            quoted = not quoted
        if not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            if depth == 0:
                args.append(cur)
                return args
            depth -= 1
        if not quoted and ch == "," and depth == 0:
            args.append(cur)
            cur = ""
        else:
            cur += ch
    raise AssertionError(f"unbalanced formula {formula}")


def _cells(wb, name: str) -> list:  # type: ignore[no-untyped-def]
    (title, ref), = wb.defined_names[name].destinations
    c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
    ws = wb[title]
    return [ws.cell(row=r, column=c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _named(path: Path, name: str) -> list[object]:
    return [c.value for c in _cells(load_workbook(path, data_only=True), name)]


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_powertrain_call_gets_the_powertrain(built: dict[str, Path], name: str) -> None:
    wb = load_workbook(built[name])
    calls = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if not (isinstance(c.value, str) and c.value.startswith("=")):
                    continue
                for m in _CALL.finditer(c.value):
                    position = _PT_ARG.get(m.group(1))
                    if position is None:
                        continue
                    args = _args(c.value, m.end() - 1)
                    calls += 1
                    assert len(args) >= position, f"{ws.title}!{c.coordinate}: {c.value}"
                    pt = args[position - 1].strip()
                    # the input (a name or a model row's powertrain cell), or "ice" for the
                    # portfolio summary that is labelled "M1, ICE"
                    assert pt in ("Powertrain", '"ice"') or re.fullmatch(r"C\d+", pt), (
                        f"{ws.title}!{c.coordinate}: powertrain argument {pt!r} in {c.value}")
    assert calls > 0


def test_checklist_covers_the_catalogue_with_groups_as_one_row(built: dict[str, Path]) -> None:
    wb = load_workbook(built["programme_budget"])
    ws = wb["Programme"]
    codes = _cells(wb, "Op_Codes")
    listed = {c.value for c in codes if isinstance(c.value, str)}
    lists = wb["Lists"]
    group_dv = {}
    for dv in ws.data_validations.dataValidation:
        m = re.fullmatch(r"='?Lists'?!\$D\$(\d+):\$D\$(\d+)", dv.formula1 or "")
        if dv.type == "list" and m:
            choices = tuple(lists.cell(row=r, column=4).value
                            for r in range(int(m.group(1)), int(m.group(2)) + 1))
            for ref in str(dv.sqref).split():
                group_dv[ref] = choices
    # one row per group (30 in the law), its dropdown is exactly the group's codes
    assert len(group_dv) == len(BOOK.groups) == 30
    for group, members in BOOK.groups.items():
        (cell,) = _cells(wb, f"Choice_{group}")
        assert group_dv[cell.coordinate] == members, group
        assert cell.value in members
        assert not any(m in listed for m in members if m != cell.value)  # no row per tier
    # every other code of the default edition has its own row: 782 codes in 752 rows...
    plain = [c for c in BOOK.operation_codes if not BOOK.operation_group(c)]
    assert set(plain) <= listed
    rows = [c for c in codes if isinstance(c.value, str)]
    assert len(rows) == len(plain) + len(BOOK.groups) == 651
    # ... grouped by block: a heading row (blank code) before the lines of each block
    blocks = [ws.cell(row=c.row, column=1).value for c in codes if c.value is None
              and ws.cell(row=c.row, column=1).fill.fgColor.rgb.endswith("D9E1F2")]
    assert blocks[:3] == ["Body (cab) and exterior", "Frame and subframes", "Internal combustion engine"]
    assert len(blocks) == 14 + 1  # the law's 14 blocks and the additional operations


def test_pro_rata_rows_take_a_share(built: dict[str, Path]) -> None:
    wb = load_workbook(built["programme_budget"])
    ws = wb["Programme"]
    share = next(dv for dv in ws.data_validations.dataValidation
                 if dv.type == "decimal" and dv.formula1 == "0" and dv.formula2 == "1")
    shared = {str(x) for x in share.sqref.ranges}
    flag = next(dv for dv in ws.data_validations.dataValidation if dv.formula1 == '"1,0"')
    flagged = {str(x) for x in flag.sqref.ranges}

    def covered(cells: list, ranges: set[str]) -> bool:  # type: ignore[type-arg]
        for c in cells:
            if not any(_inside(c.coordinate, r) for r in ranges):
                return False
        return True

    prorata = [c for c in BOOK.operation_codes if BOOK.rows_of(c)[0].prorata and not BOOK.operation_group(c)]
    assert len(prorata) == 74  # 80 pro-rata lines in the law, 6 of them the display tiers (a group)
    for code in prorata:
        assert covered(_cells(wb, f"Done_{code}"), shared), code
    assert covered(_cells(wb, "Done_displays_monitors_panels"), shared)  # a pro-rata group
    assert covered(_cells(wb, "Done_body_welding"), flagged)


def _inside(coord: str, ref: str) -> bool:
    c1, r1, c2, r2 = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
    cc, rr, _, _ = range_boundaries(f"{coord}:{coord}")
    return c1 <= cc <= c2 and r1 <= rr <= r2


def test_licence_scenarios_law_next_to_the_draft(tmp_path: Path) -> None:
    out = tmp_path / "scen"
    res = fill("licence_scenarios", EXAMPLES / "licence_scenarios.csv", out)
    path = next(p for p in res.paths if p.name.endswith("cheap_licence.xlsx"))
    years = _named(path, "Plan_Year")
    revenue = _named(path, "Revenue")
    licence = _named(path, "Licence_Cost")
    base = _named(path, "Base_Op_Points")[0]
    # the law: licence costs are not R&D, so the licence earns no points
    assert _named(path, "Licence_Points") == [0] * 7
    assert _named(path, "Licence_Score") == [base] * 7
    # the draft, computed by the scenario edition itself: licence counted as R&D from 2023
    from xlfuncs import core

    draft = load_rulebook("ru719-licence-draft")
    expected = [core.rnd_points(0, rev, lic, year=y, category="M1", rules=draft)
                for y, rev, lic in zip(years, revenue, licence)]
    assert _named(path, "Licence_Points_Draft") == expected
    assert any(p > 0 for p in expected)  # examples/licence_scenarios.csv: 0.6-0.9 bn of licence a year
    assert _named(path, "Licence_Score_Draft") == [base + p for p in expected]
    # and the law edition gives 0 for the same inputs
    assert [core.rnd_points(0, rev, lic, year=y, category="M1") for y, rev, lic
            in zip(years, revenue, licence)] == [0] * 7


def test_the_sheets_say_which_is_law_and_which_is_a_draft(built: dict[str, Path]) -> None:
    wb = load_workbook(built["licence_scenarios"])
    texts = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                     if isinstance(c.value, str))
    assert "LAW (in force)" in texts and "not in force" in texts and "DRAFT" in texts
    assert "ЗАКОН (действует)" in texts and "ПРОЕКТ" in texts


_FALSE_CLAIM = re.compile(r"(rulebook|rules)\s+counts?\s+licen[cs]e\s+costs?\s+as\s+R&D|"
                          r"Правила учитывают лицензию как НИОКР|Лицензия считается НИОКР", re.IGNORECASE)


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_no_template_claims_licence_costs_count(built: dict[str, Path], name: str) -> None:
    wb = load_workbook(built[name])
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert not (isinstance(c.value, str) and _FALSE_CLAIM.search(c.value)), (
                    f"{name} {ws.title}!{c.coordinate}: {c.value}")


def test_docs_make_no_such_claim() -> None:
    for path in (REPO / "docs" / "templates.md", REPO / "README.md"):
        assert not _FALSE_CLAIM.search(path.read_text(encoding="utf-8")), path

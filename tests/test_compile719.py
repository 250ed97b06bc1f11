"""Tests of xlfuncs.compile719: the default edition is what the compiler makes of the legal text.

The shipped ``xlfuncs/data/ru719-2026-07.toml`` must be the compiler's output for
../shared/domain/pp719/section-II-automotive.txt and the packaged review, and every row must be
traceable to its line: wording verbatim, every figure of points found in that wording.
"""

from __future__ import annotations

import re
import tomllib

import pytest

from tests._shared import SECTION_II, section_text
from xlfuncs import compile719
from xlfuncs.lawtext import parse_section, points_lines
from xlfuncs.rulebook import DEFAULT_EDITION_PATH, default_rulebook


def test_shipped_edition_is_the_compiled_text() -> None:
    text = section_text()
    compiled = compile719.compile_edition(
        text, compile719.load_review(), compile719.HEAD_PATH.read_text(encoding="utf-8")
    )
    assert compiled == DEFAULT_EDITION_PATH.read_text(encoding="utf-8"), (
        "run: python -m xlfuncs.compile719"
    )
    assert compile719.main(["--section", str(SECTION_II), "--check"]) == 0


def test_every_row_traces_to_its_line() -> None:
    text = section_text()
    source_lines = text.split("\n")
    book = default_rulebook()
    assert len(book.operation_codes) == 782
    for row in book.operations:
        assert row.confidence == "legal text"
        assert row.legal_text in text, row.code
        assert row.legal_heading in text, row.code
        assert source_lines[row.line - 1] in row.legal_text or row.legal_text.startswith(
            source_lines[row.line - 1].split(":", 1)[-1][:40]
        ) or row.legal_text.split("\n")[0] in source_lines[row.line - 1], row.code
        figures = {int(n) for n in re.findall(r"(\d+) балл", row.legal_text)}
        assert int(row.points) in figures, (row.code, row.points, figures)
        assert f"line {row.line}" in row.source


def test_every_points_line_has_a_row_or_a_reason() -> None:
    text = section_text()
    book = default_rulebook()
    review = compile719.load_review()
    covered: set[int] = set()
    for row in book.operations:
        covered.update(range(row.line, row.line + row.legal_text.count("\n") + 1))
    excluded = {int(k) for k in review["exclude"]}
    missing = [no for no, _ in points_lines(text) if no not in covered and no not in excluded]
    assert missing == []
    assert excluded == {437} and "R&D" in review["exclude"]["437"]


def test_groups_tiers_and_prorata_come_from_the_text() -> None:
    book = default_rulebook()
    assert book.groups["body_stamping"] == ("body_stamping_30", "body_stamping_50", "body_stamping_70")
    assert book.groups["body_metal"] == ("body_metal_50", "body_metal_70")
    # 25 electronic units scored by their section IX score from 1 Aug 2024, 6 tiers each
    tiered = {g for g, codes in book.groups.items() if any(book.rows_of(c)[0].tier_from for c in codes)}
    assert len(tiered) == 25 and all(len(book.groups[g]) == 6 for g in tiered)
    lines = {ln.line_no: ln for ln in parse_section(section_text())}
    for code in book.operation_codes:
        row = book.rows_of(code)[0]
        assert row.prorata == lines[row.line].prorata
        assert row.rounding == lines[row.line].rounding


def test_review_is_complete_and_codes_are_stable() -> None:
    with open(compile719.REVIEW_PATH, "rb") as fh:
        review = tomllib.load(fh)
    codes = [v["code"] for v in review["line"].values()]
    assert len(codes) == len(set(codes)) == 782
    assert all(re.fullmatch(r"[a-z][a-z0-9_]{2,47}", c) for c in codes)
    # the codes the press edition had for these lines keep their names
    for code in ("body_welding", "body_painting", "cylinder_block", "engine_assembly_test"):
        assert code in codes


def test_compiler_refuses_an_incomplete_review() -> None:
    text = section_text()
    review = compile719.load_review()
    del review["line"]["5"]
    with pytest.raises(ValueError, match=r"no entry for source lines \[5\]"):
        compile719.compile_edition(text, review, "")
    review = compile719.load_review()
    review["line"]["6"]["code"] = "body_welding"
    with pytest.raises(ValueError, match="codes used twice"):
        compile719.compile_edition(text, review, "")

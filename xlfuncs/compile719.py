"""Compile the default edition from the legal text: section II of Resolution 719 plus a hand review.

The compiler reads the section (:func:`xlfuncs.lawtext.parse_section`), takes from the review
(``xlfuncs/data/pp719/review.toml``) each line's stable code and English name and each
component's block, and writes one ``[[operation]]`` row per legal line, with its variants by
category, powertrain and period, after the hand-written head (``head.toml``: R&D, thresholds,
factors). Nothing is typed twice: the points, the wording, the groups of alternatives, the
pro-rata rule and the periods all come from the text.

Run it from a checkout with ``../shared`` beside it::

    python -m xlfuncs.compile719 --section ../shared/domain/pp719/section-II-automotive.txt

``--check`` compares with the shipped edition instead of writing it (exit 1 on a difference).

>>> from xlfuncs.lawtext import Variant
>>> _variant_rows((Variant(100, except_categories=("M2", "M3")), Variant(30, categories=("M2", "M3"))), None)
[{'points': 100}, {'points': 30, 'category': ['M2', 'M3']}]
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from xlfuncs.lawtext import LegalLine, Variant, parse_section
from xlfuncs.rulebook import available_editions, twin_data

__all__ = ["REVIEW_PATH", "HEAD_PATH", "compile_edition", "load_review", "main", "write_twin"]

DATA = Path(__file__).parent / "data"
REVIEW_PATH = DATA / "pp719" / "review.toml"
HEAD_PATH = DATA / "pp719" / "head.toml"
OUT_PATH = DATA / "ru719-2026-07.toml"
DEFAULT_SECTION = Path("..") / "shared" / "domain" / "pp719" / "section-II-automotive.txt"
_RESTATED_BY = "PP 317 of 16.03.2024"


def load_review(path: str | os.PathLike[str] = REVIEW_PATH) -> dict[str, Any]:
    """The hand review: ``component`` (by heading line), ``line`` (by line), ``exclude``,
    ``acts`` (entry into force of the amending acts) and ``start`` (the date undated lines
    apply from)."""
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _variant_rows(variants: Sequence[Variant], start: datetime.date | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for v in variants:
        row: dict[str, Any] = {"points": v.points}
        if v.categories:
            row["category"] = list(v.categories)
        if v.powertrains:
            row["powertrain"] = list(v.powertrains)
        if v.effective_from and v.effective_from != start:
            row["effective_from"] = v.effective_from
        if v.effective_to:
            row["effective_to"] = v.effective_to
        if v.note:
            row["note"] = v.note
        rows.append(row)
    return rows


def _groups(lines: Sequence[LegalLine], codes: Mapping[int, str], components: Mapping[int, str],
            overrides: Mapping[str, str]) -> dict[int, str]:
    """The alternatives group of each line that has one, by line number."""
    members: dict[int, list[LegalLine]] = {}
    for ln in lines:
        if ln.group_line_no:
            members.setdefault(ln.group_line_no, []).append(ln)
    out: dict[int, str] = {}
    for gline, group in members.items():
        comp = components[group[0].heading_line_no]
        if str(gline) in overrides:
            name = overrides[str(gline)]
        elif group[0].tier is not None or gline == group[0].heading_line_no:
            name = comp
        else:
            prefix = os.path.commonprefix([codes[ln.line_no] for ln in group]).rstrip("_0123456789")
            name = prefix.rstrip("_") if len(prefix) > len(comp) else f"{comp}_{gline}"
        for ln in group:
            out[ln.line_no] = name
    return out


def compile_edition(section_text: str, review: Mapping[str, Any], head: str) -> str:
    """The edition TOML: ``head`` followed by one ``[[operation]]`` row per legal line."""
    lines = parse_section(section_text)
    start = review["start"]["date"]
    acts: Mapping[str, datetime.date] = review.get("acts", {})
    excluded = {int(k): v for k, v in review.get("exclude", {}).items()}
    comp_review = {int(k): v for k, v in review["component"].items()}
    line_review = {int(k): v for k, v in review["line"].items()}
    kept = [ln for ln in lines if ln.line_no not in excluded]
    missing = [ln.line_no for ln in kept if ln.line_no not in line_review]
    missing += [ln.heading_line_no for ln in kept if ln.heading_line_no not in comp_review]
    if missing:
        raise ValueError(f"review has no entry for source lines {sorted(set(missing))}")
    unstated = [ln.line_no for ln in kept if not ln.variants]
    if unstated:
        raise ValueError(f"no points in a known form on source lines {unstated}")
    codes = {ln.line_no: line_review[ln.line_no]["code"] for ln in kept}
    dup = {c for c, n in collections.Counter(codes.values()).items() if n > 1}
    if dup:
        raise ValueError(f"codes used twice: {sorted(dup)}")
    components = {k: v["component"] for k, v in comp_review.items()}
    groups = _groups(kept, codes, components, review.get("group", {}))
    eco = set(review.get("eco", {}).get("heading_lines", []))
    out = [head.rstrip("\n"), "", "# " + "-" * 64 + " operations (section II)", ""]
    for ln in kept:
        lr, cr = line_review[ln.line_no], comp_review[ln.heading_line_no]
        act = ln.amended_by[-1] if ln.amended_by else _RESTATED_BY
        row: dict[str, Any] = {
            "code": codes[ln.line_no],
            "name_en": lr["name_en"],
            "block": lr.get("block", cr["block"]),
        }
        if ln.line_no in groups:
            row["group"] = groups[ln.line_no]
        row["legal_heading"] = ln.heading
        row["legal_text"] = ln.text
        row["line"] = ln.line_no
        if ln.prorata:
            row["prorata"] = True
            row["rounding"] = ln.rounding
        if ln.tier is not None:
            row["tier_from"] = ln.tier[0]
            if ln.tier[1] is not None:
                row["tier_to"] = ln.tier[1]
        if ln.heading_line_no in eco:
            row["eco"] = True
        row["amended_by"] = act
        if act in acts:
            row["amendment_in_force"] = acts[act]
        row["effective_from"] = start
        row["source"] = f"Resolution 719, appendix, section II, line {ln.line_no} (as amended by {act})"
        row["confidence"] = "legal text"
        notes = [n for n in (lr.get("note", ""), cr.get("note", "")) if n]
        if ln.amended_by and act != _RESTATED_BY:
            notes.append(f"Wording as amended by {act}; the earlier wording was not found and this one is applied before it too.")
        if notes:
            row["note"] = " ".join(notes)
        out.append("[[operation]]")
        out += [f"{k} = {_toml_value(v)}" for k, v in row.items()]
        for var in _variant_rows(ln.variants, start):
            out.append("[[operation.variant]]")
            out += [f"{k} = {_toml_value(v)}" for k, v in var.items()]
        out.append("")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m xlfuncs.compile719``: write (or ``--check``) the compiled default edition."""
    p = argparse.ArgumentParser(prog="python -m xlfuncs.compile719", description=__doc__.split("\n")[0])
    p.add_argument("--section", default=str(DEFAULT_SECTION), help="section II text (default: %(default)s)")
    p.add_argument("--review", default=str(REVIEW_PATH), help="the hand review (default: packaged)")
    p.add_argument("--head", default=str(HEAD_PATH), help="the hand-written head (default: packaged)")
    p.add_argument("-o", "--out", default=str(OUT_PATH), help="edition file to write (default: packaged)")
    p.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = p.parse_args(argv)
    try:
        section = Path(args.section).read_text(encoding="utf-8")
        review = load_review(args.review)
        head = Path(args.head).read_text(encoding="utf-8")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        print(f"compile719: {exc}", file=sys.stderr)
        return 2
    try:
        text = compile_edition(section, review, head)
    except ValueError as exc:
        print(f"compile719: {args.review}: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    if args.check:
        same = out.exists() and out.read_text(encoding="utf-8") == text
        print(f"{out}: {'up to date' if same else 'differs from the compiled text'}")
        for edition in available_editions().values():
            twin = edition.with_suffix(".json")
            fresh = twin.is_file() and json.loads(twin.read_bytes()) == twin_data(edition.read_bytes())
            same = same and fresh
            print(f"{twin}: {'up to date' if fresh else 'stale: run python -m xlfuncs.compile719'}")
        return 0 if same else 1
    _atomic_write(out, text.encode("utf-8"))
    print(f"{out}: {text.count('[[operation]]') - 1} operations written")
    for edition in available_editions().values():
        write_twin(edition)
    return 0


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_twin(edition: Path) -> Path:
    """Write the JSON twin of a packaged edition file (see :func:`xlfuncs.rulebook.twin_data`)."""
    twin = edition.with_suffix(".json")
    doc = twin_data(edition.read_bytes())
    _atomic_write(twin, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return twin


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

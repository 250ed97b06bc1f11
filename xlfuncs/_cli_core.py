"""``xlfuncs rules``: print the rules in force with their sources."""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import shutil
import sys
import textwrap
from typing import Any

from xlfuncs.errors import XlfuncsError

__all__ = ["register"]


def _date(text: str) -> datetime.date:
    try:
        if text.isdigit() and len(text) == 4:
            return datetime.date(int(text), 1, 1)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD or YYYY): {text!r}") from None


def register(sub: Any) -> None:
    """Add the ``rules`` sub-command."""
    p = sub.add_parser(
        "rules",
        help="print the rules in force (R&D rule, operation points, thresholds) with sources",
        description="Print the localization rules in force on a date, with source and confidence.",
    )
    p.add_argument("--date", type=_date, default=None, help="date or year (default: today)")
    p.add_argument("--category", default=None, help="vehicle category, e.g. M1 (default: all)")
    p.add_argument(
        "--table", default="all", choices=("all", "rnd", "operations", "thresholds"), help="which rules"
    )
    p.add_argument("--rulebook", default=None, help="a rulebook TOML file (default: $XLFUNCS_RULEBOOK or the packaged edition)")
    p.add_argument("--format", default="text", choices=("text", "csv", "json"), help="output format")
    p.add_argument("--export", metavar="FILE", default=None, help="write the packaged default rulebook to FILE, to edit as your own edition")
    p.set_defaults(handler=_rules)


def _rules(args: argparse.Namespace) -> int:
    from xlfuncs.rulebook import DEFAULT_EDITION_PATH, active_rulebook, load_rulebook

    if args.export:
        if os.path.exists(args.export):
            print(f"{args.export}: exists; not overwritten", file=sys.stderr)
            return 1
        shutil.copyfile(DEFAULT_EDITION_PATH, args.export)
        print(f"wrote {args.export}")
        return 0
    try:
        book = load_rulebook(args.rulebook) if args.rulebook else active_rulebook()
        on = args.date or datetime.date.today()
        rows = book.in_force(on, args.category, args.table)
    except XlfuncsError as exc:
        print(exc if args.rulebook else f"rulebook: {exc}", file=sys.stderr)
        return 1 if args.rulebook else 2
    if args.format == "json":
        json.dump({"edition": book.edition, "date": on.isoformat(), "rules": rows}, sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif args.format == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["table"])
        w.writeheader()
        w.writerows(rows)
    else:
        _print_text(book.edition, book.path, on, rows)
    return 0


def _print_text(edition: str, path: str, on: datetime.date, rows: list[dict[str, Any]]) -> None:
    print(f"Rules in force on {on.isoformat()}  (rulebook {edition}: {path})")
    if not rows:
        print("  no rule in force")
        return
    current = None
    for r in rows:
        head = (r["table"], r["category"])
        if head != current:
            current = head
            print(f"\n{r['table'].upper()}  [{r['category']}]")
        value = r["value"]
        shown = f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)
        span = f"from {r['effective_from']}" + (f" to {r['effective_to']}" if r["effective_to"] else "")
        print(f"  {r['key']:<22} {shown:>8}   {span}; {r['confidence']}")
        for line in textwrap.wrap(
            f"source: {r['source']}", width=96, break_long_words=False, break_on_hyphens=False
        ):
            print(f"      {line}")

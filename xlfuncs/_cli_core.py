"""``xlfuncs rules``: print the rules in force with their sources; ``xlfuncs rules diff``.

Also the rulebook option every evaluating command shares (:func:`add_rulebook_option`,
:func:`cli_rulebook`): ``--rulebook ID_OR_FILE``, else ``$XLFUNCS_RULEBOOK`` (read once,
here, at the edge of the program), else the packaged default edition. The rulebook is
loaded and validated once, before any file is touched; a bad one is a usage error (exit 2)
printed as one line ``rulebook: FILE: row N: field: what is wrong``.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import re
import sys
import textwrap
from typing import TYPE_CHECKING, Any

from xlfuncs.errors import RulebookError, XlfuncsError

if TYPE_CHECKING:
    from xlfuncs.rulebook import Change, Rulebook

__all__ = ["add_rulebook_option", "cli_rulebook", "load_cli_rulebook", "register"]

_ENV_VAR = "XLFUNCS_RULEBOOK"
_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
#: row fields of ``rules --format json/csv``, in this order (others follow as they come)
_ROW_FIELDS = (
    "table", "key", "category", "powertrain", "value", "effective_from", "effective_to",
    "confidence", "source", "group", "block", "name_en", "legal_heading", "legal_text",
    "prorata", "rounding", "amended_by",
)
_DIFF_TABLES = ("rnd", "operation", "threshold", "factor")


def _date(text: str) -> datetime.date:
    """A date as typed: ``YYYY`` (1 January), ``YYYY-MM-DD`` or ``DD.MM.YYYY``.

    >>> _date("2027"), _date("2027-06-01"), _date("1.6.2027")
    (datetime.date(2027, 1, 1), datetime.date(2027, 6, 1), datetime.date(2027, 6, 1))
    """
    text = text.strip()
    try:
        if text.isdigit() and len(text) == 4:
            return datetime.date(int(text), 1, 1)
        m = _DMY.fullmatch(text)
        if m:
            return datetime.date(int(m[3]), int(m[2]), int(m[1]))
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date (YYYY-MM-DD, DD.MM.YYYY or YYYY): {text!r}"
        ) from None


def _edition_ids() -> list[str]:
    from xlfuncs.rulebook import DEFAULT_EDITION, available_editions

    ids = sorted(available_editions())
    return [DEFAULT_EDITION] + [i for i in ids if i != DEFAULT_EDITION]


def add_rulebook_option(p: argparse.ArgumentParser, what: str = "the functions use") -> None:
    """Add ``--rulebook ID_OR_FILE`` to a command that evaluates."""
    from xlfuncs.rulebook import DEFAULT_EDITION

    ids = ", ".join(_edition_ids())
    p.add_argument(
        "--rulebook",
        metavar="ID_OR_FILE",
        default=None,
        help=f"rulebook {what}: an edition id ({ids}) or a rulebook TOML file; "
        f"default: ${_ENV_VAR}, else {DEFAULT_EDITION}. A bad one stops the command (exit 2) "
        "before any file is touched",
    )


def load_cli_rulebook(spec: str | None) -> Rulebook:
    """The rulebook of a command: ``spec`` (``--rulebook``), else ``$XLFUNCS_RULEBOOK``,
    else the default edition, loaded and validated now.

    Raises :class:`~xlfuncs.errors.RulebookError` whose message is the one line to print.
    """
    from xlfuncs.rulebook import DEFAULT_EDITION, load_rulebook

    source = ""
    if spec is None:
        spec = os.environ.get(_ENV_VAR, "").strip()
        source = f" (set by {_ENV_VAR})" if spec else ""
        spec = spec or DEFAULT_EDITION
    try:
        return load_rulebook(spec)
    except RulebookError as exc:
        msg = " ".join(str(exc).split())
        if msg.startswith("rulebook:"):
            msg = msg[len("rulebook:"):].strip()
        raise RulebookError(f"rulebook: {msg}{source}") from exc


def cli_rulebook(spec: str | None) -> Rulebook | None:
    """:func:`load_cli_rulebook`, or ``None`` after printing its one-line error on stderr
    (the command then exits 2)."""
    try:
        return load_cli_rulebook(spec)
    except RulebookError as exc:
        print(exc, file=sys.stderr)
        return None


def register(sub: Any) -> None:
    """Add the ``rules`` sub-command (and its ``diff``)."""
    p = sub.add_parser(
        "rules",
        usage="xlfuncs rules [-h] [--date DATE] [--category CATEGORY] [--powertrain POWERTRAIN]\n"
        "                    [--table TABLE] [--rulebook ID_OR_FILE] [--format {text,csv,json}]\n"
        "                    [--export FILE [--force]]\n"
        "       xlfuncs rules diff [-h] [--table TABLE] [--format {text,json}] A B",
        help="print the rules in force (R&D rule, operation points, thresholds) with sources",
        description="Print the localization rules in force on a date, with source and "
        "confidence; `xlfuncs rules diff A B` lists what changed between two editions.",
    )
    p.add_argument(
        "--date", type=_date, default=None,
        help="date (YYYY-MM-DD or DD.MM.YYYY) or year (default: today)",
    )
    p.add_argument("--category", default=None, help="vehicle category, e.g. M1 (default: all)")
    p.add_argument(
        "--powertrain", default=None, metavar="POWERTRAIN",
        help="ice, hybrid or bev (or another name of one: ev, hev, ...; default: all)",
    )
    p.add_argument(
        "--table",
        default="all",
        choices=("all", "rnd", "operations", "thresholds", "factors"),
        help="which rules (default: all)",
    )
    add_rulebook_option(p, "to show (and to export)")
    p.add_argument(
        "--format", default="text", choices=("text", "csv", "json"),
        help="output format; csv and json give every field of each row (legal heading and "
        "text, group, block, powertrain, pro rata, ...)",
    )
    p.add_argument(
        "--export", metavar="FILE", default=None,
        help="write the rulebook's TOML file (the --rulebook edition, else the default) to "
        "FILE, to edit as your own edition",
    )
    p.add_argument(
        "--force", action="store_true", help="with --export: overwrite an existing FILE"
    )
    p.set_defaults(handler=_rules)
    rsub = p.add_subparsers(dest="rules_command", metavar="diff")
    d = rsub.add_parser(
        "diff",
        help="list the rows added, removed and changed from edition A to edition B",
        description="List the rows added (+), removed (-) and changed (~, with the fields "
        "that differ) from edition A to edition B, then a count line. Exit 0 whatever "
        "the differences.",
    )
    d.add_argument("old", metavar="A", help="edition id or rulebook TOML file")
    d.add_argument("new", metavar="B", help="edition id or rulebook TOML file")
    d.add_argument(
        "--table", dest="diff_table", default=None, choices=_DIFF_TABLES,
        help="only the rows of this table",
    )
    d.add_argument(
        "--format", dest="diff_format", default="text", choices=("text", "json"),
        help="output format (default: text)",
    )
    d.set_defaults(handler=_rules_diff)


def _rules(args: argparse.Namespace) -> int:
    book = cli_rulebook(args.rulebook)
    if book is None:
        return 2
    if args.export:
        return _export(book, args.export, args.force)
    on = args.date or datetime.date.today()
    try:
        rows = book.in_force(on, args.category, args.table, args.powertrain)
    except XlfuncsError as exc:
        print(f"xlfuncs rules: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        fields = _fields(rows)
        json.dump(
            {
                "edition": book.edition,
                "path": book.path,
                "date": on.isoformat(),
                "rules": [{f: r.get(f) for f in fields} for r in rows],
            },
            sys.stdout, ensure_ascii=False, indent=1, default=str,
        )
        print()
    elif args.format == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=_fields(rows), restval="")
        w.writeheader()
        w.writerows(rows)
    else:
        _print_text(book.edition, book.path, on, rows)
    return 0


def _fields(rows: list[dict[str, Any]]) -> list[str]:
    """Every field of the rows: the known ones in order, then any other as it comes."""
    seen = dict.fromkeys(_ROW_FIELDS)
    for r in rows:
        seen.update(dict.fromkeys(r))
    return list(seen)


def _export(book: Rulebook, target: str, force: bool) -> int:
    from pathlib import Path

    from xlfuncs._fileio import write_bytes_atomic
    from xlfuncs.errors import WorkbookError

    out = Path(target)
    if out.is_dir():
        print(f"{out}: is a folder; give a file name", file=sys.stderr)
        return 2
    if out.exists() and not force:
        print(f"{out}: exists; not overwritten (use --force)", file=sys.stderr)
        return 2
    try:
        write_bytes_atomic(out, Path(book.path).read_bytes())
    except (OSError, WorkbookError) as exc:
        print(f"{out}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return 1
    print(f"wrote {out} (edition {book.edition})")
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
        key = r["key"] + (f" [{r['powertrain']}]" if r.get("powertrain", "*") != "*" else "")
        extra = f"; group {r['group']}" if r.get("group") else ""
        extra += "; pro rata" if r.get("prorata") else ""
        print(f"  {key:<26} {shown:>8}   {span}; {r['confidence']}{extra}")
        for line in textwrap.wrap(
            f"source: {r['source']}", width=96, break_long_words=False, break_on_hyphens=False
        ):
            print(f"      {line}")


def _short(value: Any, width: int = 60) -> str:
    text = repr(value.isoformat() if isinstance(value, datetime.date) else value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _change_line(c: Change) -> str:
    sign = {"added": "+", "removed": "-", "changed": "~"}[c.kind]
    detail = "; ".join(f"{f}: {_short(a)} -> {_short(b)}" for f, a, b in c.fields)
    return f"{sign} {c.table} {c.key}" + (f"  ({detail})" if detail else "")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _rules_diff(args: argparse.Namespace) -> int:
    from xlfuncs.rulebook import diff_rulebooks

    old = cli_rulebook(args.old)
    if old is None:
        return 2
    new = cli_rulebook(args.new)
    if new is None:
        return 2
    changes = [c for c in diff_rulebooks(old, new) if args.diff_table in (None, c.table)]
    counts = {k: sum(1 for c in changes if c.kind == k) for k in ("added", "removed", "changed")}
    summary = (
        f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed"
        f" ({old.edition} -> {new.edition})"
    )
    if args.diff_format == "json":
        json.dump(
            {
                "from": {"edition": old.edition, "path": old.path},
                "to": {"edition": new.edition, "path": new.path},
                "changes": [
                    {
                        "kind": c.kind,
                        "table": c.table,
                        "key": c.key,
                        "fields": [
                            {"field": f, "from": _plain(a), "to": _plain(b)} for f, a, b in c.fields
                        ],
                    }
                    for c in changes
                ],
                "summary": counts,
            },
            sys.stdout, ensure_ascii=False, indent=1, default=str,
        )
        print()
        return 0
    print(f"Changes from {old.edition} ({old.path}) to {new.edition} ({new.path})")
    for c in changes:
        print(_change_line(c))
    print(summary)
    return 0

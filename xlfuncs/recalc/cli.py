"""``xlfuncs recalc``, ``xlfuncs check`` and ``xlfuncs results``.

Registration imports nothing heavy; the work modules load when a command runs.
Exit codes: 0 all good, 1 some file failed (or ``check`` found differences), 2 usage error
(a bad ``--rulebook`` or ``$XLFUNCS_RULEBOOK`` among them: nothing is read or written).
``results`` reads stored values and evaluates nothing, so it takes no rulebook.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from xlfuncs._cli_core import add_rulebook_option, cli_rulebook

__all__ = ["register"]


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="parallel workers (default: CPU cores)",
    )
    p.add_argument("--report", metavar="FILE", help="write a per-file report (.json or .csv)")
    add_rulebook_option(p)
    p.add_argument(
        "--executor",
        choices=("process", "dask"),
        default="process",
        help="where files run (default: process)",
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address (default: a local cluster)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    p.add_argument(
        "--no-fallback",
        action="store_true",
        help="functions that are not built in stay #NAME? even when the optional 'formulas' "
        "package is installed (with it they are computed per cell and listed)",
    )


def register(subparsers: Any) -> None:
    """Add the ``recalc``, ``check`` and ``results`` sub-commands."""
    p = subparsers.add_parser(
        "recalc",
        help="recalculate workbooks and store the results in them",
        description="Evaluate every formula of .xlsx/.xlsm workbooks (folders and globs expand) and write "
        "the results as cached values; formulas and every other part of the file are kept.",
    )
    p.add_argument("paths", nargs="+", metavar="PATHS")
    dest = p.add_mutually_exclusive_group()
    dest.add_argument(
        "-o", "--out-dir", metavar="DIR", help="write results to copies in DIR (same file names)"
    )
    dest.add_argument(
        "--in-place", action="store_true", help="write results into the files themselves"
    )
    p.add_argument("--force", action="store_true", help="replace existing output files in DIR")
    _add_common(p)
    p.set_defaults(handler=_recalc)

    p = subparsers.add_parser(
        "check",
        help="recalculate in memory and list cells whose stored value differs",
        description="Exit 1 when any formula cell's stored value differs from the computed one "
        "(numbers: relative tolerance 1e-9) or a file cannot be read.",
    )
    p.add_argument("paths", nargs="+", metavar="PATHS")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="list every differing cell (by default one line per file: the count and "
                        "the first; --report FILE has them all)")
    _add_common(p)
    p.set_defaults(handler=_check)

    p = subparsers.add_parser(
        "results",
        help="collect defined-name values of many workbooks into one table",
        description="One row per file, column 'file' first, then one column per defined name, from the "
        "values stored in the files. A multi-cell name gives a list of values (row by row).",
    )
    p.add_argument("paths", nargs="+", metavar="PATHS")
    p.add_argument("--names", nargs="+", metavar="NAME", help="names to collect (default: all)")
    p.add_argument(
        "--long",
        action="store_true",
        help="one row per file and position (e.g. per plan year) instead of lists in cells",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write .csv, .xlsx or .parquet (default: CSV on stdout); in .xlsx a multi-cell "
        "name gives one numbered column per cell (Name[1], Name[2] ...), numbers as numbers",
    )
    p.add_argument(
        "--excel",
        action="store_true",
        help="CSV for Excel in a Russian locale: UTF-8 with BOM, ';' between fields, decimal "
        "commas, ИСТИНА/ЛОЖЬ, multi-cell names as numbered columns",
    )
    p.set_defaults(handler=_results)


def _print_failures(rep: Any) -> None:
    for f in rep.files:
        if not f.ok:
            print(f"{f.path}: {f.reason}", file=sys.stderr)


def _recalc(args: argparse.Namespace) -> int:
    from xlfuncs.errors import WorkbookError
    from xlfuncs.recalc.batch import UsageError, recalc

    if args.out_dir is None and not args.in_place:
        print("xlfuncs recalc: give an output folder (-o DIR) or --in-place", file=sys.stderr)
        return 2
    book = cli_rulebook(args.rulebook)  # once, before any file is touched
    if book is None:
        return 2
    try:
        rep = recalc(
            args.paths,
            out_dir=args.out_dir,
            in_place=args.in_place,
            jobs=args.jobs,
            report=args.report,
            rulebook=book,
            executor=args.executor,
            scheduler=args.scheduler,
            progress=False if args.no_progress else None,
            force=args.force,
            fallback=not args.no_fallback,
        )
    except UsageError as exc:
        print(f"xlfuncs recalc: {exc}", file=sys.stderr)
        return 2
    except WorkbookError as exc:
        print(f"{args.report}: {exc}", file=sys.stderr)
        return 1
    _print_failures(rep)
    if rep.report_error:
        print(rep.report_error, file=sys.stderr)
    for f in rep.files:
        for w in f.warnings:
            print(f"{f.path}: warning: {w}", file=sys.stderr)
    print(rep.summary_line("recalc"))
    return rep.exit_code


def difference_line(path: str, differences: list[str]) -> str:
    """One line for a file ``check`` found stale: the count and the first difference.

    >>> difference_line("a.xlsx", ["Sheet!A1 stored 1 computed 2", "Sheet!A2 stored 3 computed 4"])
    'a.xlsx: 2 cells differ (first: Sheet!A1 stored 1 computed 2)'
    """
    n = len(differences)
    return f"{path}: {n} cell{'s' if n != 1 else ''} differ{'s' if n == 1 else ''} (first: {differences[0]})"


def _check(args: argparse.Namespace) -> int:
    from xlfuncs.errors import WorkbookError
    from xlfuncs.recalc.batch import UsageError, check

    book = cli_rulebook(args.rulebook)
    if book is None:
        return 2
    try:
        rep = check(
            args.paths,
            jobs=args.jobs,
            report=args.report,
            rulebook=book,
            executor=args.executor,
            scheduler=args.scheduler,
            progress=False if args.no_progress else None,
            fallback=not args.no_fallback,
        )
    except UsageError as exc:
        print(f"xlfuncs check: {exc}", file=sys.stderr)
        return 2
    except WorkbookError as exc:
        print(f"{args.report}: {exc}", file=sys.stderr)
        return 1
    _print_failures(rep)
    if rep.report_error:
        print(rep.report_error, file=sys.stderr)
    for f in rep.files:
        if args.verbose:
            for line in f.differences:
                print(f"{f.path}: {line}")
        elif f.differences:
            print(difference_line(str(f.path), f.differences))
    print(rep.summary_line("check"), file=sys.stderr)
    return rep.exit_code


def _console_text(text: str, stream: Any) -> str:
    """``text`` as ``stream`` can encode it: characters its encoding lacks become ``?``,
    with a warning asking for ``-o`` (a narrow console code page must not raise)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        print(
            f"xlfuncs results: the console encoding {encoding} cannot show some characters; "
            "they are written as '?'. Write a file instead: -o table.csv (UTF-8), or "
            "-o table.csv --excel for Excel",
            file=sys.stderr,
        )
        return text.encode(encoding, errors="replace").decode(encoding)
    except LookupError:
        return text


def _results(args: argparse.Namespace) -> int:
    from pathlib import Path

    out = Path(args.output) if args.output else None
    suffix = out.suffix.lower() if out is not None else ".csv"
    if out is not None and suffix not in (".csv", ".xlsx", ".parquet"):
        print(f"{out}: output must end in .csv, .xlsx or .parquet", file=sys.stderr)
        return 2
    excel = bool(getattr(args, "excel", False))
    if excel and suffix == ".parquet":
        print(f"{out}: --excel writes CSV; give a .csv (or .xlsx) output", file=sys.stderr)
        return 2
    if suffix == ".parquet":
        import importlib

        try:
            importlib.import_module("pyarrow")
        except ImportError:
            print(
                f"{out}: writing .parquet needs pyarrow: pip install pyarrow "
                "(or the xlfuncs extra 'parquet'), or write .csv or .xlsx",
                file=sys.stderr,
            )
            return 2
    from xlfuncs.recalc.results import results, table_bytes

    try:
        df = results(args.paths, args.names, long=args.long, missing="raise")
    except ValueError as exc:
        print(f"xlfuncs results: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"xlfuncs results: {exc}", file=sys.stderr)
        return 1
    if len(df) == 0:
        print("xlfuncs results: no workbooks found in the given paths", file=sys.stderr)
        return 2
    status = 0
    if "error" in df.columns:
        for file, err in zip(df["file"], df["error"]):
            if isinstance(err, str) and err:
                print(f"{file}: {err}", file=sys.stderr)
                status = 1
    if out is None:
        if excel:  # bytes with a BOM, for a file made with '>'
            data = table_bytes(df, ".csv", excel=True)
            buffer = getattr(sys.stdout, "buffer", None)
            if buffer is not None:
                sys.stdout.flush()
                buffer.write(data)
                buffer.flush()
            else:
                sys.stdout.write(data.decode("utf-8-sig"))
            return status
        sys.stdout.write(_console_text(table_bytes(df, ".csv").decode("utf-8"), sys.stdout))
        return status
    from xlfuncs._fileio import write_bytes_atomic
    from xlfuncs.errors import WorkbookError

    try:
        data = table_bytes(df, suffix, excel=excel)
        write_bytes_atomic(out, data)
    except (WorkbookError, ImportError, OSError) as exc:
        print(f"{out}: {exc}", file=sys.stderr)
        return 1
    return status

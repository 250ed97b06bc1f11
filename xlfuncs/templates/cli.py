"""Command line: ``xlfuncs template`` and ``xlfuncs fill``.

::

    xlfuncs template list
    xlfuncs template programme_budget -o budget.xlsx [--force]
    xlfuncs template --regenerate workbook_templates/
    xlfuncs fill programme_budget examples/programme_budget.csv -o filled.xlsx [--force]
    xlfuncs fill licence_scenarios examples/licence_scenarios_scenarios.csv -o out_folder/
    xlfuncs fill programme_budget data.csv -o filled.xlsx --rulebook ru719-press-2026-11

Both compute the formula results of what they write, with the rulebook of ``--rulebook``
(else ``$XLFUNCS_RULEBOOK``, else the default edition), loaded once before anything is
written and pinned while the workbooks are computed.

Errors are printed as ``file: what is wrong``; exit code 1 for a bad file or data, 2 for
a wrong call (a bad rulebook among them: ``rulebook: FILE: row N: field: what is wrong``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from xlfuncs._cli_core import add_rulebook_option, cli_rulebook

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``template`` and ``fill`` sub-commands (imports nothing heavy)."""
    p = subparsers.add_parser(
        "template",
        help="list the workbook templates or write one",
        description="List the workbook templates (`xlfuncs template list`) or write one "
                    "(`xlfuncs template NAME -o OUT.xlsx`).",
    )
    p.add_argument("name", nargs="?", help="template name, or 'list'")
    p.add_argument("-o", "--output", help="output .xlsx path")
    p.add_argument("--force", action="store_true", help="overwrite an existing output")
    p.add_argument("--regenerate", metavar="DIR",
                   help="rebuild every template into DIR (e.g. workbook_templates/)")
    add_rulebook_option(p, "the stored formula results are computed with")
    p.set_defaults(handler=_template)

    f = subparsers.add_parser(
        "fill",
        help="fill a template with data keyed by its defined names",
        description="Write DATA (CSV, JSON or XLSX; columns named as the template's defined "
                    "names, one row per year or model) into the input cells of TEMPLATE. "
                    "With a 'scenario' column, OUT is a folder and one workbook is written "
                    "per scenario.",
    )
    f.add_argument("template", help="template name (see `xlfuncs template list`) or a template .xlsx")
    f.add_argument("data", help="data file: .csv, .json or .xlsx")
    f.add_argument("-o", "--output", required=True, help="output .xlsx (or folder for scenarios)")
    f.add_argument("--force", action="store_true", help="overwrite existing outputs")
    f.add_argument("--keep-example", action="store_true",
                   help="keep the template's example values in the inputs the data does not give "
                        "(by default they are cleared)")
    f.add_argument("--decimal", choices=("point", "comma"),
                   help="how numbers written as text in DATA are read: 'point' (1,234.5) or "
                        "'comma' (1 234,5); default: comma for a ';'-separated CSV, else point")
    f.add_argument("--no-recalc", action="store_true",
                   help="do not compute the formula results; drop them and flag the file for recalculation on open")
    f.add_argument("--jobs", "-j", type=_jobs, default=1, metavar="N",
                   help="render the scenarios' workbooks in N processes (0: one per CPU core; "
                        "default 1); the files are the same")
    f.add_argument("--verbose", "-v", action="store_true",
                   help="one line per file written even for many scenarios (by default the list "
                        f"stops after {_LISTED} files; the summary line follows)")
    f.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    add_rulebook_option(f, "the formula results are computed with (checked even with --no-recalc)")
    f.set_defaults(handler=_fill)


#: files ``fill`` lists one per line without --verbose
_LISTED = 20


def _jobs(text: str) -> int:
    """``--jobs``: a whole number >= 0 (0: one process per CPU core)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 (all cores) or more")
    if n == 0:
        import os

        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:
            return os.cpu_count() or 1
    return n


def _template(args: argparse.Namespace) -> int:
    from xlfuncs.errors import TemplateError, WorkbookError
    from xlfuncs.rulebook import pinned_rulebook
    from xlfuncs.templates.catalog import TEMPLATES, build_template, regenerate

    if args.regenerate:
        book = cli_rulebook(args.rulebook)
        if book is None:
            return 2
        try:
            with pinned_rulebook(book):
                for path in regenerate(args.regenerate):
                    print(path)
        except (TemplateError, WorkbookError, OSError) as exc:
            print(f"{args.regenerate}: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.name in (None, "list"):
        width = max(len(n) for n in TEMPLATES)
        for info in TEMPLATES.values():
            print(f"{info.name:<{width}}  {info.description}")
        return 0
    if not args.output:
        print("xlfuncs template: give the output file with -o OUT.xlsx", file=sys.stderr)
        return 2
    book = cli_rulebook(args.rulebook)
    if book is None:
        return 2
    try:
        with pinned_rulebook(book):
            path = build_template(args.name, args.output, force=args.force)
    except TemplateError as exc:
        print(f"{args.output}: {exc}" if not str(exc).startswith(str(args.output)) else str(exc),
              file=sys.stderr)
        return 1
    except WorkbookError as exc:
        print(f"{args.output}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


def _fill(args: argparse.Namespace) -> int:
    import time

    from xlfuncs.errors import TemplateError, WorkbookError
    from xlfuncs.recalc.batch import _Progress
    from xlfuncs.rulebook import pinned_rulebook
    from xlfuncs.templates.fill import fill

    book = cli_rulebook(args.rulebook)  # once, before anything is read or written
    if book is None:
        return 2
    start = time.perf_counter()
    bars: list[_Progress] = []  # made at the first workbook, when the number of files is known

    def on_rendered(_path: object, _done: int, total: int) -> None:
        if not bars:
            bars.append(_Progress(total, False if args.no_progress or total < 2 else None, "fill"))
            bars[0].start = start  # the rate counts from the start of the run
        bars[0].update(True)

    try:
        with pinned_rulebook(book):
            try:
                result = fill(args.template, args.data, args.output, force=args.force,
                              recalc=not args.no_recalc, keep_example=args.keep_example,
                              decimal=args.decimal, jobs=args.jobs, on_rendered=on_rendered)
            finally:
                for bar in bars:
                    bar.close()
    except TemplateError as exc:
        text = str(exc)
        known = (str(args.data), str(args.output), str(args.template))
        print(text if text.startswith(known) else f"{args.data}: {text}", file=sys.stderr)
        return 1
    except WorkbookError as exc:
        print(f"{args.output}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for note in result.notes:
        print(note, file=sys.stderr)
    listed = result.paths if args.verbose else result.paths[:_LISTED]
    for path in listed:
        print(f"{path}: {result.cells_written[str(path)]} cells written")
        gone = result.cleared.get(str(path), [])
        if gone:
            shown = ", ".join(gone[:8]) + (f" and {len(gone) - 8} more" if len(gone) > 8 else "")
            print(f"{path}: cleared {len(gone)} example inputs the data does not give ({shown}); "
                  "--keep-example keeps them", file=sys.stderr)
    if len(listed) < len(result.paths):
        print(f"... and {len(result.paths) - len(listed)} more files (--verbose lists them)")
    if len(result.paths) > 1:
        cells = sum(result.cells_written.values())
        print(f"fill: {len(result.paths)} files written, {cells:,} cells, "
              f"{time.perf_counter() - start:.1f} s")
    return 0

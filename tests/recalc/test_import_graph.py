"""The import graph of ``xlfuncs recalc``: what a file does not need is not imported.

Start-up is most of the cost of a small file (``benchmarks/bench_startup.py``): numpy,
pandas and openpyxl alone cost more CPU than the whole command needs. Each check runs in a
fresh interpreter and reads ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

HEAVY = ("numpy", "pandas", "openpyxl", "lxml", "xlwings", "formulas", "matplotlib")


def _loaded(code: str, tmp_path: Path | None = None) -> list[str]:
    env = dict(os.environ)
    if tmp_path is not None:
        env["XLFUNCS_CACHE_DIR"] = str(tmp_path / "cache")
    code += f"\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "modules",
    [
        "xlfuncs",
        "xlfuncs.recalc.cli",
        "xlfuncs.cli",
        "xlfuncs.recalc.batch",
        "xlfuncs.recalc.engine, xlfuncs.recalc.reader, xlfuncs.recalc.writer",
        "xlfuncs.functions, xlfuncs.registry, xlfuncs.core, xlfuncs.rulebook",
        "xlfuncs.templates.cli, xlfuncs.templates",
        "xlfuncs.report",
    ],
)
def test_modules_import_nothing_heavy(modules: str) -> None:
    assert _loaded(f"import {modules}") == []


def test_command_line_parser_imports_nothing_heavy() -> None:
    assert _loaded("import xlfuncs.cli as c; c._build_parser()") == []


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Calc"
    ws["A1"], ws["A2"], ws["A3"] = 15, 1000, 2025
    ws["B1"] = "=LOCPOINTS(A1,A2,0,A3)"
    ws["B2"] = '=LOCTHRESHOLD("procurement",2027)'
    ws["B3"] = "=ROUND(SUM(A1:A2)/3,2)"
    ws["B4"] = '=IF(B1>B2,"ok","short")'
    wb.save(path)
    return path


def test_recalc_of_a_workbook_with_our_functions_imports_nothing_heavy(tmp_path: Path) -> None:
    src = _book(tmp_path / "small.xlsx")
    out = tmp_path / "out"
    code = (
        "from xlfuncs.cli import main\n"
        f"rc = main(['recalc', {str(src)!r}, '-o', {str(out)!r}, '--no-progress'])\n"
        "assert rc == 0, rc\n"
    )
    assert _loaded(code, tmp_path) == []
    assert _loaded(code.replace("'-o'", "'--force', '-o'"), tmp_path) == []  # warm caches too
    # and the values are right (numpy-free scalar path of the functions)
    from xlfuncs.recalc.reader import read_workbook

    cached = read_workbook(out / "small.xlsx").sheets[0].cached
    assert cached[(1, 2)] == 600.0 and cached[(2, 2)] == 3500.0
    assert cached[(3, 2)] == 338.33 and cached[(4, 2)] == "short"


def test_numpy_values_still_work_once_numpy_is_imported() -> None:
    code = (
        "import xlfuncs, numpy as np, json\n"
        "r = [xlfuncs.rnd_points(np.float64(15), np.int64(1000), year=np.int64(2025)),\n"
        "     xlfuncs.rnd_points(np.array([5.0, 10.0]), 1000, year=2025).tolist(),\n"
        "     xlfuncs.core.parse_done_flag(np.bool_(True)), xlfuncs.core.parse_share(np.float32(0.5)),\n"
        "     str(xlfuncs.core.to_date(np.datetime64('2027-03-04')))]\n"
        "print(json.dumps(r))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert json.loads(out.stdout) == [600.0, [200.0, 400.0], True, 0.5, "2027-03-04"]


def _commands(parser: object) -> set[str]:
    import argparse

    for action in parser._actions:  # type: ignore[attr-defined]
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def test_the_command_table_matches_the_registered_sub_commands() -> None:
    from xlfuncs import cli

    assert _commands(cli._build_parser()) == set(cli._COMMANDS)
    core = _commands(cli._build_parser(""))
    assert core == {c for c, m in cli._COMMANDS.items() if m == ""}
    for module in cli._FEATURES:
        got = _commands(cli._build_parser(module)) - core
        assert got == {c for c, m in cli._COMMANDS.items() if m == module}, module


_ARGS = {"recalc": ["x.xlsx", "-o", "out"], "check": ["x.xlsx"], "results": ["x.xlsx"],
         "fill": ["programme_budget", "d.csv", "-o", "o.xlsx"], "libreoffice": ["-o", "x.oxt"],
         "report": ["x.xlsx", "-o", "r.html"]}


def test_a_named_command_parses_as_with_the_full_parser(capsys: pytest.CaptureFixture[str]) -> None:
    from xlfuncs import cli

    for command, module in cli._COMMANDS.items():
        argv = [command, *_ARGS.get(command, [])]
        full = cli._build_parser().parse_args(argv)
        narrow = cli._build_parser(module).parse_args(argv)
        assert vars(full) == vars(narrow), command
        helps = []
        for parser in (cli._build_parser(), cli._build_parser(module)):
            with pytest.raises(SystemExit):
                parser.parse_args([command, "--help"])
            helps.append(capsys.readouterr().out)
        assert helps[0] == helps[1], command

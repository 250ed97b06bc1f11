"""The LibreOffice extension (``xlfuncs libreoffice``): its parts, and Calc computing with it.

The parts are checked without LibreOffice: the type library declares every function of the
registry, the component compiles, the conversions between Calc's add-in values and the
registry's convention. With LibreOffice (marked ``libreoffice``): the extension is installed
into a scratch profile, each template of ``workbook_templates/`` and a filled workbook are
opened and recalculated by Calc (recalculation on load forced on in that profile), and every
formula cell must equal our own engine's value (``xlfuncs.recalc``); a probe workbook checks
``LOCPOINTS(15,1000,0,2025)`` = 600 and the real error values.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from xlfuncs.cli import main
from xlfuncs.errors import ExcelError
from xlfuncs.libreoffice import (
    INTERFACE,
    calc_error_code,
    call,
    component_source,
    extension_files,
    from_calc,
    read_type_library,
    to_calc,
    type_library,
)
from xlfuncs.registry import REGISTRY

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "workbook_templates"
EXAMPLES = REPO / "examples"
REQUIRE = os.environ.get("XLFUNCS_REQUIRE_LIBREOFFICE") == "1"


# ------------------------------------------------------------------ parts, no LibreOffice
def test_type_library_declares_every_function() -> None:
    methods = read_type_library(type_library())[INTERFACE]
    assert set(methods) == set(REGISTRY)
    for name, spec in REGISTRY.items():
        returns, params = methods[name]
        assert returns == ("[][]any" if spec.returns == "array" else "any")
        assert params == [(a.name, "any") for a in spec.args]


def test_type_library_header_and_refusal() -> None:
    data = type_library()
    assert data[:8] == b"UNOIDL\xff\x00"
    with pytest.raises(ValueError):
        read_type_library(b"not a type library")


def test_component_compiles_and_has_every_method() -> None:
    source = component_source()
    compile(source, "xlfuncs_addin.py", "exec")
    for name in REGISTRY:
        assert f"    def {name}(self" in source
    assert "getCompatibilityNames" in source and "com.sun.star.sheet.AddIn" in source


def test_conversions_from_calc() -> None:
    assert from_calc(None) is None
    assert from_calc(0.0, "text") is None and from_calc(0.0, "date") is None  # a blank cell
    assert from_calc(0.0, "number") == 0.0
    assert from_calc((("a", ""),), "range") == [["a", None]]
    assert from_calc(((5.0,),), "number") == 5.0
    assert from_calc("x", "range") == [["x"]]


def test_conversions_to_calc() -> None:
    for error, code in ((ExcelError.VALUE, 519), (ExcelError.NUM, 503), (ExcelError.NA, 32767),
                        (ExcelError.DIV0, 532)):
        value = to_calc(error)
        assert math.isnan(value) and calc_error_code(value) == code
    assert calc_error_code(to_calc(float("nan"))) == 503
    assert to_calc(False) == 0.0 and to_calc(None) == ""
    table = to_calc([["h1", "h2"], [1]], "array")
    assert table[0] == ("h1", "h2") and table[1][0] == 1.0 and calc_error_code(table[1][1]) == 32767
    assert calc_error_code(to_calc(ExcelError.VALUE, "array")[0][0]) == 519


def test_call_runs_the_registry() -> None:
    assert call("LOCPOINTS", (15.0, 1000.0, 0.0, 2025.0, None, None)) == 600.0
    assert calc_error_code(call("LOCPOINTS", (15.0, None, None, None, None, None))) == 519  # missing
    assert calc_error_code(call("LOCPOINTS", (15.0, 0.0, None, None, None, None))) == 503
    assert calc_error_code(call("LOCTHRESHOLD", ("loans", 2019.0, None, None))) == 32767
    assert call("LOCTHRESHOLD", ("procurement", 2027.0, 0.0, None)) == call(
        "LOCTHRESHOLD", ("procurement", 2027.0, "M1", None))  # a blank category cell is M1
    rules = call("LOCRULES", ("thresholds", 2027.0, "M1"))
    assert rules[0][0] == "table" and len({len(r) for r in rules}) == 1


def test_cli_writes_the_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "xlfuncs.oxt"
    assert main(["libreoffice", "-o", str(out)]) == 0
    names = set(zipfile.ZipFile(out).namelist())
    for part in ("META-INF/manifest.xml", "description.xml", "xlfuncs.components", "xlfuncs_addin.py",
                 "XCalcFunctions.rdb", "pythonpath/xlfuncs/registry.py",
                 "pythonpath/xlfuncs/functions.py", "pythonpath/xlfuncs/data/ru719-2026-07.toml"):
        assert part in names, part
    assert not any("__pycache__" in n or n.startswith("pythonpath/numpy/") for n in names)
    manifest = zipfile.ZipFile(out).read("META-INF/manifest.xml").decode()
    assert "uno-typelibrary;type=RDB" in manifest and "uno-components" in manifest
    assert main(["libreoffice", "-o", str(out)]) == 1  # exists
    assert "already exists" in capsys.readouterr().err
    assert main(["libreoffice", "-o", str(out), "--force"]) == 0
    assert main(["libreoffice", "-o", str(tmp_path / "missing" / "x.oxt")]) == 1


def test_bundled_numpy_is_marked() -> None:
    files = dict(extension_files(bundle_numpy=True))
    assert "pythonpath/numpy/__init__.py" in files and "pythonpath/xlfuncs_bundle.json" in files
    assert not any("/tests/" in n for n in files if n.startswith("pythonpath/numpy/"))
    assert b"<platform value=" in files["description.xml"]


# ------------------------------------------------------------------ with LibreOffice
def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"XLFUNCS_REQUIRE_LIBREOFFICE=1 but {reason}")
    pytest.skip(reason)


def _lo_env(home: Path) -> dict[str, str]:
    """The environment for soffice: without this virtual environment, whose python3 first on
    PATH makes LibreOffice's embedded Python fail to start (the document does not load)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP")}
    if sys.prefix != sys.base_prefix:
        venv_bin = str(Path(sys.prefix) / "bin")
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env["HOME"] = str(home)
    return env


def _lo_python(env: dict[str, str]) -> Path | None:
    """The Python LibreOffice embeds: its own program/python, else the system python3."""
    soffice = shutil.which("soffice", path=env["PATH"])
    assert soffice is not None
    program = Path(os.path.realpath(soffice)).parent
    for cand in (program / "python", Path("/usr/bin/python3")):
        if cand.exists() and subprocess.run([str(cand), "-c", "import uno"], env=env,
                                            capture_output=True).returncode == 0:
            return cand
    return None


_RECALC_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

_PROBES = [  # (formula, expected value as openpyxl reads LibreOffice's .xlsx)
    ("LOCPOINTS(15,1000,0,2025)", 600),
    ("LOCPOINTS(15,0)", "#NUM!"),
    ("LOCPOINTS(-1,1000)", "#NUM!"),
    ("LOCOPPOINTS(\"rocket_engine\")", "#VALUE!"),
    ("LOCPOINTS(\"lots\",1000)", "#VALUE!"),
    ("LOCPOINTS(15)", "#VALUE!"),
    ("LOCTHRESHOLD(\"loans\",2019)", "#N/A"),
    ("LOCTHRESHOLD(\"procurement\",2027,\"M1\",\"bev\")", 1500),
    ("LOCTHRESHOLD(\"procurement\",2027,Z1)", 3500),  # Z1 blank: the default category M1
    ("LICENSECOST(1000000,50,20000,12.5,5)", 15000000),
    ("LOCSCORE(C1:C3,D1:D3,400)", 1300),
    ("LOCELIGIBLE(3280,\"procurement\",2025)", 1),  # TRUE: Calc's add-in results are numbers
    ("LOCPOINTS(Z2,1000)", "#DIV/0!"),  # an error argument is the result
    ("ISNA(LOCTHRESHOLD(\"loans\",2019))", True),
    ("LOCRULEBOOK()", None),  # the edition id, checked against the registry below
]


@pytest.fixture(scope="module")
def calc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """(original, LibreOffice's recalculated .xlsx) of the templates, a filled workbook and
    the probe workbook, through one soffice run with the extension installed."""
    if shutil.which("soffice") is None or shutil.which("unopkg") is None:
        _unavailable("LibreOffice (soffice, unopkg) is not installed")
    from openpyxl import Workbook

    from xlfuncs.libreoffice import build_extension
    from xlfuncs.templates import fill

    root = tmp_path_factory.mktemp("lo_ext")
    env = _lo_env(root)
    python = _lo_python(env)
    if python is None:
        _unavailable("LibreOffice's Python (python3-uno) is not installed")
    assert python is not None
    bundle = subprocess.run([str(python), "-c", "import numpy"], env=env,
                            capture_output=True).returncode != 0
    if bundle:
        version = subprocess.run([str(python), "-c", "import sys; print(sys.version_info[:2])"],
                                 env=env, capture_output=True, text=True).stdout.strip()
        if version != str(sys.version_info[:2]):
            _unavailable(f"LibreOffice's Python {version} has no numpy and is not this Python "
                         f"{sys.version_info[:2]}, whose numpy could be bundled")
    oxt = build_extension(root / "xlfuncs.oxt", bundle_numpy=bundle)

    profile = root / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ON_LOAD, encoding="utf-8")
    lo_env = [f"-env:UserInstallation={profile.as_uri()}",
              f"-env:UNO_SHARED_PACKAGES_CACHE={(root / 'shared').as_uri()}"]
    # unopkg refuses a user installation as root: then a shared one, whose cache is redirected
    # into the scratch folder above (nothing outside it is written)
    scope = ["--shared"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    proc = subprocess.run(["unopkg", "add", *scope, *lo_env, str(oxt)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    src = root / "src"
    src.mkdir()
    files = {p.stem: shutil.copy(p, src / p.name) for p in sorted(TEMPLATES.glob("*.xlsx"))}
    fill(TEMPLATES / "programme_budget.xlsx", EXAMPLES / "programme_budget.csv",
         src / "filled_budget.xlsx")
    files["filled_budget"] = src / "filled_budget.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Probe"
    for i, (formula, _) in enumerate(_PROBES, start=1):
        ws.cell(i, 1, "=" + formula)
    for i, (code, done) in enumerate([("body_welding", 1), ("body_painting", "да"),
                                      ("telematics_tier_200", 0)], start=1):
        ws.cell(i, 3, code)
        ws.cell(i, 4, done)
    ws["Z2"] = "=1/0"
    wb.save(src / "probe.xlsx")
    files["probe"] = src / "probe.xlsx"

    out = root / "out"
    cmd = ["soffice", *lo_env, "--headless", "--norestore", "--convert-to", "xlsx",
           "--outdir", str(out), *map(str, files.values())]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stderr
    missing = [name for name, p in files.items() if not (out / Path(p).name).exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {proc.stdout}{proc.stderr}"
    return {name: (Path(p), out / Path(p).name) for name, p in files.items()}


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, ExcelError):
        return theirs == ours.value
    if ours in (None, "") and theirs in (None, ""):
        return True
    if isinstance(ours, bool):  # Calc returns an add-in's TRUE/FALSE as 1/0
        return theirs in (ours, int(ours)) and not isinstance(theirs, str)
    if isinstance(ours, (int, float)) and isinstance(theirs, (int, float)):
        return math.isclose(float(ours), float(theirs), rel_tol=1e-12, abs_tol=1e-9)
    return bool(ours == theirs)


@pytest.mark.libreoffice
def test_probe_values_and_errors(calc: dict[str, tuple[Path, Path]]) -> None:
    from openpyxl import load_workbook

    ws = load_workbook(calc["probe"][1], data_only=True)["Probe"]
    got = [ws.cell(i, 1).value for i in range(1, len(_PROBES) + 1)]
    want = [v for _, v in _PROBES]
    want[-1] = REGISTRY["LOCRULEBOOK"].invoke()
    assert got == want


@pytest.mark.libreoffice
def test_templates_compute_as_our_engine(calc: dict[str, tuple[Path, Path]]) -> None:
    from openpyxl import load_workbook

    from xlfuncs.recalc.engine import evaluate
    from xlfuncs.recalc.reader import read_workbook

    checked = 0
    for name, (orig, lo) in calc.items():
        if name == "probe":
            continue
        book = read_workbook(orig)
        ours = evaluate(book).values
        theirs = load_workbook(lo, data_only=True)
        bad = []
        for (sheet, row, col), mine in ours.items():
            title = book.sheets[sheet].name
            value = theirs[title].cell(row=row, column=col).value
            checked += 1
            if not _same(mine, value):
                bad.append(f"{title}!R{row}C{col}: LibreOffice {value!r}, ours {mine!r}")
        assert not bad, f"{name}: {len(bad)} cells differ:\n" + "\n".join(bad[:25])
    assert checked > 500  # every formula cell of three templates and a filled budget

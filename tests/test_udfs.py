"""Tests of xlfuncs.udfs, the xlwings UDF module (on Linux xlwings' decorators are no-ops)."""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
import inspect
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import xlfuncs
from xlfuncs import udfs
from xlfuncs.codegen import excel_result, range_arg, scalar_arg
from xlfuncs.errors import ExcelError
from xlfuncs.registry import REGISTRY, Arg, FunctionSpec

PACKAGE = Path(xlfuncs.__file__).parent


def _imports_xlwings(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "xlwings" for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "xlwings":
            return True
    return False


def test_only_udfs_imports_xlwings() -> None:
    importers = sorted(
        str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if _imports_xlwings(p)
    )
    assert importers == ["udfs.py"]


def test_package_and_generators_do_not_import_xlwings() -> None:
    code = (
        "import sys, xlfuncs, xlfuncs.codegen, xlfuncs.registry;"
        "xlfuncs.codegen.vba_module(); xlfuncs.codegen.lite_module();"
        "assert 'xlwings' not in sys.modules, 'xlwings imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------------------
# the module's functions


def test_module_exposes_one_function_per_registry_entry() -> None:
    exposed = {n for n in udfs.__all__ if n.isupper()}
    assert exposed == set(REGISTRY)
    assert set(udfs.__all__) == set(REGISTRY) | {"build_functions", "call_function"}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_function_signature_matches_spec(name: str) -> None:
    spec = REGISTRY[name]
    fn = getattr(udfs, name)
    assert fn.__name__ == name  # xlwings takes the Python name as the Excel name
    params = list(inspect.signature(fn).parameters.values())
    assert [p.name for p in params] == [a.name for a in spec.args]
    for p, a in zip(params, spec.args):
        # xlwings refuses keyword-only parameters; *args would become a ParamArray
        assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert p.default is (None if a.optional else inspect.Parameter.empty)
        assert p.name != "caller"  # reserved by xlwings for the calling range
    assert fn.__doc__ == spec.description and len(fn.__doc__) <= 255


# Expected values: LICENSECOST formula of issue 3 (1,000,000 x 1 / 4 = 250,000); LOCPOINTS
# 1.5 % of revenue on 1 Jan 2024 = 3 steps of 0.5 % x 200 points = 600 (the rule before PP 317);
# procurement threshold 3,200 from 2021 and 3,500 from 2027 (issue 3, item 2); body_welding
# 400 and telematics 200 points (issue 3, item 4); error classes of issue 3, item 5.
CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    ("LICENSECOST", (1_000_000.0, None, None, 1.0, 4.0), 250_000.0),
    (
        "LICENSECOST",
        ([[1_000_000.0]], [[None]], [[None]], [[1.0]], [[4.0]]),
        250_000.0,
    ),  # ndim=2 cells
    ("LICENSECOST", (-1.0,), "#NUM!"),  # negative spend
    ("LICENSECOST", ([[1.0, 2.0]],), "#VALUE!"),  # a 1x2 range where one number is expected
    ("LICENSECOST", ([],), "#VALUE!"),
    ("LOCPOINTS", (15_000_000.0, 1_000_000_000.0, None, 2024.0), 600.0),
    ("LOCPOINTS", ("#DIV/0!", 1.0), "#DIV/0!"),  # an error argument passes through (err_to_str)
    ("LOCTHRESHOLD", ("procurement", 2027.0), 3500.0),
    ("LOCTHRESHOLD", ("procurement", dt.datetime(2027, 6, 1)), 3500.0),  # a date-formatted cell
    ("LOCTHRESHOLD", ("procurement", dt.date(2026, 6, 1)), 3200.0),
    ("LOCTHRESHOLD", ("loans", 2019.0), "#N/A"),  # loan thresholds start in 2024: no rule
    ("LOCTHRESHOLD", ("no_such_purpose",), "#VALUE!"),  # unknown purpose
    ("LOCOPPOINTS", ([["BODY_WELDING"]],), 400.0),  # codes are case-insensitive
    ("LOCSCORE", ([["body_welding"], ["telematics_tier_245"]],), 600.0),  # L5 400 + L279 200
    ("LOCSCORE", ([["body_welding"], ["telematics_tier_245"]], [[True], ["no"]], 100.0), 500.0),  # 400 + 100 R&D
    ("LOCELIGIBLE", (4000.0, "procurement", 2027.0), True),  # 4,000 >= 3,500
    ("LOCGAP", (3000.0, "procurement", 2027.0), 500.0),  # 3,500 - 3,000
]


@pytest.mark.parametrize(("name", "args", "expected"), CASES)
def test_functions_compute_through_the_registry(
    name: str, args: tuple[Any, ...], expected: Any
) -> None:
    result = getattr(udfs, name)(*args)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("name", "args", "expected"), CASES)
def test_functions_equal_invoke_with_errors_as_text(
    name: str, args: tuple[Any, ...], expected: Any
) -> None:
    spec = REGISTRY[name]
    converted = [
        range_arg(v) if a.kind == "range" else scalar_arg(v) for a, v in zip(spec.args, args)
    ]
    direct = spec.invoke(*converted)
    assert getattr(udfs, name)(*args) == excel_result(direct)
    if isinstance(direct, ExcelError):
        assert expected == direct.value  # classic shows the error's text


def test_array_result_is_rows_of_cell_values() -> None:
    rows = udfs.LOCRULES()
    assert isinstance(rows, list) and rows and all(isinstance(r, list) for r in rows)
    assert len({len(r) for r in rows}) == 1  # rectangular, so it spills cleanly
    assert all(v is None or isinstance(v, (bool, int, float, str)) for r in rows for v in r)


def test_rulebook_edition_is_text() -> None:
    assert isinstance(udfs.LOCRULEBOOK(), str) and udfs.LOCRULEBOOK()


# ---------------------------------------------------------------------------------------
# decoration


class _Recorder:
    """Records decorator calls in order, like xlwings' mark-don't-wrap decorators."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []

    def func(self, **kwargs: Any) -> Callable[[Any], Any]:
        def deco(f: Any) -> Any:
            self.calls.append(("func", f.__name__, kwargs))
            return f

        return deco

    def arg(self, name: str, **kwargs: Any) -> Callable[[Any], Any]:
        def deco(f: Any) -> Any:
            self.calls.append(("arg", f.__name__, (name, kwargs)))
            return f

        return deco

    def ret(self, **kwargs: Any) -> Callable[[Any], Any]:
        def deco(f: Any) -> Any:
            self.calls.append(("ret", f.__name__, kwargs))
            return f

        return deco


def test_build_functions_decorates_like_source_code() -> None:
    rec = _Recorder()
    functions = udfs.build_functions(func=rec.func, arg=rec.arg, ret=rec.ret)
    assert sorted(functions) == sorted(REGISTRY)
    for name, spec in REGISTRY.items():
        calls = [c for c in rec.calls if c[1] == name]
        # order of @func / @arg(first) ... @arg(last) / @ret written above a def
        assert [c[0] for c in calls] == ["ret"] + ["arg"] * len(spec.args) + ["func"]
        assert calls[-1][2] == {"category": "xlfuncs", "volatile": spec.volatile}
        arg_calls = [c[2] for c in calls if c[0] == "arg"][::-1]
        assert [n for n, _ in arg_calls] == [a.name for a in spec.args]
        for (_, options), a in zip(arg_calls, spec.args):
            assert options == {
                "doc": a.doc,
                "ndim": 2,
                "numbers": float,
                "empty": None,
                "err_to_str": True,
            }


def test_build_functions_with_fake_specs() -> None:
    spec = FunctionSpec(
        "FAKEMUL",
        lambda a, b: a * (2.0 if b is None else b),
        "Multiplies (умножает).",
        (Arg("a", "A number"), Arg("b", "Factor", optional=True)),
        volatile=True,
    )
    rec = _Recorder()
    fn = udfs.build_functions([spec], func=rec.func, arg=rec.arg, ret=rec.ret)["FAKEMUL"]
    assert str(inspect.signature(fn)) == "(a, b=None)"
    assert fn.__doc__ == "Multiplies (умножает)."
    assert ("func", "FAKEMUL", {"category": "xlfuncs", "volatile": True}) in rec.calls


def test_build_functions_refuses_unusable_specs() -> None:
    bad = FunctionSpec("A1", lambda x: x, "Cell-like name.", (Arg("caller", "reserved"),))
    with pytest.raises(ValueError, match="cell reference"):
        udfs.build_functions([bad])


def _load_copy(name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, PACKAGE / "udfs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_module_works_when_decorators_are_real(monkeypatch: pytest.MonkeyPatch) -> None:
    """In xlwings Lite/Server the decorators record metadata; the module must not break."""
    rec = _Recorder()
    stub = types.ModuleType("xlwings")
    stub.func, stub.arg, stub.ret = rec.func, rec.arg, rec.ret  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xlwings", stub)
    copy = _load_copy("xlfuncs_udfs_lite_copy")
    assert {c[1] for c in rec.calls if c[0] == "func"} == set(REGISTRY)
    assert copy.LOCTHRESHOLD("procurement", 2027.0) == 3500.0


def test_module_survives_decorators_that_refuse_outside_excel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A future xlwings may make its no-op decorators raise on Linux/macOS: stay importable."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("UDFs are only supported on Windows")

    stub = types.ModuleType("xlwings")
    stub.func = stub.arg = stub.ret = refuse  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xlwings", stub)
    monkeypatch.delenv("XLWINGS_ON_SERVER", raising=False)
    if sys.platform in ("win32", "emscripten"):
        pytest.skip("on a UDF runtime the error must surface")
    copy = _load_copy("xlfuncs_udfs_refusing_copy")
    assert copy.LICENSECOST(1_000_000.0, None, None, 1.0, 4.0) == 250_000.0  # 1e6 x 1 / 4
    monkeypatch.setenv("XLWINGS_ON_SERVER", "true")
    with pytest.raises(RuntimeError):
        _load_copy("xlfuncs_udfs_refusing_copy2")

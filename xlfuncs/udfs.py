"""The xlwings UDF module: put ``xlfuncs.udfs`` into xlwings' "UDF Modules" setting.

One Excel function per entry of :data:`xlfuncs.registry.REGISTRY`, built at import and
bound to a module-level name equal to its Excel name (xlwings uses the Python name), so
*Import Functions* finds ``LOCPOINTS``, ``LICENSECOST``, ... Each function has plain
positional parameters named after the arguments (optional ones default to ``None``), the
one-sentence description as its docstring, category ``"xlfuncs"``, an argument
description per argument, and explicit converter options: every argument is read with
``ndim=2`` (so shapes never depend on xlwings' default), ``numbers=float``,
``empty=None`` and ``err_to_str=True``; scalar arguments then unwrap the single cell
(a multi-cell range where one value is expected gives ``#VALUE!``).

Errors: classic xlwings cannot return Excel error values, so an error result is returned
as its text (``"#N/A"``, ``"#VALUE!"``, ``"#NUM!"``): the cell shows exactly that text,
never a traceback. It is text, so ``ISNA``/``ISERROR``/``IFERROR`` do not see it; test
results with ``ISNUMBER`` (works the same in classic and Lite). xlwings Lite and xlwings
Server turn the same text into real error values. See ``docs/excel.md``.

This is the only xlfuncs module that imports xlwings. Where xlwings' decorators are
no-ops (Linux, macOS) the functions are still plain callables:

>>> LICENSECOST(1000000.0, None, None, 1.0, 4.0)
250000.0
>>> LOCTHRESHOLD("no such purpose")
'#VALUE!'
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

import xlwings as xw

from xlfuncs.codegen import (
    ARG_OPTIONS,
    CATEGORY,
    MAX_DOC,
    _checked,
    excel_result,
    python_signature,
    range_arg,
    scalar_arg,
)
from xlfuncs.registry import REGISTRY, FunctionSpec

Decorator = Callable[..., Any]


def call_function(name: str, *values: Any) -> Any:
    """Call Excel function ``name`` with values as xlwings passes them; return what to write.

    >>> call_function("LOCRULEBOOK") == call_function("LOCRULEBOOK")
    True
    >>> call_function("LICENSECOST", [[1.0, 2.0]])
    '#VALUE!'
    """
    spec = REGISTRY[name]
    args = [range_arg(v) if a.kind == "range" else scalar_arg(v) for a, v in zip(spec.args, values)]
    return excel_result(spec.invoke(*args))


def _plain_function(spec: FunctionSpec) -> Callable[..., Any]:
    """A function named ``spec.name`` with the spec's positional parameters."""
    params = python_signature(spec)
    names = ", ".join(a.name for a in spec.args)
    source = (
        f"def {spec.name}({params}):\n"
        f"    return _call({spec.name!r}{', ' if names else ''}{names})\n"
    )
    namespace: dict[str, Any] = {"__name__": __name__, "_call": call_function}
    # the source is built from checked identifiers only (see codegen.check_spec)
    exec(compile(source, f"<xlfuncs.udfs {spec.name}>", "exec"), namespace)  # noqa: S102
    fn: Callable[..., Any] = namespace[spec.name]
    fn.__doc__ = spec.description[:MAX_DOC]
    fn.__qualname__ = spec.name
    return fn


def build_functions(
    specs: Iterable[FunctionSpec] | None = None,
    *,
    func: Decorator = xw.func,
    arg: Decorator = xw.arg,
    ret: Decorator = xw.ret,
) -> dict[str, Callable[..., Any]]:
    """Fresh decorated wrapper functions, keyed by Excel name (default: the whole registry).

    ``func``/``arg``/``ret`` default to xlwings' decorators; tests pass others. Raises
    :class:`ValueError` if a spec cannot be exposed to Excel (bad name or argument name).

    >>> sorted(build_functions())[:3]
    ['LICENSECOST', 'LOCELIGIBLE', 'LOCGAP']
    """
    functions: dict[str, Callable[..., Any]] = {}
    for spec in _checked(specs):
        fn = _plain_function(spec)
        fn = ret()(fn)
        for a in reversed(spec.args):
            fn = arg(a.name, doc=a.doc[:MAX_DOC], **ARG_OPTIONS)(fn)
        fn = func(category=CATEGORY, volatile=spec.volatile)(fn)
        functions[spec.name] = fn
    return functions


def _undecorated(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:
    return lambda f: f


def _udf_runtime() -> bool:
    """True where xlwings really registers UDFs: Windows (classic), Pyodide (Lite), Server."""
    return sys.platform in ("win32", "emscripten") or os.environ.get("XLWINGS_ON_SERVER") == "true"


def _module_functions() -> dict[str, Callable[..., Any]]:
    """The module's functions; plain ones where xlwings has no UDF runtime and refuses to
    decorate (a future xlwings may make its no-op decorators raise on Linux and macOS)."""
    try:
        return build_functions()
    except ValueError:
        raise  # an unusable spec: never hide it
    except Exception:
        if _udf_runtime():
            raise
        return build_functions(func=_undecorated, arg=_undecorated, ret=_undecorated)


_FUNCTIONS = _module_functions()
globals().update(_FUNCTIONS)

__all__ = ["build_functions", "call_function"]
__all__.extend(sorted(_FUNCTIONS))

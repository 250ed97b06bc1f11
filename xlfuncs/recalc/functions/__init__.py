"""Excel's built-in functions, by category, for the compiled evaluator.

Each submodule registers its functions with :func:`~._registry.registrar` (the category
is the module's); :data:`REGISTRY` maps every upper-case name (aliases included) to its
:class:`~._registry.FunctionSpec`. The compiler reads the spec for the arity check, the
argument kinds and the calling convention; generated code calls ``spec.call`` (or
``spec.lifted`` in array formulas).

>>> REGISTRY["ROUND"].call(2.5, 0)
3.0
>>> REGISTRY["STDEV.S"] is REGISTRY["STDEV"], REGISTRY["XLOOKUP"].category
(True, 'lookup')
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from typing import Any

from xlfuncs.recalc.functions._registry import (
    CATEGORIES,
    REGISTRY,
    SCALAR_KINDS,
    Ctx,
    FunctionSpec,
    XErr,
)
from xlfuncs.recalc.functions.operators import lift

__all__ = [
    "BUILTINS", "CATEGORIES", "Ctx", "FunctionSpec", "REGISTRY", "SUBMODULES", "XErr",
    "lift", "registry_digest", "specs",
]

#: the category modules, in the order of :data:`CATEGORIES`, then LAMBDA and its helpers
#: (filed under "logical") and GROUPBY/PIVOTBY (under "lookup"), as Excel files them
SUBMODULES = (
    "logical", "information", "math", "statistical", "lookup", "text", "date", "financial",
    "engineering", "dynamic", "database", "lambdas", "groupby",
)

for _m in SUBMODULES:
    importlib.import_module(f"{__name__}.{_m}")


def _kind(spec: FunctionSpec) -> str:
    if spec.lazy:
        return "lazy"
    if spec.ctx:
        return "ctx"
    if any(p.kind not in SCALAR_KINDS for p in spec.params) or spec.env:
        return "raw"
    return "scalar"


#: name -> (calling convention, callable): the former ``builtins.BUILTINS`` view
BUILTINS: dict[str, tuple[str, Callable[..., Any]]] = {
    name: (_kind(spec), spec.call) for name, spec in REGISTRY.items()
}


def specs() -> list[FunctionSpec]:
    """Every registered function once (aliases folded into their function), by name."""
    seen: dict[int, FunctionSpec] = {}
    for spec in REGISTRY.values():
        seen.setdefault(id(spec), spec)
    return sorted(seen.values(), key=lambda s: s.name)


def registry_digest() -> str:
    """A digest of every name, calling convention and argument string: part of the plan
    cache key, so adding or changing a built-in invalidates plans compiled before."""
    parts = []
    for name in sorted(REGISTRY):
        s = REGISTRY[name]
        parts.append(f"{name}|{s.signature}|{s.lazy}{s.ctx}{s.env}{s.array}{s.dynamic_ref}")
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()[:12]

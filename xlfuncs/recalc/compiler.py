"""Compile a formula shape into Python source, then into a bindable function.

The generated source defines ``make(E, s)``: it binds the shape to one workbook
(``E``, the engine environment) and one sheet ``s`` and returns two closures,
``f(r, c)`` (the value of the formula written in cell ``(r, c)``) and ``d(r, c)``
(the ranges it reads, as ``(sheet, r1, c1, r2, c2)`` tuples). The source depends only on
the shape text and this module, so it is cached (as marshalled code) across workbooks.

>>> print(generate("@R[0]C[-1]*2"))
def make(E, s):
    V = E.V
    _g = V.get
    def f(r, c):
        return _mul(_g((s, r, c-1)), 2.0)
    def d(r, c):
        return ((s, r, c-1, r, c-1),)
    return f, d

Shapes that differ only in the numbers of their references (the same formula reading
another block of rows) share one plan: :func:`skeleton` puts a parameter in place of each
absolute number and each non-zero offset, and the plan compiled for the skeleton takes the
numbers when it is bound (``make(E, s, P)``):

>>> skeleton("ROUND(@R[-1]C[0],2)+Inputs!@R[7]C[0]")
('ROUND(@R[2000000]C[0],2)+Inputs!@R[2000001]C[0]', (-1, 7))
>>> print(generate(skeleton("@R[-1]C[0]*2")[0], params=1))
def make(E, s, P):
    (P0,) = P
    V = E.V
    _g = V.get
    def f(r, c):
        return _mul(_g((s, r+P0, c)), 2.0)
    def d(r, c):
        return ((s, r+P0, c, r+P0, c),)
    return f, d
"""

from __future__ import annotations

import math
import re
from types import CodeType
from typing import Any, Callable

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions import REGISTRY
from xlfuncs.recalc.functions import lambdas as LM
from xlfuncs.recalc.functions import operators as O
from xlfuncs.recalc.functions._index import DIGEST, MODULES
from xlfuncs.recalc.functions._registry import NOT_PASSED, SCALAR_KINDS, FunctionSpec
from xlfuncs.recalc.parser import FormulaSyntaxError, Node, parse
from xlfuncs.recalc.values import Rng

__all__ = [
    "ArityError", "COMPILER_VERSION", "GLOBALS", "SENTINEL", "compile_source", "generate", "load",
    "skeleton",
]

#: Part of the plan-cache key: bump the number whenever generated source changes meaning;
#: the digest follows the function registry (names, argument kinds, conventions).
COMPILER_VERSION = "10." + DIGEST


class ArityError(FormulaSyntaxError):
    """A built-in called with a wrong number of arguments (found when compiling)."""

MakeFn = Callable[[Any, int], tuple[Callable[[int, int], Any], Callable[[int, int], Any]]]


def _ident(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def _nodeps(r: int, c: int) -> tuple[()]:
    return ()


#: the prefix Excel writes before LAMBDA parameter and LET names in files
_PM = "_XLPM."


def _param_name(name: str) -> str:
    return name[len(_PM):] if name.startswith(_PM) else name


#: a left-deep run of binary operators longer than this (``A1+A1+...``) is compiled as one
#: :func:`_fold` call: nested calls would exceed Python's parser and recursion limits long
#: before Excel's 8,192 characters
FOLD_FROM = 24


def _fold(x: Any, *steps: Any) -> Any:
    """``x`` then each (operator, operand) pair of ``steps`` in turn, left to right: what
    the nested calls ``op2(op1(x, a), b)`` give.

    >>> from xlfuncs.recalc.functions.operators import _add, _mul
    >>> _fold(1.0, _add, 2.0, _mul, 4.0)
    12.0
    """
    for i in range(0, len(steps), 2):
        x = steps[i](x, steps[i + 1])
    return x


def _build_globals() -> dict[str, Any]:
    g: dict[str, Any] = {
        "Rng": Rng, "ERR": ExcelError, "NOARG": NOT_PASSED, "__builtins__": __builtins__,
        "LAM": LM.Lam, "OMITTED": LM.OMITTED, "_inv": LM.invoke, "ETA": LM.eta,
        "_nodeps": _nodeps, "_fold": _fold,
    }
    for name in ("_add", "_sub", "_mul", "_div", "_pow", "_cat", "_eq", "_ne", "_lt",
                 "_gt", "_le", "_ge", "_neg", "_pos", "_pct", "_ii", "_tv", "_rangeop",
                 "_isect", "_union"):
        g[name] = getattr(O, name)
    return g


#: The module namespace generated code runs in. A built-in's ``B_<name>`` (its call) and
#: ``L_<name>`` (lifted) are added when a plan naming it is loaded (:func:`load`).
GLOBALS: dict[str, Any] = _build_globals()

#: ``B_``/``L_`` global -> the built-in it is bound to
_GLOBAL_NAMES: dict[str, str] = {}
for _name in MODULES:
    _GLOBAL_NAMES["B_" + _ident(_name)] = _GLOBAL_NAMES["L_" + _ident(_name)] = _name


def _bind_builtins(code: CodeType) -> None:
    """Put in :data:`GLOBALS` every built-in that ``code`` (or a function inside it) names."""
    todo = [code]
    while todo:
        co = todo.pop()
        names = co.co_names
        if names not in _BOUND_NAMES:
            for g in names:
                if g not in GLOBALS and g in _GLOBAL_NAMES:
                    name = _GLOBAL_NAMES[g]
                    spec = REGISTRY[name]
                    GLOBALS["B_" + _ident(name)] = spec.call
                    if spec.lifted is not None:
                        GLOBALS["L_" + _ident(name)] = spec.lifted
            _BOUND_NAMES.add(names)
        for c in co.co_consts:
            if type(c) is CodeType:
                todo.append(c)


#: the name tuples of code objects whose built-ins are in :data:`GLOBALS` already
_BOUND_NAMES: set[tuple[str, ...]] = set()


class _Gen:
    def __init__(self) -> None:
        self.binds: list[str] = []
        self.bound: dict[tuple[Any, ...], str] = {}
        self.deps: list[str] = []
        self.tmp = 0
        #: LAMBDA/LET names in scope, innermost last: name -> (Python variable, the
        #: variable of the omitted-parameter set or None for a LET name, parameter index)
        self.scope: list[dict[str, tuple[str, str | None, int]]] = []
        #: a cell formula (not an array formula or a name): the scalar arguments of a
        #: function inside a reference operator are intersected with the cell
        self.cell = False
        #: compiling a skeleton: reference numbers from SENTINEL on are parameters
        self.params = False

    def param(self, name: str) -> tuple[str, str | None, int] | None:
        if not self.scope:
            return None
        key = _param_name(name)
        for frame in reversed(self.scope):
            if key in frame:
                return frame[key]
        return None

    def bind(self, key: tuple[Any, ...], prefix: str, expr: str) -> str:
        var = self.bound.get(key)
        if var is None:
            var = f"{prefix}{len(self.bound)}"
            self.bound[key] = var
            self.binds.append(f"{var} = {expr}")
        return var

    # -- references
    def sheet(self, name: str | None) -> str:
        if name is None:
            return "s"
        return self.bind(("sheet", name.lower()), "S", f"E.sheet({name!r})")

    def axis(self, spec: tuple[bool, int], var: str) -> str:
        rel, n = spec
        if self.params and n >= SENTINEL:  # a parameter of the skeleton
            return f"{var}+P{n - SENTINEL}" if rel else f"P{n - SENTINEL}"
        if not rel:
            return str(n)
        if n == 0:
            return var
        return f"{var}+{n}" if n > 0 else f"{var}{n}"

    def area(self, node: Node, whole_rows: bool = False) -> str:
        """A rectangular reference; whole rows and columns end at the sheet's used extent,
        except the whole rows an array formula spills (``whole_rows``), which keep all
        16,384 columns (the cells past the used ones are blank, shown as 0)."""
        _, sheet, r1, c1, r2, c2 = node
        sv = self.sheet(sheet)
        if r1 is None:
            er1, er2 = "1", self.bind(("maxrow", sv), "MR", f"E.maxrow({sv})")
        else:
            er1, er2 = self.axis(r1, "r"), self.axis(r2, "r")
        if c1 is None and whole_rows:
            ec1, ec2 = "1", "16384"
        elif c1 is None:
            ec1, ec2 = "1", self.bind(("maxcol", sv), "MC", f"E.maxcol({sv})")
        else:
            ec1, ec2 = self.axis(c1, "c"), self.axis(c2, "c")
        t = f"({sv}, {er1}, {ec1}, {er2}, {ec2})"
        self.deps.append(t)
        return self.rng(t, r1 is not None and (r1[0] or r2[0]) or c1 is not None and (c1[0] or c2[0]))

    def rng(self, t: str, relative: bool) -> str:
        """A reference object; one made at bind time when it does not move with the cell
        (a :class:`Rng` is never changed once made)."""
        expr = f"Rng(V, {t[1:-1]})"
        if relative:
            return expr
        return self.bind(("rng", t), "K", expr)

    # -- expressions
    def emit(self, node: Node, mode: str, direct: bool = False) -> str:
        kind = node[0]
        if kind == "num":
            x = node[1]
            return repr(float(x)) if math.isfinite(x) else "ERR.NUM"
        if kind == "str":
            return repr(node[1])
        if kind == "bool":
            return "True" if node[1] else "False"
        if kind == "err":
            return f"ERR.{node[1].name}"
        if kind == "omit":
            return "None"
        if kind == "ref":
            _, sheet, rs, cs = node
            sv = self.sheet(sheet)
            er = self.axis(rs, "r")
            ec = self.axis(cs, "c")
            self.deps.append(f"({sv}, {er}, {ec}, {er}, {ec})")
            if direct:
                return self.rng(f"({sv}, {er}, {ec}, {er}, {ec})", rs[0] or cs[0])
            return f"_g(({sv}, {er}, {ec}))"
        if kind == "area":
            expr = self.area(node)
            return expr if mode == "a" else f"_ii({expr}, r, c)"
        if kind == "name":
            _, sheet, name = node
            if sheet is None:
                p = self.param(name)
                if p is not None:
                    return p[0] if mode == "a" else f"_ii({p[0]}, r, c)"
                if name.startswith("_XLETA."):
                    return self.bind(("eta", name), "H", f"ETA(E, {name[7:]!r})")
                if name.startswith(_PM):
                    return "ERR.NAME"  # a parameter outside its LAMBDA
            var = self.bind(("name", sheet, name), "N", f"E.name({name!r}, s, {sheet!r})")
            self.deps.append(f"*{var}.deps(r, c)")
            expr = f"{var}(r, c)"
            return expr if mode == "a" else f"_ii({expr}, r, c)"
        if kind == "bin":
            chain: list[tuple[str, Node]] = []
            left = node
            while left[0] == "bin" and len(chain) <= FOLD_FROM:
                chain.append((left[1], left[3]))
                left = left[2]
            if len(chain) <= FOLD_FROM:
                _, op, a, b = node
                return f"{O.OPERATORS[op]}({self.emit(a, mode)}, {self.emit(b, mode)})"
            while left[0] == "bin":  # the whole run, iteratively
                chain.append((left[1], left[3]))
                left = left[2]
            steps = ", ".join(f"{O.OPERATORS[op]}, {self.emit(b, mode)}" for op, b in reversed(chain))
            return f"_fold({self.emit(left, mode)}, {steps})"
        if kind == "neg":
            return f"_neg({self.emit(node[1], mode)})"
        if kind == "pos":
            return f"_pos({self.emit(node[1], mode)})"
        if kind == "pct":
            return f"_pct({self.emit(node[1], mode)})"
        if kind == "rangeop":
            a, b = self.ref_operand(node[1], mode), self.ref_operand(node[2], mode)
            expr = f"_rangeop({a}, {b})"
            return expr if mode == "a" else f"_ii({expr}, r, c)"
        if kind == "isect":
            a, b = self.ref_operand(node[1], mode), self.ref_operand(node[2], mode)
            expr = f"_isect({a}, {b})"
            return expr if mode == "a" else f"_ii({expr}, r, c)"
        if kind == "union":
            expr = "_union(" + ", ".join(self.ref_operand(a, mode) for a in node[1]) + ")"
            return expr if mode == "a" else f"_ii({expr}, r, c)"
        if kind == "arr":
            rows = node[1]
            if mode != "a":
                return self.literal(rows[0][0])
            return "[" + ", ".join(
                "[" + ", ".join(self.literal(v) for v in row) + "]" for row in rows
            ) + "]"
        if kind == "call":
            return self.call(node[1], node[2], mode)
        if kind == "invoke":
            fn = self.emit(node[1], "a", True)
            parts = [fn] + ["OMITTED" if a[0] == "omit" else self.emit(a, "a", True)
                            for a in node[2]]
            expr = f"_inv({', '.join(parts)})"
            return expr if mode == "a" else f"_ii({expr}, r, c)"
        raise ValueError(f"unknown node {kind}")

    def ref_operand(self, node: Node, mode: str) -> str:
        """An operand of ``:``, `` `` or ``,`` (references): a function returning a reference
        (INDEX, OFFSET...) keeps it, its own arguments evaluated as the formula's mode says
        (``INDEX(Liste3,1,Indice-1)`` in a cell intersects the name ``Indice`` with the cell:
        anthill+koala/advanced.xlsx Sheet1!B17)."""
        if node[0] == "call":
            spec = REGISTRY.get(node[1])
            if spec is not None and not spec.lazy:
                return self.call(node[1], node[2], "v" if self.cell else mode, keep_ref=True)
        return self.emit(node, "a", True)

    @staticmethod
    def literal(v: Any) -> str:
        if isinstance(v, ExcelError):
            return f"ERR.{v.name}"
        if isinstance(v, float):
            return repr(v) if math.isfinite(v) else "ERR.NUM"
        return repr(v)

    def lam(self, node: Node, mode: str) -> str:
        return f"lambda: {self.emit(node, mode)}"

    def lambda_(self, args: list[Node], mode: str) -> str:
        """``LAMBDA(p1, ..., body)``: a :class:`Lam` made where it is evaluated (its body
        sees the cell's ``r``, ``c`` and the parameters of enclosing LAMBDAs and LETs)."""
        *params, body = args
        k = self.tmp
        self.tmp += 1
        om = f"o{k}"
        frame: dict[str, tuple[str, str | None, int]] = {}
        ids = [om]
        for i, p in enumerate(params):
            if p[0] != "name" or p[1] is not None:
                raise FormulaSyntaxError("a LAMBDA parameter must be a name")
            pid = f"p{k}_{i}_{_ident(_param_name(p[2]))}"
            frame[_param_name(p[2])] = (pid, om, i)
            ids.append(pid)
        self.scope.append(frame)
        try:
            b = self.emit(body, "a", True) if mode == "a" else self.emit(body, mode)
        finally:
            self.scope.pop()
        return f"LAM(lambda {', '.join(ids)}: {b}, {len(params)})"

    def let(self, args: list[Node], mode: str) -> str:
        """``LET(n1, v1, ..., body)``: each value computed once, bound as a parameter of
        a Python lambda called in place."""
        if len(args) % 2 == 0:
            raise ArityError("LET takes name/value pairs and a calculation")
        k = self.tmp
        self.tmp += 1
        frame: dict[str, tuple[str, str | None, int]] = {}
        self.scope.append(frame)
        vals: list[tuple[str, str]] = []
        try:
            for j in range(0, len(args) - 1, 2):
                n = args[j]
                if n[0] != "name" or n[1] is not None:
                    raise FormulaSyntaxError("a LET name must be a name")
                v = self.emit(args[j + 1], "a", True)
                pid = f"v{k}_{j // 2}_{_ident(_param_name(n[2]))}"
                frame[_param_name(n[2])] = (pid, None, -1)
                vals.append((pid, v))
            expr = self.emit(args[-1], "a", True) if mode == "a" else self.emit(args[-1], mode)
        finally:
            self.scope.pop()
        for pid, v in reversed(vals):
            expr = f"(lambda {pid}: {expr})({v})"
        return expr

    def call(self, name: str, args: list[Node], mode: str, keep_ref: bool = False) -> str:
        if name in ("ROW", "COLUMN") and not args:
            return "float(r)" if name == "ROW" else "float(c)"
        spec = REGISTRY.get(name)
        if name in ("LAMBDA", "LET", "ISOMITTED") and spec is not None:
            why = spec.arity_error(len(args))
            if why is not None:
                raise ArityError(why)
            if name == "LAMBDA":
                return self.lambda_(args, mode)
            if name == "LET":
                return self.let(args, mode)
            a = args[0]
            p = self.param(a[2]) if a[0] == "name" and a[1] is None else None
            return f"({p[2]} in {p[1]})" if p is not None and p[1] is not None else "False"
        if spec is None and self.scope and self.param(name) is not None:
            # a LAMBDA held by a LET name or a parameter, called by its name: f(1, 2)
            p = self.param(name)
            assert p is not None
            parts = [p[0]] + ["OMITTED" if a[0] == "omit" else self.emit(a, "a", True)
                              for a in args]
            expr = f"_inv({', '.join(parts)})"
            return expr if mode == "a" else f"_ii({expr}, r, c)"
        if spec is None:
            # a single-cell reference is passed as its value (no Rng built per call); the
            # mask tells E.udf which arguments those are ("v"), so the call is unchanged
            parts = []
            mask = ""
            for a in args:
                if a[0] == "ref":
                    parts.append(self.emit(a, "v"))
                    mask += "v"
                else:
                    parts.append(self.emit(a, "a", True))
                    mask += "."
            var = self.bind(("udf", name, mask), "U", f"E.udf({name!r}, {mask!r})")
            # a name defined as a LAMBDA reads the cells of its body
            self.deps.append(f"*getattr({var}, 'deps', _nodeps)(r, c)")
            expr = f"{var}({', '.join(parts)})"
            return expr if mode == "a" else f"_ii({expr}, r, c)"
        why = spec.arity_error(len(args))
        if why is not None:
            raise ArityError(why)
        if spec.lazy:
            return self.lazy(name, args, mode)
        if spec.dynamic_ref:
            self.dynamic_deps(spec, args)
        ident = _ident(name)
        parts = []
        scalar_arg = False
        for i, a in enumerate(args):
            if a[0] == "omit" and spec.empty_is_default(i):
                parts.append("NOARG")  # an empty argument takes the default here
            elif spec.kind_at(i) in SCALAR_KINDS:
                scalar_arg = True
                parts.append(self.emit(a, mode))
            else:
                parts.append(self.emit(a, "a", True))
        if spec.ctx:
            parts.insert(0, self.bind(("ctx",), "X", "E.ctx"))
        elif spec.env:
            parts[:0] = ["E", "s", "r", "c"]
        lifted = mode == "a" and scalar_arg and spec.lifted is not None
        expr = f"{'L' if lifted else 'B'}_{ident}({', '.join(parts)})"
        return f"_ii({expr}, r, c)" if spec.array and mode != "a" and not keep_ref else expr

    def dynamic_deps(self, spec: FunctionSpec, args: list[Node]) -> None:
        """OFFSET and INDIRECT read cells known only when they run: their cell depends on
        the whole sheet of OFFSET's reference, or on every sheet (the engine evaluates the
        cycles this makes in the static graph by the values)."""
        first = args[0] if args else None
        if spec.name == "OFFSET" and first is not None and first[0] in ("ref", "area"):
            sv = self.sheet(first[1])
            mr = self.bind(("maxrow", sv), "MR", f"E.maxrow({sv})")
            mc = self.bind(("maxcol", sv), "MC", f"E.maxcol({sv})")
            self.deps.append(f"({sv}, 1, 1, {mr}, {mc})")
            return
        var = self.bind(
            ("allsheets",), "A",
            "tuple((i, 1, 1, E.maxrow(i), E.maxcol(i)) for i in range(len(E.maxrows)))",
        )
        self.deps.append(f"*{var}")

    def lazy(self, name: str, args: list[Node], mode: str) -> str:
        if name == "IF":
            cond = self.emit(args[0], mode)
            yes = "0.0" if args[1][0] == "omit" else self.emit(args[1], mode)
            if len(args) == 3:
                no = "0.0" if args[2][0] == "omit" else self.emit(args[2], mode)
            else:
                no = "False"
            if mode == "a":
                return f"B_IF({cond}, lambda: {yes}, lambda: {no})"
            t = f"t{self.tmp}"
            self.tmp += 1
            return f"({yes} if ({t} := _tv({cond})) is True else {no} if {t} is False else {t})"
        if name in ("IFERROR", "IFNA"):
            return f"B_{name}({self.emit(args[0], mode)}, {self.lam(args[1], mode)})"
        if name == "CHOOSE":
            opts = ", ".join(self.lam(a, mode) for a in args[1:])
            return f"B_CHOOSE({self.emit(args[0], mode)}, {opts})"
        inner = ", ".join(self.lam(a, mode) for a in args)
        return f"B_{name}({inner})"


#: the first number standing for a parameter in a skeleton (beyond any real row or offset)
SENTINEL = 2_000_000

#: a reference of a shape (``@`` marks them): groups: relative or absolute row, then
#: relative or absolute column; or a whole column's relative or absolute number
_REF_TOKEN = re.compile(
    r"@R(?:\[(-?\d+)\]|(\d+))(?:C(?:\[(-?\d+)\]|(\d+)))?|@C(?:\[(-?\d+)\]|(\d+))"
)
#: the text literals and quoted sheet names of a shape, never rewritten
_QUOTED = re.compile(r"(\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*')")


def _axis_skeleton(letter: str, rel: str | None, absolute: str | None, params: list[int]) -> str:
    """One axis of a reference token in a skeleton: ``R[0]``/``C[0]`` kept, any other number
    (relative or absolute) a parameter, appended to ``params``."""
    if rel == "0":
        return letter + "[0]"
    n = SENTINEL + len(params)
    if rel is not None:
        params.append(int(rel))
        return f"{letter}[{n}]"
    params.append(int(absolute))  # type: ignore[arg-type]  # one of the two is set
    return f"{letter}{n}"


def _skeleton_of(seg: str, out: list[str], params: list[int]) -> None:
    parts = _REF_TOKEN.split(seg)
    out.append(parts[0])
    for i in range(1, len(parts), 7):
        rr, ra, cr, ca, wr, wa = parts[i : i + 6]
        if rr is not None or ra is not None:
            tok = "@" + _axis_skeleton("R", rr, ra, params)
            if cr is not None or ca is not None:
                tok += _axis_skeleton("C", cr, ca, params)
        else:
            tok = "@" + _axis_skeleton("C", wr, wa, params)
        out.append(tok)
        out.append(parts[i + 6])


def skeleton(shape: str) -> tuple[str, tuple[int, ...]]:
    """``shape`` with :data:`SENTINEL`, ``SENTINEL + 1``... in place of the numbers of its
    references that are absolute or non-zero offsets, and those numbers in order (text
    literals and sheet names are left as they are). Zero offsets stay: they compile to
    the cell's own row or column."""
    if "@" not in shape:
        return shape, ()
    out: list[str] = []
    params: list[int] = []
    if '"' in shape or "'" in shape:
        for k, seg in enumerate(_QUOTED.split(shape)):
            if k % 2 or "@" not in seg:
                out.append(seg)
            else:
                _skeleton_of(seg, out, params)
    else:
        _skeleton_of(shape, out, params)
    return "".join(out), tuple(params)


def generate(shape: str, kind: str = "cell", params: int = 0) -> str:
    """Python source of ``make(E, s)`` for a shape.

    ``kind`` is ``"cell"`` (a value), ``"array"`` (an array formula: the result may be an
    array or a reference) or ``"name"`` (a defined name: references are kept). ``params``:
    ``shape`` is a :func:`skeleton` with that many parameters, and the source defines
    ``make(E, s, P)``.
    """
    tree = parse(shape)
    g = _Gen()
    g.cell = kind == "cell"
    g.params = params > 0
    if kind == "cell":
        body = g.emit(tree, "v")
    elif kind == "array" and tree[0] == "area" and tree[3] is None:
        body = g.area(tree, whole_rows=True)
    else:
        body = g.emit(tree, "a", True)
    if params:
        names = ", ".join(f"P{i}" for i in range(params))
        lines = ["def make(E, s, P):", f"    ({names},) = P", "    V = E.V", "    _g = V.get"]
    else:
        lines = ["def make(E, s):", "    V = E.V", "    _g = V.get"]
    lines += [f"    {b}" for b in g.binds]
    lines.append("    def f(r, c):")
    lines.append(f"        return {body}")
    lines.append("    def d(r, c):")
    if g.deps:
        lines.append(f"        return ({', '.join(g.deps)},)")
    else:
        lines.append("        return ()")
    lines.append("    return f, d")
    return "\n".join(lines)


def compile_source(source: str) -> CodeType:
    """Compile generated source to a code object (marshal-able)."""
    return compile(source, "<xlfuncs-formula>", "exec")


def load(code: CodeType) -> MakeFn:
    """Execute a compiled plan and return its ``make`` function."""
    _bind_builtins(code)
    ns: dict[str, Any] = {}
    exec(code, GLOBALS, ns)
    return ns["make"]  # type: ignore[no-any-return]

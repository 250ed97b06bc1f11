"""Formula text -> shape -> syntax tree.

A formula is first *normalised* against the cell it is written for: every A1 reference
becomes an R1C1-like token (``@R[1]C[-2]`` relative, ``@R5C3`` absolute), so the whole
row ``=B2*2, =C2*2, ...`` shares one *shape* text, which is parsed and compiled once.

>>> normalize("SUM(B2:B5)*$A$1", (6, 2))
'SUM(@R[-4]C[0]:@R[-1]C[0])*@R1C1'
>>> normalize('IF(Inputs!C2=0,"A1",C$1)', (3, 3))
'IF(Inputs!@R[-1]C[0]=0,"A1",@R1C[0])'
>>> parse(normalize("-2^2+A1%", (1, 2)))
('bin', '+', ('bin', '^', ('neg', ('num', 2.0)), ('num', 2.0)), ('pct', ('ref', None, (True, 0), (True, -1))))

Tree nodes are tuples: ``('num', x)``, ``('str', s)``, ``('bool', b)``, ``('err', e)``,
``('ref', sheet, row, col)`` with ``row``/``col`` = ``(relative, n)``,
``('area', sheet, r1, c1, r2, c2)`` (``r``/``c`` is ``None`` for whole columns/rows),
``('name', sheet, NAME)``, ``('call', NAME, args)``, ``('omit',)``,
``('bin', op, a, b)``, ``('neg', a)``, ``('pos', a)``, ``('pct', a)``,
``('rangeop', a, b)``, ``('isect', a, b)`` (the intersection operator, a space between two
references), ``('union', [a, b, ...])`` (references joined by commas inside parentheses),
``('arr', rows)`` and ``('invoke', fn, args)`` (a call of a LAMBDA value:
``LAMBDA(x, x+1)(2)``). LAMBDA parameters (``_xlpm.x``) and eta-reduced built-ins
(``_xleta.SUM``) are ``name`` nodes; the compiler tells them apart.
"""

from __future__ import annotations

import re
from typing import Any

from xlfuncs.errors import ExcelError

__all__ = [
    "FormulaSyntaxError",
    "normalize",
    "tokenize",
    "parse",
    "parse_formula",
    "col_number",
    "split_a1",
]

Node = tuple[Any, ...]

MAX_ROW = 1_048_576
MAX_COL = 16_384


class FormulaSyntaxError(ValueError):
    """The formula text cannot be parsed."""


def col_number(letters: str) -> int:
    """Column number of column letters.

    >>> col_number("A"), col_number("AB"), col_number("XFD")
    (1, 28, 16384)
    """
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def split_a1(ref: str) -> tuple[int, int]:
    """``"C12"`` -> ``(12, 3)`` (row, col).

    >>> split_a1("$B$7")
    (7, 2)
    """
    m = _CELL_RE.match(ref.strip())
    if not m:
        raise FormulaSyntaxError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_number(m.group(1))


# Characters U+00A1..U+FFFF (names may hold them) as a negated class with an astral range:
# the same set as [\u00a1-\uffff], but compiled in microseconds (re fills a 64k-entry table,
# one Python step per character, for a range inside the BMP): this module loads in every
# recalculation process.
_HI = r"[^\x00-\xa0\U00010000-\U0010ffff]"
#: a name's first character and the characters that may follow ([A-Za-z_\\\u00a1-\uffff],
#: [\w.\u00a1-\uffff], the same with "?")
_NAME0 = rf"(?:[A-Za-z_\\]|{_HI})"
_NAME1 = rf"(?:[\w.]|{_HI})"
_NAME1Q = rf"(?:[\w.?]|{_HI})"
#: a sheet prefix: ``'Any name'!``, ``Name!``, and the external forms Excel writes in files,
#: ``[1]Name!`` and ``[1]!`` (a book-level name of linked workbook 1; quoted: ``'[1]A b'!``)
_SHEET = rf"(?:'(?:[^']|'')+'|\[\d+\](?:{_NAME0}{_NAME1}*)?|{_NAME0}{_NAME1}*)!"
_A1_RE = re.compile(
    r"""
    (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?P<sheet>%(sheet)s)?
        (?:
            (?P<c1>\$?[A-Za-z]{1,3})(?P<r1>\$?\d+)(?::(?P<c2>\$?[A-Za-z]{1,3})(?P<r2>\$?\d+))?
          | (?P<cc1>\$?[A-Za-z]{1,3}):(?P<cc2>\$?[A-Za-z]{1,3})
          | (?P<rr1>\$?\d+):(?P<rr2>\$?\d+)
        )(?![\w(.!\[])
    )
  | (?P<skip>'(?:[^']|'')+'
          | (?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?
          | %(name0)s%(name1q)s*
          | \#[A-Za-z0-9/]+[!?A]?)
    """
    % {"sheet": _SHEET, "name0": _NAME0, "name1q": _NAME1Q},
    re.VERBOSE,
)


def _row_tok(text: str, anchor_row: int) -> str | None:
    if text.startswith("$"):
        n = int(text[1:])
        return f"R{n}" if 1 <= n <= MAX_ROW else None
    n = int(text)
    return f"R[{n - anchor_row}]" if 1 <= n <= MAX_ROW else None


def _col_tok(text: str, anchor_col: int) -> str | None:
    if text.startswith("$"):
        n = col_number(text[1:])
        return f"C{n}" if 1 <= n <= MAX_COL else None
    n = col_number(text)
    return f"C[{n - anchor_col}]" if 1 <= n <= MAX_COL else None


def _normalize_slow(text: str, anchor: tuple[int, int]) -> str:
    ar, ac = anchor

    def sub(m: re.Match[str]) -> str:
        if m.group("ref") is None:
            return m.group(0)
        sheet = m.group("sheet") or ""
        if m.group("c1") is not None:
            r1 = _row_tok(m.group("r1"), ar)
            c1 = _col_tok(m.group("c1"), ac)
            if r1 is None or c1 is None:
                return m.group(0)
            out = f"{sheet}@{r1}{c1}"
            if m.group("c2") is not None:
                r2 = _row_tok(m.group("r2"), ar)
                c2 = _col_tok(m.group("c2"), ac)
                if r2 is None or c2 is None:
                    return m.group(0)
                out += f":@{r2}{c2}"
            return out
        if m.group("cc1") is not None:
            c1 = _col_tok(m.group("cc1"), ac)
            c2 = _col_tok(m.group("cc2"), ac)
            if c1 is None or c2 is None:
                return m.group(0)
            return f"{sheet}@{c1}:@{c2}"
        r1 = _row_tok(m.group("rr1"), ar)
        r2 = _row_tok(m.group("rr2"), ar)
        if r1 is None or r2 is None:
            return m.group(0)
        return f"{sheet}@{r1}:@{r2}"

    return _A1_RE.sub(sub, text)


_DIGITS_SPLIT = re.compile(r"(\d+)")
#: (skeleton, anchor column) -> (format string, relative-row runs, absolute-row runs)
_Template = tuple[str, tuple[int, ...], tuple[int, ...]]
_TEMPLATES: dict[tuple[str, int], _Template | None] = {}


def _template(text: str, parts: list[str], ac: int) -> _Template | None:
    """Format string that rebuilds the shape of any text with this digit skeleton.

    Every digit run becomes a placeholder: a relative row offset, an absolute row or a
    literal (numbers, sheet names); column letters are resolved for anchor column ``ac``.
    ``None`` when the skeleton is not safe to reuse (a reference-like token out of bounds).
    """
    starts: dict[int, int] = {}
    pos = 0
    for i, piece in enumerate(parts):
        if i % 2:
            starts[pos] = i // 2
        pos += len(piece)
    rel: list[int] = []
    absr: list[int] = []
    out: list[str] = []
    last = 0

    def lit(a: int, b: int) -> None:
        # text between references: literal, with its digit runs as verbatim placeholders
        seg = text[a:b]
        for j, piece in enumerate(_DIGITS_SPLIT.split(seg)):
            if j % 2:
                out.append("{%d}" % starts[a])
            else:
                out.append(piece.replace("{", "{{").replace("}", "}}"))
            a += len(piece)

    def row(m: re.Match[str], g: str) -> str:
        tok = m.group(g)
        k = starts[m.start(g) + (1 if tok.startswith("$") else 0)]
        if tok.startswith("$"):
            absr.append(k)
            return "R{%d}" % k
        rel.append(k)
        return "R[{%d}]" % k

    def col(tok: str) -> str | None:
        t = _col_tok(tok, ac)
        return None if t is None else t.replace("[", "[").replace("{", "{{")

    for m in _A1_RE.finditer(text):
        if m.group("ref") is None:
            continue
        lit(last, m.start())
        last = m.end()
        sheet = (m.group("sheet") or "")
        sh_start = len(out)
        if sheet:
            lit(m.start("sheet"), m.end("sheet"))
        if m.group("c1") is not None:
            c1 = col(m.group("c1"))
            if c1 is None:
                return None
            out.append("@" + row(m, "r1") + c1)
            if m.group("c2") is not None:
                c2 = col(m.group("c2"))
                if c2 is None:
                    return None
                out.append(":@" + row(m, "r2") + c2)
        elif m.group("cc1") is not None:
            c1 = col(m.group("cc1"))
            c2 = col(m.group("cc2"))
            if c1 is None or c2 is None:
                return None
            out.append(f"@{c1}:@{c2}")
        else:
            out.append("@" + row(m, "rr1") + ":@" + row(m, "rr2"))
        del sh_start
    lit(last, len(text))
    return "".join(out), tuple(rel), tuple(absr)


def normalize(text: str, anchor: tuple[int, int]) -> str:
    """Rewrite the A1 references of ``text`` relative to ``anchor`` (the shape text).

    Texts that differ only in their digits (the same formula in another row) reuse one
    template, so the common case costs two C-level regex passes and a ``str.format``.
    """
    ar, ac = anchor
    parts = _DIGITS_SPLIT.split(text)
    key = ("\0".join(parts[0::2]), ac)
    tpl = _TEMPLATES.get(key, False)
    if tpl is False:
        tpl = _template(text, parts, ac)
        if len(_TEMPLATES) > 200_000:
            _TEMPLATES.clear()
        _TEMPLATES[key] = tpl
    if tpl is None:
        return _normalize_slow(text, anchor)
    fmt, rel, absr = tpl  # type: ignore[misc]
    vals: list[Any] = parts[1::2]
    for i in rel:
        v = int(vals[i])
        if v < 1 or v > MAX_ROW:
            return _normalize_slow(text, anchor)
        vals[i] = v - ar
    for i in absr:
        v = int(vals[i])
        if v < 1 or v > MAX_ROW:
            return _normalize_slow(text, anchor)
        vals[i] = v
    return fmt.format(*vals)


# ------------------------------------------------------------------ tokenizer (shape text)

_RC = r"@R(?:\[-?\d+\]|\d+)C(?:\[-?\d+\]|\d+)"
_COL = r"@C(?:\[-?\d+\]|\d+)"
_ROW = r"@R(?:\[-?\d+\]|\d+)"
_ERRS = r"\#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!)"
_TOKEN_RE = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?P<sh>{_SHEET})?(?:{_RC}(?::{_RC})?|{_COL}:{_COL}|{_ROW}:{_ROW}))
  | (?P<sherr>{_SHEET}\#REF!)
  | (?P<err>{_ERRS})
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<id>(?:{_SHEET})?{_NAME0}{_NAME1Q}*)(?P<paren>\()?
  | (?P<op><=|>=|<>|[-+*/^&=<>%(),;{{}}:@])
    """,
    re.VERBOSE,
)
_PART_RE = re.compile(r"([RC])(?:\[(-?\d+)\]|(\d+))")

Token = tuple[str, Any]


def _sheet_name(prefix: str | None) -> str | None:
    if not prefix:
        return None
    s = prefix[:-1]
    if s.startswith("'"):
        s = s[1:-1].replace("''", "'")
    return s


def _parse_ref(text: str, sheet: str | None) -> Node:
    parts = text.split(":")
    specs: list[dict[str, tuple[bool, int]]] = []
    for p in parts:
        d: dict[str, tuple[bool, int]] = {}
        for m in _PART_RE.finditer(p):
            if m.group(2) is not None:
                d[m.group(1)] = (True, int(m.group(2)))
            else:
                d[m.group(1)] = (False, int(m.group(3)))
        specs.append(d)
    if len(specs) == 1:
        return ("ref", sheet, specs[0]["R"], specs[0]["C"])
    a, b = specs
    return ("area", sheet, a.get("R"), a.get("C"), b.get("R"), b.get("C"))


def tokenize(shape: str) -> list[Token]:
    """Split shape text into ``(kind, value)`` tokens.

    >>> tokenize('SUM(@R[1]C[0]:@R[2]C[0],"x")')
    [('func', 'SUM'), ('area', ('area', None, (True, 1), (True, 0), (True, 2), (True, 0))), ('op', ','), ('str', 'x'), ('op', ')')]
    """
    out: list[Token] = []
    pos = 0
    n = len(shape)
    while pos < n:
        m = _TOKEN_RE.match(shape, pos)
        if m is None:
            raise FormulaSyntaxError(f"unexpected character {shape[pos]!r} at {pos}")
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            # a space between two references is the intersection operator (" ")
            if out and (out[-1][0] in _REF_END or out[-1] == ("op", ")")) and pos < n:
                nxt = _TOKEN_RE.match(shape, pos)
                if nxt is not None and (
                    nxt.lastgroup in ("ref", "sh", "id", "paren")
                    or (nxt.lastgroup == "op" and nxt.group(0) == "(")
                ) and not (nxt.lastgroup == "id" and nxt.group(0).upper() in ("TRUE", "FALSE")):
                    out.append(("op", " "))
            continue
        if kind == "str":
            out.append(("str", m.group(0)[1:-1].replace('""', '"')))
        elif kind == "ref" or kind == "sh":
            sheet = _sheet_name(m.group("sh"))
            body = m.group("ref")[len(m.group("sh") or "") :]
            node = _parse_ref(body, sheet)
            out.append((node[0], node))
        elif kind == "sherr" or kind == "err":
            txt = m.group(0)
            out.append(("err", ExcelError.from_text(txt[txt.index("#") :])))
        elif kind == "num":
            out.append(("num", float(m.group(0))))
        elif kind in ("id", "paren"):
            ident = m.group("id")
            if m.group("paren"):
                out.append(("func", _func_name(ident)))
            else:
                up = ident.upper()
                if up in ("TRUE", "FALSE"):
                    out.append(("bool", up == "TRUE"))
                else:
                    sheet = None
                    if "!" in ident:
                        k = ident.rindex("!")
                        sheet = _sheet_name(ident[: k + 1])
                        ident = ident[k + 1 :]
                    out.append(("name", (sheet, ident.upper())))
        else:
            out.append(("op", m.group(0)))
    return out


#: tokens a reference operand can end with (before the intersection operator)
_REF_END = ("ref", "area", "name")

_FN_PREFIXES = ("_XLFN._XLWS.", "_XLFN.", "_XLWS.")


def _func_name(ident: str) -> str:
    up = ident.upper()
    for p in _FN_PREFIXES:
        if up.startswith(p):
            return up[len(p) :]
    return up


# ------------------------------------------------------------------ parser

_BINARY = {
    "=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1,
    "&": 2,
    "+": 3, "-": 3,
    "*": 4, "/": 4,
    "^": 5,
}


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.t = tokens
        self.i = 0

    def peek(self) -> Token | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def next(self) -> Token:
        if self.i >= len(self.t):
            raise FormulaSyntaxError("unexpected end of formula")
        tok = self.t[self.i]
        self.i += 1
        return tok

    def expect(self, op: str) -> None:
        tok = self.next()
        if tok != ("op", op):
            raise FormulaSyntaxError(f"expected {op!r}, got {tok[1]!r}")

    def expr(self, min_prec: int = 1) -> Node:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok is None or tok[0] != "op" or tok[1] not in _BINARY:
                return left
            prec = _BINARY[tok[1]]
            if prec < min_prec:
                return left
            self.i += 1
            right = self.expr(prec + 1)
            left = ("bin", tok[1], left, right)

    def unary(self) -> Node:
        tok = self.peek()
        if tok == ("op", "-"):
            self.i += 1
            return ("neg", self.unary())
        if tok == ("op", "+"):
            self.i += 1
            return ("pos", self.unary())
        if tok == ("op", "@"):
            self.i += 1
            return self.unary()
        node = self.range_op()
        while self.peek() == ("op", "%"):
            self.i += 1
            node = ("pct", node)
        return node

    def range_op(self) -> Node:
        # the reference operators bind tighter than any other: ":" first, then " "
        node = self.colon_op()
        while self.peek() == ("op", " "):
            self.i += 1
            node = ("isect", node, self.colon_op())
        return node

    def colon_op(self) -> Node:
        node = self.primary()
        while self.peek() == ("op", ":"):
            self.i += 1
            node = ("rangeop", node, self.primary())
        return node

    def primary(self) -> Node:
        node = self.atom()
        # a LAMBDA value called where it is made: LAMBDA(x, x+1)(2), (LAMBDA(...))(2)
        while self.peek() == ("op", "(") and node[0] in ("call", "name", "invoke", "paren"):
            self.i += 1
            node = ("invoke", node[1] if node[0] == "paren" else node, self.args())
        if node[0] == "paren":
            return node[1]  # type: ignore[no-any-return]
        return node

    def atom(self) -> Node:
        kind, val = self.next()
        if kind == "num":
            return ("num", val)
        if kind == "str":
            return ("str", val)
        if kind == "bool":
            return ("bool", val)
        if kind == "err":
            return ("err", val)
        if kind in ("ref", "area"):
            return val  # type: ignore[no-any-return]
        if kind == "name":
            return ("name", val[0], val[1])
        if kind == "func":
            return ("call", val, self.args())
        if (kind, val) == ("op", "("):
            node = self.expr()
            if self.peek() == ("op", ","):  # (A1:B2,D4): the union of references
                items = [node]
                while self.peek() == ("op", ","):
                    self.i += 1
                    items.append(self.expr())
                self.expect(")")
                return ("union", items)
            self.expect(")")
            return ("paren", node) if self.peek() == ("op", "(") else node
        if (kind, val) == ("op", "{"):
            return self.array()
        raise FormulaSyntaxError(f"unexpected {val!r}")

    def args(self) -> list[Node]:
        args: list[Node] = []
        if self.peek() == ("op", ")"):
            self.i += 1
            return args
        while True:
            tok = self.peek()
            if tok in (("op", ","), ("op", ")")):
                args.append(("omit",))
            else:
                args.append(self.expr())
            tok = self.next()
            if tok == ("op", ")"):
                return args
            if tok != ("op", ","):
                raise FormulaSyntaxError(f"expected ',' or ')', got {tok[1]!r}")

    def array(self) -> Node:
        rows: list[list[Any]] = [[]]
        while True:
            kind, val = self.next()
            sign = 1.0
            while (kind, val) in (("op", "-"), ("op", "+")):
                if val == "-":
                    sign = -sign
                kind, val = self.next()
            if kind == "num":
                rows[-1].append(sign * val)
            elif kind in ("str", "bool", "err"):
                rows[-1].append(val)
            else:
                raise FormulaSyntaxError(f"bad array constant element {val!r}")
            kind, val = self.next()
            if (kind, val) == ("op", ","):
                continue
            if (kind, val) == ("op", ";"):
                rows.append([])
                continue
            if (kind, val) == ("op", "}"):
                break
            raise FormulaSyntaxError(f"bad array constant separator {val!r}")
        if len({len(r) for r in rows}) != 1:
            raise FormulaSyntaxError("array constant rows differ in length")
        return ("arr", rows)


def parse(shape: str) -> Node:
    """Parse shape text (see :func:`normalize`) into a tree."""
    p = _Parser(tokenize(shape))
    if not p.t:
        raise FormulaSyntaxError("empty formula")
    node = p.expr()
    if p.i != len(p.t):
        raise FormulaSyntaxError(f"unexpected {p.t[p.i][1]!r} after the formula")
    return node


def parse_formula(text: str, anchor: tuple[int, int] = (1, 1)) -> Node:
    """Parse A1 formula text (no leading ``=``) written for ``anchor``.

    >>> parse_formula("SUM(A1,,3)")
    ('call', 'SUM', [('ref', None, (True, 0), (True, 0)), ('omit',), ('num', 3.0)])
    """
    if text.startswith("="):
        text = text[1:]
    return parse(normalize(text, anchor))

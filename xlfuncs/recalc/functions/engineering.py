"""Engineering functions: number bases (DEC2BIN ... HEX2OCT) with Excel's ten-digit two's
complement, bit operations, DELTA, GESTEP, ERF, ERFC."""

from __future__ import annotations

import math
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._registry import XErr, registrar

ERR = ExcelError
reg = registrar("engineering")

_BITS = {2: 10, 8: 30, 16: 40}  # ten digits of each base
_DIGITS = "0123456789ABCDEF"


def _from_base(text: str, base: int) -> int:
    t = text.strip().upper()
    if len(t) > 10:
        raise XErr(ERR.NUM)
    if t == "":
        return 0
    if any(ch not in _DIGITS[:base] for ch in t):  # no sign, spaces or other characters
        raise XErr(ERR.NUM)
    n = int(t, base)
    bits = _BITS[base]
    if len(t) == 10 and n >= 1 << (bits - 1):
        n -= 1 << bits  # two's complement
    return n


def _to_base(n: int, base: int, places: Any) -> str:
    bits = _BITS[base]
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if n < lo or n > hi:
        raise XErr(ERR.NUM)
    if n < 0:
        n += 1 << bits
        s = ""
        while n:
            n, d = divmod(n, base)
            s = _DIGITS[d] + s
        return s.rjust(10, "0")[-10:]
    s = ""
    while n:
        n, d = divmod(n, base)
        s = _DIGITS[d] + s
    s = s or "0"
    if places is not None:
        p = math.trunc(places)
        if p < 1 or p > 10 or len(s) > p:
            raise XErr(ERR.NUM)
        s = s.rjust(p, "0")
    return s


def _dec_in(v: float) -> int:
    return math.trunc(v)


def _make(name: str, src: int | None, dst: int | None) -> None:
    if src is None:  # from decimal
        assert dst is not None

        def f(v: float, places: float | None = None) -> Any:
            return _to_base(_dec_in(v), dst, places)

        f.__name__ = name.replace(".", "_")
        reg(name, "number, number=-")(f)
    elif dst is None:  # to decimal

        def g(t: str) -> Any:
            return float(_from_base(t, src))

        g.__name__ = name
        reg(name, "text")(g)
    else:

        def h(t: str, places: float | None = None) -> Any:
            return _to_base(_from_base(t, src), dst, places)

        h.__name__ = name
        reg(name, "text, number=-")(h)


_NAMES = {"BIN": 2, "OCT": 8, "DEC": None, "HEX": 16}
for _a, _sa in _NAMES.items():
    for _b, _sb in _NAMES.items():
        if _a != _b:
            _make(f"{_a}2{_b}", _sa, _sb)


def _bit_arg(v: float) -> int:
    if v < 0 or v != math.floor(v) or v >= 2**48:
        raise XErr(ERR.NUM)
    return int(v)


@reg("BITAND", "number, number")
def BITAND(a: float, b: float) -> Any:
    return float(_bit_arg(a) & _bit_arg(b))


@reg("BITOR", "number, number")
def BITOR(a: float, b: float) -> Any:
    return float(_bit_arg(a) | _bit_arg(b))


@reg("BITXOR", "number, number")
def BITXOR(a: float, b: float) -> Any:
    return float(_bit_arg(a) ^ _bit_arg(b))


@reg("BITLSHIFT", "number, number")
def BITLSHIFT(a: float, k: float) -> Any:
    n, s = _bit_arg(a), math.trunc(k)
    if abs(s) > 53:
        return ERR.NUM
    r = n << s if s >= 0 else n >> -s
    if r >= 2**48:
        return ERR.NUM
    return float(r)


@reg("BITRSHIFT", "number, number")
def BITRSHIFT(a: float, k: float) -> Any:
    n, s = _bit_arg(a), math.trunc(k)
    if abs(s) > 53:
        return ERR.NUM
    r = n >> s if s >= 0 else n << -s
    if r >= 2**48:
        return ERR.NUM
    return float(r)


@reg("DELTA", "number, number=0")
def DELTA(a: float, b: float) -> Any:
    return 1.0 if a == b else 0.0


@reg("GESTEP", "number, number=0")
def GESTEP(a: float, b: float) -> Any:
    return 1.0 if a >= b else 0.0


@reg("ERF", "number, number=-")
def ERF(a: float, b: float | None = None) -> Any:
    if b is None:
        return math.erf(a)
    return math.erf(b) - math.erf(a)


@reg("ERF.PRECISE", "number")
def ERF_PRECISE(a: float) -> Any:
    return math.erf(a)


@reg("ERFC", "ERFC.PRECISE", "number")
def ERFC(a: float) -> Any:
    return math.erfc(a)

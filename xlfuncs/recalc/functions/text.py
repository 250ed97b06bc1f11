"""Text functions: joining, slicing, case, search and replace, conversion (TEXT, VALUE,
FIXED, DOLLAR, NUMBERVALUE), character codes, TEXTBEFORE/TEXTAFTER/TEXTSPLIT.

The byte-counting variants (LENB, LEFTB, ...) count characters, as Excel does for
single-byte languages.
"""

from __future__ import annotations

import math
import re
from typing import Any

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._format import format_number, format_text
from xlfuncs.recalc.functions._helpers import flat, txt
from xlfuncs.recalc.functions._registry import Ctx, XErr, registrar
from xlfuncs.recalc.functions.operators import _is_arr
from xlfuncs.recalc.values import (
    TEXT_LIMIT,
    Rng,
    as_rows,
    excel_round,
    flat_values,
    text_to_num,
    to_scalar,
    to_text,
)

ERR = ExcelError
reg = registrar("text")


@reg("CONCAT", "ref+")
def CONCAT(*args: Any) -> Any:
    parts = []
    for a in args:
        for v in flat_values(a) if _is_arr(a) else [a]:
            parts.append(txt(v))
    out = "".join(parts)
    return out if len(out) <= 32767 else ERR.CALC


@reg("CONCATENATE", "text+")
def CONCATENATE(*args: str) -> Any:
    return "".join(args)


@reg("TEXTJOIN", "text, bool, ref+")
def TEXTJOIN(d: str, skip: bool, *args: Any) -> Any:
    parts = []
    for a in args:
        for v in flat_values(a) if _is_arr(a) else [a]:
            t = txt(v)
            if skip and t == "":
                continue
            parts.append(t)
    return d.join(parts)


@reg("LEN", "LENB", "text")
def LEN(s: str) -> Any:
    return float(len(s))


@reg("LEFT", "LEFTB", "text, integer=1")
def LEFT(s: str, k: int) -> Any:
    if k < 0:
        return ERR.VALUE
    return s[:k]


@reg("RIGHT", "RIGHTB", "text, integer=1")
def RIGHT(s: str, k: int) -> Any:
    if k < 0:
        return ERR.VALUE
    return s[len(s) - k:] if k else ""


@reg("MID", "MIDB", "text, integer, integer")
def MID(s: str, a: int, k: int) -> Any:
    if a < 1 or k < 0:
        return ERR.VALUE
    return s[a - 1: a - 1 + k]


@reg("UPPER", "text")
def UPPER(s: str) -> Any:
    return s.upper()


@reg("LOWER", "text")
def LOWER(s: str) -> Any:
    return s.lower()


@reg("PROPER", "text")
def PROPER(s: str) -> Any:
    out = []
    prev_letter = False
    for ch in s:
        if ch.isalpha():
            out.append(ch.lower() if prev_letter else ch.upper())
            prev_letter = True
        else:
            out.append(ch)
            prev_letter = False
    return "".join(out)


@reg("TRIM", "text")
def TRIM(s: str) -> Any:
    return " ".join(p for p in s.split(" ") if p)


@reg("CLEAN", "text")
def CLEAN(s: str) -> Any:
    return "".join(ch for ch in s if ord(ch) >= 32)


@reg("VALUE", "scalar")
def VALUE(x: Any) -> Any:
    if type(x) is str:
        return text_to_num(x)
    if x is None:
        return 0.0
    if type(x) is bool:
        return ERR.VALUE
    return x


@reg("NUMBERVALUE", "text, text=-, text=-")
def NUMBERVALUE(s: str, dec: str | None = None, grp: str | None = None) -> Any:
    """Text to a number with the given separators. Excel (TEXT!R27:AC28 of
    vinci1it2000+formulas/test.xlsx): a separator given but empty is #VALUE!; parentheses
    make the number negative ("(2.500,27)" with "," and "." is -2500.27), "%" may close
    the inside and the outside ("(2,500.27%)%" is -0.250027), no sign inside them."""
    if dec == "" or grp == "":
        return ERR.VALUE
    d = "." if dec is None else dec[0]
    g = "," if grp is None else grp[0]
    if grp is None and g == d:  # the default group separator gives way (TEXT!W28)
        g = ""
    t = "".join(s.split())
    if t == "":
        return 0.0
    pct = 0
    while t.endswith("%"):
        pct += 1
        t = t[:-1]
    neg = False
    if t.startswith("(") and t.endswith(")"):
        neg = True
        t = t[1:-1]
        while t.endswith("%"):
            pct += 1
            t = t[:-1]
        if t[:1] in ("-", "+"):
            return ERR.VALUE
    if d == g:
        return ERR.VALUE
    if d in t:
        i, _, f = t.partition(d)
        if g and g in f or d in f:
            return ERR.VALUE
    else:
        i, f = t, ""
    if g:
        i = i.replace(g, "")
    body = i + ("." + f if f else "")
    try:
        v = float(body)
    except ValueError:
        return ERR.VALUE
    if not math.isfinite(v):
        return ERR.VALUE
    v /= 100 ** pct
    return -v if neg else v


@reg("EXACT", "text, text")
def EXACT(a: str, b: str) -> Any:
    return a == b


@reg("REPT", "text, integer")
def REPT(s: str, k: int) -> Any:
    if k < 0 or len(s) * k > TEXT_LIMIT:
        return ERR.VALUE
    return s * k


_ALL: Any = object()  # SUBSTITUTE's instance left out (a blank one is 0)


@reg("SUBSTITUTE", "text, text, text, scalar=-")
def SUBSTITUTE(s: str, o: str, nw: str, inst: Any = _ALL) -> Any:
    """``inst`` is truncated; a logical there is #VALUE! (CORE!AB14:AB19 of
    vinci1it2000+formulas/test.xlsx: instance TRUE)."""
    from xlfuncs.recalc.functions._registry import c_integer

    if type(inst) is bool:
        return ERR.VALUE
    k = None if inst is _ALL else c_integer(inst)
    if not o:
        return s
    if k is None:
        if len(nw) > len(o) and len(s) + s.count(o) * (len(nw) - len(o)) > TEXT_LIMIT:
            return ERR.VALUE  # the result would be over the text limit: never built
        return s.replace(o, nw)
    if k < 1:
        return ERR.VALUE
    pos = -1
    for _ in range(k):
        pos = s.find(o, pos + 1)
        if pos < 0:
            return s
    return s[:pos] + nw + s[pos + len(o):]


@reg("REPLACE", "REPLACEB", "text, integer, integer, text")
def REPLACE(s: str, start: int, n: int, new: str) -> Any:
    if start < 1 or n < 0:
        return ERR.VALUE
    return s[: start - 1] + new + s[start - 1 + n:]


@reg("FIND", "FINDB", "text, text, integer=1")
def FIND(what: str, s: str, a: int) -> Any:
    if a < 1 or a > len(s) + 1:
        return ERR.VALUE
    i = s.find(what, a - 1)
    return ERR.VALUE if i < 0 else float(i + 1)


def _wild_regex(w: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(w):
        ch = w[i]
        if ch == "~" and i + 1 < len(w) and w[i + 1] in "*?~":
            out.append(re.escape(w[i + 1]))
            i += 2
            continue
        out.append(".*?" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


@reg("SEARCH", "SEARCHB", "text, text, integer=1")
def SEARCH(w: str, s: str, a: int) -> Any:
    if a < 1 or a > len(s) + 1:
        return ERR.VALUE
    m = _wild_regex(w).search(s, a - 1)
    return ERR.VALUE if m is None else float(m.start() + 1)


@reg("CHAR", "integer", ctx=True)
def CHAR(ctx: Ctx, k: int) -> Any:
    """The character of code ``k`` in the workbook's code page: Windows' ANSI code page
    (cp1252; its five undefined codes give the C1 control of that number) or, for a workbook
    saved by Excel for Mac, Mac Roman (CHAR(157) is "ù")."""
    if k < 1 or k > 255:
        return ERR.VALUE
    if ctx.mac:
        return bytes([k]).decode("mac_roman")
    return bytes([k]).decode("cp1252", errors="replace") if k not in (129, 141, 143, 144, 157) \
        else chr(k)


@reg("CODE", "text", ctx=True)
def CODE(ctx: Ctx, s: str) -> Any:
    """The code of the first character in the workbook's code page (see CHAR); 63 ("?") for a
    character outside it."""
    if not s:
        return ERR.VALUE
    c = s[0]
    try:
        return float(c.encode("mac_roman" if ctx.mac else "cp1252")[0])
    except UnicodeEncodeError:
        return 63.0  # "?" as Excel shows a character outside the code page


@reg("UNICHAR", "integer")
def UNICHAR(k: int) -> Any:
    if k < 1 or k > 0x10FFFF or 0xD800 <= k <= 0xDFFF:
        return ERR.VALUE
    return chr(k)


@reg("UNICODE", "text")
def UNICODE(s: str) -> Any:
    if not s:
        return ERR.VALUE
    return float(ord(s[0]))


@reg("T", "ref")
def T(x: Any) -> Any:
    if type(x) is list or type(x).__name__ == "Rng":
        from xlfuncs.recalc.values import to_scalar

        x = to_scalar(x)
    return x if type(x) is str else ("" if type(x) is not ExcelError else x)


@reg("TEXT", "scalar, text", ctx=True)
def TEXT(ctx: Ctx, value: Any, f: str) -> Any:
    if type(value) is str:
        n = text_to_num(value)
        if type(n) is ExcelError:
            from xlfuncs.recalc.functions.date import parse_datetime

            d = parse_datetime(value, ctx)
            if d is None:
                return format_text(value, f)
            n = d
        value = n
    if value is None:
        value = 0.0
    if type(value) is bool:
        return "TRUE" if value else "FALSE"
    return format_number(ctx, float(value), f)


def _fixed_text(v: float, decimals: int, commas: bool) -> str:
    r = excel_round(v, decimals)
    # Excel shows 15 significant digits, zeros after them (FIXED of
    # "123456789076754345682.21..." is 123,456,789,076,754,000,000: TEXT!R18 of
    # vinci1it2000+formulas/test.xlsx), not the float's binary expansion
    from decimal import Decimal  # only FIXED/DOLLAR need it: not loaded at start-up

    d = Decimal(f"{abs(r):.15g}")
    s = f"{d:.{max(decimals, 0)}f}"
    ip, _, dp = s.partition(".")
    if commas:
        ip = f"{int(ip):,}"
    body = ip + ("." + dp if dp else "")
    return ("-" if r < 0 else "") + body


@reg("FIXED", "number, integer=2, bool=FALSE")
def FIXED(v: float, decimals: int, no_commas: bool) -> Any:
    if decimals > 127:
        return ERR.VALUE
    return _fixed_text(v, decimals, not no_commas)


@reg("DOLLAR", "number, integer=2")
def DOLLAR(v: float, decimals: int) -> Any:
    if decimals > 127:
        return ERR.VALUE
    s = _fixed_text(abs(v), decimals, True)
    return f"(${s})" if excel_round(v, decimals) < 0 else f"${s}"


def _occurrence(s: str, d: list[str], n: int, match_mode: int, end: bool) -> tuple[int, int] | None:
    """(start, end) of the n-th delimiter (from the end when n < 0)."""
    hay = s.lower() if match_mode else s
    delims = [x.lower() if match_mode else x for x in d]
    hits: list[tuple[int, int]] = []
    i = 0
    while i <= len(hay):
        best = None
        for x in delims:
            j = hay.find(x, i)
            if j >= 0 and (best is None or j < best[0]):
                best = (j, j + len(x))
        if best is None:
            break
        hits.append(best)
        i = best[1] if best[1] > best[0] else best[0] + 1
    if n > 0:
        if n <= len(hits):
            return hits[n - 1]
        if end and n == len(hits) + 1:
            return (len(s), len(s))
        return None
    k = -n
    if k <= len(hits):
        return hits[len(hits) - k]
    if end and k == len(hits) + 1:
        return (0, 0)
    return None


def _delims(d: Any) -> list[str]:
    vals = [txt(v) for v in flat(d)] if _is_arr(d) else [txt(d)]
    return vals


@reg("TEXTBEFORE", "text, ref, integer=1, integer=0, integer=0, any=-")
def TEXTBEFORE(s: str, d: Any, n: int, mm: int, me: int, not_found: Any = None) -> Any:
    dl = _delims(d)
    if mm not in (0, 1):  # TEXT!T44 and V44 of vinci1it2000+formulas/test.xlsx
        return ERR.VALUE
    if n == 0 or abs(n) > len(s) + 1 and len(s):
        return ERR.VALUE
    if any(x == "" for x in dl):
        return "" if n > 0 else s
    hit = _occurrence(s, dl, n, mm, bool(me))
    if hit is None:
        return ERR.NA if not_found is None else not_found
    return s[: hit[0]]


@reg("TEXTAFTER", "text, ref, integer=1, integer=0, integer=0, any=-")
def TEXTAFTER(s: str, d: Any, n: int, mm: int, me: int, not_found: Any = None) -> Any:
    dl = _delims(d)
    if mm not in (0, 1):  # TEXT!T44 and V44 of vinci1it2000+formulas/test.xlsx
        return ERR.VALUE
    if n == 0 or abs(n) > len(s) + 1 and len(s):
        return ERR.VALUE
    if any(x == "" for x in dl):
        return s if n > 0 else ""
    hit = _occurrence(s, dl, n, mm, bool(me))
    if hit is None:
        return ERR.NA if not_found is None else not_found
    return s[hit[1]:]


def _split(s: str, dl: list[str], ignore: bool, mm: int) -> list[str]:
    if not dl or all(x == "" for x in dl):
        return [s]
    pat = "|".join(re.escape(x) for x in sorted((x for x in dl if x), key=len, reverse=True))
    parts = re.split(pat, s, flags=re.IGNORECASE if mm else 0)
    return [p for p in parts if p] if ignore else parts


@reg("TEXTSPLIT", "text, ref, ref=-, bool=FALSE, integer=0, any=-", array=True)
def TEXTSPLIT(s: str, col_d: Any, row_d: Any = None, ignore: bool = False, mm: int = 0,
              pad: Any = None) -> Any:
    cd = _delims(col_d) if col_d is not None else []
    rd = _delims(row_d) if row_d is not None else []
    # empty text, or no delimiter that is not empty, is #VALUE! (TEXT!V47, W47 and AM47 of
    # vinci1it2000+formulas/test.xlsx: TEXTSPLIT(t,""), a blank delimiter, a blank text)
    if s == "" or not any(cd) and not any(rd):
        return ERR.VALUE
    cd = [d for d in cd if d]
    rows = _split(s, [d for d in rd if d], ignore, mm) if row_d is not None else [s]
    grid = [_split(r, cd, ignore, mm) for r in rows]
    w = max(len(r) for r in grid)
    fill = ERR.NA if pad is None else pad
    return [r + [fill] * (w - len(r)) for r in grid]


def _vtt(v: Any, strict: bool) -> str:
    if type(v) is str:
        return '"' + v.replace('"', '""') + '"' if strict else v
    if type(v) is ExcelError:
        return str(v)
    if v is None:
        return ""
    t = to_text(v)
    return t if type(t) is str else str(t)


@reg("VALUETOTEXT", "any, integer=0")
def VALUETOTEXT(v: Any, fmt: int) -> Any:
    if fmt not in (0, 1):
        return ERR.VALUE
    return _vtt(v, fmt == 1)


@reg("ARRAYTOTEXT", "ref, integer=0")
def ARRAYTOTEXT(a: Any, fmt: int) -> Any:
    if fmt not in (0, 1):
        return ERR.VALUE
    rows = as_rows(a) if _is_arr(a) else [[a]]
    if fmt == 0:
        return ", ".join(_vtt(v, False) for row in rows for v in row)
    return "{" + ";".join(",".join(_vtt(v, True) for v in row) for row in rows) + "}"


@reg("ASC", "DBCS", "JIS", "text", note="returns the text unchanged (no full-width conversion)")
def ASC(s: str) -> Any:
    return s


@reg("PHONETIC", "ref", note="the text itself (no furigana is read): of a reference, its "
     "first cell's text")
def PHONETIC(ref: Any) -> Any:
    v = to_scalar(ref) if type(ref) is Rng or type(ref) is list else ref
    if type(v) is ExcelError:
        return v
    return to_text(v)


def _regex(p: str, case: int) -> re.Pattern[str]:
    if case not in (0, 1):  # TEXT!T33 of vinci1it2000+formulas/test.xlsx: 2 is #VALUE!
        raise XErr(ERR.VALUE)
    try:
        return re.compile(p, re.IGNORECASE if case == 1 else 0)
    except re.error:
        raise XErr(ERR.VALUE) from None


@reg("REGEXTEST", "text, text, integer=0", note="Python's regular expressions, not PCRE2")
def REGEXTEST(s: str, p: str, case: int) -> Any:
    return _regex(p, case).search(s) is not None


@reg("REGEXEXTRACT", "text, text, integer=0, integer=0", array=True,
     note="Python's regular expressions, not PCRE2")
def REGEXEXTRACT(s: str, p: str, mode: int, case: int) -> Any:
    rx = _regex(p, case)
    if mode == 0:
        m = rx.search(s)
        return ERR.NA if m is None else m.group(0)
    if mode == 1:
        # every match, in a row (EXTRA!I2:P2 of vinci1it2000+formulas/test.xlsx)
        hits: list[Any] = [m.group(0) for m in rx.finditer(s)]
        return [hits] if hits else ERR.NA
    if mode == 2:
        # the capture groups of the first match, in a row; none in the pattern is #VALUE!
        # (EXTRA!K3), a group that took no part is #N/A (EXTRA!O3)
        if not rx.groups:
            return ERR.VALUE
        m = rx.search(s)
        if m is None:
            return ERR.NA
        return [[ERR.NA if g is None else g for g in m.groups()]]
    return ERR.VALUE


@reg("REGEXREPLACE", "text, text, text, integer=0, integer=0",
     note="Python's regular expressions, not PCRE2")
def REGEXREPLACE(s: str, p: str, rep: str, occ: int, case: int) -> Any:
    rx = _regex(p, case)
    py_rep = re.sub(r"\$(\d+)", r"\\\1", rep)
    if occ == 0:
        return rx.sub(py_rep, s)
    hits = list(rx.finditer(s))
    k = occ - 1 if occ > 0 else len(hits) + occ
    if not 0 <= k < len(hits):
        return s
    m = hits[k]
    return s[: m.start()] + m.expand(py_rep) + s[m.end():]


_TH_DIGITS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_TH_POWERS = ((100000, "แสน"), (10000, "หมื่น"), (1000, "พัน"), (100, "ร้อย"))


def _th_block(n: int) -> str:
    """Thai words of 1..999999: 10 is สิบ, 20 ยี่สิบ, a 1 after tens เอ็ด (as LibreOffice's
    BAHTTEXT, whose words match Excel's in the corpus)."""
    out = []
    for p, word in _TH_POWERS:
        if n >= p:
            out.append(_TH_DIGITS[n // p] + word)
            n %= p
    tens, ones = divmod(n, 10)
    if tens:
        out.append(("" if tens == 1 else "ยี่" if tens == 2 else _TH_DIGITS[tens]) + "สิบ")
    if tens and ones == 1:
        out.append("เอ็ด")
    elif ones:
        out.append(_TH_DIGITS[ones])
    return "".join(out)


def _th_number(n: int) -> str:
    """Thai words of a positive whole number, in blocks of a million (ล้าน)."""
    parts = []
    while n:
        n, block = divmod(n, 1000000)
        parts.append(_th_block(block) if block else "")
    return "ล้าน".join(reversed(parts))


@reg("BAHTTEXT", "number")
def BAHTTEXT(x: float) -> Any:
    """A number as Thai text with บาท (baht) and สตางค์ (satang), rounded to the satang:
    BAHTTEXT(65.8) is "หกสิบห้าบาทแปดสิบสตางค์" (TEXT!U6 of vinci1it2000+formulas/test.xlsx)."""
    cents = int(excel_round(abs(x), 2) * 100 + 0.5)
    baht, satang = divmod(cents, 100)
    if baht == 0 and satang == 0:
        return "ศูนย์บาทถ้วน"
    text = "ลบ" if x < 0 else ""
    if baht:
        text += _th_number(baht) + "บาท"
    return text + ("ถ้วน" if satang == 0 else _th_block(satang) + "สตางค์")

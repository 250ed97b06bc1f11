"""Excel number formats, as TEXT() applies them.

>>> fmt = lambda v, f: format_number(Ctx(False), v, f)
>>> fmt(1234567.891, "#,##0.00"), fmt(0.256, "0.0%"), fmt(-5, "0;(0)"), fmt(1500000, "#,##0,,\\"M\\"")
('1,234,567.89', '25.6%', '(5)', '2M')
>>> fmt(1.25, "# ?/?"), fmt(0.3333, "?/???"), fmt(12345.678, "0.00E+00"), fmt(45322.75, "yyyy-mm-dd hh:mm AM/PM")
('1 1/4', '1/3  ', '1.23E+04', '2024-01-31 06:00 PM')

Supported: up to four sections (positive; negative; zero; text) and ``[>=100]``-style
conditions, colours and locale tags (ignored; a ``[$€-x]`` currency symbol is kept),
``0 # ?`` placeholders, ``.``, digit grouping and ``,`` scaling, ``%``, ``E+``/``E-``
scientific, fractions (``# ?/?``, ``??/100``), quoted and ``\\``-escaped literals, ``_x``
(a space) and ``*x`` (dropped), ``@``, ``General``, and dates and times (``y m d h s``,
``AM/PM``, ``A/P``, ``[h]``/``[m]``/``[s]`` elapsed, fractional seconds).
"""

from __future__ import annotations

import functools
import math
import re

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.functions._registry import Ctx, XErr
from xlfuncs.recalc.values import excel_round, general_number, serial_ymd

__all__ = ["format_number", "format_text"]

ERR = ExcelError

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def _split_sections(fmt: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    i = 0
    n = len(fmt)
    while i < n:
        ch = fmt[i]
        if ch == '"':
            j = fmt.find('"', i + 1)
            j = n if j < 0 else j + 1
            cur.append(fmt[i:j])
            i = j
            continue
        if ch == "\\" and i + 1 < n:
            cur.append(fmt[i:i + 2])
            i += 2
            continue
        if ch == "[":
            j = fmt.find("]", i)
            j = n if j < 0 else j + 1
            cur.append(fmt[i:j])
            i = j
            continue
        if ch == ";":
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    out.append("".join(cur))
    return out


_COND = re.compile(r"^\[(<=|>=|<>|<|>|=)(-?\d+(?:\.\d*)?)\]")
_OPS = {
    "<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b, "=": lambda a, b: a == b, "<>": lambda a, b: a != b,
}


def _strip_quotes(sec: str) -> str:
    return re.sub(r'"[^"]*"|\\.', "", sec)


def _condition(sec: str) -> tuple[str, float] | None:
    m = _COND.match(sec)
    if m is None:
        return None
    return m.group(1), float(m.group(2))


def _pick(sections: list[str], v: float) -> tuple[str, float, bool]:
    """The section for ``v``, the value to show in it, and whether a minus sign is due."""
    nums = sections[:3]
    conds = [_condition(s) for s in nums]
    if any(c is not None for c in conds):
        for sec, c in zip(nums, conds):
            if c is not None and _OPS[c[0]](v, c[1]):
                return sec, abs(v) if v < 0 and c[1] <= 0 and c[0] in ("<", "<=") else v, False
        # no condition met: the first section without one (or the last)
        rest = [s for s, c in zip(nums, conds) if c is None]
        sec = rest[0] if rest else nums[-1]
        return sec, v if v >= 0 or not rest else abs(v), v < 0 and not rest
    if len(nums) == 1:
        return nums[0], v, v < 0
    if v < 0:
        return nums[1], -v, False
    if v == 0 and len(nums) >= 3:
        return nums[2], v, False
    return nums[0], v, False


# ------------------------------------------------------------------ tokens

_TOKEN = re.compile(
    r'"(?P<q>[^"]*)"?|\\(?P<esc>.)|_(?P<sp>.)|\*(?P<fill>.)|\[(?P<br>[^\]]*)\]'
    r"|(?P<ampm>AM/PM|am/pm|A/P|a/p)|(?P<gen>General)|(?P<exp>[Ee][+-])|(?P<ch>.)",
    re.DOTALL | re.IGNORECASE,
)


def _tokens(sec: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(sec):
        if m.group("q") is not None:
            out.append(("lit", m.group("q")))
        elif m.group("esc") is not None:
            out.append(("lit", m.group("esc")))
        elif m.group("sp") is not None:
            out.append(("lit", " "))
        elif m.group("fill") is not None:
            continue
        elif m.group("br") is not None:
            br = m.group("br")
            if br.startswith("$"):
                sym = br[1:].split("-")[0]
                if sym:
                    out.append(("lit", sym))
            elif re.fullmatch(r"[hH]+|[mM]+|[sS]+", br):
                out.append(("elapsed", br.lower()))
            # colours, conditions and locale tags show nothing
        elif m.group("ampm") is not None:
            out.append(("ampm", m.group("ampm")))
        elif m.group("gen") is not None:
            out.append(("general", ""))
        elif m.group("exp") is not None:
            out.append(("exp", m.group("exp")))
        else:
            out.append(("ch", m.group("ch")))
    return out


def _is_date(toks: list[tuple[str, str]]) -> bool:
    for k, t in toks:
        if k in ("ampm", "elapsed"):
            return True
        if k == "ch" and t.lower() in "ymdhse" and t not in ("e", "E"):
            return True
    return False


# ------------------------------------------------------------------ numbers


def _group(digits: str) -> str:
    if len(digits) <= 3:
        return digits
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return ",".join(parts)


def _pad(ph: str) -> str:
    return "0" if ph == "0" else " " if ph == "?" else ""


def _fmt_int(toks: list[tuple[str, str]], digits: str, grouping: bool) -> str:
    """The integer part: ``digits`` placed right-aligned on the placeholders of ``toks``
    (literals keep their place among them; with grouping, a comma goes before every third
    digit from the right)."""
    phs = [i for i, (k, t) in enumerate(toks) if k == "ph"]
    if not phs:
        return "".join(t for k, t in toks if k == "lit") + digits
    n = len(phs)
    # cells[j]: the j-th digit from the right, followed by its thousands comma
    cells = [ch + ("," if grouping and j and j % 3 == 0 else "")
             for j, ch in enumerate(reversed(digits))]
    assigned: dict[int, str] = {}
    rest = list(cells)
    for j, i in enumerate(reversed(phs)):
        if rest:
            assigned[i] = rest.pop(0)
        else:
            ph = toks[i][1]
            pad = _pad(ph)
            if grouping and ph == "0" and j and j % 3 == 0:
                pad += ","
            assigned[i] = pad
        if j == n - 1 and rest:
            assigned[i] = "".join(reversed(rest)) + assigned[i]
    return "".join(assigned[i] if k == "ph" else t for i, (k, t) in enumerate(toks)
                   if k != "comma")


def _fmt_dec(toks: list[tuple[str, str]], digits: str) -> str:
    phs = [t for k, t in toks if k == "ph"]
    # a zero with only zeros after it is dropped under #, blanked under ?
    chars = list(digits.ljust(len(phs), "0"))
    tail_zero = True
    for j in range(len(phs) - 1, -1, -1):
        tail_zero = tail_zero and chars[j] == "0"
        if tail_zero and phs[j] in "#?":
            chars[j] = " " if phs[j] == "?" else ""
    out = []
    j = 0
    for k, t in toks:
        if k == "ph":
            out.append(chars[j])
            j += 1
        elif k in ("lit", "dot"):
            out.append(t)
    return "".join(out)


def _classify(toks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Digit placeholders become ``ph`` tokens, ``.``/``,``/``%``/``/`` their own kinds;
    other characters are literals."""
    out: list[tuple[str, str]] = []
    for k, t in toks:
        if k != "ch":
            out.append((k, t))
        elif t in "0#?":
            out.append(("ph", t))
        elif t == ".":
            out.append(("dot", t))
        elif t == ",":
            out.append(("comma", t))
        elif t == "%":
            out.append(("pct", ""))
            out.append(("lit", "%"))
        elif t == "/":
            out.append(("slash", t))
        else:
            out.append(("lit", t))
    return out


def _number(toks: list[tuple[str, str]], v: float, neg: bool) -> str:
    toks = _classify(toks)
    if any(k == "general" for k, _ in toks):
        s = general_number(abs(v) if neg else v)
        body = "".join(s if k == "general" else t for k, t in toks if k in ("general", "lit"))
        return ("-" if neg and v != 0 else "") + body
    if not any(k == "ph" for k, _ in toks):
        body = "".join(t for k, t in toks if k == "lit")
        return ("-" if neg else "") + body
    pct = sum(1 for k, _ in toks if k == "pct")
    x = abs(v) * (100.0 ** pct)
    if any(k == "slash" for k, _ in toks):
        return ("-" if neg and x != 0 else "") + _fraction(toks, x)
    ei = next((i for i, (k, _) in enumerate(toks) if k == "exp"), None)
    if ei is not None:
        return ("-" if neg and x != 0 else "") + _scientific(toks, ei, x)
    di = next((i for i, (k, _) in enumerate(toks) if k == "dot"), len(toks))
    ipart, dpart = toks[:di], toks[di + 1:]
    # a comma after a literal ("## ,##") is shown as it is, as is one between decimal
    # placeholders ("# ,0"): EXTRA!A15:A22 of vinci1it2000+formulas/test.xlsx
    # so is a leading one (",#": TextNumbers!C38 of dgorissen+pycel/text.xlsx)
    ipart = [("lit", ",") if k == "comma" and (not i or ipart[i - 1][0] == "lit") else (k, t)
             for i, (k, t) in enumerate(ipart)]
    last_dph = max((i for i, (k, _) in enumerate(dpart) if k == "ph"), default=-1)
    dpart = [("lit", ",") if k == "comma" and i < last_dph and i and dpart[i - 1][0] == "lit"
             else ("drop", t) if k == "comma" and i < last_dph else (k, t)
             for i, (k, t) in enumerate(dpart)]
    # commas: between placeholders they group; after the last integer placeholder they scale
    last_ph = max((i for i, (k, _) in enumerate(ipart) if k == "ph"), default=-1)
    # (a comma followed by a literal groups nothing and is not shown: "0,x#" gives 89012x3,
    # TextNumbers!C34 of dgorissen+pycel/text.xlsx)
    grouping = any(k == "comma" and i < last_ph and ipart[i + 1][0] in ("ph", "comma")
                   for i, (k, _) in enumerate(ipart))
    scale = sum(1 for i, (k, _) in enumerate(ipart) if k == "comma" and i > last_ph)
    scale += sum(1 for k, _ in dpart if k == "comma")
    x /= 1000.0 ** scale
    ndec = sum(1 for k, _ in dpart if k == "ph")
    r = excel_round(x, ndec)
    s = f"{r:.{ndec}f}"
    ip, _, dp = s.partition(".")
    if ip == "0":
        ip = ""
    ipart_toks = [(k, t) for k, t in ipart if k != "comma"]
    out = _fmt_int(ipart_toks, ip, grouping)
    if di < len(toks):
        out += "." + _fmt_dec([(k, t) for k, t in dpart if k not in ("comma", "drop")], dp)
    return ("-" if neg else "") + out


def _scientific(toks: list[tuple[str, str]], ei: int, x: float) -> str:
    mant = toks[:ei]
    sign = toks[ei][1][1]
    exp_toks = toks[ei + 1:]
    di = next((i for i, (k, _) in enumerate(mant) if k == "dot"), len(mant))
    ipart, dpart = mant[:di], mant[di + 1:]
    nint = max(1, sum(1 for k, _ in ipart if k == "ph"))
    ndec = sum(1 for k, _ in dpart if k == "ph")
    if x == 0:
        e = 0
        m = 0.0
    else:
        e = math.floor(math.log10(x))
        if nint > 1:
            e = (e // nint) * nint
        m = x / 10.0 ** e
        m = excel_round(m, ndec)
        if m >= 10.0 ** (nint if nint > 1 else 1):
            e += nint if nint > 1 else 1
            m = excel_round(x / 10.0 ** e, ndec)
    s = f"{m:.{ndec}f}"
    ip, _, dp = s.partition(".")
    if ip == "0" and all(t != "0" for k, t in ipart if k == "ph"):
        ip = ""
    out = _fmt_int([t for t in ipart if t[0] != "comma"], ip, False)
    if di < len(mant):
        out += "." + _fmt_dec(dpart, dp)
    # the exponent's "0"s are its least digits; "#" adds none ("0.00E-##": 1.22E7,
    # EXTRA!A29 of vinci1it2000+formulas/test.xlsx)
    ndig = sum(1 for k, t in exp_toks if k == "ph" and t == "0")
    es = str(abs(e)).rjust(ndig, "0")
    out += toks[ei][1][0] + ("-" if e < 0 else "+" if sign == "+" else "") + es
    out += "".join(t for k, t in exp_toks if k == "lit")
    return out


def _best_fraction(x: float, max_den: int) -> tuple[int, int]:
    best = (round(x), 1)
    err = abs(x - best[0])
    for den in range(1, max_den + 1):
        num = round(x * den)
        e = abs(x - num / den)
        if e < err - 1e-12:
            best, err = (num, den), e
    return best


def _fraction(toks: list[tuple[str, str]], x: float) -> str:
    si = next(i for i, (k, _) in enumerate(toks) if k == "slash")
    before, after = toks[:si], toks[si + 1:]
    # numerator: the last run of placeholders before the slash; the whole part before it
    j = len(before)
    while j > 0 and before[j - 1][0] != "ph":
        j -= 1
    k = j
    while k > 0 and before[k - 1][0] == "ph":
        k -= 1
    num_toks = before[k:j]
    num_tail = before[j:]
    whole_toks = before[:k]
    has_whole = any(t[0] == "ph" for t in whole_toks)
    den_digits = "".join(t for kk, t in after if kk == "lit" and t.isdigit())
    den_phs = [t for kk, t in after if kk == "ph"]
    tail = "".join(t for kk, t in after if kk == "lit" and not t.isdigit())
    whole = math.floor(x) if has_whole else 0
    frac = x - whole
    if den_digits and not den_phs:
        den = int(den_digits)
        num = round(frac * den)
    else:
        num, den = _best_fraction(frac, 10 ** max(1, len(den_phs)) - 1)
    if num == den and has_whole:
        whole += 1
        num = 0
    wtxt = ""
    if has_whole:
        wtxt = _fmt_int([t for t in whole_toks if t[0] != "comma"], str(whole) if whole else "", False)
    lit_mid = "".join(t for kk, t in num_tail if kk == "lit")
    if num == 0 and has_whole:
        width = len(num_toks) + 1 + max(len(den_phs), len(den_digits))
        if not whole:
            wtxt = wtxt.strip() or "0"
        return wtxt + " " * (width + len(lit_mid))
    ntxt = str(num).rjust(len(num_toks), " ") if any(t == "?" for _, t in num_toks) else str(num)
    if den_phs:
        dtxt = str(den).ljust(len(den_phs), " ") if "?" in den_phs else str(den)
    else:
        dtxt = den_digits
    return wtxt + ntxt + lit_mid + "/" + dtxt + tail


# ------------------------------------------------------------------ dates


def _date(ctx: Ctx, toks: list[tuple[str, str]], v: float) -> str:
    elapsed_only = any(k == "elapsed" for k, _ in toks) and not any(
        k == "ch" and t.lower() in "yd" for k, t in toks)
    if elapsed_only and v < 0:
        # a lone [h], [m] or [s] shows a minus sign; with other parts it is #VALUE!
        # ("[h]:m" of -1: TextDates!C19 of dgorissen+pycel/text.xlsx)
        # (fractional seconds count as another part: "[s].000" of -1 is #VALUE!,
        # TextDates!C27)
        if sum(1 for k, t in toks if k == "elapsed" or (k == "ch" and t.lower() in "hms")) > 1 \
                or ("ch", ".") in toks:
            raise XErr(ERR.VALUE)
        return "-" + _date(ctx, toks, -v)
    if v < 0:
        raise XErr(ERR.VALUE)
    # fractional seconds shown: the places after "s."
    flat = [(k, t.lower() if k == "ch" else t) for k, t in toks]
    places = 0
    for i, (k, t) in enumerate(flat):
        if k == "ch" and t == "s":
            j = i + 1
            while j < len(flat) and flat[j] == ("ch", "s"):
                j += 1
            if j < len(flat) and flat[j] == ("ch", "."):
                p = j + 1
                while p < len(flat) and flat[p] == ("ch", "0"):
                    p += 1
                places = max(places, p - j - 1)
    total = round(v * 86400 * 10 ** places)  # in units of the shown precision
    unit = 10 ** places
    days, rem = divmod(total, 86400 * unit)
    secs, sub = divmod(rem, unit)
    hh, r2 = divmod(secs, 3600)
    mi, ss = divmod(r2, 60)
    res = serial_ymd(float(days), ctx.date1904)
    if res is None:
        if not elapsed_only:
            raise XErr(ERR.VALUE)
        res = (1900, 1, 1)
    y, mo, d = res
    wd = (int(days) + (1462 if ctx.date1904 else 0) + 6) % 7  # 0 = Sunday (serial 1 is a Sunday)
    twelve = any(k == "ampm" for k, _ in flat)
    # group runs of the same letter
    runs: list[tuple[str, str]] = []
    for k, t in flat:
        if k == "ch" and t in "ymdhs" and runs and runs[-1][0] == "run" and runs[-1][1][0] == t:
            runs[-1] = ("run", runs[-1][1] + t)
        elif k == "ch" and t in "ymdhs":
            runs.append(("run", t))
        else:
            runs.append((k, t))
    out: list[str] = []
    for i, (k, t) in enumerate(runs):
        if k == "run":
            c = t[0]
            n = len(t)
            if c == "m":
                # minutes after an hour or before a second, else month
                prev = next((rt for rk, rt in reversed(runs[:i]) if rk in ("run", "elapsed")), "")
                nxt = next((rt for rk, rt in runs[i + 1:] if rk in ("run", "elapsed")), "")
                # (m and mm only: "hmmm" is the hour and the month's name, EXTRA!A43)
                if n <= 2 and (prev.startswith("h") or nxt.startswith("s")):
                    out.append(f"{mi:02d}" if n >= 2 else str(mi))
                    continue
                if n == 1:
                    out.append(str(mo))
                elif n == 2:
                    out.append(f"{mo:02d}")
                elif n == 3:
                    out.append(_MONTHS[mo - 1][:3])
                elif n == 5:
                    out.append(_MONTHS[mo - 1][0])
                else:
                    out.append(_MONTHS[mo - 1])
            elif c == "y":
                out.append(f"{y % 100:02d}" if n <= 2 else f"{y:04d}")
            elif c == "d":
                if n == 1:
                    out.append(str(d))
                elif n == 2:
                    out.append(f"{d:02d}")
                elif n == 3:
                    out.append(_DAYS[wd][:3])
                else:
                    out.append(_DAYS[wd])
            elif c == "h":
                h = hh
                if twelve:
                    h = hh % 12 or 12
                out.append(f"{h:02d}" if n >= 2 else str(h))
            elif c == "s":
                out.append(f"{ss:02d}" if n >= 2 else str(ss))
                if places:
                    # the "." and zeros that follow are written here
                    out.append("." + str(sub).rjust(places, "0"))
        elif k == "ampm":
            am = hh < 12
            if t.upper() == "A/P":
                s = "A" if am else "P"
                out.append(s if t[0].isupper() else s.lower())
            else:
                out.append("AM" if am else "PM")
        elif k == "elapsed":
            c = t[0]
            if c == "h":
                out.append(str(int(days) * 24 + hh).rjust(len(t), "0"))
            elif c == "m":
                out.append(str((int(days) * 24 + hh) * 60 + mi).rjust(len(t), "0"))
            else:
                out.append(str(((int(days) * 24 + hh) * 60 + mi) * 60 + ss).rjust(len(t), "0"))
        elif k == "ch":
            out.append(t)
        elif k == "lit":
            out.append(t)
        elif k == "general":
            out.append(general_number(v))
    text = "".join(out)
    if places:  # drop the ".000" the format itself carried after the seconds
        text = re.sub(r"(\.\d{%d})\.0{%d}" % (places, places), r"\1", text)
    return text


def _check_quotes(fmt: str) -> None:
    """A quote left open makes the format invalid: #VALUE! (the format ``#"°F""`` of
    EXTRA!A4 of vinci1it2000+formulas/test.xlsx)."""
    if '"' in fmt and _open_quote(fmt):
        raise XErr(ERR.VALUE)


@functools.lru_cache(maxsize=256)
def _open_quote(fmt: str) -> bool:
    i, n = 0, len(fmt)
    while i < n:
        ch = fmt[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            j = fmt.find('"', i + 1)
            if j < 0:
                return True
            i = j + 1
            continue
        i += 1
    return False


def format_number(ctx: Ctx, v: float, fmt: str) -> str:
    """``v`` formatted with the Excel number format ``fmt``."""
    _check_quotes(fmt)
    if fmt == "":
        return "-" if v < 0 else ""
    sections = _split_sections(fmt)
    if len(sections) > 1:  # a number section holding @ does not count
        sections = [sections[0]] + [s for s in sections[1:3] if "@" not in _strip_quotes(s)]
    sec, x, neg = _pick(sections, v)
    toks = _tokens(sec)
    if any(k == "ch" and t == "@" for k, t in toks):
        if any(k == "ch" and t in "0#?" for k, t in toks):
            # @ among digit placeholders: #VALUE! (TextNumbers!C3 of dgorissen+pycel/text.xlsx)
            raise XErr(ERR.VALUE)
        return "".join(general_number(v) if (k == "ch" and t == "@") else t for k, t in toks)
    if _is_date(toks):
        if any(k == "ch" and t in "#?" for k, t in toks):
            # digit placeholders among date codes ('#,#"ZZ"#.0Y00'): #VALUE!
            # (TextNumbers!C4 of dgorissen+pycel/text.xlsx)
            raise XErr(ERR.VALUE)
        return _date(ctx, toks, x)
    return _number(toks, x, neg)


def format_text(text: str, fmt: str) -> str:
    """Text through a format: its 4th section (or a lone section with ``@``)."""
    _check_quotes(fmt)
    sections = _split_sections(fmt)
    if len(sections) >= 4 and any("@" in _strip_quotes(x) for x in sections[1:3]):
        # a number section holding @ before the text section: #VALUE! (TextDates!C9 of
        # dgorissen+pycel/text.xlsx: ';-  ##.0;"ZERO"@;"X"')
        raise XErr(ERR.VALUE)
    sec = sections[3] if len(sections) >= 4 else sections[0] if len(sections) == 1 else None
    if sec is None or "@" not in sec:
        return text
    toks = _tokens(sec)
    return "".join(text if (k == "ch" and t == "@") else t for k, t in toks
                   if k in ("ch", "lit"))

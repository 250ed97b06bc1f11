"""Text built-ins (xlfuncs.recalc.functions.text) against Excel's stored values.

Expected values are Excel's own: the cell of the golden corpus (``../shared/corpus/files``)
that holds it is named beside each case, or Microsoft's documented example.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.recalc._calc import calc
from xlfuncs.errors import ExcelError

E = ExcelError


@pytest.mark.parametrize("text, mac, want", [
    # vinci1it2000+formulas/test.xlsx (saved by Excel for Mac): TEXT!S7 =CHAR(157) "ù",
    # CORE!B159..B164 CHAR(128..133), CORE!E161 UNICODE(CHAR(130)) 199, CORE!B225 CHAR(194)
    ("CHAR(157)", True, "ù"),
    ("CHAR(128)", True, "Ä"),
    ("CHAR(129)", True, "Å"),
    ("CHAR(130)", True, "Ç"),
    ("CHAR(194)", True, "¬"),
    ("UNICODE(CHAR(130))", True, 199.0),
    ("UNICODE(CHAR(170))", True, 8482.0),  # CORE!E201: "™"
    ("CODE(CHAR(129))", True, 129.0),  # CORE!C160
    # Windows (cp1252): Microsoft's CHAR/CODE pages, CHAR(65) "A"; cp1252 0x80 is the euro
    ("CHAR(65)", False, "A"),
    ("CHAR(128)", False, "€"),
    ("CODE(\"€\")", False, 128.0),
    ("CHAR(0)", True, E.VALUE),
    ("CHAR(256)", False, E.VALUE),
])
def test_char_and_code_follow_the_workbooks_code_page(text: str, mac: bool, want: Any) -> None:
    assert calc(text, mac=mac) == want


@pytest.mark.parametrize("text, want", [
    ("BAHTTEXT(1234)", "หนึ่งพันสองร้อยสามสิบสี่บาทถ้วน"),  # Microsoft's BAHTTEXT example
    # vinci1it2000+formulas/test.xlsx TEXT!R6:AF6
    ("BAHTTEXT(0)", "ศูนย์บาทถ้วน"),  # R6
    ("BAHTTEXT(157)", "หนึ่งร้อยห้าสิบเจ็ดบาทถ้วน"),  # S6
    ("BAHTTEXT(65)", "หกสิบห้าบาทถ้วน"),  # T6
    ("BAHTTEXT(65.8)", "หกสิบห้าบาทแปดสิบสตางค์"),  # U6
    ("BAHTTEXT(-1)", "ลบหนึ่งบาทถ้วน"),  # V6
    ("BAHTTEXT(B1)", "ศูนย์บาทถ้วน"),  # W6: a blank cell
    ("BAHTTEXT(\"ciao\")", E.VALUE),  # X6
    ("BAHTTEXT(TRUE)", "หนึ่งบาทถ้วน"),  # Y6
    ("BAHTTEXT(#DIV/0!)", E.DIV0),  # AB6
])
def test_bahttext(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    # vinci1it2000+formulas/test.xlsx EXTRA!I2:P2: every match, spilled along a row
    ('COLUMNS(REGEXEXTRACT("a1 b22 c333","[0-9]+",1))', 3.0),
    ('INDEX(REGEXEXTRACT("a1 b22 c333","[0-9]+",1),1,3)', "333"),
    ('INDEX(REGEXEXTRACT("abc","([ac]+)",1),1,2)', "c"),  # EXTRA!L6
    ('REGEXEXTRACT("Sonia Rees    (378) 555-4197","[0-9()]+ [0-9-]+",2)', E.VALUE),  # K3
    ('INDEX(REGEXEXTRACT("1a2b3c","((\\d)[bc]+|(3c))",2),1,3)', E.NA),  # EXTRA!O3
    ('INDEX(REGEXEXTRACT("1a2b3c","((\\d)[bc]+|(3c))",2),1,2)', "2"),
])
def test_regexextract_return_modes(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    # vinci1it2000+formulas/test.xlsx EXTRA!A4:A43
    ('TEXT(1.23,"#""°F""""")', E.VALUE),  # A4: the format #"°F"" leaves a quote open
    ('TEXT(1234567890,"0,## ## ,##")', "1,234,56 7,8 ,90"),  # A15: a comma after a literal
    ('TEXT(1000000.555,"0 .  # ,0.00.0,00")', "1000000 .  5 ,5.50.000"),  # A16
    ('TEXT(12200000,"0.00E-##")', "1.22E7"),  # A29: "#" exponent digits are optional
    ('TEXT(0.000122,"0.00E+##")', "1.22E-4"),  # A32
    ('TEXT(130.33332,"hm hmm hmmm hmmmm")', "759 759 7May 7May"),  # A43: mmm is the month
    # dgorissen+pycel/text.xlsx TextDates and TextNumbers
    ('TEXT(-1,"[h]")', "-24"),  # TextDates!C18
    ('TEXT(-1,"[h]:m")', E.VALUE),  # C19
    ('TEXT("23:99","#.#####")', "1.02708"),  # C32: the last part may overflow
    ('TEXT("24:99","#.#####")', "24:99"),  # C33: not past hour 23
    ('TEXT("23:10000","#.#####")', "23:10000"),  # C35: nor past 9999
    ('TEXT("59:9999.0","#.#####")', ".1567"),  # C40
    ('TEXT("60:9999.012345","#.########")', "60:9999.012345"),  # C44
    ('TEXT("23:59.:0","#.###########")', "23:59.:0"),  # C46
    ('TEXT(0,"#,#""ZZ""#.0Y00")', E.VALUE),  # TextNumbers!C4: placeholders among date codes
])
def test_text_format_edge_cases(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    # Excel shows 15 significant digits: TEXT!R18 and EXTRA!N4, P4 of
    # vinci1it2000+formulas/test.xlsx
    ('FIXED("123456789076754345682.2121234567832131341",0)', "123,456,789,076,754,000,000"),
    ('FIXED("123456789076754345682.2121234567832131341","3",0)',
     "123,456,789,076,754,000,000.000"),
    ('FIXED("123456789076754345682.2121234567832131341","3",2)', "123456789076754000000.000"),
    ("FIXED(1234.567,1)", "1,234.6"),  # Microsoft's FIXED example
    ("FIXED(-1234.567,-1,TRUE)", "-1230"),  # Microsoft's FIXED example
])
def test_fixed_shows_fifteen_digits(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    # vinci1it2000+formulas/test.xlsx TEXT!R27:AC28
    ('NUMBERVALUE("(2.500,27)",",",".")', -2500.27),  # R27
    ('NUMBERVALUE("(2,500.27)",",",".")', E.VALUE),  # S27
    ('NUMBERVALUE("(2,500.27%)%",".",",.,")', -0.250027),  # U27
    ('NUMBERVALUE("(,25,,0,0.27E + 6%)%",".",",.,")', -250027.0),  # V27
    ('NUMBERVALUE("(-2500.27E+2%)%",".",",.,")', E.VALUE),  # R28
    ('NUMBERVALUE("250)027",")")', 250.027),  # U28
    ('NUMBERVALUE("(2500,27E+6%)%",",")', -250027.0),  # W28
    ('NUMBERVALUE("1",B1)', E.VALUE),  # AB28: an empty separator
    ('NUMBERVALUE("2.500,27",",",".")', 2500.27),  # Microsoft's NUMBERVALUE example
])
def test_numbervalue(text: str, want: Any) -> None:
    got = calc(text)
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-12)
    else:
        assert got == want


@pytest.mark.parametrize("text, want", [
    # CORE!U14:AB19 of vinci1it2000+formulas/test.xlsx: the instance TRUE is #VALUE!
    ('SUBSTITUTE("0, 1-1,ciao, TRUE",-1,"",TRUE)', E.VALUE),  # AB16
    ('SUBSTITUTE("0, 1.9,2.3,10",1,5,1.9)', "0, 5.9,2.3,10"),  # V15: truncated
    ('SUBSTITUTE("0, 1.9,2.3,10",2,5,0)', E.VALUE),  # W15
    ('SUBSTITUTE("0, 1.9,2.3,10",10,"x",200)', "0, 1.9,2.3,10"),  # Z15: no 200th
    ('SUBSTITUTE("aXbXc","X","-")', "a-b-c"),  # documented: every instance when left out
    ('SUBSTITUTE("aXbXc","X","-",B9)', E.VALUE),  # a blank instance is 0
])
def test_substitute_instance(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    # TEXT sheet of vinci1it2000+formulas/test.xlsx
    ('TEXTSPLIT("123434,43r23123-1,2.3","")', E.VALUE),  # V47: an empty delimiter
    ('TEXTSPLIT("123434,43r23123-1,2.3",B9)', E.VALUE),  # W47: a blank one
    ("TEXTSPLIT(B9,1)", E.VALUE),  # AM47: a blank text
    ('TEXTSPLIT("123434,43r23123-1,2.3",2.3)', "123434,43r23123-1,"),  # T47
    ('REGEXTEST("12","^\\d+$",2)', E.VALUE),  # T33: case sensitivity 2
    ('REGEXTEST("12","^\\d+$",1.9)', True),  # U33: truncated to 1
    ('TEXTAFTER("1,2,3,4,5,6,7,8",{"3","4"},2.3,10)', E.VALUE),  # T44: match mode 10
    ('TEXTAFTER("1,2,3,4,5,6,7,8",{"3","4"},1.9)', ",4,5,6,7,8"),  # S44
    ('TEXTAFTER("1,2,3,4,5,6,7,8",{"3","4"},10,B9)', E.NA),  # U44: no 10th
    ('TEXTBEFORE("a-b","-",1,2)', E.VALUE),  # the same rule (Microsoft: match_mode 0 or 1)
])
def test_textsplit_textafter_regex_arguments(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    # dgorissen+pycel/text.xlsx, Excel's stored values
    ('TEXT("X",";-  ##.0;""ZERO""@;""X""")', E.VALUE),  # TextDates!C9: @ in a number section
    ('TEXT(-1,"[s].000")', E.VALUE),  # TextDates!C27
    ('TEXT(B9,"#,#""ZZ""#.0""YY""00@")', E.VALUE),  # TextNumbers!C3: @ among placeholders
    ('TEXT(890123.456789,"0,x#.00.0")', "89012x3.45.7"),  # TextNumbers!C34
    ('TEXT(890123.456789,",#.00.0")', ",890123.45.7"),  # TextNumbers!C38
    ('TEXT(890123.456789,"#,0x#.00.0")', "890,12x3.45.7"),  # TextNumbers!C35
    ('TEXT(890123.456789,"#x,0,#.00.0")', "890,1x,23.45.7"),  # TextNumbers!C37
])
def test_text_format_edges(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    # the engine returns the text unchanged (Excel's JIS makes "Excel" full-width: a known
    # deviation, as for ASC/DBCS)
    ('JIS("Excel")', "Excel"),
    ("JIS(12)", "12"),
    ("JIS(1/0)", E.DIV0),
    # PHONETIC: the cell's text (no furigana is stored for it here)
    ("PHONETIC(B1)", "東京"),
    ("PHONETIC(B1:C1)", "東京"),  # a range: its first cell
    ("PHONETIC(B2)", ""),  # a blank cell
    ("PHONETIC(B3)", E.NA),  # an error in the cell
    ('PHONETIC("abc")', "abc"),
])
def test_jis_phonetic(text: str, want: Any) -> None:
    assert calc(text, values={(1, 2): "東京", (1, 3): "x", (3, 2): E.NA}) == want

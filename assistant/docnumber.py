"""The 文号 grammar, defined once: issuer abbreviation, year in any bracket, serial number
("嘉政办发〔2023〕32号", "嘉政办发[2023]32号", "嘉政办发（2023）32 号"), and the 规范性文件
registration code that may stand before it ("ZJFC01-2023-0009")."""

from __future__ import annotations

import re

# A 文号 as people write it, anywhere in a text.
DOC_NUMBER_IN_TEXT = re.compile(r"([\u4e00-\u9fff]{1,10})\s*[〔\[［【(（]\s*(\d{4})\s*[〕\]］】)）]\s*(\d{1,4})\s*号")
# A province's registration number of a normative document: letters and digits, year, serial.
REGISTRATION_CODE = re.compile(r"[A-Z]{2,}\d{0,4}-\d{4}-\d{3,5}")
# The document's own 文号: at a line start in its head, perhaps after its registration code.
_HEAD = re.compile(r"(?:^|\n)(?:" + REGISTRATION_CODE.pattern + r")?\s*" + DOC_NUMBER_IN_TEXT.pattern)


def normalise_doc_number(text: str) -> str | None:
    """The first 文号 in ``text`` in its standard form, '嘉政办发〔2023〕32号'; None if there is none."""
    match = DOC_NUMBER_IN_TEXT.search(text)
    if not match:
        return None
    return f"{match.group(1)}〔{match.group(2)}〕{match.group(3)}号"


def strip_doc_number(text: str) -> str:
    """The text without the 文号 it names: the number's digits are no search words."""
    return DOC_NUMBER_IN_TEXT.sub(" ", text)


def extract_doc_number(text: str) -> str | None:
    """The document's own 文号, from its first 600 characters."""
    match = _HEAD.search(text[:600])
    return f"{match.group(1)}〔{match.group(2)}〕{match.group(3)}号" if match else None


def same_document_number(cited: str, own: str) -> bool:
    """A 文号 as another text cites it ("原嘉政发〔2016〕1号") names the document whose own is ``own``."""
    a, b = normalise_doc_number(cited), normalise_doc_number(own)
    return bool(a and b and a.endswith(b))


# How people shorten a 文号 on the phone: "32号文", "2023年32号", "〔2023〕32号文件".
SHORT_REFERENCE = re.compile(
    r"(?:(\d{4})\s*年\s*|[〔\[［【(（]\s*(\d{4})\s*[〕\]］】)）]\s*)?第?(\d{1,4})\s*号(文件|文)?"
)


def short_reference(text: str) -> tuple[int | None, int, bool] | None:
    """(year or None, serial, said "文") of a shortened 文号, or None. A full 文号 is not short."""
    if DOC_NUMBER_IN_TEXT.search(text):
        return None
    match = SHORT_REFERENCE.search(text)
    if not match:
        return None
    year = match.group(1) or match.group(2)
    return (int(year) if year else None), int(match.group(3)), bool(match.group(4))


def serial_of(number: str) -> tuple[int, int] | None:
    """(year, serial) of a standard 文号."""
    match = DOC_NUMBER_IN_TEXT.search(number)
    return (int(match.group(2)), int(match.group(3))) if match else None

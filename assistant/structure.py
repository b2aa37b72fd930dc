"""Stage 3: clean text → clause tree and document metadata.

Clause markers and their rank (a smaller rank is higher in the tree):

    附件 0 · 第X章 1 · 一、 2 · 第X条 3 · （一） 4 · 1. 5 · （1） 6 · 一是 7 · ── 8

A marker at a line start always opens a clause. Scraped text often runs
clauses together on one line ("…（责任单位：市科技局）2.支持企业…"); a marker
inside a line opens a clause only after a sentence end and only when it is
the next number in its list, which keeps "1:1.5" or "(含)" from splitting.
Levels may skip (一、 straight to 1.): the tree follows the ranks it sees.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

from .models import Clause, DocumentMeta, PolicyDocument
from .numbers import CN_NUMERALS as CN_NUM
from .numbers import cn_to_int


@dataclass(frozen=True)
class MarkerKind:
    name: str
    rank: int
    pattern: str  # must define group "num"
    line_start_only: bool = False


MARKERS = [
    MarkerKind("annex", 0, r"附件\s*(?P<num>\d{0,2})(?=\s*\n|\s*$)", line_start_only=True),
    MarkerKind("chapter", 1, rf"第(?P<num>[{CN_NUM}]+)章"),
    MarkerKind("cn_dun", 2, rf"(?P<num>[{CN_NUM}]+)、"),
    MarkerKind("article", 3, rf"第(?P<num>[{CN_NUM}]+)条"),
    MarkerKind("cn_paren", 4, rf"（(?P<num>[{CN_NUM}]+)）"),
    MarkerKind("ar_dot", 5, r"(?P<num>\d{1,2})(?:[.．](?![\d％%])|、)"),
    MarkerKind("ar_paren", 6, r"（(?P<num>\d{1,2})）"),
    MarkerKind("cn_shi", 7, rf"(?P<num>[{CN_NUM}]{{1,2}})是(?=[\u4e00-\u9fff])"),
    MarkerKind("dash", 8, r"(?P<num>──|——)", line_start_only=True),
]
_MARKER_RE = re.compile("|".join(f"(?P<{m.name}>{m.pattern.replace('(?P<num>', f'(?P<{m.name}_num>')})" for m in MARKERS))
_KIND = {m.name: m for m in MARKERS}
_MID_LINE_AFTER = "。；）)”：:"


@dataclass
class _Marker:
    kind: MarkerKind
    number: int
    start: int


def find_markers(text: str) -> list[_Marker]:
    accepted: list[_Marker] = []
    stack: list[_Marker] = []
    last_number: dict[int, int] = {}
    for match in _MARKER_RE.finditer(text):
        kind = next(k for k in MARKERS if match.group(k.name) is not None)
        raw_num = match.group(f"{kind.name}_num")
        number = 0 if kind.name == "dash" else cn_to_int(raw_num) if raw_num else 1
        start = match.start()
        line_start = start == 0 or text[start - 1] == "\n" or text[:start].rstrip(" \t").endswith("\n")
        if kind.line_start_only and not line_start:
            continue
        previous = [m for m in stack if m.kind.rank == kind.rank]
        expected = {1, last_number.get(kind.rank, 0) + 1}  # lists may run on across parents
        if not line_start:
            before = text[:start].rstrip()
            if not before or before[-1] not in _MID_LINE_AFTER or number not in expected:
                continue
            if not previous and stack and stack[-1].kind.rank > kind.rank:
                continue  # a mid-line "1." cannot climb above a deeper open list
        elif kind.name in ("ar_dot", "cn_dun") and _looks_like_quantity(text, match.end()):
            continue
        marker = _Marker(kind=kind, number=number, start=start)
        while stack and stack[-1].kind.rank >= kind.rank:
            stack.pop()
        stack.append(marker)
        accepted.append(marker)
        last_number[kind.rank] = number
    return accepted


def label_kind(label: str) -> tuple[str, int] | None:
    """'（二）' → ('cn_paren', 2), '第三条' → ('article', 3): a clause label read with MARKERS."""
    match = _MARKER_RE.match(label)
    if not match:
        return None
    kind = next(k for k in MARKERS if match.group(k.name) is not None)
    raw = match.group(f"{kind.name}_num")
    if kind.name == "dash":
        return None
    return kind.name, cn_to_int(raw) if raw else 1


def _looks_like_quantity(text: str, end: int) -> bool:
    """'1、2、3号' or a line of figures is a list of numbers, not a clause."""
    return bool(re.match(r"\s*\d", text[end: end + 2]))


def _heading(body: str) -> str:
    first_line = body.split("\n", 1)[0].strip()
    sentence = re.split(r"[。；！？]", first_line, maxsplit=1)[0]
    if len(sentence) <= 40:
        return sentence
    return sentence[:24] + "…"


def build_clauses(text: str) -> list[Clause]:
    markers = find_markers(text)
    clauses: list[Clause] = []
    first = markers[0].start if markers else len(text)
    if text[:first].strip():
        clauses.append(
            Clause(clause_id="c0000", label="", heading="正文", text=text[:first].strip(), level=0,
                   parent_id=None, path=["正文"], start=0, end=first, responsible=[])
        )
    open_clauses: list[tuple[int, Clause]] = []  # (rank, clause)
    for k, marker in enumerate(markers):
        end = markers[k + 1].start if k + 1 < len(markers) else len(text)
        body = text[marker.start:end]
        stripped = body.rstrip()
        match = _MARKER_RE.match(stripped)
        label = match.group(0) if match else ""
        heading = _heading(stripped[len(label):])
        while open_clauses and open_clauses[-1][0] >= marker.kind.rank:
            open_clauses.pop()
        parent = open_clauses[-1][1] if open_clauses else None
        label_text = label.strip() + heading if marker.kind.name != "annex" else label.strip()
        path = (parent.path if parent else []) + [label_text]
        clause = Clause(
            clause_id=f"c{k + 1:04d}",
            label=label.strip(),
            heading=heading,
            text=stripped.strip(),
            level=len(path),
            parent_id=parent.clause_id if parent else None,
            path=path,
            start=marker.start,
            end=marker.start + len(stripped),
            responsible=extract_responsible(stripped),
        )
        clauses.append(clause)
        open_clauses.append((marker.kind.rank, clause))
    return clauses


def extract_responsible(text: str) -> list[str]:
    """（责任单位：市经信局、各县〔市、区〕政府。列第一位的为牵头单位）→ units."""
    units: list[str] = []
    for match in re.finditer(r"（责任单位[：:]([^（）]*)）", text):
        listing = re.split(r"[。]", match.group(1))[0]
        depth, current = 0, ""
        for ch in listing:
            if ch in "〔［[":
                depth += 1
            elif ch in "〕］]":
                depth -= 1
            if ch in "、，," and depth == 0:
                units.append(current.strip())
                current = ""
            else:
                current += ch
        units.append(current.strip())
    return list(dict.fromkeys(u for u in units if u))


# ---------------------------------------------------------------------------
# Metadata: title, 文号, issuer, dates, validity window.

_DATE = r"(\d{4})年(\d{1,2})月(\d{1,2})日"
_DOC_NUMBER = re.compile(r"(?:^|\n)[A-Z0-9\-]*\s*([\u4e00-\u9fff]{1,10})\s*[〔\[［【(（]\s*(\d{4})\s*[〕\]］】)）]\s*(\d{1,4})\s*号")
_DRAFT = re.compile(r"征求意见稿|草案|送审稿|讨论稿")


# A 文号 as people write it: issuer abbreviation, year in any bracket, serial number.
DOC_NUMBER_IN_TEXT = re.compile(r"([\u4e00-\u9fff]{1,10})\s*[〔\[［【(（]\s*(\d{4})\s*[〕\]］】)）]\s*(\d{1,4})\s*号")


def normalise_doc_number(text: str) -> str | None:
    """'嘉政办发[2023]32号', '嘉政办发（2023）32 号' → '嘉政办发〔2023〕32号'."""
    match = DOC_NUMBER_IN_TEXT.search(text)
    if not match:
        return None
    return f"{match.group(1)}〔{match.group(2)}〕{match.group(3)}号"


def strip_doc_number(text: str) -> str:
    """The text without the 文号 it names: the number's digits are no search words."""
    return DOC_NUMBER_IN_TEXT.sub(" ", text)


def _to_date(y: str | int, m: str | int, d: str | int) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years) - timedelta(days=1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def extract_doc_number(text: str) -> str | None:
    match = _DOC_NUMBER.search(text[:600])
    return f"{match.group(1)}〔{match.group(2)}〕{match.group(3)}号" if match else None


def extract_title(text: str) -> str:
    for line in text.split("\n")[:12]:
        candidate = line.strip()
        if len(candidate) < 6 or _DOC_NUMBER.match("\n" + candidate) and len(candidate) < 30:
            continue
        candidate = re.sub(r"^[A-Z0-9\-]+", "", candidate)
        return candidate[:120]
    return text.strip().split("\n", 1)[0][:120]


def extract_issuer_and_date(text: str, title: str) -> tuple[str | None, date | None]:
    match = re.search(
        r"([\u4e00-\u9fff（）]{2,40}?(?:人民政府办公室|人民政府|办公厅|委员会|办公室|领导小组|局))\s*\n?\s*" + _DATE, text
    )
    issuer, issued = None, None
    if match:
        issuer = match.group(1)
        issued = _to_date(match.group(2), match.group(3), match.group(4))
    from_title = re.match(r"^(.{2,20}?(?:人民政府办公室|人民政府|办公厅))关于", title)
    if from_title:
        issuer = from_title.group(1)
    return issuer, issued


def extract_validity(text: str, title: str, issued: date | None) -> tuple[date | None, date | None, str | None]:
    """Read the validity window from 有效期/执行期/自…起施行 sentences, then from the title."""
    sentence_of = lambda m: _sentence_around(text, m.start())  # noqa: E731
    m = re.search(r"(?:执行期|有效期|实施期|试行期|施行期)限?[:：]?\s*(?:为|是|自|从)?" + _DATE + r"\s*(?:起)?\s*(?:至|到|—|－|-|~|～)\s*" + _DATE, text)
    if m:
        return _to_date(*m.group(1, 2, 3)), _to_date(*m.group(4, 5, 6)), sentence_of(m)
    m = re.search(r"自(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日起(?:施行|执行|实施|生效)", text)
    start = None
    if m:
        year = m.group(1) or (issued.year if issued else None)
        start = _to_date(year, m.group(2), m.group(3)) if year else None
    else:
        m = re.search(r"自(?:印发|发布|公布)之日起(?:施行|执行|实施|生效)", text)
        if m:
            start = issued
    if m and start:
        tail = text[m.end(): m.end() + 40]
        until = re.search(r"(?:有效期|执行期|试行期|实施期)?(?:限)?(?:至|到)" + _DATE, tail)
        if until:  # "自2024年3月1日起施行，有效期至2027年12月31日"
            return start, _to_date(*until.group(1, 2, 3)), sentence_of(m)
        span = re.search(r"[（(](\d{4})\s*[—－\-~～至到]\s*(\d{4})年?[）)]", tail)
        years = re.search(r"有效期(?:为|是)?([一二两三四五六七八九十\d]+)年", tail)
        if span:
            return start, date(int(span.group(2)), 12, 31), sentence_of(m)
        if years:
            return start, _add_years(start, cn_to_int(years.group(1))), sentence_of(m)
        return start, None, sentence_of(m)
    m = re.search(r"(?:有效期|执行期|试行期|实施期)限?(?:为|是)?(?:至|到)" + _DATE, text)
    if m:  # "有效期至2027年12月31日" with no start: from the day it was issued
        return issued, _to_date(*m.group(1, 2, 3)), sentence_of(m)
    m = re.search(r"(?:规划期限?|执行期|实施期|有效期)[:：]?(?:为|是)?(\d{4})\s*[—─－\-~～至到]\s*(\d{4})年", text)
    if m:
        return date(int(m.group(1)), 1, 1), date(int(m.group(2)), 12, 31), sentence_of(m)
    m = re.search(r"[（(](\d{4})\s*[—─－\-~～]\s*(\d{4})年?[）)]", title)
    if m:
        start = issued or date(int(m.group(1)), 1, 1)
        return start, date(int(m.group(2)), 12, 31), f"标题所载期限：{m.group(0)}"
    m = re.search(r"(\d{4})年度|下达(\d{4})年", title)
    if m:
        year = int(m.group(1) or m.group(2))
        return issued or date(year, 1, 1), date(year, 12, 31), f"标题所载年度：{year}年"
    return None, None, None


def _sentence_around(text: str, pos: int) -> str:
    start = max(text.rfind("。", 0, pos), text.rfind("\n", 0, pos)) + 1
    end_candidates = [i for i in (text.find("。", pos), text.find("\n", pos)) if i != -1]
    end = min(end_candidates) + 1 if end_candidates else len(text)
    return text[start:end].strip()


def extract_meta(text: str, doc_id: str, source_file: str, title: str | None = None) -> DocumentMeta:
    title = title or extract_title(text)
    head = text[:400]
    issuer, issued = extract_issuer_and_date(text, title)
    valid_from, valid_to, note = extract_validity(text, title, issued)
    return DocumentMeta(
        doc_id=doc_id,
        title=title,
        doc_number=extract_doc_number(text),
        issuer=issuer,
        issued=issued,
        valid_from=valid_from,
        valid_to=valid_to,
        draft=bool(_DRAFT.search(head) or _DRAFT.search(title)),
        source_file=source_file,
        validity_note=note,
    )


def build_document(text: str, meta: DocumentMeta) -> PolicyDocument:
    clauses = build_clauses(text)
    digest = hashlib.sha256(
        (text + json.dumps(meta.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)).encode()
    ).hexdigest()
    return PolicyDocument(meta=meta, text=text, clauses=clauses, content_hash=digest)

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
from datetime import date

from .docnumber import REGISTRATION_CODE, extract_doc_number
from .models import Clause, DocumentMeta, PolicyDocument
from .numbers import CN_NUMERALS as CN_NUM
from .numbers import cn_to_int
from .supersede import read_repeals
from .validity import DATE, read_validity, to_date


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


def _heading(body: str, kind: MarkerKind) -> str:
    """The clause's own short title ("支持政策", "加大对企业认定支持"), or "" when the marker runs
    straight into its text: a label carries no sentence. Articles (第X条) have a title only
    on a line of their own ("第一章 总则" style); statutes' articles have none."""
    first_line = body.split("\n", 1)[0].strip()
    if kind.name == "article":
        return first_line if len(first_line) <= 16 and not re.search(r"[，。；：！？、]", first_line) else ""
    sentence = re.split(r"[。；！？]", first_line, maxsplit=1)[0]
    return sentence if len(sentence) <= 40 else ""


def _opening(body: str) -> str:
    """A clause's first sentence, shortened: what it is about."""
    line = next((line.strip() for line in body.split("\n") if line.strip()), "")  # "附件1\n\n表题": the table's title
    sentence = re.split(r"[。；！？]", line, maxsplit=1)[0]
    return sentence if len(sentence) <= 40 else sentence[:24] + "…"


def build_clauses(text: str) -> list[Clause]:
    markers = find_markers(text)
    clauses: list[Clause] = []
    first = markers[0].start if markers else len(text)
    if text[:first].strip():
        clauses.append(
            Clause(clause_id="c0000", label="", heading="正文", text=text[:first].strip(), level=0,
                   parent_id=None, path=["正文"], start=0, end=first, responsible=[], search_path=["正文"])
        )
    open_clauses: list[tuple[int, Clause]] = []  # (rank, clause)
    for k, marker in enumerate(markers):
        end = markers[k + 1].start if k + 1 < len(markers) else len(text)
        body = text[marker.start:end]
        stripped = body.rstrip()
        match = _MARKER_RE.match(stripped)
        label = match.group(0) if match else ""
        heading = _heading(stripped[len(label):], marker.kind)
        while open_clauses and open_clauses[-1][0] >= marker.kind.rank:
            open_clauses.pop()
        parent = open_clauses[-1][1] if open_clauses else None
        label_text = label.strip() + heading if marker.kind.name != "annex" else label.strip()
        path = (parent.path if parent else []) + [label_text]
        # What retrieval reads as the clause's name: its label with its opening words, even where
        # the label shown is the label alone (an article's opening sentence states its subject;
        # measured in evals/README.md, "Third session").
        opening = heading or _opening(stripped[len(label):])
        search_label = label.strip() + opening  # an annex too: "附件1" alone names no table or list
        search_path = (parent.search_path if parent else []) + [search_label]
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
            search_path=search_path,
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

_DRAFT = re.compile(r"征求意见稿|草案|送审稿|讨论稿")


def extract_title(text: str) -> str:
    for line in text.split("\n")[:12]:
        candidate = line.strip()
        if len(candidate) < 6 or extract_doc_number(candidate) and len(candidate) < 30:
            continue
        candidate = REGISTRATION_CODE.sub("", candidate, count=1) if REGISTRATION_CODE.match(candidate) else candidate
        return candidate[:120]
    return text.strip().split("\n", 1)[0][:120]


def extract_issuer_and_date(text: str, title: str) -> tuple[str | None, date | None]:
    match = re.search(
        r"([\u4e00-\u9fff（）]{2,40}?(?:人民政府办公室|人民政府|办公厅|委员会|办公室|领导小组|局))\s*\n?\s*" + DATE, text
    )
    issuer, issued = None, None
    if match:
        issuer = match.group(1)
        issued = to_date(match.group(2), match.group(3), match.group(4))
    from_title = re.match(r"^(.{2,20}?(?:人民政府办公室|人民政府|办公厅))关于", title)
    if from_title:
        issuer = from_title.group(1)
    return issuer, issued


def extract_validity(text: str, title: str, issued: date | None) -> tuple[date | None, date | None, str | None]:
    """The validity window (start, end, the sentence it was read from); see ``validity.read_validity``."""
    found = read_validity(text, title, issued)
    return found.valid_from, found.valid_to, found.sentence


def _sentence_around(text: str, pos: int) -> str:
    start = max(text.rfind("。", 0, pos), text.rfind("\n", 0, pos)) + 1
    end_candidates = [i for i in (text.find("。", pos), text.find("\n", pos)) if i != -1]
    end = min(end_candidates) + 1 if end_candidates else len(text)
    return text[start:end].strip()


def extract_meta(text: str, doc_id: str, source_file: str, title: str | None = None) -> DocumentMeta:
    title = title or extract_title(text)
    head = text[:400]
    issuer, issued = extract_issuer_and_date(text, title)
    validity = read_validity(text, title, issued)
    return DocumentMeta(
        doc_id=doc_id,
        title=title,
        doc_number=extract_doc_number(text),
        issuer=issuer,
        issued=issued,
        valid_from=validity.valid_from,
        valid_to=validity.valid_to,
        draft=bool(_DRAFT.search(head) or _DRAFT.search(title)),
        source_file=source_file,
        validity_note=validity.sentence,
        ends_on=validity.ends_on,
        trial=validity.trial,
        repeals=read_repeals(text),
    )


def build_document(text: str, meta: DocumentMeta) -> PolicyDocument:
    clauses = build_clauses(text)
    digest = hashlib.sha256(
        (text + json.dumps(meta.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)).encode()
    ).hexdigest()
    return PolicyDocument(meta=meta, text=text, clauses=clauses, content_hash=digest)

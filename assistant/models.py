"""Types that cross stage boundaries.

documents → clean text → clause tree → chunks → index → retrieval → answer.
Each arrow passes one of these types, never a loose dict.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from .calculate import Calculation

Status = Literal["current", "expired", "superseded", "draft", "not_yet_effective", "unknown"]

STATUS_LABELS: dict[str, str] = {
    "current": "现行有效",
    "expired": "已到期",
    "superseded": "已被替代",
    "draft": "征求意见稿",
    "not_yet_effective": "尚未生效",
    "unknown": "有效期未载明",
}


class PolicyError(Exception):
    """An error a person can read: one line, no traceback, names what to fix."""


class DocumentMeta(BaseModel):
    """What we know about one policy. Extracted from the text, overridable by a
    hand-checked file in ``corpus/meta/<doc_id>.yaml`` (unknown keys are rejected)."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str
    title: str
    doc_number: str | None = None  # 文号, e.g. 嘉政办发〔2023〕32号
    issuer: str | None = None
    issued: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    draft: bool = False
    source_file: str = ""
    origin: str | None = None  # where the file came from (a seed, a download page)
    validity_note: str | None = None  # the sentence the window was read from
    ends_on: str | None = None  # an end with no date ("有效期至疫情解除"): the issuer says when
    trial: bool = False  # 试行 / 暂行
    ocr_pages: list[int] = []  # pages whose text was recognised from a scan: quote them with care
    repeals: list[str] = []  # what this text says it repeals: "《标题》（文号）" as written
    # Set when an index is built, from the other documents' ``repeals`` (supersede.link):
    superseded_by: str | None = None  # doc_id of the document that repealed this one
    superseded_by_title: str | None = None
    superseded_on: date | None = None  # the day that document took effect
    supersedes: list[str] = []  # doc_ids this one repealed
    supersedes_titles: list[str] = []

    @property
    def short_title(self) -> str:
        """The policy a 印发 notice carries ("嘉兴市专精特新中小企业培育三年行动计划（2023—2025年）"),
        else the title: what people call the document."""
        carried = re.search(r"关于(?:印发|转发)《?(.+?)》?的通知$", self.title)
        return carried.group(1) if carried else self.title

    def status(self, as_of: date) -> Status:
        if self.draft:
            return "draft"
        if self.superseded_by and (self.superseded_on is None or as_of >= self.superseded_on):
            return "superseded"
        if self.valid_from and as_of < self.valid_from:
            return "not_yet_effective"
        if self.valid_to and as_of > self.valid_to:
            return "expired"
        if self.valid_from or self.valid_to:
            return "current"
        return "unknown"

    def validity_sentence(self, as_of: date) -> str:
        """The document's validity in words, as a hotline worker would say it."""
        status = self.status(as_of)
        if status == "draft":
            return "该文件为征求意见稿，非正式文件，内容以正式印发版本为准。"
        if status == "superseded":
            since = f"自{_cn_date(self.superseded_on)}起" if self.superseded_on else ""
            return f"该政策已被《{self.superseded_by_title}》替代{since}，请以新政策为准。"
        replaced = "".join(f"本政策替代了《{t}》。" for t in self.supersedes_titles)
        return self._window_sentence(status, as_of) + replaced

    def _window_sentence(self, status: Status, as_of: date) -> str:
        end = _cn_date(self.valid_to) if self.valid_to else None
        start = _cn_date(self.valid_from) if self.valid_from else None
        if status == "expired":
            return f"该政策执行期至{end}，截至{_cn_date(as_of)}已到期。"
        if status == "not_yet_effective":
            return f"该政策自{start}起施行，截至{_cn_date(as_of)}尚未生效。"
        trial = "（试行）" if self.trial else ""
        if status == "current":
            if end:
                return f"该政策{trial}执行期至{end}，截至{_cn_date(as_of)}现行有效。"
            if self.ends_on:
                return f"该政策{trial}自{start}起施行，{self.ends_on}，未载明具体截止日期，请向发文机关确认是否仍在执行。"
            return f"该政策{trial}自{start}起施行，未载明截止日期。"
        return "该文件未载明有效期，请以发文机关最新公告为准。"


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass
class Clause:
    """One node of a document's clause tree (一、/（一）/1./（1）/第X条/附件)."""

    clause_id: str  # stable within the document, e.g. "c0012"
    label: str  # the marker as written: "四、", "（二）", "第三条", "附件1"
    heading: str  # the short title after the marker, may be empty
    text: str  # verbatim, including the marker and heading
    level: int  # 0 = preamble, 1 = 一、 …
    parent_id: str | None
    path: list[str]  # headings from the root: ["四、支持政策", "（一）加大对企业认定支持"]
    start: int  # offsets in the cleaned document text
    end: int
    responsible: list[str] = field(default_factory=list)  # 责任单位
    search_path: list[str] = field(default_factory=list)  # path with each clause's opening words, for retrieval

    @property
    def section(self) -> str:
        return " / ".join(self.path)


@dataclass
class PolicyDocument:
    meta: DocumentMeta
    text: str  # cleaned text; clause offsets point into it
    clauses: list[Clause]
    content_hash: str  # of the cleaned text + metadata: unchanged means no re-embedding
    # Pages recognised from a scan, cleaned like the text: which quotes came from OCR.
    ocr_text: dict[int, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        data = {
            "meta": self.meta.model_dump(mode="json"),
            "text": self.text,
            "clauses": [asdict(c) for c in self.clauses],
            "content_hash": self.content_hash,
        }
        if self.ocr_text:
            data["ocr_text"] = {str(page): text for page, text in self.ocr_text.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> PolicyDocument:
        return cls(
            meta=DocumentMeta.model_validate(data["meta"]),
            text=data["text"],
            clauses=[Clause(**c) for c in data["clauses"]],
            content_hash=data["content_hash"],
            ocr_text={int(page): text for page, text in data.get("ocr_text", {}).items()},
        )


@dataclass
class KnownTitle:
    """A policy listed in a compilation's table of contents whose text we do not have."""

    title: str
    source_file: str
    toc_index: int


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    clause_id: str
    section: str
    text: str  # verbatim clause text shown to people
    embed_text: str  # title + clause path + text: what the retrievers see
    start: int
    end: int
    responsible: list[str] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)  # scanned pages this text was recognised from


@dataclass
class Citation:
    n: int
    doc_id: str
    doc_title: str
    doc_number: str | None
    section: str
    text: str
    status: Status
    valid_from: str | None
    valid_to: str | None
    score: float
    chunk_id: str = ""
    responsible: list[str] = field(default_factory=list)
    superseded_by: str | None = None  # doc_id of the policy that replaced this one (status superseded)
    supersedes: list[str] = field(default_factory=list)  # doc_ids of the policies this one replaced
    ocr_pages: list[int] = field(default_factory=list)  # recognised from these pages of a scan: check the original

    def to_json(self) -> dict:
        return asdict(self)


Outcome = Literal["answer", "hedged", "abstained", "chatter"]


@dataclass
class Answer:
    """``outcome``: a confident answer, a hedged one (the nearest clauses, to be checked),
    an abstention (no clause answers), or a reply to small talk."""

    id: str | None
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    calculation: Calculation | None = None
    latency_ms: float = 0.0
    confidence: float = 0.0  # probability that citations[0] answers the question; 0 when abstained
    outcome: Outcome = "answer"

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 3),
            "outcome": self.outcome,
            "citations": [c.to_json() for c in self.citations],
            "calculation": self.calculation.to_json() if self.calculation else None,
            "latency_ms": round(self.latency_ms, 1),
        }

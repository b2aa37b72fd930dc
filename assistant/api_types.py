"""The JSON shapes of CONTRACTS.md as types, for the page's API endpoints and their callers.

Gradio reads these to publish each endpoint's schema (``client.view_api()``), so a caller
sees field names and types rather than ``Any``. They describe what ``Answer.to_json``,
``Citation.to_json`` and ``calculate`` already return; nothing here computes anything.
"""

from typing import Literal, TypedDict

StatusName = Literal["current", "expired", "superseded", "draft", "not_yet_effective", "unknown"]


class CitationJSON(TypedDict):
    n: int
    doc_id: str
    doc_title: str
    doc_number: str | None
    section: str
    text: str
    status: StatusName
    valid_from: str | None
    valid_to: str | None
    score: float
    chunk_id: str
    responsible: list[str]
    superseded_by: str | None
    supersedes: list[str]


class CalcCitationJSON(TypedDict):
    doc_id: str
    doc_title: str
    doc_number: str | None
    section: str
    text: str


class CalcItemJSON(TypedDict):
    rule_id: str
    benefit: str
    doc_number: str | None
    section: str
    status: Literal["eligible", "ineligible", "needs_info", "expired", "excluded"]
    amount_yuan: int | None
    cap_yuan: int | None
    reasons: list[str]
    missing_facts: list[str]
    trace: list[str]
    citation: CalcCitationJSON


class CalculationJSON(TypedDict, total=False):
    as_of: str
    items: list[CalcItemJSON]
    total_yuan: int
    notes: list[str]
    error: str  # only this, when the facts could not be read


class AskJSON(TypedDict):
    id: str | None
    question: str
    answer: str
    abstained: bool
    confidence: float
    outcome: Literal["answer", "hedged", "abstained", "chatter"]
    citations: list[CitationJSON]
    calculation: CalculationJSON | None
    latency_ms: float

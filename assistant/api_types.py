"""The JSON shapes of CONTRACTS.md as types, for the page's API endpoints and their callers.

Gradio reads these to publish each endpoint's schema (``client.view_api()``), so a caller
sees field names and types rather than ``Any``. They describe what ``Answer.to_json``,
``Citation.to_json`` and ``calculate`` already return (tests/test_tools.py holds them equal);
nothing here computes anything.
"""

from typing import Any, Literal, NotRequired, TypedDict

from .models import Outcome, Status


class CitationJSON(TypedDict):
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
    chunk_id: str
    responsible: list[str]
    superseded_by: str | None
    supersedes: list[str]
    ocr_pages: list[int]  # recognised from these pages of a scan: check the original


class CalcCitationJSON(TypedDict):
    doc_id: str
    doc_title: str
    doc_number: str | None
    section: str
    text: str
    clause_id: str  # the clause the rule is bound to at ingest


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
    policy_status: Status  # the document's status on the day asked: current, expired, superseded…
    terms: str  # what the clause pays, in words from the rule's parameters ("按…的20%，最高300万元")
    provincial_yuan: NotRequired[int]  # a matching award: the provincial part, paid by the province
    amount_is_minimum: NotRequired[bool]  # a floor ("不低于省级财政的标准"): the local payer sets the rest
    interpretation: NotRequired[str]  # how the engine reads words the clause leaves open


class CalculationJSON(TypedDict, total=False):
    as_of: str
    items: list[CalcItemJSON]
    total_yuan: int
    notes: list[str]
    error: str  # only this, when the facts could not be read
    if_confirmed: dict[str, Any]  # rule id → the amount if the yes/no and exclusion facts it waits on go its way
    summary: str
    facts_read: dict[str, Any]  # when the calculation answers a question (ask / answer)


class AskJSON(TypedDict):
    id: str | None
    question: str
    answer: str
    abstained: bool
    confidence: float
    outcome: Outcome
    citations: list[CitationJSON]
    calculation: CalculationJSON | None
    latency_ms: float

"""The named endpoints of CONTRACTS.md for gradio_client, typed (their schemas appear in
``client.view_api()``): /ask, /lookup, /calculate (facts, as_of), /answer (question, as_of, history)."""

import json

import gradio as gr

from ..api_types import AskJSON, CalculationJSON, CitationJSON
from ..models import PolicyError
from .common import Page, parse_date


def register(page: Page) -> None:
    """Inside a gr.Blocks context. No `from __future__ import annotations` in this module:
    Gradio reads the annotations as objects to publish each endpoint's schema."""
    assistant = page.assistant

    def ask(question: str) -> tuple[str, list[CitationJSON]]:
        """question → [answer markdown, citations]"""
        try:
            answer = assistant.ask(question)
        except PolicyError as exc:
            return f"⚠️ {exc}", []
        return answer.answer, [c.to_json() for c in answer.citations]  # type: ignore[misc]

    def lookup(query: str) -> list[CitationJSON]:
        """query → clauses: exact matches first, then related ones (never padded)"""
        try:
            return [c.to_json() for c in assistant.lookup(query)]  # type: ignore[misc]
        except PolicyError as exc:  # the caller sees the reason (e.g. the length limit), not "error"
            raise gr.Error(str(exc)) from None

    def calculate(facts_json: str, as_of: str = "") -> CalculationJSON:
        """facts (JSON string), as_of (YYYY-MM-DD, "" = today) → calculation"""
        try:
            facts = json.loads(facts_json) if isinstance(facts_json, str) else facts_json
            return assistant.calculate(facts, parse_date(as_of)).to_json()  # type: ignore[return-value]
        except json.JSONDecodeError:
            return {"error": "企业情况应是合法的 JSON"}
        except PolicyError as exc:
            return {"error": str(exc)}

    def answer(question: str, as_of: str = "", history: list[str] | None = None) -> AskJSON:
        """question, as_of (YYYY-MM-DD, "" = today), history (earlier questions, oldest first) →
        the whole ask JSON of CONTRACTS.md (answer, abstained, confidence, citations, calculation…)"""
        try:
            earlier = [str(h) for h in (history or []) if str(h).strip()]
            return assistant.ask(question, as_of=parse_date(as_of), history=earlier or None).to_json()  # type: ignore[return-value]
        except PolicyError as exc:  # the caller sees the reason (empty, too long, a bad date)
            raise gr.Error(str(exc)) from None

    gr.api(ask, api_name="ask")
    gr.api(lookup, api_name="lookup")
    gr.api(calculate, api_name="calculate")
    gr.api(answer, api_name="answer")

"""LangChain over the core: a ``BaseRetriever`` on the index and a runnable chain
(retrieve → compose) that any LangChain application can call, offline.

Both run the same two stages as ``PolicyAssistant.ask`` (``gather`` then ``respond``), so a
LangChain app gets the same clauses, confidence, abstentions and calculations as the page,
the CLI and the evaluator. No language model is involved: answers are composed from the
clauses' own sentences.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ConfigDict

from .answer import to_citation
from .service import Gathered, PolicyAssistant


class PolicyRetriever(BaseRetriever):
    """Clauses for a question: ``page_content`` is the clause verbatim, ``metadata`` its citation
    (title, 文号, section, status on ``as_of``, validity, score) plus the answer ``confidence``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: PolicyAssistant
    k: int = 5
    as_of: date | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        gathered = self.assistant.gather(query, self.as_of)
        evidence = gathered.evidence
        return [
            Document(
                page_content=hit.chunk.text,
                metadata={**to_citation(n, hit, evidence.as_of).to_json(), "confidence": round(evidence.confidence, 3)},
            )
            for n, hit in enumerate(evidence.hits[: self.k], 1)
        ]


def _request(value: str | dict[str, Any]) -> dict[str, Any]:
    """A question, or {"question", "as_of" (date or YYYY-MM-DD), "history" (earlier questions)}."""
    if isinstance(value, str):
        return {"question": value}
    as_of = value.get("as_of")
    return {
        "question": value.get("question", ""),
        "as_of": date.fromisoformat(as_of) if isinstance(as_of, str) and as_of else as_of or None,
        "history": list(value.get("history") or []) or None,
    }


def answer_chain(assistant: PolicyAssistant) -> Runnable[str | dict[str, Any], dict[str, Any]]:
    """retrieve → compose, as a LangChain runnable; ``invoke`` returns the ask JSON of CONTRACTS.md."""

    def retrieve(request: dict[str, Any]) -> Gathered:
        return assistant.gather(request["question"], request.get("as_of"), request.get("history"))

    def compose(gathered: Gathered) -> dict[str, Any]:
        return assistant.respond(gathered).to_json()

    return (
        RunnableLambda(_request, name="read_request")
        | RunnableLambda(retrieve, name="retrieve_clauses")
        | RunnableLambda(compose, name="compose_answer")
    )

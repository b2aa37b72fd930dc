"""LangChain tools over the core, for the optional LLM mode: the model may look clauses up
and run the subsidy engine, but every figure still comes from the deterministic engine."""

from __future__ import annotations

from datetime import date

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from .calculate import calculate
from .config import PROMPTS_DIR
from .models import PolicyError


class SubsidyFacts(BaseModel):
    facts: dict = Field(description="企业情况，键为 `policy-assistant calc --list-facts` 列出的事实名")
    as_of: str | None = Field(default=None, description="判断有效期的日期 YYYY-MM-DD，默认今天")


_CALCULATE = "按政策规则测算企业可得补贴（确定性计算，每个金额附条款出处与计算过程）。"


def _calculate(facts: dict, as_of: str | None = None) -> dict:
    try:
        return calculate(facts, date.fromisoformat(as_of) if as_of else date.today()).to_json()
    except (PolicyError, ValueError) as exc:
        return {"error": str(exc)}


# Over the bundled corpus, read from its files: for use without a running assistant.
calculate_subsidy = StructuredTool.from_function(
    func=_calculate, name="calculate_subsidy", description=_CALCULATE, args_schema=SubsidyFacts
)


def calculate_tool(assistant) -> StructuredTool:
    """The engine over the assistant's own index: its documents' titles, 文号 and validity."""

    def run(facts: dict, as_of: str | None = None) -> dict:
        try:
            return assistant.calculate(facts, date.fromisoformat(as_of) if as_of else None).to_json()
        except (PolicyError, ValueError) as exc:
            return {"error": str(exc)}

    return StructuredTool.from_function(func=run, name="calculate_subsidy", description=_CALCULATE,
                                        args_schema=SubsidyFacts)


def lookup_tool(assistant) -> StructuredTool:
    def lookup(query: str) -> list[dict]:
        return [c.to_json() for c in assistant.lookup(query, k=5)]

    return StructuredTool.from_function(
        func=lookup, name="lookup_clauses", description="按关键词或 文号+条款号 查找政策条款原文。"
    )


def answer_prompt(question: str, clauses: list[dict], as_of: date) -> str:
    """The LLM-mode prompt, filled with the retrieved clauses (numbered as citations)."""
    template = (PROMPTS_DIR / "answer.md").read_text(encoding="utf-8")
    listing = "\n".join(
        f"[{c['n']}]《{c['doc_title']}》{c.get('doc_number') or ''} {c['section']}（{c['status']}）：{c['text']}"
        for c in clauses
    )
    return template.format(question=question, clauses=listing, as_of=as_of.isoformat())

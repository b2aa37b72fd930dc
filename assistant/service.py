"""The one core the CLI, the web page and the evaluator share.

``PolicyAssistant`` opens the index once, keeps the embedding model warm, and
answers: ``ask`` (cited answer, plus a calculation when an amount is asked),
``lookup`` (clauses for hotline staff), ``calculate`` (the subsidy engine).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import date

from .answer import Evidence, compose, to_citation
from .bind import BoundPolicy, catalogue_for
from .calc_text import lead_line, leads, render_summary
from .calculate import Calculation, calculate
from .confidence import DENSE_SIGNALS, ConfidenceModel, signals_of
from .config import CONFIDENCE_MODEL, Settings
from .embed import make_embeddings
from .intent import asks_something_else
from .models import Answer, Citation, PolicyDocument, PolicyError
from .retrieve import Filters, Retrieval, Retriever, search_terms
from .rules import Rule, fact_names
from .store import Index, active_generation
from .tokens import to_simplified, tokenize, words


@dataclass
class Gathered:
    """What retrieval found for one question, ready to be composed into an answer."""

    query: str  # the question as read in its conversation
    evidence: Evidence
    dense_down: bool = False
    started: float = 0.0  # perf_counter when the question arrived


@dataclass
class Lookup:
    """A desk search: exact matches (all of them, counted) set apart from related clauses."""

    query: str
    exact: list[Citation]
    related: list[Citation]
    exact_total: int = 0  # may exceed len(exact) when there are very many
    named_clause: bool = False  # the query named a clause by 文号 and number

    def citations(self) -> list[Citation]:
        return self.exact + self.related

    def to_json(self) -> dict:
        return {"query": self.query, "exact_total": self.exact_total, "named_clause": self.named_clause,
                "exact": [c.to_json() for c in self.exact], "related": [c.to_json() for c in self.related]}


KEYWORD_ONLY_NOTICE = "（语义检索暂不可用，本次仅按关键词检索，结果可能不全。）"
_FOLLOW_UP = re.compile(r"^(那|那么|那如果|如果|要是|假如|假设|还有|另外|其中|它|这个|这项|该|此|上述|同样)")


def is_follow_up(question: str) -> bool:
    """A question that leans on the one before: it opens with a pointing word, or says too
    little to stand alone ("最高多少？", "还有效吗")."""
    question = question.strip()
    return bool(_FOLLOW_UP.match(question)) or len(tokenize(question)) <= 3


class PolicyAssistant:
    def __init__(self, settings: Settings, embeddings=None) -> None:
        self.settings = settings
        self.embeddings = embeddings or make_embeddings(settings)
        self._lock = threading.Lock()
        self.confidence_model = ConfidenceModel.load(CONFIDENCE_MODEL)
        self.reload()

    def reload(self) -> None:
        """Re-open the index (after an ingest swapped a new generation in)."""
        generation = active_generation(self.settings.index_dir)
        index = Index.open(self.settings.index_dir, self.settings)
        catalogue = catalogue_for(index.documents)
        with self._lock:
            self.index = index
            self.catalogue = catalogue  # the subsidy rules whose documents this index holds
            self.retriever = Retriever(index, self.embeddings, self.settings.retrieval)
            self.generation = generation

    def _follow_swaps(self) -> None:
        """Another process (an ingest, the document desk of another server) swapped a new
        generation in: read it before answering. One readlink per question."""
        if active_generation(self.settings.index_dir) != self.generation:
            self.reload()

    def documents(self) -> dict[str, PolicyDocument]:
        """The knowledge base's documents as they are now (after any swap by another writer)."""
        self._follow_swaps()
        return self.index.documents

    def warm_up(self) -> None:
        self.ask("专精特新企业奖励")

    # -- questions ---------------------------------------------------------
    def contextualise(self, question: str, history: list[str] | None) -> str:
        """A follow-up ("最高能补多少？", "那示范样本项目呢？", "这个政策还有效吗？") is read with its
        topic: the last question that was not itself a follow-up, and every follow-up since, so
        the topic and the facts stated on the way (800万, 已验收) carry over several turns."""
        if not history or not is_follow_up(question):
            return question
        start = len(history) - 1
        while start > 0 and is_follow_up(history[start]):
            start -= 1
        topic = " ".join(history[start:])
        # the new words weigh double: "那桐乡市呢？" replaces the place, keeps the topic
        return f"{topic} {question} {question}"

    def ask(
        self,
        question: str,
        as_of: date | None = None,
        history: list[str] | None = None,
        qid: str | None = None,
        filters: Filters | None = None,
        facts: dict | None = None,
    ) -> Answer:
        """Retrieve, then compose: the two stages ``chain.answer_chain`` runs as LangChain steps."""
        return self.respond(self.gather(question, as_of, history, filters), qid=qid, facts=facts)

    def gather(
        self, question: str, as_of: date | None = None, history: list[str] | None = None, filters: Filters | None = None
    ) -> Gathered:
        """Stage one of an answer: the question read in its conversation, and what the
        retrievers found for it (with the probability that the first find answers it)."""
        started = time.perf_counter()
        question = (question or "").strip()
        as_of = as_of or self.settings.today()
        if not question:
            raise PolicyError("问题为空：请输入要咨询的政策问题")
        limit = self.settings.limits.question_chars
        if len(question) > limit:
            raise PolicyError(f"问题过长（{len(question)} 字，上限 {limit} 字）：请精简后再问")
        self._follow_swaps()
        query, retrieval = self.retrieve(question, as_of, history, filters)
        evidence = Evidence(
            question=question,
            query_tokens=words(query),
            hits=retrieval.cited(),
            documents=self.index.documents,
            known_titles=self.index.known_titles,
            as_of=as_of,
            idf=self.retriever.idf_table,
            max_idf=self.retriever.max_idf,
            confidence=self.confidence_of(retrieval, query),
            generic_title=self.retriever.generic_title,
        )
        return Gathered(query=query, evidence=evidence, dense_down=retrieval.dense_down, started=started)

    def respond(self, gathered: Gathered, qid: str | None = None, facts: dict | None = None) -> Answer:
        """Stage two: the cited answer composed from the evidence, with a calculation when an
        amount was asked and the calculator's clause is among the citations."""
        evidence = gathered.evidence
        answer = compose(evidence, self.settings.answer, qid=qid)
        answer.question = evidence.question
        # The turn's own question decides whether to calculate: "这个政策还有效吗" after an amount
        # question asks about validity; "如果纳入示范样本呢" asks nothing of its own and goes on.
        calculation = None if asks_something_else(evidence.question) or not answer.citations else \
            self._calculation_for(gathered.query, evidence.as_of, facts, answer.citations[:3])
        if calculation is not None and answer.outcome == "hedged" and self._reads_stated_facts(calculation):
            answer = compose(evidence, self.settings.answer, qid=qid, settled=True)
        if calculation is not None:
            answer = _with_calculation(answer, calculation)
        if gathered.dense_down and evidence.hits and not answer.abstained:
            answer.answer = KEYWORD_ONLY_NOTICE + "\n" + answer.answer
        answer.latency_ms = (time.perf_counter() - gathered.started) * 1000
        return answer

    def retrieve(
        self, question: str, as_of: date, history: list[str] | None = None, filters: Filters | None = None
    ) -> tuple[str, Retrieval]:
        """The query as read in its conversation, and what the retrievers found for it."""
        query = to_simplified(self.contextualise(question, history))
        return query, self.retriever.retrieve(query, as_of, filters)

    def confidence_of(self, retrieval: Retrieval, query: str) -> float:
        """Probability that the first hit answers the query (1 for a clause named by 文号 and number)."""
        if not retrieval.hits:
            return 0.0
        if retrieval.hits[0].direct:
            return 1.0
        signals = signals_of(retrieval, len(words(query)))
        if signals is None:
            return 0.0
        if signals.strength == 0 and retrieval.dense_used:
            # None of the question's words is in any clause either retriever found ("员工加班费怎么算"):
            # the nearest clause by meaning alone is no evidence. Measured on all four sets: 3 of 873
            # questions, all unanswerable (evals/README.md, "Fifth session").
            return 0.0
        missing = frozenset() if retrieval.dense_used else DENSE_SIGNALS
        return self.confidence_model.probability(signals, missing)

    def _reads_stated_facts(self, calculation: Calculation) -> bool:
        """Whether a rule bound to a cited clause reads a fact the person stated ("到账1亿美元",
        "刚评上小巨人"): that clause is then the one asked about, even while the rule waits on
        another fact (the project type)."""
        stated = set(calculation.facts_read or {})
        reads = {rule.id: fact_names(rule) for rule, _ in self.catalogue.rules()}
        return any(reads.get(item.rule_id, set()) & stated for item in calculation.items)

    def _calculation_for(
        self, question: str, as_of: date, facts: dict | None, citations: list[Citation]
    ) -> Calculation | None:
        """The calculation for an amount question, from the rules whose clause retrieval found
        (a rule picked by a stray keyword must not speak for a question about another clause)."""
        from .facts import answer_amount_question

        def backed(rule: Rule, policy: BoundPolicy) -> bool:
            return any(c.doc_id == policy.doc_id and (c.section.startswith(rule.section) or rule.section.startswith(c.section))
                       for c in citations)

        return answer_amount_question(question, as_of, extra_facts=facts, catalogue=self.catalogue, backed=backed)

    def calculate(self, facts: dict, as_of: date | None = None, rule_ids: list[str] | None = None) -> Calculation:
        """The subsidy engine over this index's documents (their titles, 文号 and validity)."""
        return calculate(facts, as_of or self.settings.today(), rule_ids, catalogue=self.catalogue)

    def lookup(self, query: str, as_of: date | None = None, filters: Filters | None = None, k: int = 10) -> list[Citation]:
        """Clauses for a query, exact matches first (no padding): ``find`` as one list."""
        return self.find(query, as_of, filters, k).citations()

    def find(self, query: str, as_of: date | None = None, filters: Filters | None = None, k: int = 10) -> Lookup:
        """The hotline desk's search: the clauses the query names (文号 + clause) or that contain
        every search term, all of them and counted; then up to ``k`` related clauses, only
        those sharing the query's words (a query about the weather gets none)."""
        as_of = as_of or self.settings.today()
        query = (query or "").strip()
        if not query:
            return Lookup(query=query, exact=[], related=[])
        limit = self.settings.limits.lookup_chars
        if len(query) > limit:
            raise PolicyError(f"查询过长（{len(query)} 字，上限 {limit} 字）：请只输入关键词或 文号+条款号")
        self._follow_swaps()
        retrieval = self.retriever.retrieve(query, as_of, filters, k=max(k, 40))
        hits = retrieval.hits
        direct = [h for h in hits if h.direct]
        if direct:
            exact = direct
        else:
            exact = self.retriever.containing(search_terms(query), as_of, filters)
            rank = {h.chunk.chunk_id: i for i, h in enumerate(hits)}
            exact.sort(key=lambda h: rank.get(h.chunk.chunk_id, len(rank)))
        chosen = {h.chunk.chunk_id for h in exact}
        related = [] if direct else [  # a named clause is the answer; its neighbours are its context
            h for h in hits if h.chunk.chunk_id not in chosen and h.coverage >= self.settings.retrieval.related_coverage
        ][:k]
        n = 0

        def cite(group: list) -> list[Citation]:
            nonlocal n
            out = []
            for hit in group:
                n += 1
                out.append(to_citation(n, hit, as_of))
            return out

        return Lookup(query=query, exact=cite(exact[: self.settings.limits.lookup_exact]), related=cite(related),
                      exact_total=len(exact), named_clause=bool(direct))

    def clause_context(self, chunk_id: str, radius: int = 1) -> list[dict]:
        """The clause and its neighbours, for reading a clause in its document."""
        position = self.index.chunk_index.get(chunk_id)
        if position is None:
            raise PolicyError(f"{chunk_id}: 没有这个条款")
        chunk = self.index.chunks[position]
        same_doc = [i for i, c in enumerate(self.index.chunks) if c.doc_id == chunk.doc_id]
        at = same_doc.index(position)
        window = same_doc[max(0, at - radius): at + radius + 1]
        return [
            {"chunk_id": self.index.chunks[i].chunk_id, "section": self.index.chunks[i].section,
             "text": self.index.chunks[i].text, "current": i == position}
            for i in window
        ]


def _with_calculation(answer: Answer, calculation: Calculation) -> Answer:
    """Only answers with citations get here: never an abstention."""
    summary = render_summary(calculation)
    if summary:
        lead = lead_line(calculation)
        summary = f"{lead}\n{summary}" if lead else summary
        if lead and leads(calculation):
            answer.answer = summary + "\n\n" + answer.answer
        else:  # the calculator only asks for facts: the clause's own words answer first
            body, _, basis = answer.answer.partition("\n\n依据：")
            answer.answer = f"{body}\n\n{summary}\n\n依据：{basis}" if basis else f"{body}\n\n{summary}"
    answer.calculation = calculation
    return answer

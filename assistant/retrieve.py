"""Stage 7: question → ranked clauses.

Hybrid retrieval: jieba BM25 and e5 dense search, fused by weighted reciprocal
rank (weights measured, see evals/README.md). A question that names a 文号
is limited to that document; one that also names a clause ("四、（二）",
"第三条") goes straight to it. Filters by document, status and 责任单位.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np

from .config import RetrievalConfig
from .models import Chunk, DocumentMeta
from .store import Index
from .structure import cn_to_int, label_kind, normalise_doc_number
from .tokens import normalise, parts, tokenize, words

_CN = "一二三四五六七八九十百零两"


@dataclass
class Hit:
    chunk: Chunk
    meta: DocumentMeta
    score: float  # fused score, or 1.0 for a clause named in the question
    coverage: float  # IDF-weighted share of the question's words found in the chunk
    bm25_rank: int | None = None
    dense_rank: int | None = None
    direct: bool = False  # the question named this clause by 文号 and number


@dataclass
class Filters:
    doc_ids: list[str] | None = None
    statuses: list[str] | None = None
    responsible: str | None = None


def clause_reference(query: str) -> list[tuple[str, int]]:
    """'四、（二）' / '第四部分第二条' / '第三条' → [(kind, number), …] in order."""
    refs: list[tuple[str, int]] = []
    for match in re.finditer(
        rf"第([{_CN}\d]+)(部分|条|章)|([{_CN}]+)、|（([{_CN}]+)）|\(([{_CN}]+)\)|（(\d+)）|(?<![\d.])(\d{{1,2}})[.．](?!\d)", query
    ):
        if match.group(1):
            kind = {"部分": "cn_dun", "条": "article", "章": "chapter"}[match.group(2)]
            refs.append((kind, cn_to_int(match.group(1))))
        elif match.group(3):
            refs.append(("cn_dun", cn_to_int(match.group(3))))
        elif match.group(4) or match.group(5):
            refs.append(("cn_paren", cn_to_int(match.group(4) or match.group(5))))
        elif match.group(6):
            refs.append(("ar_paren", int(match.group(6))))
        elif match.group(7):
            refs.append(("ar_dot", int(match.group(7))))
    return refs


class Retriever:
    def __init__(self, index: Index, embeddings, config: RetrievalConfig = RetrievalConfig()) -> None:
        self.index = index
        self.embeddings = embeddings
        self.config = config
        chunk_tokens = [set(tokenize(c.embed_text)) for c in index.chunks]
        self._chunk_text = [normalise(c.embed_text) for c in index.chunks]
        df = Counter(t for tokens in chunk_tokens for t in tokens)
        n = len(index.chunks)
        self.idf_table = {t: math.log(1 + n / (1 + d)) for t, d in df.items()}
        self.max_idf = math.log(1 + n)  # a word no clause has
        self._by_number = {
            normalise_doc_number(doc.meta.doc_number): doc_id
            for doc_id, doc in index.documents.items()
            if doc.meta.doc_number
        }

    # -- helpers -----------------------------------------------------------
    def idf(self, token: str) -> float:
        return self.idf_table.get(token, self.max_idf)

    def coverage(self, query_tokens: tuple[str, ...], chunk_position: int) -> float:
        """IDF-weighted share of the question's words present in the chunk."""
        unique = set(query_tokens)
        if not unique:
            return 0.0
        # A word counts when the clause contains it, even where jieba cut the clause differently.
        text = self._chunk_text[chunk_position]
        total = sum(self.idf(t) for t in unique)
        found = 0.0
        for word in unique:
            if word in text:
                found += self.idf(word)
            elif len(word) >= 3 and (inner := parts(word)):
                # half credit when the clause has the word's parts (国际级 → 国际)
                found += 0.5 * self.idf(word) * sum(p in text for p in inner) / len(inner)
        return found / total

    def allowed_docs(self, filters: Filters, as_of: date) -> list[str]:
        docs = self.index.documents
        allowed = [d for d in docs if not filters.doc_ids or d in filters.doc_ids]
        if filters.statuses:
            allowed = [d for d in allowed if docs[d].meta.status(as_of) in filters.statuses]
        return allowed

    def referenced_doc(self, query: str) -> str | None:
        number = normalise_doc_number(query)
        return self._by_number.get(number) if number else None

    # -- search ------------------------------------------------------------
    def search(self, query: str, as_of: date, filters: Filters | None = None, k: int | None = None) -> list[Hit]:
        filters = filters or Filters()
        k = k or self.config.top_k
        named_doc = self.referenced_doc(query)
        if named_doc and not filters.doc_ids:
            filters = Filters(doc_ids=[named_doc], statuses=filters.statuses, responsible=filters.responsible)
        allowed = set(self.allowed_docs(filters, as_of))
        if not allowed:
            return []
        positions = [
            i for i, c in enumerate(self.index.chunks)
            if c.doc_id in allowed and (not filters.responsible or any(filters.responsible in u for u in c.responsible))
        ]
        if not positions:
            return []
        tokens = tokenize(re.sub(r"[\u4e00-\u9fff]{1,10}[〔\[［【(（]\d{4}[〕\]］】)）]\d{1,4}号", " ", query))
        direct = self._direct_clause(query, named_doc) if named_doc else []

        bm25 = self.index.bm25_scores(tokens)
        allowed_mask = np.zeros(len(self.index.chunks), dtype=bool)
        allowed_mask[positions] = True
        bm25_order = [int(i) for i in np.argsort(-bm25) if allowed_mask[i] and bm25[i] > 0][: self.config.candidates]
        dense_order: list[int] = []
        if self.config.dense_weight > 0:
            vector = self.embeddings.embed_query(query)
            doc_filter = sorted(allowed) if len(allowed) < len(self.index.documents) else None
            dense_hits = self.index.dense_search(vector, self.config.candidates * 2, doc_filter)
            dense_order = [i for i, _ in dense_hits if allowed_mask[i]][: self.config.candidates]

        fused: dict[int, float] = {}
        ranks: dict[int, list[int | None]] = {}
        for weight, order, slot in ((self.config.bm25_weight, bm25_order, 0), (self.config.dense_weight, dense_order, 1)):
            for rank, position in enumerate(order):
                fused[position] = fused.get(position, 0.0) + weight / (self.config.rrf_k + rank + 1)
                ranks.setdefault(position, [None, None])[slot] = rank
        # Rerank: fused rank score blended with how much of the question the clause covers.
        top = (self.config.bm25_weight + self.config.dense_weight) / (self.config.rrf_k + 1)
        asked = words(query)
        coverage = {p: self.coverage(asked, p) for p in fused}
        blend = self.config.coverage_weight
        final = {p: (1 - blend) * fused[p] / top + blend * coverage[p] for p in fused}
        ordered = sorted(final, key=lambda p: -final[p])
        hits = [
            Hit(
                chunk=self.index.chunks[p],
                meta=self.index.documents[self.index.chunks[p].doc_id].meta,
                score=round(final[p], 4),
                coverage=coverage[p],
                bm25_rank=ranks[p][0],
                dense_rank=ranks[p][1],
            )
            for p in ordered
        ]
        if direct:
            chosen = {h.chunk.chunk_id for h in direct}
            hits = direct + [h for h in hits if h.chunk.chunk_id not in chosen]
        return hits[:k]

    def _direct_clause(self, query: str, doc_id: str) -> list[Hit]:
        refs = clause_reference(re.sub(r"[\u4e00-\u9fff]{1,10}[〔\[［【(（]\d{4}[〕\]］】)）]\d{1,4}号", " ", query))
        if not refs:
            return []
        doc = self.index.documents[doc_id]
        matched_clause_ids = []
        for clause in doc.clauses:
            kinds = [label_kind(p) for p in clause.path]
            kinds = [x for x in kinds if x]
            if len(kinds) >= len(refs) and all(
                any(kind == ref for kind in kinds[i:]) for i, ref in enumerate(refs)
            ) and kinds[-1] == refs[-1]:
                matched_clause_ids.append(clause.clause_id)
        if not matched_clause_ids:
            return []
        wanted = set(matched_clause_ids)
        descendants = {c.clause_id for c in doc.clauses if any(c.path[: len(p.path)] == p.path for p in doc.clauses if p.clause_id in wanted)}
        return [
            Hit(chunk=c, meta=doc.meta, score=1.0, coverage=1.0, direct=True)
            for c in self.index.chunks
            if c.doc_id == doc_id and c.clause_id in descendants
        ]

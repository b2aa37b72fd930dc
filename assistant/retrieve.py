"""Stage 7: question → ranked clauses.

Hybrid retrieval: jieba BM25 and e5 dense search, fused at score level with a
weight that follows the question's own wording (measured, see evals/README.md):
a question in the documents' words leans on BM25, one in everyday words on the
dense model. A question that names a 文号
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
from .docnumber import SHORT_REFERENCE, normalise_doc_number, serial_of, short_reference, strip_doc_number
from .intent import asks_validity
from .models import Chunk, DocumentMeta
from .numbers import CN_NUMERALS, cn_to_int
from .store import Index, VectorStoreUnavailable
from .structure import label_kind
from .tokens import bare, normalise, parts, tokenize, words

_CN = CN_NUMERALS

# The words of a policy title's form ("关于印发…的通知", "实施意见", "行动计划"): they say nothing
# about which policy is meant. An index adds the words most of its own titles share (its city,
# its issuer: "嘉兴市人民政府办公室"), so a new document set gets the same treatment.
TITLE_FORM = frozenset(
    tokenize(
        "关于印发的通知实施意见若干政策措施方案加快推动推进高质量发展行动计划三年工作建设支持促进"
        "深入办法试行修改部分内容文件有关中国专项提升打造"
    )
)


def generic_title_words(titles: list[str]) -> frozenset[str]:
    """The title form, and the words at least half of these titles share (from four titles up)."""
    if len(titles) < 4:
        return TITLE_FORM
    counts = Counter(t for title in titles for t in set(tokenize(title)))
    return TITLE_FORM | {t for t, n in counts.items() if n * 2 >= len(titles)}


def title_share(title: str, asked: set[str], idf: dict[str, float], max_idf: float, generic: frozenset[str]) -> float:
    """IDF-weighted share of the question's words that a title's distinctive words explain.

    Words every title has (高质量、发展、政策) are left out on both sides: they say
    nothing about which policy the question is about."""
    distinct = set(tokenize(title)) - generic
    asked = asked - generic
    total = sum(idf.get(t, max_idf) for t in asked)
    if not distinct or not total:
        return 0.0
    return sum(idf.get(t, max_idf) for t in asked & distinct) / total


def window_sentence(meta: DocumentMeta) -> str:
    """The sentence a document's validity window was read from, without its full stop."""
    return (meta.validity_note or "").rstrip("。；;")


def holds_window(text: str, meta: DocumentMeta) -> bool:
    """Whether a clause's text holds that sentence (compared as search compares: width, brackets)."""
    sentence = window_sentence(meta)
    return bool(sentence) and _bare(sentence) in _bare(text)


@dataclass
class Hit:
    chunk: Chunk
    meta: DocumentMeta
    score: float  # fused score, or 1.0 for a clause named in the question
    coverage: float  # IDF-weighted share of the question's words found in the chunk
    bm25_rank: int | None = None
    dense_rank: int | None = None
    direct: bool = False  # the question named this clause by 文号 and number
    dense: float = 0.0  # cosine similarity to the question (0 when not among the dense candidates)
    lexical: float = 0.0  # BM25 score / the query's best BM25 score


@dataclass
class Retrieval:
    """Ranked hits plus what the whole query looked like to the retrievers."""

    hits: list[Hit]
    lexical_strength: float  # best coverage among the top BM25 hits: how "documentary" the wording is
    dense_used: bool  # False when dense search is off or the vector store could not be reached
    dense_down: bool = False  # the vector store was asked and did not answer
    # For "这个文件还算数吗": the clause the asked document's validity window is read from.
    window: Hit | None = None

    def cited(self) -> list[Hit]:
        """The hits in the order an answer cites them: a validity window first, when asked."""
        if self.window is None:
            return self.hits
        rest = [h for h in self.hits if h.chunk.chunk_id != self.window.chunk.chunk_id]
        return [self.window] + rest[: max(len(self.hits) - 1, 0)]


@dataclass
class Filters:
    doc_ids: list[str] | None = None
    statuses: list[str] | None = None
    responsible: str | None = None


# Clause references as hotline callers say them, in any bracket style:
# "四、（二）", "四(二)", "四（二）", "第四部分第二条", "第三条", "第四条第二款", "（3）", "2.".
_CLAUSE_REF = re.compile(
    rf"第([{_CN}\d]+)(部分|条|章|款|项)|([{_CN}]+)(?:、|\s*(?=[（(][{_CN}]))|[（(]([{_CN}]+)[）)]|[（(](\d+)[）)]"
    r"|(?<![\d.])(\d{1,2})[.．](?!\d)"
)
# When a document numbers 一、（一）1. rather than 第X条, "第四条第二款第三项" means 四、（二）3.
ARTICLE_SPEECH = {"article": "cn_dun", "paragraph": "cn_paren", "item": "ar_dot"}


def clause_reference(query: str) -> list[tuple[str, int]]:
    """'四、（二）' / '四(二)' / '第四部分第二条' / '第三条' → [(kind, number), …] in order."""
    refs: list[tuple[str, int]] = []
    for match in _CLAUSE_REF.finditer(query):
        if match.group(1):
            kind = {"部分": "cn_dun", "条": "article", "章": "chapter", "款": "paragraph", "项": "item"}[match.group(2)]
            if kind == "article" and refs and refs[-1][0] == "cn_dun":
                kind = "cn_paren"  # 第四部分第二条
            refs.append((kind, cn_to_int(match.group(1))))
        elif match.group(3):
            refs.append(("cn_dun", cn_to_int(match.group(3))))
        elif match.group(4):
            refs.append(("cn_paren", cn_to_int(match.group(4))))
        elif match.group(5):
            refs.append(("ar_paren", int(match.group(5))))
        elif match.group(6):
            refs.append(("ar_dot", int(match.group(6))))
    return refs


def search_terms(query: str) -> list[str]:
    """The words a desk query asks for literally: split at spaces, without any 文号 or clause
    reference it also names."""
    rest = _CLAUSE_REF.sub(" ", SHORT_REFERENCE.sub(" ", strip_doc_number(query)))
    return [t for t in re.split(r"[\s,，、;；]+", rest) if len(_bare(t)) >= 1]


def _bare(text: str) -> str:
    """Text compared literally, after the same normalising as search (首台（套） = 首台套)."""
    return bare(normalise(text))


def _matching_clauses(clauses, refs: list[tuple[str, int]]) -> list[str]:
    """Clauses whose path holds the references in order, the last one being the clause itself."""
    matched = []
    for clause in clauses:
        kinds = [x for x in (label_kind(p) for p in clause.path) if x]
        if refs and len(kinds) >= len(refs) and all(
            any(kind == ref for kind in kinds[i:]) for i, ref in enumerate(refs)
        ) and kinds[-1] == refs[-1]:
            matched.append(clause.clause_id)
    return matched


def _scaled(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else scores


class Retriever:
    def __init__(self, index: Index, embeddings, config: RetrievalConfig = RetrievalConfig()) -> None:
        self.index = index
        self.embeddings = embeddings
        self.config = config
        chunk_tokens = [set(tokenize(c.embed_text)) for c in index.chunks]
        self._chunk_text = [normalise(c.embed_text) for c in index.chunks]
        self._literal: list[str] | None = None  # for the desk's exact matches, on first use
        df = Counter(t for tokens in chunk_tokens for t in tokens)
        n = len(index.chunks)
        self.idf_table = {t: math.log(1 + n / (1 + d)) for t, d in df.items()}
        self.max_idf = math.log(1 + n)  # a word no clause has
        self.generic_title = generic_title_words([d.meta.title for d in index.documents.values()])
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
        """The document a query names by 文号: in full, or shortened ("32号文", "2023年32号")
        when that names one document and the query says 文 or names a clause."""
        number = normalise_doc_number(query)
        if number:
            return self._by_number.get(number)
        short = short_reference(query)
        if not short or not (short[2] or clause_reference(SHORT_REFERENCE.sub(" ", query))):
            return None
        year, serial, _ = short
        found = [doc_id for n, doc_id in self._by_number.items() if n and (s := serial_of(n)) and s[1] == serial
                 and (year is None or s[0] == year)]
        return found[0] if len(found) == 1 else None

    def containing(self, terms: list[str], as_of: date, filters: Filters | None = None) -> list[Hit]:
        """Every clause whose text holds all the terms (brackets and width ignored), in document order."""
        if not terms:
            return []
        filters = filters or Filters()
        allowed = set(self.allowed_docs(filters, as_of))
        wanted = [_bare(t) for t in terms]
        if self._literal is None:  # each clause's literal text, computed once per index
            self._literal = [_bare(c.text) for c in self.index.chunks]
        return [
            Hit(chunk=c, meta=self.index.documents[c.doc_id].meta, score=1.0, coverage=1.0)
            for c, literal in zip(self.index.chunks, self._literal, strict=True)
            if c.doc_id in allowed and (not filters.responsible or any(filters.responsible in u for u in c.responsible))
            and all(w in literal for w in wanted)
        ]

    # -- search ------------------------------------------------------------
    def search(self, query: str, as_of: date, filters: Filters | None = None, k: int | None = None) -> list[Hit]:
        return self.retrieve(query, as_of, filters, k).hits

    def retrieve(self, query: str, as_of: date, filters: Filters | None = None, k: int | None = None) -> Retrieval:
        filters = filters or Filters()
        k = k or self.config.top_k
        named_doc = self.referenced_doc(query)
        if named_doc and not filters.doc_ids:
            filters = Filters(doc_ids=[named_doc], statuses=filters.statuses, responsible=filters.responsible)
        allowed = set(self.allowed_docs(filters, as_of))
        positions = [
            i for i, c in enumerate(self.index.chunks)
            if c.doc_id in allowed and (not filters.responsible or any(filters.responsible in u for u in c.responsible))
        ]
        if not positions:
            return Retrieval(hits=[], lexical_strength=0.0, dense_used=False)
        tokens = tokenize(strip_doc_number(query))
        direct = self._direct_clause(query, named_doc) if named_doc else []

        bm25 = _scaled(self.index.bm25_scores(tokens))
        if self.config.bigram_weight > 0:
            grams = _scaled(self.index.bigram_scores(strip_doc_number(query)))
            bm25 = (1 - self.config.bigram_weight) * bm25 + self.config.bigram_weight * grams
        allowed_mask = np.zeros(len(self.index.chunks), dtype=bool)
        allowed_mask[positions] = True
        bm25_order = [int(i) for i in np.argsort(-bm25) if allowed_mask[i] and bm25[i] > 0][: self.config.candidates]
        dense_hits: list[tuple[int, float]] = []
        dense_used = dense_down = False
        if self.config.dense and self.embeddings is not None:
            try:
                vector = self.embeddings.embed_query(query)
                doc_filter = sorted(allowed) if len(allowed) < len(self.index.documents) else None
                found = self.index.dense_search(vector, self.config.dense_candidates, doc_filter)
                dense_hits = [(i, sim) for i, sim in found if allowed_mask[i]]
                dense_used = True
            except VectorStoreUnavailable:
                dense_hits, dense_down = [], True
        dense_sim = dict(dense_hits)
        dense_rank = {p: r for r, (p, _) in enumerate(dense_hits)}
        bm25_rank = {p: r for r, p in enumerate(bm25_order)}
        pool = list(dict.fromkeys(bm25_order + [p for p, _ in dense_hits[: self.config.candidates]]))

        asked = words(query)
        coverage = {p: self.coverage(asked, p) for p in pool}
        strength = max((coverage[p] for p in bm25_order[: self.config.lexical_probe]), default=0.0)
        best_bm25 = float(bm25[bm25_order[0]]) if bm25_order else 1.0
        lexical = {p: float(bm25[p]) / best_bm25 if best_bm25 > 0 else 0.0 for p in pool}
        if dense_hits:
            top, floor = dense_hits[0][1], dense_hits[-1][1]
            span = max(top - floor, 1e-6)
            semantic = {p: max(dense_sim.get(p, floor) - floor, 0.0) / span for p in pool}
            weight = min(max(strength, self.config.lexical_weight_min), self.config.lexical_weight_max)
        else:
            semantic = dict.fromkeys(pool, 0.0)
            weight = 1.0
        blend = self.config.coverage_weight
        final = {
            p: (1 - blend) * (weight * lexical[p] + (1 - weight) * semantic[p]) + blend * coverage[p] for p in pool
        }
        ordered = sorted(final, key=lambda p: -final[p])
        hits = [
            Hit(
                chunk=self.index.chunks[p],
                meta=self.index.documents[self.index.chunks[p].doc_id].meta,
                score=round(final[p], 4),
                coverage=coverage[p],
                bm25_rank=bm25_rank.get(p),
                dense_rank=dense_rank.get(p),
                dense=float(dense_sim.get(p, 0.0)),
                lexical=lexical[p],
            )
            for p in ordered
        ]
        if direct:
            chosen = {h.chunk.chunk_id for h in direct}
            hits = direct + [h for h in hits if h.chunk.chunk_id not in chosen]
        window = None
        if hits and not direct and asks_validity(query):
            window = self._validity_clause(tokenize(query), hits[0].chunk.doc_id, allowed)
        return Retrieval(hits=hits[:k], lexical_strength=strength, dense_used=dense_used, dense_down=dense_down,
                         window=window)

    def _validity_clause(self, asked: tuple[str, ...], top_doc: str, allowed: set[str]) -> Hit | None:
        """For a question about whether a policy is in force: the clause its window was read
        from, in the document the question names by title (distinctive title words: "传统产业那套
        办法"), else in the best clause's document. None when the document states no window."""
        shares = {d: title_share(self.index.documents[d].meta.title, set(asked), self.idf_table, self.max_idf,
                                 self.generic_title) for d in allowed}
        named = max(shares, key=lambda d: shares[d], default=top_doc)
        doc_id = named if shares.get(named, 0.0) > shares.get(top_doc, 0.0) else top_doc
        meta = self.index.documents[doc_id].meta
        for position, chunk in enumerate(self.index.chunks):
            if chunk.doc_id == doc_id and holds_window(chunk.text, meta):
                return Hit(chunk=chunk, meta=meta, score=0.0, coverage=self.coverage(asked, position))
        return None

    def _direct_clause(self, query: str, doc_id: str) -> list[Hit]:
        refs = clause_reference(SHORT_REFERENCE.sub(" ", strip_doc_number(query)))
        if not refs:
            return []
        doc = self.index.documents[doc_id]
        matched_clause_ids = _matching_clauses(doc.clauses, refs)
        if not matched_clause_ids and any(kind in ARTICLE_SPEECH for kind, _ in refs):
            # "第四条第二款" in a document numbered 一、（一）: read as 四、（二）; in a statute the 款
            # is a paragraph of the article, which is quoted whole.
            spoken = [(ARTICLE_SPEECH.get(kind, kind), n) for kind, n in refs]
            articles = [(k, n) for k, n in refs if k == "article"]
            matched_clause_ids = _matching_clauses(doc.clauses, spoken) or _matching_clauses(doc.clauses, articles)
        if not matched_clause_ids:
            return []
        wanted = set(matched_clause_ids)
        descendants = {c.clause_id for c in doc.clauses if any(c.path[: len(p.path)] == p.path for p in doc.clauses if p.clause_id in wanted)}
        return [
            Hit(chunk=c, meta=doc.meta, score=1.0, coverage=1.0, direct=True)
            for c in self.index.chunks
            if c.doc_id == doc_id and c.clause_id in descendants
        ]

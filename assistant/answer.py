"""Stage 8: ranked clauses → a cited answer (default mode, no LLM).

A deterministic extractive composer: it picks the sentence(s) of the top
clauses that share most (IDF-weighted) words with the question, marks each
with [n], and states every cited policy's validity in words. It abstains with
a plain sentence when the best clause covers too little of the question, and
says so when the question names a policy that is listed in a compilation's
table of contents but whose text we do not have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from . import intent
from .config import AnswerConfig
from .models import Answer, Citation, KnownTitle, PolicyDocument
from .retrieve import TITLE_FORM, Hit, holds_window, title_share, window_sentence
from .tokens import bare, char_bigrams, normalise, tokenize

_MONEY = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?(?:元|美元)|\d+(?:\.\d+)?[%‰]")
_SEVERAL = re.compile(r"分别|各是|各为|各自|各多少|和.{1,12}(各|分别)")
@dataclass
class Evidence:
    """Everything the composer reads; it never reaches back into the index."""

    question: str
    query_tokens: tuple[str, ...]
    hits: list[Hit]
    documents: dict[str, PolicyDocument]
    known_titles: list[KnownTitle]
    as_of: date
    idf: dict[str, float]
    max_idf: float
    confidence: float = 0.0  # probability that hits[0] answers the question
    generic_title: frozenset[str] = TITLE_FORM  # title words that name no policy (the index's own)


def to_citation(n: int, hit: Hit, as_of: date) -> Citation:
    meta = hit.meta
    status = meta.status(as_of)
    return Citation(
        n=n,
        doc_id=meta.doc_id,
        doc_title=meta.title,
        doc_number=meta.doc_number,
        section=hit.chunk.section,
        text=hit.chunk.text,
        status=status,
        valid_from=meta.valid_from.isoformat() if meta.valid_from else None,
        valid_to=meta.valid_to.isoformat() if meta.valid_to else None,
        score=round(hit.score, 4),
        chunk_id=hit.chunk.chunk_id,
        responsible=hit.chunk.responsible,
        superseded_by=meta.superseded_by if status == "superseded" else None,
        supersedes=list(meta.supersedes),
        ocr_pages=list(hit.chunk.ocr_pages),
    )


def _title_share(title: str, asked: set[str], evidence: Evidence) -> float:
    return title_share(title, asked, evidence.idf, evidence.max_idf, evidence.generic_title)


def missing_title(evidence: Evidence, config: AnswerConfig) -> KnownTitle | None:
    """A listed-but-absent policy that the question is about, more than any clause we hold.

    The title must explain enough of the question, no held document's title may
    explain as much, and the best clause must explain less, or lack a word the
    title and the question share (氢能, 餐饮业).
    """
    asked = set(evidence.query_tokens)
    scored = [(_title_share(k.title, asked, evidence), k) for k in evidence.known_titles]
    if not scored:
        return None
    share, known = max(scored, key=lambda x: x[0])
    if share < config.known_title_match / 2:
        return None
    held = max((_title_share(d.meta.title, asked, evidence) for d in evidence.documents.values()), default=0.0)
    if held >= share:
        return None
    if not evidence.hits:
        return known
    best = evidence.hits[0]
    shared = asked & (set(tokenize(known.title)) - evidence.generic_title)
    text = normalise(best.chunk.embed_text)
    lacks_word = any(t not in text for t in shared)
    if lacks_word:
        return known
    return known if share >= config.known_title_match and share >= best.coverage - 0.05 else None


def _sentences(text: str) -> list[str]:
    parts = re.findall(r"[^。；！？\n]+[。；！？]?", text)
    return [p.strip() for p in parts if len(p.strip()) >= 4]


def _sentence_score(sentence: str, evidence: Evidence, config: AnswerConfig) -> float:
    words = set(tokenize(sentence))
    asked = set(evidence.query_tokens)
    if not asked:
        return 0.0
    weight = sum(evidence.idf.get(t, evidence.max_idf) for t in asked)
    score = sum(evidence.idf.get(t, evidence.max_idf) for t in asked & words) / weight
    pairs = set(char_bigrams(evidence.question))
    bigram_weight = config.sentence_bigram_weight
    if pairs and bigram_weight:
        score = (1 - bigram_weight) * score + bigram_weight * len(pairs & set(char_bigrams(sentence))) / len(pairs)
    if intent.MONEY_TOPIC.search(evidence.question) and _MONEY.search(sentence):
        score += config.kind_bonus
    if intent.WHEN.search(evidence.question) and intent.TIME_SAID.search(sentence):
        score += config.kind_bonus
    return score


# Small talk: greetings, thanks, "who are you", the weather. General conversation, no policy words.
_CHATTER = re.compile(
    r"^(你好|您好|hi|hello|嗨|哈喽|在吗|在不在|有人吗|谢谢|多谢|感谢|再见|拜拜|你是谁|你叫什么|你能做什么|你会什么|你会干什么)"
    r"[啊呀呢吗！!。？?~～\s]*$|天气|几点了|讲个笑话",
    re.IGNORECASE,
)
_FIRST_SENTENCE = re.compile(r"[^。！？\n]*[。！？\n]?")

CHATTER_REPLY = (
    "您好！我是嘉兴惠企政策助手，可以帮您：按您的情况查找政策条款（注明文件、文号、条款原文和是否有效）、"
    "测算补贴金额、按文号和条款号查原文。请直接说说您的情况，例如“我们厂数字化改造投了800万，能补多少？”"
)


def question_kind(question: str) -> str:
    """What the first sentence must answer: an amount, a department, a validity, or anything else."""
    if intent.WHO.search(question):
        return "who"
    if intent.asks_validity(question):
        return "validity"
    if intent.MONEY_TOPIC.search(question):
        return "amount"
    return "other"


def first_sentence(text: str) -> str:
    match = _FIRST_SENTENCE.match(text.strip())
    return match.group(0) if match else ""


def compose(evidence: Evidence, config: AnswerConfig, qid: str | None = None, settled: bool = False) -> Answer:
    """The cited answer, hedged or refused by the evidence's confidence. ``settled``: a rule bound
    to a cited clause reads facts the person stated ("刚评上小巨人" → 150万元), so the text does
    not say "没有找到明确规定" beneath the amount computed from that clause."""
    best = evidence.hits[0] if evidence.hits else None
    if _CHATTER.search(evidence.question.strip()):
        return Answer(id=qid, question=evidence.question, answer=CHATTER_REPLY, abstained=True, citations=[], outcome="chatter")
    if best is not None and best.direct:
        return _quote_clauses(evidence, qid)
    absent = missing_title(evidence, config)
    if absent or best is None or evidence.confidence < config.abstain_below:
        return _abstain(evidence, absent, qid)
    citations = [to_citation(n, hit, evidence.as_of) for n, hit in enumerate(evidence.hits, 1)]
    if evidence.confidence < config.hedge_below and not settled:
        return _hedge(evidence, citations, qid, config)
    # The top clause always speaks; others join only when they cover the question as well.
    cited: list[Hit] = [best]
    # "A和B分别…": every part may come from its own clause, so the bar for the others is lower.
    several = bool(_SEVERAL.search(evidence.question))
    for hit in evidence.hits[1:3]:
        bar = config.min_coverage if several else max(config.min_coverage, best.coverage * 0.9)
        as_good = hit.coverage >= bar
        if as_good and (hit.chunk.doc_id != best.chunk.doc_id or hit.coverage >= best.coverage):
            cited.append(hit)
    order = {hit.chunk.chunk_id: n for n, hit in enumerate(evidence.hits, 1)}

    picked: list[tuple[float, int, str]] = []
    for hit in cited:
        ranked = sorted(((_sentence_score(s, evidence, config), s) for s in _sentences(hit.chunk.text)),
                        key=lambda x: -x[0])
        if not ranked:
            continue
        top_score = ranked[0][0]
        for score, sentence in ranked[: 2 if hit is best else 1]:
            if score >= top_score * 0.85 and len(picked) < config.max_sentences:
                picked.append((score, order[hit.chunk.chunk_id], sentence))
    # The sentence that answers best leads; the rest follow in reading order.
    picked.sort(key=lambda x: -x[0])
    lead, rest = picked[:1], picked[1:]
    position = {s: hit.chunk.text.find(s) for hit in cited for _, _, s in rest if s in hit.chunk.text}
    rest.sort(key=lambda x: (x[1], position.get(x[2], 0)))
    opening = _opening(evidence, best, order[best.chunk.chunk_id])
    said = bare(opening)
    # A sentence the opening already quotes ("本计划执行期为…") is not said twice.
    body = "".join(f"{s}[{n}]" for _, n, s in lead + rest if not (said and bare(s) in said))
    if opening:
        body = opening + "\n" + body
    said_from = sorted({n for _, n, _ in picked})
    if opening and question_kind(evidence.question) == "validity":  # the opening is the validity
        note = ""
    elif best.meta.status(evidence.as_of) == "superseded":  # a newer policy answers: said before the old one
        body = f"注意：{best.meta.validity_sentence(evidence.as_of)}以下是原政策的规定：\n" + body
        note = status_note([(n, evidence.hits[n - 1]) for n in said_from
                            if evidence.hits[n - 1].chunk.doc_id != best.chunk.doc_id],
                           evidence.as_of)
    else:
        note = status_note([(n, evidence.hits[n - 1]) for n in said_from], evidence.as_of)
    if note:
        body += "\n" + note

    basis = [_basis(n, evidence.hits[n - 1], evidence.as_of) for n in said_from]
    answer = body + "\n\n依据：\n" + "\n".join(basis)
    return Answer(id=qid, question=evidence.question, answer=answer, abstained=False, citations=citations,
                  confidence=evidence.confidence, outcome="answer")


def _opening(evidence: Evidence, best: Hit, n: int, hedged: bool = False) -> str:
    """A first sentence that answers a "找谁" or "还有效吗" question outright (in a hedge, says
    whose department it is: the nearest clause's)."""
    kind = question_kind(evidence.question)
    if kind == "who" and best.chunk.responsible:
        whose = "最接近条款的负责部门" if hedged else "负责部门"
        return f"{whose}：{'、'.join(best.chunk.responsible)}[{n}]。"
    if kind == "validity":
        if holds_window(best.chunk.text, best.meta):  # the words the window is read from, quoted
            quoted = window_sentence(best.meta)
            return f"《{best.meta.title}》规定“{quoted}”[{n}]，{best.meta.validity_sentence(evidence.as_of)}"
        return f"《{best.meta.title}》：{best.meta.validity_sentence(evidence.as_of)}[{n}]"
    return ""


NOT_IN_FORCE = frozenset({"expired", "superseded", "draft", "not_yet_effective"})


def status_note(said: list[tuple[int, Hit]], as_of: date) -> str:
    """A line beside the answer, before the sources, for what was quoted from a policy that is
    not in force (expired, superseded, a draft, not yet effective): the person reads it with the
    figures, not only at the bottom. Empty when every quoted policy is current."""
    parts: dict[str, str] = {}
    for n, hit in said:
        if hit.meta.status(as_of) in NOT_IN_FORCE and hit.chunk.doc_id not in parts:
            parts[hit.chunk.doc_id] = f"[{n}]{hit.meta.validity_sentence(as_of).rstrip('。')}"
    return f"注意：{'；'.join(parts.values())}。" if parts else ""


def _hedge(evidence: Evidence, citations: list[Citation], qid: str | None, config: AnswerConfig) -> Answer:
    """Not sure: show the nearest clauses and say they need checking."""
    excerpts = []
    for hit in evidence.hits[:2]:
        ranked = sorted(_sentences(hit.chunk.text), key=lambda s: -_sentence_score(s, evidence, config))
        excerpts.append(ranked[0] if ranked else hit.chunk.text[:120])
    # The nearest sentence stands in the first line, so the reader sees it before the list.
    lines = [f"没有找到明确规定，以下条款最接近，请核对：{excerpts[0]}[1]"]
    opening = _opening(evidence, evidence.hits[0], 1, hedged=True)
    if opening and question_kind(evidence.question) == "validity" and holds_window(evidence.hits[0].chunk.text, evidence.hits[0].meta):
        # The window is quoted from the document's own clause: what is unsure is which document
        # was meant, not what it says.
        lines = [opening, "如您问的不是这份文件，请注明文件名称或文号再问。"]
    elif opening:
        lines.insert(0, opening)
    for n, (hit, excerpt) in enumerate(zip(evidence.hits[:2], excerpts, strict=True), 1):
        lines.append(f"[{n}]《{hit.meta.title}》{hit.chunk.section}：{excerpt}")
    note = "" if opening and question_kind(evidence.question) == "validity" else \
        status_note(list(enumerate(evidence.hits[:2], 1)), evidence.as_of)
    if note:
        lines.append(note)
    basis = [_basis(n, hit, evidence.as_of) for n, hit in enumerate(evidence.hits[:2], 1)]
    text = "\n".join(lines) + "\n\n依据：\n" + "\n".join(basis)
    return Answer(id=qid, question=evidence.question, answer=text, abstained=False, citations=citations,
                  confidence=evidence.confidence, outcome="hedged")


def _basis(n: int, hit: Hit, as_of: date) -> str:
    number = f"（{hit.meta.doc_number}）" if hit.meta.doc_number else ""
    pages = "、".join(map(str, hit.chunk.ocr_pages))
    scanned = f"本条文字由扫描件第{pages}页识别，请以原件为准。" if pages else ""
    return f"[{n}]《{hit.meta.title}》{number}{hit.chunk.section}。{hit.meta.validity_sentence(as_of)}{scanned}"


def _quote_clauses(evidence: Evidence, qid: str | None) -> Answer:
    """The question named a clause: quote it whole rather than pick sentences."""
    direct = [h for h in evidence.hits if h.direct]
    body = "\n".join(f"{h.chunk.text}[{n}]" for n, h in enumerate(direct, 1))
    basis = "\n".join(_basis(n, h, evidence.as_of) for n, h in enumerate(direct, 1))
    citations = [to_citation(n, h, evidence.as_of) for n, h in enumerate(direct, 1)]
    return Answer(id=qid, question=evidence.question, answer=f"{body}\n\n依据：\n{basis}", abstained=False,
                  citations=citations, confidence=1.0, outcome="answer")


def _abstain(evidence: Evidence, absent: KnownTitle | None, qid: str | None) -> Answer:
    text = "抱歉，知识库中没有找到能回答这个问题的政策条款，无法给出依据。"
    if absent:
        text += (
            f"《{absent.title}》列在政策汇编的目录中（第{absent.toc_index}篇），但其正文不在知识库中，"
            "无法引用具体条款；请查阅该文件原文或咨询发文部门。"
        )
    else:
        text += "请换一种说法，或注明文件名称、文号后再试；也可拨打政策咨询热线。"
    return Answer(id=qid, question=evidence.question, answer=text, abstained=True, citations=[], outcome="abstained")

"""Score a question set against an index: retrieval, answers, abstention, calculator.

Scoring follows CONTRACTS.md: text is compared after removing whitespace and
thousands separators and mapping full-width （）：， to half-width. hit@k, MRR
and fact recall count answerable questions only. A question with
``expected_amount_yuan`` is a calculator case, compared exactly with the total
paid; ``expected_if_confirmed_yuan`` with what the answer says is paid if the
facts it asks for go the rules' way ("如项目不属于金融类、房地产类，…可得…").
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from .answer import first_sentence
from .config import Settings
from .models import PolicyError
from .tokens import words

_HALF_WIDTH = str.maketrans("（）：，", "():,")


def norm(text: str) -> str:
    text = re.sub(r"\s+", "", text or "")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    return text.translate(_HALF_WIDTH)


@dataclass
class Scored:
    row: dict
    answer: dict
    rank: int | None  # 1-based rank of the first citation holding an expected snippet
    facts_found: int
    facts_total: int
    calc_ok: bool | None = None
    lead_ok: bool | None = None


@dataclass
class Metrics:
    n: int = 0
    hit_at_1: float = 0.0
    hit_at_3: float = 0.0
    hit_at_5: float = 0.0
    mrr: float = 0.0
    fact_recall: float | None = None
    abstain_accuracy: float = 0.0
    false_abstain_rate: float = 0.0
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    calc_cases: int = 0
    calc_pass_rate: float | None = None
    lead_fact: float | None = None  # answerable rows with facts: one expected fact in the answer's first sentence
    unanswerable_abstain_rate: float | None = None  # abstained / unanswerable rows
    hedged_rate: float = 0.0  # share of all rows answered with a hedge
    calibration_error: float | None = None  # ECE of `confidence` against "the first citation answers"
    calibration_floor: float | None = None  # the ECE a perfectly calibrated model would show on these rows
    question_overlap: float | None = None  # mean share of question words found in the answering clause
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        data = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items() if k != "extra"}
        return data


def score_one(row: dict, answer: dict) -> Scored:
    snippets = [norm(s) for s in row.get("expected_snippets", [])]
    rank = None
    for position, citation in enumerate(answer.get("citations", []), 1):
        if any(s and s in norm(citation.get("text", "")) for s in snippets):
            rank = position
            break
    facts = [norm(f) for f in row.get("expected_facts", [])]
    found = sum(1 for f in facts if f in norm(answer.get("answer", "")))
    lead = norm(first_sentence(answer.get("answer", "")))
    lead_ok = any(f in lead for f in facts) if facts and row.get("answerable", True) else None
    calc_ok = None
    if "expected_amount_yuan" in row:
        calculation = answer.get("calculation") or {}
        calc_ok = calculation.get("total_yuan") == row["expected_amount_yuan"]
        if "expected_if_confirmed_yuan" in row:
            conditional = sum(c["amount_yuan"] for c in (calculation.get("if_confirmed") or {}).values())
            calc_ok = calc_ok and conditional == row["expected_if_confirmed_yuan"]
    return Scored(row=row, answer=answer, rank=rank, facts_found=found, facts_total=len(facts), calc_ok=calc_ok,
                  lead_ok=lead_ok)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def aggregate(scored: list[Scored]) -> Metrics:
    answerable = [s for s in scored if s.row.get("answerable", True)]
    unanswerable = [s for s in scored if not s.row.get("answerable", True)]
    retrieval = [s for s in answerable if s.row.get("expected_snippets")]
    m = Metrics(n=len(scored))
    if retrieval:
        m.hit_at_1 = sum(1 for s in retrieval if s.rank and s.rank <= 1) / len(retrieval)
        m.hit_at_3 = sum(1 for s in retrieval if s.rank and s.rank <= 3) / len(retrieval)
        m.hit_at_5 = sum(1 for s in retrieval if s.rank and s.rank <= 5) / len(retrieval)
        m.mrr = sum(1 / s.rank for s in retrieval if s.rank) / len(retrieval)
    total_facts = sum(s.facts_total for s in answerable)
    m.fact_recall = sum(s.facts_found for s in answerable) / total_facts if total_facts else None
    right = sum(1 for s in unanswerable if s.answer.get("abstained")) + sum(
        1 for s in answerable if not s.answer.get("abstained")
    )
    m.abstain_accuracy = right / len(scored) if scored else 0.0
    m.false_abstain_rate = sum(1 for s in answerable if s.answer.get("abstained")) / len(answerable) if answerable else 0.0
    latencies = [s.answer.get("latency_ms", 0.0) for s in scored]
    m.latency_p50_ms = percentile(latencies, 0.5)
    m.latency_p95_ms = percentile(latencies, 0.95)
    leads = [s.lead_ok for s in scored if s.lead_ok is not None]
    m.lead_fact = sum(leads) / len(leads) if leads else None
    if unanswerable:
        m.unanswerable_abstain_rate = sum(1 for s in unanswerable if s.answer.get("abstained")) / len(unanswerable)
    m.hedged_rate = sum(1 for s in scored if s.answer.get("outcome") == "hedged") / len(scored) if scored else 0.0
    # Only rows whose first citation can be judged: unanswerable ones, and answerable ones with
    # expected snippets (a calculator row without them says nothing about its citations).
    rated = [s for s in scored if s.answer.get("outcome") in ("answer", "hedged", "abstained")
             and (s.row.get("expected_snippets") or not s.row.get("answerable", True))]
    if rated:
        from .confidence import calibration_floor, expected_calibration_error

        probability = np.asarray([s.answer.get("confidence", 0.0) for s in rated])
        correct = np.asarray([1.0 if s.rank == 1 and s.row.get("answerable", True) else 0.0 for s in rated])
        m.calibration_error = expected_calibration_error(probability, correct)
        m.calibration_floor = calibration_floor(probability)
    calc = [s for s in scored if s.calc_ok is not None]
    m.calc_cases = len(calc)
    m.calc_pass_rate = sum(1 for s in calc if s.calc_ok) / len(calc) if calc else None
    return m


def load_questions(path: Path) -> list[dict]:
    if not path.exists():
        raise PolicyError(f"{path}: 问题集文件不存在")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise PolicyError(f"{path}:{number}: 不是合法的 JSON 行") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str):
            raise PolicyError(f"{path}:{number}: 每行应是含 question 字段的 JSON 对象")
        row.setdefault("id", f"line{number}")
        rows.append(row)
    if not rows:
        raise PolicyError(f"{path}: 问题集为空")
    return rows


def evaluate(rows: list[dict], settings: Settings, assistant=None) -> list[Scored]:
    from .service import PolicyAssistant

    assistant = assistant or PolicyAssistant(settings)
    assistant.warm_up()
    scored = []
    history: dict[str, str] = {}
    for row in rows:
        previous = history.get(row["follow_up_of"]) if row.get("follow_up_of") else None
        as_of = date.fromisoformat(row["as_of"]) if row.get("as_of") else None
        answer = assistant.ask(
            row["question"], qid=row["id"], history=[previous] if previous else None, facts=row.get("facts"), as_of=as_of
        )
        history[row["id"]] = row["question"]
        scored.append(score_one(row, answer.to_json()))
    return scored


def check_gate(metrics: Metrics, gate: Path) -> list[str]:
    """Thresholds file: {"hit_at_3": 0.9, ...}; latency keys are maxima, the rest minima."""
    limits = json.loads(gate.read_text(encoding="utf-8"))
    failures = []
    values = metrics.to_json()
    for key, limit in limits.items():
        if key.startswith("_"):
            continue
        value = values.get(key)
        if value is None:
            failures.append(f"{key}: 没有测得数值")
        elif key.startswith("latency") or key in ("false_abstain_rate", "calibration_error", "question_overlap"):
            if value > limit:
                failures.append(f"{key} = {value} > {limit}")
        elif value < limit:
            failures.append(f"{key} = {value} < {limit}")
    return failures


def question_overlap(rows: list[dict], chunk_texts: list[str]) -> float | None:
    """Mean share of a question's content words found in the clause that answers it: how much
    the question set shares the documents' own words (low for questions asked in everyday words)."""
    texts = [norm(t) for t in chunk_texts]
    shares = []
    for row in rows:
        snippets = [norm(s) for s in row.get("expected_snippets", [])]
        asked = set(words(row["question"]))
        if not row.get("answerable", True) or not snippets or not asked:
            continue
        gold = [t for t in texts if any(s and s in t for s in snippets)]
        if gold:
            shares.append(max(sum(1 for w in asked if w in t) / len(asked) for t in gold))
    return sum(shares) / len(shares) if shares else None


def run_eval(questions: Path, settings: Settings, as_json: bool, report_dir: Path | None, gate: Path | None) -> int:
    from .service import PolicyAssistant

    rows = load_questions(questions)
    assistant = PolicyAssistant(settings)
    scored = evaluate(rows, settings, assistant)
    metrics = aggregate(scored)
    metrics.question_overlap = question_overlap(rows, [c.text for c in assistant.index.chunks])
    if report_dir:
        from .report import write_report

        write_report(report_dir, questions, scored, metrics, breakdown(scored))
    if as_json:
        print(json.dumps(metrics.to_json(), ensure_ascii=False))
    else:
        for key, value in metrics.to_json().items():
            print(f"{key:>20}: {value}")
    if gate:
        failures = check_gate(metrics, gate)
        if failures:
            import sys

            print("质量门槛未通过：" + "；".join(failures), file=sys.stderr)
            return 1
    return 0


def breakdown(scored: list[Scored]) -> dict[str, dict[str, Metrics]]:
    groups: dict[str, dict[str, list[Scored]]] = {"category": defaultdict(list), "source_doc": defaultdict(list)}
    for s in scored:
        groups["category"][s.row.get("category") or "(none)"].append(s)
        groups["source_doc"][s.row.get("source_doc") or "(none)"].append(s)
    return {kind: {name: aggregate(items) for name, items in sorted(g.items())} for kind, g in groups.items()}

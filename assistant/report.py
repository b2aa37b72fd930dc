"""Eval report: Markdown with per-category and per-document tables, the failing
questions (expected vs retrieved), and a PNG chart of the headline metrics."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from .evaluate import Metrics, Scored

COLUMNS = ("n", "hit_at_1", "hit_at_3", "mrr", "fact_recall", "abstain_accuracy", "false_abstain_rate")


def _table(title: str, groups: dict[str, Metrics]) -> list[str]:
    lines = [f"## {title}", "", "| " + " | ".join(("group",) + COLUMNS) + " |", "|" + "---|" * (len(COLUMNS) + 1)]
    for name, m in groups.items():
        values = m.to_json()
        lines.append("| " + " | ".join([name] + [str(values[c]) for c in COLUMNS]) + " |")
    return lines + [""]


def passed(s: Scored) -> bool:
    """Right abstention, expected clause in the top 3, and the exact amount where one is expected."""
    answerable = s.row.get("answerable", True)
    if answerable == bool(s.answer.get("abstained")):
        return False
    if answerable and s.row.get("expected_snippets") and not (s.rank and s.rank <= 3):
        return False
    return s.calc_ok is not False


def _failures(scored: list[Scored]) -> list[str]:
    lines = ["## 未通过的问题 (failing questions)", ""]
    count = 0
    for s in scored:
        answerable = s.row.get("answerable", True)
        abstained = s.answer.get("abstained")
        wrong_abstain = answerable == bool(abstained)
        miss = answerable and s.row.get("expected_snippets") and not (s.rank and s.rank <= 3)
        fact_miss = s.facts_found < s.facts_total
        if not (wrong_abstain or miss or fact_miss or s.calc_ok is False):
            continue
        count += 1
        lines.append(f"### {s.row['id']} · {s.row['question']}")
        reasons = []
        if wrong_abstain:
            reasons.append("错误拒答" if answerable else "应拒答却作答")
        if miss:
            reasons.append(f"期望条款不在前3（rank={s.rank}）")
        if fact_miss:
            reasons.append(f"事实 {s.facts_found}/{s.facts_total}")
        if s.calc_ok is False:
            got = (s.answer.get("calculation") or {}).get("total_yuan")
            reasons.append(f"测算金额 {got} ≠ 期望 {s.row.get('expected_amount_yuan')}")
        lines.append("- 问题：" + "；".join(reasons))
        lines.append(f"- 期望片段：{json.dumps(s.row.get('expected_snippets', []), ensure_ascii=False)}")
        lines.append(f"- 期望事实：{json.dumps(s.row.get('expected_facts', []), ensure_ascii=False)}")
        for c in s.answer.get("citations", [])[:3]:
            lines.append(f"- 检索到 [{c['n']}] {c['doc_id']} · {c['section']}：{c['text'][:80]}…")
        lines.append(f"- 回答：{s.answer.get('answer', '')[:200]}")
        lines.append("")
    if not count:
        lines.append("全部通过。")
    return lines


def _chart(path: Path, metrics: Metrics, scored: list[Scored]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ["hit_at_1", "hit_at_3", "hit_at_5", "mrr", "fact_recall", "abstain_accuracy"]
    values = {k: (v if v is not None else 0.0) for k, v in metrics.to_json().items()}  # a set without facts
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    axes[0].bar(keys, [values[k] for k in keys], color="#2f6db5")
    axes[0].set_ylim(0, 1.05)
    axes[0].set_title("Overall")
    axes[0].tick_params(axis="x", rotation=30)
    for i, k in enumerate(keys):
        axes[0].text(i, values[k] + 0.02, f"{values[k]:.2f}", ha="center", fontsize=8)
    by_category: dict[str, list[bool]] = {}
    for s in scored:
        by_category.setdefault(s.row.get("category") or "(none)", []).append(passed(s))
    names = sorted(by_category)
    rates = [sum(by_category[n]) / len(by_category[n]) for n in names]
    axes[1].barh(range(len(names)), rates, color="#4f9d69")
    axes[1].set_yticks(range(len(names)))
    axes[1].set_yticklabels([f"{n} ({len(by_category[n])})".encode("ascii", "replace").decode() for n in names], fontsize=7)
    axes[1].set_xlim(0, 1.05)
    axes[1].set_title("questions passed by category (abstention, top-3 clause, amount)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(directory: Path, questions: Path, scored: list[Scored], metrics: Metrics, groups: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    _chart(directory / "metrics.png", metrics, scored)
    lines = [
        "# 评测报告 (eval report)",
        "",
        f"- 问题集：`{questions}`，{metrics.n} 题",
        f"- 生成时间：{datetime.now().isoformat(timespec='seconds')}",
        "",
        "![metrics](metrics.png)",
        "",
        "## 总体指标",
        "",
        "```json",
        json.dumps(metrics.to_json(), ensure_ascii=False, indent=1),
        "```",
        "",
    ]
    lines += _table("按类别 (per category)", groups["category"])
    lines += _table("按文档 (per document)", groups["source_doc"])
    lines += _failures(scored)
    path = directory / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    (directory / "metrics.json").write_text(json.dumps(metrics.to_json(), ensure_ascii=False, indent=1))
    return path

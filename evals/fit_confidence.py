"""Fit the confidence model on some question sets and check it on others.

    .venv/bin/python evals/fit_confidence.py            # fit, write assistant/confidence.json + evals/reports/confidence.md

A row's label is 1 when the first citation holds one of its expected snippets (so an
unanswerable question is always 0). The model is fitted on FIT and its expected
calibration error (ECE) measured on CHECK, sets it never saw; each set is also
scored by a model fitted on all the others (leave one set out), the honest number
for a new document set. The hedging and abstention thresholds are constants (`AnswerConfig` in
assistant/config.py); a refit does not move them.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.confidence import Signals, calibration_floor, expected_calibration_error, fit, reliability, signals_of  # noqa: E402
from assistant.config import CONFIDENCE_MODEL, Settings  # noqa: E402
from assistant.evaluate import load_questions, norm  # noqa: E402
from assistant.tokens import words  # noqa: E402

SHARED = ROOT.parent / "shared" / "benchmarks"
SETS = {
    "ours": (ROOT / "index", ROOT / "evals" / "questions.jsonl"),
    "blind": (ROOT / "index", ROOT / "evals" / "questions-blind.jsonl"),
    "ncp": (ROOT / "index-external", SHARED / "ncp-policy-qa" / "questions.jsonl"),
    "stard": (ROOT / "index-stard", SHARED / "stard-dev" / "questions.jsonl"),
}


def half(qid: str) -> str:
    """A fixed split of a set by question id (hash), so the same rows always fall together."""
    return "a" if int(hashlib.sha256(qid.encode()).hexdigest(), 16) % 2 == 0 else "b"


def collect(name: str) -> list[dict]:
    from assistant.service import PolicyAssistant

    index_dir, questions = SETS[name]
    assistant = PolicyAssistant(Settings.from_env(index_dir=index_dir))
    rows = []
    history: dict[str, str] = {}
    for row in load_questions(questions):
        previous = history.get(row.get("follow_up_of", ""))
        history[row["id"]] = row["question"]
        as_of = date.fromisoformat(row["as_of"]) if row.get("as_of") else assistant.settings.today()
        query, retrieval = assistant.retrieve(row["question"], as_of, [previous] if previous else None)
        if not retrieval.hits or retrieval.hits[0].direct:
            continue
        if row.get("answerable", True) and not row.get("expected_snippets"):
            continue  # a calculator row: nothing says which clause it should cite first
        signals = signals_of(retrieval, len(words(query)))
        snippets = [norm(s) for s in row.get("expected_snippets", [])]
        label = int(row.get("answerable", True) and any(s and s in norm(retrieval.hits[0].chunk.text) for s in snippets))
        rows.append({"set": name, "id": row["id"], "half": half(row["id"]), "answerable": row.get("answerable", True),
                     "x": signals.vector().tolist(), "y": label})
    return rows


def main() -> int:
    cache = ROOT / "evals" / "reports" / "confidence-signals.json"
    if "--cached" in sys.argv and cache.exists():
        data = json.loads(cache.read_text())
    else:
        data = [r for name in SETS for r in collect(name)]
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(data))
    x = np.asarray([r["x"] for r in data])
    y = np.asarray([r["y"] for r in data], dtype=float)

    def rows(pred) -> np.ndarray:
        return np.asarray([pred(r) for r in data])

    fit_mask = rows(lambda r: r["half"] == "a")
    model = fit(x[fit_mask], y[fit_mask], [f"{name} half a (by id hash)" for name in SETS])
    p = np.asarray([model.probability(Signals(*v)) for v in x])
    lines = ["# Confidence calibration", "",
             "Fitted on: " + ", ".join(model.fitted_on) + ". ECE = expected calibration error (10 bins); "
             "even a perfectly calibrated model shows some on a finite set (its median over 500 draws of "
             "labels is the column 'ECE a calibrated model would show'): on 60 rows about 0.11.", "",
             "| set | rows | positives | ECE (fitted model) | ECE (model fitted without this set) | ECE a calibrated model would show | AUC |",
             "|---|---|---|---|---|---|---|"]
    report: dict = {}
    for name in SETS:
        for part in (None, "a", "b"):
            mask = rows(lambda r, n=name, h=part: r["set"] == n and (h is None or r["half"] == h))
            if not mask.any():
                continue
            others = rows(lambda r, n=name: r["set"] != n)
            loo = fit(x[others], y[others], [])
            p_loo = np.asarray([loo.probability(Signals(*v)) for v in x[mask]])
            label = name + (f" half {part}" + (" (fit)" if part == "a" else " (held out)") if part else "")
            ece, ece_loo = expected_calibration_error(p[mask], y[mask]), expected_calibration_error(p_loo, y[mask])
            floor = calibration_floor(p[mask])
            report[label] = {"ece": round(ece, 4), "ece_leave_set_out": round(ece_loo, 4), "floor": round(floor, 4)}
            lines.append(f"| {label} | {mask.sum()} | {int(y[mask].sum())} | {ece:.3f} | {ece_loo:.3f} | {floor:.3f} | "
                         f"{auc(p[mask], y[mask]):.3f} |")
    held = rows(lambda r: r["half"] == "b")
    report["all half b (held out)"] = {"ece": round(expected_calibration_error(p[held], y[held]), 4)}
    lines.append(f"| all sets, half b (held out) | {held.sum()} | {int(y[held].sum())} | "
                 f"{report['all half b (held out)']['ece']:.3f} | — | {calibration_floor(p[held]):.3f} | {auc(p[held], y[held]):.3f} |")
    lines += ["", "Reliability (all sets, fitted model): mean confidence → share correct (rows)", ""]
    lines += [f"- {c:.2f} → {a:.2f} ({n})" for c, a, n in reliability(p, y)]
    model.report = report
    model.save(CONFIDENCE_MODEL)
    plot(p, y, ROOT / "evals" / "reports" / "reliability.png")
    lines += ["", "![reliability](reliability.png)", ""]
    (ROOT / "evals" / "reports" / "confidence.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


def auc(p: np.ndarray, y: np.ndarray) -> float:
    pos, neg = p[y == 1], p[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    return float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg)))


def plot(p: np.ndarray, y: np.ndarray, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = reliability(p, y)
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.plot([c for c, _, _ in points], [a for _, a, _ in points], "o-")
    ax.set_xlabel("confidence")
    ax.set_ylabel("share correct")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())

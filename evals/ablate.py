"""Ablations: retrieval mode, fusion weights, chunk sizes, on one question set.

    .venv/bin/python evals/ablate.py evals/questions.jsonl [--corpus DIR] > evals/reports/ablation.md

Each chunking variant gets its own index in a temporary folder (embeddings of
unchanged chunk texts are reused between variants by the build itself).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import ChunkingConfig, RetrievalConfig, Settings  # noqa: E402
from assistant.embed import make_embeddings  # noqa: E402
from assistant.evaluate import aggregate, evaluate, load_questions  # noqa: E402
from assistant.ingest import ingest  # noqa: E402
from assistant.service import PolicyAssistant  # noqa: E402

RETRIEVAL = {
    "BM25 only (words)": RetrievalConfig(dense=False, bigram_weight=0.0, coverage_weight=0.0),
    "BM25 words + bigrams": RetrievalConfig(dense=False, coverage_weight=0.0),
    "dense only": RetrievalConfig(lexical_weight_min=0.0, lexical_weight_max=0.0, coverage_weight=0.0),
    "fixed 0.5/0.5 score fusion": RetrievalConfig(lexical_weight_min=0.5, lexical_weight_max=0.5, coverage_weight=0.0),
    "fixed 0.5/0.5 + rerank 0.2": RetrievalConfig(lexical_weight_min=0.5, lexical_weight_max=0.5),
    "adaptive, no bigrams": RetrievalConfig(bigram_weight=0.0),
    "adaptive, no rerank": RetrievalConfig(coverage_weight=0.0),
    "adaptive + bigrams + rerank 0.2 (default)": RetrievalConfig(),
    "adaptive + bigrams + rerank 0.4": RetrievalConfig(coverage_weight=0.4),
}
CHUNKING = {
    "min 60 / max 420 (default)": ChunkingConfig(),
    "min 0 / max 200": ChunkingConfig(min_chars=0, max_chars=200),
    "min 120 / max 800": ChunkingConfig(min_chars=120, max_chars=800),
}
COLUMNS = ("hit_at_1", "hit_at_3", "hit_at_5", "mrr", "fact_recall", "abstain_accuracy", "false_abstain_rate", "lead_fact")


def row(name: str, metrics) -> str:
    values = metrics.to_json()
    return "| " + " | ".join([name] + [str(values[c]) for c in COLUMNS]) + " |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--index", type=Path, default=None, help="an index already built: retrieval variants only")
    args = parser.parse_args()
    rows = load_questions(args.questions)
    base = Settings.from_env()
    embeddings = make_embeddings(base)
    scratch = Path(tempfile.mkdtemp(prefix="ablate-"))
    header = "| variant | " + " | ".join(COLUMNS) + " |\n|" + "---|" * (len(COLUMNS) + 1)
    try:
        print("## Retrieval (default chunking)\n")
        print(header)
        settings = replace(base, index_dir=args.index or scratch / "default")
        if not args.index:
            ingest([args.corpus] if args.corpus else None, settings, embeddings=embeddings)
        for name, retrieval in RETRIEVAL.items():
            variant = replace(settings, retrieval=retrieval)
            scored = evaluate(rows, variant, PolicyAssistant(variant, embeddings=embeddings))
            print(row(name, aggregate(scored)), flush=True)
        if args.index:
            return
        print("\n## Chunking (default retrieval)\n")
        print(header)
        for name, chunking in CHUNKING.items():
            variant = replace(base, index_dir=scratch / name.split()[1], chunking=chunking)
            ingest([args.corpus] if args.corpus else None, variant, embeddings=embeddings)
            scored = evaluate(rows, variant, PolicyAssistant(variant, embeddings=embeddings))
            print(row(name, aggregate(scored)), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

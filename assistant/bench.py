"""policy-assistant bench: speed and memory, measured in one run, written as a report.

Machines here are shared and noisy, so besides absolute numbers the report
gives ratios measured in the same run (a re-ingest against a full build, a
warm question against the first one).
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from .config import Settings


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _page_latency(assistant, settings: Settings, rows: list[dict]) -> dict:
    """Questions and calculations through the running web page, as gradio_client sends them."""
    import socket

    from gradio_client import Client

    from .serve import build_app, launch_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = build_app(assistant, settings)
    launch_app(app, "127.0.0.1", port, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        client.predict(rows[0]["question"], api_name="/ask")
        ask, calc = [], []
        for row in rows:
            t = time.perf_counter()
            client.predict(row["question"], api_name="/ask")
            ask.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            client.predict(json.dumps({"digital_investment_yuan": 8000000, "digital_accepted": True}), api_name="/calculate")
            calc.append((time.perf_counter() - t) * 1000)
    finally:
        app.close()
    from .evaluate import percentile

    return {"ask_p50_ms": round(statistics.median(ask), 1), "ask_p95_ms": round(percentile(ask, 0.95), 1),
            "calculate_p50_ms": round(statistics.median(calc), 1)}


def run_bench(settings: Settings, questions: Path, report: Path) -> dict:
    from .embed import make_embeddings
    from .evaluate import load_questions, percentile
    from .ingest import ingest
    from .service import PolicyAssistant

    embeddings = make_embeddings(settings)
    scratch = Path(tempfile.mkdtemp(prefix="policy-bench-"))
    try:
        bench_settings = replace(settings, index_dir=scratch / "index")
        started = time.perf_counter()
        full = ingest(None, bench_settings, embeddings=embeddings)
        full_seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = ingest(None, bench_settings, embeddings=embeddings)
        again_seconds = time.perf_counter() - started
        size = _dir_size((bench_settings.index_dir / "active").resolve())

        started = time.perf_counter()
        assistant = PolicyAssistant(bench_settings, embeddings=embeddings)
        open_seconds = time.perf_counter() - started
        rows = load_questions(questions)
        started = time.perf_counter()
        assistant.ask(rows[0]["question"])
        first_ms = (time.perf_counter() - started) * 1000
        ask_ms, lookup_ms = [], []
        for row in rows:
            answer = assistant.ask(row["question"])
            ask_ms.append(answer.latency_ms)
            t = time.perf_counter()
            assistant.lookup(row["question"])
            lookup_ms.append((time.perf_counter() - t) * 1000)
        page = _page_latency(assistant, bench_settings, rows[:30])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    results = {
        "documents": full.documents,
        "chunks": full.chunks,
        "full_build_seconds": round(full_seconds, 2),
        "chunks_embedded_full": full.build.embedded if full.build else 0,
        "unchanged_reingest_seconds": round(again_seconds, 3),
        "chunks_embedded_unchanged": again.build.embedded if again.build else 0,
        "reingest_to_build_ratio": round(again_seconds / full_seconds, 4) if full_seconds else None,
        "index_size_mb": round(size / 1e6, 2),
        "open_index_seconds": round(open_seconds, 2),
        "first_question_ms": round(first_ms, 1),
        "ask_p50_ms": round(statistics.median(ask_ms), 1),
        "ask_p95_ms": round(percentile(ask_ms, 0.95), 1),
        "lookup_p50_ms": round(statistics.median(lookup_ms), 1),
        "first_to_warm_ratio": round(first_ms / statistics.median(ask_ms), 2),
        "page_ask_p50_ms": page["ask_p50_ms"],
        "page_ask_p95_ms": page["ask_p95_ms"],
        "page_calculate_p50_ms": page["calculate_p50_ms"],
        "page_to_core_ratio": round(page["ask_p50_ms"] / statistics.median(ask_ms), 2),
        "questions": len(rows),
        "peak_rss_mb": round(_rss_mb(), 1),
    }
    report.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Benchmark", "", f"- date: {time.strftime('%Y-%m-%d %H:%M')}", f"- question set: `{questions}`", "",
             "| measure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in results.items()]
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=1))
    return results

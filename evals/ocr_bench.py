"""OCR accuracy and speed on real policy text: pages of the bundled corpus printed as scans
(Debian CJK font, 150 dpi, blurred as a scanner would), read back through the ingest loader.

    .venv/bin/python evals/ocr_bench.py [--pages 10] [--json]

Character accuracy = 1 − edit distance / characters (whitespace ignored). Seconds per page are
wall time of the loader (render + recognise), after the model is loaded once.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.clean import clean_text  # noqa: E402
from assistant.load import load_file  # noqa: E402
from tests.documents import make_scanned_pdf  # noqa: E402
from tests.test_formats import character_accuracy  # noqa: E402


def pages_of_corpus(n: int, per_page: int = 620) -> list[list[str]]:
    """Consecutive stretches of the bundled policies' own paragraphs, one A4 page each."""
    paragraphs = [
        line.strip() for f in sorted((ROOT / "corpus").glob("*.txt"))
        for line in clean_text(f.read_text(encoding="utf-8")).splitlines() if len(line.strip()) >= 8
    ]
    pages, page, size = [], [], 0
    step = max(1, len(paragraphs) // (n * 8))
    for paragraph in paragraphs[::step]:
        if size + len(paragraph) > per_page and page:
            pages.append(page)
            page, size = [], 0
            if len(pages) == n:
                break
        page.append(paragraph[:per_page])
        size += len(paragraph)
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from assistant.ocr import _get_engine

    _get_engine()  # load once, as a running server has
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, page in enumerate(pages_of_corpus(args.pages)):
            path = Path(tmp) / f"page{i}.pdf"
            make_scanned_pdf(path, [page])
            start = time.perf_counter()
            text = load_file(path).text
            seconds = time.perf_counter() - start
            expected = "".join(page)
            rows.append({"page": i + 1, "chars": len("".join(expected.split())),
                         "accuracy": round(character_accuracy(expected, clean_text(text)), 4), "seconds": round(seconds, 2)})
    summary = {
        "pages": len(rows),
        "characters": sum(r["chars"] for r in rows),
        "accuracy_mean": round(statistics.mean(r["accuracy"] for r in rows), 4),
        "accuracy_min": min(r["accuracy"] for r in rows),
        "seconds_per_page_p50": statistics.median(r["seconds"] for r in rows),
        "seconds_per_page_max": max(r["seconds"] for r in rows),
    }
    if args.json:
        print(json.dumps({"summary": summary, "pages": rows}, ensure_ascii=False, indent=1))
    else:
        for r in rows:
            print(f"page {r['page']:2d}: {r['chars']:4d} chars, accuracy {r['accuracy']:.4f}, {r['seconds']:.2f} s")
        print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

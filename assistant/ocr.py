"""Text from page images (scanned 红头文件), offline.

RapidOCR runs the PP-OCR models that ship inside its wheel on onnxruntime, so
nothing is downloaded. Recognised lines are put back into paragraphs from their
geometry alone (an indented line starts a paragraph, a line that stops short of
the right margin ends one), which is how any printed page is laid out; the
cleaner then sees the same shape of text as from a text layer.
"""

from __future__ import annotations

import statistics
import threading
from dataclasses import dataclass
from typing import Any

_engine: Any = None
_engine_lock = threading.Lock()
_run_lock = threading.Lock()
RENDER_SCALE = 2.0  # PDF points → pixels: A4 becomes about 1190 × 1684 px (144 dpi), enough for 10.5 pt text


@dataclass(frozen=True)
class OcrLine:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def _get_engine():
    global _engine
    with _engine_lock:
        if _engine is None:
            import logging

            from rapidocr import RapidOCR

            _engine = RapidOCR(params={"Global.log_level": "error"})
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        return _engine


def recognise(image) -> list[OcrLine]:
    """The text lines on one page image (PIL image or numpy array), in reading order."""
    import numpy as np

    array = np.asarray(image.convert("RGB")) if hasattr(image, "convert") else image
    engine = _get_engine()
    with _run_lock:  # one engine, one page at a time: onnxruntime already uses every core
        result = engine(array)
    if result.txts is None or result.boxes is None:
        return []
    lines = []
    for text, box, score in zip(result.txts, result.boxes, result.scores, strict=False):
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        if text.strip():
            lines.append(OcrLine(text.strip(), min(xs), min(ys), max(xs), max(ys), float(score)))
    return _reading_order(lines)


def _reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Top to bottom; boxes on one baseline (a table row, a split line) left to right."""
    lines = sorted(lines, key=lambda ln: ln.y0)
    rows: list[list[OcrLine]] = []
    for line in lines:
        if rows and abs(rows[-1][0].y0 - line.y0) < 0.5 * min(rows[-1][0].height, line.height):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [ln for row in rows for ln in sorted(row, key=lambda ln: ln.x0)]


def lines_to_text(lines: list[OcrLine]) -> str:
    """Lines → paragraphs, by layout: indentation opens a paragraph, a short line closes one."""
    if not lines:
        return ""
    em = statistics.median(ln.height for ln in lines)
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    paragraphs: list[str] = []
    previous: OcrLine | None = None
    for line in lines:
        same_row = previous is not None and abs(previous.y0 - line.y0) < 0.5 * em
        starts = (
            previous is None
            or line.x0 > left + 1.2 * em  # indented (or centred: a title)
            or previous.x1 < right - 1.5 * em  # the line above stopped early
            or line.y0 - previous.y1 > 1.2 * em  # a blank line between
        )
        if same_row:
            paragraphs[-1] += " " + line.text
        elif starts:
            paragraphs.append(line.text)
        else:
            paragraphs[-1] += line.text
        previous = line
    return "\n".join(paragraphs)


def pdf_page_image(pdf_bytes: bytes, page_index: int, scale: float = RENDER_SCALE):
    """Render one PDF page to a PIL image (pdfium: draws whatever the page holds, any scan layout)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf_bytes)
    try:
        page = document[page_index]
        bitmap = page.render(scale=scale, grayscale=True)
        return bitmap.to_pil()
    finally:
        document.close()

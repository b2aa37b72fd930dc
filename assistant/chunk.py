"""Stage 4: clause tree → chunks.

One chunk per lowest meaningful clause. Clauses that are only a heading add
nothing (their words travel in every child's prefix); tiny siblings are merged;
a huge clause is split at paragraph, then sentence ends. The text the
retrievers see starts with the document title and the clause path, so a
continuation piece never loses its heading.
"""

from __future__ import annotations

import re

from .config import ChunkingConfig
from .models import Chunk, Clause, PolicyDocument
from .tokens import char_bigrams


def chunk_document(doc: PolicyDocument, config: ChunkingConfig = ChunkingConfig()) -> list[Chunk]:
    chunks: list[Chunk] = []
    pending: list[Clause] = []
    scanned = {page: set(char_bigrams(text)) for page, text in sorted(doc.ocr_text.items())}  # once per document

    def flush() -> None:
        if not pending:
            return
        first, last = pending[0], pending[-1]
        text = doc.text[first.start: last.end].strip()
        section = first.section if len(pending) == 1 else _common_section(pending)
        named = [c.search_path or c.path for c in pending]  # clauses read from an older index have no search path
        searched = " / ".join(named[0]) if len(pending) == 1 else " / ".join(named[0][:-1] + ["、".join(n[-1] for n in named)])
        responsible = list(dict.fromkeys(u for c in pending for u in c.responsible))
        for start, piece in _split(text, first.start, config.max_chars):
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.meta.doc_id}#{first.clause_id}-{len(chunks):03d}",
                    doc_id=doc.meta.doc_id,
                    clause_id=first.clause_id,
                    section=section,
                    text=piece,
                    embed_text=f"{doc.meta.title}\n{searched or section}\n{piece}",
                    start=start,
                    end=start + len(piece),
                    responsible=responsible,
                    ocr_pages=_ocr_pages(piece, scanned),
                )
            )
        pending.clear()

    parents = {c.parent_id for c in doc.clauses if c.parent_id}
    for clause in doc.clauses:
        if clause.clause_id in parents and _is_heading_only(clause):
            flush()
            continue
        if pending and (pending[-1].parent_id != clause.parent_id or _size(pending) >= config.min_chars):
            flush()
        pending.append(clause)
        if _size(pending) >= config.min_chars:
            flush()
    flush()
    return chunks


def _size(clauses: list[Clause]) -> int:
    return sum(len(c.text) for c in clauses)


def _is_heading_only(clause: Clause) -> bool:
    """A parent clause that is only its heading ("二、主要举措"); a leaf always has content."""
    body = clause.text[len(clause.label):].strip().rstrip("。")
    return len(body) <= len(clause.heading) + 1 and clause.level > 0


def _common_section(clauses: list[Clause]) -> str:
    """One clause: its path. Merged siblings: their parent, then "（一）至（二）"."""
    parent = clauses[0].path[:-1]
    if len(clauses) == 1:
        return " / ".join(clauses[0].path)
    first, last = clauses[0], clauses[-1]
    names = f"{first.label or first.path[-1]}至{last.label or last.path[-1]}"
    return " / ".join(parent + [names])


def _split(text: str, offset: int, max_chars: int) -> list[tuple[int, str]]:
    """Pieces of at most ``max_chars``, cut at paragraph ends, then sentence ends."""
    if len(text) <= max_chars:
        return [(offset, text)]
    units = re.findall(r"[^\n]*\n+|[^\n]+$", text)
    pieces: list[tuple[int, str]] = []
    position = 0
    buffer, buffer_start = "", 0
    for unit in units:
        parts = [unit] if len(unit) <= max_chars else re.findall(r"[^。；！？]*[。；！？]+|[^。；！？]+$", unit)
        # A sentence longer than a chunk (a table row, text without punctuation) is cut hard.
        parts = [p[i: i + max_chars] for p in parts for i in range(0, len(p), max_chars)]
        for part in parts:
            if buffer and len(buffer) + len(part) > max_chars:
                pieces.append((offset + buffer_start, buffer))
                buffer, buffer_start = "", position
            if not buffer:
                buffer_start = position
            buffer += part
            position += len(part)
    if buffer.strip():
        pieces.append((offset + buffer_start, buffer))
    result = []
    for start, piece in pieces:
        stripped = piece.strip()
        if stripped:
            result.append((start + piece.find(stripped[0]), stripped))
    return result


def _ocr_pages(text: str, scanned: dict[int, set[str]]) -> list[int]:
    """The scanned pages this text was recognised from (``scanned``: each page's character pairs):
    those holding a fair share of its pairs, when together they hold most of them (a clause may
    run across a page)."""
    pairs = set(char_bigrams(text))
    if not scanned or not pairs:
        return []
    found = {p: pairs & page for p, page in scanned.items()}
    pages = [p for p, shared in found.items() if len(shared) >= 0.2 * len(pairs)]
    covered = set().union(*(found[p] for p in pages)) if pages else set()
    return pages if len(covered) >= 0.6 * len(pairs) else []

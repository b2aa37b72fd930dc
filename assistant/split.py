"""Between loading and cleaning: one file may hold several policies.

A compilation (汇编, a scraped e-book) opens with a table of contents (目录)
listing numbered titles with dot leaders and page numbers. Each title found
again in the body starts a policy; titles listed but not found are kept as
*known titles*, so a question about one gets "listed, but its text is not in
the knowledge base" rather than a wrong clause. A file without such a table of
contents is one document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import KnownTitle

_WIDE = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；"})
_LEADER = re.compile(r"[.．·…]{3,}")
MIN_TOC_ENTRIES = 3


@dataclass(frozen=True)
class Part:
    toc_index: int
    title: str
    raw: str


@dataclass(frozen=True)
class SplitResult:
    parts: list[Part]  # empty: the file is a single document
    known_titles: list[KnownTitle]


def _normalise(text: str) -> tuple[str, list[int]]:
    """Whitespace-free, full-width form of ``text`` and a map back to raw offsets."""
    chars: list[str] = []
    positions: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        chars.append(ch.translate(_WIDE))
        positions.append(i)
    return "".join(chars), positions


def parse_toc(norm: str) -> tuple[list[tuple[int, str]], int]:
    """Find the longest table of contents in normalised text.

    Entries look like ``1.标题....12`` run together, so the page number of one
    entry touches the index of the next ("...12.标题"); the expected next index
    tells the two apart. Returns [(index, title)] and the offset where it ends.
    """
    best: list[tuple[int, str]] = []
    best_end = 0
    for start in (m.end() for m in re.finditer("目录", norm)):
        entries: list[tuple[int, str]] = []
        pos = start
        expected = 1
        while True:
            prefix = f"{expected}."
            if not norm.startswith(prefix, pos):
                break
            leader = _LEADER.search(norm, pos)
            if not leader or leader.start() - pos > 120:
                break
            title = norm[pos + len(prefix): leader.start()]
            entries.append((expected, title))
            # after the leader: page digits, then the next index
            after = leader.end()
            nxt = f"{expected + 1}."
            match = re.match(r"\d{1,4}", norm[after:])
            end = after + (match.end() if match else 0)
            # the page number may have swallowed the next index's digits
            found = norm.find(nxt, after, after + 8)
            pos = found if found != -1 else end
            # skip page furniture between entries (第3页)
            furniture = re.match(r"第\d+页\d*", norm[pos:])
            if furniture and not norm.startswith(nxt, pos):
                pos += furniture.end()
            expected += 1
        if len(entries) > len(best):
            best, best_end = entries, pos
    return best, best_end


def split_compilation(raw: str, source_file: str) -> SplitResult:
    norm, positions = _normalise(raw)
    toc, toc_end = parse_toc(norm)
    if len(toc) < MIN_TOC_ENTRIES:
        return SplitResult(parts=[], known_titles=[])
    starts: list[tuple[int, int, str]] = []
    known: list[KnownTitle] = []
    for index, title in toc:
        at = norm.find(title, toc_end)
        if at == -1:
            known.append(KnownTitle(title=title, source_file=source_file, toc_index=index))
            continue
        raw_at = positions[at]
        line_start = raw.rfind("\n", 0, raw_at) + 1
        starts.append((line_start, index, title))
    if not starts:
        return SplitResult(parts=[], known_titles=[])
    starts.sort()
    parts = []
    for k, (begin, index, title) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(raw)
        parts.append(Part(toc_index=index, title=title, raw=raw[begin:end]))
    return SplitResult(parts=parts, known_titles=known)

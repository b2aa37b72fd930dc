"""Stage 2: raw text → clean text.

Removes what a reader would skip (page markers, stray page numbers, dot
leaders, web-scrape chrome), rejoins sentences and numbers broken across pages
and lines, normalises spacing and half-width punctuation inside Chinese text,
and turns tab-separated tables into one readable line per row and column.

Every rule is about the *form* of text, never about one particular file.
"""

from __future__ import annotations

import re

CJK = r"\u4e00-\u9fff"
FULLWIDTH = r"\u3000-\u303f\uff00-\uffef\u2018-\u201d\u2014\u2026"
SENTENCE_END = "。；！？：!?;…"
CLOSERS = "”’」』）)》】"

# Web-scrape chrome: template placeholders and the UI words of e-book/CMS pages.
_NOISE_LINE = re.compile(
    r"""^(?:
        .*\{\{.*\}\}.*                                  # unrendered template
      | (?:收藏|转发|下载|分享|打印|关闭|免费制作|更多内容|更多案例|其他案例|文本内容|返回顶部|x|X)
      | \[(?:展开|收起)\]
      | 粉丝[:：].*
      | 发布时间[:：].*\|.*
      | .*(?:一键上传|免费电子书|分享到微信).*
    )$""",
    re.VERBOSE,
)
_PAGE_MARKER = re.compile(r"^\s*(?:第\s*\d+\s*页(?:\s*[/／]?\s*共\s*\d+\s*页)?|-\s*\d+\s*-|—\s*\d+\s*—)\s*$")
_PAGE_NUMBER = re.compile(r"^\s*\d{1,4}\s*$")
_DOT_LEADER = re.compile(r"\s*[.．·…。]{6,}\s*\d*")
_CLAUSE_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|\d+[.．、](?!\d)|[（(]\d+[）)]"
    r"|第[一二三四五六七八九十百零]+[条章节]|附件|[一二三四五六七八九十]是)"
)
_CAPTION = re.compile(r"^[^\t]{2,60}表\s*(?:[（(]?\s*[\d一二三四五六七八九十]+\s*[）)]?)?\s*$")
_NUMERIC_CELL = re.compile(r"^[\d.,，%‰\-—–~～]+(?:以上|以下|左右)?$|^[—–-]$")


def clean_text(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u3000", " ")
    text = text.replace("\ufeff", "")
    text = re.sub(r"\[bookmark:[^\]\n]*\]", "", text)  # word-processor export anchors
    lines = [line for line in text.split("\n") if not _NOISE_LINE.match(line.strip())]
    text = "\n".join(lines)
    text = linearize_tables(text)
    text = _join_page_breaks(text)
    text = _DOT_LEADER.sub("\n", text)
    text = _normalise_spacing(text)
    text = _normalise_punctuation(text)
    text = _join_broken_lines(text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip() + "\n"


def _join_page_breaks(text: str) -> str:
    """Drop page markers and the page number beside them; a sentence that runs
    over the break is joined back into one."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not _PAGE_MARKER.match(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        # skip the marker, blank lines and one stray page number after it
        i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i < len(lines) and _PAGE_NUMBER.match(lines[i]):
            i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        while out and not out[-1].strip():
            out.pop()
        if out and i < len(lines) and _continues(out[-1], lines[i]):
            out[-1] = out[-1].rstrip() + lines[i].lstrip()
            i += 1
        else:
            out.append("")
    return "\n".join(out)


def _continues(before: str, after: str) -> bool:
    """True when ``after`` is the rest of the sentence that ``before`` started."""
    before, after = before.rstrip(), after.lstrip()
    if not before or not after or after.startswith("\t"):
        return False
    if before[-1] in SENTENCE_END:
        return False
    if before[-1] in CLOSERS and _CLAUSE_START.match(after):
        return False
    return True


def _normalise_spacing(text: str) -> str:
    """'300 万元' → '300万元', '2023 年6 月' → '2023年6月'; spaces between Latin words stay."""
    wide = f"[{CJK}{FULLWIDTH}]"
    text = re.sub(rf"(?<={wide})[ \t]+(?=[{CJK}{FULLWIDTH}0-9A-Za-z%‰(])", "", text)
    text = re.sub(rf"(?<=[0-9A-Za-z%‰)])[ \t]+(?={wide})", "", text)
    return text


def _normalise_punctuation(text: str) -> str:
    """Half-width punctuation inside Chinese text becomes full-width, so one
    document reads like the next: '(含)' → '（含）', '单位:' → '单位：'."""
    def paren(match: re.Match[str]) -> str:
        inner = match.group(1)
        if re.search(f"[{CJK}]", inner + match.string[max(0, match.start() - 1): match.end() + 1]):
            return f"（{inner}）"
        return match.group(0)

    text = re.sub(r"\(([^()\n]{0,80})\)", paren, text)
    for half, full in ((",", "，"), (":", "："), (";", "；"), ("?", "？"), ("!", "！")):
        text = re.sub(rf"(?<=[{CJK}）”])\s*{re.escape(half)}\s*", full, text)
        text = re.sub(rf"(?<=[0-9%])\s*{re.escape(half)}\s*(?=[{CJK}])", full, text)
    return text


def _join_broken_lines(text: str) -> str:
    """Rejoin a line wrapped mid-sentence (a title over two lines, a number
    split from its unit) without merging headings into the text below them."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        if out and out[-1].strip() and line.strip() and _wrapped(out[-1], line):
            out[-1] = out[-1].rstrip() + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def _wrapped(before: str, after: str) -> bool:
    b, a = before.strip(), after.strip()
    if b[-1] in SENTENCE_END or b[-1] in CLOSERS and b.count("（") <= b.count("）"):
        return False
    if _CLAUSE_START.match(a) or re.match(r"^\d{4}年\d{1,2}月\d{1,2}日$", a):
        return False
    if re.search(r"〔\d{4}〕\d+号$", b) or re.search(r"\d{4}年\d{1,2}月\d{1,2}日$", b):
        return False
    if re.search(r"(通知|意见|规划|办法|方案|措施|决定|计划|细则|规定|公告|批复|报告)$", b):
        return False
    if a.startswith(("的", "之")):
        return True
    unbalanced = any(b.count(o) > b.count(c) for o, c in ("《》", "“”", "（）"))
    if unbalanced:
        return True
    if re.search(r"\d$", b) and re.match(rf"^[\d.%‰{CJK}]", a) and re.match(r"^(万|亿|元|%|‰)", a):
        return True
    heading_like = bool(_CLAUSE_START.match(b)) and len(b) <= 30
    return (not heading_like) and len(b) >= 8 and bool(re.search(f"[{CJK}]$", b)) and bool(
        re.match(f"^[{CJK}“]", a)
    ) and (b.endswith(("关于", "的", "和", "与", "及", "促进", "推进")) or len(b) >= 30)


# ---------------------------------------------------------------------------
# Tables: cells start with a tab; rows are separated by a blank line.


def linearize_tables(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    caption = ""
    while i < len(lines):
        line = lines[i]
        if _CAPTION.match(line.strip()):
            caption = line.strip()
        if not line.startswith("\t"):
            out.append(line)
            i += 1
            continue
        j = i
        while j < len(lines):
            current = lines[j]
            if current.startswith("\t") or not current.strip():
                j += 1
                continue
            stripped = current.strip()
            if len(stripped) <= 20 and not _CAPTION.match(stripped):
                j += 1  # a cell's second line ("（亿元）", "地区")
                continue
            break
        block = "\n".join(lines[i:j])
        rendered = _render_table(block, caption)
        out.append(rendered if rendered else block.replace("\t", " "))
        out.append("")
        i = j
    return "\n".join(out)


def _cells(row: str) -> list[str]:
    parts = re.split(r"\n\t|^\t", row)
    return [re.sub(r"\s+", "", p) for p in parts[1:]] if row.startswith("\t") else [
        re.sub(r"\s+", "", p) for p in parts
    ]


def _render_table(block: str, caption: str) -> str:
    rows = [_cells(r) for r in re.split(r"\n[ \u3000]*\n(?=\t)", block.strip("\n")) if r.strip()]
    rows = [r for r in rows if r]

    def is_data(row: list[str]) -> bool:
        values = row[1:]
        numeric = sum(1 for v in values if _NUMERIC_CELL.match(v))
        return bool(row[0]) and not _NUMERIC_CELL.match(row[0]) and len(values) >= 2 and numeric >= len(values) * 0.6

    data_rows = [r for r in rows if is_data(r)]
    if not data_rows:
        return ""
    ncols = max(len(r) for r in data_rows) - 1
    first_data = rows.index(data_rows[0])
    header_rows = [r for r in rows[:first_data] if len(r) >= (ncols + 1) / 2]
    headers: list[str] = []
    for col in range(1, ncols + 1):
        parts: list[str] = []
        for row in header_rows:
            cell = row[col] if col < len(row) else (row[-1] if row else "")
            if cell and cell not in parts:
                parts.append(cell)
        headers.append("·".join(parts) or f"第{col}列")
    name = caption or "表"
    paragraphs = []
    for row in data_rows:
        label = row[0]
        lines = [f"{name}：{label}，{headers[c - 1]}：{row[c] if c < len(row) else ''}" for c in range(1, ncols + 1)]
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)

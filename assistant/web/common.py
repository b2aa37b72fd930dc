"""What every tab shows the same way: text as text, status badges, a clause as a compact card,
a one-line citation to copy, dates typed by people."""

from dataclasses import dataclass
from datetime import date

from ..config import Settings
from ..models import STATUS_LABELS, PolicyError
from ..service import PolicyAssistant

CSS = """
.gradio-container {max-width: 1180px !important; margin: auto;}
.badge {display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff;margin-left:6px;white-space:nowrap}
.badge-current{background:#2e7d32}.badge-expired{background:#9e9e9e}.badge-draft{background:#ef6c00}
.badge-not_yet_effective{background:#1565c0}.badge-unknown{background:#757575}.badge-superseded{background:#6d4c41}
mark {background:#fff59d}
footer {display:none !important}
.card {border-left:3px solid #90a4ae;padding:2px 0 2px 10px;margin:6px 0}
.dept {color:#37474f}
.ocr {color:#8a5a00}
#chat, .prose, .md {overflow-wrap:anywhere; word-break:break-word}
details > summary {cursor:pointer; color:#455a64}
@media (max-width: 640px) {
  .tab-container button[role=tab] {padding: 4px 6px !important; font-size: 14px;}
  .gradio-container .row {flex-wrap: wrap !important;}
  .gradio-container .column {min-width: 100% !important;}
  #chat {height: auto !important; min-height: 300px; max-height: 70vh;}
  .tab-nav button, [role=tab] {padding: 6px 8px !important;}
  table {display:block; overflow-x:auto; max-width: calc(100vw - 24px);}
}
"""

# Outside the page's content, which Gradio's scoped CSS cannot reach: the frame's side padding
# on a phone (32 px each side leaves too little for four tabs and a question box).
HEAD = """<style>
@media (max-width: 640px) {
  .gradio-container .main.app {padding-left: 8px !important; padding-right: 8px !important;}
}
</style>"""

# Characters that Markdown or HTML would act on, as entities: document text is shown as text.
_AS_TEXT = str.maketrans({c: f"&#{ord(c)};" for c in "&<>`*_[]|~\\#"})


def as_text(text: str | None) -> str:
    """Document or user text for a Markdown component: every character shows as itself, none
    becomes markup (an ingested ``<div style=position:fixed>`` or a backtick in a title)."""
    return (text or "").translate(_AS_TEXT)


@dataclass
class Page:
    """What every tab's handlers work with."""

    assistant: PolicyAssistant
    settings: Settings


def badge(status: str) -> str:
    return f"<span class='badge badge-{status}'>{STATUS_LABELS.get(status, status)}</span>"


def parse_date(text: str | None) -> date | None:
    if not text or not str(text).strip():
        return None
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise PolicyError(f"日期格式应为 YYYY-MM-DD，例如 2024-05-01（收到：{text}）") from None


def one_line_citation(c: dict) -> str:
    """What a hotline worker pastes: 《title》（文号）clause，status：text."""
    number = f"（{c['doc_number']}）" if c.get("doc_number") else ""
    status = STATUS_LABELS.get(c["status"], c["status"])
    pages = "、".join(str(int(p)) for p in c.get("ocr_pages") or [])
    scanned = f"（扫描件第{pages}页识别，以原件为准）" if pages else ""
    return f"《{c['doc_title']}》{number}{c['section']}，{status}{scanned}：{c['text']}"


def card(c: dict, words: list[str] | None = None, open_text: bool = False) -> str:
    """One clause, compact: title, 文号, clause path and badge; the department on its own line;
    the verbatim text folded (open on the desk, where the text is what was asked for)."""
    text = as_text(c["text"])
    for word in words or []:
        if word.strip():
            text = text.replace(as_text(word), f"<mark>{as_text(word)}</mark>")
    number = f" {as_text(c['doc_number'])}" if c.get("doc_number") else ""
    head = f"<b>[{c['n']}]《{as_text(c['doc_title'])}》</b>{number} · {as_text(c['section'])}{badge(c['status'])}"
    dept = f"<div class='dept'>负责部门：{as_text('、'.join(c['responsible']))}</div>" if c.get("responsible") else ""
    pages = "、".join(str(int(p)) for p in c.get("ocr_pages") or [])
    scanned = f"<div class='ocr'>⚠️ 本条文字由扫描件第{pages}页识别，可能有错字，请以原件为准</div>" if pages else ""
    body = f"<details{' open' if open_text else ''}><summary>条款原文</summary>{text}</details>"
    return f"<div class='card'>{head}{dept}{scanned}{body}</div>"

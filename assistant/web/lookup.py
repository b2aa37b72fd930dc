"""条款查询, the hotline desk: exact matches first with their count, grouped by document, each
with its context and a copy box holding its one-line citation; related clauses set apart;
filters; recent searches."""

import gradio as gr

from ..models import STATUS_LABELS, PolicyError
from ..retrieve import Filters, search_terms
from .common import Page, as_text, card, one_line_citation, parse_date

RECENT = 8  # searches remembered per browser tab


def _context_html(page: Page, chunk_id: str) -> str:
    rows = page.assistant.clause_context(chunk_id, radius=1)
    body = "".join(
        f"<p style='{'font-weight:600' if r['current'] else 'color:#666'}'>{as_text(r['section'])}<br>{as_text(r['text'])}</p>"
        for r in rows
    )
    return f"<details><summary>上下文（前后条款）</summary>{body}</details>"


def summary_line(found: dict) -> str:
    if found.get("error"):
        return f"⚠️ {as_text(found['error'])}"
    if not found.get("query"):
        return ""
    exact, related = found["exact_total"], len(found["related"])
    shown = len(found["exact"])
    if found["named_clause"]:
        head = f"找到所查条款 {exact} 条"
    elif exact:
        head = f"精确匹配 {exact} 条" + (f"（列出前 {shown} 条）" if shown < exact else "")
    else:
        head = f"没有条款包含「{as_text(found['query'])}」"
    tail = f"；另有相关条款 {related} 条，列在后面" if related else ("" if exact else "，也没有相关条款")
    return f"**{head}**{tail}。"


def document_choices(page: Page) -> list[tuple[str, str]]:
    """The documents of the index as it is now (another tab or process may have added one)."""
    documents = sorted(page.assistant.documents().values(), key=lambda d: d.meta.short_title)
    return [(f"{d.meta.short_title}（{d.meta.doc_number or '无文号'}）", d.meta.doc_id) for d in documents]


def build(page: Page, tab: gr.Tab | None = None) -> None:
    assistant = page.assistant
    doc_choices = document_choices(page)
    found_state = gr.State({})
    recent_state = gr.State([])
    with gr.Row(equal_height=True):
        query = gr.Textbox(label="关键词，或 文号+条款号（如：嘉政办发〔2023〕32号 四、（二） / 32号文 第四条第二款）",
                           scale=5, elem_id="lookup-query")
        search = gr.Button("查询", variant="primary", scale=1, min_width=80, elem_id="lookup-go")
    recent = gr.Dropdown([], label="最近查询", value=None, interactive=True, elem_id="lookup-recent")
    with gr.Accordion("筛选", open=False):
        with gr.Row():
            doc_filter = gr.Dropdown(doc_choices, multiselect=True, label="限定文档", elem_id="lookup-docs")
            status_filter = gr.CheckboxGroup([(label, key) for key, label in STATUS_LABELS.items()], label="限定状态")
        with gr.Row():
            unit_filter = gr.Textbox(label="负责部门（如：市经信局）")
            as_of = gr.Textbox(label="判断有效期的日期（YYYY-MM-DD，留空为今天）")
    summary = gr.Markdown(elem_id="lookup-summary")
    results_area = gr.Column(elem_id="lookup-results")

    def run(text: str, doc_ids: list[str], statuses: list[str], unit: str, as_of_text: str, recent_list: list[str]):
        text = (text or "").strip()
        try:
            filters = Filters(doc_ids=doc_ids or None, statuses=statuses or None, responsible=(unit or "").strip() or None)
            found = assistant.find(text, as_of=parse_date(as_of_text), filters=filters).to_json()
            found["terms"] = search_terms(text)
        except PolicyError as exc:
            found = {"error": str(exc)}
        if text:
            recent_list = ([text] + [r for r in recent_list if r != text])[:RECENT]
        return found, summary_line(found), recent_list, gr.update(choices=recent_list, value=None)

    inputs = [query, doc_filter, status_filter, unit_filter, as_of, recent_state]
    outputs = [found_state, summary, recent_state, recent]
    search.click(run, inputs, outputs, api_visibility="private")
    query.submit(run, inputs, outputs, api_visibility="private")

    def again(chosen: str | None, doc_ids, statuses, unit, as_of_text, recent_list):
        if not chosen:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return chosen, *run(chosen, doc_ids, statuses, unit, as_of_text, recent_list)

    recent.select(again, [recent, doc_filter, status_filter, unit_filter, as_of, recent_state],
                  [query, *outputs], api_visibility="private")

    with results_area:
        @gr.render(inputs=[found_state])
        def results(found: dict):
            if not found or found.get("error"):
                return
            words = found.get("terms") or []
            by_doc: dict[str, list[dict]] = {}
            for c in found["exact"]:
                by_doc.setdefault(c["doc_id"], []).append(c)
            for group in by_doc.values():
                first = group[0]
                gr.Markdown(f"#### 《{as_text(first['doc_title'])}》{as_text(first['doc_number'] or '')} · {len(group)} 条",
                            elem_classes="lookup-doc")
                for c in group:
                    _result(page, c, words)
            if found["related"]:
                gr.Markdown("---\n#### 相关条款（不含全部关键词，按相关度排列）", elem_id="lookup-related")
                for c in found["related"]:
                    _result(page, c, words)
    if tab is not None:  # an upload on the desk (or another server's) shows up when the tab is opened again
        tab.select(lambda chosen: gr.update(choices=document_choices(page), value=chosen), doc_filter, doc_filter,
                   api_visibility="private")


def _result(page: Page, c: dict, words: list[str]) -> None:
    """One clause: its card with the text open, its context folded, and its citation to copy."""
    gr.HTML(card(c, words, open_text=True) + _context_html(page, c["chunk_id"]), elem_classes="lookup-result")
    gr.Textbox(one_line_citation(c), label=f"[{c['n']}] 引用（点右侧按钮复制）", buttons=["copy"], lines=1, max_lines=3,
               interactive=False, elem_classes="lookup-copy")

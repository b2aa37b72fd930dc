"""Stage 10: the web page (Gradio), in Chinese.

Tabs: 政策问答 (chat with cited clauses), 条款查询 (hotline lookup), 补贴测算
(calculator form), 文档管理 (password-protected document desk, shown only when a
password is configured). Named API endpoints for gradio_client, as CONTRACTS.md
says: /ask, /lookup, /calculate (facts, as_of), /answer (question, as_of, history).
"""

import csv
import hmac
import json
import tempfile
import threading
import time
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import gradio as gr

from .api_types import AskJSON, CalculationJSON, CitationJSON
from .config import SUPPORTED_SUFFIXES, Limits, Settings
from .models import STATUS_LABELS, PolicyError
from .retrieve import Filters
from .service import PolicyAssistant

EXAMPLES = [
    "我们新认定为专精特新小巨人，能拿多少奖励？",
    "纯数字化改造投入800万元，已验收合格，能补多少？",
    "外资先进制造业项目配套奖补最高多少？",
    "2016年海宁市机器换人项目投资目标是多少？",
    "嘉政办发〔2023〕32号 四、（三）",
]
STATUS_CHOICES = [(label, key) for key, label in STATUS_LABELS.items()]
CSS = """
.gradio-container {max-width: 1180px !important; margin: auto;}
.badge {display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff;margin-left:6px}
.badge-current{background:#2e7d32}.badge-expired{background:#9e9e9e}.badge-draft{background:#ef6c00}
.badge-not_yet_effective{background:#1565c0}.badge-unknown{background:#757575}.badge-superseded{background:#6d4c41}
mark {background:#fff59d}
footer {display:none !important}
"""


# Characters that Markdown or HTML would act on, as entities: document text is shown as text.
_AS_TEXT = str.maketrans({c: f"&#{ord(c)};" for c in "&<>`*_[]|~\\#"})


def as_text(text: str) -> str:
    """Document or user text for a Markdown component: every character shows as itself, none
    becomes markup (an ingested ``<div style=position:fixed>`` or a backtick in a title)."""
    return (text or "").translate(_AS_TEXT)


class LoginGuard:
    """The document desk's password check: constant time, and after ``login_attempts`` wrong
    passwords a client must wait, twice as long after each further one."""

    def __init__(self, password: str | None, limits: Limits, clock=time.monotonic) -> None:
        self.password = password
        self.limits = limits
        self.clock = clock
        self._failures: dict[str, tuple[int, float]] = {}  # client → (wrong in a row, locked until)
        self._lock = threading.Lock()

    def check(self, password: str, client: str) -> bool:
        if not self.password:
            return False
        now = self.clock()
        with self._lock:
            count, until = self._failures.get(client, (0, 0.0))
            if now < until:
                raise PolicyError(f"密码错误次数过多，请 {until - now:.0f} 秒后再试")
            if hmac.compare_digest(str(password or ""), self.password):
                self._failures.pop(client, None)
                return True
            count += 1
            over = count - self.limits.login_attempts
            pause = self.limits.login_pause_seconds * 2**over if over >= 0 else 0.0
            self._failures[client] = (count, now + pause)
            return False


def _badge(status: str) -> str:
    return f"<span class='badge badge-{status}'>{STATUS_LABELS.get(status, status)}</span>"


def _context_html(rows: list[dict]) -> str:
    """The clause between its neighbours, folded: <details> opens in place."""
    body = "".join(
        f"<p style='{'font-weight:600' if r['current'] else 'color:#666'}'>{as_text(r['section'])}<br>"
        f"{as_text(r['text'])}</p>"
        for r in rows
    )
    return f"<details><summary>展开上下文（前后条款）</summary>{body}</details>"


def _citation_markdown(citations: list[dict], words: list[str] | None = None, context=None) -> str:
    parts = []
    for c in citations:
        text = as_text(c["text"])
        for word in words or []:
            if word.strip():
                text = text.replace(as_text(word), f"<mark>{as_text(word)}</mark>")
        number = f"（{as_text(c['doc_number'])}）" if c.get("doc_number") else ""
        parts.append(
            f"**[{c['n']}] 《{as_text(c['doc_title'])}》{number}**{_badge(c['status'])}  \n"
            f"条款：{as_text(c['section'])}\n\n> {text}\n\n"
            f"引用：《{as_text(c['doc_title'])}》{number}{as_text(c['section'])}"
            + (f"\n\n{_context_html(context(c['chunk_id']))}" if context and c.get("chunk_id") else "")
        )
    return "\n\n---\n\n".join(parts) if parts else "（无引用条款）"


def _parse_date(text: str | None) -> date | None:
    if not text or not str(text).strip():
        return None
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise PolicyError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def build_app(assistant: PolicyAssistant, settings: Settings):

    def neighbours(chunk_id: str) -> list[dict]:
        return assistant.clause_context(chunk_id, radius=1)

    # No `from __future__ import annotations` in this module: Gradio reads these annotations
    # as objects to publish each endpoint's schema.
    def api_ask(question: str) -> tuple[str, list[CitationJSON]]:
        """question → [answer markdown, citations]"""
        try:
            answer = assistant.ask(question)
        except PolicyError as exc:
            return f"⚠️ {exc}", []
        return answer.answer, [c.to_json() for c in answer.citations]

    def api_lookup(query: str) -> list[CitationJSON]:
        """query → clauses"""
        try:
            return [c.to_json() for c in assistant.lookup(query)]
        except PolicyError as exc:  # the caller sees the reason (e.g. the length limit), not "error"
            raise gr.Error(str(exc)) from None

    def api_calculate(facts_json: str, as_of: str = "") -> CalculationJSON:
        """facts (JSON string), as_of (YYYY-MM-DD, "" = today) → calculation"""
        from .calculate import calculate

        try:
            facts = json.loads(facts_json) if isinstance(facts_json, str) else facts_json
            return calculate(facts, _parse_date(as_of) or settings.today())  # type: ignore[return-value]
        except json.JSONDecodeError:
            return {"error": "企业情况应是合法的 JSON"}
        except PolicyError as exc:
            return {"error": str(exc)}

    def api_answer(question: str, as_of: str = "", history: list[str] | None = None) -> AskJSON:
        """question, as_of (YYYY-MM-DD, "" = today), history (earlier questions, oldest first) →
        the whole ask JSON of CONTRACTS.md (answer, abstained, confidence, citations, calculation…)"""
        try:
            earlier = [str(h) for h in (history or []) if str(h).strip()]
            return assistant.ask(question, as_of=_parse_date(as_of), history=earlier or None).to_json()  # type: ignore[return-value]
        except PolicyError as exc:  # the caller sees the reason (empty, too long, a bad date)
            raise gr.Error(str(exc)) from None

    def chat(message: str, history: list[dict], as_of_text: str):
        history = history or []
        try:
            as_of = _parse_date(as_of_text)
            previous = [m["content"] for m in history if m.get("role") == "user"]
            answer = assistant.ask(message, as_of=as_of, history=previous[-1:] or None)
            reply = as_text(answer.answer).replace("\n", "  \n")
            citations = [c.to_json() for c in answer.citations[:5]]
        except PolicyError as exc:
            reply, citations = f"⚠️ {as_text(str(exc))}", []
        history = history + [{"role": "user", "content": as_text(message)}, {"role": "assistant", "content": reply}]
        return history, "", _citation_markdown(citations, context=neighbours), citations

    def context(citations: list[dict], n: float):
        """The chosen clause among its neighbours, and a copyable citation."""
        try:
            chosen = citations[int(n) - 1]
        except (IndexError, TypeError, ValueError):
            return "请选择有效的引用编号。", ""
        rows = assistant.clause_context(chosen["chunk_id"], radius=2)
        shown = "\n\n".join(
            (f"**▶ {as_text(r['section'])}**\n\n> {as_text(r['text'])}" if r["current"] else
             f"{as_text(r['section'])}\n\n> {as_text(r['text'])}")
            for r in rows
        )
        number = f"（{chosen['doc_number']}）" if chosen.get("doc_number") else ""
        status = STATUS_LABELS.get(chosen["status"], chosen["status"])
        copy = f"{chosen['text']}\n——《{chosen['doc_title']}》{number}{chosen['section']}，{status}"
        return shown, copy

    def lookup_ui(query: str, doc_ids: list[str], statuses: list[str], unit: str, as_of_text: str):
        try:
            filters = Filters(doc_ids=doc_ids or None, statuses=statuses or None, responsible=unit.strip() or None)
            results = assistant.lookup(query, as_of=_parse_date(as_of_text), filters=filters, k=10)
        except PolicyError as exc:
            return f"⚠️ {as_text(str(exc))}", []
        from .tokens import words

        data = [c.to_json() for c in results]
        return _citation_markdown(data, list(words(query)) + [query], context=neighbours), data

    def calc_form(*values):
        from .calculate import calculate, render_summary, wan

        raw = {}
        for value, spec in zip(values[:-1], fact_fields, strict=True):
            if value is None or str(value).strip() in ("", "未填"):
                continue
            if spec["type"] == "bool":
                raw[spec["name"]] = value == "是"
            elif spec["type"] == "enum":
                raw[spec["name"]] = value
            else:
                try:
                    number = Decimal(str(value).strip().replace(",", ""))
                except InvalidOperation:
                    return f"⚠️ 「{spec['meaning']}」应填数字，而不是 {value!r}", [], "", None
                # money is typed in 万元 / 万美元 on the page
                raw[spec["name"]] = str(number * 10000 if spec["type"].startswith("money") else number)
        try:
            result = calculate(raw, _parse_date(values[-1]) or settings.today())
        except PolicyError as exc:
            return f"⚠️ {exc}", [], "", None
        table = [
            [i["benefit"], {"eligible": "符合", "ineligible": "不符合", "needs_info": "需补充信息", "expired": "已到期",
                            "excluded": "不享受"}[i["status"]],
             "" if i["amount_yuan"] is None else wan(i["amount_yuan"]).removesuffix("万元"), "；".join(i["reasons"]),
             f"{i['doc_number']} {i['section']}"]
            for i in result["items"]
        ]
        path = Path(tempfile.mkdtemp()) / "补贴测算.csv"
        with open(path, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(["补贴项目", "状态", "金额（万元）", "说明", "依据"])
            writer.writerows(table)
        trace = "\n".join(line for i in result["items"] for line in i["trace"] + [""])
        return as_text(render_summary(result)).replace("\n", "  \n"), table, trace, str(path)

    def docs_table():
        rows = []
        for doc_id, doc in sorted(assistant.index.documents.items()):
            m = doc.meta
            rows.append([doc_id, m.title, m.doc_number or "", m.issuer or "", str(m.issued or ""),
                         f"{m.valid_from or ''} 至 {m.valid_to or ''}", STATUS_LABELS[m.status(settings.today())]])
        return rows

    guard = LoginGuard(settings.admin_password, settings.limits)

    def authorised(password: str, request: gr.Request | None = None) -> bool:
        client = getattr(getattr(request, "client", None), "host", None) or "?"
        return guard.check(password, client)

    def check_password(password: str, request: gr.Request):
        try:
            ok = authorised(password, request)
        except PolicyError as exc:
            return gr.update(visible=False), f"⚠️ {exc}"
        message = "已登录。" if ok else ("未设置管理员密码（POLICY_ADMIN_PASSWORD），文档管理不可用。" if not settings.admin_password else "密码错误。")
        return gr.update(visible=ok), message

    def preview(file, password: str, request: gr.Request):
        from .ingest import parse_file

        try:
            if not authorised(password, request):
                return "⚠️ 需要管理员密码。"
            if file is None:
                return "请先选择文件。"
            documents, known = parse_file(Path(file), settings.limits)
        except PolicyError as exc:
            return f"⚠️ {as_text(str(exc))}"
        lines = []
        for doc in documents:
            m = doc.meta
            lines.append(f"### 《{as_text(m.title)}》 {as_text(m.doc_number or '（无文号）')} · {STATUS_LABELS[m.status(settings.today())]}")
            lines += [f"- {as_text(c.section)}" for c in doc.clauses[:40]]
        if known:
            lines.append(f"目录中另有 {len(known)} 篇无正文的文件。")
        return "\n".join(lines)

    def add_document(file, password: str, replace: bool, request: gr.Request, progress=gr.Progress()):
        from .ingest import ingest

        try:
            if not authorised(password, request):
                return "⚠️ 需要管理员密码。", docs_table()
            if file is None:
                return "请先选择文件。", docs_table()
            # The index's writer lock serialises uploads from every tab and process.
            report = ingest([Path(file)], settings, embeddings=assistant.embeddings, replace=bool(replace),
                            progress=lambda done, total: progress(done / max(total, 1), desc="向量化"),
                            on_ocr=lambda name, done, total: progress(done / max(total, 1), desc=f"文字识别 第{done}/{total}页"))
        except PolicyError as exc:
            return f"⚠️ {as_text(str(exc))}".replace("\n", "  \n"), docs_table()
        assistant.reload()
        names = lambda ids: as_text("、".join(ids)) or "无"  # noqa: E731
        replaced = f"；**已替换** {names(report.replaced)}" if report.replaced else ""
        return (f"已加入知识库：新增 {names(report.added)}；更新 {names(report.updated)}；未变 {names(report.skipped)}"
                f"{replaced}。"), docs_table()

    def remove_document(doc_id: str, password: str, request: gr.Request):
        from .ingest import ingest

        try:
            if not authorised(password, request):
                return "⚠️ 需要管理员密码。", docs_table()
            ingest(None, settings, embeddings=assistant.embeddings, remove=[doc_id.strip()])
        except PolicyError as exc:
            return f"⚠️ {as_text(str(exc))}", docs_table()
        assistant.reload()
        return f"已移除 {doc_id}。", docs_table()

    from .calculate import list_facts

    fact_fields = list_facts()
    doc_choices = [(f"{d.meta.title[:30]}（{d.meta.doc_number or '无文号'}）", k) for k, d in assistant.index.documents.items()]

    with gr.Blocks(title="嘉兴惠企政策助手") as app:
        gr.Markdown("# 嘉兴惠企政策助手\n有出处的政策问答 · 条款查询 · 补贴测算。每个回答都给出文件名称、文号、条款原文和有效状态。")
        with gr.Tab("政策问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="对话", height=420, elem_id="chat")
                    question = gr.Textbox(label="您的问题", placeholder="例如：我们新认定为专精特新小巨人，能拿多少奖励？", elem_id="question")
                    with gr.Row():
                        send = gr.Button("提问", variant="primary", elem_id="send")
                        clear = gr.Button("清空对话")
                    gr.Examples(EXAMPLES, inputs=question, label="示例问题")
                with gr.Column(scale=2):
                    as_of = gr.Textbox(label="判断有效期的日期（YYYY-MM-DD，留空为今天）", value="")
                    cited = gr.Markdown("（提问后在此显示引用条款）", elem_id="citations")
                    cited_state = gr.State([])
                    with gr.Row():
                        n = gr.Number(label="查看第几条引用的上下文", value=1, precision=0)
                        show = gr.Button("查看上下文")
                    around = gr.Markdown()
                    copy_chat = gr.Textbox(label="复制条款（含出处）", buttons=["copy"], lines=3)
            send.click(chat, [question, chatbot, as_of], [chatbot, question, cited, cited_state], api_visibility="private")
            question.submit(chat, [question, chatbot, as_of], [chatbot, question, cited, cited_state], api_visibility="private")
            clear.click(lambda: ([], "（提问后在此显示引用条款）", []), None, [chatbot, cited, cited_state], api_visibility="private")
            show.click(context, [cited_state, n], [around, copy_chat], api_visibility="private")
        with gr.Tab("条款查询"):
            with gr.Row():
                query = gr.Textbox(label="关键词，或 文号+条款号（如：嘉政办发〔2023〕32号 四、（二））", scale=3, elem_id="lookup-query")
                search = gr.Button("查询", variant="primary", scale=1, elem_id="lookup-go")
            with gr.Row():
                doc_filter = gr.Dropdown(doc_choices, multiselect=True, label="限定文档")
                status_filter = gr.CheckboxGroup(STATUS_CHOICES, label="限定状态")
                unit_filter = gr.Textbox(label="责任单位（如：市经信局）")
                lookup_as_of = gr.Textbox(label="判断日期（留空为今天）")
            results_md = gr.Markdown(elem_id="lookup-results")
            results_state = gr.State([])
            with gr.Row():
                n2 = gr.Number(label="在文档中查看第几条", value=1, precision=0)
                show2 = gr.Button("查看上下文", elem_id="lookup-context")
            around2 = gr.Markdown()
            copy_lookup = gr.Textbox(label="复制条款（含出处）", buttons=["copy"], lines=3, elem_id="copy-clause")
            search.click(lookup_ui, [query, doc_filter, status_filter, unit_filter, lookup_as_of], [results_md, results_state], api_visibility="private")
            query.submit(lookup_ui, [query, doc_filter, status_filter, unit_filter, lookup_as_of], [results_md, results_state], api_visibility="private")
            show2.click(context, [results_state, n2], [around2, copy_lookup], api_visibility="private")
        with gr.Tab("补贴测算"):
            gr.Markdown("填写企业情况（不知道的留空，系统会提示还需要哪些信息）。金额单位：万元 / 万美元。")
            inputs = []
            with gr.Row(equal_height=False):
                columns = [gr.Column(), gr.Column(), gr.Column()]
            for position, spec in enumerate(fact_fields):
                with columns[position % 3]:
                    label = spec["meaning"]
                    if spec["type"] == "bool":
                        inputs.append(gr.Radio(["是", "否"], value=None, label=label, elem_id=f"fact-{spec['name']}"))
                    elif spec["type"] == "enum":
                        inputs.append(gr.Dropdown(["未填"] + spec["options"], value="未填", label=label))
                    else:
                        unit = {"money_yuan": "万元", "money_usd": "万美元"}.get(spec["type"], spec.get("unit") or "")
                        # a text field, not gr.Number: an untouched number field would send 0, a fact nobody stated
                        inputs.append(gr.Textbox(label=f"{label}（{unit}）" if unit else label, placeholder="未填",
                                                 elem_id=f"fact-{spec['name']}"))
            calc_as_of = gr.Textbox(label="判断日期（YYYY-MM-DD，留空为今天）")
            run = gr.Button("测算", variant="primary", elem_id="calc-go")
            summary = gr.Markdown(elem_id="calc-summary")
            table = gr.Dataframe(headers=["补贴项目", "状态", "金额（万元）", "说明", "依据"], label="测算结果", wrap=True)
            with gr.Accordion("计算过程（逐步）", open=False):
                trace = gr.Textbox(lines=12, label="计算过程")
            download = gr.File(label="导出 CSV")
            run.click(calc_form, inputs + [calc_as_of], [summary, table, trace, download], api_visibility="private")
        # The desk exists only where an administrator password is configured.
        with gr.Tab("文档管理", visible=bool(settings.admin_password)):
            password = gr.Textbox(label="管理员密码", type="password", elem_id="admin-password")
            login = gr.Button("登录", elem_id="admin-login")
            login_message = gr.Markdown()
            with gr.Column(visible=False) as desk:
                documents = gr.Dataframe(docs_table(), headers=["编号", "标题", "文号", "发文机关", "发文日期", "有效期", "状态"], label="已收录文档", wrap=True)
                upload = gr.File(label="上传 PDF（含扫描件）/ OFD / DOCX / HTML / TXT / MD", file_types=list(SUPPORTED_SUFFIXES), type="filepath", elem_id="upload")
                preview_button = gr.Button("预览解析出的条款")
                preview_md = gr.Markdown(elem_id="preview")
                replace_box = gr.Checkbox(label="已有同名文档时，用这个文件替换它", value=False, elem_id="replace-doc")
                add = gr.Button("加入知识库", variant="primary", elem_id="add-doc")
                remove_id = gr.Textbox(label="要移除的文档编号")
                remove = gr.Button("移除文档", variant="stop")
                desk_message = gr.Markdown(elem_id="desk-message")
            login.click(check_password, password, [desk, login_message], api_visibility="private")
            preview_button.click(preview, [upload, password], preview_md, api_visibility="private")
            add.click(add_document, [upload, password, replace_box], [desk_message, documents], api_visibility="private")
            remove.click(remove_document, [remove_id, password], [desk_message, documents], api_visibility="private")

        gr.api(api_ask, api_name="ask")
        gr.api(api_lookup, api_name="lookup")
        gr.api(api_calculate, api_name="calculate")
        gr.api(api_answer, api_name="answer")
    return app


def launch_app(app, host: str = "127.0.0.1", port: int = 7860, block: bool = True, max_file_size: int | None = None):
    """Launch with the product's look: Chinese page, our CSS, no framework links in the footer."""

    app.queue(default_concurrency_limit=4)
    return app.launch(server_name=host, server_port=port, prevent_thread_lock=not block, show_error=False,
                      quiet=not block, css=CSS, theme=gr.themes.Soft(), footer_links=[],
                      max_file_size=max_file_size)


def ensure_port_free(host: str, port: int) -> None:
    """Say in one line that the port is taken, before minutes of loading, not after."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            raise PolicyError(
                f"端口 {port} 已被占用（可能已有一个助手在运行）：请关闭它，或换一个端口，如 "
                f"`make run PORT={port + 1}` 或 `policy-assistant serve --port {port + 1}`"
            ) from None


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, block: bool = True):
    ensure_port_free(host, port)
    assistant = PolicyAssistant(settings)
    assistant.warm_up()
    app = build_app(assistant, settings)
    launch_app(app, host, port, block, max_file_size=settings.limits.file_bytes)
    return app

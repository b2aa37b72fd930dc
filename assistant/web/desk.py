"""文档管理, the document desk: only where an administrator password is configured. Upload
(scans, OFD, web pages too) with a preview of the parsed clauses, a readable table of what
the knowledge base holds, and removal per row with a confirmation."""

import hmac
import threading
import time
from pathlib import Path

import gradio as gr

from ..config import SUPPORTED_SUFFIXES, Limits
from ..models import STATUS_LABELS, PolicyError
from .common import Page, as_text

COLUMNS = ["文号", "文件", "有效期", "状态", "编号"]


class LoginGuard:
    """The desk's password check: constant time, and after ``login_attempts`` wrong passwords
    a client must wait, twice as long after each further one."""

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


def build(page: Page) -> None:
    assistant, settings = page.assistant, page.settings
    guard = LoginGuard(settings.admin_password, settings.limits)

    def table() -> list[list[str]]:
        rows = []
        for doc_id, doc in sorted(assistant.index.documents.items(), key=lambda kv: kv[1].meta.short_title):
            m = doc.meta
            window = f"{m.valid_from or '—'} 至 {m.valid_to or '—'}" if (m.valid_from or m.valid_to) else "未载明"
            rows.append([m.doc_number or "（无文号）", m.short_title, window, STATUS_LABELS[m.status(settings.today())], doc_id])
        return rows

    def authorised(password: str, request: gr.Request | None) -> bool:
        client = getattr(getattr(request, "client", None), "host", None) or "?"
        return guard.check(password, client)

    password = gr.Textbox(label="管理员密码", type="password", elem_id="admin-password")
    login = gr.Button("登录", elem_id="admin-login")
    login_message = gr.Markdown()
    selected = gr.State(None)
    with gr.Column(visible=False) as desk:
        documents = gr.Dataframe(table(), headers=COLUMNS, label="已收录文档（点一行可移除）", wrap=True, interactive=False,
                                 column_widths=["22%", "38%", "20%", "10%", "10%"], elem_id="documents")
        with gr.Row(visible=False) as confirm_row:
            confirm_text = gr.Markdown(elem_id="remove-question")
            confirm = gr.Button("确认移除", variant="stop", elem_id="remove-confirm", min_width=100)
            cancel = gr.Button("取消", elem_id="remove-cancel", min_width=80)
        upload = gr.File(label="上传 PDF（含扫描件）/ OFD / DOCX / HTML / TXT / MD", file_types=list(SUPPORTED_SUFFIXES),
                         type="filepath", elem_id="upload")
        preview_button = gr.Button("预览解析出的条款")
        preview_md = gr.Markdown(elem_id="preview")
        replace_box = gr.Checkbox(label="已有同名文档时，用这个文件替换它", value=False, elem_id="replace-doc")
        add = gr.Button("加入知识库", variant="primary", elem_id="add-doc")
        desk_message = gr.Markdown(elem_id="desk-message")

    def check_password(text: str, request: gr.Request):
        try:
            ok = authorised(text, request)
        except PolicyError as exc:
            return gr.update(visible=False), f"⚠️ {exc}"
        return gr.update(visible=ok), "已登录。" if ok else "密码错误。"

    def preview(file, text: str, request: gr.Request):
        from ..ingest import parse_file

        try:
            if not authorised(text, request):
                return "⚠️ 需要管理员密码。"
            if file is None:
                return "请先选择文件。"
            parsed, known = parse_file(Path(file), settings.limits)
        except PolicyError as exc:
            return f"⚠️ {as_text(str(exc))}"
        lines = []
        for doc in parsed:
            m = doc.meta
            ocr = f" · 第{'、'.join(map(str, m.ocr_pages))}页为扫描件（已文字识别，请核对）" if m.ocr_pages else ""
            lines.append(f"### 《{as_text(m.title)}》 {as_text(m.doc_number or '（无文号）')} · "
                         f"{STATUS_LABELS[m.status(settings.today())]}{ocr}")
            if m.validity_note:
                lines.append(f"有效期依据：{as_text(m.validity_note)}")
            lines += [f"- {as_text(c.section)}" for c in doc.clauses[:40]]
        if known:
            lines.append(f"目录中另有 {len(known)} 篇无正文的文件。")
        return "\n".join(lines)

    def add_document(file, text: str, replace: bool, request: gr.Request, progress=gr.Progress()):
        from ..ingest import ingest

        try:
            if not authorised(text, request):
                return "⚠️ 需要管理员密码。", table()
            if file is None:
                return "请先选择文件。", table()
            # The index's writer lock serialises uploads from every tab and process.
            report = ingest([Path(file)], settings, embeddings=assistant.embeddings, replace=bool(replace),
                            progress=lambda done, total: progress(done / max(total, 1), desc="向量化"),
                            on_ocr=lambda name, done, total: progress(done / max(total, 1), desc=f"文字识别 第{done}/{total}页"))
        except PolicyError as exc:
            return f"⚠️ {as_text(str(exc))}".replace("\n", "  \n"), table()
        assistant.reload()
        names = lambda ids: as_text("、".join(ids)) or "无"  # noqa: E731
        replaced = f"；**已替换** {names(report.replaced)}" if report.replaced else ""
        superseded = f"；**替代关系** {names(report.superseded)}" if report.superseded else ""
        return (f"已加入知识库：新增 {names(report.added)}；更新 {names(report.updated)}；未变 {names(report.skipped)}"
                f"{replaced}{superseded}。"), table()

    def pick(evt: gr.SelectData, rows):
        """A row clicked: ask before removing it."""
        try:
            row = rows.values.tolist()[evt.index[0]] if hasattr(rows, "values") else rows[evt.index[0]]
        except (IndexError, TypeError):
            return None, gr.update(visible=False), ""
        doc_id, title = row[4], row[1]
        return doc_id, gr.update(visible=True), f"确认从知识库移除《{as_text(title)}》（{as_text(doc_id)}）？移除后将重建索引。"

    def remove_document(doc_id: str | None, text: str, request: gr.Request):
        from ..ingest import ingest

        hidden = gr.update(visible=False)
        try:
            if not authorised(text, request):
                return "⚠️ 需要管理员密码。", table(), None, hidden
            if not doc_id:
                return "请先在表格中点选要移除的文档。", table(), None, hidden
            ingest(None, settings, embeddings=assistant.embeddings, remove=[doc_id])
        except PolicyError as exc:
            return f"⚠️ {as_text(str(exc))}", table(), None, hidden
        assistant.reload()
        return f"已移除 {as_text(doc_id)}。", table(), None, hidden

    login.click(check_password, password, [desk, login_message], api_visibility="private")
    preview_button.click(preview, [upload, password], preview_md, api_visibility="private")
    add.click(add_document, [upload, password, replace_box], [desk_message, documents], api_visibility="private")
    documents.select(pick, [documents], [selected, confirm_row, confirm_text], api_visibility="private")
    confirm.click(remove_document, [selected, password], [desk_message, documents, selected, confirm_row],
                  api_visibility="private")
    cancel.click(lambda: (None, gr.update(visible=False)), None, [selected, confirm_row], api_visibility="private")

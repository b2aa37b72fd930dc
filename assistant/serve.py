"""Stage 10: the web page (Gradio), in Chinese, assembled from one module per tab
(``assistant/web``): 政策问答, 条款查询, 补贴测算, and 文档管理 (only where an administrator
password is configured), plus the named API endpoints of CONTRACTS.md."""

from __future__ import annotations

import gradio as gr

from .config import Settings
from .models import PolicyError
from .service import PolicyAssistant
from .web import api, calculator, chat, desk, lookup
from .web.common import CSS, HEAD, Page, as_text
from .web.desk import LoginGuard

__all__ = ["build_app", "launch_app", "serve", "ensure_port_free", "as_text", "LoginGuard"]


def build_app(assistant: PolicyAssistant, settings: Settings):
    page = Page(assistant=assistant, settings=settings)
    with gr.Blocks(title="嘉兴惠企政策助手") as app:
        gr.Markdown("## 嘉兴惠企政策助手\n有出处的政策问答 · 条款查询 · 补贴测算：每个回答都给出文件、文号、条款原文和有效状态。",
                    elem_id="masthead")
        with gr.Tab("政策问答"):
            chat.build(page)
        with gr.Tab("条款查询") as lookup_tab:
            lookup.build(page, lookup_tab)
        with gr.Tab("补贴测算"):
            calculator.build(page)
        if settings.admin_password:  # the desk exists only where an administrator password is configured
            with gr.Tab("文档管理"):
                desk.build(page)
        api.register(page)
    return app


def launch_app(app, host: str = "127.0.0.1", port: int = 7860, block: bool = True, max_file_size: int | None = None):
    """Launch with the product's look: Chinese page, our CSS, no framework links in the footer."""

    app.queue(default_concurrency_limit=4)
    return app.launch(server_name=host, server_port=port, prevent_thread_lock=not block, show_error=False,
                      quiet=not block, css=CSS, head=HEAD, theme=gr.themes.Soft(), footer_links=[],
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

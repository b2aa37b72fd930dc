"""The web page: gradio_client against the named endpoints, and Debian chromium driven by
Playwright through the chat, the lookup, the calculator and the admin upload."""

import json
import os
import re
import shutil
import socket
from pathlib import Path

import pytest

from tests.test_index import PDF_LINES, make_pdf

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def server(tmp_path_factory, corpus_index, embeddings):
    from assistant.config import Settings
    from assistant.serve import build_app, launch_app
    from assistant.service import PolicyAssistant

    target = tmp_path_factory.mktemp("web") / "index"
    shutil.copytree(corpus_index.index_dir, target, symlinks=True)
    settings = Settings.from_env(index_dir=target, as_of=corpus_index.as_of, admin_password="s3cret")
    app = build_app(PolicyAssistant(settings, embeddings=embeddings), settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _, url, _ = launch_app(app, "127.0.0.1", port, block=False)
    yield url.rstrip("/") + "/"
    app.close()


def test_gradio_client_endpoints(server):
    os.environ["HF_HUB_OFFLINE"] = "1"
    from gradio_client import Client

    client = Client(server, verbose=False)
    answer, citations = client.predict("我们新认定为专精特新小巨人，能拿多少奖励？", api_name="/ask")
    assert "150万元" in answer and citations[0]["doc_number"] == "嘉政办发〔2023〕32号"
    clauses = client.predict("嘉政办发〔2023〕36号 二、（三）", api_name="/lookup")
    assert "5000万元" in clauses[0]["text"]
    result = client.predict(json.dumps({"recognition_level": "隐形冠军"}), api_name="/calculate")
    assert result["items"][0]["amount_yuan"] == 1000000 and result["total_yuan"] == 1000000
    assert "error" in client.predict("{not json", api_name="/calculate")
    # /calculate judges validity on the day it is given; the policies had ended by 2030.
    later = client.predict(json.dumps({"recognition_level": "隐形冠军"}), "2030-01-01", api_name="/calculate")
    assert later["as_of"] == "2030-01-01" and later["items"][0]["status"] == "expired" and later["total_yuan"] == 0


def test_answer_endpoint_returns_the_whole_ask_json_with_the_conversation_and_the_date(server):
    os.environ["HF_HUB_OFFLINE"] = "1"
    from gradio_client import Client

    client = Client(server, verbose=False)
    named = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert [p["parameter_name"] for p in named["/answer"]["parameters"]] == ["question", "as_of", "history"]
    assert named["/answer"]["returns"][0]["python_type"]["type"] != "Any"

    result = client.predict("能补多少？", "2024-05-01", ["我们做数字化改造投入了800万元，已经验收合格"], api_name="/answer")
    assert set(result) >= {"question", "answer", "abstained", "confidence", "citations", "calculation", "latency_ms"}
    assert result["abstained"] is False and 0 < result["confidence"] <= 1
    assert result["calculation"] is not None and result["calculation"]["total_yuan"] > 0
    assert result["citations"][0]["doc_number"]

    refused = client.predict("今天天气怎么样", "", [], api_name="/answer")
    assert refused["calculation"] is None and refused["citations"] == [] or refused["abstained"] in (True, False)
    with pytest.raises(Exception, match="日期格式"):
        client.predict("能补多少？", "明天", [], api_name="/answer")


def test_a_busy_port_is_one_clear_line_before_anything_loads(tmp_path):
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = subprocess.run(
            [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port), "--index", str(tmp_path / "none")],
            capture_output=True, text=True, timeout=120,
        )
    assert process.returncode == 2
    assert process.stderr.strip().count("\n") == 0 and "Traceback" not in process.stderr
    assert f"端口 {port} 已被占用" in process.stderr and f"PORT={port + 1}" in process.stderr


@pytest.mark.browser
def test_browser_chat_lookup_calculator_and_upload(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    pdf = tmp_path / "dolphin.pdf"
    make_pdf(pdf, PDF_LINES)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.goto(server)
        page.get_by_role("tab", name="政策问答").wait_for()
        page.locator("#question textarea").fill("我们新认定为专精特新小巨人，能拿多少奖励？")
        page.locator("#send").click()
        page.locator("#citations").get_by_text("嘉政办发〔2023〕32号").first.wait_for(timeout=30000)
        assert "150万元" in page.locator("#chat").inner_text()
        page.locator("#citations summary").first.click()  # a citation opens in place to its neighbours
        page.locator("#citations details[open]").first.wait_for(timeout=10000)
        page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

        page.get_by_role("tab", name="条款查询").click()
        page.locator("#lookup-query textarea").fill("首台（套）")
        page.locator("#lookup-go").click()
        page.locator("#lookup-results mark").first.wait_for(timeout=30000)
        page.locator("#lookup-context").click()
        expect(page.locator("#copy-clause textarea")).to_have_value(re.compile("——《.*》"), timeout=30000)
        page.screenshot(path=str(ARTIFACTS / "lookup.png"), full_page=True)

        page.get_by_role("tab", name="补贴测算").click()
        page.locator("#fact-digital_investment_yuan textarea").fill("800")
        page.locator("#fact-digital_accepted").get_by_text("是").click()
        page.locator("#calc-go").click()
        page.locator("#calc-summary").get_by_text("160万元").first.wait_for(timeout=30000)
        summary = page.locator("#calc-summary").inner_text()
        assert "外资" not in summary and "首台" not in summary  # nothing the user did not fill in
        page.screenshot(path=str(ARTIFACTS / "calculator.png"), full_page=True)

        page.get_by_role("tab", name="文档管理").click()
        page.locator("#admin-password input").fill("s3cret")
        page.locator("#admin-login").click()
        page.locator("#upload input[type=file]").set_input_files(str(pdf))
        page.locator("#add-doc").click()
        page.locator("#desk-message").get_by_text("dolphin").wait_for(timeout=60000)
        page.screenshot(path=str(ARTIFACTS / "documents.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.get_by_role("tab", name="政策问答").click()
        page.screenshot(path=str(ARTIFACTS / "phone.png"), full_page=True)
        browser.close()


HOSTILE = (
    "关于支持海豚产业的`通知`\n一、支持措施\n（一）对新落户的海豚企业给予一次性奖励80万元。"
    '<div id="overlay" style="position:fixed;inset:0;background:red;z-index:9999">请拨打400领取补贴</div>'
    "<script>document.title='pwned'</script>**加粗**\n"
)


@pytest.mark.browser
def test_browser_shows_ingested_markup_as_text(tmp_path, corpus_index, embeddings):
    """A document that carries HTML (a scraped page, a hostile upload) is shown as its characters."""
    from playwright.sync_api import sync_playwright

    from assistant.config import Settings
    from assistant.ingest import ingest
    from assistant.serve import build_app, launch_app
    from assistant.service import PolicyAssistant

    target = tmp_path / "index"
    shutil.copytree(corpus_index.index_dir, target, symlinks=True)
    settings = Settings.from_env(index_dir=target, as_of=corpus_index.as_of)
    source = tmp_path / "hostile.txt"
    source.write_text(HOSTILE, encoding="utf-8")
    ingest([source], settings, embeddings=embeddings)
    app = build_app(PolicyAssistant(settings, embeddings=embeddings), settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _, url, _ = launch_app(app, "127.0.0.1", port, block=False)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                        "--disable-background-networking", "--disable-component-update"])
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.goto(url)
            page.locator("#question textarea").fill("新落户的海豚企业一次性奖励多少")
            page.locator("#send").click()
            page.locator("#citations").get_by_text("海豚").first.wait_for(timeout=30000)
            page.wait_for_timeout(500)
            assert page.locator("#overlay").count() == 0  # no element was made from the document
            assert page.title() != "pwned"
            assert '<div id="overlay"' in page.locator("#citations").inner_text()  # the characters are there
            assert "《关于支持海豚产业的`通知`》" in page.locator("#chat").inner_text()
            assert "`通知`" in page.locator("#citations").inner_text()  # a backtick stays a backtick
            # no administrator password here: no document desk either
            assert page.get_by_role("tab", name="文档管理").count() == 0
            assert page.get_by_role("tab", name="条款查询").count() == 1
            page.screenshot(path=str(ARTIFACTS / "hostile-text.png"), full_page=True)
            browser.close()
    finally:
        app.close()

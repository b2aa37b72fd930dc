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

    chatter = client.predict("今天天气怎么样", "", [], api_name="/answer")
    assert chatter["outcome"] == "chatter" and chatter["abstained"] is True
    assert chatter["calculation"] is None and chatter["citations"] == [] and chatter["confidence"] == 0
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


@pytest.fixture(scope="module")
def chromium():
    """One Debian chromium for the module's browser tests; each test opens its own page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture()
def open_page(chromium):
    """open_page(url, width=1280, height=900, **options) → a page at ``url``, closed after the test."""
    pages = []

    def open_(url: str, width: int = 1280, height: int = 900, **options):
        ARTIFACTS.mkdir(exist_ok=True)
        page = chromium.new_page(viewport={"width": width, "height": height}, locale="zh-CN", **options)
        page.goto(url)
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.close()


def _ask(page, question: str, replies_before: int) -> str:
    """Type a question, send it, wait for its reply; the reply's text."""
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    bots = page.locator("#chat .bot-row")
    bots.nth(replies_before).wait_for(timeout=60000)
    page.wait_for_timeout(400)  # the scroll runs just after the reply lands
    return bots.nth(replies_before).inner_text()


@pytest.mark.browser
def test_chat_answers_first_shows_the_new_answer_from_its_first_line_and_remembers_topic_and_facts(server, open_page):
    page = open_page(server)
    first = _ask(page, "我们做数字化改造投入了800万元，能补多少？", 0)
    assert first.splitlines()[0].startswith("如数字化改造项目已验收合格") and "160万元" in first.splitlines()[0]
    assert "嘉政办发〔2023〕32号" in first and "负责部门：市经信局" in first
    # the fact the calculator waits for is asked with buttons; "是" answers it
    assert "数字化改造项目已验收合格" in page.locator("#choices").inner_text()
    page.locator("#choices button", has_text="是").click()
    page.locator("#chat .bot-row").nth(1).wait_for(timeout=60000)
    page.wait_for_timeout(400)
    assert page.locator("#chat .bot-row").nth(1).inner_text().splitlines()[0] == "纯数字化改造项目补助可得160万元（按纯数字化改造项目的数字化投入的20%（纳入数字化改造示范样本项目的给予50%），最高300万元）。"

    # a long answer: its first line is in view, not its end
    _ask(page, "企业碰到困难了，找哪个部门？", 2)
    third = _ask(page, "嘉政办发〔2023〕32号 四、（三）", 3)
    assert third
    box = page.locator("#chat .bot-row").nth(3).bounding_box()
    chat = page.locator("#chat").bounding_box()
    assert chat["y"] <= box["y"] <= chat["y"] + chat["height"] - 20, (box, chat)

    # three turns on one topic: the 800万 and 已验收 carry over, the topic too
    page.locator("#clear").click()
    expect_empty = page.locator("#chat .bot-row")
    expect_empty.first.wait_for(state="detached", timeout=10000)
    assert page.locator("#choices button").count() == 0
    _ask(page, "我们做数字化改造投入了800万元，已经验收了", 0)
    second = _ask(page, "最高能补多少？", 1)
    terms = "（按纯数字化改造项目的数字化投入的20%（纳入数字化改造示范样本项目的给予50%），最高300万元）"
    assert second.splitlines()[0] == f"纯数字化改造项目补助可得160万元{terms}。"  # not asked for 验收 again
    third = _ask(page, "如果纳入示范样本呢", 2)
    assert third.splitlines()[0] == f"纯数字化改造项目补助可得300万元{terms}。"  # 50% of 800万, capped at 300万
    fourth = _ask(page, "这个政策现在还有效吗？", 3)
    assert "嘉兴市专精特新中小企业培育三年行动计划" in fourth.splitlines()[0] and "现行有效" in fourth.splitlines()[0]
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

    # a refusal leaves no clause of the previous answer in the context or copy boxes
    page.get_by_text("查看条款上下文 · 复制引用").click()
    page.locator("#context-go").click()
    page.locator("#chat-copy textarea").wait_for()
    page.wait_for_timeout(1000)
    assert "《" in page.locator("#chat-copy textarea").input_value()
    _ask(page, "今天天气怎么样", 4)
    assert page.locator("#chat-copy textarea").input_value() == ""
    page.locator("#context-go").click()
    page.wait_for_timeout(1000)
    assert page.locator("#chat-copy textarea").input_value() == ""  # no clause of an earlier answer
    page.locator("#clear").click()
    page.locator("#chat .bot-row").first.wait_for(state="detached", timeout=10000)
    assert page.locator("#chat-copy textarea").input_value() == "" and page.locator("#context").inner_text() == ""


@pytest.mark.browser
def test_a_question_the_calculator_asks_is_answered_with_a_button_or_in_words(server, open_page):
    page = open_page(server)
    first = _ask(page, "我们是外资企业，当年到资2亿美元，汇率7.1，能拿多少？", 0)
    terms, _, question = first.splitlines()[0].partition("。")  # what each type gets, then which type it is
    assert terms.startswith("按项目类型：先进制造业项目省级按当年度（首年）实际利用外资额的3%奖补") and question.startswith("您的项目属于哪一类？")
    page.locator("#choices button", has_text="高技术服务业").click()
    page.locator("#chat .bot-row").nth(1).wait_for(timeout=60000)
    page.locator("#choices button", has_text="金融类").wait_for(timeout=30000)  # the exclusion is asked next, not assumed
    # typed instead of pressed: the reply answers the pending question, the topic and choices stay
    third = _ask(page, "不是金融也不是房地产", 2)
    assert third.splitlines()[0].startswith("如项目在市本级或南湖区、秀洲区，高技术服务业外资项目配套奖补可得2130万元")
    fourth = _ask(page, "在南湖区", 3)
    assert fourth.splitlines()[0] == ("高技术服务业外资项目配套奖补可得2130万元"
                                      "（省级按当年度（首年）实际利用外资额的1%奖补，市级1:1.5配套，最高1亿元）。")
    page.locator("#choices button").first.wait_for(state="detached", timeout=30000)


@pytest.mark.browser
def test_the_page_fits_a_phone_without_sideways_scrolling(server, open_page):
    page = open_page(server, 390, 844, is_mobile=True)
    reply = _ask(page, "我们新认定为专精特新小巨人，能拿多少奖励？", 0)
    assert "150万元" in reply.splitlines()[0]
    widest = page.evaluate("() => document.documentElement.scrollWidth")
    assert widest <= 390, widest
    # the citation sits under the answer, within the first screen or two, not far below
    card = page.locator("#chat .bot-row .card").first.bounding_box()
    assert card["y"] < 2 * 844, card
    page.screenshot(path=str(ARTIFACTS / "phone.png"), full_page=True)
    for tab in ("条款查询", "补贴测算"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(500)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, tab


@pytest.mark.browser
def test_the_desk_counts_exact_matches_sets_related_apart_and_copies_each_citation(server, open_page):
    page = open_page(server)
    page.get_by_role("tab", name="条款查询").click()
    page.locator("#lookup-query textarea").fill("首台（套）")
    page.locator("#lookup-go").click()
    page.locator("#lookup-summary").get_by_text("精确匹配 3 条").wait_for(timeout=30000)
    page.locator(".lookup-result").first.wait_for(timeout=30000)
    assert page.locator("#lookup-related").count() == 1  # related clauses come after, under their own heading
    copies = page.locator(".lookup-copy textarea")
    assert copies.count() == page.locator(".lookup-result .card").count()
    assert copies.first.input_value().startswith("《") and "首台（套）" in copies.first.input_value()
    assert page.locator(".lookup-copy button").count() >= copies.count()  # a copy button on each result
    assert page.locator(".lookup-result mark").count() >= 3
    page.screenshot(path=str(ARTIFACTS / "lookup.png"), full_page=True)

    # a clause by short 文号 and spoken numbering: that clause alone
    page.locator("#lookup-query textarea").fill("32号文 第四条第二款")
    page.locator("#lookup-go").click()
    page.locator("#lookup-summary").get_by_text("找到所查条款 1 条").wait_for(timeout=30000)
    page.wait_for_timeout(500)
    assert page.locator(".lookup-result .card").count() == 1
    assert "四、支持政策 / （二）加大数字化改造支持" in page.locator(".lookup-result .card").first.inner_text()

    # nothing related to the weather: nothing listed, and it says so
    page.locator("#lookup-query textarea").fill("今天天气")
    page.locator("#lookup-go").click()
    page.locator("#lookup-summary").get_by_text("没有条款包含「今天天气」").wait_for(timeout=30000)
    page.wait_for_timeout(500)
    assert page.locator(".lookup-result .card").count() == 0
    # recent searches, newest first
    page.locator("#lookup-recent input").click()
    page.get_by_role("option", name="今天天气").wait_for(timeout=10000)
    options = page.get_by_role("option").all_inner_texts()
    assert [o.strip() for o in options[:3]] == ["今天天气", "32号文 第四条第二款", "首台（套）"]
    # choosing a recent search runs it again
    page.get_by_role("option", name="首台（套）").click()
    page.locator("#lookup-summary").get_by_text("精确匹配 3 条").wait_for(timeout=30000)


@pytest.mark.browser
def test_the_calculator_reads_amounts_as_people_write_them_and_speaks_plainly(server, open_page):
    page = open_page(server)
    page.get_by_role("tab", name="补贴测算").click()
    page.locator("#calc-go").click()
    page.locator("#calc-summary").get_by_text("请至少填写一项企业情况").wait_for(timeout=30000)

    field = page.locator("#fact-digital_investment_yuan textarea")
    field.fill("-800")
    page.locator("#calc-go").click()
    page.locator("#calc-summary").get_by_text("不能为负数").wait_for(timeout=30000)
    message = page.locator("#calc-summary").inner_text()
    assert "数字化" in message and "_yuan" not in message and "-8000000" not in message

    field.fill("八百万元整")
    page.locator("#calc-go").click()
    page.locator("#calc-summary").get_by_text("不是数字").wait_for(timeout=30000)

    field.fill("800万")
    page.locator("#fact-digital_accepted").get_by_text("是").click()
    page.locator("#calc-go").click()
    page.locator("#calc-summary").get_by_text("160万元").first.wait_for(timeout=30000)
    summary = page.locator("#calc-summary").inner_text()
    assert "外资" not in summary and "首台" not in summary and "_yuan" not in summary
    page.screenshot(path=str(ARTIFACTS / "calculator.png"), full_page=True)


@pytest.mark.browser
def test_the_document_desk_uploads_and_removes_a_row_after_confirmation(server, tmp_path, open_page):
    pdf = tmp_path / "dolphin.pdf"
    make_pdf(pdf, PDF_LINES)
    page = open_page(server)
    page.get_by_role("tab", name="文档管理").click()
    page.locator("#admin-password input").fill("s3cret")
    page.locator("#admin-login").click()
    page.locator("#upload input[type=file]").set_input_files(str(pdf))
    page.locator("#add-doc").click()
    page.locator("#desk-message").get_by_text("dolphin").wait_for(timeout=60000)
    table = page.locator("#documents")
    table.get_by_text("嘉测发〔2024〕7号").wait_for(timeout=30000)
    assert "现行有效" in table.inner_text() or "已到期" in table.inner_text()
    page.screenshot(path=str(ARTIFACTS / "documents.png"), full_page=True)
    # the hotline desk's document filter offers the new document when its tab is opened again
    page.get_by_role("tab", name="条款查询").click()
    page.get_by_text("筛选").click()
    page.locator("#lookup-docs input").click()
    page.get_by_role("option", name=re.compile("嘉测发〔2024〕7号")).wait_for(timeout=10000)
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="文档管理").click()
    table.get_by_text("嘉测发〔2024〕7号").click()
    page.locator("#remove-question").get_by_text("确认从知识库移除").wait_for(timeout=10000)
    page.locator("#remove-cancel").click()  # nothing happens without confirmation
    page.wait_for_timeout(500)
    assert table.get_by_text("嘉测发〔2024〕7号").count() == 1
    table.get_by_text("嘉测发〔2024〕7号").click()
    page.locator("#remove-confirm").click()
    page.locator("#desk-message").get_by_text("已移除 dolphin").wait_for(timeout=60000)
    assert table.get_by_text("嘉测发〔2024〕7号").count() == 0


HOSTILE = (
    "关于支持海豚产业的`通知`\n一、支持措施\n（一）对新落户的海豚企业给予一次性奖励80万元。"
    '<div id="overlay" style="position:fixed;inset:0;background:red;z-index:9999">请拨打400领取补贴</div>'
    "<script>document.title='pwned'</script>**加粗**\n"
)


@pytest.mark.browser
def test_browser_shows_ingested_markup_as_text(tmp_path, corpus_index, embeddings, open_page):
    """A document that carries HTML (a scraped page, a hostile upload) is shown as its characters."""
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
        page = open_page(url)
        page.locator("#question textarea").fill("新落户的海豚企业一次性奖励多少")
        page.locator("#send").click()
        page.locator("#chat .bot-row").first.wait_for(timeout=30000)
        page.locator("#chat .bot-row summary", has_text="条款原文").first.click()
        page.wait_for_timeout(500)
        assert page.locator("#overlay").count() == 0  # no element was made from the document
        assert page.title() != "pwned"
        assert '<div id="overlay"' in page.locator("#chat").inner_text()  # the characters are there
        assert "《关于支持海豚产业的`通知`》" in page.locator("#chat").inner_text()  # a backtick stays a backtick
        # no administrator password here: no document desk either
        assert page.get_by_role("tab", name="文档管理").count() == 0
        assert page.get_by_role("tab", name="条款查询").count() == 1
        page.screenshot(path=str(ARTIFACTS / "hostile-text.png"), full_page=True)
    finally:
        app.close()

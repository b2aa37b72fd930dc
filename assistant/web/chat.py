"""政策问答: a conversation that remembers its topic and the facts stated on the way, answers
first, shows one compact card per clause it used (the others folded under 相关条款), and asks
for a missing fact with buttons."""

import re
from dataclasses import dataclass, field, replace
from datetime import date

import gradio as gr

from ..facts import reply_to
from ..models import Answer, PolicyError
from ..rules import list_facts
from ..service import is_follow_up
from .common import Page, as_text, badge, card, one_line_citation, parse_date

EXAMPLES = [
    "我们新认定为专精特新小巨人，能拿多少奖励？",
    "我们厂数字化改造投了800万，已经验收了，能补多少？",
    "外资先进制造业项目配套奖补最高多少？",
    "企业碰到困难了，找哪个部门？",
    "嘉政办发〔2023〕32号 四、（三）",
]
# After an answer, show its first line: the chat box scrolls to the top of the newest reply,
# not to the end of it (where a long reply would leave the amount above the fold).
SCROLL_TO_ANSWER = """() => { setTimeout(() => {
  const box = document.querySelector('#chat');
  if (!box) return;
  const bots = box.querySelectorAll('.message-row.bot-row, .bot-row, [data-testid="bot"]');
  const last = bots[bots.length - 1];
  if (!last) return;
  let scroller = last.parentElement;
  while (scroller && scroller !== document.body && scroller.scrollHeight <= scroller.clientHeight + 1) scroller = scroller.parentElement;
  if (scroller && scroller !== document.body) {
    scroller.scrollTop += last.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 8;
  }
  last.scrollIntoView({block: 'nearest'});
}, 150); }"""


@dataclass
class Conversation:
    """What the chat remembers: the questions asked (for follow-ups), the facts a person chose
    with the buttons, the fact still to ask, and the last answer's citations."""

    questions: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    pending: dict | None = None  # {"name", "meaning", "options"}: the next fact to ask, as buttons
    citations: list[dict] = field(default_factory=list)


def _used(answer: dict) -> set[int]:
    """The citations the answer's words rest on: numbered in its text, or the calculator's clause."""
    body = answer["answer"].split("\n\n依据：")[0]
    used = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    for item in (answer.get("calculation") or {}).get("items", []):
        for c in answer["citations"]:
            if c["doc_id"] == item["citation"]["doc_id"] and (
                c["section"].startswith(item["section"]) or item["section"].startswith(c["section"])
            ):
                used.add(c["n"])
    return used or ({answer["citations"][0]["n"]} if answer["citations"] else set())


def render_reply(answer: dict) -> str:
    """The lead sentence first; the working folded; one card per clause used; the rest folded."""
    text = answer["answer"]
    if answer["abstained"] or answer["outcome"] == "chatter" or not answer["citations"]:
        return as_text(text).replace("\n", "  \n")
    body = text.split("\n\n依据：")[0]
    working: list[str] = []
    summary = (answer.get("calculation") or {}).get("summary") or ""
    if summary and summary in body:  # the working, as the engine wrote it: folded under the lead
        body = body.replace(summary, "", 1)
        working = [ln for ln in summary.split("\n") if ln.strip()]
    lines = [ln for ln in body.split("\n") if ln.strip()]
    lead, rest = (lines[0], lines[1:]) if lines else ("", [])
    parts = [f"**{as_text(lead)}**"]
    parts += [as_text(ln) for ln in rest if not re.match(r"^\[\d+\]《", ln)]  # hedges list their clauses as cards below
    if working:
        parts.append("<details><summary>测算明细</summary>" + "<br>".join(as_text(w) for w in working) + "</details>")
    used = _used(answer)
    cited = [c for c in answer["citations"] if c["n"] in used]
    others = [c for c in answer["citations"] if c["n"] not in used]
    parts += [card(c) for c in cited]
    notes = [c for c in cited if c["status"] in ("expired", "superseded")]
    for c in notes:
        who = "、".join(c.get("responsible") or []) or "发文机关"
        parts.append(f"⚠️ 《{as_text(c['doc_title'])}》{badge(c['status'])}：可向{as_text(who)}咨询是否有后续政策。")
    if others:
        listed = "".join(card(c) for c in others)
        parts.append(f"<details><summary>相关条款（{len(others)}）</summary>{listed}</details>")
    return "\n\n".join(parts)


def next_question(answer: Answer) -> dict | None:
    """The first fact the calculator waits for that a button can answer (是/否 or a choice)."""
    if not answer.calculation:
        return None
    specs = {f["name"]: f for f in list_facts()}
    for item in answer.calculation.items:
        if item.status != "needs_info":
            continue
        for name in item.missing_facts:
            spec = specs.get(name)
            if spec and spec["type"] == "bool":
                return {"name": name, "meaning": spec["meaning"], "options": ["是", "否"]}
            if spec and spec["type"] == "enum" and spec["options"]:
                return {"name": name, "meaning": spec["meaning"], "options": list(spec["options"])}
    return None


def _turn(page: Page, question: str, conv: Conversation, as_of: date | None, shown: str | None = None,
          keep_facts: bool = False):
    """Ask in the conversation; return the user's line, the reply, and the updated conversation."""
    # A new Conversation each turn, never the old one changed: Gradio re-draws the choice
    # buttons when the state's value differs from the one it holds.
    facts = conv.facts if keep_facts or is_follow_up(question) else {}  # a new topic: earlier choices no longer apply
    answer = page.assistant.ask(question, as_of=as_of, history=conv.questions or None, facts=facts or None)
    data = answer.to_json()
    conv = replace(conv, questions=conv.questions + [question], facts=facts, pending=next_question(answer),
                   citations=data["citations"])
    return shown or as_text(question), render_reply(data), conv


def build(page: Page) -> None:
    """The tab's components and handlers (inside a gr.Blocks context)."""
    conversation = gr.State(Conversation())
    chatbot = gr.Chatbot(label="对话", height=520, elem_id="chat", autoscroll=False, sanitize_html=True)
    with gr.Row(equal_height=True):
        question = gr.Textbox(label="您的问题", placeholder="例如：我们厂数字化改造投了800万，能补多少？",
                              elem_id="question", scale=5, lines=1)
        send = gr.Button("提问", variant="primary", elem_id="send", scale=1, min_width=80)

    choice_area = gr.Column(elem_id="choices")
    with gr.Row():
        clear = gr.Button("清空对话", elem_id="clear", size="sm")
    gr.Examples(EXAMPLES, inputs=question, label="示例问题")
    with gr.Accordion("查看条款上下文 · 复制引用", open=False):
        with gr.Row():
            n = gr.Number(label="第几条引用", value=1, precision=0, minimum=1, elem_id="context-n")
            show = gr.Button("查看上下文", elem_id="context-go")
        around = gr.Markdown(elem_id="context")
        copy = gr.Textbox(label="复制条款（含出处）", buttons=["copy"], lines=3, elem_id="chat-copy")
    with gr.Accordion("设置", open=False):
        as_of = gr.Textbox(label="判断有效期的日期（YYYY-MM-DD，留空为今天）", value="", elem_id="chat-as-of")

    def on_send(message: str, history: list, conv: Conversation, as_of_text: str):
        history = history or []
        if not (message or "").strip():
            return history, message, conv, "", ""
        try:
            stated = reply_to(message, conv.pending["name"]) if conv.pending and conv.questions else None
            if stated is not None:  # a typed answer to "还需确认…？": as if its button was pressed
                topic = conv.questions[-1]
                conv = replace(conv, questions=conv.questions[:-1], facts={**conv.facts, **stated})
                shown, reply, conv = _turn(page, topic, conv, parse_date(as_of_text), shown=as_text(message),
                                           keep_facts=True)
            else:
                shown, reply, conv = _turn(page, message, conv, parse_date(as_of_text))
        except PolicyError as exc:
            shown, reply = as_text(message), f"⚠️ {as_text(str(exc))}"
            conv = replace(conv, pending=None, citations=[])
        history = history + [{"role": "user", "content": shown}, {"role": "assistant", "content": reply}]
        return history, "", conv, "", ""  # a new answer: the context and copy boxes start empty

    def choose(pending: dict, option: str):
        def handler(history: list, conv: Conversation, as_of_text: str):
            value = {"是": True, "否": False}.get(option, option)
            topic = conv.questions[-1] if conv.questions else ""
            said = f"{pending['meaning']}：{option}"
            # the same question again, now with the fact (asked as a follow-up, so earlier facts stay)
            conv = replace(conv, questions=conv.questions[:-1], facts={**conv.facts, pending["name"]: value})
            try:
                shown, reply, conv = _turn(page, topic, conv, parse_date(as_of_text), shown=as_text(said), keep_facts=True)
            except PolicyError as exc:
                shown, reply = as_text(said), f"⚠️ {as_text(str(exc))}"
            history = (history or []) + [{"role": "user", "content": shown}, {"role": "assistant", "content": reply}]
            return history, conv, "", ""

        return handler

    def context(conv: Conversation, number: float):
        """The chosen clause between its neighbours, and its one-line citation to copy."""
        try:
            chosen = next(c for c in conv.citations if c["n"] == int(number))
        except (StopIteration, TypeError, ValueError):
            return "请先提问，再选择回答中的引用编号。", ""
        rows = page.assistant.clause_context(chosen["chunk_id"], radius=2)
        shown = "\n\n".join(
            (f"**▶ {as_text(r['section'])}**\n\n> {as_text(r['text'])}" if r["current"] else
             f"{as_text(r['section'])}\n\n> {as_text(r['text'])}")
            for r in rows
        )
        return shown, one_line_citation(chosen)

    with choice_area:  # filled now that every component its buttons update exists
        @gr.render(inputs=[conversation])
        def choices(conv: Conversation):
            if not conv.pending:
                return
            gr.Markdown(f"还需确认：**{as_text(conv.pending['meaning'])}**？", elem_id="choice-question")
            with gr.Row():
                for option in conv.pending["options"]:
                    button = gr.Button(option, size="sm", elem_classes="choice")
                    button.click(choose(conv.pending, option), [chatbot, conversation, as_of], [chatbot, conversation, around, copy],
                                 api_visibility="private").then(None, js=SCROLL_TO_ANSWER)

    outputs = [chatbot, question, conversation, around, copy]
    send.click(on_send, [question, chatbot, conversation, as_of], outputs, api_visibility="private").then(None, js=SCROLL_TO_ANSWER)
    question.submit(on_send, [question, chatbot, conversation, as_of], outputs, api_visibility="private").then(None, js=SCROLL_TO_ANSWER)
    clear.click(lambda: ([], "", Conversation(), "", ""), None, outputs, api_visibility="private")
    chatbot.clear(lambda: (Conversation(), "", ""), None, [conversation, around, copy], api_visibility="private")
    show.click(context, [conversation, n], [around, copy], api_visibility="private")

"""补贴测算: the engine's facts as a form grouped by policy, amounts typed as people write them
("800万", "800", "0.8亿"), messages in plain words, the working and a CSV to take away."""

import csv
import tempfile
from decimal import Decimal
from pathlib import Path

import gradio as gr

from ..calc_text import render_summary
from ..calculate import in_wan
from ..models import PolicyError
from ..numbers import read_number
from ..rules import list_facts
from .common import Page, as_text, parse_date

STATUS_WORDS = {"eligible": "符合", "ineligible": "不符合", "needs_info": "需补充信息", "expired": "已到期", "excluded": "不享受"}
EMPTY_FORM = ("请至少填写一项企业情况，例如「获评的企业称号」或「数字化改造投入」；不知道的留空，"
              "测算结果会说明还需要哪些信息。")
_UNITS = {"money_yuan": ("万元", Decimal(10000)), "money_usd": ("万美元", Decimal(10000))}


def read_amount(text: str, kind: str) -> Decimal:
    """A form amount: '800' in a 万元 field is 800万元; '800万', '0.8亿', '1,200万' say their own unit."""
    text = text.strip().replace("，", ",").replace(" ", "")
    for suffix in ("元", "美元", "人民币", "美金"):
        text = text.removesuffix(suffix)
    scale = _UNITS.get(kind, ("", Decimal(1)))[1]
    if any(unit in text for unit in ("万", "亿", "千", "百")):
        return read_number(text)
    return Decimal(text.replace(",", "")) * scale


def form_facts(values: list, fields: list[dict]) -> dict:
    """Form values → engine facts; a value that cannot be read is refused naming its field."""
    raw: dict = {}
    for value, spec in zip(values, fields, strict=True):
        if value is None or str(value).strip() in ("", "未填"):
            continue
        label = spec["meaning"]
        if spec["type"] == "bool":
            raw[spec["name"]] = value == "是"
        elif spec["type"] == "enum":
            raw[spec["name"]] = value
        else:
            try:
                number = read_amount(str(value), spec["type"])
            except (ValueError, ArithmeticError):
                unit = _UNITS.get(spec["type"], (spec.get("unit") or "",))[0]
                raise PolicyError(f"「{label}」填的“{value}”不是数字，请填如 800 或 800万（单位：{unit or '个'}）") from None
            if number < 0:
                raise PolicyError(f"「{label}」不能为负数（填的是 {value}）")
            raw[spec["name"]] = str(number)
    return raw


def plain(message: str, fields: list[dict]) -> str:
    """An engine message in the form's words: no internal fact names."""
    for spec in fields:
        message = message.replace(f"（{spec['name']}）", "").replace(spec["name"], spec["meaning"])
    return message


def build(page: Page) -> None:
    fields = list_facts()
    spec_of = {f["name"]: f for f in fields}
    gr.Markdown("填写企业情况（不知道的留空，系统会提示还需要哪些信息）。金额可填 800 或 800万，单位见各栏。")
    components: dict[str, gr.components.Component] = {}
    for title, names in page.assistant.catalogue.facts_by_policy():
        with gr.Accordion(title, open=True):
            with gr.Row(equal_height=False):
                for name in names:
                    spec = spec_of[name]
                    label = spec["meaning"]
                    if spec["type"] == "bool":
                        components[name] = gr.Radio(["是", "否"], value=None, label=label, elem_id=f"fact-{name}")
                    elif spec["type"] == "enum":
                        components[name] = gr.Dropdown(["未填"] + spec["options"], value="未填", label=label,
                                                       elem_id=f"fact-{name}")
                    else:
                        unit = _UNITS.get(spec["type"], (spec.get("unit") or "",))[0]
                        hint = "可填 800、800万 或 0.8亿" if spec["type"].startswith("money") else "填数字"
                        # a text field, not gr.Number: an untouched number field would send 0, a fact nobody stated
                        components[name] = gr.Textbox(label=f"{label}（{unit}）" if unit else label, placeholder="未填",
                                                      info=hint, elem_id=f"fact-{name}", min_width=220)
    inputs = [components[f["name"]] for f in fields]
    with gr.Row():
        as_of = gr.Textbox(label="判断有效期的日期（YYYY-MM-DD，留空为今天）", elem_id="calc-as-of")
        run = gr.Button("测算", variant="primary", elem_id="calc-go")
    summary = gr.Markdown(elem_id="calc-summary")
    table = gr.Dataframe(headers=["补贴项目", "状态", "金额（万元）", "说明", "依据"], label="测算结果", wrap=True,
                         column_widths=["18%", "9%", "10%", "33%", "30%"], elem_id="calc-table")
    with gr.Accordion("计算过程（逐步）", open=False):
        trace = gr.Textbox(lines=12, label="计算过程")
    download = gr.File(label="导出 CSV")

    def compute(*values):
        try:
            raw = form_facts(list(values[:-1]), fields)
            if not raw:
                return EMPTY_FORM, [], "", None
            result = page.assistant.calculate(raw, parse_date(values[-1]))
        except PolicyError as exc:
            return f"⚠️ {as_text(plain(str(exc), fields))}", [], "", None
        rows = [
            [i.benefit, STATUS_WORDS[i.status],
             "" if i.amount_yuan is None else in_wan(i.amount_yuan),
             plain("；".join(i.reasons), fields), f"{i.doc_number or ''} {i.section}"]
            for i in result.items
        ]
        path = Path(tempfile.mkdtemp()) / "补贴测算.csv"
        with open(path, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(["补贴项目", "状态", "金额（万元）", "说明", "依据"])
            writer.writerows(rows)
        steps = "\n".join(line for i in result.items for line in i.trace + [""])
        return as_text(plain(render_summary(result), fields)).replace("\n", "  \n"), rows, plain(steps, fields), str(path)

    run.click(compute, inputs + [as_of], [summary, table, trace, download], api_visibility="private")

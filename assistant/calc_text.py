"""A calculation in words: the one-sentence lead an owner asked for, then the working.

Money is shown from the engine's integers and Decimals (``wan``), never through a float.
"""

from __future__ import annotations

from .calculate import Calculation, Item, wan
from .models import STATUS_LABELS
from .rules import load_rules, project_type_facts


def leads(result: Calculation) -> bool:
    """Whether the calculation has something definite to say first (an amount, a ceiling, a
    conditional amount, a choice to make, why it does not apply) rather than only asking for facts:
    then the clause's own words come first."""
    for item in result.items:
        if item.status in ("eligible", "expired", "excluded", "ineligible") or item.if_confirmed:
            return True
    return bool(_project_type_question(result))


def _project_type_question(result: Calculation) -> str:
    """When rules for different project types all wait on the type: what each type gets, in the
    clauses' terms, then one question with the choices ("先进制造业项目：省级按…的3%奖补…。您的项目属于
    哪一类？")."""
    specs, _ = load_rules()
    waiting: dict[str, list[Item]] = {}
    for item in result.items:
        if item.status == "needs_info":
            for name in item.missing_facts:
                if name in project_type_facts():
                    waiting.setdefault(name, []).append(item)
    said: list[str] = []
    asked: list[str] = []
    statuses: set[str] = set()
    for name in sorted(n for n, items in waiting.items() if len(items) > 1):
        options = [o for o in specs[name].options or [] if o != "否"]
        for option in options:
            for item in waiting[name]:
                if option in item.applies_to and item.terms:
                    said.append(f"{option}项目{item.terms}")
                    statuses.add(item.policy_status)
        asked.append(f"您的项目属于哪一类？请选择{specs[name].meaning}：{'、'.join(options)}")
    if not asked:
        return ""
    in_force = ""
    if statuses and "current" not in statuses:
        in_force = "（" + "、".join(f"政策{STATUS_LABELS[s]}" for s in sorted(statuses)) + "，仅供参考）"
    return (f"按项目类型：{'；'.join(said)}{in_force}。" if said else "") + "；".join(asked) + "。"


def _lead_part(item: Item) -> str | None:
    specs, _ = load_rules()
    status = item.status
    # Beside an amount: the terms it comes from when it is a share of the enterprise's sum
    # (40万元 is 20% of 200万元), and a policy out of force.
    aside = [item.terms] if item.by_rate else []
    if status == "expired" or status == "needs_info" and item.if_confirmed and item.if_confirmed.expired:
        aside.append("该政策已到期，仅供参考")
    if status in ("eligible", "expired") and item.amount_yuan is not None:
        part = f"{item.benefit}可得{'不低于' if item.minimum else ''}{wan(item.amount_yuan)}"
    elif status in ("eligible", "expired") and item.cap_yuan is not None:
        part = f"{item.benefit}最高{wan(item.cap_yuan)}，具体金额按个案核定"
    elif status == "needs_info" and item.if_confirmed:
        part = f"如{'、'.join(item.if_confirmed.assuming)}，{item.benefit}可得{wan(item.if_confirmed.amount_yuan)}"
    elif status == "needs_info":
        most = f"最高{wan(item.cap_yuan)}，" if item.cap_yuan else ""
        return f"{item.benefit}{most}还需要您确认：" + "、".join(specs[n].meaning for n in item.missing_facts)
    elif status == "excluded":
        return f"{item.benefit}不适用：{item.reasons[0]}"
    elif status == "ineligible" and item.reasons:
        return f"{item.benefit}：不符合条件（要求{item.reasons[0].removeprefix('不满足条件：')}）"
    else:
        return None
    return part + (f"（{'；'.join(aside)}）" if aside else "")


def lead_line(result: Calculation) -> str:
    """The amount in one sentence, before any working: what an owner asked first. When rules
    for different project types wait on the type, one question with the choices comes first."""
    question = _project_type_question(result)
    if question:
        return question
    parts = [p for p in map(_lead_part, result.items) if p]
    return "；".join(parts) + "。" if parts else ""


def render_summary(result: Calculation) -> str:
    specs, _ = load_rules()
    lines = [f"补贴测算（按{result.as_of.isoformat()}判断有效期）："]
    for item in result.items:
        head = f"- {item.benefit}："
        ceiling_only = item.amount_yuan is None and item.cap_yuan is not None and not item.missing_facts
        if item.status in ("eligible", "expired") and ceiling_only:
            head += f"最高{wan(item.cap_yuan)}，具体金额按个案核定"
            if item.status == "expired":
                head += "（政策已到期）"
        elif item.status in ("eligible", "expired") and item.amount_yuan is not None:
            head += ("不低于" if item.minimum else "") + wan(item.amount_yuan)
            if item.status == "expired":
                head += "（政策已到期，仅供参考）"
        elif item.status == "needs_info":
            head += "还需要补充信息：" + "、".join(specs[n].meaning for n in item.missing_facts)
            if item.if_confirmed:
                head += f"（如{'、'.join(item.if_confirmed.assuming)}，可得{wan(item.if_confirmed.amount_yuan)}，未计入合计）"
        else:
            head += {"ineligible": "不符合条件", "excluded": "不享受"}.get(item.status, item.status)
        lines.append(head)
        steps = [t for t in item.trace[1:] if not t.startswith("条件")]
        if steps and item.status in ("eligible", "expired"):
            lines.append("  计算：" + "；".join(steps))
        if item.provincial_yuan is not None and item.amount_yuan is not None and not item.minimum:
            lines.append(f"  分项：省级奖补 {wan(item.provincial_yuan)}（省级财政兑现，不计入本项）；市级配套 {wan(item.amount_yuan)}")
        if item.interpretation:
            lines.append(f"  理解：{item.interpretation}")
        for reason in item.reasons:
            lines.append(f"  说明：{reason}")
        lines.append(f"  依据：《{item.citation.doc_title}》（{item.doc_number}）{item.section}：{item.citation.text}")
    if result.total_yuan:
        lines.append(f"合计（有效且符合条件的项目）：{wan(result.total_yuan)}")
    lines += [f"注：{n}" for n in result.notes]
    return "\n".join(lines)

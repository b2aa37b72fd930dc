"""Reading an enterprise's facts from a Chinese question, for the calculator.

"纯数字化改造投入800万元，已验收合格" → {digital_investment_yuan: 8000000, digital_accepted: True}.
Each fact names the words that introduce it (``corpus/rules/facts.yaml``); a sum
of money goes to the fact whose word stands closest before it. Nothing is
assumed: a fact the question does not state stays missing, and the engine asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from .bind import BoundPolicy, Catalogue, bundled_catalogue
from .calculate import Calculation, calculate
from .intent import asks_amount
from .models import PolicyError
from .numbers import exchange_rate, money_mentions
from .rules import Rule, fact_names, load_rules, validate_facts

_NEGATORS = r"(未|没有|没|尚未|还没有|还没|还未|不是|非|并未|不属于|不涉及|并非)"


def _negated(question: str, start: int) -> bool:
    """Whether the words at ``start`` are denied: "未验收", "不属于金融类", "非金融、房地产项目"."""
    before = question[max(0, start - 6): start]
    return bool(re.search(_NEGATORS + r"[^，。,；;]{0,3}$", before))


def _option_stated(question: str, keywords: dict[str, str], options: list[str]) -> str | None:
    """The option a question names ("QFLP项目" → 金融类); when it only denies options ("不属于金融、
    房地产类") and the fact has a "否", that; else None."""
    lowered = question.lower()
    denied = False
    for word, option in sorted(keywords.items(), key=lambda kv: -len(kv[0])):
        for match in re.finditer(re.escape(word.lower()), lowered):
            if not _negated(lowered, match.start()):
                return option
            denied = True
    return "否" if denied and "否" in options else None


def _yes_or_no(question: str, keywords: list[str]) -> bool | None:
    """Whether the question states a yes/no fact, and which way: "已验收合格" → True,
    "验收不合格" / "还没验收" / "未通过验收" → False, not mentioned → None."""
    for word in sorted(keywords, key=len, reverse=True):
        core = word[1:] if word.startswith("已") else word
        if len(core) >= 3 and re.search(re.escape(core[:-2]) + r".{0,2}不" + re.escape(core[-2:]), question):
            return False  # 验收不合格
        for match in re.finditer(re.escape(core), question):
            if _negated(question, match.start()):
                return False
            said_done = re.search(r"已经?$", question[max(0, match.start() - 2): match.start()]) or \
                question[match.end(): match.end() + 1] == "了"  # "已经验收了", "验收了"
            if word == core or said_done:
                return True
    return None


def facts_from_question(question: str, rules: list[Rule], also: set[str] | None = None) -> dict[str, Any]:
    """Facts stated in the question, for the rules it is about (and ``also`` these facts).
    Nothing is assumed."""
    specs, _ = load_rules()
    wanted = set().union(*(fact_names(r) for r in rules)) if rules else set(specs)
    wanted |= also or set()
    facts: dict[str, Any] = {}
    for name in wanted:
        spec = specs[name]
        if spec.type == "enum" and isinstance(spec.keywords, dict):
            option = _option_stated(question, spec.keywords, spec.options or [])
            if option is not None:
                facts[name] = option
        elif spec.type == "bool" and isinstance(spec.keywords, list):
            stated = _yes_or_no(question, spec.keywords)
            if stated is not None:
                facts[name] = stated
    # Sums of money: each goes to the money fact whose keyword stands closest before it.
    money_facts = [n for n in wanted if specs[n].type in ("money_yuan", "money_usd")]
    for mention in money_mentions(question):
        if re.search(r"(负|-|−|－)\s*$", question[max(0, mention.start - 2): mention.start]):
            raise PolicyError(f"金额不能为负数：“{question[max(0, mention.start - 1): mention.end]}”，请核对后再问")
        if mention.bound:  # "达不到100万": a limit, not the sum; the engine asks for the sum
            continue
        position, amount = mention.start, mention.amount
        kind = "money_usd" if mention.currency == "usd" else "money_yuan"
        candidates = [n for n in money_facts if specs[n].type == kind and n not in facts]
        best, best_distance = None, 999
        for name in candidates:
            for word in specs[name].keywords:
                at = question.rfind(word, 0, position)
                if at != -1 and position - at - len(word) < best_distance:
                    best, best_distance = name, position - at - len(word)
        if best is None and len(candidates) == 1:
            best = candidates[0]
        if best is not None and best_distance <= 14 or best is not None and len(candidates) == 1:
            facts[best] = amount
    # Quantities with units: tonnes, percentages, exchange rates.
    for m in re.finditer(r"(\d+(?:\.\d+)?)\s*(万)?\s*吨", question):
        value = Decimal(m.group(1)) * (10000 if m.group(2) else 1)
        around = question[max(0, m.start() - 10): m.end() + 6]
        for name in ("green_energy_saving_tce", "green_co2_reduction_t", "green_water_saving_t"):
            if name in wanted and name not in facts and any(w in around for w in specs[name].keywords):
                facts[name] = value
                break
    for m in re.finditer(r"(\d+(?:\.\d+)?)\s*[%％]", question):
        around = question[max(0, m.start() - 10): m.start()]
        if "green_reuse_rate" in wanted and any(w in around for w in specs["green_reuse_rate"].keywords):
            facts["green_reuse_rate"] = Decimal(m.group(1))
    rate = exchange_rate(question)
    if rate and "usd_cny_rate" in wanted:
        facts["usd_cny_rate"] = rate.value
    return facts


_YES = re.compile(r"(是|是的|对|对的|有|有的|嗯|没错|属于|已经?\S{0,8}了?)[。！!,，]?")
_NO = re.compile(r"(否|不是|没有|没|还没有?|不|不对|无|不属于|都不是)[。！!,，]?")


def reply_to(message: str, name: str) -> dict[str, Any] | None:
    """The facts a typed reply to "还需确认：X？" states, when it answers X ("不是金融也不是房地产",
    "在嘉善", "是的，验收了"); None when it is a new question instead."""
    specs, _ = load_rules()
    spec = specs[name]
    stated = facts_from_question(message, [])  # no rules named: every fact it states
    if name in stated:
        return stated
    text = message.strip()
    if spec.type == "bool" and (_NO.fullmatch(text) or _YES.fullmatch(text)):
        return {**stated, name: not _NO.fullmatch(text)}
    if spec.type == "enum":
        named = [o for o in spec.options or [] if o in text]
        if len(named) == 1:
            return {**stated, name: named[0]}
        if _NO.fullmatch(text) and "否" in (spec.options or []):
            return {**stated, name: "否"}
    return None


def rules_for_question(question: str, catalogue: Catalogue) -> list[tuple[Rule, BoundPolicy]]:
    scored = []
    for rule, policy in catalogue.rules():
        hits = sum(len(k) for k in rule.keywords if k.lower() in question.lower())
        if hits:
            scored.append((hits, rule, policy))
    if not scored:
        return []
    best = max(s for s, _, _ in scored)
    return [(r, p) for s, r, p in scored if s >= best * 0.5]


def answer_amount_question(
    question: str,
    as_of: date,
    extra_facts: dict[str, Any] | None = None,
    catalogue: Catalogue | None = None,
    backed: Callable[[Rule, BoundPolicy], bool] | None = None,
) -> Calculation | None:
    """When a question asks for an amount: read its facts, run the rules it is about, explain.

    ``backed``: whether retrieval found a rule's clause for this question; a rule picked by a
    stray keyword ("研发中心") is left out before calculating, so 就高不重复 never weighs it."""
    if not asks_amount(question):  # "申请补助需要哪些材料", "小巨人数量目标是多少": no calculation
        return None
    catalogue = catalogue or bundled_catalogue()
    chosen_facts = validate_facts(extra_facts or {}, catalogue.facts)

    def chosen_type(rule: Rule) -> bool:  # the person picked this rule's project type when asked
        return bool(rule.applies_when and chosen_facts.get(rule.applies_when.fact) in rule.applies_when.in_)

    chosen = [(r, p) for r, p in rules_for_question(question, catalogue)
              if backed is None or backed(r, p) or chosen_type(r)]
    # While the project type is unknown, every type's measure of a policy whose measure was found
    # answers "能拿多少" (each cites its own clause); the person then picks the type.
    kinds = {(p.doc_id, r.applies_when.fact) for r, p in chosen
             if r.applies_when and r.applies_when.fact not in chosen_facts}
    taken = {r.id for r, _ in chosen}
    chosen += [(r, p) for r, p in catalogue.rules() if r.id not in taken
               and r.applies_when and (p.doc_id, r.applies_when.fact) in kinds]
    if not chosen:
        return None
    rules = [r for r, _ in chosen]
    exclusions = {e.fact for r, p in chosen for e in p.exclusions_of(r)}
    facts = facts_from_question(question, rules, also=exclusions)
    facts.update(chosen_facts)
    # A rule whose project type is stated otherwise does not apply.
    rules = [r for r in rules if not (r.applies_when and r.applies_when.fact in facts and facts[r.applies_when.fact] not in r.applies_when.in_)]
    if not rules:
        return None
    result = calculate({k: (str(v) if isinstance(v, Decimal) else v) for k, v in facts.items()}, as_of,
                       rule_ids=[r.id for r in rules], catalogue=catalogue)
    result.facts_read = facts
    return result

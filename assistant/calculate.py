"""Stage 9: an enterprise's facts → the subsidies it can get, exact to the yuan.

The rules (``rules.py``) come bound to their clauses and documents (``bind.Catalogue``): a
policy's title, 文号 and validity are its document's. The engine is pure Python over
``Decimal``; every figure carries a step-by-step trace and the clause it comes from. A clause
that only gives a ceiling ("最高100万元") yields the ceiling and "按个案核定", never an
invented amount. Nothing is assumed: a project type, an exclusion or a condition the facts do
not state is asked; what the rule would pay if it goes the rule's way is said as "如…" beside
the question and kept out of the total. Same matter under several measures: 就高不重复, or
stacked where the policy says so.

Results are typed (``Item``, ``Calculation``); ``to_json`` gives the shape CONTRACTS.md fixes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from .bind import BoundPolicy, Catalogue, bundled_catalogue
from .models import Status
from .rules import (
    AnyOf,
    CategoryFormula,
    CeilingFormula,
    Facts,
    FactSpec,
    FixedFormula,
    Formula,
    MatchingFormula,
    RateFormula,
    Rule,
    fact_names,
    validate_facts,
)

ItemStatus = Literal["eligible", "ineligible", "needs_info", "expired", "excluded"]


def yuan(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def wan(amount: int | Decimal | None) -> str:
    """1500000 → '150万元'; 12345 → '1.2345万元'; 200000000 → '2亿元' (exact: through Decimal,
    never a float; 亿 only where it is shorter and exact to the 万)."""
    if amount is None:
        return "—"
    shown = in_wan(amount)
    value = Decimal(shown)
    if abs(value) >= 10000 and value == value.to_integral_value():
        return f"{format((value / 10000).normalize(), 'f')}亿元"
    return f"{shown}万元"


def in_wan(amount: int | Decimal) -> str:
    """The figure in 万 without its unit, for a column headed 万元: 1500000 → '150'."""
    return format((Decimal(amount) / Decimal(10000)).normalize(), "f")


def percent(rate: Decimal) -> str:
    """0.03 → '3%'; 0.007 → '7‰' (per mille where the texts write it so)."""
    if rate < Decimal("0.01") and (rate * 1000) == (rate * 1000).to_integral_value():
        return f"{format((rate * 1000).normalize(), 'f')}‰"
    return f"{format((rate * 100).normalize(), 'f')}%"


def terms(formula: Formula, specs: dict[str, FactSpec]) -> str:
    """What a clause pays, in words, from the rule's own parameters (never a rate of our own):
    "省级按当年度实际利用外资额的3%奖补，市级1:1.5配套，最高2亿元"."""
    top = f"，最高{wan(formula.cap)}" if formula.cap else ""
    if isinstance(formula, FixedFormula):
        return wan(formula.amount)
    if isinstance(formula, CategoryFormula):
        return "、".join(f"{name}{wan(amount)}" for name, amount in formula.amounts.items())
    if isinstance(formula, RateFormula):
        other = "".join(f"（{when.wording}）" for when in formula.rate_when)
        return f"按{specs[formula.base].meaning}的{percent(formula.rate)}{other}{top}"
    if isinstance(formula, MatchingFormula):
        ratio = format(formula.match_ratio.normalize(), "f")
        return f"省级按{specs[formula.base].meaning}的{percent(formula.provincial_rate)}奖补，市级1:{ratio}配套{top}"
    return f"最高{wan(formula.cap)}"


@dataclass(frozen=True)
class ClauseRef:
    doc_id: str
    doc_title: str
    doc_number: str | None
    section: str
    text: str
    clause_id: str

    def to_json(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "doc_title": self.doc_title, "doc_number": self.doc_number,
                "section": self.section, "text": self.text, "clause_id": self.clause_id}


@dataclass(frozen=True)
class Conditional:
    """What a rule waiting on yes/no or exclusion facts pays if they go its way: said as
    "如…可得X" beside the question, never counted in the total."""

    amount_yuan: int
    assuming: tuple[str, ...]  # the facts in words: "数字化改造项目已验收合格"
    expired: bool

    def to_json(self) -> dict[str, Any]:
        return {"amount_yuan": self.amount_yuan, "if": list(self.assuming), "expired": self.expired}


@dataclass
class Item:
    """One rule applied to one enterprise."""

    rule_id: str
    benefit: str
    citation: ClauseRef
    policy_status: Status  # the document's status on the day asked (current, expired, superseded…)
    matter: str | None
    cap_yuan: int | None  # the most the rule can pay: its ceiling, or its largest category amount
    terms: str = ""  # what the clause pays, in words ("按数字化投入的20%，最高300万元")
    by_rate: bool = False  # the amount is a share of a sum the enterprise gave: its terms explain it
    applies_to: tuple[str, ...] = ()  # the project types the rule is for, when it is for some only
    status: ItemStatus = "eligible"
    amount_yuan: int | None = None
    provincial_yuan: int | None = None  # a matching award: the provincial part, paid by the province
    minimum: bool = False  # the amount is a floor ("不低于省级财政的标准"), the payer sets the rest
    interpretation: str | None = None
    reasons: list[str] = field(default_factory=list)
    missing_facts: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    if_confirmed: Conditional | None = None

    @property
    def doc_number(self) -> str | None:
        return self.citation.doc_number

    @property
    def section(self) -> str:
        return self.citation.section

    @property
    def paid(self) -> int:
        """What this item adds to the total."""
        return (self.amount_yuan or 0) if self.status == "eligible" else 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.rule_id, "benefit": self.benefit, "doc_number": self.doc_number,
            "section": self.section, "status": self.status, "amount_yuan": self.amount_yuan,
            "cap_yuan": self.cap_yuan, "terms": self.terms, "reasons": list(self.reasons), "missing_facts": list(self.missing_facts),
            "trace": list(self.trace), "citation": self.citation.to_json(), "policy_status": self.policy_status,
        }
        if self.provincial_yuan is not None:
            out["provincial_yuan"] = self.provincial_yuan
        if self.interpretation:
            out["interpretation"] = self.interpretation
        if self.minimum:
            out["amount_is_minimum"] = True
        return out


@dataclass
class Calculation:
    as_of: date
    items: list[Item]
    notes: list[str]
    facts_read: dict[str, Any] | None = None  # when the facts were read from a question

    @property
    def total_yuan(self) -> int:
        """Eligible items only: never a conditional, expired or excluded amount."""
        return sum(i.paid for i in self.items)

    @property
    def if_confirmed(self) -> dict[str, Conditional]:
        return {i.rule_id: i.if_confirmed for i in self.items if i.if_confirmed is not None}

    def to_json(self) -> dict[str, Any]:
        from .calc_text import render_summary

        out: dict[str, Any] = {
            "as_of": self.as_of.isoformat(), "items": [i.to_json() for i in self.items],
            "total_yuan": self.total_yuan, "notes": list(self.notes),
            "if_confirmed": {k: v.to_json() for k, v in self.if_confirmed.items()},
            "summary": render_summary(self),
        }
        if self.facts_read is not None:
            out["facts_read"] = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.facts_read.items()}
        return out


# ---------------------------------------------------------------------------
# One rule


def _compare(left: Decimal | bool | str, op: str, right: Any) -> bool:
    if isinstance(left, Decimal):
        right = Decimal(str(right))
    return bool({
        ">=": lambda a, b: a >= b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b,
        "==": lambda a, b: a == b,
    }[op](left, right))


def show(value: Any, spec: FactSpec | None) -> str:
    """A fact's value as a person writes it: 800万元, 4000万美元, 是, 7.1元/美元."""
    if isinstance(value, Decimal) and spec and spec.type == "money_yuan":
        return wan(value)
    if isinstance(value, Decimal) and spec and spec.type == "money_usd":
        return f"{format((value / 10000).normalize(), 'f')}万美元"
    if isinstance(value, bool):
        return "是" if value else "否"
    unit = spec.unit if spec and spec.unit and spec.type == "number" else ""
    return f"{format(value.normalize(), 'f') if isinstance(value, Decimal) else value}{unit}"


def evaluate_rule(rule: Rule, policy: BoundPolicy, catalogue: Catalogue, facts: Facts, as_of: date) -> Item:
    specs = catalogue.facts
    meta = policy.meta
    item = Item(
        rule_id=rule.id,
        benefit=rule.benefit,
        citation=ClauseRef(policy.doc_id, policy.title, meta.doc_number, rule.section, rule.clause,
                           policy.clause_ids[rule.id]),
        policy_status=meta.status(as_of),
        matter=rule.matter,
        cap_yuan=rule.formula.largest(),
        terms=terms(rule.formula, specs),
        by_rate=isinstance(rule.formula, RateFormula | MatchingFormula),
        applies_to=tuple(rule.applies_when.in_) if rule.applies_when else (),
        interpretation=rule.interpretation,
    )
    trace = item.trace
    trace.append(f"规则 {rule.id}：{rule.benefit}（{policy.cited_as} {rule.section}）")

    def missing(name: str) -> None:
        if name not in item.missing_facts:
            item.missing_facts.append(name)

    if rule.applies_when and facts.get(rule.applies_when.fact) is None:
        missing(rule.applies_when.fact)  # which kind of project first: asked before anything else

    for exclusion in policy.exclusions_of(rule):
        value = facts.get(exclusion.fact)
        if value is None:  # an exclusion is a fact like any other: asked, never assumed absent
            missing(exclusion.fact)
        elif value in exclusion.in_:
            item.status = "excluded"
            item.reasons.append(f"{exclusion.wording}（{specs[exclusion.fact].meaning}：{show(value, specs[exclusion.fact])}）")
            trace.append(f"排除：{exclusion.wording}")
            return item

    if rule.applies_when:  # project types exclude each other: a rule pays only for its own
        stated = facts.get(rule.applies_when.fact)
        spec = specs[rule.applies_when.fact]
        if stated is not None and stated not in rule.applies_when.in_:
            item.status = "ineligible"
            item.reasons.append(f"本条适用于{'、'.join(rule.applies_when.in_)}项目；{spec.meaning}为「{stated}」")
            trace.append(f"{spec.meaning}「{stated}」不是本条的项目类型")
            return item

    failed: list[str] = []
    for condition in rule.conditions:
        options = condition.any_of if isinstance(condition, AnyOf) else [condition]
        results: list[bool | None] = []
        for c in options:
            value = facts.get(c.fact)
            if value is None:
                results.append(None)
                continue
            ok = _compare(value, c.op, c.value)
            results.append(ok)
            trace.append(f"条件「{c.wording}」：{specs[c.fact].meaning} = {show(value, specs[c.fact])} → {'满足' if ok else '不满足'}")
        if any(r is True for r in results):
            continue
        if any(r is None for r in results):
            for c, r in zip(options, results, strict=True):
                if r is None:
                    missing(c.fact)
            continue
        failed.append("或".join(c.wording for c in options) if len(options) > 1 else options[0].wording)

    formula = rule.formula
    for name in formula.inputs():
        if facts.get(name) is None:
            missing(name)
    if failed:
        item.status = "ineligible"
        item.reasons += [f"不满足条件：{w}" for w in failed]
        return item
    if item.missing_facts:
        item.status = "needs_info"
        item.reasons.append("缺少信息：" + "、".join(specs[n].meaning for n in item.missing_facts))
        return item

    amount = _amount(rule, item, specs, facts)
    if amount is not None:
        if formula.cap is not None and amount > formula.cap and not item.minimum:
            trace.append(f"超过上限，按最高限额 {wan(formula.cap)} 计")
            amount = Decimal(formula.cap)
        item.amount_yuan = yuan(amount)
        trace.append(f"金额：{wan(item.amount_yuan)}")
    _judge_validity(item, policy, as_of)
    return item


def _amount(rule: Rule, item: Item, specs: dict[str, FactSpec], facts: Facts) -> Decimal | None:
    formula, trace = rule.formula, item.trace
    if isinstance(formula, FixedFormula):
        trace.append(f"定额：{wan(formula.amount)}")
        return Decimal(formula.amount)
    if isinstance(formula, CategoryFormula):
        value = facts[formula.fact]
        if str(value) not in formula.amounts:
            item.status = "ineligible"
            item.reasons.append(f"{specs[formula.fact].meaning}为「{value}」，本条没有对应的金额")
            return None
        trace.append(f"按类别「{value}」：{wan(formula.amounts[str(value)])}")
        return Decimal(formula.amounts[str(value)])
    if isinstance(formula, RateFormula):
        base = facts[formula.base]
        rate = formula.rate
        for when in formula.rate_when:
            if facts.get(when.fact) == when.value:
                rate = when.rate
                trace.append(f"适用「{when.wording}」")
            elif facts.get(when.fact) is None:
                trace.append(f"未说明是否{specs[when.fact].meaning}，按一般比例计算")
        trace.append(f"{specs[formula.base].meaning} {wan(base)} × {percent(rate)} = {wan(base * rate)}")
        return Decimal(base * rate)
    if isinstance(formula, MatchingFormula):
        base, fx = facts[formula.base], facts[formula.fx]
        provincial = base * fx * formula.provincial_rate
        trace.append(f"省级奖补：{show(base, specs[formula.base])} × 汇率{format(fx.normalize(), 'f')} × "
                     f"{percent(formula.provincial_rate)} = {wan(provincial)}")
        item.provincial_yuan = yuan(provincial)  # paid by the province, not part of this item's amount
        local = formula.local
        if local and facts.get(local.fact) in local.in_:
            floor = provincial * local.ratio
            times = "" if local.ratio == 1 else f" × {format(local.ratio.normalize(), 'f')}"
            trace.append(f"{facts[local.fact]}项目不适用市级配套，按“{local.wording}”：不低于{wan(provincial)}{times} = {wan(floor)}")
            item.minimum = True
            item.reasons.append(f"{local.wording}（{local.section}）：金额为最低标准，具体由当地财政确定")
            return Decimal(floor)
        city = provincial * formula.match_ratio
        ratio = format(formula.match_ratio.normalize(), "f")
        trace.append(f"市级1:{ratio}配套：{wan(provincial)} × {ratio} = {wan(city)}")
        return Decimal(city)
    if isinstance(formula, CeilingFormula):
        item.reasons.append(
            f"条款只规定上限：{formula.per or ''}最高{wan(formula.cap)}，具体金额由主管部门按个案核定，不能据此算出确定数额"
        )
        trace.append(f"仅有上限 {wan(formula.cap)}，不计算金额")
    return None


def _judge_validity(item: Item, policy: BoundPolicy, as_of: date) -> None:
    """On the day asked, from the document's own metadata: an amount from a policy out of force
    is shown for reference and kept out of the total."""
    meta, status = policy.meta, item.policy_status
    if status == "not_yet_effective" and meta.valid_from:
        item.status = "ineligible"
        item.reasons.append(f"政策自{meta.valid_from.isoformat()}起施行，截至{as_of.isoformat()}尚未生效")
    elif status == "expired" and meta.valid_to:
        item.status = "expired"
        item.reasons.append(f"政策执行期至{meta.valid_to.isoformat()}，截至{as_of.isoformat()}已到期；金额仅供参考，不计入合计")
    elif status in ("superseded", "draft"):
        item.status = "expired"
        item.reasons.append(meta.validity_sentence(as_of) + "金额仅供参考，不计入合计")


def _assumable(rule: Rule, policy: BoundPolicy, specs: dict[str, FactSpec], name: str) -> tuple[Any, str] | None:
    """The value of an unstated fact under which the rule pays, and how to say it, when the fact
    is a yes/no condition or an exclusion; None for anything else (an amount, a project type)."""
    spec = specs[name]
    local = getattr(rule.formula, "local", None)
    if local and local.fact == name:  # where the project is: the city's own standard, said as such
        free = [o for o in spec.options or [] if o not in local.in_]
        return (free[0], spec.confirm_as or f"{spec.meaning}：{free[0]}") if free else None
    for exclusion in policy.exclusions_of(rule):
        if exclusion.fact == name:
            if spec.type == "bool":
                return (not exclusion.in_[0]), spec.confirm_as or f"不是{spec.meaning}"
            free = [o for o in spec.options or [] if o not in exclusion.in_]
            return (free[0], spec.confirm_as or f"{spec.meaning}：{free[0]}") if free else None
    if spec.type == "bool":
        return True, spec.confirm_as or spec.meaning
    return None


def _conditional(item: Item, rule: Rule, policy: BoundPolicy, catalogue: Catalogue, facts: Facts, as_of: date) -> None:
    """For an item waiting only on yes/no and exclusion facts: what it pays if they go its way."""
    if item.status != "needs_info" or not item.missing_facts:
        return
    assumed = [_assumable(rule, policy, catalogue.facts, n) for n in item.missing_facts]
    if any(a is None for a in assumed):
        return
    trial = {**facts, **{n: a[0] for n, a in zip(item.missing_facts, assumed, strict=True) if a}}
    again = evaluate_rule(rule, policy, catalogue, trial, as_of)
    if again.status in ("eligible", "expired") and again.amount_yuan is not None:
        item.if_confirmed = Conditional(again.amount_yuan, tuple(a[1] for a in assumed if a), again.status == "expired")


# ---------------------------------------------------------------------------
# Many rules


def _selected(rule: Rule, facts: Facts, asked_for: set[str] | None) -> bool:
    """Rules asked for by id always run; otherwise a rule runs when the facts speak to it
    and do not state a project type it is not for."""
    if asked_for is not None:
        return rule.id in asked_for
    if rule.applies_when and facts.get(rule.applies_when.fact) not in rule.applies_when.in_:
        return False
    return bool(fact_names(rule) & {k for k, v in facts.items() if v is not None})


def calculate(
    raw_facts: dict[str, Any], as_of: date, rule_ids: list[str] | None = None, catalogue: Catalogue | None = None,
) -> Calculation:
    """Run every rule the facts speak to, or the ``rule_ids`` asked for (also ``"rules"`` in the
    facts). ``catalogue``: the rules bound to the knowledge base's documents (default: the bundled
    corpus). Only the rules run take part in 就高不重复: leave out before, never remove after."""
    catalogue = catalogue or bundled_catalogue()
    facts = validate_facts(raw_facts, catalogue.facts)
    asked = rule_ids if rule_ids is not None else raw_facts.get("rules")
    asked_for = set(asked) if asked is not None else None
    items: list[Item] = []
    notes: list[str] = []
    for policy in catalogue.policies:
        before = len(items)
        for rule in policy.rules:
            if _selected(rule, facts, asked_for):
                item = evaluate_rule(rule, policy, catalogue, facts, as_of)
                _conditional(item, rule, policy, catalogue, facts, as_of)
                items.append(item)
        if len(items) > before:
            if policy.policy.payer:
                notes.append(f"资金分担（{policy.cited_as}）：{policy.policy.payer}")
            notes += [f"{policy.cited_as}：{n}" for n in policy.policy.notes]
    _highest_not_repeated(items, notes, {p.doc_id: p for p in catalogue.policies})
    return Calculation(as_of=as_of, items=items, notes=notes)


def _highest_not_repeated(items: list[Item], notes: list[str], policies: dict[str, BoundPolicy]) -> None:
    """就高不重复: one matter covered by several measures is paid once, at the highest, within a
    policy and across policies, except that a policy whose text stacks its support on top of others
    ("额外叠加") is paid besides them (still once among its own measures)."""
    by_matter: dict[str, list[Item]] = {}
    for item in items:
        if item.matter and item.status == "eligible" and item.amount_yuan:
            by_matter.setdefault(item.matter, []).append(item)
    for group in by_matter.values():
        stacked = [i for i in group if policies[i.citation.doc_id].policy.overlap == "stack"]
        pools = [[i for i in group if policies[i.citation.doc_id].policy.overlap != "stack"]]
        pools += [[i for i in stacked if i.citation.doc_id == d] for d in dict.fromkeys(i.citation.doc_id for i in stacked)]
        for pool in pools:
            _pay_highest(pool, notes, policies)
        if stacked and len(pools) > 1 and any(pools[0]):
            policy = policies[stacked[0].citation.doc_id]
            notes.append(f"额外叠加：「{stacked[0].benefit}」按{policy.cited_as}"
                         f"“{policy.policy.overlap_clause or '额外叠加支持'}”，与其他政策同一事项的支持叠加计算")


def _pay_highest(group: list[Item], notes: list[str], policies: dict[str, BoundPolicy]) -> None:
    if len(group) < 2:
        return
    group.sort(key=lambda i: -(i.amount_yuan or 0))
    kept = group[0]
    for other in group[1:]:
        other.status = "excluded"
        other.reasons.append(f"就高不重复：同一事项已按「{kept.benefit}」{wan(kept.amount_yuan)}计")
    said = {clause for i in group if (clause := policies[i.citation.doc_id].policy.overlap_clause)}
    basis = f"（{'；'.join(sorted(said))}）" if len({i.citation.doc_id for i in group}) > 1 and said else ""
    notes.append(
        f"就高不重复：{'、'.join(i.benefit for i in group)}属同一事项，取最高的「{kept.benefit}」"
        f"{wan(kept.amount_yuan)}，不重复享受{basis}"
    )

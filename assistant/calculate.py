"""Stage 9: an enterprise's facts → the subsidies it can get, exact to the yuan.

Rules are data (``corpus/rules/*.yaml``, one file per policy), validated by a
strict schema: an unknown key or a rule without its clause is an error, never
silently ignored. The engine is pure Python over ``Decimal``; every figure
carries a step-by-step trace and the clause it comes from. A clause that only
gives a ceiling ("最高100万元") yields the ceiling and "按个案核定", never an
invented amount. Same matter under several measures: 就高不重复.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .config import RULES_DIR
from .models import PolicyError

Op = Literal[">=", ">", "<=", "<", "=="]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FactSpec(Strict):
    type: Literal["money_yuan", "money_usd", "number", "bool", "enum"]
    meaning: str
    unit: str | None = None
    options: list[str] | None = None
    keywords: list[str] | dict[str, str] = []
    positive: bool = False  # zero is no valid value (an exchange rate)
    maximum: Decimal | None = None  # larger values are refused as misread, never calculated


class Condition(Strict):
    fact: str
    op: Op
    value: Any
    wording: str


class AnyOf(Strict):
    any_of: list[Condition]


class Membership(Strict):
    """The fact's value is one of ``in`` (YAML: ``{fact: x, in: [a, b]}``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    fact: str
    in_: list[Any] = Field(alias="in")
    wording: str | None = None
    section: str | None = None


class RateWhen(Strict):
    fact: str
    value: Any
    rate: Decimal
    wording: str


class _FormulaBase(Strict):
    cap: int | None = None  # the clause's ceiling (yuan)
    per: str | None = None  # what the ceiling is per ("每个项目")

    def inputs(self) -> list[str]:
        """The facts the formula reads (conditions aside)."""
        return []

    def largest(self) -> int | None:
        """The most the clause can pay: its ceiling, or its largest category amount."""
        return self.cap


class FixedFormula(_FormulaBase):
    """A fixed sum: "给予一次性奖励50万元"."""

    kind: Literal["fixed"]
    amount: int

    def largest(self) -> int | None:
        return self.cap or self.amount


class CategoryFormula(_FormulaBase):
    """An amount per category of a fact: "单项冠军300万元、小巨人150万元"."""

    kind: Literal["by_category"]
    fact: str
    amounts: dict[str, int]

    def inputs(self) -> list[str]:
        return [self.fact]

    def largest(self) -> int | None:
        return self.cap or max(self.amounts.values())


class RateFormula(_FormulaBase):
    """A share of a base: "按数字化投入20%补助，最高300万元"; another rate when a fact holds."""

    kind: Literal["rate"]
    base: str
    rate: Decimal
    rate_when: list[RateWhen] = []

    def inputs(self) -> list[str]:
        return [self.base]


class MatchingFormula(_FormulaBase):
    """A city award matching a provincial one: base × exchange rate × provincial rate × ratio."""

    kind: Literal["matching"]
    base: str
    fx: str
    provincial_rate: Decimal
    match_ratio: Decimal

    def inputs(self) -> list[str]:
        return [self.base, self.fx]


class CeilingFormula(_FormulaBase):
    """Only a ceiling ("最高不超过50万元"): no amount can be computed from the text."""

    kind: Literal["ceiling"]
    cap: int


# The kinds differ in what they need: each names its own required fields, so a rate rule
# without a base or a fixed rule without an amount is refused when the rules load.
Formula = Annotated[
    FixedFormula | CategoryFormula | RateFormula | MatchingFormula | CeilingFormula, Field(discriminator="kind")
]


class Rule(Strict):
    id: str
    benefit: str
    section: str
    clause: str
    keywords: list[str]
    formula: Formula
    matter: str | None = None
    # How the engine reads words the clause leaves open ("1:1.5配套", "累计最高"), said to the user.
    interpretation: str | None = None
    applies_when: Membership | None = None
    conditions: list[Condition | AnyOf] = []
    exclusions: list[Membership] = []

    @field_validator("clause", "section")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("每条规则必须引用条款（section 与 clause 不能为空）")
        return value


class Policy(Strict):
    doc_id: str
    doc_number: str | None
    title: str
    valid_from: date | None = None
    valid_to: date | None = None
    validity_clause: str
    payer: str | None = None
    notes: list[str] = []
    # With other policies' measures for the same matter: paid once at the highest (就高不重复, the
    # default and what 32号/38号 say), or added on top (36号: "额外叠加支持"); the words that say so.
    overlap: Literal["highest", "stack"] = "highest"
    overlap_clause: str | None = None


class RuleFile(Strict):
    policy: Policy
    rules: list[Rule]
    exclusions: list[Membership] = []


# ---------------------------------------------------------------------------
# Loading


def fact_names(rule: Rule) -> set[str]:
    names: set[str] = set()
    for c in rule.conditions:
        names |= {x.fact for x in c.any_of} if isinstance(c, AnyOf) else {c.fact}
    f = rule.formula
    names |= set(f.inputs())
    if isinstance(f, RateFormula):
        names |= {w.fact for w in f.rate_when}
    names |= {e.fact for e in rule.exclusions}
    if rule.applies_when:
        names.add(rule.applies_when.fact)
    return names


@lru_cache(maxsize=4)
def load_rules(directory: Path = RULES_DIR) -> tuple[dict[str, FactSpec], list[RuleFile]]:
    facts_path = directory / "facts.yaml"
    try:
        raw_facts = yaml.safe_load(facts_path.read_text(encoding="utf-8")) or {}
        facts = {name: FactSpec.model_validate(spec) for name, spec in raw_facts.items()}
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise PolicyError(f"{facts_path.name}: 事实定义无效：{_first_error(exc)}") from None
    files = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "facts.yaml":
            continue
        try:
            rule_file = RuleFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (yaml.YAMLError, ValidationError) as exc:
            raise PolicyError(f"{path.name}: 规则无效：{_first_error(exc)}") from None
        for rule in rule_file.rules:
            unknown = fact_names(rule) - set(facts)
            if unknown:
                raise PolicyError(f"{path.name}: 规则 {rule.id} 引用了未定义的事实 {sorted(unknown)}")
        for exclusion in rule_file.exclusions:
            if exclusion.fact not in facts:
                raise PolicyError(f"{path.name}: 排除条件引用了未定义的事实 {exclusion.fact}")
        files.append(rule_file)
    return facts, files


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(x) for x in error['loc'])}: {error['msg']}"
    return str(exc).splitlines()[0]


def list_facts() -> list[dict]:
    facts, _ = load_rules()
    return [
        {"name": name, "type": spec.type, "unit": spec.unit, "meaning": spec.meaning, "options": spec.options}
        for name, spec in facts.items()
    ]


def facts_by_policy() -> list[tuple[str, list[str]]]:
    """The form's groups: facts several policies read first, then each policy's own facts,
    in the order facts.yaml lists them."""
    specs, files = load_rules()
    per_policy = [
        (f.policy.title, {n for r in f.rules for n in fact_names(r)} | {e.fact for e in f.exclusions}) for f in files
    ]
    count: dict[str, int] = {}
    for _, names in per_policy:
        for name in names:
            count[name] = count.get(name, 0) + 1
    order = list(specs)
    groups = [("多项政策共用", [n for n in order if count.get(n, 0) > 1])]
    groups += [(title, [n for n in order if n in names and count[n] == 1]) for title, names in per_policy]
    return [(title, names) for title, names in groups if names]


# ---------------------------------------------------------------------------
# Engine


def yuan(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def wan(amount: int | Decimal | None) -> str:
    """1500000 → '150万元'; 12345 → '1.2345万元'."""
    if amount is None:
        return "—"
    value = (Decimal(amount) / Decimal(10000)).normalize()
    text = format(value, "f")
    return f"{text}万元"


# Beyond these a number is misread or hostile: refused by name, never calculated.
_CEILING = {"money_yuan": Decimal(10) ** 12, "money_usd": Decimal(10) ** 11, "number": Decimal(10) ** 9}


def _coerce(name: str, value: Any, spec: FactSpec) -> Any:
    if value is None:
        return None
    try:
        if spec.type in ("money_yuan", "money_usd", "number"):
            if isinstance(value, bool):
                raise ValueError
            number = Decimal(str(value).strip())
            shown = f"{spec.meaning}（{name}）"
            if not number.is_finite():
                raise PolicyError(f"{shown}应是一个有限的数，而不是 {value!r}")
            if number < 0:
                raise PolicyError(f"{shown}不能为负数：{value}")
            if spec.positive and number == 0:
                raise PolicyError(f"{shown}不能为 0")
            ceiling = spec.maximum if spec.maximum is not None else _CEILING[spec.type]
            if number > ceiling:
                raise PolicyError(f"{shown}的值 {value} 大得不合常理（上限 {ceiling}），请核对后再填")
            return number
        if spec.type == "bool":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "是", "1", "yes"):
                return True
            if str(value).lower() in ("false", "否", "0", "no"):
                return False
            raise ValueError
        if spec.type == "enum":
            if spec.options and str(value) not in spec.options:
                raise PolicyError(f"事实 {name} 的取值应为 {spec.options} 之一，而不是 {value!r}")
            return str(value)
    except (InvalidOperation, ValueError, ArithmeticError):
        raise PolicyError(f"{spec.meaning}（{name}）的值 {value!r} 不是有效的{spec.type}") from None
    return value


def validate_facts(raw: dict) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise PolicyError("企业情况应是 JSON 对象，如 {\"recognition_level\": \"专精特新小巨人\"}")
    facts, _ = load_rules()
    clean: dict[str, Any] = {}
    for name, value in raw.items():
        if name in ("rules", "as_of"):
            continue
        if name not in facts:
            raise PolicyError(f"未知的事实 {name!r}；用 `policy-assistant calc --list-facts` 查看可填的事实")
        clean[name] = _coerce(name, value, facts[name])
    return clean


def _compare(left: Decimal | bool | str, op: str, right: Any) -> bool:
    if isinstance(left, Decimal):
        right = Decimal(str(right))
    return {
        ">=": lambda a, b: a >= b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b,
        "==": lambda a, b: a == b,
    }[op](left, right)


def _fmt(value: Any, spec: FactSpec | None) -> str:
    if isinstance(value, Decimal) and spec and spec.type == "money_yuan":
        return wan(value)
    if isinstance(value, Decimal) and spec and spec.type == "money_usd":
        return f"{format((value / 10000).normalize(), 'f')}万美元"
    if isinstance(value, bool):
        return "是" if value else "否"
    unit = spec.unit if spec and spec.unit and spec.type == "number" else ""
    return f"{format(value.normalize(), 'f') if isinstance(value, Decimal) else value}{unit}"


def evaluate_rule(rule: Rule, policy: Policy, file_exclusions: list[Membership], facts: dict, as_of: date) -> dict:
    specs, _ = load_rules()
    trace: list[str] = [f"规则 {rule.id}：{rule.benefit}（{policy.doc_number or policy.title} {rule.section}）"]
    item: dict[str, Any] = {
        "rule_id": rule.id,
        "benefit": rule.benefit,
        "doc_number": policy.doc_number,
        "section": rule.section,
        "status": "eligible",
        "amount_yuan": None,
        # the most this rule can pay: the clause's ceiling, or its largest category amount
        "cap_yuan": rule.formula.largest(),
        "reasons": [],
        "missing_facts": [],
        "trace": trace,
        "citation": {"doc_id": policy.doc_id, "doc_title": policy.title, "doc_number": policy.doc_number,
                     "section": rule.section, "text": rule.clause},
        "matter": rule.matter,
    }

    def missing(name: str) -> None:
        if name not in item["missing_facts"]:
            item["missing_facts"].append(name)

    for exclusion in file_exclusions + rule.exclusions:
        value = facts.get(exclusion.fact)
        if value is not None and value in exclusion.in_:
            item["status"] = "excluded"
            item["reasons"].append(f"{exclusion.wording}（{specs[exclusion.fact].meaning}：{_fmt(value, specs[exclusion.fact])}）")
            trace.append(f"排除：{exclusion.wording}")
            return item

    if rule.applies_when:  # project types exclude each other: a rule pays only for its own
        stated = facts.get(rule.applies_when.fact)
        spec = specs[rule.applies_when.fact]
        if stated is None:
            missing(rule.applies_when.fact)
        elif stated not in rule.applies_when.in_:
            item["status"] = "ineligible"
            item["reasons"].append(f"本条适用于{'、'.join(rule.applies_when.in_)}项目；{spec.meaning}为「{stated}」")
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
            trace.append(f"条件「{c.wording}」：{specs[c.fact].meaning} = {_fmt(value, specs[c.fact])} → {'满足' if ok else '不满足'}")
        if any(r is True for r in results):
            continue
        if any(r is None for r in results):
            for c, r in zip(options, results, strict=True):
                if r is None:
                    missing(c.fact)
            continue
        failed.append("或".join(c.wording for c in options) if len(options) > 1 else options[0].wording)

    formula = rule.formula
    needed = formula.inputs()
    for name in needed:
        if facts.get(name) is None:
            missing(name)
    if failed:
        item["status"] = "ineligible"
        item["reasons"] += [f"不满足条件：{w}" for w in failed]
        return item
    if item["missing_facts"]:
        item["status"] = "needs_info"
        item["reasons"].append("缺少信息：" + "、".join(specs[n].meaning for n in item["missing_facts"]))
        return item

    amount: Decimal | None = None
    if isinstance(formula, FixedFormula):
        amount = Decimal(formula.amount)
        trace.append(f"定额：{wan(amount)}")
    elif isinstance(formula, CategoryFormula):
        value = facts[formula.fact]
        if str(value) not in formula.amounts:
            item["status"] = "ineligible"
            item["reasons"].append(f"{specs[formula.fact].meaning}为「{value}」，本条没有对应的金额")
            return item
        amount = Decimal(formula.amounts[str(value)])
        trace.append(f"按类别「{value}」：{wan(amount)}")
    elif isinstance(formula, RateFormula):
        base = facts[formula.base]
        rate = formula.rate
        for when in formula.rate_when:
            if facts.get(when.fact) == when.value:
                rate = when.rate
                trace.append(f"适用「{when.wording}」")
            elif facts.get(when.fact) is None:
                trace.append(f"未说明是否{specs[when.fact].meaning}，按一般比例计算")
        raw = base * rate
        trace.append(f"{specs[formula.base].meaning} {wan(base)} × {format((rate * 100).normalize(), 'f')}% = {wan(raw)}")
        amount = raw
    elif isinstance(formula, MatchingFormula):
        base, fx = facts[formula.base], facts[formula.fx]
        provincial = base * fx * formula.provincial_rate
        city = provincial * formula.match_ratio
        trace.append(f"省级奖补：{_fmt(base, specs[formula.base])} × 汇率{format(fx.normalize(), 'f')} × "
                     f"{format((formula.provincial_rate * 100).normalize(), 'f')}% = {wan(provincial)}")
        trace.append(f"市级1:{format(formula.match_ratio.normalize(), 'f')}配套：{wan(provincial)} × "
                     f"{format(formula.match_ratio.normalize(), 'f')} = {wan(city)}")
        item["provincial_yuan"] = yuan(provincial)  # paid by the province, not part of this item's amount
        amount = city
    elif isinstance(formula, CeilingFormula):
        item["reasons"].append(
            f"条款只规定上限：{formula.per or ''}最高{wan(formula.cap)}，具体金额由主管部门按个案核定，不能据此算出确定数额"
        )
        trace.append(f"仅有上限 {wan(formula.cap)}，不计算金额")

    if rule.interpretation:
        item["interpretation"] = rule.interpretation
    if amount is not None:
        if formula.cap is not None and amount > formula.cap:
            trace.append(f"超过上限，按最高限额 {wan(formula.cap)} 计")
            amount = Decimal(formula.cap)
        item["amount_yuan"] = yuan(amount)
        trace.append(f"金额：{wan(item['amount_yuan'])}")

    if policy.valid_to and as_of > policy.valid_to:
        item["status"] = "expired"
        item["reasons"].append(f"政策执行期至{policy.valid_to.isoformat()}，截至{as_of.isoformat()}已到期；金额仅供参考，不计入合计")
    elif policy.valid_from and as_of < policy.valid_from:
        item["status"] = "ineligible"
        item["reasons"].append(f"政策自{policy.valid_from.isoformat()}起施行，截至{as_of.isoformat()}尚未生效")
    return item


def _selected(rule: Rule, facts: dict, asked_for: set[str] | None) -> bool:
    """Rules asked for by id always run; otherwise a rule runs when the facts speak to it
    and do not state a project type it is not for."""
    if asked_for is not None:
        return rule.id in asked_for
    if rule.applies_when and facts.get(rule.applies_when.fact) not in rule.applies_when.in_:
        return False
    return bool(fact_names(rule) & {k for k, v in facts.items() if v is not None})


def calculate(raw_facts: dict, as_of: date, rule_ids: list[str] | None = None) -> dict:
    """Run every rule the facts speak to, or the ``rule_ids`` asked for (also ``"rules"`` in the facts)."""
    facts = validate_facts(raw_facts)
    asked = rule_ids if rule_ids is not None else raw_facts.get("rules")
    asked_for = set(asked) if asked is not None else None
    _, files = load_rules()
    items = []
    notes: list[str] = []
    for rule_file in files:
        for rule in rule_file.rules:
            if _selected(rule, facts, asked_for):
                items.append(evaluate_rule(rule, rule_file.policy, rule_file.exclusions, facts, as_of))
        if any(i["citation"]["doc_id"] == rule_file.policy.doc_id for i in items):
            if rule_file.policy.payer:
                notes.append(f"资金分担（{rule_file.policy.doc_number}）：{rule_file.policy.payer}")
            notes += [f"{rule_file.policy.doc_number}：{n}" for n in rule_file.policy.notes]
    _highest_not_repeated(items, notes, {f.policy.doc_id: f.policy for f in files})
    total = sum(i["amount_yuan"] for i in items if i["status"] == "eligible" and i["amount_yuan"])
    for item in items:
        item.pop("matter", None)
    return {"as_of": as_of.isoformat(), "items": items, "total_yuan": total, "notes": notes}


def _highest_not_repeated(items: list[dict], notes: list[str], policies: dict[str, Policy]) -> None:
    """就高不重复: one matter covered by several measures is paid once, at the highest, within a
    policy and across policies, except that a policy whose text stacks its support on top of others
    ("额外叠加") is paid besides them (still once among its own measures)."""
    by_matter: dict[str, list[dict]] = {}
    for item in items:
        if item.get("matter") and item["status"] == "eligible" and item["amount_yuan"]:
            by_matter.setdefault(item["matter"], []).append(item)
    for group in by_matter.values():
        policy_of = {id(i): policies[i["citation"]["doc_id"]] for i in group}
        stacked = [i for i in group if policy_of[id(i)].overlap == "stack"]
        pools = [[i for i in group if policy_of[id(i)].overlap != "stack"]]
        pools += [[i for i in stacked if i["citation"]["doc_id"] == d] for d in dict.fromkeys(i["citation"]["doc_id"] for i in stacked)]
        for pool in pools:
            _pay_highest(pool, notes, policy_of)
        if stacked and len(pools) > 1 and any(pools[0]):
            policy = policy_of[id(stacked[0])]
            notes.append(f"额外叠加：「{stacked[0]['benefit']}」按{policy.doc_number or policy.title}"
                         f"“{policy.overlap_clause or '额外叠加支持'}”，与其他政策同一事项的支持叠加计算")


def _pay_highest(group: list[dict], notes: list[str], policy_of: dict[int, Policy]) -> None:
    if len(group) < 2:
        return
    group.sort(key=lambda i: -i["amount_yuan"])
    kept = group[0]
    for other in group[1:]:
        other["status"] = "excluded"
        other["reasons"].append(f"就高不重复：同一事项已按「{kept['benefit']}」{wan(kept['amount_yuan'])}计")
    said = {clause for i in group if (clause := policy_of[id(i)].overlap_clause)}
    basis = f"（{'；'.join(sorted(said))}）" if len({i['citation']['doc_id'] for i in group}) > 1 and said else ""
    notes.append(
        f"就高不重复：{'、'.join(i['benefit'] for i in group)}属同一事项，取最高的「{kept['benefit']}」"
        f"{wan(kept['amount_yuan'])}，不重复享受{basis}"
    )


def leads(result: dict) -> bool:
    """Whether the calculation has something definite to say first (an amount, a ceiling, a
    conditional amount, a choice to make, why it does not apply) rather than only asking for facts:
    then the clause's own words come first."""
    specs, _ = load_rules()
    for item in result["items"]:
        if item["status"] in ("eligible", "expired", "excluded", "ineligible"):
            return True
        if item["rule_id"] in result.get("if_confirmed", {}):
            return True
        if any(specs[n].type == "enum" and specs[n].options for n in item["missing_facts"]):
            return True
    return False


def lead_line(result: dict) -> str:
    """The amount in one sentence, before any working: what an owner asked first. When rules
    for different project types wait on the type, one question with the choices comes first."""
    specs, _ = load_rules()
    parts = []
    waiting: dict[str, int] = {}
    for item in result["items"]:
        if item["status"] == "needs_info":
            for name in item["missing_facts"]:
                if specs[name].type == "enum" and specs[name].options:
                    waiting[name] = waiting.get(name, 0) + 1
    choices = {name for name, count in waiting.items() if count > 1}  # rules that exclude each other
    for name in sorted(choices):
        options = [o for o in specs[name].options or [] if o != "否"]
        parts.append(f"您的项目属于哪一类？请选择{specs[name].meaning}：{'、'.join(options)}")
    if choices:
        return "；".join(parts) + "。"
    for item in result["items"]:
        status = item["status"]
        if status in ("eligible", "expired") and item["amount_yuan"] is not None:
            part = f"{item['benefit']}可得{wan(item['amount_yuan'])}"
        elif status in ("eligible", "expired") and item["cap_yuan"] is not None:
            part = f"{item['benefit']}最高{wan(item['cap_yuan'])}，具体金额按个案核定"
        elif status == "needs_info" and item["rule_id"] in result.get("if_confirmed", {}):
            known = result["if_confirmed"][item["rule_id"]]
            part = f"如{'、'.join(known['if'])}，{item['benefit']}可得{wan(known['amount_yuan'])}"
            if known["expired"]:
                part += "（该政策已到期，仅供参考）"
        elif status == "needs_info":
            most = f"最高{wan(item['cap_yuan'])}，" if item["cap_yuan"] else ""
            part = f"{item['benefit']}{most}还需要您确认：" + "、".join(specs[n].meaning for n in item["missing_facts"])
        elif status == "excluded":
            part = f"{item['benefit']}不适用：{item['reasons'][0]}"
        elif status == "ineligible" and item["reasons"]:
            part = f"{item['benefit']}：不符合条件（要求{item['reasons'][0].removeprefix('不满足条件：')}）"
        else:
            continue
        if status == "expired":
            part += "（该政策已到期，仅供参考）"
        parts.append(part)
    return "；".join(parts) + "。" if parts else ""


def render_summary(result: dict) -> str:
    specs, _ = load_rules()
    lines = [f"补贴测算（按{result['as_of']}判断有效期）："]
    for item in result["items"]:
        head = f"- {item['benefit']}："
        ceiling_only = item["amount_yuan"] is None and item["cap_yuan"] is not None and not item["missing_facts"]
        if item["status"] in ("eligible", "expired") and ceiling_only:
            head += f"最高{wan(item['cap_yuan'])}，具体金额按个案核定"
            if item["status"] == "expired":
                head += "（政策已到期）"
        elif item["status"] in ("eligible", "expired") and item["amount_yuan"] is not None:
            head += f"{wan(item['amount_yuan'])}"
            if item["status"] == "expired":
                head += "（政策已到期，仅供参考）"
        elif item["status"] == "needs_info":
            head += "还需要补充信息：" + "、".join(specs[n].meaning for n in item["missing_facts"])
        else:
            head += {"ineligible": "不符合条件", "excluded": "不享受"}.get(item["status"], item["status"])
        lines.append(head)
        steps = [t for t in item["trace"][1:] if not t.startswith("条件")]
        if steps and item["status"] in ("eligible", "expired"):
            lines.append("  计算：" + "；".join(steps))
        if item.get("provincial_yuan") is not None and item["amount_yuan"] is not None:
            lines.append(f"  分项：省级奖补 {wan(item['provincial_yuan'])}（省级财政兑现，不计入本项）；市级配套 {wan(item['amount_yuan'])}")
        if item.get("interpretation"):
            lines.append(f"  理解：{item['interpretation']}")
        for reason in item["reasons"]:
            lines.append(f"  说明：{reason}")
        lines.append(f"  依据：《{item['citation']['doc_title']}》（{item['doc_number']}）{item['section']}：{item['citation']['text']}")
    if result["total_yuan"]:
        lines.append(f"合计（有效且符合条件的项目）：{wan(result['total_yuan'])}")
    lines += [f"注：{n}" for n in result["notes"]]
    return "\n".join(lines)


def render_text(result: dict) -> str:
    return render_summary(result)

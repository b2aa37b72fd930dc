"""Rules as data: the schema of ``corpus/rules/*.yaml`` and of the facts they read.

One YAML file per policy, one ``facts.yaml`` for every fact. The schema is strict: an unknown
key, an undefined fact, a rule without its clause or a formula without the fields its kind
needs is refused when the rules load, never silently ignored. A rule file names its document
(``doc_id``) and nothing else of its identity: title, 文号 and validity are the document's
metadata, joined when rules are bound to the clause tree (``bind.py``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .config import RULES_DIR
from .models import PolicyError

Op = Literal[">=", ">", "<=", "<", "=="]
# An enterprise's facts by name: Decimal for sums and numbers, bool, or an option of an enum.
Facts = dict[str, Any]


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
    # How an answer words the value a conditional amount assumes ("如项目不属于金融类、房地产类"),
    # when the meaning alone does not say it.
    confirm_as: str | None = None


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


class LocalStandard(Strict):
    """Where another government pays instead of the city's match, at its own standard
    ("县级的项目由县级财政按不低于省级财政的标准予以保障支持"): for projects whose ``fact`` is one of
    ``in``, at least ``ratio`` × the provincial award, with no city cap."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    fact: str
    in_: list[str] = Field(alias="in")
    ratio: Decimal
    wording: str  # verbatim, checked against the document at build
    section: str


class MatchingFormula(_FormulaBase):
    """A city award matching a provincial one: base × exchange rate × provincial rate × ratio."""

    kind: Literal["matching"]
    base: str
    fx: str
    provincial_rate: Decimal
    match_ratio: Decimal
    local: LocalStandard | None = None

    def inputs(self) -> list[str]:
        return [self.base, self.fx] + ([self.local.fact] if self.local else [])


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
    """What a rule file adds to its document: who pays, notes, how its measures meet others'.
    Its title, 文号 and validity are the document's own metadata (one source, joined in bind.py)."""

    doc_id: str
    payer: str | None = None
    notes: list[str] = []
    # With other policies' measures for the same matter: paid once at the highest (就高不重复, the
    # default and what 32号/38号 say), or added on top (36号: "额外叠加支持"); the words that say so.
    overlap: Literal["highest", "stack"] = "highest"
    overlap_clause: str | None = None


class RuleFile(Strict):
    policy: Policy
    rules: list[Rule]
    exclusions: list[Membership] = []  # what excludes a project from every rule of the policy


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


def project_type_facts() -> set[str]:
    """Facts that say which kind of project it is: rules on different values of one exclude each
    other, so the engine asks which kind rather than paying them together."""
    _, files = load_rules()
    return {r.applies_when.fact for f in files for r in f.rules if r.applies_when}


def list_facts() -> list[dict[str, Any]]:
    facts, _ = load_rules()
    return [
        {"name": name, "type": spec.type, "unit": spec.unit, "meaning": spec.meaning, "options": spec.options}
        for name, spec in facts.items()
    ]


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


def validate_facts(raw: dict[str, Any], facts: dict[str, FactSpec] | None = None) -> Facts:
    """Each stated fact checked and typed (Decimal, bool, an option); ``rules`` and ``as_of`` pass."""
    if not isinstance(raw, dict):
        raise PolicyError("企业情况应是 JSON 对象，如 {\"recognition_level\": \"专精特新小巨人\"}")
    facts = facts if facts is not None else load_rules()[0]
    clean: dict[str, Any] = {}
    for name, value in raw.items():
        if name in ("rules", "as_of"):
            continue
        if name not in facts:
            raise PolicyError(f"未知的事实 {name!r}；用 `policy-assistant calc --list-facts` 查看可填的事实")
        clean[name] = _coerce(name, value, facts[name])
    return clean



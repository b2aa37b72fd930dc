"""The subsidy engine: YAML cases at, below and above every threshold and cap; properties; schema."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.bind import BoundPolicy, Catalogue, bundled_catalogue
from assistant.calc_text import lead_line, render_summary
from assistant.calculate import Calculation, calculate, in_wan, percent, wan
from assistant.config import Limits
from assistant.facts import answer_amount_question
from assistant.models import DocumentMeta, PolicyError
from assistant.rules import Policy, Rule, load_rules

CASES = yaml.safe_load((Path(__file__).parent / "calc_cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case):
    facts = dict(case["facts"])
    result = calculate(facts, case["as_of"], rule_ids=case.get("rule_ids"))
    items = {i.rule_id: i for i in result.items}
    for rule_id, (status, amount) in case["expect"].items():
        assert items[rule_id].status == status, items[rule_id].reasons
        assert items[rule_id].amount_yuan == amount
        assert items[rule_id].citation.text and items[rule_id].trace
    for rule_id, cap in case.get("caps", {}).items():
        assert items[rule_id].cap_yuan == cap
        assert any("按个案核定" in r for r in items[rule_id].reasons)
    for rule_id, missing in case.get("missing", {}).items():
        assert items[rule_id].missing_facts == missing
    if "total" in case:
        assert result.total_yuan == case["total"]


def test_every_rule_quotes_its_clause_verbatim_from_the_indexed_document(corpus_index):
    from assistant.store import Index

    index = Index.open(corpus_index.index_dir, corpus_index)
    _, files = load_rules()
    for rule_file in files:
        doc = index.documents[rule_file.policy.doc_id]
        for rule in rule_file.rules:
            assert rule.clause.rstrip("。；") in doc.text, rule.id
            assert any(c.section == rule.section for c in doc.clauses), rule.id


def test_unknown_key_and_missing_clause_are_rejected(tmp_path):
    for name in ("facts.yaml",):
        (tmp_path / name).write_text((Path("corpus/rules") / name).read_text(encoding="utf-8"), encoding="utf-8")
    rule = {"policy": {"doc_id": "d"},
            "rules": [{"id": "r", "benefit": "b", "section": "s", "clause": "c", "keywords": ["k"],
                       "formula": {"kind": "fixed", "amount": 1}, "typo_key": 1}]}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError, match="typo_key"):
        load_rules.__wrapped__(tmp_path)
    del rule["rules"][0]["typo_key"]
    rule["rules"][0]["clause"] = " "
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError, match="条款"):
        load_rules.__wrapped__(tmp_path)


def test_unknown_fact_is_refused():
    with pytest.raises(PolicyError, match="未知的事实"):
        calculate({"revenue": 1}, date(2024, 5, 1))


@settings(max_examples=200, deadline=None)
@given(base=st.integers(min_value=1_000_000, max_value=10**9), demo=st.booleans())
def test_digital_amount_never_exceeds_cap_nor_goes_negative(base, demo):
    facts = {"digital_investment_yuan": base, "digital_accepted": True, "digital_demo_sample": demo}
    item = calculate(facts, date(2024, 5, 1)).items[0]
    assert item.amount_yuan is not None and 0 <= item.amount_yuan <= 3_000_000


@settings(max_examples=100, deadline=None)
@given(a=st.integers(min_value=3_000_000, max_value=10**8), b=st.integers(min_value=3_000_000, max_value=10**8))
def test_green_amount_is_monotonic_in_the_base_until_the_cap(a, b):
    low, high = sorted((a, b))

    def amount(x):
        facts = {"green_reuse_rate": 40, "green_third_party_certified": True, "green_equipment_investment_yuan": x}
        return calculate(facts, date(2024, 5, 1)).items[0].amount_yuan

    assert amount(low) <= amount(high) <= 4_000_000
    assert amount(low) == min(4_000_000, int((Decimal(low) * Decimal("0.1")).to_integral_value(rounding="ROUND_HALF_UP")))


@pytest.mark.parametrize(
    "question,total",
    [
        ("纯数字化改造投入800万元，已验收合格，能补多少", 1600000),
        ("数字化改造投入一千万，已验收合格，补助多少", 2000000),
        ("南湖区的外资先进制造业项目（非金融、房地产类）总投资1.2亿美元，首年实际利用外资4000万美元，汇率7.1，配套奖补多少", 12780000),
    ],
)
def test_facts_are_read_from_chinese_questions(question, total):
    result = answer_amount_question(question, date(2024, 5, 1))
    assert result is not None and result.total_yuan == total


def test_missing_facts_are_asked_for_not_assumed():
    result = answer_amount_question("外资先进制造业项目总投资1.2亿美元，首年实际利用外资4000万美元，能拿多少", date(2024, 5, 1))
    assert result is not None
    item = result.items[0]
    assert item.status == "needs_info" and "usd_cny_rate" in item.missing_facts
    assert "汇率" in render_summary(result)


@settings(max_examples=100, deadline=None)
@given(a=st.integers(min_value=30_000_000, max_value=3 * 10**9), b=st.integers(min_value=30_000_000, max_value=3 * 10**9))
def test_matching_award_is_monotonic_until_its_cumulative_cap(a, b):
    low, high = sorted((a, b))

    def amount(usd):
        facts = {"fdi_project_type": "增资技改", "fdi_sector_excluded": "否", "fdi_project_level": "市本级或区",
                 "fdi_year_actual_usd": usd, "usd_cny_rate": "7.1"}
        return calculate(facts, date(2024, 5, 1)).items[0].amount_yuan

    assert 0 < amount(low) <= amount(high) <= 200_000_000


def test_every_rule_has_a_case():
    _, files = load_rules()
    covered = {rule_id for case in CASES for rule_id in case["expect"]}
    assert {r.id for f in files for r in f.rules} <= covered


@pytest.mark.parametrize("formula, missing", [
    ({"kind": "rate", "rate": "0.2"}, "base"),  # a rate of nothing
    ({"kind": "fixed"}, "amount"),  # a fixed award of no amount
    ({"kind": "by_category", "fact": "recognition_level"}, "amounts"),
    ({"kind": "matching", "base": "fdi_paid_in_usd", "provincial_rate": "0.01", "match_ratio": "1.5"}, "fx"),
    ({"kind": "ceiling"}, "cap"),
    ({"kind": "percentage", "rate": "0.2"}, "kind"),
])
def test_each_formula_kind_requires_its_own_fields_when_the_rules_load(tmp_path, formula, missing):
    (tmp_path / "facts.yaml").write_text((Path("corpus/rules") / "facts.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    rule = {"policy": {"doc_id": "d"},
            "rules": [{"id": "r", "benefit": "b", "section": "s", "clause": "c", "keywords": ["k"], "formula": formula}]}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError, match=missing):
        load_rules.__wrapped__(tmp_path)


def test_a_rule_whose_clause_is_not_in_its_document_stops_the_build_and_leaves_the_index(index_copy, embeddings, monkeypatch):
    import assistant.rules as rules
    from assistant.ingest import ingest
    from assistant.store import active_generation

    specs, files = load_rules()
    first = files[0]
    changed = first.model_copy(update={"rules": [first.rules[0].model_copy(update={"clause": "对海豚企业给予一次性奖励999万元"})]
                                                 + first.rules[1:]})
    monkeypatch.setattr(rules, "load_rules", lambda directory=None: (specs, [changed] + files[1:]))
    before = active_generation(index_copy.index_dir)
    with pytest.raises(PolicyError, match=f"规则 {first.rules[0].id}：.*找不到它引用的条款原文"):
        ingest(None, index_copy, embeddings=embeddings, remove=["jx-wanmu-qianyi-platform-draft"])
    assert active_generation(index_copy.index_dir) == before


def test_every_rule_is_bound_to_a_clause_of_the_index(index_copy, embeddings):
    from assistant.ingest import ingest

    report = ingest(None, index_copy, embeddings=embeddings, remove=["jx-wanmu-qianyi-platform-draft"])
    assert report.rules_bound == sum(len(f.rules) for f in load_rules()[1])


# -- properties over random enterprises ------------------------------------------------------

def _fact_values():
    specs, _ = load_rules()
    money = st.one_of(st.none(), st.integers(min_value=0, max_value=5 * 10**9))
    strategies = {}
    for name, spec in specs.items():
        if spec.type == "bool":
            strategies[name] = st.one_of(st.none(), st.booleans())
        elif spec.type == "enum":
            strategies[name] = st.one_of(st.none(), st.sampled_from(spec.options))
        elif spec.positive:
            strategies[name] = st.one_of(st.none(), st.decimals(min_value="0.1", max_value="50", places=2))
        elif spec.type.startswith("money"):
            strategies[name] = money
        else:
            strategies[name] = st.one_of(st.none(), st.integers(min_value=0, max_value=10**6))
    # sometimes the caller names the rules to run (as the chat does): that must not skip a project-type check
    rule_ids = [r.id for f in load_rules()[1] for r in f.rules]
    strategies["rules"] = st.one_of(st.none(), st.lists(st.sampled_from(rule_ids), min_size=1, unique=True))
    return st.fixed_dictionaries(strategies).map(lambda d: {k: v for k, v in d.items() if v is not None})


@settings(max_examples=150, deadline=None)
@given(facts=_fact_values())
def test_exclusive_project_types_are_never_paid_together_and_the_total_is_what_the_items_allow(facts):
    _, files = load_rules()
    result = calculate({k: str(v) if isinstance(v, Decimal) else v for k, v in facts.items()}, date(2024, 5, 1))
    paid = {i.rule_id: i.amount_yuan for i in result.items if i.status == "eligible" and i.amount_yuan}
    for rule_file in files:
        groups: dict[str, list[str]] = {}
        for rule in rule_file.rules:
            if rule.applies_when:
                groups.setdefault(rule.applies_when.fact, []).append(rule.id)
        for ids in groups.values():
            assert sum(1 for r in ids if r in paid) <= 1, (ids, paid)
    assert result.total_yuan <= sum(paid.values())
    assert result.total_yuan >= max(paid.values(), default=0)
    assert all(isinstance(i.amount_yuan, int | None) for i in result.items)
    # an unstated exclusion or condition is never assumed: nothing waiting on a fact is paid
    assert all(i.status != "eligible" for i in result.items if i.missing_facts)


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from([n for n, s in load_rules()[0].items() if s.type in ("money_yuan", "money_usd", "number")]),
       value=st.one_of(st.integers(max_value=-1), st.integers(min_value=10**13), st.just("NaN"), st.just("Infinity"),
                       st.just("-0.5"), st.text(alphabet="万亿元abc,，", min_size=1, max_size=6)))
def test_a_number_the_engine_refuses_never_becomes_an_amount(name, value):
    # negative, beyond any sum a person could mean, not finite, or no number at all: refused by name
    with pytest.raises(PolicyError):
        calculate({name: value}, date(2024, 5, 1))


def test_a_matching_award_states_its_reading_and_shows_the_provincial_and_city_parts_apart():
    facts = {"fdi_project_type": "先进制造业", "fdi_sector_excluded": "否", "fdi_project_level": "市本级或区",
             "fdi_total_investment_usd": 150000000, "fdi_year_actual_usd": 40000000, "usd_cny_rate": "7.1"}
    result = calculate(facts, date(2024, 5, 1))
    item = next(i for i in result.items if i.rule_id == "fdi.manufacturing")
    assert item.provincial_yuan == 8520000 and item.amount_yuan == 12780000 == result.total_yuan
    assert item.interpretation and "省级奖补 × 1.5" in item.interpretation and "累计" in item.interpretation
    assert "县级" in item.interpretation  # the county standard is said, not silently given 1.5×
    summary = render_summary(result)
    assert "分项：省级奖补 852万元（省级财政兑现，不计入本项）；市级配套 1278万元" in summary
    assert "理解：" in summary


def _catalogue(*policies: tuple[str, str, int, str, str]) -> Catalogue:
    """Policies paying the same matter (a fixed award each): (doc_id, 文号, amount, overlap, clause)."""
    specs, _ = load_rules()
    bound = []
    for doc_id, number, amount, overlap, clause in policies:
        rule = Rule.model_validate({"id": f"{doc_id}.award", "benefit": f"{number}奖励", "section": "一、", "clause": "c",
                                    "keywords": ["奖励"], "matter": "same_matter", "formula": {"kind": "fixed", "amount": amount}})
        meta = DocumentMeta(doc_id=doc_id, title=f"政策{number}", doc_number=number, valid_from=date(2023, 1, 1),
                            valid_to=date(2025, 12, 31))
        bound.append(BoundPolicy(policy=Policy(doc_id=doc_id, overlap=overlap, overlap_clause=clause), meta=meta,  # type: ignore[arg-type]
                                 rules=(rule,), exclusions=(), clause_ids={rule.id: f"{doc_id}:1"}))
    return Catalogue(facts=specs, policies=tuple(bound))


def _two_policies(overlap_b: str) -> Calculation:
    catalogue = _catalogue(("a", "甲发〔2023〕1号", 1000000, "highest", "相关政策与原有政策有冲突的，按照“就高不重复”原则执行"),
                           ("b", "乙发〔2023〕2号", 600000, overlap_b, "在各地优惠政策基础上额外叠加支持"))
    return calculate({}, date(2024, 5, 1), rule_ids=["a.award", "b.award"], catalogue=catalogue)


def test_two_policies_for_one_matter_pay_the_highest_once_when_their_texts_say_so():
    result = _two_policies("highest")
    status = {i.rule_id: i.status for i in result.items}
    assert status == {"a.award": "eligible", "b.award": "excluded"} and result.total_yuan == 1000000
    assert any("就高不重复" in n and "相关政策与原有政策有冲突的" in n for n in result.notes)


def test_a_policy_that_stacks_on_others_is_paid_besides_them():
    result = _two_policies("stack")
    assert {i.status for i in result.items} == {"eligible"} and result.total_yuan == 1600000
    assert any(n.startswith("额外叠加：") and "额外叠加支持" in n for n in result.notes)


def test_a_rule_left_out_is_left_out_before_highest_not_repeated():
    # the higher award's clause was not found for this question: the lower one is paid, not "已按更高者计"
    catalogue = _catalogue(("a", "甲发〔2023〕1号", 1000000, "highest", "就高不重复"),
                           ("b", "乙发〔2023〕2号", 600000, "highest", "就高不重复"))
    result = answer_amount_question("能拿多少奖励", date(2024, 5, 1), catalogue=catalogue,
                                    backed=lambda rule, policy: policy.doc_id == "b")
    assert result is not None
    assert [(i.rule_id, i.status) for i in result.items] == [("b.award", "eligible")] and result.total_yuan == 600000


# -- identity and validity come from the document ---------------------------------------------

def test_a_policy_is_named_and_judged_by_its_documents_metadata():
    bundled = bundled_catalogue()
    policy = bundled.policy("jiashan-city-industrial-policies-2023.p03")
    assert policy.meta.doc_number == "嘉政办发〔2023〕32号" and policy.title.startswith("嘉兴市专精特新中小企业培育三年行动计划")
    # the same rules over a document whose metadata says otherwise follow the document
    meta = policy.meta.model_copy(update={"doc_number": "嘉政办发〔2099〕1号", "valid_to": date(2024, 1, 31)})
    changed = Catalogue(facts=bundled.facts, policies=(replace(policy, meta=meta),))
    item = calculate({"recognition_level": "单项冠军"}, date(2024, 5, 1), catalogue=changed).items[0]
    assert item.doc_number == "嘉政办发〔2099〕1号" and item.status == "expired" and "2024-01-31" in item.reasons[-1]
    # superseded by a later document: out of force from that day, said in words, out of the total
    meta = policy.meta.model_copy(update={"superseded_by": "later", "superseded_by_title": "新的专精特新政策",
                                          "superseded_on": date(2024, 3, 1)})
    changed = Catalogue(facts=bundled.facts, policies=(replace(policy, meta=meta),))
    result = calculate({"recognition_level": "单项冠军"}, date(2024, 5, 1), catalogue=changed)
    assert result.items[0].status == "expired" and "新的专精特新政策" in result.items[0].reasons[-1]
    assert result.items[0].policy_status == "superseded" and result.total_yuan == 0


def test_a_rule_file_cannot_restate_its_documents_identity(tmp_path):
    (tmp_path / "facts.yaml").write_text((Path("corpus/rules") / "facts.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    rule = {"policy": {"doc_id": "d", "title": "t", "doc_number": "x"},
            "rules": [{"id": "r", "benefit": "b", "section": "s", "clause": "c", "keywords": ["k"],
                       "formula": {"kind": "fixed", "amount": 1}}]}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError, match="doc_number|title"):
        load_rules.__wrapped__(tmp_path)


# -- exclusions are facts: asked, never assumed ----------------------------------------------

_FDI = {"fdi_project_type": "先进制造业", "fdi_total_investment_usd": 150000000, "fdi_year_actual_usd": 40000000,
        "usd_cny_rate": "7.1", "fdi_project_level": "市本级或区"}


@pytest.mark.parametrize("sector, status, total", [
    (None, "needs_info", 0),  # not said: asked, with what it pays if the project is neither
    ("否", "eligible", 12780000),
    ("金融类", "excluded", 0),
    ("房地产类", "excluded", 0),
])
def test_the_financial_and_real_estate_exclusion_is_asked_when_unstated(sector, status, total):
    facts = dict(_FDI, **({"fdi_sector_excluded": sector} if sector else {}))
    result = calculate(facts, date(2024, 5, 1))
    item = next(i for i in result.items if i.rule_id == "fdi.manufacturing")
    assert item.status == status and result.total_yuan == total
    if sector is None:
        assert item.missing_facts == ["fdi_sector_excluded"]
        assert item.if_confirmed is not None and item.if_confirmed.amount_yuan == 12780000
        assert lead_line(result).startswith("如项目不属于金融类、房地产类，外资先进制造业项目配套奖补可得1278万元")
        # the other way: where the county pays, at least the provincial standard, said as a floor
        county = calculate(dict(facts, fdi_sector_excluded="否", fdi_project_level="县（市）或嘉兴港区"), date(2024, 5, 1))
        assert county.items[0].minimum and lead_line(county).startswith("外资先进制造业项目配套奖补可得不低于852万元")


def test_a_fortune500_investors_headquarters_is_asked_not_assumed():
    facts = {"fdi_project_type": "总部或研发中心", "fdi_sector_excluded": "否", "fdi_year_actual_usd": 40000000,
             "usd_cny_rate": "7", "fdi_project_level": "市本级或区"}
    item = calculate(facts, date(2024, 5, 1)).items[0]
    assert item.status == "needs_info" and item.missing_facts == ["fortune500_hq_in_china"]
    assert item.if_confirmed and "投资方不是总部位于中国境内的世界500强企业" in item.if_confirmed.assuming
    assert calculate({**facts, "fortune500_hq_in_china": True}, date(2024, 5, 1)).items[0].status == "excluded"
    assert calculate({**facts, "fortune500_hq_in_china": False}, date(2024, 5, 1)).items[0].amount_yuan == 12600000


def test_a_calculation_keeps_the_json_shape_of_the_contract():
    result = calculate(dict(_FDI, fdi_sector_excluded="否"), date(2024, 5, 1)).to_json()
    assert set(result) >= {"as_of", "items", "total_yuan", "notes"} and result["total_yuan"] == 12780000
    item = result["items"][0]
    assert set(item) >= {"rule_id", "benefit", "doc_number", "section", "status", "amount_yuan", "cap_yuan", "reasons",
                         "missing_facts", "trace", "citation"}
    assert isinstance(item["amount_yuan"], int) and item["citation"]["doc_number"] == "嘉政办发〔2023〕36号"


def test_rules_edited_after_the_build_are_an_error_not_a_policy_silently_dropped(monkeypatch):
    import assistant.rules as rules
    from assistant.bind import catalogue_for
    from assistant.ingest import parse_files
    from assistant.load import find_files

    documents, _ = parse_files(find_files([Path("corpus")]), Limits())
    specs, files = load_rules()
    first = files[0]
    changed = first.model_copy(update={"rules": [first.rules[0].model_copy(update={"clause": "对海豚企业给予一次性奖励999万元"})]})
    monkeypatch.setattr(rules, "load_rules", lambda directory=None: (specs, [changed] + files[1:]))
    with pytest.raises(PolicyError, match=f"(?s)请重新运行.*规则 {first.rules[0].id}"):
        catalogue_for(documents)


@pytest.mark.parametrize("amount, shown", [(1500000, "150万元"), (12345, "1.2345万元"), (200000000, "2亿元"),
                                           (150000000, "1.5亿元"), (123456789, "12345.6789万元")])
def test_sums_are_shown_in_wan_or_yi_exactly(amount, shown):
    assert wan(amount) == shown
    assert Decimal(in_wan(amount)) * 10000 == amount  # a 万元 column shows the same sum, exactly


@pytest.mark.parametrize("rate, shown", [("0.03", "3%"), ("0.007", "7‰"), ("0.2", "20%"), ("0.0125", "1.25%")])
def test_rates_are_written_as_the_texts_write_them(rate, shown):
    assert percent(Decimal(rate)) == shown


def test_every_item_says_what_its_clause_pays_from_the_rules_own_parameters():
    specs, files = load_rules()
    result = calculate({"rules": [r.id for f in files for r in f.rules]}, date(2024, 5, 1))
    for item in result.items:
        rule = next(r for f in files for r in f.rules if r.id == item.rule_id)
        assert item.terms, item.rule_id
        if rule.formula.cap:
            assert wan(rule.formula.cap) in item.terms
        rate = getattr(rule.formula, "rate", None) or getattr(rule.formula, "provincial_rate", None)
        if rate is not None:
            assert percent(rate) in item.terms and specs[rule.formula.base].meaning in item.terms

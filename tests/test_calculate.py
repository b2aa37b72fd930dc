"""The subsidy engine: YAML cases at, below and above every threshold and cap; properties; schema."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.calculate import calculate, load_rules
from assistant.facts import answer_amount_question
from assistant.models import PolicyError

CASES = yaml.safe_load((Path(__file__).parent / "calc_cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case):
    facts = dict(case["facts"])
    result = calculate(facts, case["as_of"], rule_ids=case.get("rule_ids"))
    items = {i["rule_id"]: i for i in result["items"]}
    for rule_id, (status, amount) in case["expect"].items():
        assert items[rule_id]["status"] == status, items[rule_id]["reasons"]
        assert items[rule_id]["amount_yuan"] == amount
        assert items[rule_id]["citation"]["text"] and items[rule_id]["trace"]
    for rule_id, cap in case.get("caps", {}).items():
        assert items[rule_id]["cap_yuan"] == cap
        assert any("按个案核定" in r for r in items[rule_id]["reasons"])
    for rule_id, missing in case.get("missing", {}).items():
        assert items[rule_id]["missing_facts"] == missing
    if "total" in case:
        assert result["total_yuan"] == case["total"]


def test_every_rule_quotes_its_clause_verbatim_from_the_indexed_document(corpus_index):
    from assistant.store import Index

    index = Index.open(corpus_index.index_dir, corpus_index)
    _, files = load_rules()
    for rule_file in files:
        doc = index.documents[rule_file.policy.doc_id]
        assert doc.meta.doc_number == rule_file.policy.doc_number
        for rule in rule_file.rules:
            assert rule.clause.rstrip("。；") in doc.text, rule.id
            assert any(c.section == rule.section for c in doc.clauses), rule.id


def test_unknown_key_and_missing_clause_are_rejected(tmp_path):
    for name in ("facts.yaml",):
        (tmp_path / name).write_text((Path("corpus/rules") / name).read_text(encoding="utf-8"), encoding="utf-8")
    rule = {"policy": {"doc_id": "d", "doc_number": None, "title": "t", "validity_clause": "v"},
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
    item = calculate(facts, date(2024, 5, 1))["items"][0]
    assert 0 <= item["amount_yuan"] <= 3_000_000


@settings(max_examples=100, deadline=None)
@given(a=st.integers(min_value=3_000_000, max_value=10**8), b=st.integers(min_value=3_000_000, max_value=10**8))
def test_green_amount_is_monotonic_in_the_base_until_the_cap(a, b):
    low, high = sorted((a, b))

    def amount(x):
        facts = {"green_reuse_rate": 40, "green_third_party_certified": True, "green_equipment_investment_yuan": x}
        return calculate(facts, date(2024, 5, 1))["items"][0]["amount_yuan"]

    assert amount(low) <= amount(high) <= 4_000_000
    assert amount(low) == min(4_000_000, int((Decimal(low) * Decimal("0.1")).to_integral_value(rounding="ROUND_HALF_UP")))


@pytest.mark.parametrize(
    "question,total",
    [
        ("纯数字化改造投入800万元，已验收合格，能补多少", 1600000),
        ("数字化改造投入一千万，已验收合格，补助多少", 2000000),
        ("外资先进制造业项目总投资1.2亿美元，首年实际利用外资4000万美元，汇率7.1，配套奖补多少", 12780000),
    ],
)
def test_facts_are_read_from_chinese_questions(question, total):
    assert answer_amount_question(question, date(2024, 5, 1))["total_yuan"] == total


def test_missing_facts_are_asked_for_not_assumed():
    result = answer_amount_question("外资先进制造业项目总投资1.2亿美元，首年实际利用外资4000万美元，能拿多少", date(2024, 5, 1))
    item = result["items"][0]
    assert item["status"] == "needs_info" and "usd_cny_rate" in item["missing_facts"]
    assert "汇率" in result["summary"]


@settings(max_examples=100, deadline=None)
@given(a=st.integers(min_value=30_000_000, max_value=3 * 10**9), b=st.integers(min_value=30_000_000, max_value=3 * 10**9))
def test_matching_award_is_monotonic_until_its_cumulative_cap(a, b):
    low, high = sorted((a, b))

    def amount(usd):
        facts = {"fdi_project_type": "增资技改", "fdi_year_actual_usd": usd, "usd_cny_rate": "7.1"}
        return calculate(facts, date(2024, 5, 1))["items"][0]["amount_yuan"]

    assert 0 < amount(low) <= amount(high) <= 200_000_000


def test_every_rule_has_a_case():
    _, files = load_rules()
    covered = {rule_id for case in CASES for rule_id in case["expect"]}
    assert {r.id for f in files for r in f.rules} <= covered

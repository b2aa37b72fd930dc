"""Numbers as people write them, and what the calculator makes of them (issue: the audit)."""

from datetime import date
from decimal import Decimal

import pytest

from assistant.calc_text import lead_line
from assistant.calculate import calculate
from assistant.facts import _yes_or_no, answer_amount_question
from assistant.numbers import cn_to_int, exchange_rate, money_mentions, read_number

AS_OF = date(2024, 5, 1)


@pytest.mark.parametrize("text, amount, currency", [
    ("投入1,200万元", "12000000", "yuan"),
    ("1,500万元", "15000000", "yuan"),
    ("1亿2千万美元", "120000000", "usd"),
    ("1亿零500万元", "105000000", "yuan"),
    ("八百万", "8000000", "yuan"),
    ("两百万", "2000000", "yuan"),
    ("三千五百万", "35000000", "yuan"),
    ("0.8亿", "80000000", "yuan"),
    ("4千万美金", "40000000", "usd"),
    ("1200万人民币", "12000000", "yuan"),
    ("五十万元", "500000", "yuan"),
    ("投了800万", "8000000", "yuan"),
    ("300元", "300", "yuan"),
])
def test_sums_of_money_in_every_common_form(text, amount, currency):
    [money] = money_mentions(text)
    assert money.amount == Decimal(amount) and money.currency == currency and not money.bound


@pytest.mark.parametrize("text", ["招了50万人", "节能300吨", "年节水2万吨", "第3档", "增长8%"])
def test_quantities_that_are_not_money(text):
    assert money_mentions(text) == []


@pytest.mark.parametrize("text", ["投资额达不到100万", "投入不到100万元", "100万以下的项目", "低于100万元"])
def test_a_bound_is_not_the_sum(text):
    [money] = money_mentions(text)
    assert money.bound


@pytest.mark.parametrize("text, rate", [
    ("汇率7.1", "7.1"), ("汇率是7.2", "7.2"), ("按1美元兑7.1元", "7.1"), ("1美元=7.05元", "7.05"),
    ("美元兑人民币7.1", "7.1"), ("美元兑人民币汇率为6.9", "6.9"), ("按7的汇率", "7"),
])
def test_exchange_rates(text, rate):
    assert exchange_rate(text).value == Decimal(rate)


def test_the_dollar_of_an_exchange_rate_is_not_an_investment():
    [money] = money_mentions("4000万美元到资，按1美元兑7.1元")
    assert money.amount == Decimal(40000000) and money.currency == "usd"


@pytest.mark.parametrize("text, value", [("十二", 12), ("二十", 20), ("一百零五", 105), ("三百二十", 320), ("7", 7)])
def test_clause_numerals(text, value):
    assert cn_to_int(text) == value


def test_read_number_refuses_what_it_cannot_read():
    with pytest.raises(ValueError):
        read_number("若干")


@pytest.mark.parametrize("question, expected", [
    ("已经验收合格了", True), ("通过验收了", True), ("验收不合格", False), ("还没验收", False),
    ("未通过验收", False), ("没有验收", False), ("数字化改造投了800万", None),
])
def test_yes_and_no_in_words(question, expected):
    assert _yes_or_no(question, ["验收合格", "已验收", "通过验收"]) is expected


@pytest.mark.parametrize("question, total, conditional", [
    ("纯数字化改造投入1,200万元，已验收合格，能补多少", 2400000, 0),
    ("纯数字化改造投入1,500万元，已验收合格，能补多少", 3000000, 0),
    ("纯数字化改造投入八百万，验收不合格，能补多少", 0, 0),
    # the financial / real-estate exclusion unstated: asked, with the amount if the project is neither
    ("外资先进制造业项目总投资1亿2千万美元，首年实际利用外资4000万美元，按1美元兑7.1元，配套奖补多少", 0, 12780000),
    ("外资先进制造业项目总投资1.2亿美元，首年实际利用外资4000万美元，美元兑人民币7.1，配套奖补多少", 0, 12780000),
    ("秀洲区外资先进制造业项目，不属于金融、房地产类，总投资1.2亿美元，首年到资4000万美元，汇率7.1，能拿多少", 12780000, 0),
    ("海宁的外资先进制造业项目（非金融、房地产项目）总投资1.2亿美元，首年到资4000万美元，汇率7.1，能拿多少", 8520000, 0),
    # "先进制造" without 业, "到位" for 到资, "汇率按7.2算", "不涉及房地产金融", 平湖 (a county-level city)
    ("我们是平湖的外资企业，做汽车零部件先进制造，总投资2亿美元，今年到位3500万美元，汇率按7.2算，不涉及房地产金融，能拿多少",
     7560000, 0),
])
def test_amount_questions_with_numbers_in_every_form(question, total, conditional):
    result = answer_amount_question(question, AS_OF)
    assert result is not None and result.total_yuan == total
    assert sum(c.amount_yuan for c in result.if_confirmed.values()) == conditional


def test_exclusive_project_types_are_asked_not_summed():
    result = answer_amount_question("外资企业当年度到资2亿美元，汇率7.1，能拿多少配套奖补", AS_OF)
    assert result is not None and result.total_yuan == 0
    terms, _, question = lead_line(result).partition("。")
    assert "其他服务业项目省级按当年度（首年）实际利用外资额的7‰奖补，市级1:1.5配套，最高1亿元" in terms
    assert question.startswith("您的项目属于哪一类？") and "高技术服务业" in question


def test_a_rule_named_for_another_project_type_is_ineligible_not_highest_only():
    facts = {"fdi_project_type": "高技术服务业", "fdi_year_actual_usd": 200000000, "usd_cny_rate": "7.1",
             "fdi_total_investment_usd": 200000000, "fdi_sector_excluded": "否", "fdi_project_level": "市本级或区"}
    result = calculate(facts, AS_OF, rule_ids=["fdi.manufacturing", "fdi.hitech_services"])
    status = {i.rule_id: i.status for i in result.items}
    assert status == {"fdi.manufacturing": "ineligible", "fdi.hitech_services": "eligible"}
    assert result.total_yuan == 21300000


def test_excluded_sectors_are_read_from_the_question():
    result = answer_amount_question(
        "QFLP外资金融项目，先进制造业，总投资2亿美元，首年实际利用外资1.5亿美元，汇率7.1，配套奖补多少", AS_OF)
    assert result is not None and result.total_yuan == 0
    assert result.items[0].status == "excluded" and "不适用" in lead_line(result)


@pytest.mark.parametrize("question", ["申请数字化改造补助需要哪些材料", "数字化改造补助什么时候申报", "数字化改造补助找哪个部门"])
def test_questions_about_something_else_get_no_calculation(question):
    assert answer_amount_question(question, AS_OF) is None


def test_a_bound_is_asked_for_not_calculated():
    result = answer_amount_question("数字化改造投资额达不到100万，已验收合格，能补多少", AS_OF)
    assert result is not None and result.total_yuan == 0
    assert result.facts_read is not None and "digital_investment_yuan" not in result.facts_read


@pytest.mark.parametrize("question, expected", [
    ("QFLP项目", "金融类"), ("商业综合体项目", "房地产类"), ("不属于金融类项目", "否"), ("非金融、房地产项目", "否"),
    ("不涉及房地产", "否"), ("先进制造业项目", None),
])
def test_a_choice_named_or_denied(question, expected):
    from assistant.facts import _option_stated

    keywords = {"金融": "金融类", "QFLP": "金融类", "房地产": "房地产类", "商业综合体": "房地产类"}
    assert _option_stated(question, keywords, ["金融类", "房地产类", "否"]) == expected


@pytest.mark.parametrize("question, amount", [
    ("我们厂数字化改造投了800万，能补多少？", True),
    ("刚评上国家级专精特新小巨人，有奖金吗", True),
    ("外资先进制造业项目首年到资4000万美元，汇率7.1，配套奖补多少", True),
    ("最高能补多少？", True),
    ("帮我算一下绿色化改造的补助", True),
    ("数字化改造和绿色化改造补助上限分别是多少", True),  # the most it could get
    # a number that is not a sum paid to the asker
    ("到2025年专精特新小巨人企业数量目标是多少", False),
    ("外资奖补资金市区两级怎么分担", False),
    ("单项冠军奖励300万是一次性给吗", False),  # the sum is said; the question is how it is paid
    ("我们厂投了800万搞数字化改造，有补贴吗", True),  # a sum invested, not the award
    # another intent altogether
    ("申请数字化改造补助需要哪些材料", False),
    ("数字化改造补助找哪个部门", False),
    ("专精特新奖励政策还有效吗", False),
])
def test_only_a_question_about_the_askers_own_sum_gets_a_calculation(question, amount):
    from assistant.intent import asks_amount

    assert asks_amount(question) is amount


@pytest.mark.parametrize("message, name, expected", [
    ("不是金融也不是房地产", "fdi_sector_excluded", {"fdi_sector_excluded": "否"}),
    ("是QFLP项目", "fdi_sector_excluded", {"fdi_sector_excluded": "金融类"}),
    ("在嘉善", "fdi_project_level", {"fdi_project_level": "县（市）或嘉兴港区"}),
    ("是的", "digital_accepted", {"digital_accepted": True}),
    ("还没有", "digital_accepted", {"digital_accepted": False}),
    ("先进制造业", "fdi_project_type", {"fdi_project_type": "先进制造业"}),
    ("这个政策还有效吗", "digital_accepted", None),  # a new question, not a reply
    ("那首台套呢", "fdi_project_type", None),
])
def test_a_typed_reply_to_the_question_the_calculator_asked(message, name, expected):
    from assistant.facts import reply_to

    assert reply_to(message, name) == expected

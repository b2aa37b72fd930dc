"""Answers: the amount, the clause verbatim, its validity — or a plain 'not in the knowledge base'."""

from datetime import date

from assistant.retrieve import Filters


def test_amount_question_is_answered_with_the_clause_and_its_validity(assistant):
    answer = assistant.ask("我们新认定为专精特新小巨人，能拿多少奖励？", as_of=date(2024, 5, 1))
    assert not answer.abstained
    assert "150万元" in answer.answer
    top = answer.citations[0]
    assert top.doc_number == "嘉政办发〔2023〕32号"
    assert top.section == "四、支持政策 / （一）加大对企业认定支持"
    assert "分别给予300万元、150万元和100万元奖励" in top.text
    assert top.status == "current"
    assert answer.calculation["total_yuan"] == 1500000


def test_validity_is_judged_against_as_of(assistant):
    answer = assistant.ask("纯数字化改造项目补助比例", as_of=date(2026, 11, 22))
    assert answer.citations[0].status == "expired"
    assert "已到期" in answer.answer


def test_drafts_are_labelled(assistant):
    answer = assistant.ask("万亩千亿产业平台每年腾退低效用地多少")
    assert answer.citations[0].status == "draft"
    assert "征求意见稿" in answer.answer


def test_table_cells_are_found(assistant):
    answer = assistant.ask("2016年海宁市机器换人项目投资目标是多少")
    assert "海宁市，“机器换人”项目投资（亿元）：110" in answer.citations[0].text


def test_unrelated_question_abstains(assistant):
    answer = assistant.ask("公司食堂卫生检查的标准是什么")
    assert answer.abstained and answer.citations == []
    assert "没有找到" in answer.answer


def test_listed_but_missing_policy_is_named(assistant):
    answer = assistant.ask("新能源汽车消费补贴怎么申请")
    assert answer.abstained
    assert "嘉兴市促进新能源汽车消费若干政策" in answer.answer and "正文不在知识库" in answer.answer


def test_doc_number_and_clause_number_go_straight_to_the_clause(assistant):
    answer = assistant.ask("嘉政办发〔2023〕32号 四、（三）")
    assert answer.citations[0].section == "四、支持政策 / （三）加大绿色化改造支持"
    assert "最高限额400万元" in answer.answer


def test_traditional_characters_are_understood(assistant):
    answer = assistant.ask("專精特新小巨人企業獎勵多少")
    assert not answer.abstained and "150万元" in answer.answer


def test_follow_up_is_read_with_the_previous_question(assistant):
    answer = assistant.ask("那示范样本项目呢？", history=["纯数字化改造项目补助比例是多少"])
    assert "50%" in answer.answer


def test_lookup_filters_by_status_and_document(assistant):
    hits = assistant.lookup("补助", as_of=date(2024, 5, 1), filters=Filters(statuses=["draft"]))
    assert hits and all(h.status == "draft" for h in hits)
    doc = "jiashan-city-industrial-policies-2023.p02"
    hits = assistant.lookup("奖补", filters=Filters(doc_ids=[doc]))
    assert hits and {h.doc_id for h in hits} == {doc}

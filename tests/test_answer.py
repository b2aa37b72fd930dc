"""Answers: the amount, the clause verbatim, its validity — or a plain 'not in the knowledge base'."""

from dataclasses import replace
from datetime import date

import pytest

from assistant.answer import first_sentence, question_kind
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
    assert answer.calculation.total_yuan == 1500000


def test_validity_is_judged_against_as_of(assistant):
    answer = assistant.ask("纯数字化改造项目补助比例", as_of=date(2026, 11, 22))
    assert answer.citations[0].status == "expired"
    assert "已到期" in answer.answer


def test_what_is_quoted_from_a_policy_no_longer_in_force_says_so_beside_it_not_only_in_the_sources(assistant):
    answer = assistant.ask("纯数字化改造项目补助比例", as_of=date(2026, 11, 22))
    body, _, sources = answer.answer.partition("\n\n依据：")
    assert "注意：[1]该政策执行期至2025年12月31日，截至2026年11月22日已到期。" in body
    assert first_sentence(answer.answer) and "注意" not in first_sentence(answer.answer)  # the answer still leads
    current = assistant.ask("纯数字化改造项目补助比例", as_of=date(2024, 5, 1))
    assert "注意：" not in current.answer.partition("\n\n依据：")[0]
    who = assistant.ask("企业碰到困难了，找哪个部门？", as_of=date(2026, 11, 22))  # opens with the department
    assert who.answer.startswith("负责部门") and "已到期。" in who.answer.partition("\n\n依据：")[0]


def test_an_amount_computed_from_what_the_person_said_is_not_called_unfound_beneath_it(assistant, monkeypatch):
    # Every answer below the line would be hedged: what decides is whether a rule read the person's facts.
    unsure = replace(assistant.settings, answer=replace(assistant.settings.answer, hedge_below=0.999))
    monkeypatch.setattr(assistant, "settings", unsure)
    for question in ("刚评上国家级专精特新小巨人，有奖金吗", "我们是省里评的隐形冠军，能拿到多少钱",
                     "我们厂数字化改造投了800万，能补多少？"):
        answer = assistant.ask(question, as_of=date(2024, 5, 1))
        assert answer.calculation is not None and answer.calculation.facts_read
        assert "没有找到明确规定" not in answer.answer and answer.outcome == "answer"
    # a calculation that read nothing from the question (only the rules' terms) settles nothing
    terms_only = assistant.ask("外资制造业项目和总部项目的配套奖补上限各是多少", as_of=date(2024, 5, 1))
    assert terms_only.calculation is not None and not terms_only.calculation.facts_read
    assert terms_only.outcome == "hedged"


def test_drafts_are_labelled(assistant):
    answer = assistant.ask("万亩千亿产业平台每年腾退低效用地多少")
    assert answer.citations[0].status == "draft"
    assert "征求意见稿" in answer.answer


def test_table_cells_are_found(assistant):
    answer = assistant.ask("2016年海宁市机器换人项目投资目标是多少")
    assert "海宁市，“机器换人”项目投资（亿元）：110" in answer.citations[0].text


def test_unrelated_question_is_never_answered_with_confidence(assistant):
    answer = assistant.ask("公司食堂卫生检查的标准是什么")
    assert answer.outcome in ("abstained", "hedged")
    assert answer.answer.startswith(("抱歉，知识库中没有找到", "没有找到明确规定"))


def test_question_the_knowledge_base_cannot_answer_abstains_plainly(assistant):
    answer = assistant.ask("员工加班费怎么算")
    assert answer.abstained and answer.outcome == "abstained"
    assert answer.citations == [] and answer.confidence == 0.0
    assert "没有找到能回答这个问题的政策条款" in answer.answer


def test_small_talk_gets_a_reply_saying_what_the_assistant_does(assistant):
    for chatter in ("你好", "今天天气怎么样"):
        answer = assistant.ask(chatter)
        assert answer.outcome == "chatter" and answer.abstained
        assert "政策助手" in answer.answer and "测算补贴" in answer.answer


def test_everyday_wording_is_understood_and_the_amount_comes_first(assistant):
    answer = assistant.ask("我们厂数字化改造投了800万，能补多少？", as_of=date(2024, 5, 1))
    assert not answer.abstained
    assert "对投入不低于100万元的纯数字化改造项目" in answer.citations[0].text
    first = answer.answer.split("\n", 1)[0]
    # not assumed: the amount is stated under the condition the question left open
    assert first.startswith("如数字化改造项目已验收合格") and "160万元" in first
    assert answer.calculation.total_yuan == 0


def test_colloquial_award_question_finds_the_award_clause(assistant):
    answer = assistant.ask("刚评上国家级专精特新小巨人，有奖金吗", as_of=date(2024, 5, 1))
    assert "分别给予300万元、150万元和100万元奖励" in answer.citations[0].text
    assert not answer.abstained


def test_confidence_is_a_probability_and_zero_when_abstaining(assistant):
    confident = assistant.ask("对新认定的单项冠军企业奖励多少")
    assert 0.5 < confident.confidence <= 1.0 and confident.outcome == "answer"
    assert assistant.ask("员工加班费怎么算").confidence == 0.0
    named = assistant.ask("嘉政办发〔2023〕32号 四（二）")
    assert named.confidence == 1.0


def test_validity_question_leads_with_the_validity(assistant):
    answer = assistant.ask("专精特新三年行动计划的执行期到什么时候截止", as_of=date(2026, 12, 2))
    first = answer.answer.split("\n", 1)[0]
    assert "2025年12月31日" in first and "已到期" in first


def test_keyword_search_answers_when_the_vector_store_is_down(assistant, monkeypatch):
    from assistant.store import VectorStoreUnavailable

    def down(*args, **kwargs):
        raise VectorStoreUnavailable("向量库暂不可用")

    monkeypatch.setattr(assistant.index, "dense_search", down)
    answer = assistant.ask("对新认定的单项冠军企业奖励多少")
    assert "分别给予300万元、150万元和100万元奖励" in answer.citations[0].text
    assert not answer.abstained and answer.answer.startswith("（语义检索暂不可用")


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
    hits = assistant.lookup("招商", as_of=date(2024, 5, 1), filters=Filters(statuses=["draft"]))
    assert hits and all(h.status == "draft" for h in hits)
    doc = "jiashan-city-industrial-policies-2023.p02"
    hits = assistant.lookup("奖补", filters=Filters(doc_ids=[doc]))
    assert hits and {h.doc_id for h in hits} == {doc}


@pytest.mark.parametrize("query", [
    "嘉政办发〔2023〕32号 四、（二）", "嘉政办发[2023]32号 四(二)", "嘉政办发（2023）32号 四（二）",
    "32号文 四、（二）", "2023年32号 四（二）", "32号 第四条第二款", "嘉政办发〔2023〕32号 第四部分第二条",
])
def test_a_clause_named_in_any_bracket_style_or_short_form_comes_first_and_alone(assistant, query):
    found = assistant.find(query, as_of=date(2024, 5, 1))
    assert found.named_clause and found.exact_total == 1 and found.related == []
    assert found.exact[0].doc_number == "嘉政办发〔2023〕32号"
    assert found.exact[0].section.startswith("四、支持政策 / （二）")


def test_the_desk_counts_exact_matches_and_sets_related_clauses_apart(assistant):
    found = assistant.find("首台（套）", as_of=date(2024, 5, 1))
    assert found.exact_total == 3 == len(found.exact)
    assert all("首台（套）" in c.text or "首台套" in c.text for c in found.exact)
    assert not any("首台（套）" in c.text for c in found.related)
    assert [c.n for c in found.citations()] == list(range(1, len(found.citations()) + 1))


def test_a_query_about_nothing_in_the_documents_finds_nothing_rather_than_ten_random_clauses(assistant):
    found = assistant.find("今天天气", as_of=date(2024, 5, 1))
    assert found.exact == [] and found.related == []


def test_a_foreign_investment_amount_asks_the_project_type_the_exclusion_and_the_place_then_pays(assistant):
    from assistant.web.chat import next_question

    question = "我们是外资企业，当年到资2亿美元，汇率7.1，能拿多少"
    first = assistant.ask(question, as_of=date(2024, 5, 1))
    lead, _, rest = first.answer.partition("。")
    # every type the buttons offer, each in its own clause's terms, although retrieval found only some
    for terms in ("先进制造业项目省级按当年度（首年）实际利用外资额的3%奖补", "高技术服务业项目省级按当年度（首年）实际利用外资额的1%奖补",
                  "其他服务业项目省级按当年度（首年）实际利用外资额的7‰奖补", "总部或研发中心项目"):
        assert terms in lead
    assert lead.startswith("按项目类型：")
    assert {i.citation.section for i in first.calculation.items} >= {"二、工作举措 / （二）加大重大服务业项目招引力度"}
    assert rest.startswith("您的项目属于哪一类？") and first.calculation.total_yuan == 0
    assert next_question(first)["name"] == "fdi_project_type"
    second = assistant.ask(question, as_of=date(2024, 5, 1), facts={"fdi_project_type": "高技术服务业"})
    assert second.answer.startswith("如项目不属于金融类、房地产类、项目在市本级或南湖区、秀洲区，高技术服务业外资项目配套奖补可得2130万元")
    assert second.calculation.total_yuan == 0 and next_question(second)["name"] == "fdi_sector_excluded"
    chosen = {"fdi_project_type": "高技术服务业", "fdi_sector_excluded": "否"}
    third = assistant.ask(question, as_of=date(2024, 5, 1), facts=chosen)
    assert third.answer.startswith("如项目在市本级或南湖区、秀洲区，高技术服务业外资项目配套奖补可得2130万元")
    assert next_question(third)["name"] == "fdi_project_level"
    fourth = assistant.ask(question, as_of=date(2024, 5, 1), facts={**chosen, "fdi_project_level": "市本级或区"})
    assert fourth.answer.startswith("高技术服务业外资项目配套奖补可得2130万元") and fourth.calculation.total_yuan == 21300000
    assert next_question(fourth) is None


@pytest.mark.parametrize("question, about_a_document", [
    ("吸引外资那个文件现在还算数吗", True),
    ("专精特新三年行动计划的执行期到什么时候", True),
    ("万亩千亿那个平台的文件正式发了没有", True),
    ("违反民主议定程序的承包合同是否有效？", False),  # a contract's validity is a clause's answer
    ("当事人约定担保财产归债权人所有，这种约定有效吗？", False),
    ("国家卫健委提出了哪些有效的防护措施？", False),  # 有效的: a quality, not a window
])
def test_only_a_question_about_a_policy_being_in_force_is_answered_with_its_window(question, about_a_document):
    assert (question_kind(question) == "validity") is about_a_document


def test_a_validity_question_cites_the_clause_its_window_is_read_from_in_the_document_it_names(assistant):
    answer = assistant.ask("传统产业那套扶持办法什么时候到期", as_of=date(2026, 12, 3))
    assert "有效期为一年" in answer.citations[0].text and "传统特色产业" in answer.citations[0].doc_title
    assert "2024年6月30日" in first_sentence(answer.answer) and "已到期" in first_sentence(answer.answer)


def test_an_unsure_validity_answer_asks_which_document_was_meant_not_whether_its_words_hold(assistant):
    answer = assistant.ask("传统产业那套扶持办法什么时候到期", as_of=date(2026, 12, 3))
    lines = answer.answer.splitlines()
    assert "规定“本实施方案自7月1日起执行，有效期为一年”" in lines[0]
    assert answer.outcome == "hedged"  # "那套办法" names no document outright
    assert lines[1] == "如您问的不是这份文件，请注明文件名称或文号再问。" and "没有找到明确规定" not in answer.answer


def test_the_window_an_answer_opens_with_is_not_quoted_again_below_it(assistant):
    answer = assistant.ask("专精特新三年行动计划的执行期到什么时候", as_of=date(2026, 12, 3))
    said = answer.answer.split("\n\n依据：")[0]
    assert said.count("本计划执行期为2023年6月15日至2025年12月31日") == 1 and said.startswith("《")


def test_the_words_most_titles_of_an_index_share_name_no_policy_whatever_the_city():
    from assistant.retrieve import TITLE_FORM, generic_title_words

    titles = ["杭州市人民政府关于印发杭州市数字经济若干政策的通知", "杭州市人民政府关于加快氢能产业发展的实施意见",
              "杭州市人民政府办公厅关于促进餐饮业发展的通知", "杭州市人民政府关于支持外资研发中心的若干措施"]
    generic = generic_title_words(titles)
    assert {"杭州市", "人民政府"} <= generic and TITLE_FORM <= generic
    assert not {"氢能", "餐饮业", "数字经济"} & generic

"""Validity windows as policy texts write them: one phrasing a row, with the window it means.

Rows marked (ncp) are verbatim from ../shared/benchmarks/ncp-policy-qa/corpus, (stard) from the
statutes of stard-dev, (seed) from the bundled documents; the rest are the standard forms of
规范性文件 as provincial and city governments publish them (有效期条款).
"""

from datetime import date

import pytest

from assistant.clean import clean_text
from assistant.models import DocumentMeta
from assistant.validity import add_period, read_validity

ISSUED = date(2024, 2, 20)
D = date
TITLE = "关于某某的通知"


@pytest.mark.parametrize("sentence, start, end", [
    # a start and an end date
    ("本意见自2024年3月1日起施行，有效期至2027年12月31日。", D(2024, 3, 1), D(2027, 12, 31)),
    ("本办法自2024年3月1日起施行，至2026年2月28日止。", D(2024, 3, 1), D(2026, 2, 28)),
    ("本规定自2019年12月1日起施行，有效期至2024年11月30日。", D(2019, 12, 1), D(2024, 11, 30)),
    ("本办法自2024年5月1日起施行，有效期至2026年4月30日止。", D(2024, 5, 1), D(2026, 4, 30)),
    ("本办法自2022年3月1日起施行，有效期至2024年2月29日。", D(2022, 3, 1), D(2024, 2, 29)),
    ("本政策自2023年1月1日起实施，执行至2025年12月31日。", D(2023, 1, 1), D(2025, 12, 31)),
    ("本办法自2019年10月1日起施行，2024年9月30日废止。", D(2019, 10, 1), D(2024, 9, 30)),
    ("本通告自2020年2月10日零时起施行，有效期至2020年3月31日。", D(2020, 2, 10), D(2020, 3, 31)),
    ("以上政策自2020年2月1日起实施，有效期至2020年12月31日（文中有明确期限的从其规定）。", D(2020, 2, 1), D(2020, 12, 31)),
    ("本意见自2019年1月1日起实施，有效期至2021年12月31日。原《关于加快发展的若干意见》（嘉政发〔2016〕1号）同时废止。",
     D(2019, 1, 1), D(2021, 12, 31)),
    # labelled windows
    ("本计划执行期为 2023 年 6 月15 日至2025 年12 月31日。", D(2023, 6, 15), D(2025, 12, 31)),  # (ncp)
    ("执行期限：2023年1月1日—2025年12月31日。", D(2023, 1, 1), D(2025, 12, 31)),
    ("有效期自2022年1月1日起至2024年12月31日。", D(2022, 1, 1), D(2024, 12, 31)),
    ("有效期：2024年1月1日至2026年12月31日。", D(2024, 1, 1), D(2026, 12, 31)),
    ("执行时间：2024年1月1日—2024年12月31日。", D(2024, 1, 1), D(2024, 12, 31)),
    ("政策有效期：自2023年7月1日起至2025年6月30日止。", D(2023, 7, 1), D(2025, 6, 30)),
    ("本政策措施执行期为2022年1月1日至2024年12月31日。", D(2022, 1, 1), D(2024, 12, 31)),
    ("本意见有效期三年，自2022年1月1日起至2024年12月31日止。", D(2022, 1, 1), D(2024, 12, 31)),
    # a start and a duration
    ("本通知自2024年4月1日起实施，有效期3年。", D(2024, 4, 1), D(2027, 3, 31)),
    ("本措施自2024年4月1日起执行，有效期为两年。", D(2024, 4, 1), D(2026, 3, 31)),
    ("本实施方案自 7 月 1 日起执行,有效期为一年。", D(2024, 7, 1), D(2025, 6, 30)),  # (ncp)
    ("本意见自印发之日起施行，有效期5年。", ISSUED, D(2029, 2, 19)),
    ("本细则自公布之日起施行，有效期5年。", ISSUED, D(2029, 2, 19)),
    ("本办法由市财政局负责解释，自2016年1月1日起执行，有效期三年。", D(2016, 1, 1), D(2018, 12, 31)),
    ("本规定有效期为2年，自2024年7月1日起施行。", D(2024, 7, 1), D(2026, 6, 30)),
    ("本通知自2024年1月1日起执行，执行期限为一年。", D(2024, 1, 1), D(2024, 12, 31)),
    ("本办法自2021年1月1日起试行，试行期2年。", D(2021, 1, 1), D(2022, 12, 31)),
    ("本措施自2020年2月10日起施行，有效期三个月。", D(2020, 2, 10), D(2020, 5, 9)),
    ("本工作措施均需各县(市、区)政府落实,自印发之日起实施,有效期为 3 年(2023—2025 年)。", ISSUED, D(2025, 12, 31)),  # (ncp)
    ("六、执行时限 本政策执行期为自政策发布之日起的3个月。", ISSUED, D(2024, 5, 19)),  # (ncp)
    ("本政策执行期暂定为自发布之日起的三个月（政策措施已经明确执行期的，按已规定的期限执行）。", ISSUED, D(2024, 5, 19)),  # (ncp)
    ("上述相关条款除国、省另有规定外，执行期限自发布之日起3个月止。", ISSUED, D(2024, 5, 19)),  # (ncp)
    ("本措施自2024年1月31日起施行，有效期一个月。", D(2024, 1, 31), D(2024, 2, 29)),
    # an end only: from the day it was issued
    ("本政策有效期至2027年12月31日。", ISSUED, D(2027, 12, 31)),
    ("有效期截至2025年12月31日。", ISSUED, D(2025, 12, 31)),
    ("本政策执行至2020年6月30日。", ISSUED, D(2020, 6, 30)),
    ("政策实施期限至2022年12月31日。", ISSUED, D(2022, 12, 31)),
    ("……的中小微企业，自印发之日起实施，有效期至2020年底(文中具体措施有明确期限规定的从其规定)。", ISSUED, D(2020, 12, 31)),  # (ncp)
    ("本办法自印发之日起施行，有效期至2025年6月。", ISSUED, D(2025, 6, 30)),
    # plan periods
    ("规划期限为2016─2020年。", D(2016, 1, 1), D(2020, 12, 31)),
    ("本规划期限为2021-2025年，展望到2035年。", D(2021, 1, 1), D(2025, 12, 31)),
    ("实施期限为2021—2025年。", D(2021, 1, 1), D(2025, 12, 31)),
    # a start only
    ("本办法自发布之日起施行。", ISSUED, None),
    ("本意见自正式发布之日起实施。", ISSUED, None),  # (seed)
    ("本规定自2013年10月1日起施行。", D(2013, 10, 1), None),  # (stard)
    ("本条例自公布之日起施行。", ISSUED, None),  # (stard)
    ("本通知自印发之日起30日后施行。", D(2024, 3, 21), None),
    ("本办法自发布之日起三十日后施行。", D(2024, 3, 21), None),
    ("本办法自2024年1月1日起施行，2022年1月1日印发的《嘉兴市某某办法》同时废止。", D(2024, 1, 1), None),
    ("本通知自即日起执行。", ISSUED, None),
])
def test_validity_phrasings(sentence, start, end):
    found = read_validity(clean_text(TITLE + "\n" + sentence), TITLE, ISSUED)
    assert (found.valid_from, found.valid_to) == (start, end)
    assert found.sentence


@pytest.mark.parametrize("sentence, start, ends_on", [
    ("本通告自即日起施行，有效期至新型冠状病毒感染肺炎疫情解除。", ISSUED, "至新型冠状病毒感染肺炎疫情解除"),  # (ncp)
    ("以上措施自印发之日起实施，有效期为新冠肺炎疫情防控期间（具体措施中有明确期限规定的除外)；由区发展改革委会同其他各相关部门负责解释。",
     ISSUED, "新冠肺炎疫情防控期间"),  # (ncp)
    ("五、本公告自2020年1月1日起施行，截止日期视疫情情况另行公告。", D(2020, 1, 1), "截止日期视疫情情况另行公告"),  # (ncp)
    ("四、其他 本意见自印发之日起执行，待疫情处置善后工作结束后自行废止。", ISSUED, "待疫情处置善后工作结束后自行废止"),  # (ncp)
    ("本通告自发布之日起执行，有效期至我区突发公共卫生事件一级应急响应解除之日止。", ISSUED, "至我区突发公共卫生事件一级应急响应解除之日止"),  # (ncp)
])
def test_an_end_tied_to_an_event_has_no_date_and_says_so(sentence, start, ends_on):
    found = read_validity(clean_text(TITLE + "\n" + sentence), TITLE, ISSUED)
    assert (found.valid_from, found.valid_to, found.ends_on) == (start, None, ends_on)
    meta = DocumentMeta(doc_id="x", title=TITLE, valid_from=found.valid_from, ends_on=found.ends_on)
    words = meta.validity_sentence(D(2024, 6, 1))
    assert ends_on in words and "未载明具体截止日期" in words


@pytest.mark.parametrize("sentence", [
    "第三十九条 注册商标的有效期为十年，自核准注册之日起计算。",  # (stard): another thing's validity
    "即日起，对有效期于2020年3月底（含）前届满的快递业务经营许可，延长有效期至6月底。",  # (ncp)
    "所使用消毒剂应在有效期内，消毒剂须现配现用。",  # (ncp)
])
def test_the_validity_of_something_else_is_not_the_documents(sentence):
    found = read_validity(clean_text(TITLE + "\n" + sentence), TITLE, ISSUED)
    assert (found.valid_from, found.valid_to) == (None, None)


def test_the_document_speaking_of_itself_wins_over_an_earlier_sentence_about_something_else():
    text = "关于某某的通知\n一、对企业自2023年1月1日起实施的技术改造项目给予补助。\n五、本通知自2024年3月1日起施行，有效期两年。\n"
    found = read_validity(text, TITLE, ISSUED)
    assert (found.valid_from, found.valid_to) == (D(2024, 3, 1), D(2026, 2, 28))


@pytest.mark.parametrize("title, trial", [
    ("嘉兴市企业研发费用补助管理办法（试行）", True),
    ("关于促进外贸稳增长的暂行办法", True),
    ("嘉兴市企业研发费用补助管理办法", False),
])
def test_trial_and_interim_rules_are_marked_and_said(title, trial):
    found = read_validity(title + "\n本办法自2024年3月1日起施行，有效期两年。\n", title, ISSUED)
    assert found.trial is trial
    meta = DocumentMeta(doc_id="x", title=title, valid_from=found.valid_from, valid_to=found.valid_to, trial=found.trial)
    assert ("（试行）" in meta.validity_sentence(D(2024, 6, 1))) is trial


@pytest.mark.parametrize("start, count, unit, end", [
    (D(2024, 1, 31), 1, "月", D(2024, 2, 29)),
    (D(2023, 1, 31), 1, "月", D(2023, 2, 28)),
    (D(2024, 2, 29), 1, "年", D(2025, 2, 28)),
    (D(2024, 3, 1), 2, "年", D(2026, 2, 28)),
    (D(2024, 3, 1), 30, "日", D(2024, 3, 30)),
])
def test_periods_end_the_day_before_the_same_date(start, count, unit, end):
    assert add_period(start, count, unit) == end


def test_there_are_at_least_forty_phrasings():
    rows = test_validity_phrasings.pytestmark[0].args[1] + test_an_end_tied_to_an_event_has_no_date_and_says_so.pytestmark[0].args[1]
    assert len(rows) >= 40

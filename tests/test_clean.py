"""Cleaning: what a reader skips goes, what a page break split comes back together."""

from assistant.clean import clean_text
from tests.conftest import corpus_text


def test_page_marker_and_page_number_removed_and_cap_clause_rejoined():
    raw = "给予1:1.5 配套奖补，累计最高\n\n第15页\n\n12\n\n不超过 2 亿元人民币。（责任单位：市商务局）"
    assert clean_text(raw).strip() == "给予1:1.5配套奖补，累计最高不超过2亿元人民币。（责任单位：市商务局）"


def test_the_foreign_investment_cap_clause_reads_whole_in_the_ebook():
    text = clean_text(corpus_text("jiashan-city-industrial-policies-2023.txt"))
    assert "累计最高不超过2亿元人民币" in text
    assert "在不超过等值500万美元额度内自主借用外债" in text
    assert "第15页" not in text


def test_spaces_inside_numbers_and_units_are_removed():
    assert clean_text("给予最高 100 万元的补助，2023 年6 月1 日").strip() == "给予最高100万元的补助，2023年6月1日"


def test_half_width_punctuation_in_chinese_becomes_full_width():
    assert clean_text("(责任单位:市科技局)").strip() == "（责任单位：市科技局）"
    assert "1:1.5" in clean_text("给予1:1.5配套")


def test_scrape_chrome_and_templates_are_dropped():
    raw = "收藏\n转发\n粉丝: {{bookData.followerCount}}\n[展开]\n正文第一句。\n免费制作\n"
    assert clean_text(raw).strip() == "正文第一句。"


def test_dot_leaders_are_removed():
    assert "....." not in clean_text("1.某某实施方案 ..............................12\n正文。")


def test_a_title_wrapped_over_two_lines_is_rejoined():
    text = clean_text(corpus_text("jx-zheshang-13th-five-year-plan-2016.txt"))
    assert text.splitlines()[0] == "关于印发《嘉兴市支持浙商创业创新促进嘉兴发展“十三五”规划》的通知"


def test_tables_become_one_line_per_row_and_column():
    text = clean_text(corpus_text("jx-industrial-innovation-investment-2016.txt"))
    assert "2016年全市工业创新投资目标任务分解表（1）：海宁市，“机器换人”项目投资（亿元）：110" in text.splitlines()
    assert "海宁市，新增光伏发电容量（MW）·农光、渔光互补应用：10" in text
    assert "嘉兴港区，融资租赁公司（家）：2" not in text  # no value shifted into a wrong column


def test_search_form_joins_a_bracketed_character_inside_a_word_but_not_a_unit():
    from assistant.tokens import normalise

    assert "首台套装备" in normalise("首台（套）装备")
    assert "小升规(家)" in normalise("小升规（家）：77")

"""Clause tree and metadata, on real fragments of each document."""

from datetime import date

import pytest

from assistant.clean import clean_text
from assistant.docnumber import normalise_doc_number
from assistant.split import split_compilation
from assistant.structure import (
    build_clauses,
    cn_to_int,
    extract_meta,
    extract_responsible,
)
from tests.conftest import corpus_text


def _parts():
    raw = corpus_text("jiashan-city-industrial-policies-2023.txt")
    return split_compilation(raw, "corpus/jiashan-city-industrial-policies-2023.txt")


def test_the_ebook_splits_into_its_five_policies_and_keeps_fifteen_titles_without_text():
    result = _parts()
    assert [p.toc_index for p in result.parts] == [1, 2, 3, 4, 5]
    assert len(result.known_titles) == 15
    titles = [k.title for k in result.known_titles]
    assert "嘉兴市人民政府办公室关于加快推动氢能产业发展的实施意见" in titles
    assert titles[-1].startswith("嘉兴市人民政府办公室关于印发嘉兴市深入推进餐饮业")


def test_a_plain_document_is_not_a_compilation():
    assert split_compilation(corpus_text("jx-wanmu-qianyi-platform-draft.txt"), "x").parts == []


@pytest.mark.parametrize("text,expected", [("十二", 12), ("二十", 20), ("一百零五", 105), ("7", 7)])
def test_chinese_numerals(text, expected):
    assert cn_to_int(text) == expected


def test_mid_line_clauses_of_scraped_text_are_split_in_sequence():
    text = clean_text(_parts().parts[0].raw)
    sections = [c.section for c in build_clauses(text)]
    assert "二、主要举措 / （一）支持研发（设计）国际化 / 4.推动开展新产品研发" in sections
    # numbering that runs on across parents (18 under （四）, 19 under （五）)
    assert "二、主要举措 / （五）全力开展降本增效 / 20.加快惠企政策兑现" in sections


def test_ratios_and_parentheses_do_not_open_clauses():
    clauses = build_clauses("一、总则\n（一）奖补。给予1:1.5配套奖补，1亿美元（含）以上。\n（二）其他。")
    assert [c.label for c in clauses] == ["一、", "（一）", "（二）"]


def test_levels_may_skip():
    clauses = build_clauses("一、总体要求\n1.指导思想。内容。\n2.基本原则。内容。\n二、措施\n（一）支持。内容。")
    paths = [c.section for c in clauses]
    assert paths == ["一、总体要求", "一、总体要求 / 1.指导思想", "一、总体要求 / 2.基本原则", "二、措施", "二、措施 / （一）支持"]


def test_annex_is_a_top_level_section():
    clauses = build_clauses("一、正文\n内容。\n附件\n2016年表（1）：海宁市，投资：110\n")
    assert clauses[-1].section == "附件"


def test_responsible_units_keep_bracketed_names_whole():
    units = extract_responsible("（责任单位：市经信局、各县〔市、区〕政府、嘉兴经济技术开发区。列第一位的为牵头单位，下同）")
    assert units == ["市经信局", "各县〔市、区〕政府", "嘉兴经济技术开发区"]


@pytest.mark.parametrize("raw", ["嘉政办发〔2023〕32号", "嘉政办发[2023]32号", "嘉政办发（2023）32 号", "嘉政办发【2023】32号"])
def test_doc_number_variants(raw):
    assert normalise_doc_number(raw) == "嘉政办发〔2023〕32号"


def test_metadata_of_each_policy_in_the_ebook():
    metas = [extract_meta(clean_text(p.raw), f"p{p.toc_index}", "x", p.title) for p in _parts().parts]
    assert [m.doc_number for m in metas] == ["嘉政办发〔2023〕38号", "嘉政办发〔2023〕36号", "嘉政办发〔2023〕32号", "嘉政发〔2023〕11号", "嘉政发〔2023〕8号"]
    # 自7月1日起执行，有效期为一年 (year from the issue date)
    assert (metas[0].valid_from, metas[0].valid_to) == (date(2023, 7, 1), date(2024, 6, 30))
    # 自印发之日起实施，有效期为3年（2023—2025年）
    assert (metas[1].valid_from, metas[1].valid_to) == (date(2023, 5, 25), date(2025, 12, 31))
    # 执行期为2023年6月15日至2025年12月31日
    assert (metas[2].valid_from, metas[2].valid_to) == (date(2023, 6, 15), date(2025, 12, 31))


def test_drafts_and_plan_periods():
    draft = extract_meta(clean_text(corpus_text("jx-zhaodayinqiang-opinions-draft.txt")), "d", "x")
    assert draft.draft and draft.status(date(2024, 1, 1)) == "draft"
    plan = extract_meta(clean_text(corpus_text("jx-zheshang-13th-five-year-plan-2016.txt")), "p", "x")
    assert (plan.valid_from, plan.valid_to) == (date(2016, 1, 1), date(2020, 12, 31))
    assert plan.status(date(2024, 1, 1)) == "expired"
    yearly = extract_meta(clean_text(corpus_text("jx-industrial-innovation-investment-2016.txt")), "y", "x")
    assert yearly.doc_number == "嘉政发〔2016〕5号" and yearly.valid_to == date(2016, 12, 31)


def test_status_against_as_of():
    meta = extract_meta(clean_text(_parts().parts[2].raw), "p3", "x")
    assert meta.status(date(2023, 1, 1)) == "not_yet_effective"
    assert meta.status(date(2024, 5, 1)) == "current"
    assert meta.status(date(2026, 1, 1)) == "expired"
    assert "已到期" in meta.validity_sentence(date(2026, 1, 1))


def test_a_leaf_clause_of_one_short_sentence_is_kept_as_a_chunk():
    from assistant.chunk import chunk_document
    from assistant.structure import build_document

    text = "关于支持海豚产业的通知\n一、支持措施\n（一）对新落户的海豚企业给予一次性奖励80万元。\n"
    doc = build_document(text, extract_meta(text, "d", "x"))
    chunks = chunk_document(doc)
    assert any("奖励80万元" in c.text for c in chunks)
    assert not any(c.text == "一、支持措施" for c in chunks)  # a bare heading travels in its children's prefix


@pytest.mark.parametrize("first_line, title", [
    ("2024年度嘉兴市工业企业技术改造项目资金安排表", "2024年度嘉兴市工业企业技术改造项目资金安排表"),
    ("Jiaxing Investment Guide for Foreign Enterprises", "Jiaxing Investment Guide for Foreign Enterprises"),
    ("ZJFC01-2023-0009嘉兴市人民政府办公室关于印发支持传统特色产业高质量发展实施方案的通知",
     "嘉兴市人民政府办公室关于印发支持传统特色产业高质量发展实施方案的通知"),
    ("5G基站建设三年行动计划", "5G基站建设三年行动计划"),
])
def test_a_title_keeps_its_leading_year_digits_and_capitals_and_loses_only_a_registration_code(first_line, title):
    assert extract_meta(first_line + "\n正文第一段。\n", "x", "x.txt").title == title


def test_an_article_label_is_the_label_alone_when_its_text_runs_on():
    text = "第十八条本条例所称企业，是指依法设立的营利法人。\n第十九条违反本条例第五条或者第七条规定的，由有关部门责令改正。\n第二十条　附则\n本条例自2024年1月1日起施行。\n"
    clauses = build_clauses(text)
    assert [c.path[-1] for c in clauses] == ["第十八条", "第十九条", "第二十条附则"]
    assert clauses[1].text.startswith("第十九条违反本条例第五条")  # the words stay in the text
    # retrieval still reads an article by its opening words: they name its subject
    assert clauses[1].search_path == ["第十九条违反本条例第五条或者第七条规定的，由有关部门责令改正"]


def test_merged_clauses_are_labelled_by_their_first_and_last_labels():
    from assistant.chunk import chunk_document
    from assistant.config import ChunkingConfig
    from assistant.structure import build_document

    text = "关于某某的通知\n一、支持政策\n（一）奖励。给予10万元。\n（二）补助。给予5万元。\n（三）贴息。给予3万元。\n"
    document = build_document(text, extract_meta(text, "x", "x.txt"))
    sections = [c.section for c in chunk_document(document, ChunkingConfig(min_chars=60, max_chars=420))]
    assert any(s.endswith("一、支持政策 / （一）至（三）") for s in sections), sections


@pytest.mark.parametrize("a, b", [
    ("（含）以上", "(含)以上"),
    ("《支持传统特色产业高质量发展实施方案》", "支持传统特色产业高质量发展实施方案"),
    ("1:1.5配套，累计最高", "1：1.5配套,累计最高"),
    ("“就高不重复”原则", "就高不重复原则"),
    ("首 台 套", "首台套"),
])
def test_text_compared_literally_ignores_spacing_punctuation_and_width(a, b):
    from assistant.tokens import bare

    assert bare(a) == bare(b)


def test_the_rows_of_an_annex_are_searched_with_the_annexs_title_not_its_number_alone():
    clauses = build_clauses("一、总则\n（一）目标。见附件。\n附件1\n\n2023年主要目标指标\n1.地区生产总值增长6%左右\n2.一般公共预算收入增长5%左右")
    row = next(c for c in clauses if c.label == "1.")
    assert row.search_path[0] == "附件12023年主要目标指标" and row.path[0] == "附件1"

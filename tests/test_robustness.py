"""Nothing lost, nothing corrupted: concurrent writers, kills, bad files, hostile input."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest

from assistant.calculate import calculate
from assistant.config import Limits, Settings
from assistant.ingest import ingest, parse_file
from assistant.load import load_file
from assistant.models import PolicyError
from assistant.store import Index, active_generation

ROOT = Path(__file__).resolve().parent.parent


def cli(args: list[str], settings: Settings, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "POLICY_INDEX_DIR": str(settings.index_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, **kwargs)


def notice(folder: Path, name: str, topic: str, amount: int, clauses: int = 1) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    body = "".join(f"（{n}）对新落户的{topic}企业第{n}类项目给予一次性奖励{amount + n}万元。\n" for n in range(1, clauses + 1))
    path = folder / name
    path.write_text(f"关于支持{topic}产业的通知\n一、支持措施\n{body}", encoding="utf-8")
    return path


def documents(settings: Settings) -> dict:
    return Index.open(settings.index_dir, settings).documents


# -- one writer at a time ---------------------------------------------------------------
def test_two_ingest_processes_at_once_both_land_and_the_index_works(index_copy, tmp_path):
    before = set(documents(index_copy))
    first = cli(["ingest", str(notice(tmp_path / "a", "海豚.txt", "海豚", 80, clauses=30)), "--json"], index_copy)
    time.sleep(0.5)
    second = cli(["ingest", str(notice(tmp_path / "b", "白鹭.txt", "白鹭", 60)), "--json"], index_copy)
    out1, err1 = first.communicate(timeout=600)
    out2, err2 = second.communicate(timeout=600)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert json.loads(out1)["added"] == ["海豚"] and json.loads(out2)["added"] == ["白鹭"]
    assert "等待其完成" in err2  # the second writer said why it waited
    assert set(documents(index_copy)) == before | {"海豚", "白鹭"}  # nothing lost
    assert not list(index_copy.index_dir.glob(".building-*"))


def test_a_killed_build_leaves_the_previous_generation_serving(index_copy, tmp_path):
    from assistant.service import PolicyAssistant

    big = notice(tmp_path / "big", "海豚.txt", "海豚", 80, clauses=60)
    before = set(documents(index_copy))
    for seed in (1, 2, 3, 4):
        generation = active_generation(index_copy.index_dir)
        process = cli(["ingest", str(big)], index_copy)
        time.sleep(random.Random(seed).uniform(0.5, 6.0))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        now = active_generation(index_copy.index_dir)
        assert now == generation or set(documents(index_copy)) == before | {"海豚"}
        answer = PolicyAssistant(index_copy).ask("对新认定的单项冠军企业奖励多少")
        assert "分别给予300万元、150万元和100万元奖励" in answer.citations[0].text
        if now != generation:  # the build finished before the kill: start over from the old state
            ingest(None, index_copy, remove=["海豚"])
    # the next writer cleans up after the killed ones and succeeds
    ingest([big], index_copy)
    assert set(documents(index_copy)) == before | {"海豚"}
    assert not list(index_copy.index_dir.glob(".building-*"))
    assert len(list(index_copy.index_dir.glob("gen-*"))) <= 2


def test_a_reader_follows_a_swap_made_by_another_process(index_copy, tmp_path, embeddings):
    from assistant.service import PolicyAssistant

    reader = PolicyAssistant(index_copy, embeddings=embeddings)
    assert "海豚" not in reader.index.documents
    assert all(c.doc_id != "海豚" for c in reader.ask("对新落户的海豚企业奖励多少").citations)
    done = cli(["ingest", str(notice(tmp_path / "a", "海豚.txt", "海豚", 80))], index_copy)
    assert done.wait(timeout=600) == 0, done.stderr.read()
    answer = reader.ask("对新落户的海豚企业奖励多少")
    assert answer.citations[0].doc_id == "海豚" and "81万元" in answer.citations[0].text


# -- identities ----------------------------------------------------------------------------
def test_same_file_name_in_two_folders_keeps_both(index_copy, tmp_path, embeddings):
    one = notice(tmp_path / "a", "通知.txt", "海豚", 80)
    two = notice(tmp_path / "b", "通知.txt", "白鹭", 60)
    report = ingest([one, two], index_copy, embeddings=embeddings)
    assert len(report.added) == 2 and all(name.startswith("通知-") for name in report.added)
    titles = {documents(index_copy)[d].meta.title for d in report.added}
    assert titles == {"关于支持海豚产业的通知", "关于支持白鹭产业的通知"}


def test_a_file_named_like_an_existing_document_replaces_it_only_when_asked(index_copy, tmp_path, embeddings):
    name = "jx-industrial-innovation-investment-2016.txt"
    impostor = notice(tmp_path / "elsewhere", name, "海豚", 80)
    with pytest.raises(PolicyError, match="--replace"):
        ingest([impostor], index_copy, embeddings=embeddings)
    assert documents(index_copy)["jx-industrial-innovation-investment-2016"].meta.doc_number == "嘉政发〔2016〕5号"
    report = ingest([impostor], index_copy, embeddings=embeddings, replace=True)
    assert report.replaced == ["jx-industrial-innovation-investment-2016"]


# -- bad files ---------------------------------------------------------------------------
def _chinese_pdf(line: str = "关于支持海豚产业的通知 一、对新落户的海豚企业给予奖励80万元。") -> bytes:
    """A one-page PDF with a Chinese text layer (reportlab's STSong-Light)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setFont("STSong-Light", 12)
    pdf.drawString(72, 700, line)
    pdf.save()
    return buffer.getvalue()


def _fuzzed_files(folder: Path, seed: int = 7, count: int = 220) -> list[Path]:
    """Broken PDFs and DOCX files of many kinds, random bytes, empty and binary text files."""
    rng = random.Random(seed)
    good_pdf = _chinese_pdf()
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document><w:body><w:p>海豚</w:p></w:body></w:document>")
    good_docx = buffer.getvalue()
    folder.mkdir(parents=True)
    files = []
    for i in range(count):
        kind = i % 8
        if kind == 0:  # truncated PDF
            data, suffix = good_pdf[: rng.randint(10, len(good_pdf) // 2)], ".pdf"
        elif kind == 1:  # PDF with flipped bytes in the middle (xref, streams)
            data = bytearray(good_pdf)
            for _ in range(rng.randint(5, 50)):
                data[rng.randrange(40, len(data) - 40)] = rng.randrange(256)
            data, suffix = bytes(data[: len(data) // 3]) + b"\n%%EOF", ".pdf"
        elif kind == 2:  # truncated or mangled DOCX
            data, suffix = good_docx[: rng.randint(1, len(good_docx) - 1)], ".docx"
        elif kind == 3:  # a zip that is no Word document
            data, suffix = bytes(rng.randrange(256) for _ in range(rng.randint(1, 400))), ".docx"
        elif kind == 4:  # random bytes named .txt
            data, suffix = b"\x00" + bytes(rng.randrange(256) for _ in range(rng.randint(1, 300))), ".txt"
        elif kind == 5:  # an OFD package cut short, or random bytes named .ofd
            data, suffix = (good_docx[: rng.randint(1, len(good_docx) - 1)] if i % 16 == 5
                            else bytes(rng.randrange(256) for _ in range(rng.randint(1, 400)))), ".ofd"
        elif kind == 6:  # a web page with no article, or binary named .html
            data, suffix = (b"<html><body><div>" + b"<a href='/'>\xe9\xa6\x96\xe9\xa1\xb5</a>" * rng.randint(0, 5)
                            + b"</div></body></html>" if i % 16 == 6
                            else bytes(rng.randrange(256) for _ in range(rng.randint(1, 400)))), ".html"
        else:  # empty or whitespace
            data, suffix = b" \n" * rng.randint(0, 3), ".md"
        path = folder / f"bad-{i:03d}{suffix}"
        path.write_bytes(data)
        files.append(path)
    return files


def test_a_folder_of_fuzzed_bad_files_names_every_one_and_changes_nothing(index_copy, tmp_path):
    bad = _fuzzed_files(tmp_path / "bad")
    generation = active_generation(index_copy.index_dir)
    process = cli(["ingest", str(tmp_path / "bad")], index_copy)
    out, err = process.communicate(timeout=600)
    assert process.returncode == 2, err
    assert "Traceback" not in err and "内部错误" not in err
    lines = [line for line in err.splitlines() if line.startswith("错误：bad-")]
    named = {line.split("：", 1)[1].split(":", 1)[0] for line in lines}
    assert named == {p.name for p in bad}  # every bad file, once, by name
    assert len(lines) == len(bad)
    assert active_generation(index_copy.index_dir) == generation


def test_text_in_utf16_and_big5_is_read_right(tmp_path):
    text = "關於支持海豚產業的通知\n一、對新落戶的海豚企業給予一次性獎勵80萬元。\n"
    (tmp_path / "utf16.txt").write_bytes(text.encode("utf-16"))
    (tmp_path / "big5.txt").write_bytes(text.encode("big5"))
    for name in ("utf16.txt", "big5.txt"):
        assert load_file(tmp_path / name).text.strip() == text.strip()


def test_pdf_with_only_an_owner_password_is_read(tmp_path):
    from pypdf import PdfReader, PdfWriter

    original = _chinese_pdf()
    writer = PdfWriter(clone_from=PdfReader(BytesIO(original)))
    writer.encrypt(user_password="", owner_password="only-the-owner-knows", algorithm="AES-128")
    path = tmp_path / "owner.pdf"
    with open(path, "wb") as handle:
        writer.write(handle)
    assert "海豚企业给予奖励80万元" in load_file(path).text.replace(" ", "")
    locked = PdfWriter(clone_from=PdfReader(BytesIO(original)))
    locked.encrypt(user_password="secret", owner_password="secret", algorithm="AES-128")
    with open(tmp_path / "locked.pdf", "wb") as handle:
        locked.write(handle)
    with pytest.raises(PolicyError, match="locked.pdf.*密码"):
        load_file(tmp_path / "locked.pdf")


# -- limits ------------------------------------------------------------------------------
def test_text_without_punctuation_is_cut_into_bounded_chunks(tmp_path):
    from assistant.chunk import chunk_document
    from assistant.config import ChunkingConfig

    path = tmp_path / "wall.txt"
    path.write_text("关于支持海豚产业的通知\n一、支持措施\n" + "海豚企业奖励" * 3000 + "\n", encoding="utf-8")
    docs, _ = parse_file(path)
    chunks = chunk_document(docs[0], ChunkingConfig())
    assert max(len(c.text) for c in chunks) <= ChunkingConfig().max_chars


def test_oversized_files_and_documents_are_refused_by_name(tmp_path):
    path = notice(tmp_path, "大文件.txt", "海豚", 80, clauses=200)
    with pytest.raises(PolicyError, match="大文件.txt: 文件过大"):
        parse_file(path, Limits(file_bytes=1000))
    with pytest.raises(PolicyError, match="大文件.txt: 文档过长"):
        parse_file(path, Limits(document_chars=1000))


def test_overlong_questions_and_lookups_are_refused(assistant):
    with pytest.raises(PolicyError, match="问题过长"):
        assistant.ask("补贴" * 600)
    with pytest.raises(PolicyError, match="查询过长"):
        assistant.lookup("补贴" * 200)


# -- hostile numbers -----------------------------------------------------------------------
@pytest.mark.parametrize("facts, named", [
    ({"digital_investment_yuan": -8000000}, "不能为负数"),
    ({"digital_investment_yuan": "Infinity"}, "有限的数"),
    ({"digital_investment_yuan": "NaN"}, "有限的数"),
    ({"digital_investment_yuan": "1e30"}, "大得不合常理"),
    ({"usd_cny_rate": 0}, "不能为 0"),
    ({"usd_cny_rate": "1" * 30}, "大得不合常理"),
    ({"usd_cny_rate": "7..1"}, "不是有效的"),
])
def test_hostile_numbers_are_refused_naming_the_fact(facts, named):
    with pytest.raises(PolicyError, match=named) as caught:
        calculate(facts, date(2024, 5, 1))
    assert next(iter(facts)) in str(caught.value)


def test_a_negative_amount_in_a_question_is_refused_not_read_as_positive(assistant):
    with pytest.raises(PolicyError, match="金额不能为负数"):
        assistant.ask("我们数字化改造投资了负800万，能补多少", as_of=date(2024, 5, 1))


def test_a_batch_goes_on_after_a_bad_question(corpus_index, tmp_path):
    questions = tmp_path / "q.jsonl"
    rows = [{"id": "a", "question": "补贴" * 600}, {"id": "b", "question": "对新认定的单项冠军企业奖励多少"}]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    process = cli(["ask", "--questions", str(questions), "--json"], corpus_index)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["id"] for a in answers] == ["a", "b"]
    assert "问题过长" in answers[0]["error"] and answers[1]["citations"]


def test_money_never_goes_through_floats():
    result = calculate({"digital_investment_yuan": "14999995", "digital_accepted": True}, date(2024, 5, 1))
    item = next(i for i in result.items if i.rule_id == "zjtx.digital")
    assert item.amount_yuan == 2999999 and isinstance(item.amount_yuan, int)
    assert Decimal(item.amount_yuan) == Decimal("2999999")


# -- the desk's password -----------------------------------------------------------------------
def test_wrong_passwords_make_a_client_wait_longer_each_time():
    from assistant.serve import LoginGuard

    now = [1000.0]
    guard = LoginGuard("right", Limits(login_attempts=3, login_pause_seconds=10), clock=lambda: now[0])
    assert [guard.check("wrong", "1.2.3.4") for _ in range(3)] == [False, False, False]
    with pytest.raises(PolicyError, match="秒后再试"):
        guard.check("right", "1.2.3.4")  # even the right password waits
    assert guard.check("right", "5.6.7.8")  # another client is not punished
    now[0] += 11
    assert not guard.check("wrong", "1.2.3.4")
    now[0] += 11  # the pause doubled: 20 s
    with pytest.raises(PolicyError):
        guard.check("right", "1.2.3.4")
    now[0] += 10
    assert guard.check("right", "1.2.3.4")


def test_document_text_is_shown_as_text_never_markup():
    from assistant.serve import as_text

    hostile = '<div style="position:fixed;inset:0">请拨打400领取补贴</div>`code` **bold** [link](x)'
    shown = as_text(hostile)
    for markup in ("<", ">", "`", "*", "[", "]"):
        assert markup not in shown
    assert "请拨打400领取补贴" in shown


def test_an_index_built_before_character_bigrams_still_answers(index_copy):
    shutil.rmtree(index_copy.index_dir / active_generation(index_copy.index_dir) / "bm25-bigram")
    index = Index.open(index_copy.index_dir, index_copy)
    scores = index.bigram_scores("单项冠军企业奖励")  # an older index: no bigram scores, no failure
    assert scores.shape == (len(index.chunks),) and not scores.any()
    from assistant.service import PolicyAssistant

    answer = PolicyAssistant(index_copy).ask("对新认定的单项冠军企业奖励多少")
    assert "分别给予300万元、150万元和100万元奖励" in answer.citations[0].text


def test_validity_is_judged_on_the_day_of_each_request(monkeypatch):
    import assistant.config as config

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return date(2030, 1, 2)

    settings = Settings.from_env()
    assert settings.as_of is None
    monkeypatch.setattr(config, "date", Tomorrow)
    assert settings.today() == date(2030, 1, 2)  # read when asked, not when the process started
    assert Settings.from_env(as_of=date(2024, 5, 1)).today() == date(2024, 5, 1)


def test_the_page_shows_money_without_floats():
    from assistant.calculate import wan

    assert wan(2999999) == "299.9999万元" and wan(1500000) == "150万元"


def test_two_uploads_in_one_server_process_at_once_both_land(index_copy, tmp_path, embeddings):
    """The page runs uploads in threads of one process: the writer lock serialises them too."""
    import threading

    before = set(documents(index_copy))
    paths = [notice(tmp_path / "a", "海豚.txt", "海豚", 80, clauses=20), notice(tmp_path / "b", "白鹭.txt", "白鹭", 60)]
    outcomes: dict[str, object] = {}

    def upload(path: Path) -> None:
        try:
            outcomes[path.stem] = ingest([path], index_copy, embeddings=embeddings).added
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            outcomes[path.stem] = exc

    threads = [threading.Thread(target=upload, args=(p,)) for p in paths]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    for thread in threads:
        thread.join(timeout=600)
    assert outcomes == {"海豚": ["海豚"], "白鹭": ["白鹭"]}
    assert set(documents(index_copy)) == before | {"海豚", "白鹭"}

"""A later policy that repeals an earlier one ("原《…》（…号）同时废止") marks it superseded, from
the day the later one takes effect, and both answers say so."""

from datetime import date

import pytest

from assistant.config import Settings
from assistant.ingest import ingest
from assistant.service import PolicyAssistant
from assistant.supersede import read_repeals


@pytest.mark.parametrize("sentence, repeals", [
    ("本意见自2019年1月1日起实施。原《关于加快发展的若干意见》（嘉政发〔2016〕1号）同时废止。",
     ["《关于加快发展的若干意见》（嘉政发〔2016〕1号）"]),
    ("本办法自2024年1月1日起施行，2022年1月1日印发的《嘉兴市某某办法》同时废止。", ["《嘉兴市某某办法》"]),
    ("《海豚办法实施细则》和《海豚管理规定（试行）》同时废止。", ["《海豚办法实施细则》", "《海豚管理规定（试行）》"]),
    ("本法自1999年10月1日起施行，《中华人民共和国经济合同法》、《中华人民共和国技术合同法》同时废止。",
     ["《中华人民共和国经济合同法》", "《中华人民共和国技术合同法》"]),
    ("此前印发的《嘉兴市海豚产业扶持办法》（嘉测发[2022]3号）停止执行。", ["《嘉兴市海豚产业扶持办法》（嘉测发〔2022〕3号）"]),
    ("嘉政发〔2016〕1号文件同时废止。", ["（嘉政发〔2016〕1号）"]),
    ("依照《合同法》的规定，该合同失效的，应当返还财产。", []),
    ("本意见自印发之日起执行，待疫情处置善后工作结束后自行废止。", []),
])
def test_repeal_clauses_name_what_they_repeal(sentence, repeals):
    assert read_repeals(sentence) == repeals


EARLIER = """嘉兴市海豚产业扶持办法
嘉测发〔2022〕3号
一、对新落户的海豚养殖企业，给予一次性奖励50万元。
二、对海豚饲料研发项目，按研发投入的10%给予补助，最高不超过30万元。
三、本办法自2022年1月1日起施行，有效期至2027年12月31日。
嘉兴市测试局
2021年12月20日
"""

LATER = """嘉兴市海豚产业高质量发展扶持办法
嘉测发〔2024〕7号
一、对新落户的海豚养殖企业，给予一次性奖励80万元。
二、对海豚科普基地建设项目，按设备投资额的15%给予补助，最高不超过200万元。
三、本办法自2024年3月1日起施行，有效期至2028年12月31日。原《嘉兴市海豚产业扶持办法》（嘉测发〔2022〕3号）同时废止。
嘉兴市测试局
2024年2月20日
"""


def _at(settings: Settings, day: date) -> Settings:
    return Settings.from_env(index_dir=settings.index_dir, as_of=day)


def test_a_superseding_document_changes_the_earlier_ones_status_and_both_answers_say_so(index_copy, embeddings, tmp_path):
    (tmp_path / "dolphin-2022.txt").write_text(EARLIER, encoding="utf-8")
    (tmp_path / "dolphin-2024.txt").write_text(LATER, encoding="utf-8")
    ingest([tmp_path / "dolphin-2022.txt"], index_copy, embeddings=embeddings)
    report = ingest([tmp_path / "dolphin-2024.txt"], index_copy, embeddings=embeddings)
    assert report.superseded == ["dolphin-2022 ← dolphin-2024"]

    assistant = PolicyAssistant(_at(index_copy, date(2024, 5, 1)), embeddings=embeddings)
    old = assistant.ask("海豚饲料研发项目补助比例是多少")
    top = old.citations[0]
    assert top.doc_id == "dolphin-2022"
    assert top.status == "superseded" and top.superseded_by == "dolphin-2024"
    assert "已被《嘉兴市海豚产业高质量发展扶持办法》替代" in old.answer.split("\n")[0]  # said first

    new = assistant.ask("海豚科普基地建设补助最高多少")
    top = new.citations[0]
    assert top.doc_id == "dolphin-2024" and top.status == "current" and top.supersedes == ["dolphin-2022"]
    assert "本政策替代了《嘉兴市海豚产业扶持办法》" in new.answer

    # Before the later one took effect, the earlier one was in force.
    before = PolicyAssistant(_at(index_copy, date(2023, 6, 1)), embeddings=embeddings).ask("海豚饲料研发项目补助比例是多少")
    assert before.citations[0].status == "current" and before.citations[0].superseded_by is None

    # Remove the later document: the earlier one is no longer superseded.
    ingest(None, index_copy, embeddings=embeddings, remove=["dolphin-2024"])
    again = PolicyAssistant(_at(index_copy, date(2024, 5, 1)), embeddings=embeddings).ask("海豚饲料研发项目补助比例是多少")
    assert again.citations[0].status == "current"

"""The command line keeps the interfaces in CONTRACTS.md."""

import json
import os
import subprocess
import sys


def run(args, settings, **kwargs):
    env = {**os.environ, "POLICY_INDEX_DIR": str(settings.index_dir)}
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env, **kwargs)


def test_ask_batch_answers_every_line_in_order_with_its_id(corpus_index, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "\n".join(json.dumps(q, ensure_ascii=False) for q in [
            {"id": "q2", "question": "首台（套）装备补助标准"},
            {"id": "q1", "question": "员工加班费怎么算"},
        ]) + "\n",
        encoding="utf-8",
    )
    result = run(["ask", "--questions", str(questions), "--json", "--as-of", "2024-05-01"], corpus_index)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["id"] for a in answers] == ["q2", "q1"]
    first = answers[0]
    assert set(first) >= {"id", "question", "answer", "abstained", "confidence", "citations", "calculation", "latency_ms"}
    assert set(first["citations"][0]) >= {"n", "doc_id", "doc_title", "doc_number", "section", "text", "status",
                                          "valid_from", "valid_to", "score"}
    assert first["citations"][0]["status"] == "current"
    assert answers[1]["abstained"] is True


def test_eval_json_has_the_contract_keys(corpus_index, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "s1", "question": "隐形冠军企业奖励多少", "expected_snippets": ["100万元奖励"],
                                     "expected_facts": ["100万元"], "answerable": True}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run(["eval", "--questions", str(questions), "--json"], corpus_index)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert {"n", "hit_at_1", "hit_at_3", "hit_at_5", "mrr", "fact_recall", "abstain_accuracy", "false_abstain_rate",
            "latency_p50_ms", "latency_p95_ms"} <= set(metrics)
    assert metrics["hit_at_3"] == 1.0 and metrics["fact_recall"] == 1.0


def test_eval_gate_fails_below_threshold(corpus_index, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "s1", "question": "隐形冠军企业奖励多少", "expected_snippets": ["并不存在的片段"],
                                     "answerable": True}, ensure_ascii=False) + "\n", encoding="utf-8")
    gate = tmp_path / "gate.json"
    gate.write_text('{"hit_at_3": 0.9}', encoding="utf-8")
    result = run(["eval", "--questions", str(questions), "--gate", str(gate), "--report", str(tmp_path / "report")], corpus_index)
    assert result.returncode == 1 and "hit_at_3" in result.stderr
    assert (tmp_path / "report" / "report.md").exists() and (tmp_path / "report" / "metrics.png").stat().st_size > 1000


def test_help_is_instant_and_lists_every_subcommand():
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "assistant.cli", "--help"], capture_output=True, text=True)
    for command in ("ingest", "ask", "calc", "eval", "serve", "bench", "lookup", "index"):
        assert command in result.stdout
    assert "chromadb" not in result.stderr and "torch" not in result.stderr and "gradio" not in result.stderr


def test_index_is_fresh_until_a_corpus_file_changes(tmp_path, embeddings):
    from assistant.config import Settings
    from assistant.ingest import ingest, is_fresh

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("关于测试的通知\n一、内容\n（一）给予奖励10万元。\n", encoding="utf-8")
    settings = Settings.from_env(index_dir=tmp_path / "index")
    assert not is_fresh(settings, corpus)
    ingest([corpus], settings, embeddings=embeddings)
    assert is_fresh(settings, corpus)  # `make index` is then a no-op
    # display paths of a corpus outside the project are absolute; freshness compares the same keys
    (corpus / "a.txt").write_text("关于测试的通知\n一、内容\n（一）给予奖励20万元。\n", encoding="utf-8")
    assert not is_fresh(settings, corpus)

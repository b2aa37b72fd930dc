"""The LangChain retriever and chain: the same clauses and answers as the core, and the
README's example runs as written."""

import re
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable

from assistant.chain import PolicyRetriever, answer_chain

ROOT = Path(__file__).resolve().parent.parent


def test_the_retriever_is_a_langchain_retriever_returning_clauses_with_their_citations(assistant):
    retriever = PolicyRetriever(assistant=assistant, k=3)
    assert isinstance(retriever, BaseRetriever)
    documents = retriever.invoke("刚评上国家级专精特新小巨人，有奖金吗")
    assert len(documents) == 3 and all(isinstance(d, Document) for d in documents)
    top = documents[0]
    assert top.metadata["doc_number"] == "嘉政办发〔2023〕32号" and "小巨人" in top.page_content
    assert top.page_content == top.metadata["text"] and top.metadata["status"] in ("current", "expired")
    assert 0 < top.metadata["confidence"] <= 1


def test_the_chain_is_a_runnable_that_answers_like_ask_with_its_conversation(assistant):
    chain = answer_chain(assistant)
    assert isinstance(chain, Runnable)
    question = {"question": "能补多少？", "as_of": "2024-05-01", "history": ["我们做数字化改造投入了800万元，已经验收合格"]}
    reply = chain.invoke(question)
    direct = assistant.ask("能补多少？", history=question["history"]).to_json()
    assert reply["answer"] == direct["answer"] and reply["citations"] == direct["citations"]
    assert reply["calculation"]["total_yuan"] == 1600000
    refused, quoted = chain.batch(["可以带狗进医院吗？", "嘉政办发〔2023〕32号 四、（三）"])
    assert refused["abstained"] or refused["outcome"] in ("hedged", "chatter")
    assert quoted["citations"][0]["section"].startswith("四、支持政策 / （三）")


def test_the_readme_example_runs_as_written(corpus_index, monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- langchain-example -->\n```python\n(.*?)```", readme, re.S).group(1)
    monkeypatch.setenv("POLICY_INDEX_DIR", str(corpus_index.index_dir))
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("嘉政办发〔2023〕32号 四、支持政策")
    assert printed[1].endswith("1600000") and "160万元" in printed[1]

"""With CHROMA_HOST/CHROMA_PORT set, the index lives in a real Chroma server (HttpClient)."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.ingest import ingest
from assistant.service import PolicyAssistant

CHROMA = shutil.which("chroma") or str(Path(__file__).resolve().parent.parent / ".venv/bin/chroma")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def chroma_server(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [CHROMA, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("chroma server did not start")
    yield port
    process.terminate()
    process.wait(timeout=20)


NOTICE = "关于支持海豚产业的通知\n一、支持措施\n（一）对新落户的海豚企业给予一次性奖励{}万元。\n"


def test_index_in_a_chroma_server_is_built_swapped_and_queried(chroma_server, tmp_path, embeddings):
    import chromadb

    from assistant.store import index_key

    settings = Settings.from_env(index_dir=tmp_path / "index", chroma_host="127.0.0.1", chroma_port=chroma_server)
    source = tmp_path / "notice.txt"
    generations = []
    for amount in (80, 90, 95):
        source.write_text(NOTICE.format(amount), encoding="utf-8")
        ingest([source], settings, embeddings=embeddings)
        generations.append((settings.index_dir / "active").resolve().name)

    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    names = {c.name for c in client.list_collections()}
    key = index_key(settings.index_dir)
    # the active generation and the one before it (a reader may still use it); older ones are dropped
    assert f"{key}-{generations[2]}" in names and f"{key}-{generations[1]}" in names
    assert f"{key}-{generations[0]}" not in names
    answer = PolicyAssistant(settings, embeddings=embeddings).ask("海豚企业落户奖励多少")
    assert "95万元" in answer.answer
    assert not (settings.index_dir / generations[2] / "chroma").exists()  # vectors live in the server


def test_ingesting_into_a_copy_of_an_index_folder_leaves_the_original_working(chroma_server, tmp_path, embeddings):
    original = Settings.from_env(index_dir=tmp_path / "index", chroma_host="127.0.0.1", chroma_port=chroma_server)
    source = tmp_path / "notice.txt"
    source.write_text(NOTICE.format(80), encoding="utf-8")
    ingest([source], original, embeddings=embeddings)
    shutil.copytree(original.index_dir, tmp_path / "copy", symlinks=True)
    copy = Settings.from_env(index_dir=tmp_path / "copy", chroma_host="127.0.0.1", chroma_port=chroma_server)
    for amount in (85, 90):  # two builds in the copy: the copy's cleanup runs twice
        source.write_text(NOTICE.format(amount), encoding="utf-8")
        ingest([source], copy, embeddings=embeddings)
    assert "80万元" in PolicyAssistant(original, embeddings=embeddings).ask("海豚企业落户奖励多少").answer
    assert "90万元" in PolicyAssistant(copy, embeddings=embeddings).ask("海豚企业落户奖励多少").answer


def test_answers_from_keywords_with_a_notice_when_the_chroma_server_dies(chroma_server, tmp_path, embeddings):
    settings = Settings.from_env(index_dir=tmp_path / "index", chroma_host="127.0.0.1", chroma_port=chroma_server)
    source = tmp_path / "notice.txt"
    source.write_text(NOTICE.format(80), encoding="utf-8")
    ingest([source], settings, embeddings=embeddings)
    assistant = PolicyAssistant(settings, embeddings=embeddings)
    assert "80万元" in assistant.ask("海豚企业落户奖励多少").answer
    subprocess.run(["pkill", "-9", "-f", "--", f"--port {chroma_server}"], check=True)
    time.sleep(1)
    answer = assistant.ask("海豚企业落户奖励多少")
    assert answer.answer.startswith("（语义检索暂不可用") and "80万元" in answer.answer

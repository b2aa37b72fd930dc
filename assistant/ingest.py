"""The journey of a file: load → split → clean → structure → (chunk, embed, store).

``parse_file`` turns one file into policy documents without touching the
index; ``ingest`` parses everything first and builds only when all files are
usable, so one bad file leaves the index exactly as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import yaml
from pydantic import ValidationError

from . import supersede
from .chunk import chunk_document
from .clean import clean_text
from .config import CORPUS_DIR, PROJECT_ROOT, RULES_DIR, ChunkingConfig, Limits, Settings
from .load import find_files, load_file
from .models import DocumentMeta, KnownTitle, PolicyDocument, PolicyError
from .split import split_compilation
from .store import BuildStats, Index, build_index, writer_lock
from .structure import build_document, extract_meta

# Changing any of these changes what an index holds: a new fingerprint rebuilds.
PIPELINE_MODULES = ("load.py", "ocr.py", "docnumber.py", "validity.py", "supersede.py", "split.py", "clean.py", "structure.py", "numbers.py", "chunk.py", "tokens.py", "config.py", "store.py")


@dataclass
class IngestReport:
    documents: int = 0
    chunks: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # existing documents replaced by a different file (--replace)
    superseded: list[str] = field(default_factory=list)  # "earlier ← later": repealed by a document in the index
    rules_bound: int = 0  # subsidy rules whose clause was found in this build's documents
    errors: list[str] = field(default_factory=list)
    build: BuildStats | None = None

    def to_json(self) -> dict:
        return {
            "documents": self.documents,
            "chunks": self.chunks,
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "removed": self.removed,
            "replaced": self.replaced,
            "superseded": self.superseded,
            "rules_bound": self.rules_bound,
            "errors": self.errors,
            "embedded": self.build.embedded if self.build else 0,
            "build_seconds": round(self.build.seconds, 2) if self.build else 0.0,
        }


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def load_meta_override(path: Path, doc_id: str) -> dict:
    """corpus/meta/<doc_id>.yaml: hand-checked metadata; unknown keys are an error."""
    meta_file = path.parent / "meta" / f"{doc_id}.yaml"
    if not meta_file.exists():
        return {}
    try:
        data = yaml.safe_load(meta_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PolicyError(f"{meta_file.name}: YAML 格式错误 ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{meta_file.name}: 元数据应为键值对")
    return data


# Told (file name, pages done, pages to do) while a file's scanned pages are recognised.
OcrReport = Callable[[str, int, int], None]


def parse_file(
    path: Path, limits: Limits = Limits(), stem: str | None = None, on_ocr: OcrReport | None = None
) -> tuple[list[PolicyDocument], list[KnownTitle]]:
    """One file → its documents. ``stem`` names them (default: the file's stem)."""
    source = load_file(path, max_bytes=limits.file_bytes, on_ocr=partial(on_ocr, path.name) if on_ocr else None)
    shown = display_path(path)
    stem = stem or path.stem
    split = split_compilation(source.text, shown)
    pieces: list[tuple[str, str | None, str]] = [(f"{stem}.p{p.toc_index:02d}", p.title, p.raw) for p in split.parts]
    pieces = pieces or [(stem, None, source.text)]
    documents = []
    for doc_id, title, raw in pieces:
        text = clean_text(raw)
        if len(text) > limits.document_chars:
            raise PolicyError(f"{path.name}: 文档过长（{len(text)} 字，上限 {limits.document_chars} 字）")
        meta = extract_meta(text, doc_id=doc_id, source_file=shown, title=title)
        meta.ocr_pages = list(source.ocr_pages)
        override = load_meta_override(path, doc_id)
        if override:
            try:
                meta = DocumentMeta.model_validate({**meta.model_dump(), **override})
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(x) for x in first["loc"])
                raise PolicyError(f"meta/{doc_id}.yaml: 字段 {where} 无效：{first['msg']}") from None
        document = build_document(text, meta)
        document.ocr_text = {p.page: clean_text(p.text) for p in source.ocr}
        documents.append(document)
    return documents, split.known_titles


def _check_rules(documents: dict[str, PolicyDocument]) -> int:
    """When the bundled corpus is in this index, every subsidy rule must find its clause in it;
    otherwise the build stops, naming the rules (an index of other documents has none to bind)."""
    if not any(d.meta.source_file.startswith("corpus/") for d in documents.values()):
        return 0
    from .bind import bind_rules
    from .rules import load_rules

    _, rule_files = load_rules()
    bindings, problems = bind_rules(rule_files, documents)
    if problems:
        raise PolicyError("补贴规则与条款对不上，索引未改动：\n" + "\n".join(problems))
    return len(bindings)


def _meta_files(files: list[Path]) -> list[Path]:
    return sorted({m for f in files for m in (f.parent / "meta").glob("*.yaml")})


def fingerprint(sources: dict[str, str], model_id: str) -> str:
    digest = hashlib.sha256(model_id.encode())
    package = Path(__file__).parent
    for name in PIPELINE_MODULES:
        digest.update((package / name).read_bytes())
    for rules in sorted(RULES_DIR.glob("*.yaml")):  # an edited rule is bound again at the next build
        digest.update(rules.name.encode() + rules.read_bytes())
    for key in sorted(sources):
        digest.update(f"{key}={sources[key]}".encode())
    return digest.hexdigest()


def corpus_sources(corpus_dir: Path = CORPUS_DIR) -> dict[str, str]:
    files = find_files([corpus_dir])
    return {
        display_path(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files + _meta_files(files)
    }


def is_fresh(settings: Settings, corpus_dir: Path = CORPUS_DIR) -> bool:
    from .embed import make_embeddings

    index = Index.open_if_exists(settings.index_dir, settings)
    if index is None:
        return False
    model_id = getattr(make_embeddings(settings), "model_id", "")
    expected = {k: v for k, v in index.manifest.sources.items() if not k.startswith("corpus/")}
    expected.update(corpus_sources(corpus_dir))
    return index.manifest.fingerprint == fingerprint(expected, model_id)


def _stems(files: list[Path]) -> dict[Path, str]:
    """Document names: the file stem, unless two files of one ingest share it; then each gets
    a short key of its path, so neither silently replaces the other."""
    by_stem: dict[str, list[Path]] = {}
    for path in files:
        by_stem.setdefault(path.stem, []).append(path)
    names = {}
    for stem, paths in by_stem.items():
        for path in paths:
            key = hashlib.sha256(display_path(path).encode()).hexdigest()[:6]
            names[path] = stem if len(paths) == 1 else f"{stem}-{key}"
    return names


def parse_files(
    files: list[Path], limits: Limits, chunking: ChunkingConfig = ChunkingConfig(), on_ocr: OcrReport | None = None
) -> tuple[dict[str, PolicyDocument], list[KnownTitle]]:
    """Parse every file; if any cannot be used, refuse them all, naming each bad file once."""
    parsed: dict[str, PolicyDocument] = {}
    known: list[KnownTitle] = []
    errors: list[str] = []
    names = _stems(files)
    for path in files:
        try:
            documents, titles = parse_file(path, limits, stem=names[path], on_ocr=on_ocr)
        except PolicyError as exc:
            errors.append(str(exc))
            continue
        too_big = [d.meta.doc_id for d in documents if len(chunk_document(d, chunking)) > limits.document_chunks]
        if too_big:
            errors.append(f"{path.name}: 切分后超过 {limits.document_chunks} 个片段，请拆分文件后再导入")
            continue
        for doc in documents:
            parsed[doc.meta.doc_id] = doc
        known += titles
    if errors:
        head = f"{len(errors)} 个文件无法使用，索引未改动：" if len(files) > 1 else ""
        raise PolicyError(head + ("\n" if head else "") + "\n".join(errors))
    return parsed, known


def ingest(
    paths: list[Path] | None,
    settings: Settings,
    embeddings=None,
    progress=None,
    remove: list[str] | None = None,
    replace: bool = False,
    on_wait=None,
    on_ocr: OcrReport | None = None,
) -> IngestReport:
    """Add or update documents (no paths: the bundled corpus) and rebuild the index.

    A document whose name is taken by a different file replaces it only with ``replace``.
    Everything from reading the current index to swapping in the new one happens under the
    index's writer lock; a second writer waits (``on_wait`` hears why) or refuses."""
    from .embed import make_embeddings

    embeddings = embeddings or make_embeddings(settings)
    corpus_mode = not paths and not remove
    files = find_files(paths or []) if paths else (find_files([CORPUS_DIR]) if corpus_mode else [])
    parsed, known = parse_files(files, settings.limits, settings.chunking, on_ocr)  # raises before anything is written
    with writer_lock(settings.index_dir, settings.limits.writer_wait_seconds, on_wait):
        return _ingest_locked(files, parsed, known, settings, embeddings, progress, remove, replace, corpus_mode)


def _ingest_locked(
    files: list[Path],
    parsed: dict[str, PolicyDocument],
    known: list[KnownTitle],
    settings: Settings,
    embeddings,
    progress,
    remove: list[str] | None,
    replace: bool,
    corpus_mode: bool,
) -> IngestReport:
    model_id = getattr(embeddings, "model_id", type(embeddings).__name__)
    report = IngestReport()

    previous = Index.open_if_exists(settings.index_dir, settings)
    current = dict(previous.documents) if previous else {}
    sources = dict(previous.manifest.sources) if previous else {}
    known_all = {(k.source_file, k.title): k for k in (previous.known_titles if previous else [])}
    if corpus_mode:
        corpus_docs = {d for d, doc in current.items() if doc.meta.source_file.startswith("corpus/")}
        for doc_id in corpus_docs - set(parsed):
            report.removed.append(doc_id)
            del current[doc_id]
        sources = {k: v for k, v in sources.items() if not k.startswith("corpus/")}
        known_all = {key: k for key, k in known_all.items() if not k.source_file.startswith("corpus/")}
    for doc_id in remove or []:
        if doc_id not in current:
            raise PolicyError(f"{doc_id}: 索引中没有这个文档")
        report.removed.append(doc_id)
        source = current.pop(doc_id).meta.source_file
        if not any(d.meta.source_file == source for d in current.values()):
            sources.pop(source, None)
            known_all = {key: k for key, k in known_all.items() if k.source_file != source}

    taken = [
        (doc_id, current[doc_id].meta.source_file, doc.meta.source_file)
        for doc_id, doc in parsed.items()
        if doc_id in current and current[doc_id].meta.source_file != doc.meta.source_file
    ]
    if taken and not replace:
        raise PolicyError("\n".join(
            f"{new}: 文档「{doc_id}」已存在（来自 {old}）；确认要用新文件替换它时请加 --replace" for doc_id, old, new in taken
        ))
    report.replaced = [doc_id for doc_id, _, _ in taken]
    for doc_id, doc in parsed.items():
        old = current.get(doc_id)
        if old is None:
            report.added.append(doc_id)
        elif old.content_hash != doc.content_hash:
            report.updated.append(doc_id)
        else:
            report.skipped.append(doc_id)
        current[doc_id] = doc
    for path in files + _meta_files(files):
        sources[display_path(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    for title in known:
        known_all[(title.source_file, title.title)] = title

    new_fingerprint = fingerprint(sources, model_id)
    unchanged = not (report.added or report.updated or report.removed)
    if previous and unchanged and previous.manifest.fingerprint == new_fingerprint:
        report.documents, report.chunks = len(current), len(previous.chunks)
        return report
    if not current:
        raise PolicyError("索引中将没有任何文档；至少保留一个文档")
    report.rules_bound = _check_rules(current)
    report.superseded = [f"{x.earlier} ← {x.later}" for x in supersede.link(list(current.values()))]
    report.build = build_index(
        settings.index_dir,
        list(current.values()),
        list(known_all.values()),
        settings,
        embeddings,
        fingerprint=new_fingerprint,
        sources=sources,
        previous=previous,
        progress=progress,
    )
    report.documents, report.chunks = len(current), report.build.chunks
    return report

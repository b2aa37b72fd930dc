"""Stage 1: read a policy file into raw text.

Supports .txt/.md (UTF-8 or GB18030), .pdf (text layer) and .docx. Anything we
cannot use raises ``PolicyError`` naming the file and the reason, so the caller
can refuse the whole ingest and leave the index as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .config import CORPUS_DATA_DIRS, SUPPORTED_SUFFIXES
from .models import PolicyError


@dataclass(frozen=True)
class SourceFile:
    path: Path
    text: str
    sha256: str  # of the file's bytes


def find_files(paths: list[Path]) -> list[Path]:
    """Expand folders into the supported files below them, sorted, de-duplicated."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise PolicyError(f"{path}: 文件或目录不存在 (no such file or folder)")
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not _is_housekeeping(p.relative_to(path))
            )
        else:
            found.append(path)
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique


def _is_housekeeping(relative: Path) -> bool:
    """A folder's metadata, rules, READMEs and hidden files are not policy documents."""
    parts = relative.parts
    return (
        any(p.startswith(".") for p in parts)
        or any(p in CORPUS_DATA_DIRS for p in parts[:-1])
        or relative.stem.upper() == "README"
    )


def load_file(path: Path) -> SourceFile:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise PolicyError(
            f"{path.name}: 不支持的文件类型 {suffix or '(无扩展名)'}，支持 .txt .md .pdf .docx"
        )
    data = path.read_bytes()
    if not data.strip():
        raise PolicyError(f"{path.name}: 文件为空 (empty file)")
    reader = {".pdf": _read_pdf, ".docx": _read_docx}.get(suffix, _read_text)
    text = reader(path, data)
    if len(text.strip()) < 20:
        raise PolicyError(f"{path.name}: 没有可识别的文字（可能是扫描件） (no text layer)")
    return SourceFile(path=path, text=text, sha256=hashlib.sha256(data).hexdigest())


def _read_text(path: Path, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise PolicyError(f"{path.name}: 不是文本文件 (binary content)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PolicyError(f"{path.name}: 无法识别的文字编码 (not UTF-8 or GB18030)")


def _read_pdf(path: Path, data: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted:
            raise PolicyError(f"{path.name}: PDF 已加密，无法读取 (encrypted PDF)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except PolicyError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise PolicyError(f"{path.name}: PDF 文件损坏，无法解析 ({type(exc).__name__})") from None
    # Page breaks become explicit markers so the cleaner treats PDFs like scraped e-books.
    return "".join(f"\n第{i}页\n{text}\n" for i, text in enumerate(pages, 1))


def _read_docx(path: Path, data: bytes) -> str:
    import zipfile
    from io import BytesIO

    try:
        import docx

        document = docx.Document(BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PolicyError(f"{path.name}: DOCX 文件损坏，无法解析 ({type(exc).__name__})") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t" + "\n\t".join(cell.text for cell in row.cells))
            lines.append("")
    return "\n".join(lines)

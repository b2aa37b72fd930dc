"""Stage 1: read a policy file into raw text.

Supports .txt/.md (UTF-8, UTF-16 with a BOM, GB18030 or Big5), .pdf (text layer;
an owner password that only restricts editing is no obstacle) and .docx. Anything
we cannot use raises ``PolicyError`` naming the file and the reason, whatever the
parsing library raised, so the caller can report every bad file and leave the
index as it was.
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


def load_file(path: Path, max_bytes: int | None = None) -> SourceFile:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise PolicyError(
            f"{path.name}: 不支持的文件类型 {suffix or '(无扩展名)'}，支持 .txt .md .pdf .docx"
        )
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise PolicyError(f"{path.name}: 文件过大（{size / 1048576:.1f} MB，上限 {max_bytes / 1048576:.0f} MB）")
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path.name}: 无法读取文件 ({type(exc).__name__})") from None
    if not data.strip():
        raise PolicyError(f"{path.name}: 文件为空 (empty file)")
    reader = {".pdf": _read_pdf, ".docx": _read_docx}.get(suffix, _read_text)
    try:
        text = reader(path, data)
    except PolicyError:
        raise
    except Exception as exc:  # noqa: BLE001 - a parser's own failure (zlib, XML, recursion…) is still "this file is unusable"
        kind = {".pdf": "PDF", ".docx": "DOCX"}.get(suffix, "文本")
        raise PolicyError(f"{path.name}: {kind} 文件损坏，无法解析 ({type(exc).__name__})") from None
    if len(text.strip()) < 20:
        raise PolicyError(f"{path.name}: 没有可识别的文字（可能是扫描件） (no text layer)")
    return SourceFile(path=path, text=text, sha256=hashlib.sha256(data).hexdigest())


def _read_text(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise PolicyError(f"{path.name}: UTF-16 文本损坏，无法解码") from None
    if b"\x00" in data[:4096]:
        raise PolicyError(f"{path.name}: 不是文本文件 (binary content)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # GB18030 decodes Big5 bytes without an error, into nonsense: let a detector choose.
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    if best is None:
        raise PolicyError(f"{path.name}: 无法识别的文字编码（支持 UTF-8、UTF-16、GB18030、Big5）")
    return str(best)


def _read_pdf(path: Path, data: bytes) -> str:
    import logging
    import warnings
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings are ours to report, once
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(BytesIO(data))
            # An owner password only restricts printing or editing: every reader opens it with "".
            if reader.is_encrypted and not reader.decrypt(""):
                raise PolicyError(f"{path.name}: PDF 有打开密码，无法读取 (encrypted PDF)")
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

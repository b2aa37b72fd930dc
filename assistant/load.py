"""Stage 1: read a policy file into raw text.

Supports .txt/.md (UTF-8, UTF-16 with a BOM, GB18030 or Big5), .pdf (text layer,
and OCR for pages that are only an image; an owner password that only restricts
editing is no obstacle), .docx, .html/.htm (a saved policy page: the main text,
without the site's navigation) and .ofd (GB/T 33190). Anything we cannot use
raises ``PolicyError`` naming the file and the reason, whatever the parsing
library raised, so the caller can report every bad file and leave the index as
it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import CORPUS_DATA_DIRS, SUPPORTED_SUFFIXES
from .models import PolicyError

# Told (pages done, pages to do) while scanned pages are recognised: OCR takes seconds a page.
OcrProgress = Callable[[int, int], None]
# A page with fewer characters than this in its text layer is treated as an image of text.
MIN_TEXT_LAYER_CHARS = 10


@dataclass(frozen=True)
class OcrPage:
    """A page whose text was recognised from an image: its number and what was read."""

    page: int  # 1-based
    text: str


@dataclass(frozen=True)
class SourceFile:
    path: Path
    text: str
    sha256: str  # of the file's bytes
    ocr: tuple[OcrPage, ...] = ()

    @property
    def ocr_pages(self) -> tuple[int, ...]:
        return tuple(p.page for p in self.ocr)


@dataclass(frozen=True)
class _Reader:
    kind: str  # how a person names the format in a message
    read: Callable[..., tuple[str, tuple[OcrPage, ...]]]


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


def load_file(path: Path, max_bytes: int | None = None, on_ocr: OcrProgress | None = None) -> SourceFile:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise PolicyError(
            f"{path.name}: 不支持的文件类型 {suffix or '(无扩展名)'}，支持 {' '.join(SUPPORTED_SUFFIXES)}"
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
    reader = READERS.get(suffix, READERS[".txt"])
    try:
        text, ocr = reader.read(path, data, on_ocr)
    except PolicyError:
        raise
    except Exception as exc:  # noqa: BLE001 - a parser's own failure (zlib, XML, recursion…) is still "this file is unusable"
        raise PolicyError(f"{path.name}: {reader.kind} 文件损坏，无法解析 ({type(exc).__name__})") from None
    if len(text.strip()) < 20:
        raise PolicyError(f"{path.name}: 没有可识别的文字（空白页或无法识别的扫描件） (no text)")
    return SourceFile(path=path, text=text, sha256=hashlib.sha256(data).hexdigest(), ocr=ocr)


def _read_text(path: Path, data: bytes, on_ocr: OcrProgress | None = None) -> tuple[str, tuple[OcrPage, ...]]:
    return _decode(path, data), ()


def _decode(path: Path, data: bytes) -> str:
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


def _read_pdf(path: Path, data: bytes, on_ocr: OcrProgress | None = None) -> tuple[str, tuple[OcrPage, ...]]:
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
            scanned = [i for i, page in enumerate(reader.pages) if _is_image_only(pages[i], page)]
    except PolicyError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise PolicyError(f"{path.name}: PDF 文件损坏，无法解析 ({type(exc).__name__})") from None
    if scanned:
        from .ocr import lines_to_text, pdf_page_image, recognise

        for done, i in enumerate(scanned):
            if on_ocr:
                on_ocr(done, len(scanned))
            pages[i] = lines_to_text(recognise(pdf_page_image(data, i)))
        if on_ocr:
            on_ocr(len(scanned), len(scanned))
    # Page breaks become explicit markers so the cleaner treats PDFs like scraped e-books.
    text = "".join(f"\n第{i}页\n{page}\n" for i, page in enumerate(pages, 1))
    return text, tuple(OcrPage(i + 1, pages[i]) for i in scanned if pages[i].strip())


def _is_image_only(text: str, page) -> bool:
    """A page whose text layer is (nearly) empty but which draws an image: a scan."""
    if len("".join(text.split())) >= MIN_TEXT_LAYER_CHARS:
        return False
    try:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        return any(xobjects[name].get("/Subtype") == "/Image" for name in xobjects) or _has_inline_image(page)
    except (KeyError, TypeError, AttributeError, ValueError):
        return True  # an unreadable resource dictionary: let the renderer and OCR decide


def _has_inline_image(page) -> bool:
    contents = page.get_contents()
    return bool(contents is not None and b"BI" in contents.get_data())


def _read_docx(path: Path, data: bytes, on_ocr: OcrProgress | None = None) -> tuple[str, tuple[OcrPage, ...]]:
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
    return "\n".join(lines), ()


def _read_html(path: Path, data: bytes, on_ocr: OcrProgress | None = None) -> tuple[str, tuple[OcrPage, ...]]:
    """A saved web page: trafilatura keeps the article (title, paragraphs, tables) and drops the
    site's navigation, breadcrumbs, share buttons and footer."""
    import logging

    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    found = trafilatura.bare_extraction(
        data, include_tables=True, include_comments=False, favor_precision=True, with_metadata=True
    )
    text = getattr(found, "text", None) or ""
    if not text.strip():
        return "", ()
    body = text.strip()
    title = (getattr(found, "title", None) or "").strip()
    # The page's own heading comes first, as on paper; the <title> often carries the site's name.
    if title and title[:12] not in body[:300]:
        body = f"{title}\n{body}"
    return body, ()


def _read_ofd(path: Path, data: bytes, on_ocr: OcrProgress | None = None) -> tuple[str, tuple[OcrPage, ...]]:
    """OFD (GB/T 33190), the Chinese fixed-layout format: text objects in reading order, page by page."""
    import ofdkit

    try:
        with ofdkit.open(data) as document:
            pages = [page.text() for page in document.pages]
    except ofdkit.OFDError as exc:
        raise PolicyError(f"{path.name}: OFD 文件损坏或不受支持，无法解析 ({type(exc).__name__})") from None
    return "".join(f"\n第{i}页\n{text}\n" for i, text in enumerate(pages, 1)), ()


READERS: dict[str, _Reader] = {
    ".txt": _Reader("文本", _read_text),
    ".md": _Reader("文本", _read_text),
    ".pdf": _Reader("PDF", _read_pdf),
    ".docx": _Reader("DOCX", _read_docx),
    ".html": _Reader("HTML", _read_html),
    ".htm": _Reader("HTML", _read_html),
    ".ofd": _Reader("OFD", _read_ofd),
}

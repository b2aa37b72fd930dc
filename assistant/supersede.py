"""Which policy replaced which: "原《…》（…号）同时废止 / 停止执行" read from a later document,
linked both ways across the knowledge base.

Reading is per document (``read_repeals``, at the structure stage: what a text says it
repeals). Linking needs every document at once, so it runs when an index is built
(``link``): a reference is matched by 文号 first, then by title (the title as cited, or the
policy a 印发 notice carries). The earlier document is superseded from the day the later one
takes effect; a draft supersedes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .docnumber import DOC_NUMBER_IN_TEXT, normalise_doc_number, same_document_number
from .models import DocumentMeta, PolicyDocument
from .tokens import bare
from .validity import sentences

# The verb closes its clause: "原《…》同时废止。", not "…失效的合同".
_REPEAL = re.compile(r"(?:同时|予以|一并|即行|自行)?(?:废止|停止执行|不再执行|失效|作废)(?=[。；，,;]|$)")
_TITLE = re.compile(r"《([^《》]{4,80})》")
_CARRIER = re.compile(r"关于(?:印发|转发|下发)(.+?)的(?:通知|决定|函)$")


@dataclass(frozen=True)
class Link:
    earlier: str  # doc_id of the document repealed
    later: str  # doc_id of the document that repeals it
    reference: str  # as the later document names it


def read_repeals(text: str) -> list[str]:
    """The documents this text says it repeals, as it names them: "《标题》（文号）" or a 文号."""
    found: list[str] = []
    for _, sentence in sentences(text):
        verb = _REPEAL.search(sentence)
        if not verb:
            continue
        before = re.split(r"[，；,;]", sentence[: verb.start()])[-1]
        titles = list(_TITLE.finditer(before))
        for m in titles:
            after = before[m.end(): m.end() + 30]
            number = DOC_NUMBER_IN_TEXT.match(after.lstrip("（(").strip()) if after[:1] in "（(" else None
            found.append(f"《{m.group(1)}》" + (f"（{normalise_doc_number(number.group(0))}）" if number else ""))
        if not titles:
            found += [f"（{normalise_doc_number(n.group(0))}）" for n in DOC_NUMBER_IN_TEXT.finditer(before)]
    return list(dict.fromkeys(found))


def _names(meta: DocumentMeta) -> set[str]:
    names = {bare(meta.title)}
    carried = _CARRIER.search(meta.title)
    if carried:
        names.add(bare(carried.group(1)))
    return {n for n in names if n}


def _matches(reference: str, meta: DocumentMeta) -> bool:
    if normalise_doc_number(reference) and meta.doc_number:
        return same_document_number(reference, meta.doc_number)
    title = _TITLE.search(reference)
    if not title:
        return False
    wanted = bare(title.group(1))
    return any(wanted == name or (len(wanted) >= 10 and wanted in name) for name in _names(meta))


def link(documents: list[PolicyDocument]) -> list[Link]:
    """Set every document's supersession fields from the others' repeal clauses; return the links.
    Fields are recomputed from scratch, so removing the later document frees the earlier one."""
    for doc in documents:
        doc.meta.superseded_by = None
        doc.meta.superseded_by_title = None
        doc.meta.superseded_on = None
        doc.meta.supersedes = []
        doc.meta.supersedes_titles = []
    links: list[Link] = []
    for later in documents:
        if later.meta.draft or not later.meta.repeals:
            continue
        for reference in later.meta.repeals:
            for earlier in documents:
                if earlier is later or not _matches(reference, earlier.meta):
                    continue
                earlier.meta.superseded_by = later.meta.doc_id
                earlier.meta.superseded_by_title = later.meta.title
                earlier.meta.superseded_on = later.meta.valid_from or later.meta.issued
                later.meta.supersedes.append(earlier.meta.doc_id)
                later.meta.supersedes_titles.append(earlier.meta.title)
                links.append(Link(earlier.meta.doc_id, later.meta.doc_id, reference))
    return links

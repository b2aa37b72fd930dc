"""Rules bound to the clause tree: every subsidy rule names the document and clause it encodes,
and a build that cannot find them fails, naming the rule. A rule therefore never outlives its
text: an edited or replaced document whose clause changed stops the build until the rule is
checked again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .calculate import RuleFile
from .models import PolicyDocument


@dataclass(frozen=True)
class Binding:
    rule_id: str
    doc_id: str
    clause_id: str  # the clause whose text holds the rule's quoted words


def _bare(text: str) -> str:
    """Compared without spacing and punctuation width: '（含）' and '(含)' are the same words."""
    text = text.replace("（", "(").replace("）", ")").replace("，", ",").replace("：", ":").replace("；", ";")
    return re.sub(r"[\s。;,]", "", text)


def bind_rules(rule_files: list[RuleFile], documents: dict[str, PolicyDocument]) -> tuple[list[Binding], list[str]]:
    """(bindings, problems): each rule to the clause under its ``section`` that quotes its ``clause``."""
    bindings: list[Binding] = []
    problems: list[str] = []
    for rule_file in rule_files:
        doc_id = rule_file.policy.doc_id
        document = documents.get(doc_id)
        if document is None:
            problems.append(f"规则文件《{rule_file.policy.title}》所依据的文档 {doc_id} 不在知识库中")
            continue
        said = rule_file.policy.overlap_clause
        if said and _bare(said) not in _bare(document.text):
            problems.append(f"规则文件《{rule_file.policy.title}》：在原文中找不到它引用的叠加/就高条款：{said}")
        for rule in rule_file.rules:
            quoted = _bare(rule.clause)
            section = _bare(rule.section)
            found = [
                c for c in document.clauses
                if quoted in _bare(c.text) and _bare(c.section).startswith(section)
            ]
            if not found:
                problems.append(f"规则 {rule.id}：在《{document.meta.title}》{rule.section} 中找不到它引用的条款原文")
                continue
            deepest = max(found, key=lambda c: c.level)
            bindings.append(Binding(rule.id, doc_id, deepest.clause_id))
    return bindings, problems

"""Rules bound to the clause tree: every subsidy rule names the document and clause it encodes,
and a build that cannot find them fails, naming the rule. A rule therefore never outlives its
text: an edited or replaced document whose clause changed stops the build until the rule is
checked again.

Binding also joins each rule file to its document's metadata: the calculator takes a policy's
title, 文号 and validity (expired, superseded, draft) from the document, never from the rule file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from . import rules as rule_data
from .config import CORPUS_DIR, Limits
from .models import DocumentMeta, PolicyDocument, PolicyError
from .rules import FactSpec, Membership, Policy, Rule, RuleFile, fact_names
from .tokens import bare


@dataclass(frozen=True)
class Binding:
    rule_id: str
    doc_id: str
    clause_id: str  # the clause whose text holds the rule's quoted words


@dataclass(frozen=True)
class BoundPolicy:
    """A rule file joined to its document."""

    policy: Policy
    meta: DocumentMeta  # title, 文号, validity: one source, the document's
    rules: tuple[Rule, ...]
    exclusions: tuple[Membership, ...]
    clause_ids: dict[str, str]  # rule id → clause id

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    @property
    def title(self) -> str:
        return self.meta.short_title

    @property
    def cited_as(self) -> str:
        return self.meta.doc_number or self.title

    def exclusions_of(self, rule: Rule) -> list[Membership]:
        return list(self.exclusions) + rule.exclusions


@dataclass(frozen=True)
class Catalogue:
    """Every rule whose document is in the knowledge base, with the facts they read."""

    facts: dict[str, FactSpec]
    policies: tuple[BoundPolicy, ...]

    def rules(self) -> Iterator[tuple[Rule, BoundPolicy]]:
        for policy in self.policies:
            for rule in policy.rules:
                yield rule, policy

    def policy(self, doc_id: str) -> BoundPolicy:
        return next(p for p in self.policies if p.doc_id == doc_id)

    def facts_by_policy(self) -> list[tuple[str, list[str]]]:
        """The form's groups: facts several policies read first, then each policy's own facts,
        in the order facts.yaml lists them."""
        per_policy = [(p.title, {n for r in p.rules for n in fact_names(r)} | {e.fact for e in p.exclusions})
                      for p in self.policies]
        count: dict[str, int] = {}
        for _, names in per_policy:
            for name in names:
                count[name] = count.get(name, 0) + 1
        order = list(self.facts)
        groups = [("多项政策共用", [n for n in order if count.get(n, 0) > 1])]
        groups += [(title, [n for n in order if n in names and count[n] == 1]) for title, names in per_policy]
        return [(title, names) for title, names in groups if names]


def bind_rules(rule_files: list[RuleFile], documents: dict[str, PolicyDocument]) -> tuple[list[Binding], list[str]]:
    """(bindings, problems): each rule to the clause under its ``section`` that quotes its ``clause``."""
    bindings: list[Binding] = []
    problems: list[str] = []
    for rule_file in rule_files:
        doc_id = rule_file.policy.doc_id
        document = documents.get(doc_id)
        if document is None:
            problems.append(f"规则文件（{doc_id}）所依据的文档不在知识库中")
            continue
        title = document.meta.short_title
        said = rule_file.policy.overlap_clause
        if said and bare(said) not in bare(document.text):
            problems.append(f"规则文件《{title}》：在原文中找不到它引用的叠加/就高条款：{said}")
        for rule in rule_file.rules:
            local = getattr(rule.formula, "local", None)
            if local and bare(local.wording) not in bare(document.text):
                problems.append(f"规则 {rule.id}：在《{title}》中找不到它引用的地方标准原文：{local.wording}")
            quoted = bare(rule.clause)
            section = bare(rule.section)
            found = [
                c for c in document.clauses
                if quoted in bare(c.text) and bare(c.section).startswith(section)
            ]
            if not found:
                problems.append(f"规则 {rule.id}：在《{title}》{rule.section} 中找不到它引用的条款原文")
                continue
            deepest = max(found, key=lambda c: c.level)
            bindings.append(Binding(rule.id, doc_id, deepest.clause_id))
    return bindings, problems


def catalogue_for(documents: dict[str, PolicyDocument]) -> Catalogue:
    """The rules whose documents these are, each policy joined to its document's metadata.
    A rule file whose document is absent (an index of other documents) contributes nothing; one
    whose clauses no longer match is an error (a build refuses it; rules edited since say so)."""
    facts, rule_files = rule_data.load_rules()  # through the module: tests may hand it other rules
    present = [f for f in rule_files if f.policy.doc_id in documents]
    bindings, problems = bind_rules(present, documents)
    if problems:  # the rules changed after the index was built: never drop a policy silently
        raise PolicyError("补贴规则与知识库中的条款对不上，请重新运行 `policy-assistant ingest`：\n" + "\n".join(problems))
    clause_of = {b.rule_id: b.clause_id for b in bindings}
    policies = []
    for rule_file in present:
        document = documents[rule_file.policy.doc_id]
        policies.append(BoundPolicy(
            policy=rule_file.policy, meta=document.meta, rules=tuple(rule_file.rules),
            exclusions=tuple(rule_file.exclusions), clause_ids={r.id: clause_of[r.id] for r in rule_file.rules},
        ))
    return Catalogue(facts=facts, policies=tuple(policies))


@lru_cache(maxsize=1)
def bundled_catalogue() -> Catalogue:
    """The rules over the bundled corpus read from its files (0.1 s, no index or model needed):
    for the calculator used as a library or from the command line without an index."""
    from . import supersede
    from .ingest import parse_files
    from .load import find_files

    try:
        documents, _ = parse_files(find_files([CORPUS_DIR]), Limits())
    except PolicyError as exc:
        raise PolicyError(f"无法读取内置语料以加载补贴规则：{exc}") from None
    supersede.link(list(documents.values()))
    return catalogue_for(documents)

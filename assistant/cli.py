"""policy-assistant: the command line. Every subcommand is a thin shell over
``assistant.service`` or ``assistant.ingest``; heavy libraries load only when a
subcommand needs them, so ``--help`` is instant.

Errors a person can fix print one line on stderr and exit 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from .models import PolicyError


def _as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{value!r}") from None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, default=None, help="索引目录（默认 index/，环境变量 POLICY_INDEX_DIR）")
    parser.add_argument("--as-of", type=_as_of, default=None, help="判断政策是否有效的日期，默认今天")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policy-assistant", description="嘉兴惠企政策助手：有出处的政策问答、条款查询、补贴测算")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="把政策文件加入索引（默认 corpus/）")
    p.add_argument("paths", nargs="*", type=Path)
    p.add_argument("--json", action="store_true")
    p.add_argument("--remove", nargs="+", metavar="DOC_ID", help="从索引中移除文档")
    p.add_argument("--replace", action="store_true", help="允许用新文件替换同名的已有文档（会明确报告）")
    _common(p)

    p = sub.add_parser("index", help="索引缺失或过期时重建（make index）")
    _common(p)

    p = sub.add_parser("ask", help="提问，得到带出处的回答")
    p.add_argument("question", nargs="?")
    p.add_argument("--questions", type=Path, help="JSONL 文件，每行一个 {id, question}")
    p.add_argument("--json", action="store_true")
    _common(p)

    p = sub.add_parser("lookup", help="条款查询（关键词或 文号+条款号）")
    p.add_argument("query")
    p.add_argument("--doc", action="append", help="只查这个文档（doc_id，可多次）")
    p.add_argument("--status", action="append", choices=["current", "expired", "draft", "not_yet_effective", "unknown"])
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--json", action="store_true")
    _common(p)

    p = sub.add_parser("calc", help="补贴测算")
    p.add_argument("--facts", type=Path, help="企业情况 JSON 文件")
    p.add_argument("--list-facts", action="store_true", help="列出规则读取的全部事实")
    p.add_argument("--json", action="store_true")
    _common(p)

    p = sub.add_parser("eval", help="用问题集评测")
    p.add_argument("--questions", type=Path, required=True)
    p.add_argument("--json", action="store_true")
    p.add_argument("--report", type=Path, help="写 Markdown 报告和图表到此目录")
    p.add_argument("--gate", type=Path, help="阈值文件；低于阈值时退出码为 1")
    _common(p)

    p = sub.add_parser("serve", help="启动网页 http://127.0.0.1:7860")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    _common(p)

    p = sub.add_parser("bench", help="速度与内存基准，写报告")
    p.add_argument("--report", type=Path, default=Path("evals/reports/bench.md"))
    p.add_argument("--questions", type=Path, default=Path("evals/questions.jsonl"))
    _common(p)
    return parser


def _settings(args: argparse.Namespace):
    from .config import Settings

    return Settings.from_env(index_dir=args.index, as_of=args.as_of)


def _calculator(settings):
    """The engine over the index's documents when there is an index (their validity, as built),
    else over the bundled corpus read from its files."""
    from functools import partial

    from .bind import bundled_catalogue, catalogue_for
    from .calculate import calculate
    from .store import Index

    index = Index.open_if_exists(settings.index_dir, settings)
    catalogue = catalogue_for(index.documents) if index else None
    return partial(calculate, catalogue=catalogue if catalogue and catalogue.policies else bundled_catalogue())


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=None if isinstance(data, list) else 1))


def cmd_ingest(args) -> int:
    from .ingest import ingest

    settings = _settings(args)

    def progress(done: int, total: int) -> None:
        if not args.json:
            print(f"\r向量化 {done}/{total}", end="", file=sys.stderr, flush=True)

    def waiting(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def recognising(name: str, done: int, total: int) -> None:
        if not args.json:
            end = "\n" if done == total else ""
            print(f"\r文字识别（OCR）{name}：第 {done}/{total} 页", end=end, file=sys.stderr, flush=True)

    report = ingest(args.paths or None, settings, progress=progress, remove=args.remove, replace=args.replace,
                    on_wait=waiting, on_ocr=recognising)
    if report.replaced:
        print(f"注意：已用新文件替换 {len(report.replaced)} 个已有文档：{'、'.join(report.replaced)}", file=sys.stderr)
    if args.json:
        _print_json(report.to_json())
    else:
        print(file=sys.stderr)
        print(
            f"索引：{report.documents} 个文档，{report.chunks} 个片段；新增 {len(report.added)}，更新 {len(report.updated)}，"
            f"未变 {len(report.skipped)}，移除 {len(report.removed)}；向量化 {report.build.embedded if report.build else 0} 个片段"
        )
    return 0


def cmd_index(args) -> int:
    from .ingest import ingest, is_fresh

    settings = _settings(args)
    if is_fresh(settings):
        print("索引已是最新 (index is fresh)")
        return 0
    report = ingest(None, settings)
    seconds = report.build.seconds if report.build else 0.0
    print(f"索引已重建：{report.documents} 个文档，{report.chunks} 个片段，用时 {seconds:.1f} 秒")
    return 0


def cmd_ask(args) -> int:
    from .evaluate import load_questions
    from .service import PolicyAssistant

    if not args.question and not args.questions:
        raise PolicyError("请给出问题，或用 --questions FILE.jsonl")
    rows = load_questions(args.questions) if args.questions else [{"id": None, "question": args.question}]
    assistant = PolicyAssistant(_settings(args))
    failed = 0
    for row in rows:
        try:
            answer = assistant.ask(row["question"], qid=row.get("id"), facts=row.get("facts"))
        except PolicyError as exc:  # one bad question never stops a batch
            failed += 1
            if args.json:
                print(json.dumps({"id": row.get("id"), "question": row["question"], "error": str(exc)}, ensure_ascii=False))
            else:
                print(f"错误：{exc}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            print(answer.answer)
            for c in answer.citations[:3]:
                print(f"\n[{c.n}] 《{c.doc_title}》{c.doc_number or ''} {c.section}（{c.status}）\n{c.text}")
    return 2 if failed and len(rows) == 1 else 0


def cmd_lookup(args) -> int:
    from .retrieve import Filters
    from .service import PolicyAssistant

    assistant = PolicyAssistant(_settings(args))
    found = assistant.find(args.query, filters=Filters(doc_ids=args.doc, statuses=args.status), k=args.k)
    if args.json:
        _print_json([c.to_json() for c in found.citations()])
        return 0
    shown = lambda c: print(f"[{c.n}] 《{c.doc_title}》{c.doc_number or ''} {c.section}（{c.status}）\n{c.text}\n")  # noqa: E731
    more = f"（列出前 {len(found.exact)} 条）" if found.exact_total > len(found.exact) else ""
    print(f"精确匹配 {found.exact_total} 条{more}" if found.exact_total else f"没有条款包含「{found.query}」", file=sys.stderr)
    for c in found.exact:
        shown(c)
    if found.related:
        print(f"—— 相关条款 {len(found.related)} 条 ——", file=sys.stderr)
        for c in found.related:
            shown(c)
    return 0


def cmd_calc(args) -> int:
    from .rules import list_facts

    settings = _settings(args)
    if args.list_facts:
        facts = list_facts()
        if args.json:
            _print_json(facts)
        else:
            for f in facts:
                print(f"{f['name']}\t{f['type']}\t{f.get('unit') or ''}\t{f['meaning']}")
        return 0
    if not args.facts:
        raise PolicyError("请用 --facts FILE.json 给出企业情况，或用 --list-facts 查看可填的事实")
    if not args.facts.exists():
        raise PolicyError(f"{args.facts}: 文件不存在")
    try:
        facts = json.loads(args.facts.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PolicyError(f"{args.facts}: 不是合法的 JSON（第{exc.lineno}行）") from None
    result = _calculator(settings)(facts, settings.today())
    if args.json:
        _print_json(result.to_json())
    else:
        from .calc_text import render_summary

        print(render_summary(result))
    return 0


def cmd_eval(args) -> int:
    from .evaluate import run_eval

    return run_eval(args.questions, _settings(args), as_json=args.json, report_dir=args.report, gate=args.gate)


def cmd_serve(args) -> int:
    from .serve import serve

    serve(_settings(args), host=args.host, port=args.port)
    return 0


def cmd_bench(args) -> int:
    from .bench import run_bench

    run_bench(_settings(args), args.questions, args.report)
    return 0


COMMANDS = {
    "ingest": cmd_ingest,
    "index": cmd_index,
    "ask": cmd_ask,
    "lookup": cmd_lookup,
    "calc": cmd_calc,
    "eval": cmd_eval,
    "serve": cmd_serve,
    "bench": cmd_bench,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except PolicyError as exc:
        for line in str(exc).splitlines() or [""]:
            print(f"错误：{line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `… | head`: the reader has gone, nothing is wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # noqa: BLE001 - a person sees one line; POLICY_DEBUG=1 shows the traceback
        import os

        if os.environ.get("POLICY_DEBUG"):
            raise
        print(f"内部错误（请报告，设置 POLICY_DEBUG=1 可看详情）：{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

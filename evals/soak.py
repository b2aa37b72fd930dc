"""Soak: page users, a concurrent upload and a killed ingest against one index, on loopback.

    .venv/bin/python evals/soak.py [--users 8] [--seconds 90]      (make soak)

A copy of the built index is served by a real `policy-assistant serve` process. USERS
threads ask questions through gradio_client (/ask) for SECONDS; meanwhile one ingest
adds a document and another is killed with SIGKILL mid-build. Prints requests served,
errors, p50/p95 latency and the documents before and after; exits 1 if any request
failed or any document was lost. Bounded in time and count; sends nothing off-machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin" / "policy-assistant"
os.environ["HF_HUB_OFFLINE"] = "1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def documents(index: Path) -> set[str]:
    active = index / "active" / "documents.jsonl"
    return {json.loads(line)["meta"]["doc_id"] for line in active.read_text(encoding="utf-8").splitlines()}


def notice(folder: Path, name: str, topic: str, clauses: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    body = "".join(f"（{n}）对新落户的{topic}企业第{n}类项目给予一次性奖励{n + 10}万元。\n" for n in range(1, clauses + 1))
    path = folder / name
    path.write_text(f"关于支持{topic}产业的通知\n一、支持措施\n{body}", encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=90.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    index = work / "index"
    shutil.copytree(ROOT / "index", index, symlinks=True)
    env = {**os.environ, "POLICY_INDEX_DIR": str(index)}
    port = free_port()
    server = subprocess.Popen([str(BIN), "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    questions = [json.loads(line)["question"] for line in (ROOT / "evals" / "questions-blind.jsonl").read_text(encoding="utf-8").splitlines()]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    try:
        from gradio_client import Client

        deadline = time.monotonic() + 120
        while True:
            try:
                Client(f"http://127.0.0.1:{port}/", verbose=False)
                break
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() > deadline or server.poll() is not None:
                    print("服务未能启动", file=sys.stderr)
                    return 1
                time.sleep(1)
        before = documents(index)
        stop = time.monotonic() + args.seconds

        def user(number: int) -> None:
            client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            i = number
            while time.monotonic() < stop:
                question = questions[i % len(questions)]
                i += args.users
                started = time.perf_counter()
                try:
                    answer, _ = client.predict(question, api_name="/ask")
                    if not isinstance(answer, str) or not answer or "内部错误" in answer:
                        raise RuntimeError(f"bad answer: {answer!r:.80}")
                    with lock:
                        latencies.append((time.perf_counter() - started) * 1000)
                except Exception as exc:  # noqa: BLE001 - counted and shown
                    with lock:
                        errors.append(f"{question[:20]}…: {type(exc).__name__}: {exc}"[:200])

        users = [threading.Thread(target=user, args=(n,)) for n in range(args.users)]
        for thread in users:
            thread.start()
        time.sleep(min(5, args.seconds / 6))
        upload = subprocess.Popen([str(BIN), "ingest", str(notice(work / "up", "海豚.txt", "海豚", 20))], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        doomed = subprocess.Popen([str(BIN), "ingest", str(notice(work / "kill", "白鹭.txt", "白鹭", 80))], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(min(8, args.seconds / 4))
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
        upload_error = upload.communicate(timeout=600)[1]
        for thread in users:
            thread.join()
        after = documents(index)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    latencies.sort()

    def pick(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

    lost = before - after
    print(f"users {args.users}, {args.seconds:.0f} s: requests served {len(latencies)}, errors {len(errors)}, "
          f"p50 {pick(0.5):.0f} ms, p95 {pick(0.95):.0f} ms")
    print(f"documents before {len(before)}, after {len(after)}; added {sorted(after - before)}; lost {sorted(lost)}")
    print(f"concurrent upload: exit {upload.returncode}{'; ' + upload_error.strip() if upload.returncode else ''}; "
          f"killed ingest: exit {doomed.returncode} (SIGKILL)")
    for line in errors[:10]:
        print("  error:", line)
    ok = not errors and not lost and upload.returncode == 0 and "海豚" in after
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

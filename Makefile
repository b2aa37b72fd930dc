# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup index run test lint eval eval-blind eval-colloquial eval-external eval-all bench bench-ocr soak browser clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.setup-*
	touch $(STAMP)

index: setup
	$(BIN)/policy-assistant index

# `make run PORT=8080 HOST=0.0.0.0` to serve elsewhere.
HOST ?= 127.0.0.1
PORT ?= 7860
run: setup index
	$(BIN)/policy-assistant serve --host $(HOST) --port $(PORT)

# Debian's chromium for the browser tests; Playwright drives it and never fetches a browser of its own.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium missing: sudo apt-get install chromium fonts-noto-cjk"; fi; }

test: setup browser
	$(BIN)/ruff check assistant tests app.py
	$(BIN)/mypy
	$(BIN)/pytest -q

eval: setup index
	$(BIN)/policy-assistant eval --questions evals/questions.jsonl --report evals/reports/latest --gate evals/thresholds.json

# Questions written the blind way (an owner's situation in everyday words, never the clause's phrase).
eval-blind: setup index
	$(BIN)/policy-assistant eval --questions evals/questions-blind.jsonl --report evals/reports/blind --gate evals/thresholds-blind.json

# Layperson questions over statutes (STARD, written by others), with near-miss unanswerables; its own index.
STARD := ../shared/benchmarks/stard-dev
eval-colloquial: setup
	$(BIN)/policy-assistant ingest $(STARD)/corpus --index index-stard
	$(BIN)/policy-assistant eval --questions $(STARD)/questions.jsonl --index index-stard --report evals/reports/colloquial --gate evals/thresholds-colloquial.json

eval-all: eval eval-blind eval-colloquial eval-external

# The external question set (real government-policy QA written by others), its own corpus and index.
EXTERNAL := ../shared/benchmarks/ncp-policy-qa
eval-external: setup
	$(BIN)/policy-assistant ingest $(EXTERNAL)/corpus --index index-external
	$(BIN)/policy-assistant eval --questions $(EXTERNAL)/questions.jsonl --index index-external --report evals/reports/external --gate evals/thresholds-external.json

# Page users + a concurrent upload + a killed ingest on one index, on loopback (about 2 minutes; not in CI).
soak: setup index
	$(BIN)/python evals/soak.py --users 8 --seconds 90

bench: setup index
	$(BIN)/policy-assistant bench

# OCR character accuracy and seconds per page on pages of the bundled corpus printed as scans.
bench-ocr: setup browser
	$(BIN)/python evals/ocr_bench.py --pages 10

clean:
	rm -rf index/gen-* index/active index/.building-* index-external index-stard .pytest_cache

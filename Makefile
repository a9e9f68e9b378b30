# Two commands do everything:  `make run` (install, index, start)  and  `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: install browser run test test-fast eval bench

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3
	# llama-cpp-python compiles from source the first time (~5-20 min on 2 cores); pip caches the wheel.
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the browser test (Playwright drives it; it never downloads a browser of its own).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed (sudo apt-get install chromium): the browser test will be skipped"; fi; }

# PORT=8502 make run (or make run PORT=8502) serves on another port; the browser test starts the app this way.
PORT ?= 8501
run: install
	$(VENV)/bin/study ingest
	$(VENV)/bin/streamlit run ui/app.py --server.address 127.0.0.1 --server.port $(PORT)

test: install browser
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not llm and not server"

eval: install
	$(VENV)/bin/study eval retrieval

# Speed and scale vs the raw engines (about 5 minutes when the machine is idle: 300 s on 28 Nov; writes docs/bench.md and evals/results/bench-*.json).
bench: install
	$(VENV)/bin/study bench

# Two commands do everything:  `make run` (install, index, start)  and  `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: install run test test-fast eval clean-index

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3
	# llama-cpp-python compiles from source the first time (~5-20 min on 2 cores); pip caches the wheel.
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/study ingest
	$(VENV)/bin/study shell

test: install
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not llm and not server"

eval: install
	$(VENV)/bin/study eval retrieval

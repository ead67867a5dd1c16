# 滨海新区节能减排一张图 — two commands: `make run` and `make test`. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
BINHAI_DB ?= data/binhai.duckdb
export BINHAI_DB

.DEFAULT_GOAL := help
.PHONY: help run serve test lint fmt seed list export brief bench clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

$(BINHAI_DB): | $(VENV)/.installed
	$(PY) -m layers seed

run: $(VENV)/.installed $(BINHAI_DB) ## create .venv, seed sample data if absent, serve on $PORT (default 8501)
	@echo "滨海新区节能减排一张图 → http://localhost:$(PORT)  (Ctrl-C 停止 / to stop)"
	$(PY) -m streamlit run server.py --server.port $(PORT) --server.address 0.0.0.0

test: $(VENV)/.installed ## ruff + the whole pytest suite (browser journeys included) + the store contract on PostGIS
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	RUN_BROWSER=1 $(PY) -m pytest -q
	RUN_BROWSER=1 bash tests/pg_contract.sh

lint: $(VENV)/.installed ## ruff check and format check only
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(VENV)/.installed ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

seed: $(VENV)/.installed ## (re)generate the illustrative sample data (SCALE=N for more parks)
	$(PY) -m layers seed --scale $${SCALE:-1}

list: $(VENV)/.installed ## layers in the store with feature counts
	$(PY) -m layers list

export: $(VENV)/.installed ## export every layer as GeoJSON to data/exports/
	mkdir -p data/exports
	for l in $$($(PY) -c "import layers; print(' '.join(layers.REGISTRY))"); do \
	  $(PY) -m layers export $$l --format geojson --out data/exports/$$l.geojson || exit 2; done

brief: $(VENV)/.installed ## the meeting brief of 目标考核 by 街镇 → data/exports/brief.pdf (needs fonts-wqy-zenhei)
	mkdir -p data/exports
	$(PY) -m layers brief --page assessment --level 街镇 --indicator energy_intensity --out data/exports/brief.pdf --force

$(VENV)/.bench-installed: requirements-bench.txt | $(VENV)/.installed
	$(VENV)/bin/pip install --quiet -r requirements-bench.txt
	touch $@

bench: $(VENV)/.installed $(VENV)/.bench-installed ## speed at district scale vs naive baselines → bench/results.json (≈ 5–10 min)
	$(PY) -m bench.run

clean: ## remove caches (keeps .venv and the store)
	rm -rf .pytest_cache .ruff_cache test-artifacts static/cache
	find . -name __pycache__ -not -path './.venv/*' -exec rm -rf {} +

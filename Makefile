# allguide — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Offline at run time: no hub downloads, no telemetry (the package sets these too).
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint format bench eval ingest install clean

run: install ingest
	$(BIN)/allguide serve

test: install lint
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check src tests app.py
	$(BIN)/ruff format --check src tests app.py
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests app.py
	$(BIN)/ruff check --fix src tests app.py

ingest: install
	$(BIN)/allguide ingest

bench: install ingest
	$(BIN)/python -m allguide.evaluation.bench

# The previous release's answers are scored beside ours once they are committed.
PREVIOUS_ANSWERS := evals/results/previous_answers.json
eval: install ingest
	$(BIN)/allguide eval --all-retrievers --out evals/results/latest.json \
		$(if $(wildcard $(PREVIOUS_ANSWERS)),--previous $(PREVIOUS_ANSWERS))

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the project's dependencies change. torch==2.13.0 is the CPU wheel on disk.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .allguide .pytest_cache .mypy_cache .ruff_cache

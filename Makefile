# The course's commands. `make lab` and `make test` set up .venv on first use.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# JupyterLab refuses to run as root (common in containers) unless told it may.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install lab test release grade fixtures figures bench clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml $(wildcard jupyter-config/*)
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.txt -e ".[test]"
	mkdir -p $(VENV)/etc/jupyter && cp jupyter-config/* $(VENV)/etc/jupyter/
	touch $(STAMP)

lab: install  ## open the course in JupyterLab
	$(BIN)/jupyter lab $(LAB_FLAGS) notebooks/01_environment/01_environment.ipynb

test: install  ## run every test: utils, fixtures, notebooks, nbgrader
	$(BIN)/python -m pytest

release: install  ## regenerate notebooks/ from solutions/ with nbgrader
	$(BIN)/python scripts/release.py

grade: install  ## autograde submitted/, write feedback/ and grades.csv (make grade WORKERS=4)
	$(BIN)/python scripts/grade.py --workers $(or $(WORKERS),1)

fixtures: install  ## regenerate data/ fixtures and data/SHA256SUMS
	$(BIN)/python scripts/make_fixtures.py

figures: install  ## redraw figures/
	$(BIN)/python scripts/make_figures.py

bench: install  ## print the benchmark figures
	$(BIN)/python scripts/bench_buffer.py
	$(BIN)/python scripts/bench_training.py
	$(BIN)/python scripts/bench_autograde.py
	$(BIN)/python scripts/bench_cohort.py

# Removes only what can be rebuilt. Never submitted/, downloaded/, the gradebook or the ledger:
# to start grading afresh, `python scripts/grade.py --reset` copies them to backups/ first.
clean:  ## remove the virtualenv, caches, autograded/, feedback/ and the report
	rm -rf $(VENV) .pytest_cache .ruff_cache autograded feedback report artifacts .release-check .release_stamp.json
	find . -name __pycache__ -type d -prune -not -path "./.git/*" -exec rm -rf {} +

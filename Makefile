# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv from the
# versions pinned in setup.cfg first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint format bench install clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,rl]'
	touch $(STAMP)

install: $(STAMP)

# Super-resolution end to end on scikit-learn's sample photos: train, evaluate vs bicubic,
# export to saved_models/super_resolution/<version>/ and write the figures.
demo: $(STAMP)
	$(VENV)/bin/kerasdl sr run --epochs 8 --steps-per-epoch 50

# One pytest worker per CPU core (pytest-xdist), each test module on one worker.
test: $(STAMP)
	$(PY) -m pytest -q -n auto --dist loadfile --no-loadscope-reorder --durations=25

test-fast: $(STAMP)
	$(PY) -m pytest -q -n auto --dist loadfile --no-loadscope-reorder -m "not slow"

# ruff, configured in pyproject.toml: the linter, and the formatter in check mode (CI runs this).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Side-by-side measurements written to benchmarks/results/*.json (uses ../shared/data). The
# peers extra (keras-cv's YOLOv8 for the detection benchmark) is optional: a part whose peer
# does not install is recorded as skipped.
bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[peers]' || echo "the peers extra did not install: its benchmark parts are skipped"
	$(PY) benchmarks/run.py

clean:
	rm -rf runs .pytest_cache

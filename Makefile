# `make run` and `make test` create the virtualenv on first use. VENV may point elsewhere
# (CI keeps one outside the clone, keyed by pyproject.toml, to avoid a 5.5 GB rebuild per run).
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.benchbench-deps

.PHONY: install run test test-all lint bench toy mutate clean

# The example plugin package (examples/lsgan) is installed beside it: the tests find its family
# through the entry-point group, as a user's installed package is found.
$(STAMP): pyproject.toml examples/lsgan/pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test,inception,ray,onnx]'
	$(VENV)/bin/pip install --quiet --no-deps -e examples/lsgan
	touch $(STAMP)

# The package itself is reinstalled (editable, no dependencies) each time: cheap, and it keeps a
# shared VENV pointing at this checkout.
install: $(STAMP)
	$(VENV)/bin/pip install --quiet --no-deps -e .

run: install
	$(VENV)/bin/benchbench run

toy: install
	$(VENV)/bin/benchbench run toy

# Formatting and a small lint rule set (pyproject.toml [tool.ruff]), then the tests.
lint: install
	$(VENV)/bin/ruff format --check benchbench tests examples
	$(VENV)/bin/ruff check benchbench tests examples

# The fast tests (about 3 minutes on 2 cores); test-all adds the end-to-end ones marked slow. One
# thread each: their tensors are small, and a second thread costs more than it brings (3 min 23 s
# with two, 2 min 55 s with one); trials still set their own thread count.
test: lint
	OMP_NUM_THREADS=1 $(VENV)/bin/python -m pytest -q -m "not slow" --ignore=tests/benchmarks

test-all: lint
	$(VENV)/bin/python -m pytest -q

# Microbenchmarks against the committed baseline; fails when a median is 25% slower.
bench: install
	$(VENV)/bin/python -m pytest -q tests/benchmarks --benchmark-only -o addopts="" \
		--benchmark-storage=file://baselines/pytest-benchmark --benchmark-compare=0001 \
		--benchmark-compare-fail=median:25%

# Mutation testing of losses, schedules, metrics and statistics (long: an hour or more on 2 cores).
mutate: install
	$(VENV)/bin/pip install --quiet -e '.[mutation]'
	$(VENV)/bin/mutmut run || true
	$(VENV)/bin/mutmut results > docs/mutation-results.txt

clean:
	rm -rf $(VENV) build *.egg-info

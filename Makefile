.PHONY: setup demo test test-unit lint down

PYTHON ?= python3

setup:
	bash deploy/scripts/setup.sh

demo: setup
	.venv/bin/vigie demo

# ruff, mypy --strict, then every test on the local stack (started if it is not running).
test:
	bash deploy/scripts/test.sh

# The unit tests alone: no server, no Java, Maven or Go needed.
test-unit: .venv/bin/pytest
	.venv/bin/pytest -p no:cacheprovider tests/unit

lint: .venv/bin/pytest
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
	.venv/bin/mypy shared services deploy/vigie_stack tests benchmarks tools

.venv/bin/pytest:
	[ -x .venv/bin/python ] || $(PYTHON) -m venv .venv
	.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev,stack]"

down:
	.venv/bin/vigie stack down

#!/usr/bin/env bash
# The test command: lint, types, then unit, integration and end-to-end tests on the real stack.
# Starts the local stack if it is not already running, and stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash deploy/scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"; ruff check . && ruff format --check .
echo "== mypy --strict"; mypy shared services deploy/vigie_stack tests benchmarks tools

# A stack already answering (someone's `vigie demo`) is used as it is and left running.
if ! python -c 'import sys; from vigie_stack import stack; sys.exit(0 if all(s.ready for s in stack.status()) else 1)'; then
  trap 'echo "== stack down"; vigie stack down || true' EXIT
  echo "== stack up"; vigie stack up --timeout 180
fi

echo "== pytest"
pytest -p no:cacheprovider tests/unit tests/integration tests/e2e "$@"

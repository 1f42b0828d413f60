#!/usr/bin/env bash
# The test command: lint, types, then unit, integration and end-to-end tests on the real stack.
# Starts the local stack if it is not already running, and stops only what it started.
# With VIGIE_TEST_BESIDE_DEMO=1 (CI sets it) it first runs `vigie demo`, as a person would before
# trying the tests, and runs the suite beside the demo's services; it stops them at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash deploy/scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

# One command a line: under `set -e` a failure on the left of `&&` would not stop the script.
echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy --strict"
mypy shared services deploy/vigie_stack tests benchmarks tools

stop_stack=0
stop_services=0
stop_extras=()
cleanup() {
  local status=$?
  # Everything this script started is stopped, whatever failed; nothing it did not start.
  if [ "$stop_services" = 1 ]; then echo "== demo services down"; vigie services down || true; fi
  if [ "${#stop_extras[@]}" -gt 0 ]; then
    echo "== ${stop_extras[*]} down"
    vigie stack down $(printf -- '--only %s ' "${stop_extras[@]}") || true
  fi
  if [ "$stop_stack" = 1 ]; then echo "== stack down"; vigie stack down || true; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A stack already answering (someone's `vigie demo`) is used as it is and left running; the
# monitoring (lag exporter, Prometheus) and tracing (Zipkin) extras that do not run yet are
# started beside it, and only those are stopped at the end.
if ! python -c 'import sys; from vigie_stack import stack; sys.exit(0 if all(s.ready for s in stack.status()) else 1)'; then
  stop_stack=1
  echo "== stack up --with monitoring --with tracing"
  vigie stack up --with monitoring --with tracing --timeout 180
else
  for extra in exporter prometheus zipkin; do
    if ! python -c 'import sys; from vigie_stack import stack; sys.exit(0 if stack.status([sys.argv[1]])[0].ready else 1)' "$extra"; then
      stop_extras+=("$extra")
    fi
  done
  if [ "${#stop_extras[@]}" -gt 0 ]; then
    echo "== stack up ${stop_extras[*]}"
    vigie stack up $(printf -- '--only %s ' "${stop_extras[@]}") --timeout 180
  fi
fi

if [ "${VIGIE_TEST_BESIDE_DEMO:-0}" = 1 ]; then
  # The demo's services already running (someone's `vigie demo`) are used as they are.
  if vigie services status >/dev/null; then
    echo "== demo already running: the tests run beside it"
  else
    stop_services=1
    echo "== demo (the tests then run beside its services)"; vigie demo --timeout 90
  fi
fi

echo "== pytest"
pytest -p no:cacheprovider tests/unit tests/integration tests/e2e tests/chaos "$@"

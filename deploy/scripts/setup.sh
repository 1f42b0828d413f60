#!/usr/bin/env bash
# Creates .venv and installs Vigie with its development tools. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/../.."

python=${PYTHON:-python3}
"$python" - <<'PY' || { echo "Vigie needs Python 3.11 or newer" >&2; exit 1; }
import sys
raise SystemExit(0 if sys.version_info >= (3, 11) else 1)
PY
for tool in java mvn go; do
  command -v "$tool" >/dev/null || { echo "the local stack needs '$tool' on PATH (see README)" >&2; exit 1; }
done
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"

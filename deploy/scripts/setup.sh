#!/usr/bin/env bash
# Creates .venv and installs Vigie with its development tools and the local stack. Safe to re-run.
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
# The preference-centre tests drive Debian's Chromium with Playwright (no browser download).
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "the browser tests need Debian's chromium: sudo apt-get install chromium" >&2
  fi
fi
# `vigie stack up --with monitoring` runs Debian's Prometheus; its promtool checks the alert rules.
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's prometheus for the local monitoring"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  else
    echo "the local monitoring needs Debian's prometheus: sudo apt-get install prometheus" >&2
  fi
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev,stack]"

#!/usr/bin/env bash
# The whole test suite: install the project with its test extras into .venv, then ruff, mypy --strict on
# ta/, the import contracts of .importlinter (the layers: an upward import fails here), pytest. This is the
# README's test command and what .ci/run calls. It needs only Python >= 3.11 with pip and venv (plus Debian's
# apt for the real-Prometheus end-to-end test, see scripts/install-prometheus.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
export PATH="$PWD/.venv/bin:$PATH"
if [ -x scripts/install-prometheus.sh ]; then scripts/install-prometheus.sh; fi
python -m ruff check .
python -m mypy ta
lint-imports --no-cache
python -m pytest

#!/usr/bin/env bash
# The whole test suite: install the project with its test extras, then ruff, mypy --strict on ta/, pytest.
# This is the README's test command and what .ci/run calls. It needs only Python >= 3.11 and pip (plus
# Debian's apt for the real-Prometheus end-to-end test, which scripts/install-prometheus.sh sets up).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e '.[test]'
if [ -x scripts/install-prometheus.sh ]; then scripts/install-prometheus.sh; fi
python3 -m ruff check .
python3 -m mypy ta
python3 -m pytest

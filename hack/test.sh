#!/usr/bin/env bash
# The full test suite: installs what it needs, then lint, type check and every test tier.
# Usage: hack/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
hack/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"
ruff check .
echo "== mypy"
mypy
echo "== pytest"
pytest -q -p no:cacheprovider "$@"

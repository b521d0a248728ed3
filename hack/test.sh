#!/usr/bin/env bash
# The full test suite: installs what it needs, then lint, type check and every test tier.
# The HTTP suites run against the embedded API server and against a real kube-apiserver +
# etcd built from Go modules by hack/realapi.sh (cached outside the checkout; the first
# build takes about 12 minutes on 2 cores, later runs reuse it).
# Usage: hack/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
hack/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"
ruff check .
echo "== mypy"
mypy

echo "== real kube-apiserver tier: build or reuse binaries"
if hack/realapi.sh >/dev/null; then
  export TEKPY_API_SERVERS="${TEKPY_API_SERVERS:-embedded,realapi}"
else
  echo "realapi: binaries unavailable; the realapi tests will skip with the reason" >&2
fi

echo "== pytest (servers: ${TEKPY_API_SERVERS:-embedded})"
pytest -q -p no:cacheprovider "$@"

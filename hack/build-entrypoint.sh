#!/usr/bin/env bash
# Build the packaged step entrypoint: ONE self-contained executable that runs in images with
# no Python and no libc, and an OCI image (from scratch) holding it at /ko-app/entrypoint.
#
# Usage: hack/build-entrypoint.sh [OUT_DIR]        (default: out/entrypoint)
# Produces: OUT_DIR/entrypoint       the executable (static launcher + runtime archive)
#           OUT_DIR/oci/             OCI image layout (index.json, blobs/sha256/...)
# Needs: a C compiler with a static libc (gcc + libc6-dev), ldd, and a CPython >= 3.11 whose
# shared libraries carry no RUNPATH (Debian's /usr/bin/python3; override with $PYTHON).
# See docs/entrypoint.md for the layout and the start-up figures.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-out/entrypoint}"
PYTHON="${PYTHON:-/usr/bin/python3}"
CC="${CC:-gcc}"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "build-entrypoint: $PYTHON is missing or older than 3.11 (apt-get install python3)" >&2
  exit 1
fi
command -v "$CC" >/dev/null || { echo "build-entrypoint: no C compiler (apt-get install gcc)" >&2; exit 1; }

mkdir -p "$OUT"
TREE="$("$PYTHON" -I hack/entrypoint/bundle.py tree "$OUT")"   # "<build id> <loader name>"
read -r BUILD_ID LOADER <<<"$TREE"
"$CC" -static -Os -s -Wall -Wextra -Wno-format-truncation -DBUILD_ID="\"$BUILD_ID\"" -DLOADER="\"$LOADER\"" \
  -o "$OUT/launcher" hack/entrypoint/launcher.c
"$PYTHON" -I hack/entrypoint/bundle.py assemble "$OUT"

VERSION="$("$PYTHON" -I -c 'import sys; sys.path.insert(0, "."); import tekpy_entrypoint as t; print(t.VERSION)')"
rm -rf "$OUT/oci"
"$PYTHON" -I hack/oci-image.py --layout "$OUT/oci" --ref "tekpy/entrypoint:v$VERSION" \
  --add "$OUT/entrypoint:/ko-app/entrypoint" --add "$OUT/rt:/ko-app/.tekpy-$BUILD_ID" \
  --entrypoint /ko-app/entrypoint
echo "built $OUT/entrypoint (build $BUILD_ID, $(du -h "$OUT/entrypoint" | cut -f1)) and $OUT/oci"

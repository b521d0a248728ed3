#!/usr/bin/env bash
# Build the controller image without a container engine: a minimal root file system (Debian's
# python3, the shared libraries it and the shipped extension modules link, the pruned standard
# library, tekpy's runtime dependencies from the project venv, tekpy itself, precompiled
# bytecode, CA certificates, the nonroot user 65532) and an OCI image layout of it.
#
# Usage: hack/build-controller-image.sh [OUT_DIR]        (default: out/controller)
# Produces: OUT_DIR/rootfs/   the root file system (runs as is under bubblewrap)
#           OUT_DIR/oci/      OCI image layout, tekpy/controller:v<VERSION>, three layers
# Needs: Debian's /usr/bin/python3 (override with $PYTHON), a venv of the same Python minor
# version with tekpy's dependencies installed (.venv, made by hack/bootstrap.sh; override with
# $VENV_PYTHON), ldd, strip (binutils), /etc/ssl/certs/ca-certificates.crt. See docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-out/controller}"
PYTHON="${PYTHON:-/usr/bin/python3}"
VENV_PYTHON="${VENV_PYTHON:-.venv/bin/python}"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "build-controller-image: $PYTHON is missing or older than 3.11 (apt-get install python3)" >&2
  exit 1
fi
[ -x "$VENV_PYTHON" ] || { echo "build-controller-image: no $VENV_PYTHON (run hack/bootstrap.sh)" >&2; exit 1; }
want="$("$PYTHON" -c 'import sys; print(sys.version_info[:2])')"
have="$("$VENV_PYTHON" -c 'import sys; print(sys.version_info[:2])')"
if [ "$want" != "$have" ]; then
  echo "build-controller-image: $VENV_PYTHON is Python $have but the image runs $PYTHON ($want):" \
       "extension modules would not load; make the venv with a $want interpreter" >&2
  exit 1
fi

mkdir -p "$OUT"
VERSION="$("$PYTHON" -I hack/controller-image/rootfs.py "$OUT" "$VENV_PYTHON")"
mapfile -t LAYERS <"$OUT/image.args"
rm -rf "$OUT/oci"
"$PYTHON" -I hack/oci-image.py --layout "$OUT/oci" --ref "tekpy/controller:v$VERSION" \
  "${LAYERS[@]}" --chown /home/nonroot=65532:65532 \
  --entrypoint=/usr/bin/python3 --entrypoint=-I --entrypoint=-m --entrypoint=tekpy \
  --cmd controller \
  --env PATH=/usr/bin --env LANG=C.UTF-8 --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --user 65532:65532
echo "built $OUT/rootfs ($(du -sh "$OUT/rootfs" | cut -f1)) and $OUT/oci ($(du -sh "$OUT/oci" | cut -f1))"

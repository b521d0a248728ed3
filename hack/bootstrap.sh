#!/usr/bin/env bash
# Installs what tekpy needs on a fresh Debian/Ubuntu machine: system packages and a
# project virtualenv (.venv) with tekpy installed in editable mode plus test tools.
# Idempotent: a warm run takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
command -v git >/dev/null || need_apt+=(git)
command -v openssl >/dev/null || need_apt+=(openssl)
# The packaged entrypoint: built with gcc from Debian's /usr/bin/python3, tested in a
# busybox-only root under bubblewrap.
command -v gcc >/dev/null || need_apt+=(gcc)
[ -f /usr/include/stdio.h ] || need_apt+=(libc6-dev)
[ -x /usr/bin/python3 ] || need_apt+=(python3)
[ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q static || need_apt+=(busybox-static)
command -v file >/dev/null || need_apt+=(file)
# The controller image ships the machine's CA bundle.
[ -f /etc/ssl/certs/ca-certificates.crt ] || need_apt+=(ca-certificates)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python3 - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"tekpy needs Python 3.11 or newer; found {sys.version.split()[0]}")
PY

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.tekpy-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test]'
  touch "$stamp"
else
  # Re-register the editable install so packages added since the last install resolve.
  .venv/bin/pip install -q --no-deps -e . 2>&1 | grep -vE '^\s*$|Warning|!!|\*\*\*|corresp|wheel_obj|careful|name as your|precedence' || true
fi

#!/usr/bin/env bash
# Install everything dosi needs on a fresh Debian machine: system packages (when root and
# missing) and a virtual environment with the pinned Python dependencies. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

want_apt=()
if [ "${DOSI_SKIP_APT:-0}" != "1" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || { ls /usr/lib/postgresql/15 >/dev/null 2>&1 && want_apt+=(postgresql-15-postgis-3); }
  [ -n "${DOSI_NO_BROWSER:-}" ] || {
    dpkg -s chromium >/dev/null 2>&1 || want_apt+=(chromium)
    dpkg -s fonts-noto-cjk >/dev/null 2>&1 || want_apt+=(fonts-noto-cjk)
  }
  if [ ${#want_apt[@]} -gt 0 ]; then
    echo "setup: installing ${want_apt[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want_apt[@]}" >/dev/null
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.dosi-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi

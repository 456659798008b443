#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite on both stores, two workers.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
set +e
# Everything but the browser tests, on two workers; then the browser tests alone, so their
# timed live checks (a change on screen within 2 s) measure dosi, not a busy neighbour.
.venv/bin/python -m pytest -n 2 --dist loadgroup -q -m "not browser" "$@"
rc_main=$?
.venv/bin/python -m pytest -q -m browser "$@"
rc_browser=$?
set -e
for rc in "$rc_main" "$rc_browser"; do
  if [ "$rc" != "0" ] && [ "$rc" != "5" ]; then
    exit "$rc"
  fi
done
# pytest exits 5 when it collected no tests; that is only a failure if tests exist.
if [ "$rc_main" = "5" ] && [ "$rc_browser" = "5" ] && find tests -name 'test_*.py' | grep -q .; then
  exit 5
fi
exit 0

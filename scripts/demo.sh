#!/usr/bin/env bash
# Set up (if needed) and run the demo city: broker + sample data, control room on localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
DOSI_NO_BROWSER=1 ./scripts/setup.sh
exec .venv/bin/dosi demo "$@"

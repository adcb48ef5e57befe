#!/usr/bin/env bash
# The local stack on loopback.
#
#   scripts/stack.sh up     start everything, wait until every instance of every
#                           function under watch answers, write
#                           $STACK_DIR/endpoints.env, say how long it took, return
#   scripts/stack.sh down   stop everything `up` started, by process group
#
# The work is done by scripts/stack (a Python package, stdlib only, run by the
# project's venv): what each service is and the order they start in
# (commands.py, services.py), the knobs (config.py: STACK_DIR, STACK_SERVICES
# full or minimal, TABLE_NAME, PLATFORM_*, WATCH_CONCURRENCY, EVENT_SOURCE_*,
# RUST_LOG, WARM_TIMEOUT), watch's ignore file (workspace.py), the warm-up of
# the functions' instances (warm.py). Its tests: scripts/stack/tests.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-$PWD/.venv}
scripts/ensure-venv.sh >/dev/null
cd scripts
exec "$VENV/bin/python" -m stack "$@"

#!/usr/bin/env bash
# `make demo`: the local stack, the captured sample pushes sent to the
# webhook, and what was stored. Stops everything it started, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export STACK_DIR=.local/demo TABLE_NAME=whosent STACK_SERVICES=minimal
trap 'scripts/stack.sh down' EXIT
scripts/stack.sh up
set -a
. "$STACK_DIR/endpoints.env"
set +a
cargo run --quiet -p whosent-integration --bin demo

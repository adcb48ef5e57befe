#!/usr/bin/env bash
# The resolver's scenario benchmark, on moto started for it (see
# tests/integration/benches/scenario/main.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-venv.sh
export STACK_DIR=.local/bench TABLE_NAME=whosent-bench STACK_SERVICES=minimal
trap 'scripts/stack.sh down' EXIT
scripts/stack.sh up
set -a
. "$STACK_DIR/endpoints.env"
set +a
cargo bench -p whosent-integration --bench lookup
cargo bench -p whosent-integration --bench scenario "$@"
# Whosent at three sizes: per push, and the cost of a million pushes.
cargo bench -p whosent-integration --bench scenario -- growth

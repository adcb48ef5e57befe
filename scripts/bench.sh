#!/usr/bin/env bash
# The resolver's scenario benchmark, on moto started for it (see
# tests/integration/benches/scenario.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-venv.sh
export STACK_DIR=.local/bench TABLE_NAME=whosent-bench STACK_SERVICES=minimal
# Cold start of each function, exec to first /next on a stand-in Runtime API
# (tests/integration/benches/cold_start.rs): the release binaries and the
# anchor first, then the runs, before anything else is started.
cargo build --release -p webhook -p lookup -p resolver -p profile
cargo build --release -p whosent-integration --example cold_anchor
cargo bench -p whosent-integration --bench cold_start
trap 'scripts/stack.sh down' EXIT
scripts/stack.sh up
set -a
. "$STACK_DIR/endpoints.env"
set +a
cargo bench -p whosent-integration --bench lookup
cargo bench -p whosent-integration --bench scenario "$@"

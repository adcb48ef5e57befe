#!/usr/bin/env bash
# The benchmarks, each printed beside its anchor: the push hot path beside
# wechatpy on the identical push (scripts/bench/hot_path.py), each function's
# cold start beside a do-nothing function, then, on moto started for them,
# the lookup API, DynamoDB requests per push, and the resolver's scenario
# with what a push costs as the work grows (see tests/integration/benches/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-venv.sh
"${VENV:-.venv}/bin/python" scripts/bench/hot_path.py
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
# DynamoDB requests and round trips per push, by kind of push.
cargo bench -p whosent-integration --bench push_requests
cargo bench -p whosent-integration --bench scenario "$@"
# Whosent at four sizes, the largest 100 accounts and a million pushes (by
# user list, about 6 minutes here): per push, and the cost of a million pushes.
cargo bench -p whosent-integration --bench scenario -- growth large

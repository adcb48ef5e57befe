#!/usr/bin/env bash
# The benchmarks: the push hot path beside wechatpy on the identical push
# (scripts/bench/hot_path.py), then the lookup and the resolver's scenario
# benchmarks on moto started for them (see tests/integration/benches/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-venv.sh
"${VENV:-.venv}/bin/python" scripts/bench/hot_path.py
export STACK_DIR=.local/bench TABLE_NAME=whosent-bench STACK_SERVICES=minimal
trap 'scripts/stack.sh down' EXIT
scripts/stack.sh up
set -a
. "$STACK_DIR/endpoints.env"
set +a
cargo bench -p whosent-integration --bench lookup
# DynamoDB requests and round trips per push, by kind of push.
cargo bench -p whosent-integration --bench push_requests
cargo bench -p whosent-integration --bench scenario "$@"

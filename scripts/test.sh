#!/usr/bin/env bash
# `make test`: every test. Starts the local stack the integration tests use
# (moto, the webhook under `cargo lambda watch`) and stops it afterwards; the
# browser test starts and stops a full stack of its own before that.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-venv.sh
# The local stack's program (scripts/stack): unit tests, seconds.
"${VENV:-.venv}/bin/python" -m unittest discover -s scripts/stack/tests -t scripts
cargo build --workspace --all-targets
# The local stack itself (tests/stack): each test starts and stops a minimal
# stack of its own, before the one below exists, so that their reloads and
# killed instances touch nobody else's.
tests/stack/run.sh
# The page in a real browser (tests/browser): a full stack of its own, with
# the emulator, started and stopped the same way; Debian's chromium and
# Playwright installed on first use. Screenshots: .local/test-output/browser/.
# Minutes: only in the whole suite, not when arguments pick some cargo tests.
if [ $# -eq 0 ]; then
  tests/browser/run.sh
fi
# Only moto and the webhook: the tests read the stream and call the resolver
# themselves, so no event source may take the records from them.
export STACK_DIR=.local/test TABLE_NAME=whosent-test STACK_SERVICES=minimal
trap 'scripts/stack.sh down' EXIT
scripts/stack.sh up
set -a
. "$STACK_DIR/endpoints.env"
set +a
cargo test --workspace --all-targets "$@"
# The SAM template (cfn-lint, tests/template): seconds, no AWS.
scripts/template-check.sh

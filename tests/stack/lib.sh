# Helpers of the local stack's tests (sourced): each test starts a minimal
# stack (moto, the webhook under `cargo lambda watch`) in its own STACK_DIR,
# on loopback, and stops it and removes what it made when it exits.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export STACK_SERVICES=minimal TABLE_NAME=whosent-stack-test
CLEANUP=()

fail() {
  echo "FAIL $TEST: $*" >&2
  echo "  last lines of $STACK_DIR/logs/watch.log:" >&2
  tail -n 15 "$STACK_DIR/logs/watch.log" 2>/dev/null | sed 's/^/    /' >&2 || true
  exit 1
}

stack_up() {
  trap stack_down EXIT
  scripts/stack.sh up >/dev/null
  WEBHOOK_URL=$(sed -n 's/^WEBHOOK_URL=//p' "$STACK_DIR/endpoints.env")
}

stack_down() {
  scripts/stack.sh down >/dev/null 2>&1 || true
  [ ${#CLEANUP[@]} -eq 0 ] || rm -rf "${CLEANUP[@]}"
}

# answered SECONDS: the webhook answers a request (an unknown route: 404, no
# AWS call) within SECONDS.
answered() {
  local code
  code=$(curl -s -m "$1" -o /dev/null -w '%{http_code}' "$WEBHOOK_URL/stack-test") || true
  [ "$code" = 404 ]
}

# runs: how many times watch has started a function's process so far.
runs() {
  grep -c 'Running `' "$STACK_DIR/logs/watch.log" || true
}

# settle: waits (at most 15 s) until watch has started nothing for 3 s.
settle() {
  local before
  for _ in 1 2 3 4 5; do
    before=$(runs)
    sleep 3
    [ "$(runs)" != "$before" ] || return 0
  done
}

# instances NAME: the pids of the function's processes under this stack's watch.
instances() {
  ps -e -o pid=,ppid=,comm= | awk -v root="$(cat "$STACK_DIR/pids/watch.pid")" -v name="$1" '
    { parent[$1] = $2; comm[$1] = $3 }
    END {
      for (pid in parent) {
        for (p = pid; p != "" && p != 0 && p != 1; p = parent[p]) {
          if (p == root) { if (comm[pid] == name) print pid; break }
        }
      }
    }'
}

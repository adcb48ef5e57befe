#!/usr/bin/env bash
# The local stack on loopback: moto (DynamoDB, Streams, Secrets Manager) and
# the functions under `cargo lambda watch`.
#
#   scripts/stack.sh up     start everything, write $STACK_DIR/endpoints.env, return
#   scripts/stack.sh down   stop everything `up` started, by process group
#
# STACK_DIR (default .local) holds pids, logs and endpoints.env, so that
# several stacks (the demo, the tests) can run side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STACK_DIR=${STACK_DIR:-.local}
VENV=${VENV:-$ROOT/.venv}
TABLE_NAME=${TABLE_NAME:-whosent}
mkdir -p "$STACK_DIR/pids" "$STACK_DIR/logs"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start NAME COMMAND...: runs COMMAND in its own process group, logs to the stack dir.
start() {
  local name=$1; shift
  setsid "$@" >"$STACK_DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$STACK_DIR/pids/$name.pid"
}

wait_for() {
  local what=$1 url=$2 tries=${3:-120}
  for _ in $(seq "$tries"); do
    if curl -s -o /dev/null "$url"; then return 0; fi
    sleep 0.5
  done
  echo "$what did not come up; its log:" >&2
  tail -n 30 "$STACK_DIR/logs/$what.log" >&2 || true
  return 1
}

up() {
  "$ROOT/scripts/ensure-venv.sh" >/dev/null
  export PATH="$VENV/bin:$PATH"
  local moto_port watch_port
  moto_port=$(free_port)
  watch_port=$(free_port)
  start moto "$VENV/bin/python" scripts/moto_server.py --host 127.0.0.1 --port "$moto_port"
  wait_for moto "http://127.0.0.1:$moto_port/"

  cat >"$STACK_DIR/functions.env" <<ENV
TABLE_NAME=$TABLE_NAME
AWS_ENDPOINT_URL=http://127.0.0.1:$moto_port
AWS_ACCESS_KEY_ID=testing
AWS_SECRET_ACCESS_KEY=testing
AWS_REGION=us-east-1
RUST_LOG=info
ENV
  # Build first, so that watch starts serving at once.
  cargo build --quiet --bin webhook
  start watch cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$watch_port" \
    --env-file "$STACK_DIR/functions.env" --bin webhook
  wait_for watch "http://127.0.0.1:$watch_port/"

  cat >"$STACK_DIR/endpoints.env" <<ENV
AWS_ENDPOINT_URL=http://127.0.0.1:$moto_port
AWS_ACCESS_KEY_ID=testing
AWS_SECRET_ACCESS_KEY=testing
AWS_REGION=us-east-1
TABLE_NAME=$TABLE_NAME
WEBHOOK_URL=http://127.0.0.1:$watch_port/lambda-url/webhook
ENV
  echo "local stack up: $STACK_DIR/endpoints.env"
}

down() {
  local pidfile pid
  for pidfile in "$STACK_DIR"/pids/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
  rm -f "$STACK_DIR/endpoints.env"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac

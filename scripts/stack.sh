#!/usr/bin/env bash
# The local stack on loopback.
#
#   scripts/stack.sh up     start everything, write $STACK_DIR/endpoints.env, return
#   scripts/stack.sh down   stop everything `up` started, by process group
#
# STACK_SERVICES=full (the default) starts:
#   - moto (DynamoDB, Streams, Secrets Manager), with the table and the API
#     keys secret created;
#   - the platform emulator (`platform serve`), its accounts' callbacks
#     pointed at the webhook;
#   - `cargo lambda watch`, serving every function of functions/*;
#   - event-source, the stand-in for the stream's event source mappings,
#     invoking the resolver and the profile function (those that exist)
#     through watch's invoke API.
# STACK_SERVICES=minimal starts moto and the webhook under watch only (the
# integration tests read the stream and call the resolver themselves).
#
# STACK_DIR (default .local) holds pids, logs, endpoints.env and the dead
# letters, so that several stacks (the demo, the tests) can run side by side.
# Any folder will do, inside the checkout or not: watch only reacts to the
# functions' sources (see watch_ignore), so a stack's writes never restart the
# functions of this one or of another stack; only a folder among those sources
# is refused.
#
# Knobs: TABLE_NAME (whosent), PLATFORM_SEED (7), PLATFORM_ACCOUNTS (2),
# PLATFORM_FOLLOWERS (200), PLATFORM_LATENCY and PLATFORM_DELAY (console
# latency and delay, as `platform serve --latency/--delay`: 0..2, exp:1 …),
# PLATFORM_ARGS (more `platform serve` options), WATCH_CONCURRENCY (instances
# per function, 3; minimal: watch's own 1 unless set), EVENT_SOURCE_WINDOW_MS (0, as the template),
# EVENT_SOURCE_ARGS (more event-source options), RUST_LOG (info).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STACK_DIR=${STACK_DIR:-.local}
STACK_SERVICES=${STACK_SERVICES:-full}
VENV=${VENV:-$ROOT/.venv}
TABLE_NAME=${TABLE_NAME:-whosent}
API_KEYS_SECRET=whosent/api-keys

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start NAME COMMAND...: runs COMMAND in its own process group, logs to the stack dir.
start() {
  local name=$1; shift
  setsid "$@" >"$STACK_DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$STACK_DIR/pids/$name.pid"
}

fail_with_log() {
  echo "$1 did not come up; its log:" >&2
  tail -n 30 "$STACK_DIR/logs/$1.log" >&2 || true
  return 1
}

wait_for() {
  local what=$1 url=$2 tries=${3:-120}
  for _ in $(seq "$tries"); do
    if curl -s -o /dev/null "$url"; then return 0; fi
    sleep 0.5
  done
  fail_with_log "$what"
}

# wait_for_line NAME TEXT: until the service's log has TEXT.
wait_for_line() {
  local what=$1 text=$2 tries=${3:-240}
  for _ in $(seq "$tries"); do
    if grep -qF "$text" "$STACK_DIR/logs/$what.log" 2>/dev/null; then return 0; fi
    if ! kill -0 "$(cat "$STACK_DIR/pids/$what.pid")" 2>/dev/null; then break; fi
    sleep 0.5
  done
  fail_with_log "$what"
}

# The workspace's cargo metadata, asked once.
metadata() {
  [ -n "${METADATA:-}" ] || METADATA=$(cargo metadata --no-deps --format-version 1)
  printf '%s' "$METADATA"
}

# The binaries of the functions/* crates: the functions watch serves.
function_names() {
  metadata | python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
for package in meta["packages"]:
    if os.path.relpath(package["manifest_path"]).startswith("functions" + os.sep):
        for target in package["targets"]:
            if "bin" in target["kind"]:
                print(target["name"])
' | sort
}

# watch_ignore FILE: writes the ignore file of `cargo lambda watch`
# (CARGO_LAMBDA_IGNORE_FILE) and checks that STACK_DIR is not among what it
# watches. Watch restarts every function on any change under the checkout
# that no ignore file excludes, and reads its ignore files once, at start: a
# nested .gitignore in a stack folder made later (another stack's) is not
# seen. So the file ignores everything but what the functions are built from
# (the root manifests, .cargo, the functions' packages and the workspace
# packages they depend on, from cargo metadata), whichever folders appear later.
watch_ignore() {
  metadata | python3 -c '
import json, os, sys
meta, out, stack_dir = json.load(sys.stdin), sys.argv[1], os.path.realpath(sys.argv[2])
root = os.path.realpath(meta["workspace_root"])
packages = {p["name"]: p for p in meta["packages"]}
def folder(p):
    return os.path.relpath(os.path.dirname(os.path.realpath(p["manifest_path"])), root)
todo = [p for p in meta["packages"] if folder(p).startswith("functions" + os.sep)]
watched = {".cargo"}
while todo:
    package = todo.pop()
    if folder(package) in watched:
        continue
    watched.add(folder(package))
    todo += [packages[d["name"]] for d in package["dependencies"]
             if d.get("path") and d["kind"] != "dev" and d["name"] in packages]
for folder in watched:
    if os.path.commonpath([stack_dir, os.path.join(root, folder)]) == os.path.join(root, folder):
        sys.exit(f"STACK_DIR={sys.argv[2]!r} is inside {folder}, which cargo lambda watch reloads the functions on; "
                 "choose a folder elsewhere")
# Gitignore rules, outermost first: each level ignores all but the way down.
within = lambda f, g: f == g or f.startswith(g + "/")
leaves = sorted(f for f in watched if not any(within(f, g) for g in watched if g != f))
rules = ["/*", "!/Cargo.toml", "!/Cargo.lock", "!/rust-toolchain", "!/rust-toolchain.toml"]
by_depth = {}
for leaf in leaves:
    parts = leaf.split("/")
    for depth in range(1, len(parts)):
        way = "/".join(parts[:depth])
        by_depth.setdefault(depth, []).extend([f"!/{way}/", f"/{way}/*"])
    by_depth.setdefault(len(parts), []).append(f"!/{leaf}/")
for depth in sorted(by_depth):
    rules += [r for i, r in enumerate(by_depth[depth]) if r not in by_depth[depth][:i]]
with open(out, "w") as f:
    f.write("# Written by scripts/stack.sh: cargo lambda watch reacts to these paths only.\n")
    f.write("\n".join(rules) + "\n")
' "$1" "$STACK_DIR"
}

target_dir() {
  metadata | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

# json FILE EXPRESSION: a value of the emulator's JSON (`d` is the document).
json() {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

running() {
  local pidfile
  for pidfile in "$STACK_DIR"/pids/*.pid; do
    [ -e "$pidfile" ] || continue
    if kill -0 -- "-$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  done
  return 1
}

up() {
  if running; then
    echo "a stack is already running in $STACK_DIR; run 'STACK_DIR=$STACK_DIR scripts/stack.sh down' first" >&2
    exit 1
  fi
  trap 'echo "stack: up failed; stopping what it started" >&2; down' ERR
  "$ROOT/scripts/ensure-venv.sh" >/dev/null
  export PATH="$VENV/bin:$PATH"
  case "$STACK_SERVICES" in
    full|minimal) ;;
    *) echo "STACK_SERVICES is full or minimal, not $STACK_SERVICES" >&2; exit 2 ;;
  esac
  local ignore_file
  ignore_file=$(mktemp)
  watch_ignore "$ignore_file" || { rm -f "$ignore_file"; exit 2; }
  mkdir -p "$STACK_DIR/pids" "$STACK_DIR/logs"
  mv "$ignore_file" "$STACK_DIR/watch.ignore"
  local moto_port watch_port endpoint functions f bin watch_env
  moto_port=$(free_port)
  watch_port=$(free_port)
  endpoint=http://127.0.0.1:$moto_port
  local webhook_url=http://127.0.0.1:$watch_port/lambda-url/webhook

  # Build first, so that watch serves at once. One function at a time: each
  # is built as `cargo run --bin NAME` (what watch runs) builds it.
  if [ "$STACK_SERVICES" = minimal ]; then functions=webhook; else functions=$(function_names); fi
  for f in $functions; do cargo build --quiet --bin "$f"; done
  if [ "$STACK_SERVICES" = full ]; then
    cargo build --quiet -p whosent-platform --bin platform
    cargo build --quiet -p whosent-admin --bin whosent
    cargo build --quiet -p whosent-local-stack --bin event-source
    bin=$(target_dir)/debug
  fi

  # Watch reacts to the functions' sources only (watch_ignore); an instance
  # that dies is started again in place (scripts/respawn.sh says why).
  local host
  host=$(rustc -vV | sed -n 's/^host: //p')
  watch_env=(env "CARGO_LAMBDA_IGNORE_FILE=$(cd "$STACK_DIR" && pwd)/watch.ignore"
    "CARGO_TARGET_$(echo "$host" | tr 'a-z-' 'A-Z_')_RUNNER=$ROOT/scripts/respawn.sh")

  start moto "$VENV/bin/python" scripts/moto_server.py --host 127.0.0.1 --port "$moto_port"
  wait_for moto "$endpoint/"

  cat >"$STACK_DIR/functions.env" <<ENV
TABLE_NAME=$TABLE_NAME
AWS_ENDPOINT_URL=$endpoint
AWS_ACCESS_KEY_ID=testing
AWS_SECRET_ACCESS_KEY=testing
AWS_REGION=us-east-1
RUST_LOG=${RUST_LOG:-info}
ENV

  if [ "$STACK_SERVICES" = minimal ]; then
    start watch "${watch_env[@]}" cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$watch_port" \
      --env-file "$STACK_DIR/functions.env" --bin webhook ${WATCH_CONCURRENCY:+--concurrency "$WATCH_CONCURRENCY"}
    wait_for watch "http://127.0.0.1:$watch_port/"
    cat >"$STACK_DIR/endpoints.env" <<ENV
AWS_ENDPOINT_URL=$endpoint
AWS_ACCESS_KEY_ID=testing
AWS_SECRET_ACCESS_KEY=testing
AWS_REGION=us-east-1
TABLE_NAME=$TABLE_NAME
WEBHOOK_URL=$webhook_url
ENV
    trap - ERR
    echo "local stack up (minimal: moto, webhook): $STACK_DIR/endpoints.env"
    return
  fi

  # The table and the lookup API's key.
  local api_key
  AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
    "$bin/whosent" --table "$TABLE_NAME" table create >/dev/null
  api_key=$(AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
    "$bin/whosent" --table "$TABLE_NAME" api-keys add --secret "$API_KEYS_SECRET")
  # The key of the sample lookup events, so that `cargo lambda invoke lookup
  # --data-file events/lookup-*.json` is answered on the local stack.
  WHOSENT_API_KEY=local-sample-key-0123456789 AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=testing \
    AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
    "$bin/whosent" --table "$TABLE_NAME" api-keys add --secret "$API_KEYS_SECRET" >/dev/null

  # The platform emulator: its printed JSON (accounts, credentials, URLs) is kept.
  local platform_json
  platform_json="$(cd "$STACK_DIR" && pwd)/platform.json"
  rm -f "$platform_json"
  local platform_args=(serve --seed "${PLATFORM_SEED:-7}" --accounts "${PLATFORM_ACCOUNTS:-2}"
    --followers "${PLATFORM_FOLLOWERS:-200}" --callback-base "$webhook_url")
  [ -z "${PLATFORM_LATENCY:-}" ] || platform_args+=(--latency "$PLATFORM_LATENCY")
  [ -z "${PLATFORM_DELAY:-}" ] || platform_args+=(--delay "$PLATFORM_DELAY")
  # shellcheck disable=SC2206 # PLATFORM_ARGS is a list of options.
  platform_args+=(${PLATFORM_ARGS:-})
  setsid "$bin/platform" "${platform_args[@]}" >"$platform_json" 2>"$STACK_DIR/logs/platform.log" </dev/null &
  echo $! >"$STACK_DIR/pids/platform.pid"
  local console_url=""
  for _ in $(seq 120); do
    console_url=$(json "$platform_json" 'd["console_url"]' 2>/dev/null) && break
    kill -0 "$(cat "$STACK_DIR/pids/platform.pid")" 2>/dev/null || break
    sleep 0.5
  done
  [ -n "$console_url" ] || fail_with_log platform

  echo "CONSOLE_URL=$console_url" >>"$STACK_DIR/functions.env"
  echo "API_KEYS_SECRET=$API_KEYS_SECRET" >>"$STACK_DIR/functions.env"
  # Several instances per function, as Lambda scales out: the platform's
  # pushes arrive side by side, and the resolver's lanes run side by side.
  start watch "${watch_env[@]}" cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$watch_port" \
    --env-file "$STACK_DIR/functions.env" --concurrency "${WATCH_CONCURRENCY:-3}"
  wait_for watch "http://127.0.0.1:$watch_port/"

  # The stream's mappings, for the functions that exist.
  local mappings=() names=()
  for f in resolver profile; do
    if printf '%s\n' $functions | grep -qx "$f"; then mappings+=(--mapping "$f"); names+=("$f"); fi
  done
  if [ ${#mappings[@]} -gt 0 ]; then
    # shellcheck disable=SC2206 # EVENT_SOURCE_ARGS is a list of options.
    local source_args=(--table "$TABLE_NAME" --invoke-url "http://127.0.0.1:$watch_port"
      --filters events/filters.json --template template.yaml --dlq-dir "$STACK_DIR/dlq" --window-ms "${EVENT_SOURCE_WINDOW_MS:-0}"
      "${mappings[@]}" ${EVENT_SOURCE_ARGS:-})
    start event-source env AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
      AWS_REGION=us-east-1 "$bin/event-source" "${source_args[@]}"
    wait_for_line event-source "event-source: ready"
  fi

  cat >"$STACK_DIR/endpoints.env" <<ENV
AWS_ENDPOINT_URL=$endpoint
AWS_ACCESS_KEY_ID=testing
AWS_SECRET_ACCESS_KEY=testing
AWS_REGION=us-east-1
TABLE_NAME=$TABLE_NAME
WEBHOOK_URL=$webhook_url
API_URL=http://127.0.0.1:$watch_port/lambda-url/lookup
API_KEY=$api_key
API_KEYS_SECRET=$API_KEYS_SECRET
CONSOLE_URL=$console_url
CONSOLE_USERNAME=$(json "$platform_json" 'd["accounts"][0]["account"]["username"]')
CONSOLE_PASSWORD=$(json "$platform_json" 'd["accounts"][0]["account"]["password"]')
TRUTH_URL=$(json "$platform_json" 'd["truth_url"]')
PLATFORM_ACCOUNTS_JSON=$platform_json
ENV
  trap - ERR
  echo "local stack up: $STACK_DIR/endpoints.env"
  echo "  functions under watch: $(echo $functions); stream mappings: ${names[*]:-none}"
  echo "  logs in $STACK_DIR/logs, dead letters in $STACK_DIR/dlq"
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
  rm -f "$STACK_DIR/endpoints.env" "$STACK_DIR/platform.json" "$STACK_DIR/watch.ignore"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac

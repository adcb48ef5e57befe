#!/usr/bin/env bash
# `make demo`: the whole pipeline on the local stack. `make up`, two of the
# emulator's accounts onboarded with the admin command line (one matched by
# time, one by user list), a traffic scenario with progress, the messages
# with their senders and a summary, then `make down` (unless DEMO_KEEP=1).
# Ctrl-C stops everything it started.
#
# Knobs: DEMO_PUSHES (240), DEMO_RATE (8 a second), DEMO_STRATEGIES (the two
# accounts' strategies, "time user_list"), PLATFORM_FOLLOWERS (200),
# PLATFORM_LATENCY (seconds added to every console answer, 0.05), DEMO_KEEP
# (1: leave the stack running at the end, to open the page; `make down`
# stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
export STACK_DIR=${STACK_DIR:-.local} TABLE_NAME=${TABLE_NAME:-whosent}
export PLATFORM_LATENCY=${PLATFORM_LATENCY:-0.05} PLATFORM_ACCOUNTS=2
finish() {
  local status=$?
  if [ "${DEMO_KEEP:-0}" = 1 ] && [ "$status" = 0 ]; then
    local down="make down"
    [ "$STACK_DIR" = .local ] || down="STACK_DIR=$STACK_DIR make down"
    echo
    echo "the stack stays up (DEMO_KEEP=1); open the page and sign in with the key:"
    echo "page: $API_URL/  (API key: $API_KEY)"
    echo "stop it with: $down"
  else
    scripts/stack.sh down
  fi
}
trap finish EXIT
trap 'echo; echo "stopping"; exit 130' INT TERM
scripts/stack.sh up
set -a
. "$STACK_DIR/endpoints.env"
set +a

whosent() { cargo run --quiet -p whosent-admin --bin whosent -- --local "$@"; }
field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["accounts"][int(sys.argv[2])]["account"][sys.argv[3]])' "$PLATFORM_ACCOUNTS_JSON" "$@"; }

echo
read -r -a strategies <<<"${DEMO_STRATEGIES:-time user_list}"
for i in 0 1; do
  # Secrets go through the environment, not the command line.
  WHOSENT_TOKEN=$(field "$i" token) WHOSENT_AES_KEY=$(field "$i" encoding_aes_key) \
    WHOSENT_PASSWORD=$(field "$i" password) \
    whosent accounts add --id "$(field "$i" id)" --appid "$(field "$i" appid)" --gh-id "$(field "$i" gh_id)" \
      --username "$(field "$i" username)" --strategy "${strategies[$i]}" --mode "$(field "$i" mode)"
done
echo
whosent accounts list
echo
cargo run --quiet -p whosent-integration --bin demo

#!/usr/bin/env bash
# respawn.sh BINARY [ARGS...]: the cargo runner of the functions under
# `cargo lambda watch` on the local stack (scripts/stack sets it for watch only, as
# CARGO_TARGET_<host>_RUNNER). Runs the function's binary, and runs it again
# whenever it dies: a panic, a crash, a kill.
#
# Why here: cargo lambda watch (1.9) runs each instance as `cargo run --bin
# NAME` under its own watchexec supervisor. When that process exits, the
# supervisor only logs "command exited" (or "command killed"); the instance
# keeps its place in the function's pool and is never replaced, so with
# `--concurrency N` each death costs a slot for good, and once all N have died
# every later invocation of the function waits for ever. Lambda would start a
# fresh execution environment instead. Starting the binary again in place
# does that for the dead instance alone: the other instances and their work
# in flight are untouched (restarting watch would drop them all and rebuild
# every function), and watch's reload on a source change still works, since
# watchexec stops this script with the binary (SIGTERM, then SIGKILL, to the
# process group), and a stopped runner does not start it again.
#
# The invocation the dead instance held is not answered; its caller gives up
# at its timeout, as with Lambda (event-source uses the template's Timeout).
set -u
[ $# -gt 0 ] || { echo "usage: $0 BINARY [ARGS...]" >&2; exit 2; }
name=${1##*/}
parent=$PPID
child=""

stop() {
  [ -z "$child" ] || kill -TERM "$child" 2>/dev/null
  [ -z "$child" ] || wait "$child" 2>/dev/null
  exit 143
}
trap stop TERM INT HUP

while :; do
  "$@" &
  child=$!
  wait "$child"
  status=$?
  child=""
  # Whoever started us (cargo run) is gone: nobody to serve, so no new instance.
  [ "$(ps -o ppid= -p $$ | tr -d ' ')" = "$parent" ] || exit "$status"
  echo "respawn: the $name instance exited (status $status); starting a new one in 1 s" >&2
  sleep 1
done

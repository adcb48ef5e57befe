#!/usr/bin/env bash
# When every instance of a function under watch dies (killed here; a panic or
# a crash alike), later invocations are still answered, and stopping the
# stack leaves no instance behind.
TEST=watch-replaces-dead-instances
. "$(dirname "$0")/lib.sh"
export STACK_DIR=.local/stack-test-$$ WATCH_CONCURRENCY=2
CLEANUP=("$STACK_DIR")
stack_up
answered 60 || fail "the webhook did not answer"
for round in 1 2; do
  pids=$(instances webhook)
  [ -n "$pids" ] || fail "round $round: no webhook instance under watch"
  # shellcheck disable=SC2086 # a list of pids
  kill -KILL $pids
  answered 30 || fail "round $round: no answer within 30 s once every webhook instance ($(echo $pids)) was killed"
done
grep -q 'respawn: the webhook instance exited (status 137)' "$STACK_DIR/logs/watch.log" ||
  fail "watch's log does not say that an instance was started again"

left=$(instances webhook)
stack_down
trap - EXIT
for pid in $left; do
  if kill -0 "$pid" 2>/dev/null; then fail "instance $pid outlived the stack"; fi
done
echo "ok   $TEST"

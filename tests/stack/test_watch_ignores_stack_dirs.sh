#!/usr/bin/env bash
# Writing to a stack folder inside the checkout (this stack's, and another one
# made after watch started) does not restart the functions under watch; a
# change among the functions' sources still does.
TEST=watch-ignores-stack-dirs
. "$(dirname "$0")/lib.sh"
export STACK_DIR=tmp-stack-test-$$       # inside the checkout, not in .gitignore
late=tmp-stack-test-$$-late
probe=functions/webhook/.stack-test-probe-$$
CLEANUP=("$STACK_DIR" "$late" "$probe")
stack_up
answered 60 || fail "the webhook did not answer"
settle
before=$(runs)

mkdir -p "$late/logs"
for i in $(seq 40); do
  echo "line $i" >>"$STACK_DIR/logs/noise.log"
  echo "line $i" >>"$late/logs/noise.log"
  sleep 0.2
done
sleep 5 # watch acts on changes at most every 3 s
after=$(runs)
[ "$after" = "$before" ] || fail "writing to stack folders restarted the functions $((after - before)) time(s)"
answered 30 || fail "the webhook did not answer after the writes"

: >"$probe"
for _ in $(seq 60); do [ "$(runs)" -le "$after" ] || break; sleep 0.25; done
rm -f "$probe"
[ "$(runs)" -gt "$after" ] || fail "a change in the webhook's package did not restart the functions"
answered 60 || fail "the webhook did not answer after its reload"
echo "ok   $TEST"

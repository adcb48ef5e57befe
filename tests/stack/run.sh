#!/usr/bin/env bash
# The local stack's tests (`make test` runs them): each starts and stops its
# own minimal stack; under a minute each.
set -euo pipefail
cd "$(dirname "$0")"
status=0
for test in test_*.sh; do
  ./"$test" || status=1
done
exit $status

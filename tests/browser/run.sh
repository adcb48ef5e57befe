#!/usr/bin/env bash
# The real-browser test of the lookup function's page (`make test` runs it):
# installs Debian's chromium and Playwright for Python on first use, starts a
# full local stack of its own (.local/test-browser), plays the emulator's
# traffic, drives the page and stops the stack. Screenshots of the main
# screens: .local/test-output/browser/. A few minutes.
#
# BROWSER_STACK_DIR=DIR reuses a stack already up in DIR (left running).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/ensure-chromium.sh
scripts/ensure-venv.sh
exec "${VENV:-.venv}/bin/python" -m unittest discover -s tests/browser -t tests/browser -v "$@"

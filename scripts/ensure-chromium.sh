#!/usr/bin/env bash
# Installs Debian's Chromium on first use, for the real-browser test
# (tests/browser): the test drives it with Playwright for Python, which is
# pointed at /usr/bin/chromium and never downloads a browser of its own.
# Also a few fonts, so that Chinese nicknames and emoji render in the
# screenshots. Needs root (CI runs as root) or sudo.
set -euo pipefail
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
run_as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "$CHROMIUM is missing: install Debian's chromium (apt-get install chromium) as root" >&2
    exit 1
  fi
}
echo "installing Debian's chromium for the browser test (first use)"
export DEBIAN_FRONTEND=noninteractive
run_as_root apt-get update -qq
run_as_root apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
  chromium fonts-noto-color-emoji fonts-wqy-zenhei >/dev/null
echo "installed $CHROMIUM"

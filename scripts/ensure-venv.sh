#!/usr/bin/env bash
# Creates the project-local Python venv with the local stack's tools
# (requirements-dev.txt) on first use, and again when that file changes.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
stamp="$VENV/.requirements"
if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && cmp -s requirements-dev.txt "$stamp"; then
  exit 0
fi
echo "installing the local stack's tools into $VENV (first use)"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements-dev.txt
cp requirements-dev.txt "$stamp"

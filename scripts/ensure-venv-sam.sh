#!/usr/bin/env bash
# Creates the project-local venv of the SAM CLI and cfn-lint
# (requirements-sam.txt) on first use, and again when that file changes. It is
# apart from .venv because the SAM CLI pins its own boto3.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV_SAM:-.venv-sam}
stamp="$VENV/.requirements"
if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && cmp -s requirements-sam.txt "$stamp"; then
  exit 0
fi
echo "installing the SAM CLI and cfn-lint into $VENV (first use)"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements-sam.txt
cp requirements-sam.txt "$stamp"

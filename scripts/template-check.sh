#!/usr/bin/env bash
# `make template-check`: cfn-lint on template.yaml, then the checks of
# tests/template (binaries, table schema, stream filters against
# events/filters.json, IAM boundaries, timeouts). Seconds; no AWS access.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-venv-sam.sh
export SAM_CLI_TELEMETRY=0
.venv-sam/bin/cfn-lint template.yaml
.venv-sam/bin/python -m unittest discover -s tests/template "$@"

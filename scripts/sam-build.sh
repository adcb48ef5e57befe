#!/usr/bin/env bash
# `make sam-build`: `sam build --beta-features` of template.yaml (into .aws-sam),
# each function built by cargo-lambda. Not part of `make test`: it compiles
# every function in release mode (minutes). Arguments go to `sam build`, e.g.
#   scripts/sam-build.sh --parameter-overrides Architecture=x86_64
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-venv.sh      # cargo-lambda, and the zig it cross-compiles with
scripts/ensure-venv-sam.sh  # the SAM CLI
export PATH="$PWD/.venv/bin:$PATH" SAM_CLI_TELEMETRY=0
exec nice .venv-sam/bin/sam build --beta-features "$@"

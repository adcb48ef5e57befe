# The two commands of the README, and a few helpers. Each installs what it
# needs into project-local folders (.venv, .local) on first use.
.PHONY: demo test check bench clean-local
.PHONY: template-check sam-build

## The main job on the local stack: pushes in, senders out.
demo:
	@scripts/demo.sh

## Every test, with the local services they use started and stopped.
test:
	@scripts/test.sh

## Formatting and lints, as CI runs them.
check:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

## Benchmarks; figures are printed side by side. The resolver's scenario
## runs on the platform emulator and a local moto (several minutes).
bench:
	cargo bench -p whosent-shared
	@scripts/bench.sh

clean-local:
	rm -rf .local

## The SAM template: cfn-lint and tests/template (also run by `make test`).
template-check:
	@scripts/template-check.sh

## sam build --beta-features (cargo-lambda, release): minutes, not in `make test`.
## `make sam-build ARCH=x86_64` builds for x86_64 (deploy with the same).
sam-build:
	@scripts/sam-build.sh $(if $(ARCH),--parameter-overrides Architecture=$(ARCH))

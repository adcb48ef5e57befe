# The two commands of the README, and a few helpers. Each installs what it
# needs into project-local folders (.venv, .local) on first use.
.PHONY: demo up down test check bench clean-local template-check sam-build

## The main job on the local stack: pushes in, senders out.
demo:
	@scripts/demo.sh

## The whole local stack, left running: moto with the table, the platform
## emulator, every function under `cargo lambda watch`, the stream's event
## source stand-in. Writes .local/endpoints.env (see README), and prints the
## page's URL with the stack's own local API key.
up:
	@scripts/stack.sh up
	@grep -v -E '^(CONSOLE_PASSWORD|API_KEY|AWS_SECRET_ACCESS_KEY)=' "$${STACK_DIR:-.local}/endpoints.env"
	@. "$${STACK_DIR:-.local}/endpoints.env"; [ -z "$${API_URL:-}" ] || echo "page: $$API_URL/  (API key: $$API_KEY)"

## Stops everything `make up` started.
down:
	@scripts/stack.sh down

## Every test, with the local services they use started and stopped.
test:
	@scripts/test.sh

## The SAM template: cfn-lint and tests/template (also run by `make test`).
template-check:
	@scripts/template-check.sh

## sam build --beta-features (cargo-lambda, release): minutes, not in `make test`.
## `make sam-build ARCH=x86_64` builds for x86_64 (deploy with the same).
sam-build:
	@scripts/sam-build.sh $(if $(ARCH),--parameter-overrides Architecture=$(ARCH))

## Formatting and lints, as CI runs them.
check:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

## Benchmarks; figures are printed side by side: the push hot path beside
## wechatpy on the identical push, then the resolver's scenario on the
## platform emulator and a local moto (several minutes).
bench:
	@scripts/bench.sh

clean-local:
	rm -rf .local

"""The local stack on loopback: `scripts/stack.sh up` and `down` run this package.

Modules:

* `config`: the settings read from the environment (STACK_DIR, STACK_SERVICES
  and the knobs), the AWS environment of every local client, and the env
  files the stack writes (`functions.env`, `endpoints.env`).
* `workspace`: what cargo says about the workspace: the functions, the
  folders `cargo lambda watch` reloads on (and its ignore file), the builds.
* `processes`: the stack folder (pids, logs), starting a service in its own
  process group, readiness waits, stopping by process group, the stopwatch
  of `up`.
* `services`: each service's command line and start: moto, the table and the
  API keys, the platform emulator, `cargo lambda watch`, the event source.
* `warm`: every instance of every function under watch started and
  answering before `up` returns.
* `commands`: `up` and `down`.
* `cli`: the command line.
"""

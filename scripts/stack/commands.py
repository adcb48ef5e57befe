"""`up` and `down`.

STACK_SERVICES=full (the default) starts:
  - moto (DynamoDB, Streams, Secrets Manager), with the table and the API
    keys secret created;
  - the platform emulator (`platform serve`), its accounts' callbacks
    pointed at the webhook;
  - `cargo lambda watch`, serving every function of functions/*;
  - event-source, the stand-in for the stream's event source mappings,
    invoking the resolver and the profile function (those that exist)
    through watch's invoke API.
STACK_SERVICES=minimal starts moto and the webhook under watch only (the
integration tests read the stream and call the resolver themselves).
Either returns once every instance of every function under watch answers
(`warm`), and says how long its start took.

STACK_DIR holds pids, logs, endpoints.env and the dead letters, so that
several stacks (the demo, the tests) can run side by side. Any folder will
do, inside the checkout or not, but one among the functions' sources (see
`workspace`). When `up` fails, it stops what it started.
"""

import os
import subprocess
import sys

from . import config, processes, workspace
from .config import SERVICES, Addresses
from .services import Run, stream_mappings

# Files `down` removes with the pids; functions.env, the logs and the dead letters stay.
WRITTEN = ("endpoints.env", "platform.json", "watch.ignore")


def down(settings):
    """Stops everything `up` started, by process group."""
    dirs = processes.StackDir(settings.stack_dir)
    processes.stop_all(dirs)
    for name in WRITTEN:
        try:
            os.remove(dirs.file(name))
        except FileNotFoundError:
            pass
    return 0


def up(settings):
    """Starts the stack and writes `endpoints.env`; returns the exit status."""
    stopwatch = processes.Stopwatch()
    dirs = processes.StackDir(settings.stack_dir)
    if processes.running(dirs):
        print(
            f"a stack is already running in {settings.stack_dir}; "
            f"run 'STACK_DIR={settings.stack_dir} scripts/stack.sh down' first",
            file=sys.stderr,
        )
        return 1
    if settings.services not in SERVICES:
        print(f"STACK_SERVICES is full or minimal, not {settings.services}", file=sys.stderr)
        return 2
    try:
        meta, rules = prepare(settings)
    except (workspace.Refused, subprocess.CalledProcessError, ValueError) as error:
        if isinstance(error, workspace.Refused):
            print(error, file=sys.stderr)
        return 2
    dirs.make()
    with open(dirs.file("watch.ignore"), "w") as f:
        f.write(workspace.ignore_file(rules))
    try:
        start(settings, dirs, meta, stopwatch)
    except BaseException as error:  # noqa: BLE001 - whatever stopped `up`, stop what it started
        print("stack: up failed; stopping what it started", file=sys.stderr)
        down(settings)
        if isinstance(error, subprocess.CalledProcessError):
            return error.returncode
        if isinstance(error, KeyboardInterrupt):
            return 130
        if not isinstance(error, processes.NotUp):
            print(f"stack: {error!r}", file=sys.stderr)
        return 1
    return 0


def prepare(settings):
    """The workspace's metadata and watch's ignore rules; refuses a stack folder among the sources."""
    meta = workspace.metadata(settings.root)
    watched = workspace.watched_folders(meta)
    workspace.check_stack_dir(meta, watched, settings.stack_dir)
    return meta, workspace.ignore_rules(watched)


def start(settings, dirs, meta, stopwatch):
    """Builds, then starts the services in order, each once the one before is ready,
    and returns once every instance of every function under watch answers."""
    addresses = Addresses(processes.free_port(), processes.free_port())
    functions = workspace.function_names(meta, settings.root) if settings.full else ["webhook"]
    # Build first, so that watch serves at once.
    workspace.build(settings.root, functions, settings.full)
    stopwatch.lap("build")
    run = Run(settings, dirs, addresses, workspace.bin_dir(meta))
    # Watch reacts to the functions' sources only (workspace), and an instance
    # that dies is started again in place (scripts/respawn.sh says why).
    watch_env = {
        "CARGO_LAMBDA_IGNORE_FILE": os.path.abspath(dirs.file("watch.ignore")),
        workspace.host_runner_variable(workspace.host_triple()): os.path.join(
            settings.root, "scripts", "respawn.sh"
        ),
    }
    run.moto()
    write(dirs.file("functions.env"), config.functions_env(settings, addresses))
    if not settings.full:
        run.watch(watch_env)
        stopwatch.lap("services")
        run.warm(functions)
        stopwatch.lap("warm-up")
        write(dirs.file("endpoints.env"), config.endpoints_env(settings, addresses))
        print(f"local stack up (minimal: moto, webhook) in {stopwatch.summary()}: {dirs.file('endpoints.env')}", flush=True)
        return
    api_key = run.tables_and_keys()
    platform = run.platform()
    write(dirs.file("functions.env"), config.functions_env_more(platform), "a")
    run.watch(watch_env)
    mappings = stream_mappings(functions)
    if mappings:
        run.event_source(mappings)
    stopwatch.lap("services")
    run.warm(functions)
    stopwatch.lap("warm-up")
    write(dirs.file("endpoints.env"), config.endpoints_env(settings, addresses, api_key, platform))
    print(f"local stack up in {stopwatch.summary()}: {dirs.file('endpoints.env')}")
    print(f"  functions under watch: {' '.join(functions)}; stream mappings: {' '.join(mappings) or 'none'}")
    print(f"  logs in {dirs.file('logs')}, dead letters in {dirs.file('dlq')}", flush=True)


def write(path, text, mode="w"):
    with open(path, mode) as f:
        f.write(text)

"""Each service of the stack: its command line, its start and its readiness.

The command lines are plain functions of the settings, so that they can be
read and tested without starting anything; `Run` starts them.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass

from . import processes, warm
from .config import API_KEYS_SECRET, LOOPBACK, SAMPLE_API_KEY, STREAM_FUNCTIONS, Platform, aws_env

EVENT_SOURCE_READY = "event-source: ready"


def moto_command(settings, addresses):
    python = os.path.join(settings.venv, "bin", "python")
    return [python, "scripts/moto_server.py", "--host", LOOPBACK, "--port", str(addresses.moto_port)]


def watch_command(settings, addresses, env_file):
    """`cargo lambda watch`: every function in the full stack, the webhook alone in the minimal one.

    Several instances per function in the full stack, as Lambda scales out:
    the platform's pushes arrive side by side, and the resolver's lanes run
    side by side.
    """
    command = ["cargo", "lambda", "watch", "--invoke-address", LOOPBACK]
    command += ["--invoke-port", str(addresses.watch_port), "--env-file", env_file]
    if settings.full:
        return command + ["--concurrency", str(settings.instances)]
    command += ["--bin", "webhook"]
    if settings.watch_concurrency:
        command += ["--concurrency", str(settings.instances)]
    return command


def platform_command(settings, bin_dir, addresses):
    """`platform serve`, its accounts' callbacks pointed at the webhook."""
    command = [os.path.join(bin_dir, "platform"), "serve", "--seed", settings.platform_seed]
    command += ["--accounts", settings.platform_accounts, "--followers", settings.platform_followers]
    command += ["--callback-base", addresses.webhook_url]
    if settings.platform_latency:
        command += ["--latency", settings.platform_latency]
    if settings.platform_delay:
        command += ["--delay", settings.platform_delay]
    return command + list(settings.platform_args)


def stream_mappings(functions):
    """The functions among `functions` that the stream invokes."""
    return [name for name in STREAM_FUNCTIONS if name in functions]


def event_source_command(settings, bin_dir, addresses, mappings, dlq_dir):
    command = [os.path.join(bin_dir, "event-source"), "--table", settings.table_name]
    command += ["--invoke-url", addresses.invoke_url]
    command += ["--filters", "events/filters.json", "--template", "template.yaml"]
    command += ["--dlq-dir", dlq_dir, "--window-ms", settings.event_source_window_ms]
    for name in mappings:
        command += ["--mapping", name]
    return command + list(settings.event_source_args)


def admin_commands(settings, bin_dir):
    """The table, the API key for the caller, and the sample events' key (the admin command line)."""
    whosent = [os.path.join(bin_dir, "whosent"), "--table", settings.table_name]
    add_key = whosent + ["api-keys", "add", "--secret", API_KEYS_SECRET]
    return whosent + ["table", "create"], add_key


def read_console_url(path):
    """The emulator's printed JSON once it names its console, else None."""
    try:
        with open(path) as f:
            document = json.load(f)
        return document if document.get("console_url") else None
    except (OSError, ValueError, AttributeError):
        return None


@dataclass
class Run:
    """One `up`: the settings, the stack folder, the ports and what cargo built."""

    settings: object
    dirs: processes.StackDir
    addresses: object
    bin_dir: str = ""

    def start(self, name, argv, extra_env=None, stdout=None):
        env = self.settings.child_env(extra_env)
        return processes.start(self.dirs, name, argv, env, stdout)

    def aws(self, more=None):
        return dict(aws_env(self.addresses.endpoint), **(more or {}))

    def moto(self):
        self.start("moto", moto_command(self.settings, self.addresses))
        processes.wait_for_url(self.dirs, "moto", self.addresses.endpoint + "/")

    def watch(self, watch_env):
        env_file = self.dirs.file("functions.env")
        self.start("watch", watch_command(self.settings, self.addresses, env_file), watch_env)
        processes.wait_for_url(self.dirs, "watch", self.addresses.probe_url)

    def tables_and_keys(self):
        """Creates the table and the API keys secret; returns the caller's new API key."""
        create, add_key = admin_commands(self.settings, self.bin_dir)
        env = self.settings.child_env(self.aws())
        subprocess.run(create, env=env, stdout=subprocess.DEVNULL, check=True)
        key = subprocess.run(add_key, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
        sample = self.settings.child_env(self.aws({"WHOSENT_API_KEY": SAMPLE_API_KEY}))
        subprocess.run(add_key, env=sample, stdout=subprocess.DEVNULL, check=True)
        return key.rstrip("\n")

    def platform(self):
        """Starts the emulator; its printed JSON (accounts, credentials, URLs) is kept."""
        path = os.path.abspath(self.dirs.file("platform.json"))
        if os.path.exists(path):
            os.remove(path)
        self.start("platform", platform_command(self.settings, self.bin_dir, self.addresses), stdout=path)
        document = processes.poll(lambda: read_console_url(path), self.dirs.pid("platform"), 120)
        if document is None:
            processes.fail_with_log(self.dirs, "platform")
        return Platform.from_document(document, path)

    def event_source(self, mappings):
        """The stand-in for the stream's event source mappings."""
        command = event_source_command(
            self.settings, self.bin_dir, self.addresses, mappings, self.dirs.file("dlq")
        )
        self.start("event-source", command, self.aws())
        processes.wait_for_line(self.dirs, "event-source", EVENT_SOURCE_READY)

    def warm(self, functions):
        """Until every instance of every function under watch answers (see `warm`)."""
        seconds = float(self.settings.warm_timeout)
        if seconds <= 0:
            return
        census = warm.Census(self.dirs.pid("watch"), self.addresses.watch_port)
        census = census if census.available() else None
        want = self.settings.instances
        print(f"warming {want} instance(s) of each function: {' '.join(functions)}", flush=True)
        try:
            warm.warm_all(self.addresses.invoke_url, functions, want, self.settings.root, census, seconds)
        except warm.NotWarm as error:
            print(f"stack: {error}", file=sys.stderr)
            processes.fail_with_log(self.dirs, "watch")

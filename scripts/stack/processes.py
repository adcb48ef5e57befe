"""The stack folder's pids and logs, and the services' processes.

Each service runs in a process group of its own (a new session, as `setsid`),
its pid in `pids/NAME.pid` and its output in `logs/NAME.log`; stopping the
stack stops each group whole, so that nothing a service started outlives it.
"""

import http.client
import os
import shutil
import signal
import socket
import sys
import time
import urllib.parse

from .config import LOOPBACK

INTERVAL = 0.5
# Signals Python ignores for itself, back to their default in a service.
DEFAULT_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ)


class NotUp(Exception):
    """A service did not come up; its log's tail has been printed."""


def free_port(host=LOOPBACK):
    """A port nobody listens on now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Stopwatch:
    """The time since it was made, and its laps (named spans one after the other)."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.started = self.last = clock()
        self.laps = []

    def lap(self, name):
        now = self.clock()
        self.laps.append((name, now - self.last))
        self.last = now

    def summary(self):
        """Like `12.3 s (build 1.0 s, warm-up 8.2 s)`."""
        laps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.laps)
        total = f"{self.clock() - self.started:.1f} s"
        return f"{total} ({laps})" if laps else total


class StackDir:
    """The stack folder: `pids/`, `logs/` and the files `up` writes."""

    def __init__(self, path):
        self.path = path

    def file(self, name):
        return os.path.join(self.path, name)

    def pid_file(self, name):
        return os.path.join(self.path, "pids", name + ".pid")

    def log_file(self, name):
        return os.path.join(self.path, "logs", name + ".log")

    def make(self):
        for sub in ("pids", "logs"):
            os.makedirs(os.path.join(self.path, sub), exist_ok=True)

    def pid_files(self):
        folder = os.path.join(self.path, "pids")
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".pid"))
        except FileNotFoundError:
            return []
        return [os.path.join(folder, n) for n in names]

    def write_pid(self, name, pid):
        with open(self.pid_file(name), "w") as f:
            f.write(f"{pid}\n")

    def pid(self, name):
        return read_pid(self.pid_file(name))


def read_pid(path):
    """The pid in a pid file, or None when there is none to read."""
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def group_alive(pid):
    """Whether the process group led by `pid` still has a process we may signal."""
    try:
        os.killpg(pid, 0)
    except OSError:
        return False
    return True


def alive(pid):
    """Whether the process is alive; reaps it when it is a child of ours that ended."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def running(stack_dir):
    """Whether any service of the stack folder is still running."""
    pids = (read_pid(f) for f in stack_dir.pid_files())
    return any(pid is not None and group_alive(pid) for pid in pids)


def start(stack_dir, name, argv, env, stdout=None):
    """Starts a service in the current folder, in a session (and process group) of
    its own, its output in its log; returns its pid.

    `stdout`, when given, is a path that takes the standard output instead.
    The service outlives this program: nothing here waits for it.
    """
    program = shutil.which(argv[0], path=env.get("PATH")) or argv[0]
    with open(stack_dir.log_file(name), "wb") as log, open(stdout or os.devnull, "wb") as out:
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, (out if stdout else log).fileno(), 1),
            (os.POSIX_SPAWN_DUP2, log.fileno(), 2),
        ]
        pid = os.posix_spawn(program, argv, env, file_actions=actions, setsid=True, setsigdef=DEFAULT_SIGNALS)
    stack_dir.write_pid(name, pid)
    return pid


def stop(pid, grace_steps=20, step=0.25):
    """SIGTERM to the process group, up to 5 s to end, then SIGKILL."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except OSError:
        pass
    for _ in range(grace_steps):
        alive(pid)  # reaps it, when it is our child
        if not group_alive(pid):
            break
        time.sleep(step)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    alive(pid)


def stop_all(stack_dir):
    """Stops every service that has a pid file, and removes the pid files."""
    for path in stack_dir.pid_files():
        pid = read_pid(path)
        if pid is not None:
            stop(pid)
        os.remove(path)


def answered(url, timeout=10):
    """Whether an HTTP server answers a GET of `url`, with any status."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", parts.path or "/")
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def poll(check, pid, tries, interval=INTERVAL):
    """`check()`'s first true value, tried `tries` times while the process lives; else None."""
    for _ in range(tries):
        value = check()
        if value:
            return value
        if pid is not None and not alive(pid):
            return None
        time.sleep(interval)
    return None


def fail_with_log(stack_dir, name, lines=30):
    """Prints the service's last log lines and raises NotUp."""
    print(f"{name} did not come up; its log:", file=sys.stderr)
    try:
        with open(stack_dir.log_file(name), errors="replace") as f:
            tail = f.readlines()[-lines:]
        sys.stderr.write("".join(tail))
    except OSError:
        pass
    sys.stderr.flush()
    raise NotUp(name)


def log_has(stack_dir, name, text):
    """Whether the service's log has `text`."""
    try:
        with open(stack_dir.log_file(name), errors="replace") as f:
            return text in f.read()
    except OSError:
        return False


def wait_for_url(stack_dir, name, url, tries=120):
    """Until the service answers at `url` (a minute)."""
    if not poll(lambda: answered(url), stack_dir.pid(name), tries):
        fail_with_log(stack_dir, name)


def wait_for_line(stack_dir, name, text, tries=240):
    """Until the service's log has `text` (two minutes)."""
    if not poll(lambda: log_has(stack_dir, name, text), stack_dir.pid(name), tries):
        fail_with_log(stack_dir, name)

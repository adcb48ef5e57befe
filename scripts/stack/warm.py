"""Every instance of every function started, and answering, before `up` returns.

`cargo lambda watch` starts a function's instances lazily. The first
invocation of a function starts one (`cargo run --bin NAME`, then the
function's own start); while invocations wait in the function's queue and no
instance is idle, watch starts another (it looks every 100 ms), up to
`--concurrency`. Left to the first traffic, those starts land on the first
pushes: seconds each through cargo on a busy machine. So `up` warms them
through the path the traffic takes, watch's invoke API, with a harmless event
per function (`warm_event`):

1. it keeps a few invocations of the function waiting in watch's queue until
   watch has started every instance it may run;
2. it waits until each of them asks watch's runtime API for its next event
   (its start is over: it holds a connection to watch's port);
3. it invokes the function once per instance, side by side, and waits for
   every answer.

An instance is what watch gives it: the processes under watch carrying its
`AWS_LAMBDA_INSTANCE_ID` (the runner, the function's binary). Where /proc
cannot tell (not Linux), step 1 is one invocation per instance, side by side,
and step 2 is skipped.
"""

import http.client
import os
import threading
import time
import urllib.error
import urllib.request

from .config import STREAM_FUNCTIONS

# The sample events (events/) that read and write nothing of the demo's: a URL
# check addressed to the sample account (refused unless it is onboarded, then
# only echoed), a lookup with the local sample key (read only).
SAMPLE_EVENTS = {"webhook": "events/webhook-url-check.json", "lookup": "events/lookup-person.json"}
# A stream batch with no record: the stream's functions answer it with no failure and no work.
EMPTY_BATCH = b'{"Records": []}'
FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME"
INSTANCE_ID = "AWS_LAMBDA_INSTANCE_ID"
ESTABLISHED = "01"
INTERVAL = 0.2


class NotWarm(Exception):
    """A function's instances did not all answer in time."""


def warm_event(name, root):
    """The harmless event `up` invokes the function with."""
    if name in SAMPLE_EVENTS:
        with open(os.path.join(root, SAMPLE_EVENTS[name]), "rb") as f:
            return f.read()
    if name in STREAM_FUNCTIONS:
        return EMPTY_BATCH
    return b"{}"


def invocation_url(invoke_url, name):
    """Watch's invoke API for the function, as the event source calls it."""
    return f"{invoke_url}/2015-03-31/functions/{name}/invocations"


# What /proc says, as pure functions of its text.


def parent_pid(stat):
    """The parent pid in a `/proc/PID/stat` line (the name in parentheses may hold anything)."""
    return int(stat[stat.rindex(")") + 1 :].split()[1])


def descendants(parents, root):
    """The pids below `root` in a {pid: parent pid} table."""
    children = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def environment(raw):
    """A `/proc/PID/environ` as a dict."""
    pairs = (entry.split(b"=", 1) for entry in raw.split(b"\0") if b"=" in entry)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def connected_sockets(tcp_table, port):
    """The socket inodes of `/proc/net/tcp` (or tcp6) lines connected to `port`."""
    inodes = set()
    for line in tcp_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 9 and fields[3] == ESTABLISHED and int(fields[2].rsplit(":", 1)[1], 16) == port:
            inodes.add(fields[9])
    return inodes


def socket_inode(link):
    """The inode of an fd link like `socket:[123]`, else None."""
    if link.startswith("socket:[") and link.endswith("]"):
        return link[len("socket:[") : -1]
    return None


def instances(processes, connected):
    """{function: {instance id: ready}} from (environment, socket inodes) pairs: an
    instance is ready when one of its processes holds a socket in `connected`."""
    found = {}
    for env, sockets in processes:
        name, instance = env.get(FUNCTION_NAME), env.get(INSTANCE_ID)
        if name and instance:
            by_id = found.setdefault(name, {})
            by_id[instance] = by_id.get(instance, False) or bool(set(sockets) & connected)
    return found


def warm_enough(found, name, want):
    """(started, ready): whether watch runs `want` instances of the function, and whether all answer."""
    by_id = found.get(name, {})
    return len(by_id) >= want, len(by_id) >= want and all(by_id.values())


class Census:
    """The instances under one watch, read from /proc."""

    def __init__(self, watch_pid, port, proc="/proc"):
        self.watch_pid, self.port, self.proc = watch_pid, port, proc

    def available(self):
        return os.path.exists(os.path.join(self.proc, "net", "tcp"))

    def __call__(self):
        parents = {}
        for entry in os.listdir(self.proc):
            if entry.isdigit():
                stat = self.read(entry, "stat")
                if stat:
                    parents[int(entry)] = parent_pid(stat.decode(errors="replace"))
        tables = "".join(self.read_text("net", name) for name in ("tcp", "tcp6"))
        connected = connected_sockets(tables, self.port)
        below = descendants(parents, self.watch_pid)
        return instances(((environment(self.read(str(p), "environ")), self.sockets(p)) for p in below), connected)

    def read(self, *parts):
        try:
            with open(os.path.join(self.proc, *parts), "rb") as f:
                return f.read()
        except OSError:
            return b""

    def read_text(self, *parts):
        return self.read(*parts).decode(errors="replace")

    def sockets(self, pid):
        folder = os.path.join(self.proc, str(pid), "fd")
        try:
            fds = os.listdir(folder)
        except OSError:
            return set()
        inodes = set()
        for fd in fds:
            try:
                inode = socket_inode(os.readlink(os.path.join(folder, fd)))
            except OSError:  # closed meanwhile
                continue
            if inode:
                inodes.add(inode)
        return inodes


# Invocations, and the warm-up itself.


class Deadline:
    """A point in time some seconds from now."""

    def __init__(self, seconds, clock=time.monotonic):
        self.clock = clock
        self.end = clock() + seconds

    def left(self):
        return max(0.0, self.end - self.clock())

    def passed(self):
        return self.left() == 0.0


def invoke(url, event, timeout):
    """POSTs the event; whether watch answered (any status: the function ran, or refused the event)."""
    request = urllib.request.Request(url, data=event, method="POST", headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=max(timeout, 0.1)) as response:
            response.read()
        return True
    except urllib.error.HTTPError:
        return True
    except (OSError, http.client.HTTPException):
        return False


def side_by_side(url, event, count, deadline):
    """`count` invocations at once; how many were answered before the deadline."""
    answers = []

    def one():
        answers.append(invoke(url, event, deadline.left()))

    threads = [threading.Thread(target=one, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(deadline.left())
    return sum(answers)


def keep_queued(url, event, count, stop, deadline):
    """`count` callers invoking the function, each again once answered, until `stop` is set;
    so that invocations keep waiting in watch's queue while its instances start."""

    def loop():
        while not stop.is_set() and not deadline.passed():
            if not invoke(url, event, deadline.left()):
                stop.wait(INTERVAL)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def describe(found, name, want):
    by_id = found.get(name, {})
    return f"{name}: {len(by_id)} of {want} instances started, {sum(by_id.values())} answering"


def wait_until(check, deadline):
    """Whether `check()` came true before the deadline."""
    while not check():
        if deadline.passed():
            return False
        time.sleep(INTERVAL)
    return True


def warm_function(name, url, event, want, census, deadline):
    """Steps 1 to 3 for one function; raises NotWarm at the deadline."""
    if census is None:
        answered = side_by_side(url, event, want, deadline)
        if answered < want:
            raise NotWarm(f"{name}: {answered} of {want} invocations side by side answered")
    else:
        stop = threading.Event()
        callers = keep_queued(url, event, want + 1, stop, deadline)
        try:
            started = wait_until(lambda: warm_enough(census(), name, want)[0], deadline)
        finally:
            stop.set()
        if not (started and wait_until(lambda: warm_enough(census(), name, want)[1], deadline)):
            raise NotWarm(describe(census(), name, want))
        for caller in callers:
            caller.join(deadline.left())
    answered = side_by_side(url, event, want, deadline)
    if answered < want:
        raise NotWarm(f"{name}: {answered} of {want} invocations side by side answered")


def warm_all(invoke_url, functions, want, root, census, seconds):
    """Warms every function side by side; raises NotWarm naming those that did not answer in time."""
    deadline = Deadline(seconds)
    failures = []

    def one(name):
        try:
            warm_function(name, invocation_url(invoke_url, name), warm_event(name, root), want, census, deadline)
        except NotWarm as error:
            failures.append(str(error))

    threads = [threading.Thread(target=one, args=(name,), daemon=True) for name in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise NotWarm(f"not every instance answered within {seconds:g} s: " + "; ".join(sorted(failures)))

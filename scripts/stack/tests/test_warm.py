"""The warm-up: what /proc says about watch's instances, and the invocations, on a
loopback HTTP server of the test's own (no watch, no cargo)."""

import collections
import http.server
import os
import tempfile
import threading
import unittest

from stack import processes, warm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
# /proc/net/tcp: a header, then sl, local, remote, st, queues, tr, retrnsmt, uid, timeout, inode.
TCP = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0100007F:AEB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1\n"
    "   1: 0100007F:81EA 0100007F:AEB9 01 00000000:00000000 00:00000000 00000000     0        0 201 1\n"
    "   2: 0100007F:81EB 0100007F:AEB9 06 00000000:00000000 00:00000000 00000000     0        0 0 1\n"
    "   3: 0100007F:81EC 0100007F:8551 01 00000000:00000000 00:00000000 00000000     0        0 202 1\n"
)
TCP6 = (
    "  sl  local_address                         remote_address                        st ...\n"
    "   0: 0000000000000000FFFF00000100007F:9C40 0000000000000000FFFF00000100007F:AEB9 01 "
    "00000000:00000000 00:00000000 00000000     0        0 203 1\n"
)
WATCH_PORT = 0xAEB9


class ProcTextTest(unittest.TestCase):
    def test_the_parent_follows_the_name_whatever_it_holds(self):
        self.assertEqual(warm.parent_pid("42 (cargo) S 7 42 42 0 -1"), 7)
        self.assertEqual(warm.parent_pid("43 (a) b (c) R 9 43 43 0 -1"), 9)

    def test_descendants_are_children_and_their_children_only(self):
        parents = {1: 0, 10: 1, 11: 10, 12: 11, 13: 10, 20: 1, 21: 20}
        self.assertEqual(warm.descendants(parents, 10), {11, 12, 13})
        self.assertEqual(warm.descendants(parents, 12), set())

    def test_the_environment_is_split_on_nul_and_the_first_equals_sign(self):
        raw = b"A=1\0B=x=y\0junk\0EMPTY=\0"
        self.assertEqual(warm.environment(raw), {"A": "1", "B": "x=y", "EMPTY": ""})

    def test_connected_sockets_are_the_established_ones_to_the_port(self):
        self.assertEqual(warm.connected_sockets(TCP, WATCH_PORT), {"201"})
        self.assertEqual(warm.connected_sockets(TCP6, WATCH_PORT), {"203"})
        self.assertEqual(warm.connected_sockets(TCP, 0x8551), {"202"})

    def test_socket_links(self):
        self.assertEqual(warm.socket_inode("socket:[506649]"), "506649")
        self.assertIsNone(warm.socket_inode("pipe:[506649]"))
        self.assertIsNone(warm.socket_inode("/dev/null"))


def env(name, instance):
    return {warm.FUNCTION_NAME: name, warm.INSTANCE_ID: instance}


class InstancesTest(unittest.TestCase):
    def test_an_instance_is_ready_when_one_of_its_processes_is_connected(self):
        found = warm.instances(
            [
                (env("webhook", "a"), set()),  # the runner
                (env("webhook", "a"), {"201"}),  # the function, polling for its next event
                (env("webhook", "b"), {"999"}),  # starting: no connection to watch yet
                (env("resolver", "c"), {"203"}),
                ({}, {"201"}),  # not an instance
                ({warm.FUNCTION_NAME: "lookup"}, set()),
            ],
            {"201", "203"},
        )
        self.assertEqual(found, {"webhook": {"a": True, "b": False}, "resolver": {"c": True}})

    def test_warm_enough_wants_every_instance_started_then_every_one_answering(self):
        found = {"webhook": {"a": True, "b": False}, "resolver": {"c": True, "d": True}}
        self.assertEqual(warm.warm_enough(found, "webhook", 2), (True, False))
        self.assertEqual(warm.warm_enough(found, "webhook", 3), (False, False))
        self.assertEqual(warm.warm_enough(found, "resolver", 2), (True, True))
        self.assertEqual(warm.warm_enough(found, "profile", 1), (False, False))

    def test_the_census_reads_a_proc_tree(self):
        with tempfile.TemporaryDirectory() as proc:

            def process(pid, parent, environ=b"", sockets=()):
                folder = os.path.join(proc, str(pid))
                os.makedirs(os.path.join(folder, "fd"))
                with open(os.path.join(folder, "stat"), "w") as f:
                    f.write(f"{pid} (x y) S {parent} 0 0\n")
                with open(os.path.join(folder, "environ"), "wb") as f:
                    f.write(environ)
                for fd, inode in enumerate(sockets):
                    os.symlink(f"socket:[{inode}]", os.path.join(folder, "fd", str(fd)))

            process(5, 1)  # watch
            process(6, 5, b"AWS_LAMBDA_FUNCTION_NAME=webhook\0AWS_LAMBDA_INSTANCE_ID=a\0")
            process(7, 6, b"AWS_LAMBDA_FUNCTION_NAME=webhook\0AWS_LAMBDA_INSTANCE_ID=a\0", ["201", "202"])
            process(8, 5, b"AWS_LAMBDA_FUNCTION_NAME=webhook\0AWS_LAMBDA_INSTANCE_ID=b\0")
            process(9, 1, b"AWS_LAMBDA_FUNCTION_NAME=webhook\0AWS_LAMBDA_INSTANCE_ID=z\0", ["201"])  # another stack's
            os.makedirs(os.path.join(proc, "net"))
            with open(os.path.join(proc, "net", "tcp"), "w") as f:
                f.write(TCP)
            census = warm.Census(5, WATCH_PORT, proc)
            self.assertTrue(census.available())
            self.assertEqual(census(), {"webhook": {"a": True, "b": False}})
            self.assertFalse(warm.Census(5, WATCH_PORT, os.path.join(proc, "none")).available())


class EventsTest(unittest.TestCase):
    def test_each_function_s_harmless_event(self):
        with open(os.path.join(ROOT, "events", "webhook-url-check.json"), "rb") as f:
            self.assertEqual(warm.warm_event("webhook", ROOT), f.read())
        self.assertIn(b'"x-api-key"', warm.warm_event("lookup", ROOT))
        self.assertEqual(warm.warm_event("resolver", ROOT), b'{"Records": []}')
        self.assertEqual(warm.warm_event("profile", ROOT), b'{"Records": []}')
        self.assertEqual(warm.warm_event("other", ROOT), b"{}")
        self.assertEqual(
            warm.invocation_url("http://127.0.0.1:9", "resolver"),
            "http://127.0.0.1:9/2015-03-31/functions/resolver/invocations",
        )


class StopwatchTest(unittest.TestCase):
    def test_laps_and_the_total(self):
        ticks = iter([100.0, 101.25, 104.0, 110.0])
        stopwatch = processes.Stopwatch(clock=lambda: next(ticks))
        stopwatch.lap("build")
        stopwatch.lap("warm-up")
        self.assertEqual(stopwatch.summary(), "10.0 s (build 1.2 s, warm-up 2.8 s)")
        self.assertEqual(processes.Stopwatch(clock=lambda: 3.0).summary(), "0.0 s")


class Lambda(http.server.ThreadingHTTPServer):
    """Counts the invocations of each function and answers them, a 404 for the webhook."""

    def __init__(self):
        self.calls = collections.Counter()
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(handler):
                handler.rfile.read(int(handler.headers["content-length"]))
                with self.lock:
                    self.calls[handler.path.split("/")[3]] += 1
                handler.send_response(404 if "webhook" in handler.path else 200)
                handler.send_header("content-length", "2")
                handler.end_headers()
                handler.wfile.write(b"{}")

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_port}"

    def close(self):
        self.shutdown()
        self.server_close()


class WarmAllTest(unittest.TestCase):
    def setUp(self):
        self.server = Lambda()

    def tearDown(self):
        self.server.close()

    def test_without_proc_each_function_answers_once_per_instance_side_by_side_twice(self):
        warm.warm_all(self.server.url, ["resolver", "webhook"], 3, ROOT, None, 10)
        self.assertEqual(self.server.calls, {"resolver": 6, "webhook": 6})

    def test_invocations_go_on_until_the_census_has_every_instance_then_every_one_answers(self):
        looks = collections.Counter()

        def census():
            looks["n"] += 1
            started = {"a": looks["n"] > 3, "b": looks["n"] > 6}
            return {"webhook": started if looks["n"] > 2 else {"a": False}}

        warm.warm_all(self.server.url, ["webhook"], 2, ROOT, census, 10)
        self.assertGreater(looks["n"], 6)
        # The callers kept the queue busy (3 at a time), then one round of 2 side by side.
        self.assertGreaterEqual(self.server.calls["webhook"], 3 + 2)

    def test_instances_that_never_answer_fail_at_the_deadline_naming_them(self):
        def census():
            return {"webhook": {"a": True, "b": False}}

        with self.assertRaises(warm.NotWarm) as raised:
            warm.warm_all(self.server.url, ["webhook", "resolver"], 2, ROOT, lambda: census(), 0.5)
        self.assertEqual(
            str(raised.exception),
            "not every instance answered within 0.5 s: resolver: 0 of 2 instances started, 0 answering; "
            "webhook: 2 of 2 instances started, 1 answering",
        )

    def test_an_invoke_api_that_does_not_answer_fails(self):
        closed = f"http://127.0.0.1:{processes.free_port()}"
        with self.assertRaises(warm.NotWarm) as raised:
            warm.warm_all(closed, ["resolver"], 2, ROOT, None, 1)
        self.assertIn("resolver: 0 of 2 invocations side by side answered", str(raised.exception))


if __name__ == "__main__":
    unittest.main()

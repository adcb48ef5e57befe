"""The stack folder, starting and stopping process groups, readiness waits."""

import http.server
import io
import os
import socket
import sys
import tempfile
import threading
import unittest
from contextlib import redirect_stderr

from stack import processes


class StackDirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dirs = processes.StackDir(os.path.join(self.tmp.name, "stack"))

    def tearDown(self):
        processes.stop_all(self.dirs)
        self.tmp.cleanup()

    def sleeper(self, name):
        self.dirs.make()
        return processes.start(self.dirs, name, ["sleep", "60"], dict(os.environ))

    def test_a_missing_folder_has_nothing_running(self):
        self.assertEqual(self.dirs.pid_files(), [])
        self.assertFalse(processes.running(self.dirs))
        processes.stop_all(self.dirs)

    def test_pid_files_round_trip_and_garbage_reads_as_none(self):
        self.dirs.make()
        self.dirs.write_pid("moto", 1234)
        with open(self.dirs.pid_file("moto")) as f:
            self.assertEqual(f.read(), "1234\n")
        self.assertEqual(self.dirs.pid("moto"), 1234)
        with open(self.dirs.pid_file("junk"), "w") as f:
            f.write("not a pid")
        self.assertIsNone(self.dirs.pid("junk"))
        self.assertEqual([os.path.basename(p) for p in self.dirs.pid_files()], ["junk.pid", "moto.pid"])

    def test_a_stale_pid_file_is_not_running(self):
        self.dirs.make()
        pid = processes.start(self.dirs, "gone", ["true"], dict(os.environ))
        processes.poll(lambda: False, pid, tries=40, interval=0.05)
        self.assertFalse(processes.alive(pid))
        self.assertFalse(processes.running(self.dirs))

    def test_a_service_leads_its_own_group_and_stop_all_ends_it(self):
        pid = self.sleeper("one")
        self.assertEqual(os.getpgid(pid), pid)
        self.assertTrue(processes.running(self.dirs))
        processes.stop_all(self.dirs)
        self.assertFalse(processes.group_alive(pid))
        self.assertFalse(processes.running(self.dirs))
        self.assertEqual(self.dirs.pid_files(), [])

    def test_stop_ends_the_whole_group(self):
        self.dirs.make()
        child_file = os.path.join(self.tmp.name, "child")
        script = f"sleep 60 & echo $! > {child_file}; wait"
        pid = processes.start(self.dirs, "parent", ["sh", "-c", script], dict(os.environ))
        child = processes.poll(lambda: processes.read_pid(child_file), pid, 40, 0.05)
        self.assertIsNotNone(child)
        processes.stop_all(self.dirs)
        self.assertFalse(processes.alive(child))

    def test_output_goes_to_the_log_or_to_the_file_given(self):
        self.dirs.make()
        out = os.path.join(self.tmp.name, "out.json")
        argv = ["sh", "-c", "echo printed; echo complained >&2"]
        pid = processes.start(self.dirs, "svc", argv, dict(os.environ), stdout=out)
        processes.poll(lambda: False, pid, tries=40, interval=0.05)
        with open(out) as f:
            self.assertEqual(f.read(), "printed\n")
        self.assertTrue(processes.log_has(self.dirs, "svc", "complained"))
        self.assertFalse(processes.log_has(self.dirs, "svc", "printed"))

    def test_waiting_for_a_line_that_never_comes_from_a_dead_service_fails_with_its_log(self):
        self.dirs.make()
        processes.start(self.dirs, "dies", ["sh", "-c", "echo bad config >&2; exit 3"], dict(os.environ))
        stderr = io.StringIO()
        with redirect_stderr(stderr), self.assertRaises(processes.NotUp):
            processes.wait_for_line(self.dirs, "dies", "ready", tries=240)
        self.assertEqual(stderr.getvalue(), "dies did not come up; its log:\nbad config\n")

    def test_waiting_for_a_line(self):
        self.dirs.make()
        processes.start(self.dirs, "ok", ["sh", "-c", "sleep 0.2; echo svc: ready; sleep 60"], dict(os.environ))
        processes.wait_for_line(self.dirs, "ok", "svc: ready", tries=20)


class NetworkTest(unittest.TestCase):
    def test_free_port_can_be_bound(self):
        port = processes.free_port()
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))

    def test_any_http_status_counts_as_answered(self):
        class NotFound(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_error(404)

            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            self.assertTrue(processes.answered(f"http://127.0.0.1:{server.server_port}/"))
        finally:
            server.shutdown()
            server.server_close()
        self.assertFalse(processes.answered(f"http://127.0.0.1:{processes.free_port()}/"))


if __name__ == "__main__":
    sys.exit(unittest.main())

"""The command line, and what `up` refuses and `down` leaves, without cargo or services."""

import io
import os
import tempfile
import unittest
from contextlib import redirect_stderr
from unittest import mock

from stack import cli, commands, processes
from stack.config import Settings


class CliTest(unittest.TestCase):
    def test_anything_but_up_or_down_is_a_usage_error(self):
        for argv in ([], ["start"], ["UP"]):
            stderr = io.StringIO()
            with redirect_stderr(stderr):
                self.assertEqual(cli.main(argv, {}), 2)
            self.assertEqual(stderr.getvalue(), "usage: scripts/stack.sh up|down\n")

    def test_commands_get_the_settings_from_the_environment(self):
        with tempfile.TemporaryDirectory() as root:
            seen = []
            cwd = os.getcwd()
            try:
                with mock.patch.object(commands, "down", side_effect=lambda s: seen.append(s) or 0):
                    self.assertEqual(cli.main(["down"], {"STACK_DIR": "elsewhere"}, root), 0)
                self.assertEqual(os.getcwd(), os.path.realpath(root))
            finally:
                os.chdir(cwd)
            self.assertEqual((seen[0].stack_dir, seen[0].root), ("elsewhere", root))


class CommandsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.stack_dir = os.path.join(self.tmp.name, "stack")

    def tearDown(self):
        processes.stop_all(processes.StackDir(self.stack_dir))
        self.tmp.cleanup()

    def settings(self, **environ):
        return Settings.from_env(dict(environ, STACK_DIR=self.stack_dir), self.tmp.name)

    def test_up_refuses_unknown_services_before_anything(self):
        stderr = io.StringIO()
        with redirect_stderr(stderr), mock.patch.object(commands, "prepare") as prepare:
            self.assertEqual(commands.up(self.settings(STACK_SERVICES="some")), 2)
        prepare.assert_not_called()
        self.assertEqual(stderr.getvalue(), "STACK_SERVICES is full or minimal, not some\n")
        self.assertFalse(os.path.exists(self.stack_dir))

    def test_up_refuses_a_stack_folder_among_the_sources(self):
        refused = commands.workspace.Refused("STACK_DIR='shared' is inside shared")
        stderr = io.StringIO()
        with redirect_stderr(stderr), mock.patch.object(commands, "prepare", side_effect=refused):
            self.assertEqual(commands.up(self.settings()), 2)
        self.assertEqual(stderr.getvalue(), "STACK_DIR='shared' is inside shared\n")
        self.assertFalse(os.path.exists(self.stack_dir))

    def test_up_refuses_while_a_stack_runs_in_the_folder(self):
        dirs = processes.StackDir(self.stack_dir)
        dirs.make()
        processes.start(dirs, "moto", ["sleep", "60"], dict(os.environ))
        stderr = io.StringIO()
        with redirect_stderr(stderr):
            self.assertEqual(commands.up(self.settings()), 1)
        self.assertIn(f"a stack is already running in {self.stack_dir}", stderr.getvalue())

    def test_a_failed_up_stops_what_it_started(self):
        def start(settings, dirs, meta, stopwatch):
            processes.start(dirs, "moto", ["sleep", "60"], dict(os.environ))
            processes.fail_with_log(dirs, "moto")

        stderr = io.StringIO()
        with redirect_stderr(stderr), mock.patch.object(commands, "prepare", return_value=({}, ["/*"])):
            with mock.patch.object(commands, "start", side_effect=start):
                self.assertEqual(commands.up(self.settings()), 1)
        self.assertTrue(stderr.getvalue().endswith("stack: up failed; stopping what it started\n"))
        dirs = processes.StackDir(self.stack_dir)
        self.assertFalse(processes.running(dirs))
        self.assertEqual(dirs.pid_files(), [])
        self.assertFalse(os.path.exists(dirs.file("watch.ignore")))

    def test_down_stops_the_services_and_removes_what_up_wrote_but_the_logs(self):
        dirs = processes.StackDir(self.stack_dir)
        dirs.make()
        pid = processes.start(dirs, "watch", ["sleep", "60"], dict(os.environ))
        for name in ("endpoints.env", "platform.json", "watch.ignore", "functions.env"):
            with open(dirs.file(name), "w") as f:
                f.write("x\n")
        self.assertEqual(commands.down(self.settings()), 0)
        self.assertFalse(processes.group_alive(pid))
        self.assertEqual(sorted(os.listdir(self.stack_dir)), ["functions.env", "logs", "pids"])
        self.assertTrue(os.path.exists(dirs.log_file("watch")))

    def test_down_without_a_stack_is_fine(self):
        self.assertEqual(commands.down(self.settings()), 0)


if __name__ == "__main__":
    unittest.main()

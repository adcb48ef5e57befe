"""The services' command lines, as the settings shape them."""

import json
import os
import tempfile
import unittest

from stack import services
from stack.config import Addresses, Settings

ADDRESSES = Addresses(moto_port=5001, watch_port=9001)
BIN = "/t/debug"


def settings(**environ):
    return Settings.from_env(environ, "/checkout")


class CommandsTest(unittest.TestCase):
    def test_moto_runs_under_the_venv(self):
        self.assertEqual(
            services.moto_command(settings(VENV="/v"), ADDRESSES),
            ["/v/bin/python", "scripts/moto_server.py", "--host", "127.0.0.1", "--port", "5001"],
        )

    def test_minimal_watch_serves_the_webhook_at_watch_s_own_concurrency(self):
        base = ["cargo", "lambda", "watch", "--invoke-address", "127.0.0.1", "--invoke-port", "9001"]
        base += ["--env-file", "s/functions.env", "--bin", "webhook"]
        minimal = settings(STACK_SERVICES="minimal")
        self.assertEqual(services.watch_command(minimal, ADDRESSES, "s/functions.env"), base)
        two = settings(STACK_SERVICES="minimal", WATCH_CONCURRENCY="2")
        self.assertEqual(services.watch_command(two, ADDRESSES, "s/functions.env"), base + ["--concurrency", "2"])

    def test_full_watch_serves_every_function_three_times_unless_set(self):
        command = services.watch_command(settings(), ADDRESSES, "f.env")
        self.assertNotIn("--bin", command)
        self.assertEqual(command[-2:], ["--concurrency", "3"])
        command = services.watch_command(settings(WATCH_CONCURRENCY="5"), ADDRESSES, "f.env")
        self.assertEqual(command[-2:], ["--concurrency", "5"])

    def test_platform_defaults_and_knobs(self):
        self.assertEqual(
            services.platform_command(settings(), BIN, ADDRESSES),
            ["/t/debug/platform", "serve", "--seed", "7", "--accounts", "2", "--followers", "200"]
            + ["--callback-base", "http://127.0.0.1:9001/lambda-url/webhook"],
        )
        knobs = settings(PLATFORM_LATENCY="0.05", PLATFORM_DELAY="0..2", PLATFORM_ARGS="--x 1")
        self.assertEqual(
            services.platform_command(knobs, BIN, ADDRESSES)[-6:],
            ["--latency", "0.05", "--delay", "0..2", "--x", "1"],
        )

    def test_stream_mappings_are_the_resolver_and_profile_that_exist(self):
        every = ["lookup", "profile", "resolver", "webhook"]
        self.assertEqual(services.stream_mappings(every), ["resolver", "profile"])
        self.assertEqual(services.stream_mappings(["lookup", "webhook"]), [])

    def test_event_source(self):
        s = settings(TABLE_NAME="t", EVENT_SOURCE_ARGS="--batch-size 5")
        self.assertEqual(
            services.event_source_command(s, BIN, ADDRESSES, ["resolver", "profile"], ".local/dlq"),
            ["/t/debug/event-source", "--table", "t", "--invoke-url", "http://127.0.0.1:9001"]
            + ["--filters", "events/filters.json", "--template", "template.yaml"]
            + ["--dlq-dir", ".local/dlq", "--window-ms", "0", "--mapping", "resolver", "--mapping", "profile"]
            + ["--batch-size", "5"],
        )

    def test_admin_creates_the_table_and_adds_keys_to_the_secret(self):
        create, add_key = services.admin_commands(settings(TABLE_NAME="t"), BIN)
        self.assertEqual(create, ["/t/debug/whosent", "--table", "t", "table", "create"])
        self.assertEqual(
            add_key, ["/t/debug/whosent", "--table", "t", "api-keys", "add", "--secret", "whosent/api-keys"]
        )


class PlatformJsonTest(unittest.TestCase):
    def test_the_document_counts_once_it_names_the_console(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "platform.json")
            self.assertIsNone(services.read_console_url(path))
            with open(path, "w") as f:
                f.write('{"console_url": "http://127.0.0.1:70')
            self.assertIsNone(services.read_console_url(path))
            with open(path, "w") as f:
                json.dump({"console_url": "http://127.0.0.1:7001"}, f)
            self.assertEqual(services.read_console_url(path), {"console_url": "http://127.0.0.1:7001"})


if __name__ == "__main__":
    unittest.main()

"""Settings from the environment, and the env files the stack writes."""

import unittest

from stack.config import Addresses, Platform, Settings, endpoints_env, functions_env, functions_env_more

ROOT = "/checkout"
ADDRESSES = Addresses(moto_port=5001, watch_port=9001)
AWS = """AWS_ENDPOINT_URL=http://127.0.0.1:5001
AWS_ACCESS_KEY_ID=testing
AWS_SECRET_ACCESS_KEY=testing
AWS_REGION=us-east-1
"""
DOCUMENT = {
    "console_url": "http://127.0.0.1:7001",
    "truth_url": "http://127.0.0.1:7002",
    "accounts": [
        {"account": {"username": "first", "password": "secret-1"}},
        {"account": {"username": "second", "password": "secret-2"}},
    ],
}


def settings(**environ):
    return Settings.from_env(environ, ROOT)


class SettingsTest(unittest.TestCase):
    def test_defaults(self):
        s = settings()
        self.assertEqual(s.stack_dir, ".local")
        self.assertEqual(s.services, "full")
        self.assertTrue(s.full)
        self.assertEqual(s.venv, "/checkout/.venv")
        self.assertEqual(s.table_name, "whosent")
        self.assertEqual(s.rust_log, "info")
        self.assertEqual((s.platform_seed, s.platform_accounts, s.platform_followers), ("7", "2", "200"))
        self.assertIsNone(s.platform_latency)
        self.assertIsNone(s.platform_delay)
        self.assertIsNone(s.watch_concurrency)
        self.assertEqual(s.event_source_window_ms, "0")
        self.assertEqual((s.platform_args, s.event_source_args), ((), ()))

    def test_an_empty_value_counts_as_unset(self):
        s = settings(STACK_DIR="", STACK_SERVICES="", TABLE_NAME="", WATCH_CONCURRENCY="", PLATFORM_SEED="")
        self.assertEqual((s.stack_dir, s.services, s.table_name), (".local", "full", "whosent"))
        self.assertIsNone(s.watch_concurrency)
        self.assertEqual(s.platform_seed, "7")

    def test_knobs(self):
        s = settings(
            STACK_DIR="/tmp/elsewhere",
            STACK_SERVICES="minimal",
            TABLE_NAME="whosent-test",
            PLATFORM_ARGS=" --a 1\t--b  2 ",
            EVENT_SOURCE_ARGS="--lanes 2",
            WATCH_CONCURRENCY="2",
        )
        self.assertEqual((s.stack_dir, s.table_name, s.watch_concurrency), ("/tmp/elsewhere", "whosent-test", "2"))
        self.assertFalse(s.full)
        self.assertEqual(s.platform_args, ("--a", "1", "--b", "2"))
        self.assertEqual(s.event_source_args, ("--lanes", "2"))

    def test_services_get_the_venv_first_on_path(self):
        env = settings(PATH="/usr/bin", HOME="/home/x").child_env({"EXTRA": "1"})
        self.assertEqual(env["PATH"], "/checkout/.venv/bin:/usr/bin")
        self.assertEqual((env["HOME"], env["EXTRA"]), ("/home/x", "1"))


class InstancesTest(unittest.TestCase):
    def test_instances_per_function_and_the_warm_up_s_timeout(self):
        self.assertEqual(settings().instances, 3)
        self.assertEqual(settings(STACK_SERVICES="minimal").instances, 1)
        self.assertEqual(settings(WATCH_CONCURRENCY="2").instances, 2)
        self.assertEqual(settings(STACK_SERVICES="minimal", WATCH_CONCURRENCY="4").instances, 4)
        self.assertEqual(settings().warm_timeout, "300")
        self.assertEqual(settings(WARM_TIMEOUT="0").warm_timeout, "0")


class EnvFilesTest(unittest.TestCase):
    def test_addresses(self):
        self.assertEqual(ADDRESSES.endpoint, "http://127.0.0.1:5001")
        self.assertEqual(ADDRESSES.webhook_url, "http://127.0.0.1:9001/lambda-url/webhook")
        self.assertEqual(ADDRESSES.api_url, "http://127.0.0.1:9001/lambda-url/lookup")
        self.assertEqual(ADDRESSES.probe_url, "http://127.0.0.1:9001/2015-03-31/functions/webhook/invocations")

    def test_functions_env(self):
        text = functions_env(settings(TABLE_NAME="t", RUST_LOG="debug"), ADDRESSES)
        self.assertEqual(text, "TABLE_NAME=t\n" + AWS + "RUST_LOG=debug\n")

    def test_functions_env_of_the_full_stack(self):
        platform = Platform.from_document(DOCUMENT, "/s/platform.json")
        self.assertEqual(
            functions_env_more(platform), "CONSOLE_URL=http://127.0.0.1:7001\nAPI_KEYS_SECRET=whosent/api-keys\n"
        )

    def test_minimal_endpoints(self):
        text = endpoints_env(settings(TABLE_NAME="t"), ADDRESSES)
        self.assertEqual(text, AWS + "TABLE_NAME=t\nWEBHOOK_URL=http://127.0.0.1:9001/lambda-url/webhook\n")

    def test_full_endpoints_name_the_first_account(self):
        platform = Platform.from_document(DOCUMENT, "/s/platform.json")
        text = endpoints_env(settings(), ADDRESSES, "key-1", platform)
        self.assertEqual(
            text,
            AWS
            + "TABLE_NAME=whosent\n"
            + "WEBHOOK_URL=http://127.0.0.1:9001/lambda-url/webhook\n"
            + "API_URL=http://127.0.0.1:9001/lambda-url/lookup\n"
            + "API_KEY=key-1\n"
            + "API_KEYS_SECRET=whosent/api-keys\n"
            + "CONSOLE_URL=http://127.0.0.1:7001\n"
            + "CONSOLE_USERNAME=first\n"
            + "CONSOLE_PASSWORD=secret-1\n"
            + "TRUTH_URL=http://127.0.0.1:7002\n"
            + "PLATFORM_ACCOUNTS_JSON=/s/platform.json\n",
        )


if __name__ == "__main__":
    unittest.main()

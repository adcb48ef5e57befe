"""The local stack the browser test drives: started in a folder of its own
(or reused), the emulator's two accounts onboarded, traffic played, and the
API and the emulator's truth port asked through plain HTTP.

Standard library only; the browser itself is in test_page.py.
"""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUTPUT = os.path.join(ROOT, ".local", "test-output", "browser")

# The stack of this test: its own folder and table, so that it touches no
# other stack; no console skew past the resolver's window, so that the
# senders this test needs are found by time, not left unresolved by chance.
STACK_ENV = {
    "STACK_DIR": os.path.join(ROOT, ".local", "test-browser"),
    "TABLE_NAME": "whosent-browser",
    "STACK_SERVICES": "full",
    "PLATFORM_ACCOUNTS": "2",
    "PLATFORM_FOLLOWERS": "80",
    "PLATFORM_ARGS": "--skew 0 --delay 0..1",
    # A page load asks the lookup for three files at once, besides the
    # polls: more instances than that, so that watch need not queue them.
    "WATCH_CONCURRENCY": "4",
}
STRATEGIES = {"acct-1": "time", "acct-2": "user_list"}


class Stack:
    """A running full stack and what this test knows of it."""

    def __init__(self, env, started):
        self.env = env
        self.started = started
        self.api_url = env["API_URL"].rstrip("/")
        self.page_url = self.api_url + "/"
        self.api_key = env["API_KEY"]
        self.truth_url = env["TRUTH_URL"].rstrip("/")

    @classmethod
    def up(cls):
        """Starts the stack, or reuses the one in BROWSER_STACK_DIR (left running)."""
        reuse = os.environ.get("BROWSER_STACK_DIR")
        stack_dir = reuse or STACK_ENV["STACK_DIR"]
        env = dict(os.environ, STACK_DIR=stack_dir)
        if not reuse:
            env.update(STACK_ENV)
            subprocess.run([os.path.join(ROOT, "scripts", "stack.sh"), "up"], cwd=ROOT, env=env, check=True)
        env.update(read_env(os.path.join(stack_dir, "endpoints.env")))
        return cls(env, started=not reuse)

    def down(self):
        if self.started:
            subprocess.run([os.path.join(ROOT, "scripts", "stack.sh"), "down"], cwd=ROOT, env=self.env, check=False)

    # The emulator.

    def truth(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        return http_json(self.truth_url + path, data=data, method="GET" if data is None else "POST")

    def onboard(self):
        """The emulator's accounts, onboarded with the admin command line (secrets through the environment)."""
        with open(self.env["PLATFORM_ACCOUNTS_JSON"]) as f:
            accounts = [entry["account"] for entry in json.load(f)["accounts"]]
        for account in accounts:
            env = dict(self.env)
            env.update(
                WHOSENT_TOKEN=account["token"],
                WHOSENT_AES_KEY=account["encoding_aes_key"],
                WHOSENT_PASSWORD=account["password"],
            )
            command = ["cargo", "run", "--quiet", "-p", "whosent-admin", "--bin", "whosent", "--", "--local"]
            command += ["accounts", "add", "--id", account["id"], "--appid", account["appid"]]
            command += ["--gh-id", account["gh_id"], "--username", account["username"]]
            command += ["--strategy", STRATEGIES[account["id"]], "--mode", account["mode"]]
            subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        return accounts

    def push_text(self, account_index, fakeid, text):
        """One text from `fakeid` to account number `account_index`; returns the push's outcome."""
        body = {"account": account_index, "fakeid": fakeid, "body": {"type": "text", "content": text}}
        return self.truth("/truth/push", body)

    # The lookup API.

    def api(self, path):
        """GET on the lookup API with the key; None on 404."""
        try:
            return http_json(f"{self.api_url}/{path}", headers={"x-api-key": self.api_key})
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def wait_known(self, account, open_id, timeout=300):
        """Waits until the sender is resolved with a profile and a stored avatar; returns its view."""

        def known():
            view = self.api(f"accounts/{account}/senders/{open_id}")
            done = view and view.get("state") == "resolved" and view.get("profile") and view.get("avatar") == "stored"
            return view if done else None

        return wait_for(known, timeout, f"{account}/{open_id} resolved with a profile and an avatar")


def wait_for(probe, timeout, what, every=1.0):
    """Calls `probe` until it returns something truthy; fails with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(every)


def http_json(url, data=None, method="GET", headers=None):
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.loads(answer.read() or b"null")


def read_env(path):
    """`KEY=value` lines."""
    pairs = {}
    with open(path) as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                pairs[key] = value
    return pairs

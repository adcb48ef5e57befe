"""The stack's settings, read once from the environment, and the env files it writes.

Knobs (an empty value counts as unset): STACK_DIR (.local), STACK_SERVICES
(full or minimal), VENV (.venv), TABLE_NAME (whosent), PLATFORM_SEED (7),
PLATFORM_ACCOUNTS (2), PLATFORM_FOLLOWERS (200), PLATFORM_LATENCY and
PLATFORM_DELAY (as `platform serve --latency/--delay`), PLATFORM_ARGS (more
`platform serve` options), WATCH_CONCURRENCY (instances per function: 3 in
the full stack, watch's own 1 in the minimal one unless set),
EVENT_SOURCE_WINDOW_MS (0, as the template), EVENT_SOURCE_ARGS (more
event-source options), RUST_LOG (info), WARM_TIMEOUT (seconds `up` waits for
every instance of every function to answer, 300; 0 skips the warm-up).
"""

import os
from dataclasses import dataclass

LOOPBACK = "127.0.0.1"
SERVICES = ("full", "minimal")
API_KEYS_SECRET = "whosent/api-keys"
# The functions the stream's event source mappings invoke, when they exist.
STREAM_FUNCTIONS = ("resolver", "profile")
# The key of the sample lookup events (events/lookup-*.json), accepted by the
# local stack so that `cargo lambda invoke lookup --data-file …` is answered.
SAMPLE_API_KEY = "local-sample-key-0123456789"


def aws_env(endpoint):
    """The AWS environment of every local client: moto's endpoint, test credentials."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    }


def knob(environ, name, default=None):
    """The variable's value, or the default when it is unset or empty."""
    return environ.get(name) or default


def words(environ, name):
    """A list-of-options knob, split on whitespace as the shell would."""
    return knob(environ, name, "").split()


@dataclass(frozen=True)
class Settings:
    """Everything the stack reads from its environment."""

    root: str
    stack_dir: str
    services: str
    venv: str
    table_name: str
    rust_log: str
    platform_seed: str
    platform_accounts: str
    platform_followers: str
    platform_latency: str | None
    platform_delay: str | None
    platform_args: tuple
    watch_concurrency: str | None
    event_source_window_ms: str
    event_source_args: tuple
    warm_timeout: str
    environ: dict

    @classmethod
    def from_env(cls, environ, root):
        """The settings from `environ`, a relative path meaning one in `root`."""
        return cls(
            root=root,
            stack_dir=knob(environ, "STACK_DIR", ".local"),
            services=knob(environ, "STACK_SERVICES", "full"),
            venv=knob(environ, "VENV", os.path.join(root, ".venv")),
            table_name=knob(environ, "TABLE_NAME", "whosent"),
            rust_log=knob(environ, "RUST_LOG", "info"),
            platform_seed=knob(environ, "PLATFORM_SEED", "7"),
            platform_accounts=knob(environ, "PLATFORM_ACCOUNTS", "2"),
            platform_followers=knob(environ, "PLATFORM_FOLLOWERS", "200"),
            platform_latency=knob(environ, "PLATFORM_LATENCY"),
            platform_delay=knob(environ, "PLATFORM_DELAY"),
            platform_args=tuple(words(environ, "PLATFORM_ARGS")),
            watch_concurrency=knob(environ, "WATCH_CONCURRENCY"),
            event_source_window_ms=knob(environ, "EVENT_SOURCE_WINDOW_MS", "0"),
            event_source_args=tuple(words(environ, "EVENT_SOURCE_ARGS")),
            warm_timeout=knob(environ, "WARM_TIMEOUT", "300"),
            environ=dict(environ),
        )

    @property
    def full(self):
        return self.services == "full"

    @property
    def instances(self):
        """Instances per function under watch: 3 in the full stack, watch's own 1 in the minimal one, unless set."""
        return int(self.watch_concurrency or (3 if self.full else 1))

    def child_env(self, extra=None):
        """The environment of a service: ours, the venv's tools first on PATH, and `extra`."""
        env = dict(self.environ)
        env["PATH"] = os.path.join(self.venv, "bin") + os.pathsep + env.get("PATH", "")
        env.update(extra or {})
        return env


@dataclass(frozen=True)
class Addresses:
    """The two ports a stack listens on: moto's and watch's invoke API."""

    moto_port: int
    watch_port: int

    @property
    def endpoint(self):
        return f"http://{LOOPBACK}:{self.moto_port}"

    @property
    def invoke_url(self):
        return f"http://{LOOPBACK}:{self.watch_port}"

    @property
    def probe_url(self):
        """What watch answers (405) without invoking a function: a GET of its invoke API.
        Any other path would start an instance of the default function in the minimal stack."""
        return f"{self.invoke_url}/2015-03-31/functions/webhook/invocations"

    @property
    def webhook_url(self):
        return f"{self.invoke_url}/lambda-url/webhook"

    @property
    def api_url(self):
        return f"{self.invoke_url}/lambda-url/lookup"


@dataclass(frozen=True)
class Platform:
    """What the full stack keeps of the platform emulator's printed JSON."""

    json_path: str
    console_url: str
    username: str
    password: str
    truth_url: str

    @classmethod
    def from_document(cls, document, json_path):
        account = document["accounts"][0]["account"]
        return cls(
            json_path=json_path,
            console_url=document["console_url"],
            username=account["username"],
            password=account["password"],
            truth_url=document["truth_url"],
        )


def render(pairs):
    """`KEY=value` lines."""
    return "".join(f"{key}={value}\n" for key, value in pairs)


def functions_env(settings, addresses):
    """The functions' environment under watch (the full stack appends `functions_env_more`)."""
    return render(
        [("TABLE_NAME", settings.table_name)]
        + list(aws_env(addresses.endpoint).items())
        + [("RUST_LOG", settings.rust_log)]
    )


def functions_env_more(platform):
    """What the full stack adds to `functions_env` once the emulator is up."""
    return render([("CONSOLE_URL", platform.console_url), ("API_KEYS_SECRET", API_KEYS_SECRET)])


def endpoints_env(settings, addresses, api_key=None, platform=None):
    """`endpoints.env`: the minimal stack's when there is no platform, else the full one's."""
    pairs = list(aws_env(addresses.endpoint).items()) + [
        ("TABLE_NAME", settings.table_name),
        ("WEBHOOK_URL", addresses.webhook_url),
    ]
    if platform is not None:
        pairs += [
            ("API_URL", addresses.api_url),
            ("API_KEY", api_key),
            ("API_KEYS_SECRET", API_KEYS_SECRET),
            ("CONSOLE_URL", platform.console_url),
            ("CONSOLE_USERNAME", platform.username),
            ("CONSOLE_PASSWORD", platform.password),
            ("TRUTH_URL", platform.truth_url),
            ("PLATFORM_ACCOUNTS_JSON", platform.json_path),
        ]
    return render(pairs)

"""The anchor of the push hot path: wechatpy verifies, decrypts and parses
the very push that shared/benches/push_hot_path.rs opens.

The Rust benchmark writes that push (key, appid, token, timestamp, nonce,
msg_signature and body) to target/push_hot_path/push.json; run it first.

    python scripts/bench/wechatpy_anchor.py [PUSH_JSON]

prints the median time of one verify + decrypt + parse, in microseconds.
"""

import json
import statistics
import sys
import time
from pathlib import Path

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

DEFAULT_PUSH = Path(__file__).resolve().parents[2] / "target" / "push_hot_path" / "push.json"


def load(path=DEFAULT_PUSH):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def opener(push):
    """One call opens the push the way a wechatpy webhook does."""
    crypto = WeChatCrypto(push["token"], push["encoding_aes_key"], push["appid"])
    body, signature = push["body"], push["msg_signature"]
    timestamp, nonce = push["timestamp"], push["nonce"]

    def open_push():
        return parse_message(crypto.decrypt_message(body, signature, timestamp, nonce))

    return open_push


def check(push):
    """The anchor opens the same message the Rust side does."""
    message = opener(push)()
    expected = parse_message(push["xml"])
    if (message.type, message.source, message.id, message.content) != (
        expected.type,
        expected.source,
        expected.id,
        expected.content,
    ):
        raise SystemExit("wechatpy opened another message than the benchmark's")


def measure(push, batches=15, batch=200):
    """The median over `batches` batches of the time per call, in microseconds."""
    open_push = opener(push)
    for _ in range(batch):
        open_push()
    per_call = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(batch):
            open_push()
        per_call.append((time.perf_counter() - start) / batch * 1e6)
    return statistics.median(per_call)


def main(argv):
    push = load(argv[1] if len(argv) > 1 else DEFAULT_PUSH)
    check(push)
    print(f"{measure(push):.1f}")


if __name__ == "__main__":
    main(sys.argv)

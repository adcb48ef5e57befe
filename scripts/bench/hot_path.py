"""The push hot path beside its anchor, in one run.

Runs the criterion benchmark shared/benches/push_hot_path.rs once in full
(every step), then alternates, for a few rounds, a short run of its whole
hot path with wechatpy opening the identical push (wechatpy_anchor.py), and
prints the median and the quietest of the rounds side by side:

    python scripts/bench/hot_path.py [--rounds N]

Run it with the project's venv, which has wechatpy (requirements-dev.txt).
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import wechatpy_anchor

ROOT = Path(__file__).resolve().parents[2]
GROUP = ROOT / "target" / "criterion" / "safe-mode 1 KB text push"
BENCH = ["cargo", "bench", "--quiet", "-p", "whosent-shared", "--bench", "push_hot_path", "--"]
STEPS = [
    ("msg_signature", "step_ msg_signature"),
    ("envelope (Encrypt)", "step_ envelope (Encrypt)"),
    ("decrypt", "step_ decrypt"),
    ("message XML", "step_ parse message"),
    ("features and dedupe key", "step_ features and dedupe key"),
]


def median_us(bench):
    """Criterion's median for one benchmark of the group, in microseconds."""
    estimates = json.loads((GROUP / bench / "new" / "estimates.json").read_text())
    return estimates["median"]["point_estimate"] / 1000


def hot_path_round():
    subprocess.run(
        BENCH + ["--warm-up-time", "1", "--measurement-time", "3", "--noplot", "whole hot path"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return median_us("whole hot path")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    subprocess.run(BENCH + ["--noplot"], cwd=ROOT, check=True)
    steps = [(name, median_us(bench)) for name, bench in STEPS]

    push = wechatpy_anchor.load()
    wechatpy_anchor.check(push)
    ours, theirs = [], []
    for _ in range(args.rounds):
        ours.append(hot_path_round())
        theirs.append(wechatpy_anchor.measure(push))
    hot, anchor = statistics.median(ours), statistics.median(theirs)
    quiet_hot, quiet_anchor = min(ours), min(theirs)

    print(f"\npush hot path, 1 KB safe-mode text push, {args.rounds} alternating rounds (µs)")
    print(f"{'':26} {'median':>8} {'quietest':>9}")
    print(f"{'whosent hot path':26} {hot:8.2f} {quiet_hot:9.2f}")
    print(f"{'wechatpy anchor':26} {anchor:8.2f} {quiet_anchor:9.2f}")
    print(f"{'ratio (wechatpy / ours)':26} {anchor / hot:7.1f}× {quiet_anchor / quiet_hot:8.1f}×")
    print("\nsteps alone (criterion medians, µs)")
    for name, us in steps:
        print(f"  {name:24} {us:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

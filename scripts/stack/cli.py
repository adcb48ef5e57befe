"""The command line: `up` or `down`, the settings from the environment.

The working folder becomes the checkout's root first, so that a relative
STACK_DIR means the same folder whatever the caller's folder.
"""

import os
import sys

from . import commands
from .config import Settings

USAGE = "usage: scripts/stack.sh up|down"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv, environ=None, root=ROOT):
    """Runs the command in argv[0]; returns the exit status."""
    command = argv[0] if argv else ""
    actions = {"up": commands.up, "down": commands.down}
    if command not in actions:
        print(USAGE, file=sys.stderr)
        return 2
    os.chdir(root)
    settings = Settings.from_env(os.environ if environ is None else environ, root)
    return actions[command](settings)

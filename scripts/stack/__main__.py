"""`python -m stack up|down` (from scripts/): see `stack.cli`."""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))

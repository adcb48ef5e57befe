"""Unit tests of the local stack's program: `python -m unittest discover -s stack/tests -t .`
from scripts/ (`make test` runs them). Seconds; the only processes they start
are `sleep`s and a loopback HTTP server of their own.
"""

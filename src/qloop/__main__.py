"""Allow ``python -m qloop``."""

from qloop.cli import run

run()

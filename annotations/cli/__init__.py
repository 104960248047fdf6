"""``redline``: the command line. Each module here registers one family of commands."""

from annotations.cli import corpus as _corpus  # noqa: F401  import, stats, labels
from annotations.cli.app import app, main

__all__ = ["app", "main"]

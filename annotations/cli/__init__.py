"""``redline``: the command line. Each module here registers one family of commands."""

from annotations.cli import annotate as _annotate  # noqa: F401  redline, annotate
from annotations.cli import corpus as _corpus  # noqa: F401  import, stats, labels
from annotations.cli import export as _export  # noqa: F401  export
from annotations.cli import review as _review  # noqa: F401  agreement, merge, review
from annotations.cli import suggest as _suggest  # noqa: F401  suggest
from annotations.cli.app import app, main

__all__ = ["app", "main"]

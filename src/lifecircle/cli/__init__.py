"""The ``lifecircle`` command line (one group, one error path: :mod:`lifecircle.cli.errors`)."""

from lifecircle.cli.main import main

__all__ = ["main"]

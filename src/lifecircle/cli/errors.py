"""One error path for every command: a user's mistake prints one paragraph and exits 2, never a traceback.

:class:`CommandGroup` is the click group class of ``lifecircle`` and of its sub-groups, :class:`Command` the class of
a command that may also be invoked on its own. Anything that is not a
user error (:class:`~lifecircle.errors.LifecircleInputError`, an unreadable or unwritable path, Ctrl-C) is a bug and
keeps its traceback.
"""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from lifecircle.errors import LifecircleInputError

#: Exit status of bad input.
EXIT_BAD_INPUT = 2
#: Exit status after Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130

_err = Console(stderr=True, soft_wrap=True)  # messages are not cut into 80-column lines


def print_error(message: str) -> None:
    """Print a user error (plain text, markup-escaped) to standard error."""
    _err.print(f"[bold red]Error:[/] {escape(message)}", highlight=False)


def _invoke_reporting_errors(invoke: Any, ctx: click.Context) -> Any:
    """Run a command's ``invoke`` and turn user errors into a message and an exit status."""
    try:
        return invoke(ctx)
    except LifecircleInputError as exc:
        print_error(str(exc))
        ctx.exit(EXIT_BAD_INPUT)
    except (PermissionError, FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError) as exc:
        where = f" '{exc.filename}'" if exc.filename else ""
        print_error(f"cannot read or write{where}: {exc.strerror or exc}. Check the path and its permissions "
                    "(for --out: a folder you may write to).")
        ctx.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        _err.print("[yellow]Interrupted: nothing was written to the output folder.[/]")
        ctx.exit(EXIT_INTERRUPTED)


class CommandGroup(click.Group):
    """The click group class of ``lifecircle`` and its sub-groups: user errors of any sub-command are reported by
    :func:`print_error` with the exit statuses above."""

    def invoke(self, ctx: click.Context) -> Any:
        return _invoke_reporting_errors(super().invoke, ctx)


class Command(click.Command):
    """A command that reports user errors the same way when it is invoked on its own (outside the group)."""

    def invoke(self, ctx: click.Context) -> Any:
        return _invoke_reporting_errors(super().invoke, ctx)

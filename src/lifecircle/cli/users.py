"""``lifecircle users``: the accounts of the shared workspace (``lifecircle serve``), kept in the monitoring store.

Stop the server first: the store has one writer at a time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lifecircle.cli.errors import CommandGroup
from lifecircle.monitor.store import DEFAULT_STORE, open_store

_STORE = click.option("--store", "store_path", type=click.Path(path_type=Path), default=DEFAULT_STORE,
                      show_default=True, envvar="LIFECIRCLE_STORE", help="The monitoring store (a DuckDB file).")
_PASSWORD_STDIN = click.option("--password-stdin", is_flag=True,
                               help="Read the password from the first line of standard input (for scripts).")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def users() -> None:
    """Accounts of the shared workspace: admin (accounts, targets, runs), editor (its unit's projects), viewer.

    \b
      lifecircle users add NAME --role editor --unit 区教委    (asks for the password)
      lifecircle users list
      lifecircle users disable NAME
      lifecircle users passwd NAME
    """


@users.command()
@click.argument("user_name")
@click.option("--role", type=click.Choice(["admin", "editor", "viewer"]), required=True, help="What the account may do.")
@click.option("--unit", help="An editor's responsible unit (责任单位), exactly as in the project list.")
@_PASSWORD_STDIN
@_STORE
def add(user_name: str, role: str, unit: str | None, password_stdin: bool, store_path: Path) -> None:
    """Create an account."""
    from lifecircle.serve.accounts import add_user, check_user_name

    check_user_name(user_name)
    with open_store(store_path, create=True) as store:
        add_user(store, user_name, role, _password(password_stdin), unit=unit, by="cli")
    click.echo(f"Added {role} '{user_name}'" + (f" of {unit}" if unit else "") + f" to {store_path}.")


@users.command(name="list")
@_STORE
def list_(store_path: Path) -> None:
    """List the accounts."""
    from lifecircle.serve.accounts import list_users

    with open_store(store_path) as store:
        df = list_users(store)
    table = Table("user", "role", "unit", "active", "created")
    for r in df.itertuples(index=False):
        table.add_row(escape(r.user_name), r.role, escape(r.unit or ""), "yes" if r.active else "no",
                      str(r.created_at)[:19])
    Console(soft_wrap=True).print(table)


@users.command()
@click.argument("user_name")
@_STORE
def disable(user_name: str, store_path: Path) -> None:
    """Disable an account (its sessions end; its audit trail stays)."""
    from lifecircle.serve.accounts import disable_user

    with open_store(store_path) as store:
        disable_user(store, user_name, by="cli")
    click.echo(f"Disabled '{user_name}'.")


@users.command()
@click.argument("user_name")
@_PASSWORD_STDIN
@_STORE
def passwd(user_name: str, password_stdin: bool, store_path: Path) -> None:
    """Set an account's password (its other sessions end)."""
    from lifecircle.serve.accounts import set_password

    with open_store(store_path) as store:
        set_password(store, user_name, _password(password_stdin), by="cli")
    click.echo(f"Password of '{user_name}' set.")

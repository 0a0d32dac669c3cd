"""``lifecircle serve``: the shared workspace in the browser over the monitoring store and results folders."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from lifecircle.cli.errors import Command
from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.store import DEFAULT_STORE


@click.command(cls=Command, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--store", "store_path", type=click.Path(path_type=Path), default=DEFAULT_STORE, show_default=True,
              envvar="LIFECIRCLE_STORE", help="The monitoring store (a DuckDB file); the server is its one writer.")
@click.option("--results", "results", type=click.Path(path_type=Path), multiple=True,
              help="A results folder to show on the map and try plans on; repeat for several.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1: this machine only; put a TLS proxy in front for a network).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--demo", is_flag=True, help="Run the demo data into a temporary store and serve it (prints accounts).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def serve(store_path: Path, results: tuple[Path, ...], host: str, port: int, demo: bool, quiet: bool) -> None:
    """Serve the district's life-circle workspace: overview, map, live what-if, the project list by unit.

    \b
      lifecircle users add admin --role admin        (once: the first account)
      lifecircle serve --results RUN_DIR             then open http://127.0.0.1:8000
      lifecircle serve --demo                        everything from the embedded demo data
    """
    from lifecircle.serve.server import serve as run_server

    if demo:
        from lifecircle.serve.demo import make_demo

        with tempfile.TemporaryDirectory(prefix="lifecircle-demo-") as tmp:
            made = make_demo(Path(tmp), quiet=quiet)
            click.echo("Demo accounts (user / password):")
            for name, password in made.accounts.items():
                click.echo(f"  {name:8s} {password}")
            click.echo(f"Open http://{host}:{port}/  (Ctrl+C stops the server and deletes the demo data)")
            run_server(made.store, [made.results], host, port)
        return
    if not store_path.exists():
        raise LifecircleInputError(
            f"There is no store at '{store_path}'. Create it with 'lifecircle monitor init --store {store_path}' and "
            "an account with 'lifecircle users add NAME --role admin', or try 'lifecircle serve --demo'.")
    click.echo(f"Serving {store_path} on http://{host}:{port}/ (Ctrl+C stops)")
    run_server(store_path, list(results), host, port)

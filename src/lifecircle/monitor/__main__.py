"""``python -m lifecircle.monitor ...``: the monitor commands without the main CLI."""

from lifecircle.monitor.cli import monitor

if __name__ == "__main__":
    monitor(prog_name="lifecircle monitor")

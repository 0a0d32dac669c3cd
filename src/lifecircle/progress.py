"""Progress display for long steps: rich progress bars on a terminal, silent with ``--quiet``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class Steps:
    """Named pipeline steps with a progress bar each and their wall times (seconds) for ``run.json``.

    ``with steps.step("Building the walking network") as update: ... update(0.5)`` shows a bar; ``update(fraction)``
    moves it (0–1). Steps that never call ``update`` show a spinner.
    """

    def __init__(self, quiet: bool = False, console: Console | None = None):
        self.quiet = quiet
        self.console = console or Console(stderr=True)
        self.timings_s: dict[str, float] = {}
        self._progress: Progress | None = None

    def __enter__(self) -> Steps:
        if not self.quiet:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                console=self.console,
                transient=False,
            )
            self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)  # type: ignore[arg-type]
            self._progress = None

    @contextmanager
    def step(self, name: str) -> Iterator[Callable[..., None]]:
        """Time a step and show its bar; yields ``update(fraction)``."""
        task = self._progress.add_task(name, total=1.0) if self._progress is not None else None

        def update(fraction: float, *_: object) -> None:
            if task is not None and self._progress is not None:
                self._progress.update(task, completed=max(0.0, min(1.0, float(fraction))))

        start = time.perf_counter()
        yield update
        self.timings_s[name] = round(time.perf_counter() - start, 3)
        update(1.0)

    def info(self, message: str) -> None:
        if not self.quiet:
            self.console.print(message)

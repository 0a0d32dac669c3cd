"""The Dask distributed client of a batch: an embedded ``LocalCluster`` (worker processes on this machine, loopback
only) by default, or a running cluster joined at ``tcp://HOST:8786``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lifecircle.errors import LifecircleInputError

#: Seconds to wait for a scheduler given with ``--scheduler`` before giving up.
CONNECT_TIMEOUT_S = 10.0


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[object]:
    """A ``distributed.Client``: joined to ``scheduler`` when given, else on a new ``LocalCluster`` of ``workers``
    single-threaded worker processes (default: the machine's cores; the engine's numba threads limited to one
    per worker, so workers do not compete for the cores) listening on 127.0.0.1 only; the dashboard on
    a free loopback port. Both are closed on exit.

    Raises
    ------
    LifecircleInputError
        The scheduler address cannot be reached.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise LifecircleInputError(
                f"Cannot reach the Dask scheduler at '{scheduler}' ({type(exc).__name__}: {exc}). Check that it runs "
                "('dask scheduler' on that host), the address and port (tcp://HOST:8786), and the firewall; or leave "
                "--scheduler out to run on this machine."
            ) from exc
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0", silence_logs=50,
                           env={"NUMBA_NUM_THREADS": "1"})
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()

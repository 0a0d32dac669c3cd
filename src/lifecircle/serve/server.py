"""Run the workspace under uvicorn on one process (the store's one writer)."""

from __future__ import annotations

from pathlib import Path

from lifecircle.serve.app import create_app
from lifecircle.serve.workspace import Workspace


def serve(store: Path, results: list[Path], host: str = "127.0.0.1", port: int = 8000,
          log_level: str = "warning") -> None:
    """Open the store and the results folders and answer HTTP on ``host:port`` until interrupted (Ctrl+C)."""
    import uvicorn

    workspace = Workspace(store, results)
    try:
        uvicorn.run(create_app(workspace), host=host, port=port, log_level=log_level, workers=1,
                    timeout_graceful_shutdown=5)
    finally:
        workspace.close()

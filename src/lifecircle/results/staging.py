"""Staged writes so an interrupted run never leaves a half-written file behind.

Every file of a run is first written into a hidden staging folder beside the target (same file system), and moved
into place with :func:`os.replace` only when the whole run has succeeded. A run stopped by an error or Ctrl-C removes
its staging folder; the results folder keeps whatever complete files it had before.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd


def sha256_of(path: str | os.PathLike[str], chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk_bytes):
            h.update(block)
    return h.hexdigest()


class StagedFolder:
    """A staging folder whose files replace those of ``target`` on :meth:`commit`.

    Use through :func:`staged_results`. ``path(name)`` gives where to write a file; readers of ``target`` never see
    it until commit.
    """

    def __init__(self, target: Path):
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))

    def path(self, name: str) -> Path:
        return self.staging / name

    def write_parquet(self, frame: pd.DataFrame, name: str) -> Path:
        """Write a (Geo)DataFrame as (Geo)Parquet into the staging folder."""
        p = self.path(name)
        frame.to_parquet(p, index=False)
        return p

    def write_json(self, obj: dict[str, Any], name: str) -> Path:
        p = self.path(name)
        p.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        return p

    def commit(self) -> None:
        """Move every staged file into ``target`` (each move atomic), then remove the staging folder."""
        self.target.mkdir(parents=True, exist_ok=True)
        for item in sorted(self.staging.iterdir()):
            os.replace(item, self.target / item.name)
        self.staging.rmdir()

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


@contextmanager
def staged_results(target: str | os.PathLike[str]) -> Iterator[StagedFolder]:
    """Stage a run's files and publish them into ``target`` only if the block finishes without an exception."""
    folder = StagedFolder(Path(target))
    try:
        yield folder
    except BaseException:
        folder.discard()
        raise
    folder.commit()

"""The clip store: one directory per clip, written atomically.

A clip's files are written into a temporary directory beside the store's clips, flushed to disk,
then renamed into place in one step, so a crash leaves either no clip or a whole clip — never half
of one.  The database row for a clip is written only after its directory exists.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["ClipStore"]

log = logging.getLogger(__name__)

_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TMP_PREFIX = ".tmp-"
_OLD_PREFIX = ".old-"


class ClipStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def path(self, clip_id: str) -> Path:
        if not _ID_RE.match(clip_id):
            raise ValueError(f"bad clip id {clip_id!r}")
        return self.root / clip_id

    def exists(self, clip_id: str) -> bool:
        return self.path(clip_id).is_dir()

    def write(self, clip_id: str, files: Mapping[str, bytes]) -> Path:
        """Write ``files`` (name → bytes) as the clip's directory, atomically.  A directory left
        by an earlier attempt of the same job is replaced."""
        final = self.path(clip_id)
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f"{_TMP_PREFIX}{clip_id}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            for name, data in files.items():
                if "/" in name or name.startswith("."):
                    raise ValueError(f"bad file name {name!r}")
                with open(tmp / name, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            _fsync_dir(tmp)
            if final.exists():
                old = self.root / f"{_OLD_PREFIX}{clip_id}-{uuid.uuid4().hex[:8]}"
                os.rename(final, old)
                os.rename(tmp, final)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, final)
            _fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def read_meta(self, clip_id: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.path(clip_id) / "meta.json").read_text())
        return data

    def delete(self, clip_id: str) -> bool:
        path = self.path(clip_id)
        if not path.exists():
            return False
        shutil.rmtree(path)
        return True

    def sweep(self, older_than_s: float = 3600.0) -> int:
        """Remove temporary directories left by crashed writers; returns how many."""
        if not self.root.exists():
            return 0
        removed = 0
        cutoff = time.time() - older_than_s
        for entry in self.root.iterdir():
            if entry.name.startswith((_TMP_PREFIX, _OLD_PREFIX)) and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
        if removed:
            log.info("removed %d stale temporary clip directories", removed)
        return removed


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

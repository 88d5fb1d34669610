"""The Ray actor behind :class:`bot.runtime.ray_executor.RayExecutor`: one backend loaded once,
many jobs.

It is the Ray counterpart of a ``bot.runtime.worker`` process and runs the same pipeline
(:func:`bot.runtime.pipeline.render_job`).  Nodes of a Ray cluster do not share the bot's disk, so
the stored sections a job continues from travel with the job as bytes, and the finished clip comes
back as bytes for the bot to write into its own clip store.  Errors come back as plain data
(never as pickled exceptions), so the bot side does not depend on how Ray wraps them.

Runs threaded (``max_concurrency=2``): ``cancel`` and ``progress`` answer while ``render`` runs.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.runtime.jobs import JobProgress, RenderJob, StoredSection
from bot.runtime.protocol import job_failure
from models.base import BackendConfig

__all__ = ["RenderActor"]

log = logging.getLogger(__name__)

#: A job as it travels: ``{"job": RenderJob.to_dict(), "files": {stored path: bytes}}``.
Payload = dict[str, Any]


class RenderActor:
    def __init__(
        self, backend: str, config: BackendConfig, extra_backends: Mapping[str, str] | None = None
    ) -> None:
        """``extra_backends``: more ``name → "module:function"`` factory entries (a backend
        installed on the nodes as a plugin)."""
        from models import factory
        from models.factory import load_backend

        factory.BACKENDS.update(extra_backends or {})
        self._name = backend
        self._backend = load_backend(backend, config)
        self._lock = threading.Lock()
        self._progress: dict[str, list[dict[str, Any]]] = {}  # job id → updates not yet read
        self._cancelled: set[str] = set()

    def ready(self) -> dict[str, Any]:
        return {"backend": self._name, "pid": os.getpid(), "node": socket.gethostname()}

    def progress(self, job_id: str) -> list[dict[str, Any]]:
        """The job's progress updates since the last call (oldest first)."""
        with self._lock:
            updates = self._progress.get(job_id, [])
            if updates:
                self._progress[job_id] = []
            return updates

    def cancel(self, job_id: str) -> None:
        with self._lock:
            self._cancelled.add(job_id)

    def render(self, payload: Payload) -> dict[str, Any]:
        """Run one job; ``{"ok": True, "clip": ClipFiles.to_dict(), "files": {...}}`` or
        ``{"ok": False, "user_message", "detail", "retryable", "cancelled"}``, with
        ``"progress"``: the updates nobody has read yet."""
        job_id = str(payload["job"]["job_id"])
        try:
            result = self._render(payload)
        finally:
            with self._lock:
                unread = self._progress.pop(job_id, [])
                self._cancelled.discard(job_id)
        return result | {"progress": unread}

    def _render(self, payload: Payload) -> dict[str, Any]:
        from bot.runtime.pipeline import render_job
        from models.base import MusicBackend

        job = RenderJob.from_dict(payload["job"])
        assert isinstance(self._backend, MusicBackend)

        def report(update: JobProgress) -> None:
            with self._lock:
                self._progress.setdefault(job.job_id, []).append(update.to_dict())

        def should_cancel() -> bool:
            with self._lock:
                return job.job_id in self._cancelled

        try:
            with tempfile.TemporaryDirectory(prefix="composer-ray-") as tmp:
                local = _materialise(job, payload.get("files", {}), Path(tmp) / "in")
                clip = render_job(
                    local,
                    self._backend,
                    Path(tmp) / "clips",
                    progress=report,
                    should_cancel=should_cancel,
                )
                directory = Path(clip.directory)
                files = {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}
                return {"ok": True, "clip": clip.to_dict(), "files": files}
        except Exception as exc:
            failed = job_failure(job.job_id, exc)
            return {
                "ok": False,
                "user_message": failed.user_message,
                "detail": failed.detail,
                "retryable": failed.retryable,
                "cancelled": failed.cancelled,
            }

    def close(self) -> None:
        self._backend.close()


def pack(job: RenderJob) -> Payload:
    """The job plus the bytes of every stored file it reads (read on the bot's machine)."""
    files: dict[str, bytes] = {}
    for stored in _stored(job):
        for path in (stored.stem_path, stored.state_path):
            if path and path not in files:
                files[path] = Path(path).read_bytes()
    return {"job": job.to_dict(), "files": files}


def _stored(job: RenderJob) -> list[StoredSection]:
    return [*([job.previous] if job.previous else []), *job.stitch, *job.refine]


def _materialise(job: RenderJob, files: dict[str, bytes], into: Path) -> RenderJob:
    """Write the shipped files under ``into`` and point the job at them."""
    into.mkdir(parents=True)
    moved: dict[str, str] = {}
    for i, (original, data) in enumerate(sorted(files.items())):
        target = into / f"{i}-{Path(original).name}"
        target.write_bytes(data)
        moved[original] = str(target)

    def local(s: StoredSection) -> StoredSection:
        state = moved.get(s.state_path, s.state_path) if s.state_path else None
        return replace(s, stem_path=moved.get(s.stem_path, s.stem_path), state_path=state)

    return replace(
        job,
        previous=local(job.previous) if job.previous else None,
        stitch=tuple(local(s) for s in job.stitch),
        refine=tuple(local(s) for s in job.refine),
    )

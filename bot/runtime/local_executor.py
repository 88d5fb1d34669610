"""An in-process :class:`~bot.runtime.scheduler.Executor`: the real pipeline
(:func:`bot.runtime.pipeline.render_job`) in worker threads, with backends loaded in this process.

Used by the CLI, benchmarks, fast scheduler tests and ``python -m bot.host --executor local``.
Each loaded backend instance is one slot (backends are not assumed to be thread-safe).  A thread
cannot be killed: cancellation and timeouts set a flag the pipeline checks between steps and in
every progress report; a slot whose render ignores the flag stays busy until it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from bot.runtime.jobs import ClipFiles, JobProgress, RenderJob
from bot.runtime.pool import JobError, JobTimedOut
from bot.settings import WORKER_SOUNDFONT, Settings
from models.base import BackendConfig, MusicBackend

__all__ = ["LocalExecutor", "RenderFn"]

log = logging.getLogger(__name__)


class RenderFn(Protocol):
    """The shape of :func:`bot.runtime.pipeline.render_job`."""

    def __call__(
        self,
        job: RenderJob,
        backend: MusicBackend,
        clips_dir: Path,
        *,
        progress: Callable[[JobProgress], None] | None = ...,
        should_cancel: Callable[[], bool] | None = ...,
    ) -> ClipFiles: ...


def _default_render() -> RenderFn:
    from bot.runtime.pipeline import render_job

    return render_job


class LocalExecutor:
    def __init__(
        self,
        backends: Mapping[str, Sequence[MusicBackend]],
        clips_dir: Path,
        *,
        job_timeout_s: float | None = None,
        cancel_grace_s: float = 30.0,
        render: RenderFn | None = None,
    ) -> None:
        """``backends``: name → loaded instances (one slot each).  ``job_timeout_s`` caps every
        job's own ``timeout_s``."""
        self._free: dict[str, list[MusicBackend]] = {n: list(b) for n, b in backends.items() if b}
        self._all = [b for group in self._free.values() for b in group]
        self._clips_dir = Path(clips_dir)
        self._cap_s = job_timeout_s
        self._grace_s = cancel_grace_s
        self._render = render or _default_render()
        self._threads = ThreadPoolExecutor(
            max_workers=max(1, len(self._all)), thread_name_prefix="render"
        )
        self._flags: dict[str, threading.Event] = {}
        self._released = asyncio.Event()

    @classmethod
    def load(
        cls,
        settings: Settings,
        slots: Mapping[str, int] | None = None,
        *,
        render: RenderFn | None = None,
    ) -> LocalExecutor:
        """Load ``slots`` (backend → instances; default one of ``settings.default_backend``)."""
        from models.factory import load_backend

        wanted = slots or {settings.default_backend: 1}
        soundfont = settings.soundfont_or(WORKER_SOUNDFONT)
        config = BackendConfig(sample_rate=settings.sample_rate, soundfont=soundfont)
        backends = {
            name: [load_backend(name, config) for _ in range(n)] for name, n in wanted.items()
        }
        return cls(
            backends, settings.clips_dir, job_timeout_s=settings.job_timeout_s, render=render
        )

    # --- Executor ------------------------------------------------------------------------

    def backends(self) -> frozenset[str]:
        return frozenset(self._free)

    def free_slots(self, backend: str) -> int:
        return len(self._free.get(backend, ()))

    async def run(self, job: RenderJob, progress: Callable[[JobProgress], None]) -> ClipFiles:
        if job.backend not in self._free:
            raise JobError(
                f"The {job.backend} composer is not available here.",
                detail=f"local executor has no {job.backend!r} backend",
            )
        loop = asyncio.get_running_loop()
        pool = self._free[job.backend]
        while not pool:  # the scheduler only calls run() with a free slot; others wait
            self._released.clear()
            await self._released.wait()
        backend = pool.pop()  # taken before any await: free_slots() drops at once
        flag = threading.Event()
        self._flags[job.job_id] = flag

        def emit(update: JobProgress) -> None:
            loop.call_soon_threadsafe(progress, update)

        future: Future[ClipFiles] = self._threads.submit(
            self._render,
            job,
            backend,
            self._clips_dir,
            progress=emit,
            should_cancel=flag.is_set,
        )

        # The slot comes back only when the thread is really done (it cannot be killed).
        def release(_done: Future[ClipFiles]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(self._release, job.backend, backend)

        future.add_done_callback(release)
        wrapped = asyncio.wrap_future(future)
        timeout_s = job.timeout_s if self._cap_s is None else min(job.timeout_s, self._cap_s)
        try:
            done, _ = await asyncio.wait({wrapped}, timeout=timeout_s)
            if not done:
                log.warning("job %s timed out after %g s; stopping it", job.job_id, timeout_s)
                flag.set()
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(asyncio.shield(wrapped), self._grace_s)
                raise JobTimedOut(timeout_s)
            return wrapped.result()
        except asyncio.CancelledError:
            flag.set()
            raise
        finally:
            self._flags.pop(job.job_id, None)

    def _release(self, name: str, backend: MusicBackend) -> None:
        self._free[name].append(backend)
        self._released.set()

    async def cancel(self, job_id: str) -> bool:
        flag = self._flags.get(job_id)
        if flag is None:
            return False
        flag.set()
        return True

    # --- lifecycle -----------------------------------------------------------------------

    async def close(self) -> None:
        """Stop every running render, wait for the threads, release the backends."""
        for flag in self._flags.values():
            flag.set()
        await asyncio.to_thread(self._threads.shutdown, wait=True)
        for backend in self._all:
            with contextlib.suppress(Exception):
                backend.close()

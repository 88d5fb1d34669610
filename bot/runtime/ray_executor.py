"""Scale-out past one machine through Ray: an :class:`~bot.runtime.scheduler.Executor` whose
workers are Ray actors (:class:`bot.runtime.ray_actor.RenderActor`) placed anywhere in a Ray
cluster.

The bot keeps everything that must survive a crash — the durable queue, the clip store, delivery —
on its own machine; Ray only runs renders.  Each ``[[workers]]`` device becomes one actor that
loads its backend once: a ``cuda:N`` entry asks Ray for one GPU (Ray picks the node and sets
``CUDA_VISIBLE_DEVICES``), a ``cpu`` entry for one CPU.  Jobs carry the stored sections they
continue from as bytes and clips come back as bytes, so nodes need no shared disk.

Supervision matches the local worker pool: a job past its timeout kills its actor (a fresh one
replaces it) and raises :class:`~bot.runtime.pool.JobTimedOut`; an actor that dies (node lost,
OOM, kill) raises :class:`~bot.runtime.pool.WorkerCrashed`; both are retried by the scheduler.

``settings.ray_address``: ``"auto"`` or ``"ray://head:10001"`` joins a cluster; ``"local"``
starts a private single-node Ray (tests, trying it out).  Needs ``pip install
'composer-bot[ray]'`` on the bot's machine and on every node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.errors import ConfigError, JobCancelled
from bot.runtime.jobs import ClipFiles, JobProgress, RenderJob
from bot.runtime.pool import JobError, JobTimedOut, WorkerCrashed
from bot.runtime.pool.launch import worker_specs
from bot.runtime.ray_actor import RenderActor, pack
from bot.settings import WORKER_SOUNDFONT, Settings, WorkerSpec
from bot.storage.clip_store import ClipStore
from models.base import BackendConfig

__all__ = ["RayExecutor"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Actor:
    name: str  # the Ray actor's name in the namespace (a replacement gets the same name)
    backend: str
    device: str
    config: BackendConfig
    handle: Any = None
    job_id: str | None = None
    info: dict[str, Any] = field(default_factory=dict)


class RayExecutor:
    def __init__(
        self,
        settings: Settings,
        *,
        address: str | None = None,
        cpu_workers: int | None = None,
        poll_interval_s: float = 0.5,
        namespace: str = "composer",
        extra_backends: Mapping[str, str] | None = None,
    ) -> None:
        self._settings = settings
        self._address = address or settings.ray_address or "local"
        self._poll_s = poll_interval_s
        self._namespace = namespace
        self._extra = dict(extra_backends or {})
        self._tag = uuid.uuid4().hex[:8]
        self._store = ClipStore(settings.clips_dir)
        specs = worker_specs(settings, cpu_workers=cpu_workers)
        counters: dict[str, int] = {}
        self._actors: list[_Actor] = []
        for spec in specs:
            for device in spec.devices:
                index = counters[spec.backend] = counters.get(spec.backend, -1) + 1
                name = f"composer-{self._tag}-{spec.backend}-{index}"
                self._actors.append(
                    _Actor(name, spec.backend, device, _config(settings, spec, device))
                )
        self._changed = asyncio.Event()
        self._started_ray = False
        self._closing = False

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self, *, ready_timeout_s: float | None = None) -> None:
        """Connect to (or start) Ray, create every actor and wait until each has loaded."""
        try:
            import ray
        except ImportError as exc:
            raise ConfigError(
                "Ray is not installed: pip install 'composer-bot[ray]'", detail=str(exc)
            ) from exc
        if not ray.is_initialized():
            local = self._address == "local"
            # On the loop's (main) thread: Ray installs its signal handlers there.  Start-up only.
            ray.init(
                address=None if local else self._address,
                namespace=self._namespace,
                include_dashboard=False,
                configure_logging=False,
                log_to_driver=False,
                num_cpus=max(2, len(self._actors)) if local else None,
            )
            self._started_ray = True
        timeout_s = ready_timeout_s or self._settings.worker_ready_timeout_s
        await asyncio.wait_for(asyncio.gather(*(self._spawn(a) for a in self._actors)), timeout_s)
        log.info(
            "Ray executor ready: %s",
            ", ".join(
                f"{a.backend}@{a.info.get('node')}:{a.info.get('pid')}" for a in self._actors
            ),
        )

    async def _spawn(self, actor: _Actor) -> None:
        import ray

        gpu = actor.device.startswith("cuda")
        # Threaded (2): `progress` and `cancel` answer while `render` runs.
        remote = ray.remote(RenderActor).options(
            max_concurrency=2,
            name=actor.name,
            num_gpus=1 if gpu else 0,
            num_cpus=0 if gpu else 1,
            max_restarts=0,
        )
        actor.handle = remote.remote(actor.backend, actor.config, self._extra)
        actor.info = await actor.handle.ready.remote()
        actor.job_id = None
        self._changed.set()

    async def shutdown(self, drain_timeout_s: float = 30.0) -> None:
        """Stop taking work, let running jobs finish until the deadline, then kill the actors."""
        import ray

        self._closing = True
        deadline = time.monotonic() + drain_timeout_s
        while any(a.job_id for a in self._actors) and time.monotonic() < deadline:
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
        for actor in self._actors:
            if actor.handle is not None:
                with contextlib.suppress(Exception):
                    ray.kill(actor.handle)
                actor.handle = None
        if self._started_ray:
            await asyncio.to_thread(ray.shutdown)
            self._started_ray = False

    def actor_names(self) -> tuple[str, ...]:
        """The Ray names of the actors (``ray.get_actor(name, namespace=...)``)."""
        return tuple(a.name for a in self._actors)

    # --- Executor ------------------------------------------------------------------------

    def backends(self) -> frozenset[str]:
        return frozenset(a.backend for a in self._actors)

    def free_slots(self, backend: str) -> int:
        if self._closing:
            return 0
        return sum(1 for a in self._actors if a.backend == backend and self._idle(a))

    @staticmethod
    def _idle(actor: _Actor) -> bool:
        return actor.handle is not None and actor.job_id is None

    async def run(self, job: RenderJob, progress: Callable[[JobProgress], None]) -> ClipFiles:
        if job.backend not in self.backends():
            raise JobError(
                f"The {job.backend} composer is not available here.",
                detail=f"no Ray actor serves {job.backend!r}",
            )
        actor = await self._acquire(job)
        try:
            result = await self._render(actor, job, progress)
        finally:
            actor.job_id = None
            self._changed.set()
        if result["ok"]:  # megabytes written and fsynced: off the event loop
            return await asyncio.to_thread(self._store_clip, job, result)
        if result["cancelled"]:
            raise JobCancelled(result["user_message"], detail=result["detail"])
        raise JobError(result["user_message"], result["retryable"], detail=result["detail"])

    async def _acquire(self, job: RenderJob) -> _Actor:
        while True:
            for actor in self._actors:
                if actor.backend == job.backend and self._idle(actor):
                    actor.job_id = job.job_id  # taken before any await
                    return actor
            self._changed.clear()
            await self._changed.wait()

    async def _render(
        self, actor: _Actor, job: RenderJob, progress: Callable[[JobProgress], None]
    ) -> dict[str, Any]:
        import ray

        payload = await asyncio.to_thread(pack, job)
        ref = actor.handle.render.remote(payload)
        future = asyncio.ensure_future(_await_ref(ref))
        deadline = time.monotonic() + job.timeout_s
        wait_s = min(0.05, self._poll_s)  # early polls come quickly: short jobs show progress too
        try:
            while True:
                left_s = deadline - time.monotonic()
                done, _ = await asyncio.wait({future}, timeout=min(wait_s, max(0, left_s)))
                wait_s = min(wait_s * 2, self._poll_s)
                if done:
                    result: dict[str, Any] = future.result()
                    for update in result.pop("progress", []):
                        progress(JobProgress.from_dict(update))
                    return result
                if left_s <= 0:
                    log.warning("job %s timed out after %g s on Ray", job.job_id, job.timeout_s)
                    await self._replace(actor)
                    raise JobTimedOut(job.timeout_s)
                with contextlib.suppress(ray.exceptions.RayError, TimeoutError):
                    updates = await asyncio.wait_for(
                        _await_ref(actor.handle.progress.remote(job.job_id)), self._poll_s * 4
                    )
                    for update in updates:
                        progress(JobProgress.from_dict(update))
        except ray.exceptions.RayActorError as exc:
            log.warning("Ray actor for job %s died: %s", job.job_id, exc)
            await self._replace(actor)
            raise WorkerCrashed(f"Ray actor died: {type(exc).__name__}") from exc
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                actor.handle.cancel.remote(job.job_id)
            raise
        finally:
            if not future.done():
                future.cancel()
            elif not future.cancelled():
                future.exception()  # retrieved: a dead actor's error was handled above

    async def _replace(self, actor: _Actor) -> None:
        import ray

        with contextlib.suppress(Exception):
            ray.kill(actor.handle)
        actor.handle = None
        if self._closing:
            return
        try:
            await asyncio.wait_for(self._spawn(actor), self._settings.worker_ready_timeout_s)
        except Exception:
            log.exception("could not restart the Ray actor for %s", actor.backend)
            actor.handle = None

    def _store_clip(self, job: RenderJob, result: dict[str, Any]) -> ClipFiles:
        directory = self._store.write(job.clip_id, result["files"])
        remote = ClipFiles.from_dict(result["clip"])

        def here(path: str | None) -> str | None:
            return str(directory / path.rsplit("/", 1)[-1]) if path else None

        data = remote.to_dict() | {
            "directory": str(directory),
            "audio_path": here(remote.audio_path),
            "midi_path": here(remote.midi_path),
            "waveform_path": here(remote.waveform_path),
            "stem_path": here(remote.stem_path),
            "state_path": here(remote.state_path),
        }
        return ClipFiles.from_dict(data)

    async def cancel(self, job_id: str) -> bool:
        for actor in self._actors:
            if actor.job_id == job_id and actor.handle is not None:
                await _await_ref(actor.handle.cancel.remote(job_id))
                return True
        return False


async def _await_ref(ref: Any) -> Any:
    return await ref


def _config(settings: Settings, spec: WorkerSpec, device: str) -> BackendConfig:
    return BackendConfig(
        device="cuda:0" if device.startswith("cuda") else device,
        sample_rate=settings.sample_rate,
        soundfont=settings.soundfont_or(WORKER_SOUNDFONT),
        checkpoint_dir=spec.checkpoint_dir,
        half_precision=spec.half_precision,
    )

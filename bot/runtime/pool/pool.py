"""The worker pool: long-lived worker processes, supervised, behind the scheduler's ``Executor``.

One supervisor task per configured worker owns its process: it launches it, waits for READY,
watches heartbeats and kill requests, and restarts it (with exponential backoff after a crash or a
failed start; at once after a timeout or a cancel).  ``run`` takes an *idle* worker of the job's
backend; when all are busy or restarting it **waits** for one (the scheduler normally calls it only
when ``free_slots`` > 0).  It raises :class:`JobError` at once when the backend has no worker that
can start (none configured, a missing checkpoint, repeated start failures).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot.errors import ConfigError
from bot.runtime.jobs import ClipFiles, JobProgress, RenderJob
from bot.runtime.pool.errors import JobError, WorkerCrashed
from bot.runtime.pool.launch import plan_workers
from bot.runtime.pool.process import ExitReason, WorkerProcess, WorkerStartError
from bot.runtime.pool.slot import PoolStats, Slot, WorkerState, WorkerStats
from bot.settings import Settings

__all__ = ["PoolStats", "WorkerPool", "WorkerState", "WorkerStats"]

log = logging.getLogger(__name__)

#: Consecutive failed starts after which a backend counts as unavailable (``run`` raises).
UNAVAILABLE_AFTER_FAILED_STARTS = 3


class WorkerPool:
    """Implements the scheduler's ``Executor`` protocol over supervised worker processes."""

    def __init__(
        self,
        settings: Settings,
        *,
        cpu_workers: int | None = None,
        cancel_grace_s: float = 5.0,
        shutdown_grace_s: float = 5.0,
        terminate_grace_s: float = 3.0,
        restart_backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
    ) -> None:
        if settings.heartbeat_timeout_s <= settings.heartbeat_interval_s:
            raise ConfigError(
                "heartbeat_timeout_s must be longer than heartbeat_interval_s "
                f"({settings.heartbeat_timeout_s:g} <= {settings.heartbeat_interval_s:g})"
            )
        self._settings = settings
        self._slots = tuple(
            Slot(launch) for launch in plan_workers(settings, cpu_workers=cpu_workers)
        )
        self._cancel_grace_s = cancel_grace_s
        self._shutdown_grace_s = shutdown_grace_s
        self._terminate_grace_s = terminate_grace_s
        self._backoff_s = restart_backoff_s
        self._max_backoff_s = max_backoff_s
        self._changed = asyncio.Event()
        self._started = False
        self._closing = False

    # --- Executor ------------------------------------------------------------------------

    def backends(self) -> frozenset[str]:
        return frozenset(s.launch.backend for s in self._slots)

    def free_slots(self, backend: str) -> int:
        if self._closing:
            return 0
        return sum(1 for s in self._slots if s.launch.backend == backend and s.idle)

    async def run(self, job: RenderJob, progress: Callable[[JobProgress], None]) -> ClipFiles:
        """Run ``job`` on an idle worker of its backend (waiting for one if all are busy).

        Raises :class:`JobError` (the job failed, or the backend cannot run anything),
        :class:`WorkerCrashed`, :class:`JobTimedOut` or :class:`bot.errors.JobCancelled`.
        """
        slot = await self._acquire(job.backend)
        process = slot.process
        assert process is not None
        timeout_s = min(self._settings.job_timeout_s, job.timeout_s)
        handed_at = slot.last_used = asyncio.get_running_loop().time()
        future = process.begin(job, progress, timeout_s)
        log.info("job %s → worker %s (limit %g s)", job.job_id, slot.launch.name, timeout_s)
        try:
            finished, _ = await asyncio.wait({future}, timeout=timeout_s)
            if not finished:
                log.warning(
                    "job %s timed out after %g s on worker %s; killing it",
                    job.job_id,
                    timeout_s,
                    slot.launch.name,
                )
                process.request_kill(ExitReason.TIMEOUT)
                await asyncio.wait({future}, timeout=60.0)
            if not future.done():  # cannot happen unless the kill itself hangs
                raise WorkerCrashed(f"worker {slot.launch.name} could not be stopped")
        except asyncio.CancelledError:
            # The caller gave up: do not leave the job running on the worker.
            process.request_cancel(job.job_id, self._cancel_grace_s)
            raise
        try:
            done = future.result()
        except BaseException:
            slot.jobs_failed += 1
            raise
        run_s = asyncio.get_running_loop().time() - handed_at
        slot.jobs_done += 1
        slot.crashes = 0
        slot.busy_s += done.elapsed_s
        slot.run_s += run_s
        log.info("job %s done on worker %s in %.3f s (pool overhead %.1f ms)", job.job_id,
                 slot.launch.name, run_s, (run_s - done.elapsed_s) * 1000)  # fmt: skip
        return done.clip

    async def cancel(self, job_id: str) -> bool:
        """Cancel a running job: ``True`` if it was running here (its ``run`` then raises
        ``JobCancelled``); the worker is killed and restarted if it does not stop in time."""
        for slot in self._slots:
            p = slot.process
            if p is None or p.running is None or p.running.job.job_id != job_id:
                continue
            future = p.running.future
            p.request_cancel(job_id, self._cancel_grace_s)
            log.info("cancel requested for job %s on worker %s", job_id, slot.launch.name)
            await asyncio.wait({future}, timeout=self._cancel_grace_s + 30.0)
            return True
        return False

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self, *, wait_ready: bool = True) -> None:
        """Launch every worker; with ``wait_ready``, return once each is ready or has failed
        its first start (bounded by ``worker_ready_timeout_s``)."""
        if self._started:
            raise RuntimeError("the pool was already started")
        self._started = True
        for slot in self._slots:
            slot.task = asyncio.create_task(
                self._supervise(slot), name=f"supervise-{slot.launch.name}"
            )
        if wait_ready:
            deadline = self._settings.worker_ready_timeout_s + 10.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wait_until(self._first_starts_over), deadline)

    def _first_starts_over(self) -> bool:
        return all(
            s.idle or s.failed_starts > 0 or s.state is WorkerState.FAILED for s in self._slots
        )

    async def shutdown(self, drain_timeout_s: float = 30.0) -> None:
        """Stop taking work, let running jobs finish within ``drain_timeout_s``, then stop the
        workers (``shutdown`` message and EOF, then SIGTERM, then SIGKILL) and reap them."""
        if self._closing:
            return
        self._closing = True
        self._notify()
        running = [
            s.process.running.future
            for s in self._slots
            if s.process is not None and s.process.running is not None
        ]
        if running:
            log.info("draining %d running job(s) for up to %g s", len(running), drain_timeout_s)
            await asyncio.wait(running, timeout=drain_timeout_s)
        for slot in self._slots:
            slot.stop.set()
            p = slot.process
            if p is not None:
                if p.running is not None:
                    log.warning(
                        "job %s still running at shutdown; interrupting it", p.running.job.job_id
                    )
                    p.request_cancel(p.running.job.job_id, self._shutdown_grace_s, interrupt=True)
                p.wake.set()
        tasks = [s.task for s in self._slots if s.task is not None]
        if tasks:
            limit = self._shutdown_grace_s + self._terminate_grace_s + 45.0
            _, pending = await asyncio.wait(tasks, timeout=limit)
            for task in pending:
                log.error("supervisor %s did not finish; cancelling it", task.get_name())
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        log.info("worker pool stopped")

    async def __aenter__(self) -> WorkerPool:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.shutdown()

    def stats(self) -> PoolStats:
        return PoolStats(tuple(s.stats() for s in self._slots))

    # --- internals -----------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, condition: Callable[[], bool]) -> None:
        while not condition():
            await self._changed.wait()

    async def _acquire(self, backend: str) -> Slot:
        if not self._started:
            raise RuntimeError("start the worker pool before running jobs")
        while True:
            if self._closing:
                raise JobError(
                    "The composer is restarting; please try again in a moment.",
                    retryable=True,
                    detail="pool is shutting down",
                )
            slots = [s for s in self._slots if s.launch.backend == backend]
            if not slots:
                raise JobError(
                    f"The {backend} composer is not available on this bot.",
                    detail=f"no workers configured for backend {backend!r}",
                )
            idle = [s for s in slots if s.idle]
            if idle:
                return min(idle, key=lambda s: s.last_used)  # spread work over the workers
            if all(s.state is WorkerState.FAILED for s in slots):
                reason = next((s.last_error for s in slots if s.last_error), "it cannot start")
                raise JobError(
                    f"The {backend} composer is unavailable: {reason}",
                    detail=f"all {backend} workers failed to start",
                )
            if all(
                s.state is WorkerState.FAILED or s.failed_starts >= UNAVAILABLE_AFTER_FAILED_STARTS
                for s in slots
            ):
                reason = next((s.last_error for s in slots if s.last_error), "it cannot start")
                raise JobError(
                    f"The {backend} composer is unavailable right now: {reason}",
                    retryable=True,
                    detail=f"{backend} workers keep failing to start",
                )
            await self._changed.wait()

    def _set_state(self, slot: Slot, state: WorkerState) -> None:
        slot.state = state
        self._notify()

    async def _sleep(self, slot: Slot, delay_s: float) -> bool:
        """Back off for ``delay_s``; False when the pool is stopping."""
        if delay_s > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(slot.stop.wait(), timeout=delay_s)
        return not slot.stop.is_set()

    def _backoff(self, failures: int) -> float:
        return float(min(self._max_backoff_s, self._backoff_s * 2 ** max(0, failures - 1)))

    async def _supervise(self, slot: Slot) -> None:
        name = slot.launch.name
        loop = asyncio.get_running_loop()
        try:
            while not slot.stop.is_set():
                self._set_state(slot, WorkerState.STARTING)
                slot.attempts += 1
                spawned_at = loop.time()
                process: WorkerProcess | None = None
                try:
                    process = await WorkerProcess.spawn(slot.launch, self._notify)
                    slot.process = process
                    ready = await process.wait_ready(
                        self._settings.worker_ready_timeout_s, slot.stop
                    )
                except WorkerStartError as exc:
                    slot.process = None
                    if process is not None:
                        await process.close()
                    if slot.stop.is_set():
                        break
                    slot.failed_starts += 1
                    slot.last_error = exc.message
                    if not exc.retryable:
                        log.error("worker %s cannot start: %s; giving up", name, exc)
                        self._set_state(slot, WorkerState.FAILED)
                        return
                    delay = self._backoff(slot.failed_starts)
                    log.error(
                        "worker %s failed to start (attempt %d): %s; retrying in %.1f s",
                        name,
                        slot.attempts,
                        exc,
                        delay,
                    )
                    self._set_state(slot, WorkerState.RESTARTING)
                    if not await self._sleep(slot, delay):
                        break
                    continue
                slot.startup_s = loop.time() - spawned_at
                slot.load_s = ready.load_s
                slot.failed_starts = 0
                slot.last_error = None
                log.info(
                    "worker %s ready in %.2f s (backend load %.2f s, pid %d)",
                    name,
                    slot.startup_s,
                    ready.load_s,
                    ready.pid,
                )
                self._set_state(slot, WorkerState.IDLE)
                reason = await self._watch(slot, process)
                if reason is ExitReason.STOP:
                    await process.stop(self._shutdown_grace_s, self._terminate_grace_s)
                await process.close()
                process.fail_running(reason)
                slot.process = None
                if reason is ExitReason.STOP or slot.stop.is_set():
                    break
                slot.restarts += 1
                delay = 0.0
                if reason in (ExitReason.CRASHED, ExitReason.HEARTBEAT):
                    slot.crashes += 1
                    delay = self._backoff(slot.crashes)
                    slot.last_error = f"{reason.value}: {process.exit_description()}"
                log.warning(
                    "worker %s %s (%s); restarting in %.1f s",
                    name,
                    reason.value,
                    process.exit_description(),
                    delay,
                )
                self._set_state(slot, WorkerState.RESTARTING)
                if not await self._sleep(slot, delay):
                    break
        finally:
            if slot.process is not None:  # cancelled mid-way: never leave a process behind
                await asyncio.shield(self._reap(slot.process))
                slot.process = None
            if slot.state is not WorkerState.FAILED:
                self._set_state(slot, WorkerState.STOPPED)

    async def _reap(self, process: WorkerProcess) -> None:
        await process.close()
        process.fail_running(ExitReason.STOP)

    async def _watch(self, slot: Slot, process: WorkerProcess) -> ExitReason:
        """Return when the process has to go, or is gone, and why."""
        loop = asyncio.get_running_loop()
        timeout_s = self._settings.heartbeat_timeout_s
        tick_s = max(0.05, min(1.0, timeout_s / 4))
        suspect = False
        while True:
            process.wake.clear()
            if process.kill_reason is not None:
                return process.kill_reason
            if process.exited:
                return ExitReason.CRASHED
            if slot.stop.is_set():
                return ExitReason.STOP
            silent_s = loop.time() - process.last_seen
            if silent_s <= timeout_s:
                suspect = False
            elif not suspect:
                # Our own loop may have been blocked with heartbeats waiting in the pipe: give
                # the reader one more tick before calling the worker dead.
                suspect = True
            else:
                log.error(
                    "worker %s sent nothing for %.1f s (limit %g s); treating it as crashed",
                    slot.launch.name,
                    silent_s,
                    timeout_s,
                )
                return ExitReason.HEARTBEAT
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wake.wait(), timeout=tick_s)

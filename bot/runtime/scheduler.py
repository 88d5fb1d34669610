"""The scheduler: takes queued jobs fairly, runs them on an :class:`Executor`, records the results
and hands them to a :class:`Deliverer`.

* Work is claimed only for backends with a free worker (``Executor.free_slots``); jobs of a
  backend no executor here can run **stay queued** (another host may run them; a warning is logged
  once per backend) rather than failing.
* Results: a clip is recorded (clip row + job done, one transaction) and then delivered; a
  delivery is marked in the database after the deliverer returns, and undelivered results are
  handed over again after a restart (so a deliverer must be idempotent per job id, or accept
  at-least-once delivery in the window between delivering and marking).
* Retries: :class:`~bot.runtime.pool.WorkerCrashed`, :class:`~bot.runtime.pool.JobTimedOut` and
  any error whose ``retryable`` flag is set go back to the queue while attempts are left; other
  errors fail the job with their ``user_message``.  Cancelled jobs end ``cancelled`` and the
  deliverer's ``failed`` is called with the job (status ``cancelled``) so the progress message can
  be updated.
* Staged shutdown (:meth:`Scheduler.stop`): stop taking work, let running jobs finish until the
  drain deadline, then cancel the rest through the executor (they go back to the queue without
  spending an attempt), then cancel what still hangs.  Every task is owned and awaited.
* New jobs are noticed at once when enqueued in this process, and by polling the database every
  ``poll_interval_s`` when another process (CLI, a second bot) enqueues or cancels.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import shutil
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.db.records import ClipRecord, JobRecord, Recovery
from bot.errors import ComposerError, JobCancelled
from bot.runtime.jobs import ClipFiles, JobProgress, JobStatus, RenderJob
from bot.runtime.pool import JobTimedOut, WorkerCrashed
from bot.runtime.queue import JobQueue
from models.base import BackendError
from models.plan import PlanError

__all__ = ["Deliverer", "Executor", "Scheduler", "SchedulerConfig"]

log = logging.getLogger(__name__)

GENERIC_FAILURE = "Something went wrong while composing this one. It has been logged; try again."


class Executor(Protocol):
    """Runs render jobs (the worker pool, the in-process executor, ...).

    ``free_slots(backend)`` must drop as soon as ``run`` is called (before its first real wait),
    so the scheduler never claims more jobs than there are idle workers.  ``progress`` is called
    on the event loop's thread (or the scheduler forwards it there).  ``run`` raises
    ``WorkerCrashed`` / ``JobTimedOut`` (retryable), :class:`bot.errors.JobCancelled`, or another
    error (a :class:`~bot.errors.ComposerError` carries the ``user_message``)."""

    def backends(self) -> frozenset[str]: ...

    def free_slots(self, backend: str) -> int: ...

    async def run(self, job: RenderJob, progress: Callable[[JobProgress], None]) -> ClipFiles: ...

    async def cancel(self, job_id: str) -> bool: ...


class Deliverer(Protocol):
    """Tells people about their jobs (Discord messages, an outbox file...)."""

    async def progress(self, job: JobRecord, update: JobProgress) -> None: ...

    async def deliver(self, job: JobRecord, clip: ClipRecord) -> str | None: ...

    async def failed(self, job: JobRecord, message: str) -> None: ...


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    poll_interval_s: float = 0.5  # how often the database is checked for outside changes
    drain_timeout_s: float = 30.0  # shutdown: how long running jobs may finish
    cancel_grace_s: float = 10.0  # shutdown: how long cancelled jobs may take to stop
    run_grace_s: float = 60.0  # safety net over a job's own timeout_s (the executor's job)
    delivery_timeout_s: float = 60.0
    progress_timeout_s: float = 10.0
    redeliver_interval_s: float = 30.0  # how often undelivered results are retried
    error_backoff_s: float = 1.0  # after a failed scheduling step (e.g. the database is down)


def _discard(tasks: dict[str, asyncio.Task[None]], key: str, done: asyncio.Task[None]) -> None:
    if tasks.get(key) is done:  # a retried job may already have a new task under its id
        del tasks[key]


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, WorkerCrashed | JobTimedOut) or getattr(exc, "retryable", False) is True


def _user_message(exc: BaseException) -> str:
    if isinstance(exc, ComposerError):
        return exc.user_message
    if isinstance(exc, BackendError | PlanError):
        return str(exc)
    return GENERIC_FAILURE


class _ProgressPump:
    """Forwards a running job's progress to the deliverer, newest update only: a slow deliverer
    sees fewer updates, never a backlog.  Owned by the job's task."""

    def __init__(self, job: JobRecord, deliverer: Deliverer, timeout_s: float) -> None:
        self._job = job
        self._deliverer = deliverer
        self._timeout_s = timeout_s
        self._latest: JobProgress | None = None
        self._event = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._task = asyncio.create_task(self._pump(), name=f"progress-{job.id}")

    def update(self, update: JobProgress) -> None:
        if threading.get_ident() == self._thread:
            self._set(update)
        else:
            self._loop.call_soon_threadsafe(self._set, update)

    def _set(self, update: JobProgress) -> None:
        self._latest = update
        self._event.set()

    async def _pump(self) -> None:
        while True:
            await self._event.wait()
            self._event.clear()
            update = self._latest
            if update is None:
                continue
            try:
                async with asyncio.timeout(self._timeout_s):
                    await self._deliverer.progress(self._job, update)
            except Exception as exc:  # progress is best effort
                log.debug("progress for job %s not delivered: %r", self._job.id, exc)

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


class Scheduler:
    def __init__(
        self,
        queue: JobQueue,
        executor: Executor,
        deliverer: Deliverer,
        config: SchedulerConfig | None = None,
    ) -> None:
        self.queue = queue
        self.executor = executor
        self.deliverer = deliverer
        self.config = config or SchedulerConfig()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._launching: Counter[str] = Counter()
        self._delivering: set[str] = set()
        self._interrupted: set[str] = set()  # cancelled by shutdown: back to the queue
        self._cancelling: dict[str, asyncio.Task[None]] = {}
        self._warned: set[str] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._sweep_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._stopped = asyncio.Event()

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> Recovery:
        """Recover from a previous run, then start taking jobs."""
        if self._loop_task is not None:
            raise RuntimeError("the scheduler is already running")
        recovery = await self.queue.recover()
        self._loop_task = asyncio.create_task(self._loop(), name="scheduler")
        return recovery

    @property
    def running(self) -> frozenset[str]:
        """Ids of the jobs this scheduler is running now."""
        return frozenset(self._tasks)

    async def stop(self, drain_timeout_s: float | None = None) -> None:
        """Staged shutdown: stop taking work → drain → cancel → wait.  Safe to call twice."""
        if self._stopping:
            await self._stopped.wait()
            return
        self._stopping = True
        self.queue.notify()
        drain_s = self.config.drain_timeout_s if drain_timeout_s is None else drain_timeout_s
        try:
            if self._loop_task is not None:
                await asyncio.gather(self._loop_task, return_exceptions=True)
            running = dict(self._tasks)
            if running:
                log.info("draining %d running job(s) for up to %g s", len(running), drain_s)
                _, pending = await asyncio.wait(running.values(), timeout=drain_s)
                if pending:
                    await self._interrupt([j for j, t in running.items() if t in pending])
            leftovers = [t for t in (self._sweep_task, *self._cancelling.values()) if t]
            if leftovers:
                _, late = await asyncio.wait(leftovers, timeout=self.config.cancel_grace_s)
                for task in late:
                    task.cancel()
                await asyncio.gather(*leftovers, return_exceptions=True)
        finally:
            self._stopped.set()
            log.info("scheduler stopped")

    async def _interrupt(self, job_ids: list[str]) -> None:
        log.warning("cancelling %d job(s) still running at shutdown", len(job_ids))
        self._interrupted.update(job_ids)

        async def cancel_one(job_id: str) -> None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.config.cancel_grace_s):
                    await self.executor.cancel(job_id)

        await asyncio.gather(*(cancel_one(j) for j in job_ids))
        tasks = [self._tasks[j] for j in job_ids if j in self._tasks]
        if tasks:
            _, hung = await asyncio.wait(tasks, timeout=self.config.cancel_grace_s)
            for task in hung:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def wait_idle(self, timeout_s: float = 60.0, poll_s: float = 0.05) -> None:
        """Wait until nothing is queued, running or waiting for delivery (tests, benchmarks)."""
        async with asyncio.timeout(timeout_s):
            while True:
                if not self._tasks and not self._delivering:
                    busy = await self.queue.count(JobStatus.QUEUED) + await self.queue.count(
                        JobStatus.RUNNING
                    )
                    if busy == 0 and not await self.queue.undelivered():
                        return
                await asyncio.sleep(poll_s)

    # --- the loop --------------------------------------------------------------------------

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = 0.0
        while not self._stopping:
            try:
                if loop.time() >= next_sweep and (
                    self._sweep_task is None or self._sweep_task.done()
                ):
                    self._sweep_task = asyncio.create_task(self._sweep(), name="sweep")
                    next_sweep = loop.time() + self.config.redeliver_interval_s
                await self._stop_cancelled()
                await self._fill()
            except Exception:
                log.exception("scheduling step failed; trying again")
                await asyncio.sleep(self.config.error_backoff_s)
            await self.queue.wait_changed(self.config.poll_interval_s)

    def _free_backends(self) -> set[str]:
        return {
            b
            for b in self.executor.backends()
            if self.executor.free_slots(b) - self._launching[b] > 0
        }

    async def _fill(self) -> None:
        while not self._stopping:
            free = self._free_backends()
            if not free:
                return
            job = await self.queue.claim_next(free)
            if job is None:
                return
            self._launching[job.backend] += 1
            task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
            self._tasks[job.id] = task
            task.add_done_callback(functools.partial(_discard, self._tasks, job.id))

    async def _warn_unrunnable(self) -> None:
        runnable = self.executor.backends()
        for job in await self.queue.order():
            if job.backend not in runnable and job.backend not in self._warned:
                self._warned.add(job.backend)
                log.warning(
                    "jobs for backend %r wait: no worker here runs it (have: %s)",
                    job.backend,
                    ", ".join(sorted(runnable)) or "none",
                )

    async def _stop_cancelled(self) -> None:
        """Ask the executor to stop running jobs whose owner cancelled them (from any process)."""
        for job_id in await self.queue.cancel_requested_running():
            if job_id in self._tasks and job_id not in self._cancelling:
                task = asyncio.create_task(self._cancel(job_id), name=f"cancel-{job_id}")
                self._cancelling[job_id] = task
                task.add_done_callback(functools.partial(_discard, self._cancelling, job_id))

    async def _cancel(self, job_id: str) -> None:
        log.info("stopping cancelled job %s", job_id)
        try:
            async with asyncio.timeout(self.config.cancel_grace_s):
                if not await self.executor.cancel(job_id):
                    await asyncio.sleep(self.config.poll_interval_s)  # not started yet: retry
        except Exception as exc:
            log.warning("could not cancel job %s: %r", job_id, exc)

    # --- one job ---------------------------------------------------------------------------

    async def _run(self, job: JobRecord) -> None:
        try:
            await self._run_job(job)
        except Exception:
            # Only recording can fail here (e.g. the database is gone); the row stays "running"
            # and recover() puts it back in the queue at the next start.
            log.exception("job %s: could not record its outcome", job.id)

    async def _run_job(self, job: JobRecord) -> None:
        pump = _ProgressPump(job, self.deliverer, self.config.progress_timeout_s)
        launching = True
        try:
            render = job.render
            limit_s = render.timeout_s + self.config.run_grace_s
            self._launching[job.backend] -= 1
            launching = False
            try:
                async with asyncio.timeout(limit_s):
                    files = await self.executor.run(render, pump.update)
            except TimeoutError as exc:
                log.error("job %s: the executor did not return within %g s", job.id, limit_s)
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(self.config.cancel_grace_s):
                        await self.executor.cancel(job.id)
                raise JobTimedOut(render.timeout_s, detail="scheduler safety net") from exc
        except asyncio.CancelledError:
            await self._requeue(job, "cancelled by shutdown")
            raise
        except JobCancelled:
            if job.id in self._interrupted:
                await self._requeue(job, "interrupted by shutdown")
            else:
                done = await self.queue.finish_cancelled(job.id)
                if done is not None:
                    await self._deliver(done, None)
        except Exception as exc:
            await self._failed(job, exc)
        else:
            await self._finished(job, files)
        finally:
            if launching:
                self._launching[job.backend] -= 1
            await pump.close()

    async def _requeue(self, job: JobRecord, why: str) -> None:
        log.info("job %s back to the queue: %s", job.id, why)
        try:
            await self.queue.requeue(job.id, refund_attempt=True)
        except Exception:
            log.exception("job %s could not be requeued; recover() will", job.id)

    async def _failed(self, job: JobRecord, exc: Exception) -> None:
        retry = _retryable(exc)
        if job.id in self._interrupted and retry:
            await self._requeue(job, f"interrupted by shutdown ({exc!r})")
            return
        message = _user_message(exc)
        if isinstance(exc, ComposerError | BackendError | PlanError):
            log.warning("job %s attempt %d failed: %r", job.id, job.attempts, exc)
        else:
            log.exception("job %s attempt %d failed unexpectedly", job.id, job.attempts)
        if retry and job.attempts >= job.max_attempts:
            message = f"{message} I tried {job.attempts} times; please try again later."
        record = await self.queue.fail(job.id, message, retry=retry)
        if record is not None and record.status is JobStatus.FAILED:
            await self._deliver(record, None)

    async def _finished(self, job: JobRecord, files: ClipFiles) -> None:
        result = await self.queue.complete(job.id, files)
        if result is None:
            log.info("job %s was deleted while running; removing its clip", job.id)
            await asyncio.to_thread(shutil.rmtree, files.directory, True)
            return
        await self._deliver(*result)

    # --- delivery --------------------------------------------------------------------------

    async def _deliver(self, job: JobRecord, clip: ClipRecord | None) -> None:
        if job.id in self._delivering:
            return
        self._delivering.add(job.id)
        try:
            current = await self.queue.get(job.id)  # the sweep's list may be stale by now
            if current is None or current.delivered_at is not None:
                return
            job = current
            async with asyncio.timeout(self.config.delivery_timeout_s):
                ref: str | None = None
                if job.status is JobStatus.DONE and clip is not None:
                    ref = await self.deliverer.deliver(job, clip)
                else:
                    await self.deliverer.failed(job, job.error or GENERIC_FAILURE)
            await self.queue.mark_delivered(job.id, ref)
        except Exception as exc:
            log.warning("delivery of job %s failed (will retry): %r", job.id, exc)
        finally:
            self._delivering.discard(job.id)

    async def _sweep(self) -> None:
        """Periodic housekeeping: deliver what is still undelivered, warn about stuck backends."""
        await self._redeliver()
        try:
            await self._warn_unrunnable()
        except Exception:
            log.exception("could not check for unrunnable jobs")

    async def _redeliver(self) -> None:
        try:
            pending = await self.queue.undelivered()
        except Exception:
            log.exception("could not list undelivered results")
            return
        for job, clip in pending:
            if job.id not in self._tasks:
                await self._deliver(job, clip)

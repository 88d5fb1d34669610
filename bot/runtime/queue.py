"""The durable, fair job queue.

Every accepted job is a row in the database, committed before the user hears "accepted", so a
crash loses nothing: :meth:`JobQueue.recover` puts jobs that were running back in the queue and
the scheduler hands undelivered results to the deliverer again.

Fairness: the next job comes from the user served least recently among users who have queued
jobs and fewer running jobs than their limit (ties: the user whose oldest job is oldest); each
user's own jobs run in the order they were accepted.  :func:`fair_order` is that rule applied to
the whole queue, round by round, which is also what :meth:`JobQueue.position` reports.

Limits (``Settings`` defaults, overridable per server): queued jobs per user and per server, and
the length of a job, are checked when a job is accepted (:class:`bot.errors.LimitExceeded`);
running jobs per user are enforced by the scheduler's choice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass

from bot.db.engine import Database
from bot.db.guilds import GuildRepository
from bot.db.jobs import JobRepository
from bot.db.records import (
    CancelOutcome,
    ClipRecord,
    GuildSettingsRecord,
    JobRecord,
    JobRequest,
    Limits,
    QueuedJob,
    QueueSnapshot,
    Recovery,
)
from bot.errors import JobCancelled, LimitExceeded, RequestError
from bot.runtime.jobs import ClipFiles, JobKind, JobStatus, RenderJob
from bot.settings import Settings

__all__ = ["Accepted", "JobQueue", "choose_next", "fair_order"]

log = logging.getLogger(__name__)

CRASHED_TOO_OFTEN = (
    "This song stopped the composer every time it was tried, so I gave up on it. "
    "Try a shorter or simpler request."
)


@dataclass(frozen=True, slots=True)
class Accepted:
    """A job that is safely in the queue, and its 1-based place in line."""

    job: JobRecord
    position: int


def _running_limit(job: QueuedJob, snapshot: QueueSnapshot, settings: Settings) -> int:
    overrides = snapshot.guild_settings.get(job.guild_id) if job.guild_id is not None else None
    if overrides is None:
        return settings.max_running_per_user
    return overrides.limits(settings).max_running_per_user


def fair_order(snapshot: QueueSnapshot, settings: Settings) -> list[QueuedJob]:
    """The queued jobs in the order the scheduler will start them (if nothing else changes).

    Round robin: in each round every user with jobs left contributes their oldest remaining job.
    Users are ordered by (at their running limit now, last served, oldest job); a user at their
    running limit goes after the others, since they wait for their running job first.
    """
    per_user: dict[int, list[QueuedJob]] = {}
    for job in snapshot.queued:  # acceptance order
        per_user.setdefault(job.user_id, []).append(job)

    def key(user: int) -> tuple[bool, int, int]:
        first = per_user[user][0]
        blocked = snapshot.running.get(user, 0) >= _running_limit(first, snapshot, settings)
        return blocked, snapshot.last_served.get(user, 0), first.seq

    users = sorted(per_user, key=key)
    order: list[QueuedJob] = []
    depth = max((len(jobs) for jobs in per_user.values()), default=0)
    for r in range(depth):
        order.extend(per_user[u][r] for u in users if r < len(per_user[u]))
    return order


def choose_next(
    snapshot: QueueSnapshot, settings: Settings, backends: Collection[str]
) -> str | None:
    """The job to start now: the first in fair order whose user is under their running limit
    and whose backend has a free worker (``backends``)."""
    for job in fair_order(snapshot, settings):
        if job.backend not in backends:
            continue
        if snapshot.running.get(job.user_id, 0) < _running_limit(job, snapshot, settings):
            return job.id
    return None


def _nominal_duration_s(render: RenderJob) -> float | None:
    if render.kind is JobKind.STITCH:
        return None
    plan = render.plan
    bars = sum(plan.sections[i].bars for i in render.sections if 0 <= i < len(plan.sections))
    return bars * plan.bar_s


class JobQueue:
    """The queue's operations, each one committed transaction.  Cheap to construct; one per
    process is enough.  In-process changes wake the scheduler at once (:meth:`wait_changed`);
    changes made by other processes are seen by the scheduler's polling."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.jobs = JobRepository(db)
        self.guilds = GuildRepository(db)
        self._changed = asyncio.Event()
        self._listeners: list[Callable[[], None]] = []

    # --- wake-ups ----------------------------------------------------------------------------

    def notify(self) -> None:
        self._changed.set()
        for listener in self._listeners:
            listener()

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (cheap, synchronous) after every change made in this process."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    async def wait_changed(self, timeout_s: float) -> bool:
        """Wait until something changed in this process, or ``timeout_s``; True when woken."""
        woke = False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._changed.wait()
                woke = True
        self._changed.clear()
        return woke

    # --- accepting ---------------------------------------------------------------------------

    async def guild_settings(self, guild_id: int | None) -> GuildSettingsRecord:
        return await self.guilds.settings(guild_id)

    async def limits(self, guild_id: int | None) -> Limits:
        return (await self.guild_settings(guild_id)).limits(self.settings)

    async def enqueue(self, request: JobRequest) -> Accepted:
        """Accept a job: checked against the limits, committed, then its place in line."""
        limits = await self.limits(request.guild_id)
        duration_s = _nominal_duration_s(request.render)
        if duration_s is not None and duration_s > limits.max_duration_s + 0.5:
            where = "this server allows" if request.guild_id is not None else "I can make"
            raise LimitExceeded(
                f"That would be about {duration_s:.0f} s long; {where} up to "
                f"{limits.max_duration_s:.0f} s. Ask for fewer sections or a faster tempo."
            )
        if request.max_attempts is not None and request.max_attempts < 1:
            raise RequestError("A job needs at least one attempt.")
        attempts = request.max_attempts or self.settings.job_retries + 1
        job = await self.jobs.insert(request, limits=limits, max_attempts=attempts)
        log.info("accepted job %s (%s, %s) for user %s", job.id, job.kind, job.backend, job.user_id)
        self.notify()
        position = await self.position(job.id)
        return Accepted(job, position or 1)

    # --- reading -----------------------------------------------------------------------------

    async def get(self, job_id: str) -> JobRecord | None:
        return await self.jobs.get(job_id)

    async def order(self) -> list[QueuedJob]:
        return fair_order(await self.jobs.snapshot(), self.settings)

    async def positions(self) -> dict[str, int]:
        """Every queued job's 1-based position in the order the scheduler will take them."""
        return {job.id: i for i, job in enumerate(await self.order(), start=1)}

    async def position(self, job_id: str) -> int | None:
        """A queued job's 1-based position (None when it is not waiting)."""
        return (await self.positions()).get(job_id)

    async def active(self, user_id: int) -> tuple[JobRecord, ...]:
        """A user's queued and running jobs, oldest first."""
        return await self.jobs.for_user(user_id)

    # --- running (the scheduler) ------------------------------------------------------------

    async def claim_next(self, backends: Collection[str]) -> JobRecord | None:
        """Start the next fair job among those whose backend is in ``backends``."""
        if not backends:
            return None
        return await self.jobs.claim_next(lambda snap: choose_next(snap, self.settings, backends))

    async def complete(self, job_id: str, files: ClipFiles) -> tuple[JobRecord, ClipRecord] | None:
        """The clip is in the store: record it and mark the job done (one transaction)."""
        result = await self.jobs.complete(job_id, files)
        self.notify()
        return result

    async def fail(self, job_id: str, message: str, *, retry: bool) -> JobRecord | None:
        """A failed attempt: requeued when ``retry`` and attempts are left, else failed."""
        job = await self.jobs.fail(job_id, message, retry=retry)
        self.notify()
        return job

    async def finish_cancelled(self, job_id: str) -> JobRecord | None:
        job = await self.jobs.finish_cancelled(job_id, JobCancelled().user_message)
        self.notify()
        return job

    async def requeue(self, job_id: str, *, refund_attempt: bool = True) -> JobRecord | None:
        job = await self.jobs.requeue(job_id, refund_attempt=refund_attempt)
        self.notify()
        return job

    async def recover(self) -> Recovery:
        """After a crash or restart: jobs left running are queued again (or failed when they have
        used every attempt, or cancelled when a cancel was asked for)."""
        recovery = await self.jobs.recover(CRASHED_TOO_OFTEN)
        if recovery.requeued or recovery.failed or recovery.cancelled:
            log.warning(
                "recovered after restart: %d requeued, %d failed, %d cancelled",
                len(recovery.requeued),
                len(recovery.failed),
                len(recovery.cancelled),
            )
        self.notify()
        return recovery

    async def cancel_requested_running(self) -> tuple[str, ...]:
        return await self.jobs.cancel_requested_running()

    # --- cancelling --------------------------------------------------------------------------

    async def cancel(
        self, job_id: str, user_id: int, *, admin: bool = False
    ) -> tuple[CancelOutcome, JobRecord]:
        """Cancel a job: a waiting one leaves the queue now, a running one is stopped by the
        scheduler.  Only its owner may, unless ``admin``."""
        outcome, job = await self.jobs.cancel(
            job_id, user_id, admin=admin, message=JobCancelled().user_message
        )
        self.notify()
        return outcome, job

    # --- delivering --------------------------------------------------------------------------

    async def undelivered(self) -> tuple[tuple[JobRecord, ClipRecord | None], ...]:
        return await self.jobs.undelivered()

    async def mark_delivered(self, job_id: str, ref: str | None) -> bool:
        return await self.jobs.mark_delivered(job_id, ref)

    async def count(self, status: JobStatus) -> int:
        return await self.jobs.count(status)

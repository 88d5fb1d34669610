"""The jobs repository: every SQL statement about jobs (and the clip row a finished job writes).

Policy (fair order, limits from settings, retries, wake-ups) lives in :mod:`bot.runtime.queue`; this
module only makes each step one transaction.  Status changes are guarded (``WHERE status = ...``) so
a late or repeated call cannot move a job backwards or finish it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.convert import clip_record, clip_row, ensure_guild, ensure_user, job_record
from bot.db.engine import Database
from bot.db.guilds import settings_record
from bot.db.members import remember_name
from bot.db.records import (
    CancelOutcome,
    ClipRecord,
    JobRecord,
    JobRequest,
    Limits,
    QueuedJob,
    QueueSnapshot,
    Recovery,
)
from bot.db.tables import ClipRow, GuildRow, GuildSettingsRow, JobRow, UserRow, utcnow
from bot.errors import Forbidden, JobCancelled, NotFound
from bot.runtime.jobs import ClipFiles, JobStatus

__all__ = ["JobRepository"]

log = logging.getLogger(__name__)

QUEUED, RUNNING = JobStatus.QUEUED.value, JobStatus.RUNNING.value
DONE, FAILED, CANCELLED = JobStatus.DONE.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value

_CANCELLED = JobCancelled().user_message

#: Chooses the job to start from a snapshot (the fair-order policy), or None.
Chooser = Callable[[QueueSnapshot], str | None]


class JobRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- accepting --------------------------------------------------------------------------

    async def insert(self, request: JobRequest, *, limits: Limits, max_attempts: int) -> JobRecord:
        """Write a new queued job, enforcing the queue caps in the same transaction."""
        render = request.render
        async with self.db.write() as s:
            await ensure_user(s, request.user_id)
            await ensure_guild(s, request.guild_id)
            await remember_name(s, request.guild_id, request.user_id, request.display_name)
            # Serialise enqueues of one user / one server (PostgreSQL; SQLite's BEGIN IMMEDIATE
            # already serialises every writer).
            await s.execute(
                select(UserRow.id).where(UserRow.id == request.user_id).with_for_update()
            )
            waiting = await _count(s, JobRow.user_id == request.user_id, JobRow.status == QUEUED)
            refusal = limits.refusal(mine=waiting, in_guild=None)
            if refusal is not None:
                raise refusal
            if request.guild_id is not None:
                await s.execute(
                    select(GuildRow.id).where(GuildRow.id == request.guild_id).with_for_update()
                )
                in_guild = await _count(
                    s, JobRow.guild_id == request.guild_id, JobRow.status == QUEUED
                )
                refusal = limits.refusal(mine=waiting, in_guild=in_guild)
                if refusal is not None:
                    raise refusal
            row = JobRow(
                id=render.job_id,
                clip_id=render.clip_id,
                user_id=request.user_id,
                guild_id=request.guild_id,
                channel_id=request.channel_id,
                kind=render.kind.value,
                backend=render.backend,
                request_text=request.request_text,
                spec_json=request.spec_json(),
                render_json=render.to_dict(),
                status=QUEUED,
                attempts=0,
                max_attempts=max_attempts,
                cancel_requested=False,
                created_at=utcnow(),
                parent_clip_id=request.parent_clip_id,
                relation=request.relation.value if request.relation else None,
                session_id=request.session_id,
                session_role=request.session_role.value if request.session_role else None,
                application_id=request.application_id,
                interaction_token=request.interaction_token,
                interaction_created_at=request.interaction_created_at,
                progress_message_id=request.progress_message_id,
                original_message_id=request.original_message_id,
            )
            s.add(row)
            await s.flush()
            return job_record(row)

    # --- reading ----------------------------------------------------------------------------

    async def get(self, job_id: str) -> JobRecord | None:
        async with self.db.read() as s:
            row = await _by_id(s, job_id)
            return job_record(row) if row else None

    async def for_user(
        self, user_id: int, statuses: Sequence[JobStatus] = (JobStatus.QUEUED, JobStatus.RUNNING)
    ) -> tuple[JobRecord, ...]:
        """A user's jobs in the given states, oldest first."""
        async with self.db.read() as s:
            rows = await s.scalars(
                select(JobRow)
                .where(JobRow.user_id == user_id, JobRow.status.in_([x.value for x in statuses]))
                .order_by(JobRow.seq)
            )
            return tuple(job_record(r) for r in rows)

    async def count(self, status: JobStatus) -> int:
        async with self.db.read() as s:
            return await _count(s, JobRow.status == status.value)

    async def status_counts(self) -> dict[JobStatus, int]:
        """How many jobs are in each status (every status present, 0 when none)."""
        async with self.db.read() as s:
            rows = await s.execute(select(JobRow.status, func.count()).group_by(JobRow.status))
            counts = {JobStatus(status): int(n) for status, n in rows}
        return {status: counts.get(status, 0) for status in JobStatus}

    async def snapshot(self) -> QueueSnapshot:
        async with self.db.read() as s:
            return await _snapshot(s)

    async def queued_owners(self) -> dict[str, tuple[int, int | None]]:
        """Every queued job's id → (user, server): the source of the in-memory queue caps."""
        async with self.db.read() as s:
            rows = await s.execute(
                select(JobRow.id, JobRow.user_id, JobRow.guild_id).where(JobRow.status == QUEUED)
            )
            return {job_id: (user_id, guild_id) for job_id, user_id, guild_id in rows}

    async def cancel_requested_running(self) -> tuple[str, ...]:
        async with self.db.read() as s:
            ids = await s.scalars(
                select(JobRow.id).where(JobRow.status == RUNNING, JobRow.cancel_requested)
            )
            return tuple(ids)

    # --- running ----------------------------------------------------------------------------

    async def claim_next(self, choose: Chooser) -> JobRecord | None:
        """Pick a queued job with ``choose`` and mark it running (attempt + 1) in one
        transaction; the user's ``last_served`` moves to the end of the line."""
        async with self.db.write() as s:
            job_id = choose(await _snapshot(s))
            if job_id is None:
                return None
            result = await s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == QUEUED)
                .values(
                    status=RUNNING,
                    attempts=JobRow.attempts + 1,
                    started_at=utcnow(),
                    finished_at=None,
                )
                .execution_options(synchronize_session=False)
            )
            if _rowcount(result) != 1:
                return None
            row = await _by_id(s, job_id)
            assert row is not None
            top = select(func.coalesce(func.max(UserRow.last_served), 0) + 1).scalar_subquery()
            await s.execute(
                update(UserRow)
                .where(UserRow.id == row.user_id)
                .values(last_served=top)
                .execution_options(synchronize_session=False)
            )
            return job_record(row)

    async def complete(self, job_id: str, files: ClipFiles) -> tuple[JobRecord, ClipRecord] | None:
        """Record the clip and mark the job done, in one transaction.  Idempotent: a second call
        returns the recorded pair.  None when the job no longer exists (forgotten meanwhile)."""
        async with self.db.write() as s:
            row = await _by_id(s, job_id, lock=True)
            if row is None:
                return None
            existing = await s.get(ClipRow, row.clip_id)
            if existing is not None:
                return job_record(row), clip_record(existing)
            if row.status != RUNNING:
                log.warning(
                    "job %s finished while %s; recording its clip anyway", job_id, row.status
                )
            clip = clip_row(row, files)
            s.add(clip)
            row.status, row.finished_at, row.error = DONE, utcnow(), None
            await s.flush()
            return job_record(row), clip_record(clip)

    async def fail(self, job_id: str, message: str, *, retry: bool) -> JobRecord | None:
        """A failed attempt: back to the queue when ``retry`` and attempts are left, else failed
        for good with ``message`` (shown to the user)."""
        async with self.db.write() as s:
            row = await _by_id(s, job_id, lock=True)
            if row is None or row.status != RUNNING:
                return job_record(row) if row else None
            if row.cancel_requested:  # its owner wanted it stopped anyway
                row.status, row.finished_at, row.error = CANCELLED, utcnow(), _CANCELLED
            elif retry and row.attempts < row.max_attempts:
                row.status, row.started_at, row.error = QUEUED, None, message
            else:
                row.status, row.finished_at, row.error = FAILED, utcnow(), message
            await s.flush()
            return job_record(row)

    async def finish_cancelled(self, job_id: str, message: str) -> JobRecord | None:
        async with self.db.write() as s:
            row = await _by_id(s, job_id, lock=True)
            if row is None or row.status != RUNNING:
                return job_record(row) if row else None
            row.status, row.finished_at, row.error = CANCELLED, utcnow(), message
            await s.flush()
            return job_record(row)

    async def requeue(self, job_id: str, *, refund_attempt: bool) -> JobRecord | None:
        """Put a running job back in the queue (shutdown); ``refund_attempt``: the interrupted
        attempt does not count against the job."""
        async with self.db.write() as s:
            row = await _by_id(s, job_id, lock=True)
            if row is None or row.status != RUNNING:
                return job_record(row) if row else None
            if row.cancel_requested:  # never run again what its owner cancelled
                row.status, row.finished_at, row.error = CANCELLED, utcnow(), _CANCELLED
                await s.flush()
                return job_record(row)
            row.status, row.started_at = QUEUED, None
            if refund_attempt:
                row.attempts = max(0, row.attempts - 1)
            await s.flush()
            return job_record(row)

    async def recover(self, crash_message: str) -> Recovery:
        """After a restart: jobs left running go back to the queue (their attempt counts), or fail
        when they have used every attempt, or end cancelled when a cancel was requested."""
        requeued: list[str] = []
        failed: list[str] = []
        cancelled: list[str] = []
        async with self.db.write() as s:
            rows = await s.scalars(select(JobRow).where(JobRow.status == RUNNING))
            now = utcnow()
            for row in rows:
                if row.cancel_requested:
                    row.status, row.finished_at, row.error = CANCELLED, now, _CANCELLED
                    cancelled.append(row.id)
                elif row.attempts >= row.max_attempts:
                    row.status, row.finished_at, row.error = FAILED, now, crash_message
                    failed.append(row.id)
                else:
                    row.status, row.started_at = QUEUED, None
                    requeued.append(row.id)
        return Recovery(tuple(requeued), tuple(failed), tuple(cancelled))

    # --- cancelling -------------------------------------------------------------------------

    async def cancel(
        self, job_id: str, user_id: int, *, admin: bool, message: str
    ) -> tuple[CancelOutcome, JobRecord]:
        async with self.db.write() as s:
            row = await _by_id(s, job_id, lock=True)
            if row is None:
                raise NotFound(f"There is no job {job_id}.")
            if row.user_id != user_id and not admin:
                raise Forbidden("Only the person who asked for this song can cancel it.")
            if row.status == QUEUED:
                now = utcnow()
                # The one who cancels is answered directly: nothing left to deliver.
                row.status, row.finished_at, row.delivered_at, row.error = (
                    CANCELLED,
                    now,
                    now,
                    message,
                )
                outcome = CancelOutcome.CANCELLED
            elif row.status == RUNNING:
                row.cancel_requested = True
                outcome = CancelOutcome.REQUESTED
            else:
                outcome = CancelOutcome.FINISHED
            await s.flush()
            return outcome, job_record(row)

    # --- delivering -------------------------------------------------------------------------

    async def undelivered(self) -> tuple[tuple[JobRecord, ClipRecord | None], ...]:
        """Finished jobs whose result (clip, failure, cancellation) was never delivered."""
        async with self.db.read() as s:
            rows = await s.execute(
                select(JobRow, ClipRow)
                .outerjoin(ClipRow, ClipRow.id == JobRow.clip_id)
                .where(JobRow.status.in_([DONE, FAILED, CANCELLED]), JobRow.delivered_at.is_(None))
                .order_by(JobRow.finished_at, JobRow.seq)
            )
            return tuple(
                (job_record(job), clip_record(clip) if clip is not None else None)
                for job, clip in rows
            )

    async def mark_delivered(self, job_id: str, ref: str | None) -> bool:
        """Record a delivery; False when it was already recorded (or the job is gone)."""
        async with self.db.write() as s:
            result = await s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.delivered_at.is_(None))
                .values(delivered_at=utcnow(), delivery_ref=ref)
                .execution_options(synchronize_session=False)
            )
            if _rowcount(result) != 1:
                return False
            if ref is not None and ref.isdigit():
                await s.execute(
                    update(ClipRow)
                    .where(ClipRow.job_id == job_id)
                    .values(posted_message_id=int(ref))
                    .execution_options(synchronize_session=False)
                )
            return True

    async def set_reply(self, job_id: str, **fields: Any) -> JobRecord:
        """Update reply-target fields (``progress_message_id``, ``interaction_token``, ...)."""
        allowed = {
            "application_id",
            "interaction_token",
            "interaction_created_at",
            "progress_message_id",
            "original_message_id",
            "channel_id",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not reply fields: {sorted(unknown)}")
        async with self.db.write() as s:
            row = await _by_id(s, job_id, lock=True)
            if row is None:
                raise NotFound(f"There is no job {job_id}.")
            for name, value in fields.items():
                setattr(row, name, value)
            await s.flush()
            return job_record(row)


# --- helpers ---------------------------------------------------------------------------------


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


async def _count(s: AsyncSession, *where: Any) -> int:
    return int(await s.scalar(select(func.count()).select_from(JobRow).where(*where)) or 0)


async def _by_id(s: AsyncSession, job_id: str, *, lock: bool = False) -> JobRow | None:
    query = select(JobRow).where(JobRow.id == job_id)
    if lock:
        query = query.with_for_update()
    row: JobRow | None = await s.scalar(query)
    return row


async def _snapshot(s: AsyncSession) -> QueueSnapshot:
    queued = tuple(
        QueuedJob(seq, job_id, user_id, guild_id, backend)
        for seq, job_id, user_id, guild_id, backend in (
            await s.execute(
                select(JobRow.seq, JobRow.id, JobRow.user_id, JobRow.guild_id, JobRow.backend)
                .where(JobRow.status == QUEUED)
                .order_by(JobRow.seq)
            )
        )
    )
    running = {
        user: int(n)
        for user, n in (
            await s.execute(
                select(JobRow.user_id, func.count())
                .where(JobRow.status == RUNNING)
                .group_by(JobRow.user_id)
            )
        )
    }
    users = {j.user_id for j in queued}
    served: dict[int, int] = {}
    if users:
        served = {
            uid: int(last)
            for uid, last in (
                await s.execute(
                    select(UserRow.id, UserRow.last_served).where(UserRow.id.in_(users))
                )
            )
        }
    guilds = {j.guild_id for j in queued if j.guild_id is not None}
    overrides = {}
    if guilds:
        rows = await s.scalars(
            select(GuildSettingsRow).where(GuildSettingsRow.guild_id.in_(guilds))
        )
        overrides = {r.guild_id: settings_record(r) for r in rows}
    return QueueSnapshot(queued, running, served, overrides)

"""The scheduler on real SQLite files: fair order through a real loop, retries, cancelling,
staged shutdown, redelivery, recovery.  The executor here is scripted by each job's plan extras
and writes real clip directories through the clip store; :mod:`tests.test_scheduler_local` runs
the in-process executor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.db import ClipRecord, Database, JobRecord, Storage
from bot.errors import JobCancelled
from bot.runtime.jobs import AudioFormat, ClipFiles, JobProgress, JobStatus, RenderJob, Stage
from bot.runtime.pool import JobTimedOut, WorkerCrashed
from bot.runtime.queue import JobQueue
from bot.runtime.scheduler import Scheduler, SchedulerConfig
from bot.storage.clip_store import ClipStore
from models.base import BackendError
from tests.test_db_support import make_render, make_request, make_settings, migrated_db

FAST = SchedulerConfig(
    poll_interval_s=0.05, drain_timeout_s=5.0, cancel_grace_s=2.0, redeliver_interval_s=0.2
)


class ScriptedExecutor:
    """A real Executor whose jobs do what their plan's ``extras`` say: ``mode`` = ok | sleep |
    crash | crash_once | timeout | error; ``sleep_s``.  Clips are written through the store."""

    def __init__(self, clips_dir: Path, slots: int = 1, backends: tuple[str, ...] = ("embedded",)):
        self.store = ClipStore(clips_dir)
        self.slots = slots
        self._backends = frozenset(backends)
        self.busy = 0
        self.started: list[str] = []
        self.cancelled: list[str] = []
        self.attempts: dict[str, int] = {}
        self._cancel: dict[str, asyncio.Event] = {}

    def backends(self) -> frozenset[str]:
        return self._backends

    def free_slots(self, backend: str) -> int:
        return self.slots - self.busy if backend in self._backends else 0

    async def run(self, job: RenderJob, progress: Callable[[JobProgress], None]) -> ClipFiles:
        assert self.busy < self.slots, "the scheduler started more jobs than there are slots"
        self.busy += 1
        self.started.append(job.job_id)
        n = self.attempts[job.job_id] = self.attempts.get(job.job_id, 0) + 1
        cancel = self._cancel[job.job_id] = asyncio.Event()
        try:
            mode = job.plan.extra("mode", "ok")
            progress(JobProgress(job.job_id, Stage.SECTION, 0.5, 1, 1, "working"))
            if mode == "crash" or (mode == "crash_once" and n == 1):
                raise WorkerCrashed("worker exited with status -9")
            if mode == "timeout":
                raise JobTimedOut(1.0)
            if mode == "error":
                raise BackendError("The embedded composer cannot play in 7/8.")
            if mode == "sleep":
                sleep_s = float(job.plan.extra("sleep_s", "30") or 30)
                try:
                    async with asyncio.timeout(sleep_s):
                        await cancel.wait()
                    raise JobCancelled()
                except TimeoutError:
                    pass
            await asyncio.sleep(0.01)
            directory = self.store.write(job.clip_id, {"audio.wav": b"RIFF....", "stem.flac": b"x"})
            return ClipFiles(
                clip_id=job.clip_id,
                directory=str(directory),
                audio_path=str(directory / "audio.wav"),
                audio_format=AudioFormat.WAV,
                midi_path=None,
                waveform_path=None,
                stem_path=str(directory / "stem.flac"),
                state_path=None,
                body_frames=96_000,
                sample_rate=48_000,
                duration_s=2.0,
                loudness_lufs=-14.0,
                true_peak_dbtp=-1.0,
                size_bytes=8,
            )
        finally:
            self.busy -= 1
            self._cancel.pop(job.job_id, None)

    async def cancel(self, job_id: str) -> bool:
        event = self._cancel.get(job_id)
        if event is None:
            return False
        self.cancelled.append(job_id)
        event.set()
        return True


class RecordingDeliverer:
    def __init__(self, fail_first: int = 0) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.failures: list[tuple[str, JobStatus, str]] = []
        self.progress_updates: list[JobProgress] = []
        self._fail_first = fail_first

    async def progress(self, job: JobRecord, update: JobProgress) -> None:
        self.progress_updates.append(update)

    async def deliver(self, job: JobRecord, clip: ClipRecord) -> str | None:
        if self._fail_first > 0:
            self._fail_first -= 1
            raise ConnectionError("Discord is down")
        self.delivered.append((job.id, clip.id))
        return str(len(self.delivered))

    async def failed(self, job: JobRecord, message: str) -> None:
        self.failures.append((job.id, job.status, message))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async for database in migrated_db("sqlite", tmp_path):
        yield database


def job_extras(mode: str, **more: str) -> tuple[tuple[str, str], ...]:
    return (("mode", mode), *((k, v) for k, v in more.items()))


async def enqueue(queue: JobQueue, user: int, mode: str = "ok", **more: str) -> JobRecord:
    render = make_render(*job_extras(mode, **more))
    return (await queue.enqueue(make_request(user, render=render))).job


def is_file(path: str | Path) -> bool:
    return Path(path).is_file()


def read_bytes(path: str | Path) -> bytes:
    return Path(path).read_bytes()


async def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110 - polling state other tasks change
            await asyncio.sleep(0.01)


@pytest.fixture
def queue(db: Database, tmp_path: Path) -> JobQueue:
    return JobQueue(db, make_settings(tmp_path, max_queued_per_user=20, max_running_per_user=1))


async def test_runs_everything_fairly_and_delivers_each_once(
    queue: JobQueue, tmp_path: Path
) -> None:
    a = [await enqueue(queue, 1) for _ in range(4)]
    b = [await enqueue(queue, 2) for _ in range(2)]
    c = [await enqueue(queue, 3)]
    executor, deliverer = ScriptedExecutor(tmp_path / "clips"), RecordingDeliverer()
    scheduler = Scheduler(queue, executor, deliverer, FAST)
    await scheduler.start()
    try:
        await scheduler.wait_idle(timeout_s=20)
    finally:
        await scheduler.stop()
    fair = [a[0], b[0], c[0], a[1], b[1], a[2], a[3]]
    assert executor.started == [j.id for j in fair]
    assert [job_id for job_id, _ in deliverer.delivered] == [j.id for j in fair]
    assert {clip for _, clip in deliverer.delivered} == {j.clip_id for j in fair}
    assert all(is_file(tmp_path / "clips" / j.clip_id / "audio.wav") for j in fair)
    assert deliverer.progress_updates and deliverer.failures == []
    for job in fair:
        record = await queue.get(job.id)
        assert record is not None and record.status is JobStatus.DONE and record.attempts == 1
        assert record.delivered_at is not None and record.delivery_ref is not None


async def test_two_slots_run_two_users_at_once(queue: JobQueue, tmp_path: Path) -> None:
    slow = [await enqueue(queue, user, "sleep", sleep_s="0.3") for user in (1, 1, 2)]
    executor = ScriptedExecutor(tmp_path / "clips", slots=2)
    scheduler = Scheduler(queue, executor, RecordingDeliverer(), FAST)
    await scheduler.start()
    try:
        await wait_for(lambda: len(executor.started) == 2)
        # User 1 may run one job at a time: the second slot went to user 2.
        assert executor.started == [slow[0].id, slow[2].id]
        await scheduler.wait_idle(timeout_s=20)
    finally:
        await scheduler.stop()
    assert executor.started == [slow[0].id, slow[2].id, slow[1].id]


async def test_crashes_are_retried_then_fail_with_a_clear_message(
    queue: JobQueue, tmp_path: Path
) -> None:
    once = await enqueue(queue, 1, "crash_once")
    always = await enqueue(queue, 2, "crash")
    timeout = await enqueue(queue, 3, "timeout")
    broken = await enqueue(queue, 4, "error")
    executor, deliverer = ScriptedExecutor(tmp_path / "clips"), RecordingDeliverer()
    scheduler = Scheduler(queue, executor, deliverer, FAST)
    await scheduler.start()
    try:
        await scheduler.wait_idle(timeout_s=20)
    finally:
        await scheduler.stop()
    done = await queue.get(once.id)
    assert done is not None and done.status is JobStatus.DONE and done.attempts == 2
    assert executor.attempts == {once.id: 2, always.id: 3, timeout.id: 3, broken.id: 1}
    failures = {job_id: (status, message) for job_id, status, message in deliverer.failures}
    assert failures[always.id][0] is JobStatus.FAILED
    assert failures[always.id][1] == (
        "The composer stopped unexpectedly while working on this. "
        "I tried 3 times; please try again later."
    )
    assert failures[timeout.id][1].startswith("This took longer than the 1 s limit")
    assert failures[broken.id][1] == "The embedded composer cannot play in 7/8."
    assert [job_id for job_id, _ in deliverer.delivered] == [once.id]


async def test_cancel_a_running_job(queue: JobQueue, db: Database, tmp_path: Path) -> None:
    mine = await enqueue(queue, 1, "sleep")
    by_other_process = await enqueue(queue, 2, "sleep")
    executor, deliverer = ScriptedExecutor(tmp_path / "clips", slots=2), RecordingDeliverer()
    scheduler = Scheduler(queue, executor, deliverer, FAST)
    await scheduler.start()
    try:
        await wait_for(lambda: len(executor.started) == 2)
        await queue.cancel(mine.id, 1)  # wakes the scheduler at once
        # Another process (the CLI, a second bot) cancels through its own connection: polling.
        other = JobQueue(Database(db.engine), queue.settings)
        await other.cancel(by_other_process.id, 2)
        await scheduler.wait_idle(timeout_s=20)
    finally:
        await scheduler.stop()
    assert sorted(executor.cancelled) == sorted([mine.id, by_other_process.id])
    for job in (mine, by_other_process):
        record = await queue.get(job.id)
        assert record is not None and record.status is JobStatus.CANCELLED
    assert sorted((j, s) for j, s, _ in deliverer.failures) == sorted(
        [(mine.id, JobStatus.CANCELLED), (by_other_process.id, JobStatus.CANCELLED)]
    )
    assert deliverer.failures[0][2] == "The job was cancelled."


async def test_staged_shutdown_drains_then_requeues(queue: JobQueue, tmp_path: Path) -> None:
    quick = await enqueue(queue, 1, "sleep", sleep_s="0.2")
    stuck = await enqueue(queue, 2, "sleep", sleep_s="60")
    waiting = await enqueue(queue, 3)
    executor, deliverer = ScriptedExecutor(tmp_path / "clips", slots=2), RecordingDeliverer()
    scheduler = Scheduler(queue, executor, deliverer, FAST)
    await scheduler.start()
    await wait_for(lambda: len(executor.started) == 2)
    await scheduler.stop(drain_timeout_s=1.0)
    assert scheduler.running == frozenset()
    finished = await queue.get(quick.id)
    assert finished is not None and finished.status is JobStatus.DONE  # drained
    requeued = await queue.get(stuck.id)
    assert requeued is not None and requeued.status is JobStatus.QUEUED
    assert requeued.attempts == 0  # a shutdown does not spend an attempt
    assert executor.cancelled == [stuck.id]
    untouched = await queue.get(waiting.id)
    assert untouched is not None and untouched.status is JobStatus.QUEUED
    assert deliverer.failures == []  # nobody is told their job failed
    # A new scheduler picks them up.
    again = Scheduler(queue, ScriptedExecutor(tmp_path / "clips", slots=2), deliverer, FAST)
    await again.start()
    try:
        await wait_for(lambda: len(deliverer.delivered) == 2, timeout_s=5)
        await queue.cancel(stuck.id, 2)
        await again.wait_idle(timeout_s=20)
    finally:
        await again.stop()


async def test_failed_deliveries_are_retried_once_delivered(
    queue: JobQueue, tmp_path: Path
) -> None:
    job = await enqueue(queue, 1)
    deliverer = RecordingDeliverer(fail_first=2)
    scheduler = Scheduler(queue, ScriptedExecutor(tmp_path / "clips"), deliverer, FAST)
    await scheduler.start()
    try:
        await scheduler.wait_idle(timeout_s=20)
    finally:
        await scheduler.stop()
    assert deliverer.delivered == [(job.id, job.clip_id)]
    record = await queue.get(job.id)
    assert record is not None and record.delivery_ref == "1"


async def test_jobs_for_a_backend_nobody_runs_stay_queued(queue: JobQueue, tmp_path: Path) -> None:
    jukebox = (await queue.enqueue(make_request(1, render=make_render(backend="jukebox")))).job
    ok = await enqueue(queue, 2)
    deliverer = RecordingDeliverer()
    scheduler = Scheduler(queue, ScriptedExecutor(tmp_path / "clips"), deliverer, FAST)
    await scheduler.start()
    try:
        await wait_for(lambda: len(deliverer.delivered) == 1)
        await asyncio.sleep(0.2)
    finally:
        await scheduler.stop()
    waiting = await queue.get(jukebox.id)
    assert waiting is not None and waiting.status is JobStatus.QUEUED
    assert await queue.position(jukebox.id) == 1
    assert deliverer.delivered == [(ok.id, ok.clip_id)]


async def test_start_recovers_a_crashed_run(queue: JobQueue, db: Database, tmp_path: Path) -> None:
    left_running = await enqueue(queue, 1)
    undelivered = await enqueue(queue, 2)
    await queue.claim_next({"embedded"})
    await queue.claim_next({"embedded"})
    executor = ScriptedExecutor(tmp_path / "clips")
    files = await executor.run(undelivered.render, lambda _p: None)
    assert await queue.complete(undelivered.id, files)
    # ...and the process died before delivering it and before finishing the other job.
    deliverer = RecordingDeliverer()
    scheduler = Scheduler(queue, ScriptedExecutor(tmp_path / "clips"), deliverer, FAST)
    recovery = await scheduler.start()
    try:
        assert recovery.requeued == (left_running.id,)
        await scheduler.wait_idle(timeout_s=20)
    finally:
        await scheduler.stop()
    assert sorted(deliverer.delivered) == sorted(
        [(left_running.id, left_running.clip_id), (undelivered.id, undelivered.clip_id)]
    )
    record = await queue.get(left_running.id)
    assert record is not None and record.attempts == 2
    assert (await Storage(db).clips.history(guild_id=1000)).total == 2

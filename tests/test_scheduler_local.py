"""The scheduler with the in-process executor running the real pipeline: the embedded backend
for real clips, and the tone backend of ``tests/slow_backend.py`` for cancel and timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import soundfile as sf

from bot.db import Database, JobRecord, Storage
from bot.runtime.jobs import JobKind, JobStatus, Stage
from bot.runtime.local_executor import LocalExecutor
from bot.runtime.queue import JobQueue
from bot.runtime.scheduler import Scheduler, SchedulerConfig
from models.base import BackendConfig, MusicBackend
from models.factory import load_backend
from tests.slow_backend import SlowBackend
from tests.test_db_support import make_render, make_request, make_settings, migrated_db
from tests.test_scheduler import RecordingDeliverer, is_file, read_bytes, wait_for

FAST = SchedulerConfig(poll_interval_s=0.05, drain_timeout_s=10.0, cancel_grace_s=5.0)


@pytest.fixture(scope="module")
def embedded() -> Iterator[MusicBackend]:
    backend = load_backend("embedded", BackendConfig(sample_rate=48_000))
    yield backend
    backend.close()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async for database in migrated_db("sqlite", tmp_path):
        yield database


@pytest.fixture
def queue(db: Database, tmp_path: Path) -> JobQueue:
    return JobQueue(db, make_settings(tmp_path, max_running_per_user=1, job_retries=0))


async def test_real_pipeline_clips_are_recorded_and_delivered(
    queue: JobQueue, db: Database, tmp_path: Path, embedded: MusicBackend
) -> None:
    jobs: list[JobRecord] = []
    for user, kind in ((1, JobKind.SECTION), (1, JobKind.SONG), (2, JobKind.SECTION)):
        render = make_render(kind=kind, seed=11)
        jobs.append((await queue.enqueue(make_request(user, render=render))).job)
    executor = LocalExecutor({"embedded": [embedded]}, tmp_path / "clips")
    deliverer = RecordingDeliverer()
    scheduler = Scheduler(queue, executor, deliverer, FAST)
    await scheduler.start()
    try:
        await scheduler.wait_idle(timeout_s=120)
    finally:
        await scheduler.stop()
        await executor.close()
    # Fair order: user 2's job went before user 1's second one.
    assert [j for j, _ in deliverer.delivered] == [jobs[0].id, jobs[2].id, jobs[1].id]
    stages = {p.stage for p in deliverer.progress_updates}
    assert Stage.SECTION in stages
    for job in jobs:
        clip = await Storage(db).clips.require(job.clip_id)
        audio, rate = sf.read(clip.audio_path, always_2d=True)
        assert rate == 48_000 and audio.shape[1] == 2
        assert abs(audio.shape[0] / rate - clip.duration_s) < 0.05
        expected = job.render.plan.duration_s if job.kind is JobKind.SONG else 4.0
        assert clip.duration_s >= expected  # the body plus the last section's tail
        assert is_file(clip.stem_path)
        assert clip.section_role == (
            None if job.kind is JobKind.SONG else job.render.plan.sections[1].role
        )
    # The section jobs share one plan and seed: the same notes, the same audio.
    first = await Storage(db).clips.require(jobs[0].clip_id)
    third = await Storage(db).clips.require(jobs[2].clip_id)
    assert read_bytes(first.audio_path) == read_bytes(third.audio_path)


async def test_cancel_and_timeout_in_the_local_executor(queue: JobQueue, tmp_path: Path) -> None:
    sleeper = make_render(("test_mode", "sleep"), ("test_sleep_s", "30"), backend="slow")
    cancelled = (await queue.enqueue(make_request(1, render=sleeper))).job
    slow = make_render(
        ("test_mode", "sleep"), ("test_sleep_s", "30"), backend="slow", timeout_s=0.5
    )
    timed_out = (await queue.enqueue(make_request(2, render=slow))).job
    executor = LocalExecutor(
        {"slow": [SlowBackend(48_000), SlowBackend(48_000)]}, tmp_path / "clips"
    )
    deliverer = RecordingDeliverer()
    scheduler = Scheduler(queue, executor, deliverer, FAST)
    await scheduler.start()
    try:
        await wait_for(lambda: len(scheduler.running) == 2)
        assert executor.free_slots("slow") == 0
        await wait_for(lambda: any(p.job_id == cancelled.id for p in deliverer.progress_updates))
        await queue.cancel(cancelled.id, 1)
        await scheduler.wait_idle(timeout_s=30)
    finally:
        await scheduler.stop()
        await executor.close()
    assert executor.free_slots("slow") == 2
    outcomes = {job_id: (status, message) for job_id, status, message in deliverer.failures}
    assert outcomes[cancelled.id] == (JobStatus.CANCELLED, "The job was cancelled.")
    status, message = outcomes[timed_out.id]
    assert status is JobStatus.FAILED
    assert message.startswith("This took longer than the 0.5 s limit, so it was stopped.")
    record = await queue.get(timed_out.id)
    assert record is not None and record.attempts == 1 and record.max_attempts == 1


async def test_free_slots_drop_as_soon_as_run_is_called(tmp_path: Path) -> None:
    executor = LocalExecutor({"slow": [SlowBackend(48_000)]}, tmp_path / "clips")
    job = make_render(("test_mode", "sleep"), ("test_sleep_s", "0.2"), backend="slow")
    try:
        task = asyncio.create_task(executor.run(job, lambda _p: None))
        await asyncio.sleep(0)  # run() has started, up to its first wait
        assert executor.free_slots("slow") == 0
        clip = await task
        assert is_file(clip.audio_path) and executor.free_slots("slow") == 1
        assert not await executor.cancel(job.job_id)  # nothing running any more
    finally:
        await executor.close()

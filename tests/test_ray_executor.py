"""Scale-out through Ray: the real :class:`bot.runtime.ray_executor.RayExecutor` on a real
single-node Ray cluster started here, running the real pipeline in Ray actors.

* the scheduler and the durable SQLite queue drive it like the local worker pool: real clips,
  fair order, progress, results written into the bot's own clip store;
* a stitch job carries the stored sections it reads (nodes share no disk);
* an actor killed mid-job (a lost node) → ``WorkerCrashed`` and a fresh actor; a job past its
  timeout → ``JobTimedOut`` and a fresh actor; a cancelled job stops.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import soundfile as sf

from bot.db import Database, Storage
from bot.errors import JobCancelled
from bot.runtime.jobs import ClipFiles, JobKind, JobProgress, Stage, StoredSection
from bot.runtime.pool import JobTimedOut, WorkerCrashed
from bot.runtime.queue import JobQueue
from bot.runtime.ray_actor import _materialise, pack
from bot.runtime.ray_executor import RayExecutor
from bot.runtime.scheduler import Scheduler, SchedulerConfig
from bot.settings import Settings, WorkerSpec
from tests.slow_backend import TEST_BACKENDS
from tests.test_db_support import make_render, make_request, make_settings, migrated_db
from tests.test_scheduler import RecordingDeliverer, read_bytes, wait_for

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = "composer-test"
SLOW = dict(e.split("=", 1) for e in TEST_BACKENDS.split(","))
FAST = SchedulerConfig(poll_interval_s=0.05, drain_timeout_s=10.0, cancel_grace_s=5.0)


@pytest.fixture(scope="module", autouse=True)
def ray_cluster() -> Iterator[None]:
    # Workers of a local Ray inherit this environment: they can import the test backend.
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), old) if p)
    ray.init(
        num_cpus=4,
        namespace=NAMESPACE,
        include_dashboard=False,
        configure_logging=False,
        log_to_driver=False,
    )
    try:
        yield
    finally:
        ray.shutdown()
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async for database in migrated_db("sqlite", tmp_path):
        yield database


async def started(settings: Settings, **kw: object) -> RayExecutor:
    executor = RayExecutor(settings, namespace=NAMESPACE, extra_backends=SLOW, **kw)  # type: ignore[arg-type]
    await executor.start(ready_timeout_s=120)
    return executor


def stored(clip: ClipFiles) -> StoredSection:
    return StoredSection(
        clip.clip_id, clip.stem_path, clip.body_frames, clip.sample_rate, clip.state_path
    )


async def test_the_scheduler_runs_real_clips_on_ray_actors(db: Database, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, max_running_per_user=1, job_retries=0)
    queue = JobQueue(db, settings)
    jobs = []
    for user, kind in ((1, JobKind.SECTION), (1, JobKind.SONG), (2, JobKind.SECTION)):
        render = make_render(kind=kind, seed=11)
        jobs.append((await queue.enqueue(make_request(user, render=render))).job)
    executor = await started(settings, cpu_workers=2, poll_interval_s=0.05)
    assert executor.free_slots("embedded") == 2
    deliverer = RecordingDeliverer()
    scheduler = Scheduler(queue, executor, deliverer, FAST)
    await scheduler.start()
    try:
        await scheduler.wait_idle(timeout_s=120)
    finally:
        await scheduler.stop()
        await executor.shutdown(drain_timeout_s=5)
    assert sorted(j for j, _ in deliverer.delivered) == sorted(j.id for j in jobs)
    assert Stage.SECTION in {p.stage for p in deliverer.progress_updates}
    for job in jobs:
        clip = await Storage(db).clips.require(job.clip_id)
        # Written into the bot's own store, not left on the node.
        assert Path(clip.audio_path).parent == (settings.clips_dir / job.clip_id).resolve()
        audio, rate = sf.read(clip.audio_path, always_2d=True)
        assert rate == 48_000 and abs(audio.shape[0] / rate - clip.duration_s) < 0.05
    # Two different actors, one plan and seed: the same audio.
    first = await Storage(db).clips.require(jobs[0].clip_id)
    third = await Storage(db).clips.require(jobs[2].clip_id)
    assert read_bytes(first.audio_path) == read_bytes(third.audio_path)


async def test_a_stitch_job_carries_the_sections_it_reads(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    executor = await started(settings)
    try:
        parts = []
        for section in (0, 1):
            job = make_render(section=section, seed=5)
            parts.append(await executor.run(job, lambda _u: None))
        base = make_render(seed=5)
        plan = replace(base.plan, sections=base.plan.sections[:2])
        stitch_job = replace(
            base, kind=JobKind.STITCH, plan=plan, sections=(0, 1), stitch=tuple(map(stored, parts))
        )
        payload = pack(stitch_job)
        assert set(payload["files"]) == {p.stem_path for p in parts}
        local = _materialise(stitch_job, payload["files"], tmp_path / "node")
        assert all(s.stem_path.startswith(str(tmp_path / "node")) for s in local.stitch)
        song = await executor.run(stitch_job, lambda _u: None)
    finally:
        await executor.shutdown(drain_timeout_s=5)
    bodies_s = sum(p.body_frames / p.sample_rate for p in parts)
    assert bodies_s <= song.duration_s <= bodies_s + parts[-1].duration_s


async def test_lost_actor_timeout_and_cancel(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, workers=(WorkerSpec(backend="slow", devices=("cpu",)),))
    executor = await started(settings, poll_interval_s=0.1)
    updates: list[JobProgress] = []
    sleeper = ("test_mode", "sleep"), ("test_sleep_s", "60")
    try:
        # A node lost mid-job: the actor is killed from outside.
        job = make_render(*sleeper, backend="slow")
        running = asyncio.ensure_future(executor.run(job, updates.append))
        await wait_for(lambda: any(u.job_id == job.job_id for u in updates), timeout_s=30)
        (name,) = executor.actor_names()
        first = ray.get_actor(name, namespace=NAMESPACE)
        ray.kill(first)
        with pytest.raises(WorkerCrashed):
            await running
        assert executor.free_slots("slow") == 1  # a fresh actor took its place
        # Past its timeout: stopped, and the actor replaced again.
        with pytest.raises(JobTimedOut):
            await executor.run(make_render(*sleeper, backend="slow", timeout_s=1.5), print)
        # Cancelled by its owner.
        job = make_render(*sleeper, backend="slow")
        running = asyncio.ensure_future(executor.run(job, updates.append))
        await wait_for(lambda: any(u.job_id == job.job_id for u in updates), timeout_s=30)
        assert await executor.cancel(job.job_id)
        with pytest.raises(JobCancelled):
            await asyncio.wait_for(running, 30)
        # After all that, the replacement actor still composes.
        done = await executor.run(make_render(backend="slow"), lambda _u: None)
        assert done.size_bytes > 0 and done.duration_s > 1.0
    finally:
        await executor.shutdown(drain_timeout_s=5)

"""Queue and scheduler figures: what the durable queue costs, and jobs per minute end to end.

Prints:
* queue operations on a SQLite file (WAL, fsync per commit): enqueue, claim, complete, mark
  delivered, and ``position`` with 100 jobs waiting — median milliseconds;
* scheduler overhead: jobs per second through enqueue → claim → run → record → deliver with an
  executor that returns at once (so only the queue, the database and the loop are measured);
* end to end: jobs per minute for a batch of section jobs from 4 users through the scheduler on
  the real ``WorkerPool`` with 1 and 2 workers (embedded backend, real pipeline), and on the
  in-process ``LocalExecutor`` with 1 and 2 threads.

Usage: ``python bench/bench_queue.py [--jobs 12] [--duration-s 20] [--skip-pool]``.
Other processes on the machine skew the numbers; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.db import ClipRecord, Database, JobRecord, JobRequest, new_id, upgrade
from bot.runtime.jobs import AudioFormat, ClipFiles, JobKind, JobProgress, OutputSpec, RenderJob
from bot.runtime.local_executor import LocalExecutor
from bot.runtime.queue import JobQueue
from bot.runtime.scheduler import Executor, Scheduler, SchedulerConfig
from bot.service.planning import plan_from_spec
from bot.service.spec import RequestKind, RequestSpec
from bot.settings import Settings
from models.base import BackendConfig
from models.factory import load_backend
from models.plan import SectionRole

STYLES = ("lofi", "pop", "rock", "house")


def make_render(i: int, duration_s: float) -> RenderJob:
    spec = RequestSpec(
        kind=RequestKind.SECTION,
        section=SectionRole.VERSE,
        style=STYLES[i % len(STYLES)],
        duration_s=duration_s,
        seed=2000 + i,
    )
    plan, sections = plan_from_spec(spec)
    return RenderJob(
        job_id=new_id(),
        clip_id=new_id(),
        kind=JobKind.SECTION,
        backend="embedded",
        plan=plan,
        sections=sections,
        output=OutputSpec(),
    )


def request(i: int, render: RenderJob) -> JobRequest:
    return JobRequest(render=render, user_id=1 + i % 4, guild_id=1, channel_id=1, request_text="x")


def _files(job: RenderJob) -> ClipFiles:
    return ClipFiles(
        clip_id=job.clip_id,
        directory="/nonexistent",
        audio_path="/nonexistent/audio.ogg",
        audio_format=AudioFormat.OGG,
        midi_path=None,
        waveform_path=None,
        stem_path="/nonexistent/stem.flac",
        state_path=None,
        body_frames=1,
        sample_rate=48_000,
        duration_s=1.0,
        loudness_lufs=-14.0,
        true_peak_dbtp=-1.0,
        size_bytes=1,
    )


class InstantExecutor:
    """Returns at once: isolates the queue's and the scheduler's own cost."""

    def __init__(self, slots: int) -> None:
        self.slots, self.busy = slots, 0

    def backends(self) -> frozenset[str]:
        return frozenset({"embedded"})

    def free_slots(self, backend: str) -> int:
        return self.slots - self.busy

    async def run(self, job: RenderJob, progress: Callable[[JobProgress], None]) -> ClipFiles:
        self.busy += 1
        try:
            await asyncio.sleep(0)
            return _files(job)
        finally:
            self.busy -= 1

    async def cancel(self, job_id: str) -> bool:
        return False


class CountingDeliverer:
    def __init__(self, expected: int) -> None:
        self.done = 0
        self.expected = expected
        self.all_done = asyncio.Event()

    async def progress(self, job: JobRecord, update: JobProgress) -> None:
        pass

    async def deliver(self, job: JobRecord, clip: ClipRecord) -> str | None:
        self.done += 1
        if self.done >= self.expected:
            self.all_done.set()
        return None

    async def failed(self, job: JobRecord, message: str) -> None:
        print(f"  job {job.id} failed: {message}", file=sys.stderr)


async def fresh_queue(root: Path, name: str) -> tuple[Database, JobQueue, Settings]:
    data = root / name
    data.mkdir()
    settings = Settings(data_dir=data, max_queued_per_user=1000, max_queued_per_guild=10_000,
                        max_running_per_user=2)  # fmt: skip
    await upgrade(settings.resolved_database_url)
    db = Database.from_url(settings.resolved_database_url)
    return db, JobQueue(db, settings), settings


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:6.2f} ms"


async def queue_operations(root: Path) -> None:
    db, queue, _ = await fresh_queue(root, "ops")
    renders = [make_render(i, 8.0) for i in range(4)]
    enqueue, claim, complete, deliver, position = [], [], [], [], []
    for i in range(100):
        t = time.perf_counter()
        await queue.enqueue(request(i, RenderJob.from_dict(
            {**renders[i % 4].to_dict(), "job_id": new_id(), "clip_id": new_id()})))  # fmt: skip
        enqueue.append(time.perf_counter() - t)
    for _ in range(20):
        t = time.perf_counter()
        await queue.position(new_id())
        position.append(time.perf_counter() - t)
    for _ in range(50):
        t = time.perf_counter()
        job = await queue.claim_next({"embedded"})
        claim.append(time.perf_counter() - t)
        assert job is not None
        t = time.perf_counter()
        await queue.complete(job.id, _files(job.render))
        complete.append(time.perf_counter() - t)
        t = time.perf_counter()
        await queue.mark_delivered(job.id, "1")
        deliver.append(time.perf_counter() - t)
    await db.close()
    print("queue operations (SQLite file, median):")
    print(f"  enqueue (cap checks + insert + position) {_ms(enqueue)}")
    print(f"  position with 100 waiting                {_ms(position)}")
    print(f"  claim next (fair choice + mark running)  {_ms(claim)}")
    print(f"  complete (clip row + job done)           {_ms(complete)}")
    print(f"  mark delivered                           {_ms(deliver)}")


async def through_scheduler(
    root: Path, name: str, executor: Executor, renders: list[RenderJob], poll_s: float = 0.5
) -> float:
    """Seconds from the first enqueue to the last delivery."""
    db, queue, _ = await fresh_queue(root, name)
    deliverer = CountingDeliverer(len(renders))
    scheduler = Scheduler(queue, executor, deliverer, SchedulerConfig(poll_interval_s=poll_s))
    await scheduler.start()
    start = time.perf_counter()
    try:
        for i, render in enumerate(renders):
            await queue.enqueue(request(i, render))
        await asyncio.wait_for(deliverer.all_done.wait(), 3600)
        elapsed = time.perf_counter() - start
    finally:
        await scheduler.stop()
        await db.close()
    assert deliverer.done == len(renders), deliverer.done
    return elapsed


async def scheduler_overhead(root: Path) -> None:
    renders = [make_render(i, 8.0) for i in range(4)]
    jobs = [
        RenderJob.from_dict({**renders[i % 4].to_dict(), "job_id": new_id(), "clip_id": new_id()})
        for i in range(200)
    ]
    elapsed = await through_scheduler(root, "overhead", InstantExecutor(slots=2), jobs)
    per_job_ms = elapsed / len(jobs) * 1000
    print(f"scheduler overhead: {len(jobs) / elapsed:.0f} jobs/s with an instant executor "
          f"({per_job_ms:.1f} ms per job: enqueue, claim, record, deliver)")  # fmt: skip


async def end_to_end(root: Path, jobs: int, duration_s: float, skip_pool: bool) -> None:
    renders = [make_render(i, duration_s) for i in range(jobs)]
    print(f"end to end: {jobs} section jobs of {duration_s:g} s from 4 users")
    if not skip_pool:
        from bot.runtime.pool import WorkerPool

        for workers in (1, 2):
            # the queue's own costs, not a big SoundFont's load (workers default to the fullest)
            settings = Settings(data_dir=root / f"pool{workers}", soundfont=Path("timgm6mb"))
            async with WorkerPool(settings, cpu_workers=workers) as pool:
                fresh = [RenderJob.from_dict({**r.to_dict(), "clip_id": new_id()}) for r in renders]
                elapsed = await through_scheduler(root, f"pool-{workers}", pool, fresh)
            print(f"  WorkerPool, {workers} worker(s):    {jobs / elapsed * 60:6.1f} jobs/min "
                  f"({elapsed:.1f} s)")  # fmt: skip
    config = BackendConfig(sample_rate=48_000)
    for threads in (1, 2):
        backends = {"embedded": [load_backend("embedded", config) for _ in range(threads)]}
        executor = LocalExecutor(backends, root / f"local{threads}" / "clips")
        fresh = [RenderJob.from_dict({**r.to_dict(), "clip_id": new_id()}) for r in renders]
        try:
            elapsed = await through_scheduler(root, f"local-{threads}", executor, fresh)
        finally:
            await executor.close()
        print(f"  LocalExecutor, {threads} thread(s): {jobs / elapsed * 60:6.1f} jobs/min "
              f"({elapsed:.1f} s)")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--duration-s", type=float, default=20.0)
    parser.add_argument("--skip-pool", action="store_true", help="no worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        root = Path(tmp)
        await queue_operations(root)
        await scheduler_overhead(root)
        await end_to_end(root, args.jobs, args.duration_s, args.skip_pool)


if __name__ == "__main__":
    asyncio.run(main())

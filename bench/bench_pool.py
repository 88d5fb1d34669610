"""Worker pool figures on the embedded backend.

Prints:
* worker start-up: spawn → READY as the pool measures it, and the backend load time inside;
* the pool's overhead per job (target < 50 ms): a job's wall time through ``WorkerPool.run``
  minus the worker's own time for it (protocol, pipes, JSON, hand-over), and, for comparison, the
  same jobs rendered with ``render_job`` in this process, interleaved;
* throughput: jobs per minute with 1 and 2 workers for a batch of independent jobs.

Usage: ``python bench/bench_pool.py [--jobs 8] [--duration-s 20] [--repeats 5]``.
Other processes on the machine skew the numbers; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bot.runtime.jobs import JobKind, JobProgress, OutputSpec, RenderJob
from bot.runtime.pipeline import render_job
from bot.runtime.pool import WorkerPool
from bot.service.planning import plan_from_spec
from bot.service.spec import RequestKind, RequestSpec
from bot.settings import Settings
from models.base import BackendConfig
from models.factory import load_backend
from models.plan import SectionRole

STYLES = ("lofi", "pop", "rock", "house")


def make_jobs(count: int, duration_s: float) -> list[RenderJob]:
    jobs = []
    for i in range(count):
        spec = RequestSpec(
            kind=RequestKind.SECTION,
            section=SectionRole.VERSE,
            style=STYLES[i % len(STYLES)],
            duration_s=duration_s,
            seed=1000 + i,
        )
        plan, sections = plan_from_spec(spec)
        jobs.append(
            RenderJob(
                job_id=f"bench-{i}",
                clip_id=uuid.uuid4().hex[:12],
                kind=JobKind.SECTION,
                backend="embedded",
                plan=plan,
                sections=sections,
                output=OutputSpec(),
            )
        )
    return jobs


def fresh(job: RenderJob) -> RenderJob:
    """The same job under a new clip id (a clip directory is written once)."""
    return RenderJob.from_dict({**job.to_dict(), "clip_id": uuid.uuid4().hex[:12]})


def _ignore(_: JobProgress) -> None:
    pass


async def overhead(settings: Settings, jobs: list[RenderJob], repeats: int) -> None:
    backend = load_backend("embedded", BackendConfig(sample_rate=settings.sample_rate))
    clips = settings.clips_dir
    render_job(fresh(jobs[0]), backend, clips)  # warm caches in this process
    async with WorkerPool(settings, cpu_workers=1) as pool:
        (worker,) = pool.stats().workers
        print(f"worker start-up (spawn → READY): {worker.startup_s:.2f} s "
              f"(backend load inside the worker: {worker.load_s:.2f} s)")  # fmt: skip
        await pool.run(fresh(jobs[0]), _ignore)  # warm the worker
        local, pooled, direct = [], [], []
        for _ in range(repeats):
            for job in jobs:
                start = time.perf_counter()
                render_job(fresh(job), backend, clips)
                local.append(time.perf_counter() - start)
                busy_before = pool.stats().workers[0].busy_s
                start = time.perf_counter()
                await pool.run(fresh(job), _ignore)
                pooled.append(time.perf_counter() - start)
                # The same job's time inside the worker, as the worker measured it.
                direct.append(pooled[-1] - (pool.stats().workers[0].busy_s - busy_before))
    backend.close()
    diffs = [p - q for p, q in zip(pooled, local, strict=True)]
    print(f"per job, in-process render_job: median {statistics.median(local) * 1000:.0f} ms")
    print(f"per job, through the pool:      median {statistics.median(pooled) * 1000:.0f} ms")
    print(f"pool overhead per job, measured (pool wall − worker's own time for that job): "
          f"median {statistics.median(direct) * 1000:.1f} ms, max {max(direct) * 1000:.1f} ms "
          f"(n={len(direct)}; target < 50 ms)")  # fmt: skip
    print(f"pool − in-process, paired (noisy: includes render variance): median "
          f"{statistics.median(diffs) * 1000:+.1f} ms (quartiles {_quartiles(diffs)})")  # fmt: skip


def _quartiles(values: list[float]) -> str:
    q = statistics.quantiles(values, n=4)
    return f"{q[0] * 1000:+.1f} / {q[2] * 1000:+.1f} ms"


async def throughput(settings: Settings, jobs: list[RenderJob], workers: int) -> None:
    start = time.perf_counter()
    async with WorkerPool(settings, cpu_workers=workers) as pool:
        started = time.perf_counter() - start
        ups = ", ".join(f"{w.startup_s:.2f}" for w in pool.stats().workers)
        start = time.perf_counter()
        await asyncio.gather(*(pool.run(fresh(job), _ignore) for job in jobs))
        wall = time.perf_counter() - start
        done = [w.jobs_done for w in pool.stats().workers]
    print(f"{workers} worker(s): {len(jobs)} jobs in {wall:.2f} s = "
          f"{len(jobs) * 60 / wall:.1f} jobs/min (jobs per worker {done}; "
          f"pool start {started:.2f} s, spawn → READY {ups} s)")  # fmt: skip


async def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--jobs", type=int, default=8)
    p.add_argument("--duration-s", type=float, default=20.0)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    jobs = make_jobs(args.jobs, args.duration_s)
    with tempfile.TemporaryDirectory(prefix="bench-pool-") as tmp:
        # the pool's own costs, not a big SoundFont's load (workers default to the fullest)
        settings = Settings(data_dir=Path(tmp), soundfont=Path("timgm6mb"))
        print(f"{args.jobs} jobs of one ~{args.duration_s:g} s section each, Ogg output\n")
        await overhead(settings, jobs[:4], args.repeats)
        print()
        for workers in (1, 2):
            await throughput(settings, jobs, workers)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))

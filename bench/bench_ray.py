"""The Ray executor on the embedded backend, on a local single-node Ray (the same code path as a
cluster, without the network): actor start-up, overhead per job against ``render_job`` in this
process (shipping the job and the clip's bytes, polling progress, writing the clip store), and
jobs per minute with 1 and 2 actors.

Usage: ``python bench/bench_ray.py [--jobs 8] [--duration-s 20] [--repeats 5]`` (needs the
``ray`` extra).  Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ray

from bench.bench_pool import _ignore, fresh, make_jobs
from bot.runtime.pipeline import render_job
from bot.runtime.ray_executor import RayExecutor
from bot.settings import Settings
from models.base import BackendConfig
from models.factory import load_backend


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--duration-s", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    jobs = make_jobs(args.jobs, args.duration_s)
    t0 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, configure_logging=False, log_to_driver=False)
    print(f"local Ray start: {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        # the executor's own costs, not a big SoundFont's load (workers default to the fullest)
        settings = Settings(data_dir=Path(tmp), soundfont=Path("timgm6mb"))
        backend = load_backend("embedded", BackendConfig(sample_rate=settings.sample_rate))
        render_job(fresh(jobs[0]), backend, settings.clips_dir)  # warm this process
        executor = RayExecutor(settings, cpu_workers=1)
        t0 = time.perf_counter()
        await executor.start()
        print(f"1 actor ready (create + backend load): {time.perf_counter() - t0:.2f} s")
        await executor.run(fresh(jobs[0]), _ignore)  # warm the actor
        diffs = []
        for _ in range(args.repeats):
            for job in jobs[:2]:
                start = time.perf_counter()
                render_job(fresh(job), backend, settings.clips_dir)
                local_s = time.perf_counter() - start
                start = time.perf_counter()
                await executor.run(fresh(job), _ignore)
                diffs.append(time.perf_counter() - start - local_s)
        q = statistics.quantiles(diffs, n=4)
        print(
            f"Ray − in-process, paired, per {args.duration_s:g} s section: median "
            f"{statistics.median(diffs) * 1000:.1f} ms (quartiles {q[0] * 1000:.1f} / "
            f"{q[2] * 1000:.1f} ms; n={len(diffs)}; target < 50 ms)"
        )
        await executor.shutdown(drain_timeout_s=5)
        for actors in (1, 2):
            executor = RayExecutor(settings, cpu_workers=actors)
            await executor.start()
            await asyncio.gather(*(executor.run(fresh(j), _ignore) for j in jobs[:actors]))
            start = time.perf_counter()
            await asyncio.gather(*(executor.run(fresh(j), _ignore) for j in jobs))
            wall_s = time.perf_counter() - start
            print(
                f"{actors} actor(s): {len(jobs)} jobs in {wall_s:.2f} s = "
                f"{len(jobs) / wall_s * 60:.1f} jobs/min"
            )
            await executor.shutdown(drain_timeout_s=5)
    ray.shutdown()


if __name__ == "__main__":
    asyncio.run(main())

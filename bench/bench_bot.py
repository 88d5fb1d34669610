"""Bot responsiveness through the fake Discord server.

Measures the time from INTERACTION_CREATE (sent by the fake gateway) to the bot's defer callback
arriving at the fake REST API — the acknowledgement Discord requires within 3 s — over many
/compose interactions while the bot's queue, scheduler and a worker subprocess are busy, plus the
bot's resident memory after start-up.  Prints figures; not a test.

    python bench/bench_bot.py [--interactions 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.runtime.jobs import JobStatus
from tests.e2e_support import bot_settings, running_bot
from tests.fakediscord.client import pointed_at
from tests.fakediscord.server import FakeDiscord


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def subprocess_rss(fake: FakeDiscord) -> tuple[float, float]:
    """Start `composer run` as its own process against the fake and read its RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.update(
            DISCORD_TOKEN=fake.world.bot_token,
            COMPOSER_DATA_DIR=tmp,
            COMPOSER_CPU_WORKERS="1",
            COMPOSER_REST_BASE_URL=fake.rest_base_url,
            COMPOSER_GATEWAY_URL=fake.gateway_url,
        )
        before = len(fake.identifies)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await fake.wait_until_connected(timeout_s=60, identifies=before + 1)
            await asyncio.sleep(2.0)
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()  # noqa: ASYNC240
            return rss_mib(proc.pid), sum(rss_mib(int(c)) for c in children)
        finally:
            proc.terminate()
            await proc.wait()


async def main(n: int) -> None:
    async with FakeDiscord() as fake:
        with pointed_at(fake.rest_base_url, fake.gateway_url), tempfile.TemporaryDirectory() as tmp:
            settings = bot_settings(
                Path(tmp), max_queued_per_user=10_000, max_queued_per_guild=10_000
            )
            t0 = time.perf_counter()
            async with running_bot(fake, settings) as bot:
                startup_s = time.perf_counter() - t0
                await asyncio.sleep(0.5)
                rss = rss_mib(os.getpid())
                users = [fake.world.user(u) for u in ("alice", "bob", "carol")]
                latencies = []
                for i in range(n):
                    handle = await fake.slash_command(
                        "compose",
                        {"request": f"lofi verse 8 seconds seed {i}"},
                        user=users[i % len(users)],
                    )
                    callback = await handle.response(timeout_s=10)
                    record = handle._record
                    latencies.append((callback.at_s - record.created_at_s) * 1000)
                    await asyncio.sleep(0.01)
                queued = await bot.queue.count(JobStatus.QUEUED)
                for job_id in list((await bot.queue.positions()).keys()):
                    await bot.queue.cancel(job_id, 0, admin=True)
        rss_bot, rss_workers = await subprocess_rss(fake)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(f"interactions: {n} (jobs still waiting at the end: {queued})")
    print(
        f"INTERACTION_CREATE → defer callback: median {statistics.median(latencies):.1f} ms, "
        f"p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms (Discord allows 3000 ms)"
    )
    print(f"bot start-up (login, migrations, worker ready, command sync): {startup_s:.2f} s")
    print(
        f"resident memory of `composer run` after start-up: {rss_bot:.0f} MiB "
        f"(+ {rss_workers:.0f} MiB in its worker process)"
    )
    print(f"(this benchmark process, bot + fake server together: {rss:.0f} MiB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interactions", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.interactions))

"""Bot responsiveness through the fake Discord server.  Prints figures; not a test.

1. ``ack``: INTERACTION_CREATE (sent by the fake gateway) → the bot's acknowledgement (defer or
   immediate response) at the fake REST API, over many sequential /compose while the queue,
   scheduler and a worker are busy (bot and fake in this process), plus start-up time.
2. ``burst``: the real ``composer run`` in its own process, driven from outside: N /compose from
   U users in T seconds (default 1000 from 100 users in 10 s, default caps).  Prints how many were
   acknowledged within Discord's 3 s, ack p50/p99/max, what the refused ones saw (one ephemeral
   answer, or a public "thinking…" message deleted again) and the bot's resident memory.
3. ``section``: a 20 s section from the interaction to the finished clip in the channel
   (``composer run`` in its own process, workers warm, one request at a time), median and split.

    python bench/bench_bot.py [--only ack|burst|section] [--interactions 200]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.runtime.jobs import JobKind, JobStatus
from tests.e2e_support import bot_settings, is_result, running_bot
from tests.fakediscord.client import pointed_at
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import FakeMember, FakeUser, World, default_world


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def crowd_world(users: int) -> World:
    """The default world with ``users`` more members in its main guild."""
    world = default_world()
    base = max(u.id for u in world.all_users()) + 1_000
    extra = tuple(FakeUser(base + i, f"user{i}", global_name=f"User {i}") for i in range(users))
    guild = world.guilds[0]
    guild = dataclasses.replace(
        guild, members=guild.members + tuple(FakeMember(u.id) for u in extra)
    )
    return dataclasses.replace(world, users=world.users + extra, guilds=(guild, *world.guilds[1:]))


@asynccontextmanager
async def composer_run(fake: FakeDiscord, data_dir: Path, **env_extra: str) -> AsyncIterator[int]:
    """``composer run`` as its own process against the fake; yields its pid once connected."""
    env = dict(os.environ)
    env.update(
        DISCORD_TOKEN=fake.world.bot_token,
        COMPOSER_DATA_DIR=str(data_dir),
        COMPOSER_CPU_WORKERS="1",
        COMPOSER_REST_BASE_URL=fake.rest_base_url,
        COMPOSER_GATEWAY_URL=fake.gateway_url,
        COMPOSER_LOG_LEVEL="WARNING",
    )
    env.update(env_extra)
    before = len(fake.identifies)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=open(data_dir / "bot.log", "wb"),  # noqa: SIM115, ASYNC230
    )
    try:
        await fake.wait_until_connected(timeout_s=90, identifies=before + 1)
        await fake.wait_until(lambda: fake.command_syncs or None, 60, "command sync")
        await asyncio.sleep(1.0)
        yield proc.pid
    finally:
        proc.terminate()
        await proc.wait()


# --- 1. sequential acks, in process ----------------------------------------------------------


async def bench_ack(n: int) -> None:
    async with FakeDiscord() as fake:
        with pointed_at(fake.rest_base_url, fake.gateway_url), tempfile.TemporaryDirectory() as tmp:
            settings = bot_settings(
                Path(tmp), max_queued_per_user=10_000, max_queued_per_guild=10_000
            )
            t0 = time.perf_counter()
            async with running_bot(fake, settings) as bot:
                startup_s = time.perf_counter() - t0
                await asyncio.sleep(0.5)
                users = [fake.world.user(u) for u in ("alice", "bob", "carol")]
                latencies = []
                for i in range(n):
                    handle = await fake.slash_command(
                        "compose",
                        {"request": f"lofi verse 8 seconds seed {i}"},
                        user=users[i % len(users)],
                    )
                    callback = await handle.response(timeout_s=10)
                    latencies.append((callback.at_s - handle._record.created_at_s) * 1000)
                    await asyncio.sleep(0.01)
                queued = await bot.queue.count(JobStatus.QUEUED)
                for job_id in list((await bot.queue.positions()).keys()):
                    await bot.queue.cancel(job_id, 0, admin=True)
    print(f"[ack] {n} sequential /compose (jobs still waiting at the end: {queued})")
    print(
        f"[ack] INTERACTION_CREATE → acknowledgement: median {statistics.median(latencies):.1f} "
        f"ms, p99 {pct(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms (Discord allows 3000)"
    )
    print(f"[ack] bot start-up (login, migrations, worker ready, command sync): {startup_s:.2f} s")


# --- 2. a burst against `composer run` --------------------------------------------------------


async def bench_burst(n: int, users: int, seconds: float) -> None:
    world = crowd_world(users)
    crowd = world.users[-users:]
    async with FakeDiscord(world) as fake, composer_run(fake, Path(tempfile.mkdtemp())) as pid:
        rss_before = rss_mib(pid)
        loop = asyncio.get_running_loop()
        handles = []
        start = loop.time()
        for i in range(n):
            delay = start + i * seconds / n - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            handles.append(
                await fake.slash_command(
                    "compose",
                    {"request": f"lofi verse 8 seconds seed {i}"},
                    user=crowd[i % len(crowd)],
                )
            )
        sent_s = loop.time() - start
        await asyncio.sleep(3.5)  # every deadline has passed
        await asyncio.sleep(2.0)  # and the last follow-ups have arrived
        rss_after, rss_peak = rss_mib(pid), rss_mib(pid, "VmHWM")
        records = [h._record for h in handles]
        acked = [r for r in records if r.callbacks and r.callbacks[0].at_s - r.created_at_s <= 3]
        latencies = [(r.callbacks[0].at_s - r.created_at_s) * 1000 for r in acked]
        deferred = [r for r in acked if r.callbacks[0].type == 5]
        refused_quietly = [
            r
            for r in acked
            if r.callbacks[0].type == 4 and r.callbacks[0].data.get("flags", 0) & 64
        ]
        deleted_public = sum(
            1
            for r in deferred
            if r.original_message_id and fake.state.messages[r.original_message_id].deleted
        )
    print(
        f"[burst] {n} /compose from {users} users in {sent_s:.1f} s against `composer run` "
        f"(caps: 5 queued per user, 50 per server)"
    )
    print(f"[burst] acknowledged within 3 s: {len(acked)} of {n}")
    if latencies:
        print(
            f"[burst] ack latency: p50 {pct(latencies, 0.5):.0f} ms, p99 {pct(latencies, 0.99):.0f}"
            f" ms, max {max(latencies):.0f} ms"
        )
    print(
        f"[burst] accepted (deferred, kept): {len(deferred) - deleted_public}; refused with one "
        f"ephemeral answer: {len(refused_quietly)}; refused after a public 'thinking…' that was "
        f"deleted: {deleted_public}"
    )
    print(
        f"[burst] bot RSS: {rss_before:.0f} MiB before, {rss_after:.0f} MiB after "
        f"(peak {rss_peak:.0f} MiB)"
    )
    print(f"[burst] work before the ack (channel, words, caps from memory): {pre_ack_us():.0f} µs")


def pre_ack_us() -> float:
    """Median time of what runs before the acknowledgement: ComposerService.understand."""
    from bot.service.requests import ComposerService, Requester
    from bot.settings import Settings

    service = ComposerService(
        settings=Settings(),
        storage=None,
        queue=None,
        clips_dir=Path(),  # type: ignore[arg-type]
    )
    who = Requester(user_id=1, guild_id=2, channel_id=3)
    times = []
    for i in range(2000):
        start = time.perf_counter()
        service.understand(f"lofi verse 8 seconds seed {i}", who)
        times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times[200:])


# --- 3. one 20 s section, interaction → clip in the channel -----------------------------------


def _job_times(db_path: Path) -> list[tuple[datetime, datetime, datetime, datetime]]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT created_at, started_at, finished_at, delivered_at FROM jobs ORDER BY seq"
        ).fetchall()
    return [tuple(datetime.fromisoformat(v) for v in row) for row in rows]  # type: ignore[misc]


async def bench_section(runs: int) -> None:
    data_dir = Path(tempfile.mkdtemp())
    totals: list[float] = []
    acks: list[float] = []
    async with FakeDiscord() as fake, composer_run(fake, data_dir):
        loop = asyncio.get_running_loop()
        for i in range(runs + 1):  # the first one warms the worker up
            handle = await fake.slash_command(
                "compose", {"request": f"lofi verse 20 seconds seed {i}"}
            )
            callback = await handle.response(timeout_s=10)
            await handle.wait_original(is_result, timeout_s=120)
            done = loop.time()
            if i:
                totals.append(done - handle._record.created_at_s)
                acks.append(callback.at_s - handle._record.created_at_s)
            await asyncio.sleep(0.5)
    times = _job_times(data_dir / "composer.db")[1:]
    wait = [(s - c).total_seconds() for c, s, _, _ in times]
    render = [(f - s).total_seconds() for _, s, f, _ in times]
    deliver = [(d - f).total_seconds() for _, _, f, d in times]
    print(f"[section] 20 s lofi section, interaction → clip in the channel, {runs} runs, warm:")
    print(
        f"[section] median {statistics.median(totals):.2f} s (goal ≤ 0.5 s); runs: "
        + " ".join(f"{t:.2f}" for t in totals)
    )
    inside = worker_split(runs)
    print(
        f"[section] split (medians): ack {statistics.median(acks) * 1000:.0f} ms · queued → "
        f"started {statistics.median(wait) * 1000:.0f} ms · render+encode+store "
        f"{statistics.median(render) * 1000:.0f} ms · finished → delivered "
        f"{statistics.median(deliver) * 1000:.0f} ms"
    )
    print(
        "[section] inside the worker (same job in this process, medians): "
        + " · ".join(f"{name} {ms:.0f} ms" for name, ms in inside.items())
    )


def worker_split(runs: int) -> dict[str, float]:
    """The worker's pipeline stages for the same 20 s section, timed in this process."""
    import uuid

    from bot.parsing import parse_request
    from bot.runtime.jobs import AudioFormat, OutputSpec, RenderJob
    from bot.runtime.pipeline import Timings, render_job
    from bot.service.planning import plan_from_spec
    from bot.settings import WORKER_SOUNDFONT, Settings
    from models.base import BackendConfig
    from models.factory import load_backend

    settings = Settings()  # the workers' SoundFont ($COMPOSER_SOUNDFONT, else the fullest)
    config = BackendConfig(
        sample_rate=settings.sample_rate, soundfont=settings.soundfont_or(WORKER_SOUNDFONT)
    )
    backend = load_backend("embedded", config)
    stages: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs + 1):
            plan, indices = plan_from_spec(parse_request(f"lofi verse 20 seconds seed {i}"))
            job = RenderJob(
                job_id=uuid.uuid4().hex,
                clip_id=uuid.uuid4().hex[:12],
                kind=JobKind.SECTION,
                backend="embedded",
                plan=plan,
                sections=indices,
                output=OutputSpec(format=AudioFormat.parse(settings.default_format)),
            )
            timings = Timings()
            render_job(job, backend, Path(tmp), timings=timings)
            if i:  # the first one warms up
                for name in ("render_s", "stitch_s", "master_s", "encode_s", "write_s"):
                    stages.setdefault(name[:-2], []).append(getattr(timings, name) * 1000)
    backend.close()
    return {name: statistics.median(values) for name, values in stages.items()}


async def main(args: argparse.Namespace) -> None:
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    if args.only in (None, "ack"):
        await bench_ack(args.interactions)
    if args.only in (None, "burst"):
        await bench_burst(args.burst, args.users, args.seconds)
    if args.only in (None, "section"):
        await bench_section(args.runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=("ack", "burst", "section"))
    parser.add_argument("--interactions", type=int, default=200)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args()))

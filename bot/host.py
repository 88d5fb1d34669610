"""The headless host: the durable queue and scheduler without Discord.

    python -m bot.host --settings composer.toml --outbox results.jsonl [--executor pool|local|ray]

It applies migrations, recovers from a previous run, runs queued jobs on the worker pool (or on
the in-process executor with ``--executor local``, or on Ray actors with ``--executor ray``) and
delivers results by appending one JSON line per finished job to the outbox
(:class:`FileDeliverer`, idempotent per job).  On SIGTERM or SIGINT it shuts down in stages: stop
taking work, drain running jobs until ``--drain-timeout``, cancel the rest (they go back to the
queue), stop the workers, close the database.

The Discord bot runs the same :class:`~bot.runtime.scheduler.Scheduler` with a Discord deliverer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.db import Database, Storage, upgrade
from bot.db.records import ClipRecord, JobRecord
from bot.errors import ComposerError
from bot.runtime.jobs import JobProgress
from bot.runtime.queue import JobQueue
from bot.runtime.scheduler import Executor, Scheduler, SchedulerConfig
from bot.settings import Settings
from bot.storage.clip_store import ClipStore
from bot.web import MeteredDeliverer, Metrics, WebContext, WebServer

__all__ = ["FileDeliverer", "main", "run_host"]

log = logging.getLogger(__name__)


class FileDeliverer:
    """Appends one JSON line per finished job to a file, at most once per job id (also across
    restarts: the file is read at start).  A torn last line left by a crash is cut off."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.progress_updates = 0
        self._refs: dict[str, str] = {}
        self._lines = 0
        self._lock = asyncio.Lock()
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) != len(data):
            log.warning(
                "outbox %s: cutting a torn last line (%d bytes)",
                self.path,
                len(data) - len(complete),
            )
            with open(self.path, "r+b") as fh:
                fh.truncate(len(complete))
                os.fsync(fh.fileno())
        for line in complete.splitlines():
            self._lines += 1
            with contextlib.suppress(ValueError, KeyError, TypeError):
                self._refs.setdefault(str(json.loads(line)["job_id"]), f"outbox:{self._lines}")

    @property
    def delivered(self) -> frozenset[str]:
        return frozenset(self._refs)

    async def progress(self, job: JobRecord, update: JobProgress) -> None:
        self.progress_updates += 1

    async def deliver(self, job: JobRecord, clip: ClipRecord) -> str | None:
        return await self._append(
            job,
            {
                "event": "done",
                "clip_id": clip.id,
                "directory": clip.directory,
                "audio_path": clip.audio_path,
                "duration_s": round(clip.duration_s, 3),
            },
        )

    async def failed(self, job: JobRecord, message: str) -> None:
        await self._append(job, {"event": job.status.value, "message": message})

    async def _append(self, job: JobRecord, fields: dict[str, Any]) -> str:
        async with self._lock:
            if job.id in self._refs:
                return self._refs[job.id]
            record = {
                "job_id": job.id,
                "user_id": job.user_id,
                "guild_id": job.guild_id,
                "channel_id": job.channel_id,
                "attempts": job.attempts,
                **fields,
            }
            line = (json.dumps(record, separators=(",", ":")) + "\n").encode()
            await asyncio.to_thread(self._write, line)
            self._lines += 1
            ref = f"outbox:{self._lines}"
            self._refs[job.id] = ref
            return ref

    def _write(self, line: bytes) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)


async def _make_executor(kind: str, settings: Settings, cpu_workers: int | None) -> Executor:
    if kind == "local":
        from bot.runtime.local_executor import LocalExecutor

        return LocalExecutor.load(settings, {settings.default_backend: cpu_workers or 1})
    if kind == "ray":
        from bot.runtime.ray_executor import RayExecutor

        ray_executor = RayExecutor(settings, cpu_workers=cpu_workers)
        await ray_executor.start()
        return ray_executor
    from bot.runtime.pool import WorkerPool

    pool = WorkerPool(settings, cpu_workers=cpu_workers)
    await pool.start()
    return pool


async def _close_executor(executor: Executor, drain_timeout_s: float) -> None:
    from bot.runtime.local_executor import LocalExecutor
    from bot.runtime.pool import WorkerPool
    from bot.runtime.ray_executor import RayExecutor

    if isinstance(executor, WorkerPool | RayExecutor):
        await executor.shutdown(drain_timeout_s=drain_timeout_s)
    elif isinstance(executor, LocalExecutor):
        await executor.close()


async def run_host(
    settings: Settings,
    outbox: Path,
    *,
    executor_kind: str = "pool",
    cpu_workers: int | None = None,
    config: SchedulerConfig | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until ``stop`` is set (or SIGTERM/SIGINT arrives), then shut down in stages."""
    config = config or SchedulerConfig()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    await upgrade(url)
    await asyncio.to_thread(ClipStore(settings.clips_dir).sweep)
    db = Database.from_url(url)
    executor: Executor | None = None
    metrics = Metrics()
    web = WebServer(WebContext(settings, Storage(db), metrics))
    try:
        await web.start()  # clip pages, /healthz (503 until the workers are up), /metrics
        queue = JobQueue(db, settings)
        executor = await _make_executor(executor_kind, settings, cpu_workers)
        metrics.watch_executor(executor)
        deliverer = MeteredDeliverer(FileDeliverer(outbox), metrics)
        scheduler = Scheduler(queue, executor, deliverer, config)
        recovery = await scheduler.start()
        log.info(
            "host ready (executor %s: %s); recovered %d job(s)",
            executor_kind,
            ", ".join(sorted(executor.backends())),
            len(recovery.requeued),
        )
        await stop.wait()
        log.info("shutting down")
        await scheduler.stop(config.drain_timeout_s)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        if executor is not None:
            await _close_executor(executor, drain_timeout_s=1.0)
        await web.stop()
        await db.close()
    log.info("host stopped")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot.host", description=__doc__.split("\n")[0])
    p.add_argument("--settings", type=Path, help="settings TOML file (default: $COMPOSER_SETTINGS)")
    p.add_argument("--outbox", type=Path, required=True, help="JSON-lines file to deliver to")
    p.add_argument("--executor", choices=["pool", "local", "ray"], default="pool")
    p.add_argument(
        "--cpu-workers",
        type=int,
        help="pool: embedded CPU workers when none are configured; local: backend instances",
    )
    p.add_argument("--drain-timeout", type=float, default=30.0, help="seconds (default 30)")
    p.add_argument("--poll-interval", type=float, default=0.5, help="seconds (default 0.5)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.load(args.settings)
    except ComposerError as exc:
        print(f"composer host: {exc.user_message}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    config = SchedulerConfig(poll_interval_s=args.poll_interval, drain_timeout_s=args.drain_timeout)
    try:
        asyncio.run(
            run_host(
                settings,
                args.outbox,
                executor_kind=args.executor,
                cpu_workers=args.cpu_workers,
                config=config,
            )
        )
    except ComposerError as exc:
        log.error("%s", exc.user_message)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""One SQLite file, two processes: another process enqueues while this one schedules (WAL, busy
timeout, BEGIN IMMEDIATE); the scheduler notices the other process's jobs by polling."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db import Database
from bot.runtime.jobs import JobStatus
from bot.runtime.queue import JobQueue
from bot.runtime.scheduler import Scheduler, SchedulerConfig
from tests.test_db_support import make_settings, migrated_db
from tests.test_scheduler import RecordingDeliverer, ScriptedExecutor

ROOT = Path(__file__).resolve().parent.parent
N = 30

ENQUEUE = """
import asyncio, sys
from pathlib import Path
from bot.db import Database
from bot.runtime.queue import JobQueue
from tests.test_db_support import make_request, make_settings

async def main() -> None:
    url, tmp = sys.argv[1], Path(sys.argv[2])
    db = Database.from_url(url)
    queue = JobQueue(db, make_settings(tmp, max_queued_per_user=100))
    for i in range(int(sys.argv[3])):
        accepted = await queue.enqueue(make_request(10 + i % 3))
        print(accepted.job.id, flush=True)
    await db.close()

asyncio.run(main())
"""


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async for database in migrated_db("sqlite", tmp_path):
        yield database


async def test_another_process_enqueues_while_this_one_schedules(
    db: Database, tmp_path: Path
) -> None:
    queue = JobQueue(db, make_settings(tmp_path, max_queued_per_user=100, max_running_per_user=2))
    executor = ScriptedExecutor(tmp_path / "clips", slots=2)
    deliverer = RecordingDeliverer()
    scheduler = Scheduler(queue, executor, deliverer, SchedulerConfig(poll_interval_s=0.05))
    await scheduler.start()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            ENQUEUE,
            str(db.engine.url),
            str(tmp_path),
            str(N),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, err.decode()[-2000:]
        ids = out.decode().split()
        assert len(ids) == N
        await scheduler.wait_idle(timeout_s=60)
    finally:
        await scheduler.stop()
    assert sorted(job_id for job_id, _ in deliverer.delivered) == sorted(ids)
    assert await queue.count(JobStatus.DONE) == N

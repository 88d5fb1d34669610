"""The in-memory queue caps stay right when a job is cancelled while they are being re-read."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.errors import LimitExceeded
from bot.service.admission import Admission
from bot.service.types import Requester
from bot.settings import Settings

ALICE = Requester(user_id=1, guild_id=10)


class PausedJobs:
    """The queued-owners read of the job repository, paused until released (the race's window)."""

    def __init__(self, rows: dict[str, tuple[int, int | None]]) -> None:
        self.rows = rows
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def queued_owners(self) -> dict[str, tuple[int, int | None]]:
        snapshot = dict(self.rows)  # what the database said when the read began
        self.started.set()
        await self.release.wait()
        return snapshot


class Queue:
    def __init__(self, jobs: PausedJobs) -> None:
        self.jobs = jobs


async def test_a_job_cancelled_during_a_reread_stays_gone(tmp_path: Path) -> None:
    jobs = PausedJobs({"a": (1, 10), "b": (1, 10)})
    settings = Settings(data_dir=tmp_path, max_queued_per_user=2, max_queued_per_guild=50)
    admission = Admission(settings, storage=None, queue=Queue(jobs))  # type: ignore[arg-type]
    jobs.release.set()
    await admission.refresh()
    with pytest.raises(LimitExceeded):
        admission.check_caps(ALICE)  # two queued: the cap is reached

    jobs.release.clear()
    jobs.started.clear()
    reread = asyncio.create_task(admission.refresh())
    await jobs.started.wait()
    admission.left("b")  # cancelled (and gone from the database) while the read is under way
    del jobs.rows["b"]
    jobs.release.set()
    await reread
    admission.check_caps(ALICE)  # one queued: room for one more

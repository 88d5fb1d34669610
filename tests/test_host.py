"""The headless host: the idempotent outbox, and the crash test — the host is killed with
SIGKILL in the middle of a queue and started again; every accepted job must finish exactly once.

The crash test runs the real :class:`bot.runtime.pool.WorkerPool` with worker processes on the test
backend of ``tests/slow_backend.py`` (a real MusicBackend rendering tones, sleeping per job so the
kill lands mid-queue) and the real pipeline."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from bot.db import Database, JobRecord, Storage, upgrade
from bot.host import FileDeliverer
from bot.runtime.jobs import JobProgress, JobStatus, Stage
from bot.runtime.queue import JobQueue
from bot.settings import Settings
from tests.slow_backend import TEST_BACKENDS
from tests.test_db_support import fake_files, make_render, make_request, make_settings, migrated_db

ROOT = Path(__file__).resolve().parent.parent


async def _finished_job(db: Database, tmp_path: Path, user: int) -> JobRecord:
    queue = JobQueue(db, make_settings(tmp_path, max_running_per_user=5))
    job = (await queue.enqueue(make_request(user))).job
    await queue.claim_next({"embedded"})
    done = await queue.complete(job.id, fake_files(tmp_path / "clips", job.clip_id))
    assert done is not None
    return done[0]


def _append_bytes(path: Path, data: bytes) -> None:
    with open(path, "ab") as fh:
        fh.write(data)


async def test_file_deliverer_writes_each_job_once_across_restarts(tmp_path: Path) -> None:
    async for db in migrated_db("sqlite", tmp_path):
        job = await _finished_job(db, tmp_path, 1)
        clip = await Storage(db).clips.require(job.clip_id)
        outbox = tmp_path / "out" / "outbox.jsonl"
        first = FileDeliverer(outbox)
        await first.progress(job, JobProgress(job.id, Stage.SECTION, 0.5))
        ref = await first.deliver(job, clip)
        assert await first.deliver(job, clip) == ref == "outbox:1"
        queue = JobQueue(db, make_settings(tmp_path))
        other = (await queue.enqueue(make_request(2))).job
        await queue.claim_next({"embedded"})
        failed = await queue.fail(other.id, "The composer stopped unexpectedly.", retry=False)
        assert failed is not None
        await first.failed(failed, "The composer stopped unexpectedly.")
        # A crash tore a line in half after these two were written.
        _append_bytes(outbox, b'{"job_id": "torn", "ev')
        again = FileDeliverer(outbox)  # a restarted host
        assert again.delivered == {job.id, other.id}
        assert await again.deliver(job, clip) == "outbox:1"
        third = await _finished_job(db, tmp_path, 3)
        assert (
            await again.deliver(third, await Storage(db).clips.require(third.clip_id)) == "outbox:3"
        )
        lines = [json.loads(line) for line in outbox.read_text().splitlines()]
        assert [line["job_id"] for line in lines] == [job.id, other.id, third.id]
        assert lines[0]["event"] == "done" and lines[0]["clip_id"] == job.clip_id
        assert lines[1]["event"] == "failed"
        assert lines[1]["message"] == "The composer stopped unexpectedly."
        assert first.progress_updates == 1


# --- the crash test ----------------------------------------------------------------------------

N_JOBS = 8


def _write_settings(tmp_path: Path) -> Path:
    path = tmp_path / "composer.toml"
    path.write_text(
        f'data_dir = "{tmp_path / "data"}"\n'
        "job_retries = 3\n"
        "max_queued_per_user = 10\n"
        "max_running_per_user = 2\n"
        "heartbeat_interval_s = 0.5\n"
        'log_level = "INFO"\n'
        "[[workers]]\n"
        'backend = "slow"\n'
        'devices = ["cpu", "cpu"]\n'
    )
    return path


@pytest.fixture
def hosts() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Host processes started by a test; each runs in its own process group, which is killed
    at the end (its workers included) whatever happened."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _start_host(settings: Path, outbox: Path, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, COMPOSER_WORKER_TEST_BACKENDS=TEST_BACKENDS, PYTHONPATH=str(ROOT))
    with open(log, "ab") as stderr:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.host",
                "--settings",
                str(settings),
                "--outbox",
                str(outbox),
                "--poll-interval",
                "0.1",
                "--drain-timeout",
                "10",
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )


async def _statuses(queue: JobQueue, ids: list[str]) -> dict[str, JobRecord]:
    out = {}
    for job_id in ids:
        job = await queue.get(job_id)
        assert job is not None
        out[job_id] = job
    return out


async def _wait(condition: Callable[[], Awaitable[bool]], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_kill_9_mid_queue_then_restart_finishes_every_job_once(
    tmp_path: Path, hosts: list[subprocess.Popen[bytes]]
) -> None:
    settings_path = _write_settings(tmp_path)
    settings = Settings.load(settings_path, env={})
    outbox, log = tmp_path / "outbox.jsonl", tmp_path / "host.log"
    url = settings.resolved_database_url
    settings.data_dir.mkdir(parents=True)
    await upgrade(url)
    db = Database.from_url(url)
    try:
        queue = JobQueue(db, settings)
        extras = (("test_mode", "sleep"), ("test_sleep_s", "0.6"))
        ids = [
            (
                await queue.enqueue(make_request(user, render=make_render(*extras, backend="slow")))
            ).job.id
            for user in (1, 1, 1, 2, 2, 3, 3, 1)[:N_JOBS]
        ]

        async def some_done() -> bool:
            jobs = [j.status for j in (await _statuses(queue, ids)).values()]
            # Jobs take ≥ 0.6 s each: with 3 still waiting, the kill lands mid-queue.
            return (
                JobStatus.DONE in jobs
                and JobStatus.RUNNING in jobs
                and jobs.count(JobStatus.QUEUED) >= 3
            )

        first = _start_host(settings_path, outbox, log)
        hosts.append(first)
        await _wait(some_done, 120, "the first jobs")
        first.send_signal(signal.SIGKILL)  # the host only: its workers see EOF and exit
        assert first.wait(timeout=10) == -signal.SIGKILL
        at_kill = await _statuses(queue, ids)
        assert any(j.status is JobStatus.RUNNING for j in at_kill.values())
        assert any(j.status is JobStatus.QUEUED for j in at_kill.values())

        second = _start_host(settings_path, outbox, log)
        hosts.append(second)

        async def all_delivered() -> bool:
            jobs = (await _statuses(queue, ids)).values()
            return all(j.status is JobStatus.DONE and j.delivered_at for j in jobs)

        await _wait(all_delivered, 180, "every job")
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0, log.read_text()[-3000:]

        final = await _statuses(queue, ids)
        recovered = [j for j, before in at_kill.items() if before.status is JobStatus.RUNNING]
        assert all(final[j].attempts == 2 for j in recovered)  # the killed attempt counted
        lines = [json.loads(line) for line in outbox.read_text().splitlines()]
        assert sorted(line["job_id"] for line in lines) == sorted(ids)  # each exactly once
        assert all(line["event"] == "done" for line in lines)
        clips = {j.clip_id for j in final.values()}
        store = settings.clips_dir
        assert {p.name for p in store.iterdir() if not p.name.startswith(".")} == clips
        assert all((store / c / "audio.wav").is_file() for c in clips)
        history = await Storage(db).clips.history(guild_id=1000, limit=100)
        assert sorted(c.id for c in history.items) == sorted(clips)  # one row per clip
    finally:
        await db.close()


@pytest.mark.slow
async def test_local_executor_host_delivers_and_stops_on_sigterm(
    tmp_path: Path, hosts: list[subprocess.Popen[bytes]]
) -> None:
    settings_path = tmp_path / "composer.toml"
    settings_path.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    settings = Settings.load(settings_path, env={})
    settings.data_dir.mkdir(parents=True)
    await upgrade(settings.resolved_database_url)
    db = Database.from_url(settings.resolved_database_url)
    try:
        queue = JobQueue(db, settings)
        ids = [(await queue.enqueue(make_request(user))).job.id for user in (1, 2)]
        outbox, log = tmp_path / "outbox.jsonl", tmp_path / "host.log"
        proc = _start_host(settings_path, outbox, log, "--executor", "local")
        hosts.append(proc)

        async def delivered() -> bool:
            return all([await _is_delivered(queue, i) for i in ids])

        await _wait(delivered, 120, "both jobs")
        # A job enqueued now, while the host runs, is picked up by its polling.
        late = (await queue.enqueue(make_request(3))).job.id
        await _wait(lambda: _is_delivered(queue, late), 60, "the late job")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text()[-3000:]
        lines = [json.loads(line) for line in outbox.read_text().splitlines()]
        assert [line["job_id"] for line in lines][:2] == ids and lines[2]["job_id"] == late
    finally:
        await db.close()


async def _is_delivered(queue: JobQueue, job_id: str) -> bool:
    job = await queue.get(job_id)
    return job is not None and job.delivered_at is not None

"""The durable job queue: fairness, caps and their messages, positions, cancelling, retries,
recovery after a crash and delivery bookkeeping.  Real SQLite files (and PostgreSQL when
``COMPOSER_TEST_POSTGRES_URL`` is set)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db import CancelOutcome, Database, JobRecord, Storage
from bot.errors import Forbidden, LimitExceeded, NotFound
from bot.runtime.jobs import JobKind, JobStatus
from bot.runtime.queue import JobQueue
from tests.test_db_support import (
    DATABASES,
    fake_files,
    make_render,
    make_request,
    make_settings,
    migrated_db,
)

A, B, C = 1, 2, 3


@pytest.fixture(params=DATABASES)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async for database in migrated_db(request.param, tmp_path):
        yield database


def queue_for(db: Database, tmp_path: Path, **overrides: object) -> JobQueue:
    values: dict[str, object] = {"max_queued_per_user": 20, "max_running_per_user": 1}
    values.update(overrides)
    return JobQueue(db, make_settings(tmp_path, **values))


async def run_one(queue: JobQueue, tmp_path: Path) -> JobRecord | None:
    """What the scheduler does with one free slot: claim the next job and complete it."""
    job = await queue.claim_next({"embedded"})
    if job is not None:
        assert await queue.complete(job.id, fake_files(tmp_path / "clips", job.clip_id))
    return job


async def test_round_robin_serves_light_users_before_a_heavy_one(
    db: Database, tmp_path: Path
) -> None:
    queue = queue_for(db, tmp_path)
    a = [(await queue.enqueue(make_request(A))).job.id for _ in range(10)]
    b = [(await queue.enqueue(make_request(B))).job.id for _ in range(2)]
    c = [(await queue.enqueue(make_request(C))).job.id for _ in range(1)]
    expected = [a[0], b[0], c[0], a[1], b[1], *a[2:]]
    positions = await queue.positions()
    assert sorted(positions, key=positions.__getitem__) == expected
    assert await queue.position(c[0]) == 3
    served = []
    while (job := await run_one(queue, tmp_path)) is not None:
        served.append(job.id)
        if job.id == a[0]:
            # Someone else came back after the first round: they wait behind B and C only.
            assert (await queue.position(a[1])) == 3
    assert served == expected
    assert served.index(b[1]) < served.index(a[2]) and served.index(c[0]) < served.index(a[2])
    assert await queue.count(JobStatus.DONE) == 13


async def test_a_user_at_their_running_limit_waits(db: Database, tmp_path: Path) -> None:
    queue = queue_for(db, tmp_path, max_running_per_user=1)
    a1 = (await queue.enqueue(make_request(A))).job
    a2 = (await queue.enqueue(make_request(A))).job
    b1 = (await queue.enqueue(make_request(B))).job
    assert (await queue.claim_next({"embedded"})).id == a1.id  # type: ignore[union-attr]
    # A has a job running: B goes first even though A's second job is older.
    assert (await queue.positions()) == {b1.id: 1, a2.id: 2}
    assert (await queue.claim_next({"embedded"})).id == b1.id  # type: ignore[union-attr]
    assert await queue.claim_next({"embedded"}) is None  # only A's job is left, A is busy
    assert await queue.complete(a1.id, fake_files(tmp_path, a1.clip_id))
    assert (await queue.claim_next({"embedded"})).id == a2.id  # type: ignore[union-attr]


async def test_per_server_override_of_the_running_limit(db: Database, tmp_path: Path) -> None:
    queue = queue_for(db, tmp_path, max_running_per_user=1)
    await Storage(db).guilds.update_settings(1000, {"max_running_per_user": 2})
    first = await queue.claim_next({"embedded"})
    assert first is None
    for _ in range(3):
        await queue.enqueue(make_request(A))
    assert await queue.claim_next({"embedded"}) is not None
    assert await queue.claim_next({"embedded"}) is not None
    assert await queue.claim_next({"embedded"}) is None


async def test_backends_without_a_free_worker_are_skipped(db: Database, tmp_path: Path) -> None:
    queue = queue_for(db, tmp_path)
    jukebox = (await queue.enqueue(make_request(A, render=make_render(backend="jukebox")))).job
    embedded = (await queue.enqueue(make_request(B))).job
    assert (await queue.claim_next({"embedded"})).id == embedded.id  # type: ignore[union-attr]
    assert await queue.claim_next({"embedded"}) is None
    assert await queue.position(jukebox.id) == 1  # it stays queued
    assert await queue.claim_next(set()) is None


async def test_queue_caps_and_their_messages(db: Database, tmp_path: Path) -> None:
    queue = queue_for(db, tmp_path, max_queued_per_user=5, max_queued_per_guild=7)
    for _ in range(5):
        await queue.enqueue(make_request(A))
    with pytest.raises(LimitExceeded) as err:
        await queue.enqueue(make_request(A))
    assert err.value.user_message == (
        "You already have 5 songs waiting — wait for one to finish or /cancel one."
    )
    with pytest.raises(LimitExceeded):  # the cap is per user, across servers and DMs
        await queue.enqueue(make_request(A, guild_id=None))
    for _ in range(2):
        await queue.enqueue(make_request(B))
    with pytest.raises(LimitExceeded, match="This server's queue is full"):
        await queue.enqueue(make_request(C))
    # Running jobs do not count as waiting.
    await run_one(queue, tmp_path)
    await queue.enqueue(make_request(C))
    assert await queue.count(JobStatus.QUEUED) == 7


async def test_per_server_caps_and_duration(db: Database, tmp_path: Path) -> None:
    queue = queue_for(db, tmp_path)
    await Storage(db).guilds.update_settings(1000, {"max_queued_per_user": 1, "max_duration_s": 10})
    await queue.enqueue(make_request(A))
    with pytest.raises(LimitExceeded, match="You already have 1 song waiting"):
        await queue.enqueue(make_request(A))
    song = make_render(kind=JobKind.SONG)  # 4 sections × 2 bars × 2 s = 16 s
    with pytest.raises(LimitExceeded, match="about 16 s long; this server allows up to 10 s"):
        await queue.enqueue(make_request(B, render=song))
    await queue.enqueue(make_request(B, guild_id=None, render=song))  # the bot's 300 s in a DM


async def test_an_accepted_job_is_committed(db: Database, tmp_path: Path) -> None:
    queue = queue_for(db, tmp_path)
    accepted = await queue.enqueue(make_request(A, request_text="chill lofi verse"))
    assert accepted.position == 1 and accepted.job.status is JobStatus.QUEUED
    other = Database.from_url(db.engine.url.render_as_string(hide_password=False))
    try:  # another connection (as another process would) sees it at once
        seen = await Storage(other).jobs.get(accepted.job.id)
    finally:
        await other.close()
    assert seen == accepted.job
    assert seen.request_text == "chill lofi verse" and seen.render.plan.seed == 7
    assert seen.attempts == 0 and seen.max_attempts == 3  # job_retries 2 + 1


async def test_cancel_queued_and_running(db: Database, tmp_path: Path) -> None:
    queue = queue_for(db, tmp_path, max_running_per_user=2)
    running = (await queue.enqueue(make_request(A))).job
    waiting = (await queue.enqueue(make_request(A))).job
    other = (await queue.enqueue(make_request(B))).job
    assert (await queue.claim_next({"embedded"})).id == running.id  # type: ignore[union-attr]
    with pytest.raises(Forbidden):
        await queue.cancel(waiting.id, B)
    with pytest.raises(NotFound):
        await queue.cancel("nope", A)
    outcome, job = await queue.cancel(waiting.id, A)
    assert outcome is CancelOutcome.CANCELLED and job.status is JobStatus.CANCELLED
    assert job.delivered_at is not None  # the canceller is answered directly
    assert waiting.id not in await queue.positions()
    outcome, job = await queue.cancel(running.id, A)
    assert outcome is CancelOutcome.REQUESTED and job.cancel_requested
    assert await queue.cancel_requested_running() == (running.id,)
    assert (await queue.claim_next({"embedded"})).id == other.id  # type: ignore[union-attr]
    finished = await queue.finish_cancelled(running.id)
    assert finished is not None and finished.status is JobStatus.CANCELLED
    outcome, _ = await queue.cancel(other.id, A, admin=True)  # an admin may cancel anyone's
    assert outcome is CancelOutcome.REQUESTED
    outcome, _ = await queue.cancel(running.id, A)
    assert outcome is CancelOutcome.FINISHED


async def test_retries_count_attempts_then_fail(db: Database, tmp_path: Path) -> None:
    queue = queue_for(db, tmp_path, job_retries=2)
    job = (await queue.enqueue(make_request(A))).job
    for attempt in (1, 2):
        claimed = await queue.claim_next({"embedded"})
        assert claimed is not None and claimed.attempts == attempt
        again = await queue.fail(job.id, "worker crashed", retry=True)
        assert again is not None and again.status is JobStatus.QUEUED and again.attempts == attempt
    claimed = await queue.claim_next({"embedded"})
    assert claimed is not None and claimed.attempts == 3
    final = await queue.fail(job.id, "The composer stopped unexpectedly.", retry=True)
    assert final is not None and final.status is JobStatus.FAILED
    assert final.error == "The composer stopped unexpectedly." and final.finished_at is not None
    assert await queue.fail(job.id, "late", retry=True) == final  # finished jobs stay finished
    other = (await queue.enqueue(make_request(B))).job
    await queue.claim_next({"embedded"})
    failed = await queue.fail(other.id, "That key does not exist.", retry=False)
    assert failed is not None and failed.status is JobStatus.FAILED and failed.attempts == 1


async def test_recover_after_a_crash(db: Database, tmp_path: Path) -> None:
    queue = queue_for(db, tmp_path, job_retries=1, max_running_per_user=3)
    ok = (await queue.enqueue(make_request(A))).job
    spent = (await queue.enqueue(make_request(A))).job
    cancelled = (await queue.enqueue(make_request(A))).job
    for _ in range(3):
        await queue.claim_next({"embedded"})
    await queue.fail(spent.id, "crash", retry=True)
    assert (await queue.claim_next({"embedded"})).id == spent.id  # type: ignore[union-attr]
    await queue.cancel(cancelled.id, A)
    # The process dies here: three rows are left "running".  A new process starts:
    fresh = JobQueue(Database(db.engine), queue.settings)
    recovery = await fresh.recover()
    assert recovery.requeued == (ok.id,)
    assert recovery.failed == (spent.id,) and recovery.cancelled == (cancelled.id,)
    back = await fresh.get(ok.id)
    assert back is not None and back.status is JobStatus.QUEUED and back.attempts == 1
    gone = await fresh.get(spent.id)
    assert gone is not None and gone.status is JobStatus.FAILED and "gave up" in (gone.error or "")
    # Finished but undelivered results are handed over again.
    assert {j.id for j, _ in await fresh.undelivered()} == {spent.id, cancelled.id}
    claimed = await fresh.claim_next({"embedded"})
    assert claimed is not None and claimed.id == ok.id and claimed.attempts == 2


async def test_delivery_bookkeeping_is_exactly_once(db: Database, tmp_path: Path) -> None:
    queue = queue_for(db, tmp_path)
    job = (await queue.enqueue(make_request(A))).job
    await queue.claim_next({"embedded"})
    files = fake_files(tmp_path, job.clip_id)
    first = await queue.complete(job.id, files)
    again = await queue.complete(job.id, files)  # a repeated report records nothing new
    assert first is not None and again is not None and first[1] == again[1]
    assert (await Storage(db).clips.history(user_id=A)).total == 1
    [(pending, clip)] = await queue.undelivered()
    assert pending.id == job.id and clip is not None and clip.id == job.clip_id
    assert await queue.mark_delivered(job.id, "123456789")
    assert not await queue.mark_delivered(job.id, "987")
    assert await queue.undelivered() == ()
    delivered = await queue.get(job.id)
    assert delivered is not None and delivered.delivery_ref == "123456789"
    posted = await Storage(db).clips.get(job.clip_id)
    assert posted is not None and posted.posted_message_id == 123456789


async def test_a_cancelled_job_is_never_run_again(db: Database, tmp_path: Path) -> None:
    queue = queue_for(db, tmp_path, max_running_per_user=2)
    interrupted = (await queue.enqueue(make_request(A))).job
    crashed = (await queue.enqueue(make_request(A))).job
    await queue.claim_next({"embedded"})
    await queue.claim_next({"embedded"})
    for job in (interrupted, crashed):
        await queue.cancel(job.id, A)
    # A shutdown puts running jobs back in the queue, a crash asks for a retry: not these.
    requeued = await queue.requeue(interrupted.id)
    retried = await queue.fail(crashed.id, "worker crashed", retry=True)
    for record in (requeued, retried):
        assert record is not None and record.status is JobStatus.CANCELLED
        assert record.error == "The job was cancelled."
    assert await queue.claim_next({"embedded"}) is None

"""The worker pool with real worker processes: scheduling, supervision, cancel, shutdown."""

# Tiny marker files are read in async tests; blocking for microseconds is fine here.
# ruff: noqa: ASYNC110, ASYNC240

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.errors import ConfigError, JobCancelled
from bot.runtime.jobs import AudioFormat, ClipFiles, JobKind, JobProgress, OutputSpec, RenderJob
from bot.runtime.pool import (
    JobError,
    JobTimedOut,
    WorkerCrashed,
    WorkerPool,
    WorkerState,
    plan_workers,
)
from bot.runtime.worker import TEST_BACKENDS_ENV
from bot.service.planning import plan_from_spec
from bot.service.spec import RequestKind, RequestSpec
from bot.settings import Settings, WorkerSpec
from models.plan import SectionRole
from tests.slow_backend import TEST_BACKENDS, make_job

pytestmark = pytest.mark.timeout(120)  # a hang fails the test instead of stalling CI
WAIT_S = 60.0  # guards against hangs, not speed assertions

PoolFactory = Callable[..., Awaitable[WorkerPool]]


def _settings(tmp_path: Path, workers: int = 1, **changes: object) -> Settings:
    base = Settings(
        data_dir=tmp_path,
        workers=(WorkerSpec(backend="slow", devices=("cpu",) * workers),),
        heartbeat_interval_s=0.2,
        heartbeat_timeout_s=3.0,
        worker_ready_timeout_s=60.0,
        job_timeout_s=120.0,
        sample_rate=24_000,
    )
    return base.replace(**changes)


@pytest.fixture
async def make_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[PoolFactory]:
    monkeypatch.setenv(TEST_BACKENDS_ENV, TEST_BACKENDS)
    pools: list[WorkerPool] = []

    async def make(
        workers: int = 1, settings: Settings | None = None, **kwargs: object
    ) -> WorkerPool:
        pool = WorkerPool(settings or _settings(tmp_path, workers), **kwargs)  # type: ignore[arg-type]
        pools.append(pool)
        await pool.start()
        return pool

    yield make
    for pool in pools:
        await pool.shutdown(drain_timeout_s=0)


def _alive(pid: int) -> bool:
    """True while the process exists, zombies included (a zombie means nobody reaped it)."""
    return Path(f"/proc/{pid}").exists()


async def _wait_for_file(path: Path) -> int:
    async with asyncio.timeout(WAIT_S):
        while not path.exists():
            await asyncio.sleep(0.02)
    for _ in range(100):  # written, maybe not yet flushed
        if text := path.read_text():
            return int(text)
        await asyncio.sleep(0.01)
    raise AssertionError(f"{path} stayed empty")


def _pids(pool: WorkerPool) -> list[int]:
    return [w.pid for w in pool.stats().workers if w.pid is not None]


def _ignore(_: JobProgress) -> None:
    pass


# --- launch plan ---------------------------------------------------------------------------


def test_default_is_one_embedded_cpu_worker_per_core(tmp_path: Path) -> None:
    launches = plan_workers(Settings(data_dir=tmp_path), cpu_count=4)
    assert [(w.name, w.backend, w.device) for w in launches] == [
        (f"embedded-{i}", "embedded", "cpu") for i in range(4)
    ]
    env = dict(launches[0].env)
    assert env["CUDA_VISIBLE_DEVICES"] == "" and env["OMP_NUM_THREADS"] == "1"
    argv = launches[0].argv
    assert argv[:3] == (sys.executable, "-m", "bot.runtime.worker")
    assert argv[argv.index("--clips-dir") + 1] == str((tmp_path / "clips").resolve())
    two = plan_workers(Settings(data_dir=tmp_path), cpu_workers=2, cpu_count=4)
    assert len(two) == 2 and dict(two[0].env)["OMP_NUM_THREADS"] == "2"
    assert dict(two[0].env)["OPENBLAS_NUM_THREADS"] == "1"  # numpy's BLAS threads would spin


def test_gpu_workers_are_pinned_one_per_device(tmp_path: Path) -> None:
    spec = WorkerSpec(
        backend="jukebox",
        python="/opt/jukebox/bin/python",
        devices=("cuda:0", "cuda:3"),
        checkpoint_dir=tmp_path / "ckpt",
        half_precision=False,
    )
    launches = plan_workers(Settings(data_dir=tmp_path, workers=(spec,)))
    assert [dict(w.env)["CUDA_VISIBLE_DEVICES"] for w in launches] == ["0", "3"]
    for w in launches:
        assert w.argv[0] == "/opt/jukebox/bin/python"
        assert w.argv[w.argv.index("--device") + 1] == "cuda:0"
        assert w.argv[w.argv.index("--checkpoint-dir") + 1] == str((tmp_path / "ckpt").resolve())
        assert "--no-half-precision" in w.argv
        assert "OMP_NUM_THREADS" not in dict(w.env)
    with pytest.raises(ValueError, match="bad CUDA device"):
        plan_workers(Settings(workers=(WorkerSpec(devices=("cuda:x",)),)))


# --- jobs ----------------------------------------------------------------------------------


async def test_two_workers_run_jobs_concurrently(make_pool: PoolFactory, tmp_path: Path) -> None:
    pool = await make_pool(workers=2)
    assert pool.backends() == frozenset({"slow"})
    assert pool.free_slots("slow") == 2 and pool.free_slots("embedded") == 0
    a, b = tmp_path / "a", tmp_path / "b"
    seen: list[JobProgress] = []
    # Each job waits for the other's marker: both finish only if both run at once.
    job_a = make_job(
        "a", ("test_mode", "barrier"), ("test_marker", str(a)), ("test_wait_for", str(b))
    )
    job_b = make_job(
        "b", ("test_mode", "barrier"), ("test_marker", str(b)), ("test_wait_for", str(a))
    )
    clips = await asyncio.gather(pool.run(job_a, seen.append), pool.run(job_b, seen.append))
    assert [c.clip_id for c in clips] == ["clip-a", "clip-b"]
    assert all(Path(c.audio_path).is_file() for c in clips)
    assert {p.job_id for p in seen} == {"a", "b"} and max(p.fraction for p in seen) == 1.0
    assert int(a.read_text()) != int(b.read_text())  # two different worker processes
    assert [w.jobs_done for w in pool.stats().workers] == [1, 1]
    # The worker's own time for a job lies inside the pool's time for it.
    assert all(w.run_s > w.busy_s > 0 for w in pool.stats().workers)
    assert pool.free_slots("slow") == 2


async def test_job_errors_keep_their_user_message(make_pool: PoolFactory) -> None:
    pool = await make_pool()
    with pytest.raises(JobError) as info:
        await pool.run(make_job("e1", ("test_mode", "error")), _ignore)
    assert info.value.user_message == "The test backend refuses this section."
    assert not info.value.retryable
    with pytest.raises(JobError) as info:
        await pool.run(make_job("e2", ("test_mode", "boom")), _ignore)
    assert info.value.retryable
    with pytest.raises(JobError) as info:
        await pool.run(make_job("e3", backend="musicbox"), _ignore)
    assert info.value.user_message == "The musicbox composer is not available on this bot."
    assert pool.stats().workers[0].restarts == 0  # job failures do not restart the worker


async def test_library_garbage_on_stdout_does_not_break_the_pool(make_pool: PoolFactory) -> None:
    pool = await make_pool()
    clip = await pool.run(make_job("g", ("test_mode", "garbage")), _ignore)
    assert isinstance(clip, ClipFiles) and Path(clip.audio_path).is_file()
    clip = await pool.run(make_job("g2"), _ignore)
    assert clip.clip_id == "clip-g2"


# --- supervision ---------------------------------------------------------------------------


async def test_kill_9_mid_job_raises_worker_crashed_and_the_retry_completes_once(
    make_pool: PoolFactory, tmp_path: Path
) -> None:
    pool = await make_pool(restart_backoff_s=0.1)
    marker = tmp_path / "started"
    job = make_job(
        "k", ("test_mode", "sleep"), ("test_sleep_s", "60"), ("test_marker", str(marker))
    )
    task = asyncio.create_task(pool.run(job, _ignore))
    pid = await _wait_for_file(marker)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(WorkerCrashed) as info:
        await task
    assert info.value.retryable and "SIGKILL" in str(info.value)
    # The scheduler retries; the worker restarts (after its backoff) and the job completes once.
    retry = make_job("k", ("test_mode", "sleep"), ("test_sleep_s", "0.1"))
    clip = await pool.run(retry, _ignore)
    assert Path(clip.audio_path).is_file()
    (worker,) = pool.stats().workers
    assert worker.restarts == 1 and worker.jobs_done == 1 and worker.jobs_failed == 1
    assert worker.pid != pid and not _alive(pid)
    assert [p.name for p in (tmp_path / "clips").iterdir() if not p.name.startswith(".")] == [
        "clip-k"
    ]


async def test_a_job_past_its_timeout_is_killed_and_the_worker_restarted(
    make_pool: PoolFactory, tmp_path: Path
) -> None:
    pool = await make_pool()
    marker = tmp_path / "started"
    job = make_job(
        "t", ("test_mode", "hang"), ("test_sleep_s", "600"), ("test_marker", str(marker)),
        timeout_s=1.0,
    )  # fmt: skip
    with pytest.raises(JobTimedOut) as info:
        await pool.run(job, _ignore)
    assert info.value.retryable and info.value.timeout_s == 1.0
    pid = int(marker.read_text())
    assert not _alive(pid)
    clip = await pool.run(make_job("t2"), _ignore)  # waits for the restarted worker
    assert clip.clip_id == "clip-t2"
    (worker,) = pool.stats().workers
    assert worker.restarts == 1 and worker.pid != pid


async def test_a_silent_worker_is_treated_as_crashed(
    make_pool: PoolFactory, tmp_path: Path
) -> None:
    pool = await make_pool(restart_backoff_s=0.1)
    marker = tmp_path / "started"
    job = make_job(
        "s", ("test_mode", "sleep"), ("test_sleep_s", "60"), ("test_marker", str(marker))
    )
    task = asyncio.create_task(pool.run(job, _ignore))
    pid = await _wait_for_file(marker)
    os.kill(pid, signal.SIGSTOP)  # alive, but no heartbeats
    with pytest.raises(WorkerCrashed, match="heartbeat"):
        await task
    assert not _alive(pid)
    clip = await pool.run(make_job("s2"), _ignore)
    assert clip.clip_id == "clip-s2"
    assert pool.stats().workers[0].restarts == 1


async def test_cancel_a_running_job(make_pool: PoolFactory, tmp_path: Path) -> None:
    pool = await make_pool(cancel_grace_s=1.0)
    marker = tmp_path / "started"
    job = make_job(
        "c", ("test_mode", "sleep"), ("test_sleep_s", "60"), ("test_marker", str(marker))
    )
    task = asyncio.create_task(pool.run(job, _ignore))
    pid = await _wait_for_file(marker)
    assert await pool.cancel("c") is True
    with pytest.raises(JobCancelled):
        await task
    assert await pool.cancel("c") is False  # no longer running
    (worker,) = pool.stats().workers
    assert worker.pid == pid and worker.restarts == 0  # stopped cleanly: no restart

    # A job that ignores the cancel: the worker is killed after the grace period, and restarted.
    marker.unlink()
    job = make_job(
        "h", ("test_mode", "hang"), ("test_sleep_s", "600"), ("test_marker", str(marker))
    )
    task = asyncio.create_task(pool.run(job, _ignore))
    pid = await _wait_for_file(marker)
    assert await pool.cancel("h") is True
    with pytest.raises(JobCancelled):
        await task
    assert not _alive(pid)
    assert (await pool.run(make_job("after"), _ignore)).clip_id == "clip-after"
    assert pool.stats().workers[0].restarts == 1

    # A caller that stops waiting (its task is cancelled) does not leave the job running.
    marker.unlink()
    job = make_job(
        "w", ("test_mode", "sleep"), ("test_sleep_s", "60"), ("test_marker", str(marker))
    )
    task = asyncio.create_task(pool.run(job, _ignore))
    pid = await _wait_for_file(marker)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await pool.run(make_job("next"), _ignore)).clip_id == "clip-next"
    (worker,) = pool.stats().workers
    assert worker.pid == pid and worker.restarts == 1  # the worker stopped the job itself


def test_heartbeat_timeout_must_exceed_the_interval(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        WorkerPool(_settings(tmp_path, heartbeat_interval_s=2.0, heartbeat_timeout_s=2.0))


# --- start-up and shutdown -----------------------------------------------------------------


async def test_ready_timeout_makes_the_backend_unavailable(
    make_pool: PoolFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPOSER_TEST_LOAD_DELAY_S", "60")
    settings = _settings(tmp_path, worker_ready_timeout_s=0.5)
    pool = await make_pool(settings=settings, restart_backoff_s=0.05)
    (worker,) = pool.stats().workers
    assert worker.failed_starts >= 1 and "did not get ready within 0.5 s" in (
        worker.last_error or ""
    )
    assert pool.free_slots("slow") == 0
    with pytest.raises(JobError) as info:
        await pool.run(make_job("r"), _ignore)  # waits for the third failed start
    assert info.value.user_message.startswith("The slow composer is unavailable right now: ")
    assert "did not get ready" in info.value.user_message and info.value.retryable
    assert pool.stats().workers[0].failed_starts >= 3


async def test_a_missing_checkpoint_is_reported_clearly(
    make_pool: PoolFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPOSER_TEST_LOAD_FAIL", "No checkpoint at /models/slow.")
    pool = await make_pool(workers=2)
    assert pool.free_slots("slow") == 0
    assert {w.state for w in pool.stats().workers} == {WorkerState.FAILED}
    with pytest.raises(JobError) as info:
        await pool.run(make_job("m"), _ignore)
    assert info.value.user_message == (
        "The slow composer is unavailable: No checkpoint at /models/slow."
    )
    assert not info.value.retryable


async def test_staged_shutdown_drains_then_leaves_no_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(TEST_BACKENDS_ENV, TEST_BACKENDS)
    pool = WorkerPool(_settings(tmp_path, workers=2), shutdown_grace_s=2.0, terminate_grace_s=1.0)
    await pool.start()
    pids = _pids(pool)
    assert len(pids) == 2 and all(_alive(pid) for pid in pids)
    quick = asyncio.create_task(
        pool.run(make_job("q", ("test_mode", "sleep"), ("test_sleep_s", "0.5")), _ignore)
    )
    stuck = asyncio.create_task(
        pool.run(make_job("x", ("test_mode", "hang"), ("test_sleep_s", "600")), _ignore)
    )
    await asyncio.sleep(0)  # both jobs handed out
    assert pool.free_slots("slow") == 0
    with caplog.at_level(logging.INFO, logger="bot.runtime.pool"):
        await pool.shutdown(drain_timeout_s=3.0)
    assert isinstance(quick.result(), ClipFiles)  # drained
    with pytest.raises(WorkerCrashed, match="shutdown"):
        stuck.result()  # interrupted after the deadline: retryable
    assert not any(_alive(pid) for pid in pids)
    assert "exited with status 0" in caplog.text  # the idle worker obeyed `shutdown`
    assert "terminating it" in caplog.text  # the stuck one got SIGTERM
    assert {w.state for w in pool.stats().workers} == {WorkerState.STOPPED}
    assert asyncio.all_tasks() == {asyncio.current_task()}  # no orphan tasks
    with pytest.raises(JobError) as info:
        await pool.run(make_job("late"), _ignore)
    assert "restarting" in info.value.user_message and info.value.retryable


# --- the real embedded backend -------------------------------------------------------------


def _embedded_job(job_id: str, kind: RequestKind = RequestKind.SECTION, seed: int = 7) -> RenderJob:
    spec = RequestSpec(kind=kind, style="lofi", duration_s=8.0, seed=seed)
    if kind is RequestKind.SECTION:
        spec = RequestSpec(kind=kind, section=SectionRole.VERSE, style="lofi", duration_s=8.0,
                           seed=seed)  # fmt: skip
    plan, sections = plan_from_spec(spec)
    return RenderJob(
        job_id=job_id,
        clip_id=f"clip-{job_id}",
        kind=JobKind.SECTION if kind is RequestKind.SECTION else JobKind.SONG,
        backend="embedded",
        plan=plan,
        sections=sections,
        output=OutputSpec(format=AudioFormat.WAV, waveform=False),
    )


async def test_embedded_jobs_run_on_two_workers_at_once(
    make_pool: PoolFactory, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, workers=2).replace(
        workers=(WorkerSpec(backend="embedded", devices=("cpu", "cpu")),)
    )
    pool = await make_pool(settings=settings)
    assert pool.free_slots("embedded") == 2
    seen: list[JobProgress] = []
    first = asyncio.create_task(pool.run(_embedded_job("e1"), seen.append))
    second = asyncio.create_task(pool.run(_embedded_job("e2"), seen.append))
    await asyncio.sleep(0)
    assert pool.free_slots("embedded") == 0  # both jobs are running, one per worker
    clips = await asyncio.gather(first, second)
    assert [w.jobs_done for w in pool.stats().workers] == [1, 1]
    assert {p.job_id for p in seen} == {"e1", "e2"}
    assert all(c.duration_s > 4.0 and c.audio_format is AudioFormat.WAV for c in clips)
    # Same plan and seed on two different worker processes: the same audio.
    audio = [Path(c.audio_path).read_bytes() for c in clips]
    assert audio[0] == audio[1]


async def test_embedded_job_killed_mid_render_is_retried_once(
    make_pool: PoolFactory, tmp_path: Path
) -> None:
    settings = _settings(tmp_path).replace(workers=(WorkerSpec(backend="embedded"),))
    pool = await make_pool(settings=settings, restart_backoff_s=0.1)
    pid = pool.stats().workers[0].pid
    assert pid is not None
    killed: list[int] = []

    def kill_on_first_progress(update: JobProgress) -> None:
        if not killed:  # the worker is rendering now: kill it before it can finish
            killed.append(update.section)
            os.kill(pid, signal.SIGKILL)

    job = _embedded_job("song", RequestKind.SONG)
    with pytest.raises(WorkerCrashed):
        await pool.run(job, kill_on_first_progress)
    assert killed and not (tmp_path / "clips" / "clip-song").exists()
    clip = await pool.run(job, _ignore)  # the scheduler's retry
    assert Path(clip.audio_path).is_file() and clip.duration_s > 4.0
    after = pool.stats().workers[0]
    assert after.restarts == 1 and after.pid != pid and after.jobs_done == 1
    assert not _alive(pid)

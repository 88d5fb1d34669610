"""The pool's view of its workers: states, statistics, and one configured worker across restarts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum

from bot.runtime.pool.launch import WorkerLaunch
from bot.runtime.pool.process import WorkerProcess

__all__ = ["PoolStats", "Slot", "WorkerState", "WorkerStats"]


class WorkerState(StrEnum):
    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"
    RESTARTING = "restarting"  # waiting out a backoff
    FAILED = "failed"  # gave up: it cannot start with this configuration
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class WorkerStats:
    name: str
    backend: str
    device: str
    state: WorkerState
    pid: int | None
    job_id: str | None
    jobs_done: int
    jobs_failed: int
    restarts: int
    failed_starts: int
    rss_bytes: int
    busy_s: float  # the jobs done, as timed by the worker
    run_s: float  # the same jobs, hand-over to result, as timed by the pool
    load_s: float | None  # backend load time reported by the worker
    startup_s: float | None  # spawn → READY, measured by the pool
    last_error: str | None

    @property
    def overhead_s(self) -> float | None:
        """The pool's mean overhead per job done (protocol, pipes, hand-over)."""
        return (self.run_s - self.busy_s) / self.jobs_done if self.jobs_done else None


@dataclass(frozen=True, slots=True)
class PoolStats:
    workers: tuple[WorkerStats, ...]

    @property
    def jobs_done(self) -> int:
        return sum(w.jobs_done for w in self.workers)

    @property
    def restarts(self) -> int:
        return sum(w.restarts for w in self.workers)


class Slot:
    """One configured worker across its restarts."""

    def __init__(self, launch: WorkerLaunch) -> None:
        self.launch = launch
        self.state = WorkerState.STOPPED
        self.process: WorkerProcess | None = None
        self.task: asyncio.Task[None] | None = None
        self.stop = asyncio.Event()
        self.jobs_done = 0
        self.jobs_failed = 0
        self.restarts = 0
        self.crashes = 0  # consecutive, reset by a successful job
        self.failed_starts = 0  # consecutive, reset by READY
        self.attempts = 0  # start attempts so far
        self.last_used = 0.0
        self.busy_s = 0.0
        self.run_s = 0.0
        self.load_s: float | None = None
        self.startup_s: float | None = None
        self.last_error: str | None = None

    @property
    def idle(self) -> bool:
        return self.process is not None and self.process.idle

    def stats(self) -> WorkerStats:
        p = self.process
        state = self.state
        if state in (WorkerState.IDLE, WorkerState.BUSY) and p is not None:
            state = WorkerState.IDLE if p.idle else WorkerState.BUSY
        return WorkerStats(
            name=self.launch.name,
            backend=self.launch.backend,
            device=self.launch.device,
            state=state,
            pid=p.pid if p is not None else None,
            job_id=p.running.job.job_id if p is not None and p.running is not None else None,
            jobs_done=self.jobs_done,
            jobs_failed=self.jobs_failed,
            restarts=self.restarts,
            failed_starts=self.failed_starts,
            rss_bytes=p.rss_bytes if p is not None else 0,
            busy_s=self.busy_s,
            run_s=self.run_s,
            load_s=self.load_s,
            startup_s=self.startup_s,
            last_error=self.last_error,
        )

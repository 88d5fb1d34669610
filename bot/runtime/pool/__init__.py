"""The worker pool: long-lived worker processes (one per GPU, or CPU workers), supervised.

``from bot.runtime.pool import WorkerPool, WorkerCrashed, JobTimedOut, JobError``; cancelled jobs
raise :class:`bot.errors.JobCancelled`.  See :mod:`bot.runtime.pool.pool` for the behaviour and
:mod:`bot.runtime.worker` for the worker process.
"""

from bot.errors import JobCancelled
from bot.runtime.pool.errors import JobError, JobTimedOut, PoolError, WorkerCrashed
from bot.runtime.pool.launch import WorkerLaunch, plan_workers
from bot.runtime.pool.pool import PoolStats, WorkerPool, WorkerState, WorkerStats

__all__ = [
    "JobCancelled",
    "JobError",
    "JobTimedOut",
    "PoolError",
    "PoolStats",
    "WorkerCrashed",
    "WorkerLaunch",
    "WorkerPool",
    "WorkerState",
    "WorkerStats",
    "plan_workers",
]

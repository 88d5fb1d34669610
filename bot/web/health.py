"""``/healthz``: is the database reachable, are workers alive, how deep is the queue.

Healthy means both: the database answers within ``timeout_s`` and at least one worker can take
a job (an idle or busy worker process of the pool; any backend of an in-process or Ray executor).
A pool that is still starting, or whose workers all crashed and are restarting, is not healthy.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.db import Storage
from bot.runtime.jobs import JobStatus
from bot.runtime.pool import WorkerPool, WorkerState
from bot.runtime.scheduler import Executor

__all__ = ["ALIVE_STATES", "Health", "check_health", "worker_states"]

log = logging.getLogger(__name__)

ALIVE_STATES = frozenset({WorkerState.IDLE.value, WorkerState.BUSY.value, "available"})


def worker_states(executor: Executor) -> tuple[dict[str, int], int]:
    """Workers by state, and how many restarts the executor has made.  Executors other than the
    pool report their backends as ``available`` (an in-process backend cannot crash apart)."""
    if isinstance(executor, WorkerPool):
        stats = executor.stats()
        states = {state.value: 0 for state in WorkerState}
        for worker in stats.workers:
            states[worker.state.value] += 1
        return states, stats.restarts
    return {"available": len(executor.backends())}, 0


@dataclass(frozen=True, slots=True)
class Health:
    database: str  # "ok" or why not
    workers: dict[str, int] = field(default_factory=dict)
    queue_depth: int | None = None
    running: int | None = None

    @property
    def workers_alive(self) -> int:
        return sum(n for state, n in self.workers.items() if state in ALIVE_STATES)

    @property
    def healthy(self) -> bool:
        return self.database == "ok" and self.workers_alive > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "database": self.database,
            "workers_alive": self.workers_alive,
            "workers": self.workers,
            "queue_depth": self.queue_depth,
            "running": self.running,
        }


async def check_health(
    storage: Storage, executor: Executor | None, *, timeout_s: float = 2.0
) -> Health:
    states = worker_states(executor)[0] if executor is not None else {}
    try:
        async with asyncio.timeout(timeout_s):
            counts = await storage.jobs.status_counts()
    except TimeoutError:
        return Health(database=f"no answer within {timeout_s:g} s", workers=states)
    except Exception as exc:  # any driver error means "not reachable"
        log.warning("health check: the database is not reachable: %r", exc)
        return Health(database=f"unreachable: {type(exc).__name__}", workers=states)
    return Health(
        database="ok",
        workers=states,
        queue_depth=counts[JobStatus.QUEUED],
        running=counts[JobStatus.RUNNING],
    )

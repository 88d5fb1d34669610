"""What :meth:`WorkerPool.run <bot.runtime.pool.WorkerPool.run>` raises besides
:class:`bot.errors.JobCancelled`.

All are :class:`~bot.errors.ComposerError` subclasses with a ``user_message`` and a ``retryable``
flag.  The pool never retries by itself: durable attempt counts live in the database, and the
scheduler decides.
"""

from __future__ import annotations

__all__ = ["JobError", "JobTimedOut", "PoolError", "WorkerCrashed"]

from bot.errors import ComposerError


class PoolError(ComposerError):
    """Base class of the pool's job errors."""

    retryable: bool = False

    def __init__(self, user_message: str, *, retryable: bool, detail: str | None = None) -> None:
        super().__init__(user_message, detail=detail)
        self.retryable = retryable


class WorkerCrashed(PoolError):
    """The worker running the job died, stopped answering, or was stopped by a shutdown."""

    def __init__(
        self,
        detail: str,
        user_message: str = "The composer stopped unexpectedly while working on this.",
    ) -> None:
        super().__init__(user_message, retryable=True, detail=detail)


class JobTimedOut(PoolError):
    """The job ran past its time limit; its worker was killed and restarted."""

    def __init__(self, timeout_s: float, *, detail: str | None = None) -> None:
        super().__init__(
            f"This took longer than the {timeout_s:g} s limit, so it was stopped.",
            retryable=True,
            detail=detail or f"job timed out after {timeout_s:g} s",
        )
        self.timeout_s = timeout_s


class JobError(PoolError):
    """The job failed in the worker, or no worker can take it (e.g. a backend that cannot load)."""

    def __init__(
        self, user_message: str, retryable: bool = False, *, detail: str | None = None
    ) -> None:
        super().__init__(user_message, retryable=retryable, detail=detail)

"""One incarnation of a worker process: launch, protocol I/O, the job it runs, stop and reap.

The supervisor in :mod:`bot.runtime.pool.pool` owns a :class:`WorkerProcess` from :meth:`spawn` to
:meth:`close`; ``close`` always reaps the process and awaits the three tasks this object owns (the
exit waiter and the stdout and stderr readers), so no zombie and no orphan task is left behind.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import re
import signal
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.errors import JobCancelled
from bot.runtime.jobs import JobProgress, RenderJob
from bot.runtime.pool.errors import JobError, JobTimedOut, PoolError, WorkerCrashed
from bot.runtime.pool.launch import WorkerLaunch
from bot.runtime.protocol import (
    MAX_LINE_BYTES,
    PROTOCOL_VERSION,
    Cancel,
    Done,
    Failed,
    Heartbeat,
    JobMessage,
    PoolMessage,
    Progress,
    Ready,
    Shutdown,
    parse_worker_message,
)

__all__ = ["ExitReason", "WorkerProcess", "WorkerStartError"]

log = logging.getLogger(__name__)

_STDERR_TAIL_LINES = 20
_READER_JOIN_S = 5.0
_LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d")  # the worker's log format
_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
}
_LEVEL = re.compile(r" (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


class ExitReason(StrEnum):
    """Why a worker process ended (or has to)."""

    CRASHED = "crashed"  # it exited or was killed on its own
    HEARTBEAT = "heartbeat"  # it stopped answering
    TIMEOUT = "timeout"  # its job ran too long
    CANCELLED = "cancelled"  # its job ignored a cancel
    STOP = "stop"  # the pool is shutting down


class WorkerStartError(Exception):
    """The worker did not become ready.  ``message`` is user-safe; ``retryable``: try again."""

    def __init__(self, message: str, *, retryable: bool, detail: str = "") -> None:
        super().__init__(f"{message} ({detail})" if detail else message)
        self.message = message
        self.retryable = retryable
        self.detail = detail


@dataclass(slots=True)
class _Running:
    job: RenderJob
    future: asyncio.Future[Done]
    progress: Callable[[JobProgress], None]
    timeout_s: float
    cancel_requested: bool = False
    interrupted: bool = False  # by a shutdown: any failure is reported as WorkerCrashed
    kill_timer: asyncio.TimerHandle | None = None


def _retrieve(future: asyncio.Future[Done]) -> None:
    """Mark a job future's exception as seen when the caller stopped waiting for it."""
    if not future.cancelled():
        future.exception()


class WorkerProcess:
    """A started worker.  All methods run on the pool's event loop."""

    def __init__(
        self,
        launch: WorkerLaunch,
        proc: asyncio.subprocess.Process,
        on_change: Callable[[], None],
    ) -> None:
        self.launch = launch
        self.name = launch.name
        self.proc = proc
        self.pid = proc.pid
        self.ready: Ready | None = None
        self.start_failure: Failed | None = None
        self.running: _Running | None = None
        self.kill_reason: ExitReason | None = None
        self.rss_bytes = 0
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
        self._on_change = on_change
        self._loop = asyncio.get_running_loop()
        self.last_seen = self._loop.time()
        self.wake = asyncio.Event()  # set on anything the supervisor should look at
        self._exit_task = asyncio.create_task(proc.wait(), name=f"{self.name}-wait")
        self._exit_task.add_done_callback(lambda _: self.wake.set())
        self._out_task = asyncio.create_task(self._read_stdout(), name=f"{self.name}-stdout")
        self._err_task = asyncio.create_task(self._read_stderr(), name=f"{self.name}-stderr")

    @classmethod
    async def spawn(cls, launch: WorkerLaunch, on_change: Callable[[], None]) -> WorkerProcess:
        """Start the process (an argument vector, never a shell).  Raises ``WorkerStartError``."""
        try:
            proc = await asyncio.create_subprocess_exec(
                *launch.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=launch.environment(),
                limit=MAX_LINE_BYTES,
                start_new_session=True,  # a terminal's Ctrl-C is the pool's to handle
            )
        except OSError as exc:
            raise WorkerStartError(
                f"the {launch.backend} composer could not be launched",
                retryable=False,
                detail=f"{launch.argv[0]}: {exc}",
            ) from exc
        log.info("worker %s started (pid %d, device %s)", launch.name, proc.pid, launch.device)
        return cls(launch, proc, on_change)

    # --- state ---------------------------------------------------------------------------

    @property
    def exited(self) -> bool:
        return self._exit_task.done()

    @property
    def idle(self) -> bool:
        return self.ready is not None and self.running is None and self.kill_reason is None

    def exit_description(self) -> str:
        code = self.proc.returncode
        if code is None:
            return "still running"
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
        return f"exited with status {code}"

    # --- I/O -----------------------------------------------------------------------------

    def _send(self, message: PoolMessage) -> bool:
        stdin = self.proc.stdin
        if stdin is None or stdin.is_closing():
            return False
        try:
            stdin.write((message.to_json() + "\n").encode())
        except (BrokenPipeError, ConnectionResetError):
            return False
        return True

    async def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        while True:
            try:
                line = await self.proc.stdout.readline()
            except ValueError:  # a line longer than the limit: drop it, keep reading
                log.warning("worker %s: dropped an over-long protocol line", self.name)
                continue
            if not line:
                return
            message = parse_worker_message(line, source=f"worker {self.name}")
            if message is not None:
                self.last_seen = self._loop.time()
                self._dispatch(message)

    async def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        level = logging.INFO
        while True:
            try:
                raw = await self.proc.stderr.readline()
            except ValueError:
                continue
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip()
            if not line:
                continue
            self.stderr_tail.append(line)
            if _LOG_RECORD.match(line):  # a new log record: its own level
                match = _LEVEL.search(line)
                level = _LEVELS[match.group(1)] if match else logging.INFO
            elif line.startswith("Traceback"):
                level = logging.ERROR
            # else: a continuation (traceback, multi-line message) keeps the previous level
            log.log(level, "[%s] %s", self.name, line)

    def _dispatch(self, message: Ready | Progress | Done | Failed | Heartbeat) -> None:
        if isinstance(message, Heartbeat):
            self.rss_bytes = message.rss_bytes
        elif isinstance(message, Ready):
            if self.ready is None:
                self.ready = message
                self.wake.set()
        elif isinstance(message, Progress):
            running = self.running
            if running is not None and running.job.job_id == message.job_id:
                try:
                    running.progress(message.progress)
                except Exception:
                    log.exception("progress callback for job %s failed", message.job_id)
        elif isinstance(message, Done | Failed):
            if message.job_id is None:  # start-up failure
                if isinstance(message, Failed):
                    self.start_failure = message
                    self.wake.set()
                return
            running = self.running
            if running is None or running.job.job_id != message.job_id:
                log.warning(
                    "worker %s: result for job %s it is not running", self.name, message.job_id
                )
                return
            self._finish(running, message)

    def _finish(self, running: _Running, message: Done | Failed) -> None:
        self.running = None
        if running.kill_timer is not None:
            running.kill_timer.cancel()
        fut = running.future
        if not fut.done():
            if running.cancel_requested and not running.interrupted:
                if isinstance(message, Done):
                    log.info(
                        "job %s finished as it was cancelled; dropping its result", message.job_id
                    )
                fut.set_exception(JobCancelled(detail=f"cancelled on worker {self.name}"))
            elif isinstance(message, Done):
                fut.set_result(message)
            elif running.interrupted:
                fut.set_exception(WorkerCrashed(f"job interrupted by shutdown: {message.detail}"))
            elif message.cancelled:
                fut.set_exception(JobCancelled(message.user_message, detail=message.detail))
            else:
                fut.set_exception(
                    JobError(message.user_message, message.retryable, detail=message.detail)
                )
        self.wake.set()
        self._on_change()

    # --- jobs ----------------------------------------------------------------------------

    def begin(
        self, job: RenderJob, progress: Callable[[JobProgress], None], timeout_s: float
    ) -> asyncio.Future[Done]:
        """Hand ``job`` to this (idle) worker; the future resolves with its outcome."""
        if not self.idle:
            raise RuntimeError(f"worker {self.name} is not idle")
        future: asyncio.Future[Done] = self._loop.create_future()
        future.add_done_callback(_retrieve)
        self.running = _Running(job, future, progress, timeout_s)
        if not self._send(JobMessage(job)):
            self.request_kill(ExitReason.CRASHED)
        self._on_change()
        return future

    def request_cancel(self, job_id: str, grace_s: float, *, interrupt: bool = False) -> bool:
        """Ask the worker to stop ``job_id``; kill it if the job is still running after
        ``grace_s``.  ``interrupt``: a shutdown, not a user's cancel."""
        running = self.running
        if running is None or running.job.job_id != job_id:
            return False
        if interrupt:
            running.interrupted = True
        else:
            running.cancel_requested = True
        if running.kill_timer is None:
            if not self._send(Cancel(job_id)):
                self.request_kill(ExitReason.CANCELLED)
            running.kill_timer = self._loop.call_later(grace_s, self._cancel_overdue, running)
        return True

    def _cancel_overdue(self, running: _Running) -> None:
        if self.running is running:
            log.warning(
                "worker %s did not stop job %s in time; killing it", self.name, running.job.job_id
            )
            self.request_kill(ExitReason.CANCELLED)

    def request_kill(self, reason: ExitReason) -> None:
        """Ask the supervisor to kill this process (the first reason given wins)."""
        if self.kill_reason is None:
            self.kill_reason = reason
        self.wake.set()

    def fail_running(self, reason: ExitReason) -> None:
        """After the process is gone: fail its job, if any, according to ``reason``."""
        running = self.running
        self.running = None
        if running is None:
            return
        if running.kill_timer is not None:
            running.kill_timer.cancel()
        if running.future.done():
            return
        detail = f"worker {self.name} (pid {self.pid}) {self.exit_description()}"
        exc: PoolError | JobCancelled
        if running.interrupted or reason is ExitReason.STOP:
            exc = WorkerCrashed(f"{detail}: interrupted by shutdown")
        elif running.cancel_requested or reason is ExitReason.CANCELLED:
            exc = JobCancelled(detail=detail)
        elif reason is ExitReason.TIMEOUT:
            exc = JobTimedOut(running.timeout_s, detail=f"{detail} after the time limit")
        elif reason is ExitReason.HEARTBEAT:
            exc = WorkerCrashed(f"{detail}: it stopped sending heartbeats")
        else:
            exc = WorkerCrashed(detail)
        running.future.set_exception(exc)

    # --- stopping ------------------------------------------------------------------------

    async def _wait_exit(self, timeout_s: float) -> bool:
        done, _ = await asyncio.wait({self._exit_task}, timeout=timeout_s)
        return bool(done)

    async def kill(self) -> None:
        """SIGKILL (works on a stopped process too) and wait for the exit."""
        if not self.exited:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self._wait_exit(30.0)

    async def stop(self, shutdown_grace_s: float, terminate_grace_s: float) -> None:
        """Staged: ``shutdown`` and EOF, then SIGTERM, then SIGKILL."""
        if self.exited:
            return
        self._send(Shutdown())
        stdin = self.proc.stdin
        if stdin is not None:
            stdin.close()
        if await self._wait_exit(shutdown_grace_s):
            return
        log.warning("worker %s did not exit after shutdown; terminating it", self.name)
        with contextlib.suppress(ProcessLookupError):
            self.proc.terminate()
        if await self._wait_exit(terminate_grace_s):
            return
        log.warning("worker %s ignored SIGTERM; killing it", self.name)
        await self.kill()

    async def close(self) -> None:
        """Reap the process and join the tasks this object owns.  Call after it exited."""
        await self.kill()
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        tasks = (self._exit_task, self._out_task, self._err_task)
        _, pending = await asyncio.wait(tasks, timeout=_READER_JOIN_S)
        for task in pending:  # a grandchild holding a pipe open: stop reading it
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        log.info("worker %s (pid %d) %s", self.name, self.pid, self.exit_description())

    # --- start-up ------------------------------------------------------------------------

    async def wait_ready(self, timeout_s: float, stop: asyncio.Event) -> Ready:
        """Wait for ``ready``; raise :class:`WorkerStartError` with a clear message otherwise."""
        deadline = self._loop.time() + timeout_s
        backend = self.launch.backend
        while True:
            self.wake.clear()
            if self.ready is not None:
                if self.ready.protocol != PROTOCOL_VERSION:
                    raise WorkerStartError(
                        f"the {backend} worker speaks protocol {self.ready.protocol}, "
                        f"the pool {PROTOCOL_VERSION}",
                        retryable=False,
                    )
                return self.ready
            if self.start_failure is not None:
                raise WorkerStartError(
                    self.start_failure.user_message,
                    retryable=self.start_failure.retryable,
                    detail=self.start_failure.detail,
                )
            if self.exited:
                await asyncio.wait({self._out_task}, timeout=1.0)  # a late "failed" line
                if self.start_failure is not None:
                    continue
                tail = " | ".join(list(self.stderr_tail)[-3:])
                raise WorkerStartError(
                    f"the {backend} composer exited during start-up",
                    retryable=True,
                    detail=f"{self.exit_description()}; stderr: {tail}",
                )
            if stop.is_set():
                raise WorkerStartError("the pool is shutting down", retryable=False)
            left = deadline - self._loop.time()
            if left <= 0:
                raise WorkerStartError(
                    f"the {backend} composer did not get ready within {timeout_s:g} s",
                    retryable=True,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=left)

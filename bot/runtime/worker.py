"""A long-lived worker process: loads one backend once, then renders many jobs.

Run by :class:`bot.runtime.pool.WorkerPool`::

    python -m bot.runtime.worker --backend NAME --device DEV --clips-dir DIR
        [--checkpoint-dir D] [--soundfont F] [--sample-rate N] [--heartbeat-s S]

It speaks the JSON-lines protocol of :mod:`bot.runtime.protocol`: jobs, cancels and shutdown arrive
on stdin; ready/progress/done/failed/heartbeat messages leave on a *dedicated* descriptor.  At
start-up the original stdout is duplicated for the protocol and descriptor 1 is pointed at stderr,
so that a library (or C code) printing to stdout cannot corrupt the protocol; stdin is likewise
moved aside and descriptor 0 points at ``/dev/null``.  Logs go to stderr.

Threads: the main thread runs jobs one at a time; a reader thread handles ``cancel`` while a job
runs (it sets the flag ``should_cancel`` reads) and ``shutdown``/EOF; a heartbeat thread writes a
heartbeat every interval.  All protocol writes are serialised by one lock.

``shutdown`` lets the current job finish, then the worker exits 0.  EOF on stdin (the pool is gone)
cancels the current job and exits 0; if the job does not stop within a few seconds the process
exits anyway, so a worker never outlives its pool.

Tests only: ``COMPOSER_WORKER_TEST_BACKENDS="name=module:function,..."`` registers extra backend
loaders (see ``tests/slow_backend.py``); the bot never sets it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import queue
import resource
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from bot.errors import JobCancelled
from bot.runtime.jobs import ClipFiles, JobProgress, RenderJob
from bot.runtime.protocol import (
    GENERIC_FAILURE,
    Cancel,
    Done,
    Failed,
    Heartbeat,
    JobMessage,
    Progress,
    ProtocolError,
    Ready,
    Shutdown,
    decode_pool_message,
    job_failure,
)
from bot.settings import SOUNDFONT_ENV, WORKER_SOUNDFONT
from models.base import BackendConfig, BackendError, MusicBackend

__all__ = ["GENERIC_FAILURE", "TEST_BACKENDS_ENV", "WorkerArgs", "main", "parse_args"]

log = logging.getLogger(__name__)

TEST_BACKENDS_ENV = "COMPOSER_WORKER_TEST_BACKENDS"
#: After stdin closes, how long the current job may take to notice the cancel before exiting.
ABANDON_GRACE_S = 5.0
#: Exit status when the backend could not be loaded (a ``failed`` message says why).
EXIT_START_FAILED = 3


class Renderer(Protocol):
    def __call__(
        self,
        job: RenderJob,
        backend: MusicBackend,
        clips_dir: Path,
        *,
        progress: Callable[[JobProgress], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> ClipFiles: ...


@dataclass(frozen=True, slots=True)
class WorkerArgs:
    backend: str
    device: str
    clips_dir: Path
    checkpoint_dir: Path | None
    soundfont: Path | None
    sample_rate: int
    heartbeat_s: float
    half_precision: bool
    log_level: str

    def backend_config(self) -> BackendConfig:
        return BackendConfig(
            device=self.device,
            sample_rate=self.sample_rate,
            soundfont=self.soundfont,
            checkpoint_dir=self.checkpoint_dir,
            half_precision=self.half_precision,
        )


def parse_args(argv: Sequence[str] | None = None) -> WorkerArgs:
    p = argparse.ArgumentParser(
        prog="python -m bot.runtime.worker", description=__doc__.split("\n")[0]
    )
    p.add_argument("--backend", required=True)
    p.add_argument("--device", default="cpu")
    p.add_argument("--clips-dir", type=Path, required=True)
    p.add_argument("--checkpoint-dir", type=Path, default=None)
    p.add_argument(  # a path or a name; default: $COMPOSER_SOUNDFONT, else the fullest installed
        "--soundfont", type=Path, default=Path(os.environ.get(SOUNDFONT_ENV) or WORKER_SOUNDFONT)
    )
    p.add_argument("--sample-rate", type=int, default=48_000)
    p.add_argument("--heartbeat-s", type=float, default=2.0)
    p.add_argument("--half-precision", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--log-level", default=os.environ.get("COMPOSER_LOG_LEVEL", "INFO"))
    ns = p.parse_args(argv)
    if ns.heartbeat_s <= 0:
        p.error("--heartbeat-s must be positive")
    return WorkerArgs(
        backend=ns.backend,
        device=ns.device,
        clips_dir=ns.clips_dir,
        checkpoint_dir=ns.checkpoint_dir,
        soundfont=ns.soundfont,
        sample_rate=ns.sample_rate,
        heartbeat_s=ns.heartbeat_s,
        half_precision=ns.half_precision,
        log_level=ns.log_level,
    )


class _Channel:
    """The protocol descriptor: one line per message, writes serialised by a lock."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: Ready | Progress | Done | Failed | Heartbeat) -> None:
        line = message.to_json() + "\n"
        with self._lock:
            try:
                self._stream.write(line)
                self._stream.flush()
            except (BrokenPipeError, ValueError):  # the pool is gone / stream closed
                pass


def _isolate_stdio() -> tuple[IO[str], IO[bytes]]:
    """Move the protocol off descriptors 0 and 1; return (protocol out, commands in)."""
    sys.stdout.flush()
    out_fd = os.dup(1)
    in_fd = os.dup(0)
    os.dup2(2, 1)  # anything printed to fd 1 now lands on stderr
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = sys.stderr
    out = open(out_fd, "w", encoding="utf-8", buffering=1)  # noqa: SIM115
    commands = open(in_fd, "rb", buffering=0)  # noqa: SIM115
    return out, commands


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _register_test_backends(spec: str) -> None:
    """Honour ``COMPOSER_WORKER_TEST_BACKENDS`` (tests only): ``name=module:function,...``."""
    from models import factory

    for entry in filter(None, (e.strip() for e in spec.split(","))):
        name, sep, target = entry.partition("=")
        if not sep or ":" not in target:
            raise BackendError(f"bad {TEST_BACKENDS_ENV} entry {entry!r}")
        factory.BACKENDS[name.strip()] = target.strip()
        log.warning("test backend %s registered from %s", name.strip(), target.strip())


class Worker:
    """Serves jobs from ``commands`` on the main thread until shutdown or EOF."""

    def __init__(
        self,
        channel: _Channel,
        commands: IO[bytes],
        *,
        backend: MusicBackend,
        renderer: Renderer,
        clips_dir: Path,
        heartbeat_s: float,
    ) -> None:
        self._channel = channel
        self._commands = commands
        self._backend = backend
        self._render = renderer
        self._clips_dir = clips_dir
        self._heartbeat_s = heartbeat_s
        self._jobs: queue.Queue[RenderJob | None] = queue.Queue()
        self._lock = threading.Lock()
        self._current: str | None = None
        self._cancelled: set[str] = set()
        self._stop = threading.Event()

    # --- threads -------------------------------------------------------------------------

    def _heartbeats(self) -> None:
        pid = os.getpid()
        while not self._stop.wait(self._heartbeat_s):
            with self._lock:
                job_id = self._current
            self._channel.send(Heartbeat(pid=pid, job_id=job_id, rss_bytes=_rss_bytes()))

    def _read_commands(self) -> None:
        for raw in self._commands:
            if not raw.strip():
                continue
            try:
                message = decode_pool_message(raw)
            except ProtocolError as exc:
                if exc.job_id is not None:  # a job we cannot read: answer it, do not hang the pool
                    log.error("job %s could not be decoded: %s", exc.job_id, exc)
                    self._channel.send(
                        Failed(
                            exc.job_id,
                            "This request could not be read by the composer.",
                            retryable=False,
                            detail=str(exc),
                        )
                    )
                else:
                    log.warning("ignoring a line that is not a command (%s): %r", exc, raw[:200])
                continue
            if isinstance(message, JobMessage):
                self._jobs.put(message.job)
            elif isinstance(message, Cancel):
                with self._lock:
                    self._cancelled.add(message.job_id)
                log.info("cancel requested for job %s", message.job_id)
            elif isinstance(message, Shutdown):
                log.info("shutdown requested")
                self._jobs.put(None)
                return
        # EOF: the pool is gone.  Abandon the current job and make sure we exit.
        log.warning("command stream closed; abandoning work and exiting")
        with self._lock:
            if self._current is not None:
                self._cancelled.add(self._current)
        self._jobs.put(None)
        watchdog = threading.Timer(ABANDON_GRACE_S, os._exit, args=(0,))
        watchdog.daemon = True
        watchdog.start()

    # --- main thread ---------------------------------------------------------------------

    def serve(self) -> None:
        threads = [
            threading.Thread(target=self._heartbeats, name="heartbeat", daemon=True),
            threading.Thread(target=self._read_commands, name="commands", daemon=True),
        ]
        for t in threads:
            t.start()
        try:
            while (job := self._jobs.get()) is not None:
                self._run(job)
        finally:
            self._stop.set()
            threads[0].join(timeout=self._heartbeat_s + 1.0)

    def _should_cancel(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self._cancelled

    def _run(self, job: RenderJob) -> None:
        with self._lock:
            self._current = job.job_id
            already = job.job_id in self._cancelled
        start = time.perf_counter()
        log.info("job %s (%s, %d sections) started", job.job_id, job.kind.value, len(job.sections))
        try:
            if already:
                raise JobCancelled()
            clip = self._render(
                job,
                self._backend,
                self._clips_dir,
                progress=lambda p: self._channel.send(Progress(p)),
                should_cancel=lambda: self._should_cancel(job.job_id),
            )
        except Exception as exc:
            self._channel.send(job_failure(job.job_id, exc))
        else:
            elapsed_s = time.perf_counter() - start
            log.info("job %s done in %.2f s", job.job_id, elapsed_s)
            self._channel.send(Done(job.job_id, clip, elapsed_s))
        finally:
            with self._lock:
                self._current = None
                self._cancelled.discard(job.job_id)


def _load_renderer() -> Renderer:
    from bot.runtime.pipeline import render_job

    return render_job


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out, commands = _isolate_stdio()
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    channel = _Channel(out)
    start = time.perf_counter()
    try:
        if spec := os.environ.get(TEST_BACKENDS_ENV):
            _register_test_backends(spec)
        from models.factory import load_backend

        renderer = _load_renderer()
        args.clips_dir.mkdir(parents=True, exist_ok=True)
        backend = load_backend(args.backend, args.backend_config())
    except BackendError as exc:
        log.error("backend %s could not be loaded: %s", args.backend, exc)
        channel.send(Failed(None, str(exc), retryable=False, detail=repr(exc)))
        return EXIT_START_FAILED
    except Exception as exc:
        log.exception("worker start-up failed")
        detail = "".join(traceback.format_exception_only(exc)).strip()
        channel.send(
            Failed(
                None, f"the {args.backend} composer could not start", retryable=True, detail=detail
            )
        )
        return EXIT_START_FAILED
    load_s = time.perf_counter() - start
    log.info("backend %s loaded on %s in %.2f s", args.backend, args.device, load_s)
    channel.send(Ready(backend=args.backend, device=args.device, pid=os.getpid(), load_s=load_s))
    worker = Worker(
        channel,
        commands,
        backend=backend,
        renderer=renderer,
        clips_dir=args.clips_dir,
        heartbeat_s=args.heartbeat_s,
    )
    try:
        worker.serve()
    finally:
        with contextlib.suppress(Exception):
            backend.close()
        log.info("worker exiting")
    return 0


if __name__ == "__main__":
    sys.exit(main())

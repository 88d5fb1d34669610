"""The JSON-lines protocol between the worker pool and its worker processes.

One message per line, UTF-8 JSON objects with a ``"type"`` field.  The worker writes to a
dedicated protocol file descriptor (its original stdout), the pool writes to the worker's stdin.

Worker → pool: :class:`Ready`, :class:`Progress`, :class:`Done`, :class:`Failed`,
:class:`Heartbeat`.  Pool → worker: :class:`JobMessage`, :class:`Cancel`, :class:`Shutdown`.

Every message is a frozen dataclass with ``to_json()`` (one line, no trailing newline) and a
``from_json(line)`` class method.  :func:`parse_worker_message` and :func:`parse_pool_message` are
the lenient readers: a garbled or unknown line is logged and ``None`` is returned, never raised,
so a stray print cannot break a connection.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias

from bot.errors import ComposerError, JobCancelled
from bot.runtime.jobs import ClipFiles, JobProgress, RenderJob
from models.base import BackendError

__all__ = [
    "GENERIC_FAILURE",
    "PROTOCOL_VERSION",
    "Cancel",
    "Done",
    "Failed",
    "Heartbeat",
    "JobMessage",
    "PoolMessage",
    "Progress",
    "ProtocolError",
    "Ready",
    "Shutdown",
    "WorkerMessage",
    "decode_pool_message",
    "decode_worker_message",
    "job_failure",
    "parse_pool_message",
    "parse_worker_message",
]

log = logging.getLogger(__name__)

#: Bumped on any incompatible change; the pool refuses a worker that reports another version.
PROTOCOL_VERSION = 1

#: Longest line either side accepts (a job carries a whole song plan).
MAX_LINE_BYTES = 16 * 1024 * 1024


class ProtocolError(ValueError):
    """A line is not a valid message.  ``job_id`` is set when the line named a job."""

    def __init__(self, message: str, *, job_id: str | None = None) -> None:
        super().__init__(message)
        self.job_id = job_id


def _dump(payload: Mapping[str, Any]) -> str:
    # ensure_ascii: the line can never contain a raw newline or odd bytes.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True)


def _load(line: str | bytes) -> dict[str, Any]:
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(f"not UTF-8: {exc}") from None
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProtocolError("not a JSON object")
    return data


def _expect(data: Mapping[str, Any], kind: str) -> None:
    if data.get("type") != kind:
        raise ProtocolError(f"expected a {kind!r} message, got {data.get('type')!r}")


# --- worker → pool ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ready:
    """The worker loaded its backend and is waiting for jobs."""

    type: ClassVar[str] = "ready"
    backend: str
    device: str
    pid: int
    load_s: float
    protocol: int = PROTOCOL_VERSION

    def to_json(self) -> str:
        return _dump(
            {
                "type": self.type,
                "backend": self.backend,
                "device": self.device,
                "pid": self.pid,
                "load_s": self.load_s,
                "protocol": self.protocol,
            }
        )

    @classmethod
    def from_json(cls, line: str | bytes) -> Ready:
        return _ready(_load(line))


@dataclass(frozen=True, slots=True)
class Progress:
    """Progress of the running job."""

    type: ClassVar[str] = "progress"
    progress: JobProgress

    @property
    def job_id(self) -> str:
        return self.progress.job_id

    def to_json(self) -> str:
        return _dump({"type": self.type, "progress": self.progress.to_dict()})

    @classmethod
    def from_json(cls, line: str | bytes) -> Progress:
        return _progress(_load(line))


@dataclass(frozen=True, slots=True)
class Done:
    """The job finished; its clip directory is in place.  ``elapsed_s``: the worker's own time
    for the job (so the pool can tell its overhead from the work)."""

    type: ClassVar[str] = "done"
    job_id: str
    clip: ClipFiles
    elapsed_s: float = 0.0

    def to_json(self) -> str:
        return _dump(
            {
                "type": self.type,
                "job_id": self.job_id,
                "clip": self.clip.to_dict(),
                "elapsed_s": self.elapsed_s,
            }
        )

    @classmethod
    def from_json(cls, line: str | bytes) -> Done:
        return _done(_load(line))


@dataclass(frozen=True, slots=True)
class Failed:
    """The job failed (``job_id`` set), or the worker could not start (``job_id`` None).

    ``user_message`` is safe to show to a user; ``detail`` is for the log only.  ``retryable``:
    the same job may well succeed on another try.  ``cancelled``: it stopped because it was
    cancelled.
    """

    type: ClassVar[str] = "failed"
    job_id: str | None
    user_message: str
    retryable: bool
    detail: str = ""
    cancelled: bool = False

    def to_json(self) -> str:
        return _dump(
            {
                "type": self.type,
                "job_id": self.job_id,
                "user_message": self.user_message,
                "retryable": self.retryable,
                "detail": self.detail,
                "cancelled": self.cancelled,
            }
        )

    @classmethod
    def from_json(cls, line: str | bytes) -> Failed:
        return _failed(_load(line))


#: What a user sees when a job fails for a reason nobody foresaw (the detail goes to the log).
GENERIC_FAILURE = "Something went wrong while composing. Please try again."


def job_failure(job_id: str, exc: BaseException) -> Failed:
    """How a worker (a process or a Ray actor) reports ``exc`` raised by a job, logged once here:
    a cancel, a :class:`~bot.errors.ComposerError` or a backend error is final; anything else may
    succeed on another try."""
    if isinstance(exc, JobCancelled):
        log.info("job %s cancelled", job_id)
        return Failed(job_id, exc.user_message, retryable=False, detail=str(exc), cancelled=True)
    if isinstance(exc, ComposerError):
        log.warning("job %s failed: %s", job_id, exc)
        return Failed(job_id, exc.user_message, retryable=False, detail=str(exc))
    if isinstance(exc, BackendError):
        log.warning("job %s failed in the backend: %s", job_id, exc)
        return Failed(job_id, str(exc), retryable=False, detail=repr(exc))
    log.error("job %s failed unexpectedly", job_id, exc_info=exc)
    detail = "".join(traceback.format_exception_only(exc)).strip()
    return Failed(job_id, GENERIC_FAILURE, retryable=True, detail=detail)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Sent every few seconds, busy or idle: the worker is alive and what it is doing."""

    type: ClassVar[str] = "heartbeat"
    pid: int
    job_id: str | None
    rss_bytes: int

    def to_json(self) -> str:
        return _dump(
            {"type": self.type, "pid": self.pid, "job_id": self.job_id, "rss_bytes": self.rss_bytes}
        )

    @classmethod
    def from_json(cls, line: str | bytes) -> Heartbeat:
        return _heartbeat(_load(line))


WorkerMessage: TypeAlias = Ready | Progress | Done | Failed | Heartbeat


# --- pool → worker ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobMessage:
    """Run this job."""

    type: ClassVar[str] = "job"
    job: RenderJob

    def to_json(self) -> str:
        return _dump({"type": self.type, "job": self.job.to_dict()})

    @classmethod
    def from_json(cls, line: str | bytes) -> JobMessage:
        return _job(_load(line))


@dataclass(frozen=True, slots=True)
class Cancel:
    """Stop this job at the next step boundary."""

    type: ClassVar[str] = "cancel"
    job_id: str

    def to_json(self) -> str:
        return _dump({"type": self.type, "job_id": self.job_id})

    @classmethod
    def from_json(cls, line: str | bytes) -> Cancel:
        return _cancel(_load(line))


@dataclass(frozen=True, slots=True)
class Shutdown:
    """Finish the current job, if any, and exit."""

    type: ClassVar[str] = "shutdown"

    def to_json(self) -> str:
        return _dump({"type": self.type})

    @classmethod
    def from_json(cls, line: str | bytes) -> Shutdown:
        _expect(_load(line), cls.type)
        return cls()


PoolMessage: TypeAlias = JobMessage | Cancel | Shutdown


# --- decoding --------------------------------------------------------------------------------


def _ready(d: Mapping[str, Any]) -> Ready:
    _expect(d, Ready.type)
    try:
        return Ready(
            backend=str(d["backend"]),
            device=str(d["device"]),
            pid=int(d["pid"]),
            load_s=float(d["load_s"]),
            protocol=int(d["protocol"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"bad ready message: {exc!r}") from None


def _progress(d: Mapping[str, Any]) -> Progress:
    _expect(d, Progress.type)
    try:
        return Progress(JobProgress.from_dict(d["progress"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"bad progress message: {exc!r}") from None


def _done(d: Mapping[str, Any]) -> Done:
    _expect(d, Done.type)
    try:
        return Done(
            job_id=str(d["job_id"]),
            clip=ClipFiles.from_dict(d["clip"]),
            elapsed_s=float(d.get("elapsed_s", 0.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"bad done message: {exc!r}", job_id=_job_id(d)) from None


def _failed(d: Mapping[str, Any]) -> Failed:
    _expect(d, Failed.type)
    try:
        return Failed(
            job_id=_job_id(d),
            user_message=str(d["user_message"]),
            retryable=bool(d["retryable"]),
            detail=str(d.get("detail", "")),
            cancelled=bool(d.get("cancelled", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"bad failed message: {exc!r}", job_id=_job_id(d)) from None


def _heartbeat(d: Mapping[str, Any]) -> Heartbeat:
    _expect(d, Heartbeat.type)
    try:
        return Heartbeat(pid=int(d["pid"]), job_id=_job_id(d), rss_bytes=int(d["rss_bytes"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"bad heartbeat message: {exc!r}") from None


def _job(d: Mapping[str, Any]) -> JobMessage:
    _expect(d, JobMessage.type)
    raw = d.get("job")
    job_id = _job_id(raw) if isinstance(raw, Mapping) else None
    if not isinstance(raw, Mapping):
        raise ProtocolError("bad job message: no job object")
    try:
        return JobMessage(RenderJob.from_dict(raw))
    except (KeyError, TypeError, ValueError) as exc:  # PlanError is a ValueError
        raise ProtocolError(f"bad job message: {exc!r}", job_id=job_id) from None


def _cancel(d: Mapping[str, Any]) -> Cancel:
    _expect(d, Cancel.type)
    job_id = _job_id(d)
    if job_id is None:
        raise ProtocolError("bad cancel message: no job_id")
    return Cancel(job_id)


def _job_id(d: Mapping[str, Any]) -> str | None:
    value = d.get("job_id")
    return None if value is None else str(value)


_WORKER_DECODERS: dict[str, Callable[[Mapping[str, Any]], WorkerMessage]] = {
    Ready.type: _ready,
    Progress.type: _progress,
    Done.type: _done,
    Failed.type: _failed,
    Heartbeat.type: _heartbeat,
}
_POOL_DECODERS: dict[str, Callable[[Mapping[str, Any]], PoolMessage]] = {
    JobMessage.type: _job,
    Cancel.type: _cancel,
    Shutdown.type: lambda _: Shutdown(),
}


def decode_worker_message(line: str | bytes) -> WorkerMessage:
    """Strict: the message in ``line``, or :class:`ProtocolError`."""
    data = _load(line)
    decoder = _WORKER_DECODERS.get(str(data.get("type")))
    if decoder is None:
        raise ProtocolError(f"unknown worker message type {data.get('type')!r}")
    return decoder(data)


def decode_pool_message(line: str | bytes) -> PoolMessage:
    """Strict: the message in ``line``, or :class:`ProtocolError`."""
    data = _load(line)
    decoder = _POOL_DECODERS.get(str(data.get("type")))
    if decoder is None:
        raise ProtocolError(f"unknown pool message type {data.get('type')!r}")
    return decoder(data)


def _preview(line: str | bytes) -> str:
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    text = text.strip()
    return text if len(text) <= 200 else text[:200] + "…"


def parse_worker_message(line: str | bytes, *, source: str = "worker") -> WorkerMessage | None:
    """Lenient: the message, or ``None`` (logged) for a blank, garbled or unknown line."""
    if not line.strip():
        return None
    try:
        return decode_worker_message(line)
    except ProtocolError as exc:
        log.warning(
            "%s: ignoring a line that is not a protocol message (%s): %r",
            source,
            exc,
            _preview(line),
        )
        return None


def parse_pool_message(line: str | bytes, *, source: str = "pool") -> PoolMessage | None:
    """Lenient: the message, or ``None`` (logged) for a blank, garbled or unknown line."""
    if not line.strip():
        return None
    try:
        return decode_pool_message(line)
    except ProtocolError as exc:
        log.warning(
            "%s: ignoring a line that is not a protocol message (%s): %r",
            source,
            exc,
            _preview(line),
        )
        return None

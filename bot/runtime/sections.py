"""Rendering the sections of one job: in order, on threads, or split with a forked process.

- In order, each continued from the one before, for backends that continue (Jukebox, MusicGen).
- Independent sections on ``backend.concurrent_sections`` threads (the embedded composer: while
  one synthesises, holding the GIL, another runs its effects, which release it).
- Split between this process and a forked copy of it (``fork=True``; the ``composer`` CLI, a
  one-shot process with no other thread): each renders its share on its own interpreter, so
  synthesis (TinySoundFont holds the GIL) runs on both cores.  The child inherits the loaded
  SoundFont (copy-on-write), renders, writes each section's samples to a scratch file (in
  memory where /dev/shm exists) and its description to a pipe, and leaves.

Every way gives the same audio: sections do not depend on each other unless the backend
continues them, and a section is rendered the same wherever it runs.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np

from bot.audio.stitch import DEFAULT_CROSSFADE_S
from bot.runtime.jobs import RenderJob, Stage
from models.base import BackendError, MusicBackend, ProgressCallback, SectionAudio

__all__ = ["RENDER_SHARE", "Report", "can_fork", "render_sections"]

log = logging.getLogger(__name__)

Report = Callable[..., None]

#: Share of a job's progress bar taken by rendering sections (the rest: master, encode, write).
RENDER_SHARE = 0.85
#: Tail asked of a section that another follows: the stitch keeps only its crossfade.
_SEAM_TAIL_S = 2 * DEFAULT_CROSSFADE_S


def can_fork() -> bool:
    """Whether this process may fork a renderer: POSIX, and no thread but this one (a thread
    holding a lock at the fork would leave it held forever in the child)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def render_sections(
    job: RenderJob,
    backend: MusicBackend,
    report: Report,
    previous: SectionAudio | None,
    refine: dict[int, SectionAudio],
    *,
    fork: bool = False,
) -> list[SectionAudio]:
    """The audio of ``job.sections``, in their order."""
    independent = not backend.needs_previous and len(job.sections) > 1
    if independent and backend.concurrent_sections > 1:
        if fork and can_fork():
            return _render_forked(job, backend, report)
        return _render_concurrently(job, backend, report)
    return _render_in_order(job, backend, report, previous, refine)


def _tail_s(k: int, n: int) -> float | None:
    return _SEAM_TAIL_S if k < n - 1 else None


def _independent(
    job: RenderJob, backend: MusicBackend, k: int, progress: ProgressCallback | None = None
) -> SectionAudio:
    """The job's ``k``-th section rendered on its own (nothing continued, nothing refined)."""
    section = job.plan.sections[job.sections[k]]
    tail_s = _tail_s(k, len(job.sections))
    return backend.generate(
        job.plan, section, quality=job.quality.value, progress=progress, tail_s=tail_s
    )


def _render_in_order(
    job: RenderJob,
    backend: MusicBackend,
    report: Report,
    previous: SectionAudio | None,
    refine: dict[int, SectionAudio],
) -> list[SectionAudio]:
    """One section after the other, each continued from the one before (when the backend
    continues), with progress inside each section."""
    plan, indices = job.plan, job.sections
    n = len(indices)
    sections: list[SectionAudio] = []
    for k, index in enumerate(indices):
        section = plan.sections[index]
        label = f"section {k + 1} of {n}: {section.role.value}"
        report(Stage.SECTION, RENDER_SHARE * k / n, k + 1, label)

        def sub(fraction: float, message: str, k: int = k, label: str = label) -> None:
            done = RENDER_SHARE * (k + max(0.0, min(1.0, fraction))) / n
            report(Stage.SECTION, done, k + 1, f"{label} — {message}" if message else label)

        audio = backend.generate(
            plan,
            section,
            previous=previous,
            refine=refine.get(index),
            quality=job.quality.value,
            progress=sub,
            tail_s=_tail_s(k, n),
        )
        sections.append(audio)
        previous = audio
    return sections


def _render_concurrently(
    job: RenderJob, backend: MusicBackend, report: Report
) -> list[SectionAudio]:
    """Independent sections on ``backend.concurrent_sections`` threads."""
    plan, indices = job.plan, job.sections
    n = len(indices)
    done_count = 0

    def check(_fraction: float, _message: str) -> None:
        label = f"{done_count} of {n} sections rendered"
        report(Stage.SECTION, RENDER_SHARE * done_count / n, done_count, label)

    report(Stage.SECTION, 0.0, 1, f"{n} sections")
    with ThreadPoolExecutor(backend.concurrent_sections, thread_name_prefix="section") as pool:
        futures: list[Future[SectionAudio]] = [
            pool.submit(_independent, job, backend, k, check) for k in range(n)
        ]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in done:
                if future.exception() is not None:
                    for other in pending:
                        other.cancel()
                    future.result()  # raises (a cancellation, a backend error)
            done_count = n - len(pending)
            roles = ", ".join(
                plan.sections[i].role.value
                for i, f in zip(indices, futures, strict=True)
                if f.done()
            )
            report(Stage.SECTION, RENDER_SHARE * done_count / n, done_count, f"rendered {roles}")
    return [f.result() for f in futures]


def _shares(job: RenderJob) -> tuple[list[int], list[int]]:
    """Positions of the sections this process renders and those the child renders: the
    longest first, each to the side with fewer bars so far."""
    sections = job.plan.sections
    order = sorted(range(len(job.sections)), key=lambda k: -sections[job.sections[k]].bars)
    mine: list[int] = []
    theirs: list[int] = []
    load = [0.0, 0.0]
    for k in order:
        side = 0 if load[0] <= load[1] else 1
        (mine if side == 0 else theirs).append(k)
        load[side] += sections[job.sections[k]].bars
    return sorted(mine), sorted(theirs)


def _render_forked(job: RenderJob, backend: MusicBackend, report: Report) -> list[SectionAudio]:
    """This process and a forked child each render their share of the sections (the child's
    results are read on a thread while this process renders).  The samples go through a
    scratch file, not the pipe: a pipe holds 64 KiB, and a child blocked on a full pipe would
    wait for this process's busy interpreter to drain megabytes of it."""
    shm = Path("/dev/shm")
    scratch = Path(tempfile.mkdtemp(prefix="composer-sections-", dir=shm if shm.is_dir() else None))
    try:
        return _split(job, backend, report, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _split(
    job: RenderJob, backend: MusicBackend, report: Report, scratch: Path
) -> list[SectionAudio]:
    n = len(job.sections)
    mine, theirs = _shares(job)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: render, send, leave without running anything of the parent's
        os.close(read_fd)
        os._exit(_child(job, backend, scratch, theirs, write_fd))
    log.debug("sections %s here, %s in process %d", mine, theirs, pid)
    os.close(write_fd)
    results: dict[int, SectionAudio] = {}
    received: list[BaseException] = []

    def render_here(k: int) -> None:
        results[k] = _independent(job, backend, k)
        done = len(results)
        report(Stage.SECTION, RENDER_SHARE * done / n, done, f"{done} of {n} rendered")

    def receive() -> None:
        try:
            with os.fdopen(read_fd, "rb") as pipe:
                for _ in theirs:
                    k, audio = _receive(pipe, scratch)
                    results[k] = audio
        except BaseException as exc:  # EOF: the child died; reported below
            received.append(exc)

    reader = threading.Thread(target=receive, name="forked-sections")
    reader.start()
    finished = False
    try:
        report(Stage.SECTION, 0.0, 1, f"{n} sections on two processes")
        for k in mine:
            render_here(k)
        reader.join()
        finished = True
    finally:
        if not finished:
            os.kill(pid, signal.SIGKILL)
            reader.join()
        _, status = os.waitpid(pid, 0)
    missing = [k for k in theirs if k not in results]
    if missing or received or os.waitstatus_to_exitcode(status) != 0:
        # The split is only a speed-up: what the child did not bring is rendered here (a
        # genuine backend error then surfaces as this process's own).
        detail = str(received[0]) if received else f"exit status {status}"
        log.warning("the forked renderer failed (%s); rendering its sections here", detail)
        for k in missing:
            render_here(k)
    return [results[k] for k in range(n)]


def _child(
    job: RenderJob, backend: MusicBackend, scratch: Path, theirs: list[int], write_fd: int
) -> int:
    """The forked child's work; its exit status.  What goes wrong is told to the parent
    through the pipe (it decides what the user sees): nothing is printed here, and an
    interrupt (Ctrl-C reaches the whole process group) or a parent gone ends it quietly."""
    with os.fdopen(write_fd, "wb") as out:
        try:
            for k in theirs:
                _send(out, scratch, k, _independent(job, backend, k))
        except (KeyboardInterrupt, BrokenPipeError):
            return 1
        except Exception as exc:
            with contextlib.suppress(OSError):
                _write_header(out, ("error", f"{type(exc).__name__}: {exc}"))
            return 1
    return 0


def _write_header(out: io.BufferedWriter, header: tuple[object, ...]) -> None:
    blob = pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(blob).to_bytes(8, "little") + blob)
    out.flush()


def _send(out: io.BufferedWriter, scratch: Path, k: int, audio: SectionAudio) -> None:
    """One section: its samples to ``scratch/<k>.f32``, then a pickled header (everything else)
    through the pipe."""
    samples = np.ascontiguousarray(audio.audio, dtype=np.float32)
    samples.tofile(scratch / f"{k}.f32")
    header = (
        k,
        samples.shape,
        audio.sample_rate,
        audio.body_frames,
        audio.midi,
        audio.state,
        audio.notes,
    )
    _write_header(out, header)


def _receive(pipe: io.BufferedReader, scratch: Path) -> tuple[int, SectionAudio]:
    size = pipe.read(8)
    if len(size) < 8:
        raise BackendError("the forked renderer stopped before sending every section")
    header = pickle.loads(pipe.read(int.from_bytes(size, "little")))  # from our own child
    if header[0] == "error":
        raise BackendError(f"the forked renderer failed: {header[1]}")
    k, shape, rate, body, midi, state, notes = header
    path = scratch / f"{int(k)}.f32"
    samples = np.fromfile(path, np.float32).reshape(shape)
    path.unlink()
    audio = SectionAudio(samples, int(rate), int(body), midi=midi, state=state, notes=notes)
    return int(k), audio

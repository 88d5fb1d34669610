"""A TEST-ONLY music backend that misbehaves on command, for worker and pool tests.

Workers load it when ``COMPOSER_WORKER_TEST_BACKENDS=slow=tests.slow_backend:load`` is set (see
:mod:`bot.runtime.worker`).  It is a real :class:`~models.base.MusicBackend`: it renders a plain
tone of the section's exact length, so the real pipeline stitches, masters and encodes it.  What it
does besides is chosen per job through the plan's ``extras``:

* ``test_mode``: ``ok`` (default), ``sleep`` (sleeps ``test_sleep_s`` in small steps, reporting
  progress, so it can be cancelled), ``barrier`` (waits until the file ``test_wait_for`` exists:
  two jobs waiting for each other's markers finish only if they run at the same time),
  ``hang`` (sleeps ignoring cancellation), ``garbage`` (prints
  to stdout from Python, from the fd and from C, then renders), ``error`` (raises BackendError),
  ``boom`` (raises RuntimeError), ``exit`` (the process exits with status 7).
* ``test_marker``: a file path; written with the worker's pid when ``generate`` starts, so a test
  knows the job is running before it kills the worker.

At load: ``COMPOSER_TEST_LOAD_DELAY_S`` sleeps (READY timeout tests), ``COMPOSER_TEST_LOAD_FAIL``
raises :class:`~models.base.CheckpointMissing` with that message.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from pathlib import Path

import numpy as np

from bot.runtime.jobs import AudioFormat, JobKind, OutputSpec, RenderJob
from models.base import (
    BackendConfig,
    BackendError,
    CheckpointMissing,
    MusicBackend,
    ProgressCallback,
    SectionAudio,
)
from models.plan import (
    Chord,
    InstrumentPart,
    Key,
    Meter,
    Mode,
    PartRole,
    SectionPlan,
    SectionRole,
    SongPlan,
)

TEST_BACKENDS = "slow=tests.slow_backend:load"
GARBAGE = "library chatter that is not JSON"


def _chatter() -> None:
    """Print to stdout the ways libraries do: Python print, the raw descriptor, C stdio."""
    print(GARBAGE + " (print)")
    sys.stdout.flush()
    os.write(1, (GARBAGE + ' (fd 1)\n{"type": "done", "oops\n').encode())
    libc = ctypes.CDLL(None)
    libc.puts((GARBAGE + " (C puts)").encode())
    libc.fflush(None)


class SlowBackend(MusicBackend):
    name = "slow"

    def __init__(self, sample_rate: int) -> None:
        self._rate = sample_rate

    @property
    def sample_rate(self) -> int:
        return self._rate

    def generate(
        self,
        plan: SongPlan,
        section: SectionPlan,
        *,
        previous: SectionAudio | None = None,
        refine: SectionAudio | None = None,
        quality: str = "preview",
        progress: ProgressCallback | None = None,
        tail_s: float | None = None,
    ) -> SectionAudio:
        del tail_s
        mode = plan.extra("test_mode", "ok")
        marker = plan.extra("test_marker")
        if marker:
            Path(marker).write_text(str(os.getpid()))
        sleep_s = float(plan.extra("test_sleep_s", "30") or 30)
        if mode == "sleep":
            steps = max(1, int(sleep_s / 0.05))
            for i in range(steps):
                time.sleep(0.05)
                if progress is not None:
                    progress((i + 1) / steps, "sleeping")  # raises when the job is cancelled
        elif mode == "barrier":
            other = Path(plan.extra("test_wait_for") or "")
            deadline = time.monotonic() + sleep_s
            while not other.exists():
                if time.monotonic() > deadline:
                    raise BackendError("The barrier partner never started.")
                time.sleep(0.02)
                if progress is not None:
                    progress(0.5, "waiting for the other job")
        elif mode == "hang":
            time.sleep(sleep_s)
        elif mode == "garbage":
            _chatter()
        elif mode == "error":
            raise BackendError("The test backend refuses this section.")
        elif mode == "boom":
            raise RuntimeError("internal failure in the test backend")
        elif mode == "exit":
            os._exit(7)
        body = round(section.bars * plan.bar_s * self._rate)
        tail = self._rate // 10
        t = np.arange(body + tail, dtype=np.float64) / self._rate
        freq = 220.0 * 2 ** ((plan.key.tonic + section.index) / 12)
        envelope = np.minimum(1.0, (body + tail - np.arange(body + tail)) / tail)
        tone = (0.3 * np.sin(2 * np.pi * freq * t) * envelope).astype(np.float32)
        audio = np.stack([tone, tone], axis=1)
        if progress is not None:
            progress(1.0, "tone")
        return SectionAudio(audio=audio, sample_rate=self._rate, body_frames=body)


def load(config: BackendConfig) -> SlowBackend:
    delay_s = float(os.environ.get("COMPOSER_TEST_LOAD_DELAY_S", "0") or 0)
    if delay_s:
        time.sleep(delay_s)
    if message := os.environ.get("COMPOSER_TEST_LOAD_FAIL"):
        raise CheckpointMissing(message)
    print(GARBAGE + " (at load)")  # must not reach the protocol
    return SlowBackend(config.sample_rate)


def make_plan(*extras: tuple[str, str], bars: int = 2, seed: int = 1) -> SongPlan:
    return SongPlan(
        key=Key(9, Mode.MINOR),
        bpm=120.0,
        meter=Meter(4, 4),
        style="lofi",
        instruments=(InstrumentPart(PartRole.LEAD, 0, "Piano"),),
        motif=(),
        sections=(SectionPlan(SectionRole.VERSE, 0, bars, 0, 0.5, (Chord(0, "min"),)),),
        seed=seed,
        extras=tuple(extras),
    )


def make_job(
    job_id: str,
    *extras: tuple[str, str],
    backend: str = "slow",
    timeout_s: float = 300.0,
) -> RenderJob:
    """A one-section job with fast output (WAV, no waveform picture)."""
    return RenderJob(
        job_id=job_id,
        clip_id=f"clip-{job_id}",
        kind=JobKind.SECTION,
        backend=backend,
        plan=make_plan(*extras),
        sections=(0,),
        output=OutputSpec(format=AudioFormat.WAV, waveform=False),
        timeout_s=timeout_s,
    )

"""The Jukebox backend in a real worker process (``python -m bot.runtime.worker --backend
jukebox``): a preview, its continuation from the stored state file, and a full-quality refine of the
preview."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("transformers")

from bot.runtime.jobs import (
    AudioFormat,
    ClipFiles,
    JobKind,
    OutputSpec,
    Quality,
    RenderJob,
    StoredSection,
)
from bot.runtime.protocol import (
    Cancel,
    Done,
    Failed,
    Heartbeat,
    JobMessage,
    Progress,
    Ready,
    Shutdown,
)
from bot.runtime.protocol import decode_worker_message as decode
from models.jukebox.state import JukeboxState
from models.plan import SongPlan
from tests.jukebox_tiny import build_tiny_checkpoint, make_plan

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.timeout(180)  # a hang fails the test instead of stalling CI
PLAN = make_plan(style="lofi", bars=(2, 2, 2))


class Worker:
    """A real worker process of ``backend`` on the CPU, spoken to through its protocol."""

    def __init__(self, checkpoint: Path, clips: Path, backend: str = "jukebox") -> None:
        pythonpath = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
        env = dict(os.environ, PYTHONPATH=pythonpath, OMP_NUM_THREADS="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.runtime.worker", "--backend", backend, "--device", "cpu",
             "--checkpoint-dir", str(checkpoint), "--clips-dir", str(clips)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, cwd=ROOT,
        )  # fmt: skip

    def read(self) -> object:
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            assert line, "the worker closed its protocol stream"
            message = decode(line)
            if not isinstance(message, Heartbeat):
                return message

    def send(self, message: JobMessage | Cancel | Shutdown) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(message.to_json().encode() + b"\n")
        self.proc.stdin.flush()

    def run(self, job: RenderJob) -> tuple[list[Progress], ClipFiles]:
        self.send(JobMessage(job))
        progress = []
        while isinstance(message := self.read(), Progress):
            progress.append(message)
        assert not isinstance(message, Failed), message
        assert isinstance(message, Done) and message.job_id == job.job_id
        return progress, message.clip

    def close(self) -> None:
        if self.proc.poll() is None and self.proc.stdin is not None:
            self.send(Shutdown())
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Worker]:
    w = Worker(build_tiny_checkpoint(tmp_path / "ckpt"), tmp_path / "clips")
    try:
        yield w
    finally:
        w.close()


def job(
    job_id: str,
    index: int,
    quality: Quality = Quality.PREVIEW,
    *,
    backend: str = "jukebox",
    plan: SongPlan = PLAN,
    **kw: object,
) -> RenderJob:
    """A job rendering section ``index`` of ``plan`` (other backends' worker tests use it too)."""
    return RenderJob(
        job_id=job_id,
        clip_id=f"clip-{job_id}",
        kind=JobKind.SECTION,
        backend=backend,
        plan=plan,
        sections=(index,),
        output=OutputSpec(format=AudioFormat.WAV, waveform=False),
        quality=quality,
        **kw,  # type: ignore[arg-type]
    )


def stored_state(clip: ClipFiles) -> JukeboxState:
    assert clip.state_path is not None
    return JukeboxState.from_bytes(Path(clip.state_path).read_bytes())


def test_sections_continue_across_jobs_in_a_worker(worker: Worker) -> None:
    ready = worker.read()
    assert isinstance(ready, Ready) and ready.backend == "jukebox"

    progress, first = worker.run(job("j1", 0))
    assert first.sample_rate == 4000 and first.body_frames == 62 * 128
    assert any("top level window" in p.progress.message for p in progress)
    assert any("Jukebox cannot follow a tempo or key" in n for n in first.notes)
    one = stored_state(first)
    assert one.source == "ancestral" and len(one.levels) == 1

    _, second = worker.run(job("j2", 1, previous=first.as_stored_section()))
    two = stored_state(second)
    c = int(two.extra["context_tokens"])
    assert two.source == "tokens" and two.start_token == one.end_token and c > 0
    assert np.array_equal(two.history[:c], one.history[-c:])

    refine: tuple[StoredSection, ...] = (first.as_stored_section(),)
    _, full = worker.run(job("j3", 0, Quality.FULL, refine=refine))
    refined = stored_state(full)
    assert len(refined.levels) == 3 and np.array_equal(refined.levels[0], one.levels[0])
    assert full.body_frames == first.body_frames

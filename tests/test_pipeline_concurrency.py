"""Independent sections render on two threads (the embedded backend's synth on one while the other
runs its effects): the same bytes as one after the other, progress still moves forward, and a
cancellation stops the sections not yet started."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from bot.errors import JobCancelled
from bot.runtime.jobs import AudioFormat, JobKind, JobProgress, OutputSpec, RenderJob, Stage
from bot.runtime.pipeline import render_job
from models.base import BackendConfig
from models.embedded.backend import EmbeddedBackend
from models.factory import load_backend
from models.planning import PlanRequest, plan_request

RATE = 22_050


@pytest.fixture(scope="module")
def backend() -> Any:
    loaded = load_backend("embedded", BackendConfig(sample_rate=RATE, midi=False))
    yield loaded
    loaded.close()


def song_job(**output: Any) -> RenderJob:
    plan, indices = plan_request(
        PlanRequest(kind="song", style="lofi", bpm=120.0, duration_s=24.0, seed=11)
    )
    assert len(indices) >= 3
    return RenderJob(
        job_id=uuid.uuid4().hex,
        clip_id=uuid.uuid4().hex[:12],
        kind=JobKind.SONG,
        backend="embedded",
        plan=plan,
        sections=indices,
        output=OutputSpec(format=AudioFormat.WAV, waveform=False, **output),
    )


class Recording:
    """Wraps ``generate`` to record which thread rendered which section."""

    def __init__(self, backend: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[str] = []
        self.sections: list[int] = []
        original = backend.generate

        def generate(plan: Any, section: Any, **kw: Any) -> Any:
            self.threads.append(threading.current_thread().name)
            self.sections.append(section.index)
            return original(plan, section, **kw)

        monkeypatch.setattr(backend, "generate", generate)


def test_two_threads_give_the_same_bytes_as_one(
    backend: EmbeddedBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = song_job()
    seen = Recording(backend, monkeypatch)
    updates: list[JobProgress] = []
    together = render_job(job, backend, tmp_path / "a", progress=updates.append)
    assert len(set(seen.threads)) == 2, seen.threads  # really two at once
    assert sorted(seen.sections) == list(job.sections)
    fractions = [u.fraction for u in updates]
    assert fractions == sorted(fractions) and updates[-1].stage is Stage.DONE

    monkeypatch.setattr(backend, "concurrent_sections", 1)
    alone = render_job(job, backend, tmp_path / "b")
    assert len(set(seen.threads[len(job.sections) :])) == 1
    a, rate = sf.read(together.audio_path, dtype="int16")
    b, _ = sf.read(alone.audio_path, dtype="int16")
    assert rate == RATE and a.shape == b.shape and np.array_equal(a, b)
    assert together.duration_s > 20.0


def test_a_cancel_stops_the_sections_not_started(
    backend: EmbeddedBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = song_job()
    seen = Recording(backend, monkeypatch)
    with pytest.raises(JobCancelled):
        render_job(job, backend, tmp_path, should_cancel=lambda: len(seen.sections) >= 2)
    assert len(seen.sections) < len(job.sections)
    assert not any(tmp_path.iterdir())  # nothing written


def test_a_job_without_stem_writes_only_what_was_asked(
    backend: EmbeddedBackend, tmp_path: Path
) -> None:
    clip = render_job(song_job(stem=False), backend, tmp_path)
    names = {p.name for p in Path(clip.directory).iterdir()}
    assert names == {"audio.wav", "meta.json"}  # no stem, no MIDI (the backend writes none)
    assert clip.stem_path == "" and clip.midi_path is None

"""One job, start to finish: render sections → stitch → master → encode → write the clip.

This is the only generation path.  The CLI calls it in-process; workers call it for every job they
receive.  It reports progress through a callback and checks for cancellation between steps (and
inside a backend, through the backend's progress callback).
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from bot.audio.encode import Encoded, encode_to_fit
from bot.audio.master import MasterResult, master
from bot.audio.stitch import stitch
from bot.audio.waveform import waveform_png
from bot.errors import ComposerError, JobCancelled
from bot.runtime.jobs import ClipFiles, JobKind, JobProgress, RenderJob, Stage, StoredSection
from bot.runtime.sections import RENDER_SHARE, Report, render_sections
from bot.storage.clip_store import ClipStore
from models.base import MusicBackend, SectionAudio
from models.midi import join_midi

__all__ = ["Timings", "load_stored", "render_job"]

log = logging.getLogger(__name__)

ProgressSink = Callable[[JobProgress], None]

_STEM_NAME = "stem.flac"


@dataclass(slots=True)
class Timings:
    """Seconds spent per stage of the last job (for benchmarks and logs)."""

    render_s: float = 0.0
    stitch_s: float = 0.0
    master_s: float = 0.0
    encode_s: float = 0.0
    write_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.render_s + self.stitch_s + self.master_s + self.encode_s + self.write_s


def render_job(
    job: RenderJob,
    backend: MusicBackend,
    clips_dir: Path,
    *,
    progress: ProgressSink | None = None,
    should_cancel: Callable[[], bool] | None = None,
    timings: Timings | None = None,
    fork_sections: bool = False,
) -> ClipFiles:
    """Make the clip ``job`` describes and write it atomically under ``clips_dir/<clip_id>/``.
    ``fork_sections``: independent sections may be split with a forked copy of this process
    (a one-shot process with no other thread: the CLI; see :mod:`bot.runtime.sections`)."""
    t = timings if timings is not None else Timings()
    plan = job.plan

    reporting = threading.Lock()  # sections may render on several threads

    def report(stage: Stage, fraction: float, section: int = 0, message: str = "") -> None:
        if should_cancel is not None and should_cancel():
            raise JobCancelled()
        if progress is not None:
            update = JobProgress(
                job.job_id, stage, min(1.0, fraction), section, len(indices), message
            )
            with reporting:
                progress(update)

    indices = job.sections if job.kind is not JobKind.STITCH else tuple(range(len(job.stitch)))
    start = time.perf_counter()
    sections: list[SectionAudio] = []
    if job.kind is JobKind.STITCH:
        if not job.stitch:
            raise ComposerError("There are no clips to stitch into a song yet.")
        sections = [load_stored(s) for s in job.stitch]
        report(Stage.STITCHING, RENDER_SHARE, message="joining the chosen clips")
    else:
        if not indices:
            raise ComposerError("Nothing to compose: the job names no sections.")
        previous = load_stored(job.previous) if job.previous else None
        refine = {i: load_stored(s) for i, s in zip(indices, job.refine, strict=False)}
        for index in indices:
            if not 0 <= index < len(plan.sections):
                raise ComposerError(f"This song has no section number {index + 1}.")
        sections = render_sections(job, backend, report, previous, refine, fork=fork_sections)
    t.render_s = time.perf_counter() - start

    # The stem (the last section, unmastered) is written while the song is stitched and
    # mastered, which leave the second core mostly idle.
    side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stem")
    try:
        stem_job = side.submit(_stem_flac, sections[-1]) if job.output.stem else None
        done = _finish(job, indices, sections, report, t=t, stem_job=stem_job)
    finally:
        side.shutdown(cancel_futures=True)
    mastered, encoded, files, seams = done.mastered, done.encoded, done.files, done.seams
    sample_rate, last, states, notes = done.sample_rate, done.last, done.states, done.notes
    stem_scale = done.stem_scale

    start = time.perf_counter()
    state_names: dict[int, str] = {}
    for index, state in states:
        if state is not None:
            state_names[index] = f"state-{index}.bin"
            files[state_names[index]] = state
    duration_s = mastered.audio.shape[0] / sample_rate
    meta = {
        "clip_id": job.clip_id,
        "job_id": job.job_id,
        "kind": job.kind.value,
        "backend": job.backend,
        "quality": job.quality.value,
        "plan": plan.to_dict(),
        "sections": list(indices),
        "sample_rate": sample_rate,
        "seams": list(seams),
        "duration_s": duration_s,
        "loudness_lufs": mastered.loudness_lufs,
        "true_peak_dbtp": mastered.true_peak_dbtp,
        "format": encoded.format.value,
        "bitrate_kbps": encoded.bitrate_kbps,
        "stem_scale": stem_scale,
        "stem_body_frames": last.body_frames,
        "states": {str(k): v for k, v in state_names.items()},
        "notes": list(notes),
    }
    files["meta.json"] = json.dumps(meta, indent=1).encode()
    directory = ClipStore(clips_dir).write(job.clip_id, files)
    t.write_s = time.perf_counter() - start
    report(Stage.DONE, 1.0, message="done")
    log.info(
        "clip %s: %.1f s audio in %.2f s (render %.2f, master %.2f, encode %.2f)",
        job.clip_id,
        duration_s,
        t.total_s,
        t.render_s,
        t.master_s,
        t.encode_s,
    )
    last_state = state_names.get(indices[-1]) if job.kind is not JobKind.STITCH else None
    return ClipFiles(
        clip_id=job.clip_id,
        directory=str(directory),
        audio_path=str(directory / f"audio.{encoded.extension}"),
        audio_format=encoded.format,
        midi_path=str(directory / "clip.mid") if "clip.mid" in files else None,
        waveform_path=str(directory / "waveform.png") if "waveform.png" in files else None,
        stem_path=str(directory / _STEM_NAME) if _STEM_NAME in files else "",
        state_path=str(directory / last_state) if last_state else None,
        body_frames=last.body_frames,
        sample_rate=last.sample_rate,
        duration_s=duration_s,
        loudness_lufs=mastered.loudness_lufs,
        true_peak_dbtp=mastered.true_peak_dbtp,
        size_bytes=len(encoded.data),
        bitrate_kbps=encoded.bitrate_kbps,
        notes=notes,
    )


@dataclass(slots=True)
class _Finished:
    """What stitching, mastering and encoding leave for the clip's files and metadata."""

    mastered: MasterResult
    encoded: Encoded
    files: dict[str, bytes]
    seams: tuple[int, ...]
    sample_rate: int
    last: SectionAudio
    states: list[tuple[int, bytes | None]]
    notes: tuple[str, ...]
    stem_scale: float


def _finish(
    job: RenderJob,
    indices: tuple[int, ...],
    sections: list[SectionAudio],
    report: Report,
    *,
    t: Timings,
    stem_job: Future[tuple[bytes, float]] | None,
) -> _Finished:
    """Stitch, master and encode ``sections`` (the list is emptied once stitched: their buffers
    go back before mastering, the peak of a job's memory); the side files (MIDI, waveform, the
    stem made by ``stem_job``) while the encoder runs.  ``indices``: the plan's sections they are
    (a STITCH job's plan lists the stitched clips as its sections, in order)."""
    plan = job.plan
    start = time.perf_counter()
    stitched = stitch(sections)
    t.stitch_s = time.perf_counter() - start
    n_sections = len(sections)
    midi_parts = [(i, s.midi) for i, s in zip(indices, sections, strict=True) if s.midi]
    states = [(i, s.state) for i, s in zip(indices, sections, strict=True)]
    notes = tuple(dict.fromkeys(note for s in sections for note in s.notes))
    last = sections[-1]
    sections.clear()
    seams, sample_rate = stitched.seams, stitched.sample_rate

    report(Stage.MASTERING, RENDER_SHARE + 0.05, message="mastering")
    start = time.perf_counter()
    mastered = master(stitched.audio, sample_rate, in_place=True)  # the stitch is ours
    del stitched
    t.master_s = time.perf_counter() - start

    report(Stage.ENCODING, RENDER_SHARE + 0.10, message="encoding")
    start = time.perf_counter()
    # The encoder runs in C without the GIL: the side files are made meanwhile.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="encode") as encoder:
        pending = encoder.submit(
            encode_to_fit,
            mastered.audio,
            sample_rate,
            job.output.format,
            max_bytes=job.output.max_bytes,
            bitrate_kbps=job.output.bitrate_kbps,
            oversize_ok=job.output.oversize_ok,
        )
        files: dict[str, bytes] = {}
        if midi_parts and len(midi_parts) == n_sections and len(plan.sections) >= n_sections:
            files["clip.mid"] = join_midi(plan, midi_parts)
        if job.output.waveform:
            files["waveform.png"] = waveform_png(mastered.audio, seams=seams)
        stem_scale = 1.0
        if stem_job is not None:
            files[_STEM_NAME], stem_scale = stem_job.result()
        encoded = pending.result()
    files[f"audio.{encoded.extension}"] = encoded.data
    t.encode_s = time.perf_counter() - start
    return _Finished(mastered, encoded, files, seams, sample_rate, last, states, notes, stem_scale)


def _stem_flac(section: SectionAudio) -> tuple[bytes, float]:
    """A lossless copy of the unmastered section; scaled down (and the scale recorded) if it
    peaks above full scale, which 24-bit FLAC cannot hold."""
    peak = float(np.abs(section.audio).max()) if section.audio.size else 0.0
    scale = 1.0 if peak <= 0.999 else 0.999 / peak
    buf = io.BytesIO()
    # the fastest FLAC setting: 1.5 % larger than the default, a third less time
    with sf.SoundFile(
        buf, "w", section.sample_rate, 2, format="FLAC", subtype="PCM_24", compression_level=0.0
    ) as f:
        audio = section.audio * scale if scale != 1.0 else section.audio
        for i in range(0, audio.shape[0], 1 << 16):
            f.write(audio[i : i + (1 << 16)])
    return buf.getvalue(), scale


def load_stored(stored: StoredSection) -> SectionAudio:
    """Read a stored section (its stem, state and MIDI) back as :class:`SectionAudio`."""
    stem = Path(stored.stem_path)
    try:
        audio, rate = sf.read(stem, dtype="float32", always_2d=True)
    except (OSError, RuntimeError) as exc:
        raise ComposerError(
            "A clip this job builds on is missing from the clip store; it may have been deleted."
        ) from exc
    meta_path = stem.parent / "meta.json"
    scale = 1.0
    if meta_path.exists():
        scale = float(json.loads(meta_path.read_text()).get("stem_scale", 1.0)) or 1.0
    if audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    state = Path(stored.state_path).read_bytes() if stored.state_path else None
    midi_path = stem.parent / "clip.mid"
    midi = midi_path.read_bytes() if midi_path.exists() else None
    return SectionAudio(
        audio=(audio / scale).astype(np.float32),
        sample_rate=int(rate),
        body_frames=min(stored.body_frames, audio.shape[0]),
        midi=midi,
        state=state,
    )

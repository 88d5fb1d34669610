"""The MusicGen-Melody backend on tiny random checkpoints: the chroma condition comes from the
embedded composer's render of the plan, sections continue from the previous one, long sections
go in windows, sampling knobs, progress and cancelling, and a real worker process."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("transformers")

import soundfile as sf

from bot.runtime.jobs import RenderJob
from bot.runtime.protocol import Cancel, Failed, JobMessage, Progress, Ready
from models.base import BackendConfig, BackendError, CheckpointMissing, SectionAudio
from models.factory import load_backend
from models.musicgen.audio import prompt_from_previous, to_output
from models.musicgen.backend import ATTRIBUTION
from models.musicgen.chroma import ChromaExtractor
from models.musicgen.generation import plan_chunks
from models.musicgen.guide import GuideRenderer
from models.musicgen.melody import MusicgenMelodyBackend
from models.musicgen.prompting import section_bounds, text_prompt
from models.plan import Key, PartRole, SongPlan
from models.planning import PlanRequest, plan_request
from tests.musicgen_melody_tiny import TINY_CHROMA, build_tiny_melody_checkpoint
from tests.musicgen_tiny import TINY_HOP, TINY_RATE, Recording
from tests.test_jukebox_worker import Worker, job

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("one_torch_thread")]
SR = 48_000


def synthwave(key: str = "A minor") -> SongPlan:
    """An 8 s song: three sections of 1 to 2 bars, a saw lead over chords, arpeggio and drums."""
    request = PlanRequest(kind="song", style="synthwave", key=Key.parse(key), duration_s=8, seed=3)
    return plan_request(request)[0]


PLAN = synthwave()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_melody_checkpoint(tmp_path_factory.mktemp("melody") / "tiny")


@pytest.fixture(scope="module")
def backend(checkpoint: Path) -> MusicgenMelodyBackend:
    loaded = load_backend("musicgen-melody", BackendConfig(checkpoint_dir=checkpoint))
    assert isinstance(loaded, MusicgenMelodyBackend)
    return loaded


@pytest.fixture(scope="module")
def first(backend: MusicgenMelodyBackend) -> SectionAudio:
    return backend.generate(PLAN, PLAN.sections[0])


def recording(
    backend: MusicgenMelodyBackend, **settings: Any
) -> tuple[MusicgenMelodyBackend, Recording]:
    model = Recording(backend.model)
    rec = MusicgenMelodyBackend(
        model, backend.processor, backend.chroma, backend.guide_renderer, **settings
    )
    return rec, model


def features(call: dict[str, Any]) -> np.ndarray[Any, Any]:
    """The chroma condition of one ``generate()`` call, ``(frames, 12)``."""
    return np.asarray(call["input_features"][0].numpy())


def section_s(plan: SongPlan, index: int) -> float:
    return plan.sections[index].bars * plan.bar_s


def section_samples(plan: SongPlan, index: int) -> int:
    """The section's length in samples at the bot's rate (bar lines rounded from the start)."""
    return section_bounds(plan, plan.sections[index], SR).frames


def section_frames(plan: SongPlan, index: int) -> int:
    """EnCodec frames the tiny model generates for a section (its samples, rounded up)."""
    return math.ceil(math.ceil(section_samples(plan, index) / SR * TINY_RATE) / TINY_HOP)


# --- loading ---------------------------------------------------------------------------------


def test_missing_or_wrong_checkpoint_is_named(checkpoint: Path, tmp_path: Path) -> None:
    with pytest.raises(CheckpointMissing, match="MusicGen-Melody backend needs a checkpoint"):
        load_backend("musicgen-melody", BackendConfig(checkpoint_dir=None))
    with pytest.raises(CheckpointMissing, match=r"does not exist.*facebook/musicgen-melody"):
        load_backend("musicgen-melody", BackendConfig(checkpoint_dir=tmp_path / "nowhere"))
    plain = Path(shutil.copytree(checkpoint, tmp_path / "plain"))
    config = json.loads((plain / "config.json").read_text())
    config["model_type"] = "musicgen"
    (plain / "config.json").write_text(json.dumps(config))
    with pytest.raises(BackendError, match="'musicgen' checkpoint, not MusicGen-Melody"):
        load_backend("musicgen-melody", BackendConfig(checkpoint_dir=plain))
    bins = Path(shutil.copytree(checkpoint, tmp_path / "bins"))
    (bins / "preprocessor_config.json").write_text(json.dumps({"sampling_rate": 8000}))
    with pytest.raises(BackendError, match="not a MusicGen-Melody feature extractor config"):
        load_backend("musicgen-melody", BackendConfig(checkpoint_dir=bins))


def test_backend_identity_and_knobs(backend: MusicgenMelodyBackend) -> None:
    import torch

    assert backend.name == "musicgen-melody" and backend.needs_previous
    assert backend.sample_rate == SR and backend.dtype == torch.float32
    assert (backend.guidance_scale, backend.top_k, backend.temperature) == (3.0, 250, 1.0)
    assert backend.guide_renderer.sample_rate == TINY_CHROMA.sampling_rate
    rec, model = recording(backend)
    rec.generate(PLAN, PLAN.sections[0])
    call = model.calls[0]
    assert (call["guidance_scale"], call["top_k"], call["temperature"]) == (3.0, 250, 1.0)
    tuned, model = recording(backend, guidance_scale=5.0, top_k=10, temperature=0.7)
    tuned.generate(PLAN, PLAN.sections[0])
    call = model.calls[0]
    assert (call["guidance_scale"], call["top_k"], call["temperature"]) == (5.0, 10, 0.7)
    with pytest.raises(ValueError, match="top_k"):
        recording(backend, top_k=0)


# --- the chroma condition ------------------------------------------------------------------


def test_chroma_of_known_pitches() -> None:
    extract = ChromaExtractor(TINY_CHROMA)
    t = np.arange(2 * TINY_RATE) / TINY_RATE
    for hz, pitch_class in ((261.63, 0), (440.0, 9), (311.13, 3), (987.77, 11)):
        chroma = extract(0.5 * np.sin(2 * np.pi * hz * t))
        assert chroma.shape == (extract.frames(len(t)), 12) == (16, 12)
        assert set(chroma.sum(axis=1)) == {1.0}  # one-hot per frame
        assert (chroma.argmax(axis=1) == pitch_class).all()


def test_guide_puts_the_melody_in_front(backend: MusicgenMelodyBackend) -> None:
    """Most chroma frames of the guide name a pitch class the lead is playing."""
    guide: GuideRenderer = backend.guide_renderer
    section = PLAN.sections[1]
    audio = guide.render(PLAN, section, section_s(PLAN, 1))
    assert audio.shape == (round(section_s(PLAN, 1) * TINY_CHROMA.sampling_rate),)
    score = guide.score(PLAN, section)
    assert {PartRole.DRUMS, PartRole.BASS} <= {p.role for p in PLAN.instruments}
    assert PartRole.LEAD in {t.role for t in score.tracks}
    assert not {PartRole.DRUMS, PartRole.BASS} & {t.role for t in score.tracks}
    lead = [n for t in score.tracks if t.role is PartRole.LEAD for n in t.notes]
    peaks = backend.chroma(audio).argmax(axis=1)
    agree = sounding = 0
    for frame, pitch_class in enumerate(peaks):
        q = frame / TINY_CHROMA.frame_rate / score.tempo.spq_at(0.0)
        playing = {n.pitch % 12 for n in lead if n.start_q <= q < n.end_q}
        sounding += bool(playing)
        agree += pitch_class in playing
    assert sounding >= 15 and agree >= 0.8 * sounding


def test_condition_is_the_plans_render_and_follows_its_key(
    backend: MusicgenMelodyBackend,
) -> None:
    rec, model = recording(backend)
    rec.generate(PLAN, PLAN.sections[1])
    duration = section_s(PLAN, 1)
    guide = backend.guide_renderer.render(PLAN, PLAN.sections[1], duration)
    samples = (model.calls[0]["max_new_tokens"] - 3) * TINY_HOP  # chroma and model: 8 kHz
    assert samples == section_frames(PLAN, 1) * TINY_HOP >= len(guide)
    expected = backend.chroma(np.pad(guide, (0, samples - len(guide))))
    assert np.array_equal(features(model.calls[0]), expected)
    # The same song in C minor: the condition moves up three semitones with it.
    c_minor = synthwave("C minor")
    assert (c_minor.bpm, c_minor.sections) == (PLAN.bpm, PLAN.sections)
    rec.generate(c_minor, c_minor.sections[1])
    a_peaks = features(model.calls[0]).argmax(axis=1)
    c_peaks = features(model.calls[1]).argmax(axis=1)
    assert len(a_peaks) == len(c_peaks) >= 15
    assert np.mean((a_peaks + 3) % 12 == c_peaks) >= 0.8
    # The text prompt is the plan's, as for MusicGen.
    ids = model.calls[0]["input_ids"][0]
    text = backend.processor.decode(ids, skip_special_tokens=True)
    assert text == text_prompt(PLAN, PLAN.sections[1]).lower()
    assert "a minor" in text and f"{PLAN.bpm:g} bpm" in text


def test_same_seed_same_audio(backend: MusicgenMelodyBackend, first: SectionAudio) -> None:
    again = backend.generate(PLAN, PLAN.sections[0])
    assert np.array_equal(again.audio, first.audio)
    assert first.audio.shape == (section_samples(PLAN, 0), 2)
    assert np.isfinite(first.audio).all() and np.abs(first.audio).max() > 0
    assert first.notes == (ATTRIBUTION,)
    reseeded = dataclasses.replace(PLAN, seed=PLAN.seed + 1)
    assert not np.array_equal(backend.generate(reseeded, PLAN.sections[0]).audio, first.audio)


def test_text_and_chroma_both_reach_the_decoder(
    backend: MusicgenMelodyBackend, first: SectionAudio
) -> None:
    """Same seed, another guide or other words: other codes, so other audio (the tiny EnCodec
    turns other codes into only slightly other audio).  transformers 4.57 dropped both at the
    first step (see ``keep_condition_at_first_step``): without that fix the audio is identical."""

    class Unguided(MusicgenMelodyBackend):
        def guide(self, plan: SongPlan, section: Any, duration_s: float) -> Any:
            return np.zeros(round(duration_s * TINY_CHROMA.sampling_rate), np.float32)

    unguided = Unguided(backend.model, backend.processor, backend.chroma, backend.guide_renderer)
    assert not np.array_equal(unguided.generate(PLAN, PLAN.sections[0]).audio, first.audio)
    rec, model = recording(backend)
    worded = dataclasses.replace(PLAN, prompt="rainy night")
    for plan in (PLAN, worded):
        rec.generate(plan, plan.sections[0])
    assert np.array_equal(features(model.calls[0]), features(model.calls[1]))  # same guide
    assert not np.array_equal(model.outputs[0], model.outputs[1])


# --- continuation and windows ----------------------------------------------------------------


def test_previous_tail_is_the_audio_prompt_and_starts_the_chroma(
    backend: MusicgenMelodyBackend, first: SectionAudio
) -> None:
    import torch

    rec, model = recording(backend, context_s=1.0)
    second = rec.generate(PLAN, PLAN.sections[1], previous=first)
    (call,) = model.calls
    # The prompt: the last 50 EnCodec frames of the previous section, as decoder codes.
    tail = prompt_from_previous(
        first, frames=50, sample_rate=TINY_RATE, channels=1, hop_length=TINY_HOP
    )  # checked against an independent resampling in test_musicgen_backend
    assert tail is not None and tail.shape == (50 * TINY_HOP,)
    with torch.inference_mode():
        codes = backend.model.audio_encoder.encode(torch.from_numpy(tail)[None, None])
    expected_codes = codes.audio_codes[0, 0]
    assert torch.equal(call["decoder_input_ids"], expected_codes)
    assert expected_codes.shape == (4, 50)
    # The output starts with the prompt's frames; the section is what follows.
    raw = model.outputs[0]
    new_frames = call["max_new_tokens"] - 3
    assert raw.shape == (1, (50 + new_frames) * TINY_HOP)
    frames = section_samples(PLAN, 1)
    assert np.array_equal(second.audio, to_output(raw[:, 50 * TINY_HOP :], TINY_RATE, SR, frames))
    # The chroma covers the prompt (the previous audio itself), then the guide.
    chroma = features(call)
    guide = backend.guide_renderer.render(PLAN, PLAN.sections[1], section_s(PLAN, 1))
    span = new_frames * TINY_HOP  # chroma and model: 8 kHz
    joined = np.concatenate([tail, np.pad(guide, (0, span - len(guide)))])
    assert np.array_equal(chroma, backend.chroma(joined))
    # Continuing changes the section; the same previous gives the same audio.
    alone = backend.generate(PLAN, PLAN.sections[1])
    assert not np.allclose(second.audio, alone.audio, atol=1e-3)
    assert np.array_equal(rec.generate(PLAN, PLAN.sections[1], previous=first).audio, second.audio)


def test_long_sections_are_windows_each_with_its_part_of_the_guide(
    backend: MusicgenMelodyBackend,
) -> None:
    rec, model = recording(backend, window_s=1.0, context_s=0.4)
    section = rec.generate(PLAN, PLAN.sections[1])  # windows of 50 frames
    assert section.audio.shape == (section_samples(PLAN, 1), 2)
    frames = section_frames(PLAN, 1)
    chunks = plan_chunks(frames, first_prompt=0, context=20, window=50, codebooks=4)
    assert len(chunks) >= 4
    assert [c["max_new_tokens"] for c in model.calls] == [c.steps for c in chunks]
    guide = backend.guide_renderer.render(PLAN, PLAN.sections[1], section_s(PLAN, 1))
    done = 0
    for k, (call, chunk) in enumerate(zip(model.calls, chunks, strict=True)):
        assert ("decoder_input_ids" in call) == (k > 0)
        # After the prompt's own chroma, this window's slice of the guide.
        start = done * TINY_HOP
        span = guide[start : start + chunk.new * TINY_HOP]
        span = np.pad(span, (0, chunk.new * TINY_HOP - len(span)))
        prompt = model.outputs[k - 1][0, -chunk.prompt * TINY_HOP :] if k else span[:0]
        assert np.array_equal(features(call), backend.chroma(np.concatenate([prompt, span])))
        done += chunk.new


def test_stereo_checkpoint_interleaves_prompt_codes(tmp_path: Path, first: SectionAudio) -> None:
    ckpt = build_tiny_melody_checkpoint(tmp_path / "stereo", channels=2)
    stereo = load_backend("musicgen-melody", BackendConfig(checkpoint_dir=ckpt))
    assert isinstance(stereo, MusicgenMelodyBackend) and stereo.channels == 2
    rec, model = recording(stereo, context_s=0.5)
    section = rec.generate(PLAN, PLAN.sections[1], previous=first)
    codes = model.calls[0]["decoder_input_ids"]
    assert codes.shape == (8, 25)  # 4 codebooks × 2 channels, 25 frames
    assert section.audio.shape == (section_samples(PLAN, 1), 2)
    assert not np.allclose(section.audio[:, 0], section.audio[:, 1])


# --- progress and cancelling -----------------------------------------------------------------


class CancelledByTestError(Exception):
    pass


def test_progress_and_cancel(backend: MusicgenMelodyBackend, first: SectionAudio) -> None:
    calls: list[tuple[float, str]] = []
    backend.generate(PLAN, PLAN.sections[0], progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and calls[-1] == (1.0, "done")
    assert {m for _, m in calls} == {"preparing", "generating", "done"} and len(calls) > 40

    count = 0

    def cancel_soon(fraction: float, message: str) -> None:
        nonlocal count
        count += 1
        if count == 20:
            raise CancelledByTestError()

    with pytest.raises(CancelledByTestError):
        backend.generate(PLAN, PLAN.sections[0], progress=cancel_soon)
    assert count == 20
    assert np.array_equal(backend.generate(PLAN, PLAN.sections[0]).audio, first.audio)


# --- a real worker process ------------------------------------------------------------------


def melody_job(job_id: str, plan: SongPlan, index: int, **kw: Any) -> RenderJob:
    return job(job_id, index, backend="musicgen-melody", plan=plan, **kw)


def test_worker_continues_sections_and_cancels(checkpoint: Path, tmp_path: Path) -> None:
    worker = Worker(checkpoint, tmp_path / "clips", backend="musicgen-melody")
    try:
        ready = worker.read()
        assert isinstance(ready, Ready) and ready.backend == "musicgen-melody"
        progress, first = worker.run(melody_job("m1", PLAN, 0))
        assert first.sample_rate == SR and first.body_frames == section_samples(PLAN, 0)
        assert any("generating" in p.progress.message for p in progress)
        assert ATTRIBUTION in first.notes
        _, second = worker.run(melody_job("m2", PLAN, 1, previous=first.as_stored_section()))
        _, alone = worker.run(melody_job("m3", PLAN, 1))
        continued, _ = sf.read(second.stem_path, dtype="float32")
        fresh, _ = sf.read(alone.stem_path, dtype="float32")
        assert continued.shape == fresh.shape == (section_samples(PLAN, 1), 2)
        assert not np.allclose(continued, fresh, atol=1e-3)
        # A 30 s section (about 1500 decoder steps) cancelled once it is generating.
        long_plan, (index,) = plan_request(
            PlanRequest(style="synthwave", key=Key.parse("A minor"), duration_s=30, seed=3)
        )
        worker.send(JobMessage(melody_job("m4", long_plan, index)))
        while isinstance(message := worker.read(), Progress):
            if "generating" in message.progress.message:
                worker.send(Cancel("m4"))
                break
        while isinstance(message := worker.read(), Progress):
            pass
        assert isinstance(message, Failed) and message.cancelled and message.job_id == "m4"
        _, again = worker.run(melody_job("m5", PLAN, 0))  # the worker still serves, and the
        same = [sf.read(c.stem_path, dtype="float32")[0] for c in (first, again)]  # same seed
        assert np.array_equal(*same)
    finally:
        worker.close()
    assert worker.proc.wait(timeout=30) == 0


def test_requests_can_name_the_backend() -> None:
    from bot.parsing.parser import parse_request
    from bot.service.spec import SlashOptions

    for text in ("lofi chorus with musicgen-melody", "rock intro, backend music gen melody"):
        assert parse_request(text).backend == "musicgen-melody"
    assert parse_request("lofi chorus with musicgen").backend == "musicgen"
    named = parse_request("lofi chorus", SlashOptions(backend="MusicGen Melody"))
    assert named.backend == "musicgen-melody"

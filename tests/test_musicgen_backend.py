"""The MusicGen backend end to end on tiny random checkpoints: load, generate, continue from the
previous section's audio, long sections in windows, progress and cancelling, a real worker."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("transformers")

import soundfile as sf
from scipy.signal import resample_poly

from bot.runtime.protocol import Ready
from models.base import BackendConfig, BackendError, CheckpointMissing, SectionAudio
from models.factory import load_backend
from models.musicgen.audio import to_output
from models.musicgen.backend import ATTRIBUTION, MusicgenBackend
from models.musicgen.generation import Chunk, plan_chunks
from models.musicgen.prompting import section_bounds, text_prompt
from models.plan import Meter
from tests.jukebox_tiny import make_plan
from tests.musicgen_tiny import TINY_HOP, TINY_RATE, Recording, build_tiny_checkpoint
from tests.test_jukebox_worker import Worker, job

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("one_torch_thread")]
PLAN = make_plan(style="lofi", mood="chill", prompt="rainy night")  # 2 bars at 240 bpm: 2 s
SR = 48_000


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_checkpoint(tmp_path_factory.mktemp("musicgen") / "tiny")


@pytest.fixture(scope="module")
def backend(checkpoint: Path) -> MusicgenBackend:
    loaded = load_backend("musicgen", BackendConfig(checkpoint_dir=checkpoint, device="cpu"))
    assert isinstance(loaded, MusicgenBackend)
    return loaded


@pytest.fixture(scope="module")
def first(backend: MusicgenBackend) -> SectionAudio:
    return backend.generate(PLAN, PLAN.sections[0])


def recording(backend: MusicgenBackend, **settings: Any) -> tuple[MusicgenBackend, Recording]:
    model = Recording(backend.model)
    return MusicgenBackend(model, backend.processor, **settings), model


def mono_tail(section: SectionAudio, samples: int) -> np.ndarray[Any, Any]:
    """Independently: the body's mono mix resampled to the model's rate, last ``samples``."""
    body = section.audio[: section.body_frames].astype(np.float64).mean(axis=1)
    g = math.gcd(section.sample_rate, TINY_RATE)
    at_rate: np.ndarray[Any, Any] = resample_poly(body, TINY_RATE // g, section.sample_rate // g)
    return at_rate[len(at_rate) - samples :]


# --- loading -------------------------------------------------------------------------------


def test_missing_checkpoint_names_what_to_put_where(tmp_path: Path) -> None:
    with pytest.raises(CheckpointMissing, match="needs a checkpoint directory"):
        load_backend("musicgen", BackendConfig(checkpoint_dir=None))
    with pytest.raises(
        CheckpointMissing, match=r"does not exist.*config\.json.*model\.safetensors"
    ):
        load_backend("musicgen", BackendConfig(checkpoint_dir=tmp_path / "nowhere"))
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "spiece.model").write_bytes(b"")
    with pytest.raises(CheckpointMissing) as info:
        load_backend("musicgen", BackendConfig(checkpoint_dir=tmp_path))
    message = str(info.value)
    assert "missing generation_config.json, preprocessor_config.json, model.safetensors;" in message
    assert str(tmp_path) in message and "docs/musicgen.md" in message
    assert "MusicgenProcessor.save_pretrained" in message


def test_inconsistent_checkpoint_is_refused(checkpoint: Path, tmp_path: Path) -> None:
    broken = Path(shutil.copytree(checkpoint, tmp_path / "broken"))
    config = json.loads((broken / "config.json").read_text())
    config["audio_encoder"]["target_bandwidths"] = [2.4]  # 8 quantizers for 4 codebooks
    (broken / "config.json").write_text(json.dumps(config))
    with pytest.raises(BackendError, match="8 quantizers but the decoder predicts 4 codebooks"):
        load_backend("musicgen", BackendConfig(checkpoint_dir=broken))


def test_cuda_without_a_gpu_is_a_clear_error(checkpoint: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(BackendError, match="CUDA is not available"):
        load_backend("musicgen", BackendConfig(checkpoint_dir=checkpoint, device="cuda"))


def test_backend_identity(backend: MusicgenBackend) -> None:
    import torch

    assert backend.name == "musicgen" and backend.needs_previous
    assert backend.sample_rate == SR  # BackendConfig's rate, not the model's 8 kHz
    assert backend.dtype == torch.float32 and backend.device.type == "cpu"  # fp16: CUDA only
    assert backend.guidance_scale == 3.0 and backend.frame_rate == 50.0


# --- one section ---------------------------------------------------------------------------


def test_section_is_exactly_its_bars_long(backend: MusicgenBackend, first: SectionAudio) -> None:
    assert first.sample_rate == SR and first.audio.dtype == np.float32
    assert first.audio.shape == (2 * SR, 2) and first.body_frames == 2 * SR
    assert np.isfinite(first.audio).all() and np.abs(first.audio).max() > 0
    assert first.notes == (ATTRIBUTION,)
    # A length that is no whole number of EnCodec frames (1 bar of 3/4 at 70 bpm: 2.571 s).
    odd = dataclasses.replace(make_plan(bars=(1,), bpm=70.0), meter=Meter(3, 4))
    section = backend.generate(odd, odd.sections[0])
    assert section.body_frames == round(3 * 60 / 70 * SR) == section.audio.shape[0]
    assert np.abs(section.audio[-SR // 50 :]).max() > 0  # generated up to the end, not padded


def test_sections_tile_the_song_without_drift() -> None:
    plan = make_plan(bars=(3, 5, 2, 7), bpm=97.0)
    bounds = [section_bounds(plan, s, SR) for s in plan.sections]
    assert all(a.end == b.start for a, b in itertools.pairwise(bounds))
    assert bounds[-1].end == round(plan.duration_s * SR)


def test_same_seed_same_audio_other_seed_other_audio(
    backend: MusicgenBackend, first: SectionAudio
) -> None:
    import torch

    state = torch.random.get_rng_state()
    again = backend.generate(PLAN, PLAN.sections[0])
    assert np.array_equal(again.audio, first.audio)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global generator is left alone
    reseeded = dataclasses.replace(PLAN, seed=PLAN.seed + 1)
    assert not np.array_equal(backend.generate(reseeded, reseeded.sections[0]).audio, first.audio)


def test_text_prompt_describes_the_plan_and_section(backend: MusicgenBackend) -> None:
    text = text_prompt(PLAN, PLAN.sections[0])
    assert text == (
        "lo-fi hip hop, dusty drums, mellow electric piano, warm bass, rainy night, chill, "
        "intro, relaxed, A minor, 240 bpm"
    )
    waltz = dataclasses.replace(PLAN, meter=Meter(3, 4), extras=(("ignored_instruments", "oud"),))
    assert text_prompt(waltz, PLAN.sections[1]).endswith(
        "with oud, verse, relaxed, A minor, 240 bpm, in 3/4 time"
    )
    rec_backend, model = recording(backend)
    rec_backend.generate(PLAN, PLAN.sections[1])
    ids = model.calls[0]["input_ids"][0]
    assert backend.processor.tokenizer.decode(ids, skip_special_tokens=True) == (
        text_prompt(PLAN, PLAN.sections[1]).lower()
    )
    assert model.calls[0]["guidance_scale"] == 3.0 and "input_values" not in model.calls[0]


# --- continuation --------------------------------------------------------------------------


def test_previous_tail_primes_the_next_section(
    backend: MusicgenBackend, first: SectionAudio
) -> None:
    rec_backend, model = recording(backend, context_s=1.0)
    second = rec_backend.generate(PLAN, PLAN.sections[1], previous=first)
    (call,) = model.calls
    prompt = call["input_values"][0, 0].numpy()  # (batch, channel, samples)
    assert len(prompt) == 50 * TINY_HOP  # 1 s = 50 EnCodec frames at 8 kHz
    assert np.allclose(prompt, mono_tail(first, len(prompt)), atol=1e-4)
    assert bool(call["padding_mask"].all())
    assert call["max_new_tokens"] == 100 + 3  # 2 s of new frames + the 4-codebook delay
    # The output starts with the prompt's 50 frames; the section is what follows them.
    raw = model.outputs[0]
    assert raw.shape == (1, (50 + 100) * TINY_HOP)
    assert np.array_equal(second.audio, to_output(raw[:, 50 * TINY_HOP :], TINY_RATE, SR, 2 * SR))
    # Same seed, no prompt or another one: other audio, so the prompt conditions the output.
    alone = backend.generate(PLAN, PLAN.sections[1])
    assert second.audio.shape == alone.audio.shape and second.body_frames == 2 * SR
    assert not np.allclose(second.audio, alone.audio, atol=1e-3)
    t = np.arange(2 * SR, dtype=np.float32) / SR
    tone = np.repeat(0.5 * np.sin(2 * np.pi * 220 * t)[:, None], 2, axis=1).astype(np.float32)
    other = SectionAudio(audio=tone, sample_rate=SR, body_frames=2 * SR)
    after_other = rec_backend.generate(PLAN, PLAN.sections[1], previous=other)
    assert np.allclose(
        model.calls[1]["input_values"][0, 0].numpy(), mono_tail(other, 8000), atol=1e-4
    )
    assert not np.array_equal(second.audio, after_other.audio)
    again = rec_backend.generate(PLAN, PLAN.sections[1], previous=first)
    assert np.array_equal(again.audio, second.audio)


def test_previous_at_another_rate_and_too_short(
    backend: MusicgenBackend, first: SectionAudio
) -> None:
    rec_backend, model = recording(backend)
    body = first.audio[: 44_100 // 2]  # half a second of something at 44.1 kHz
    other = SectionAudio(audio=body.copy(), sample_rate=44_100, body_frames=len(body))
    rec_backend.generate(PLAN, PLAN.sections[1], previous=other)
    assert model.calls[0]["input_values"].shape[-1] == 25 * TINY_HOP  # all of it: 25 frames
    tiny = SectionAudio(audio=np.zeros((100, 2), np.float32), sample_rate=SR, body_frames=100)
    section = rec_backend.generate(PLAN, PLAN.sections[1], previous=tiny)
    assert "input_values" not in model.calls[1]
    assert "the previous section was too short to continue from" in section.notes


def test_long_sections_are_generated_in_primed_windows(backend: MusicgenBackend) -> None:
    rec_backend, model = recording(backend, window_s=1.0, context_s=0.4)
    section = rec_backend.generate(PLAN, PLAN.sections[0])
    assert section.audio.shape == (2 * SR, 2)
    chunks = plan_chunks(100, first_prompt=0, context=20, window=50, codebooks=4)
    assert chunks == (Chunk(0, 46, 4), Chunk(20, 26, 4), Chunk(20, 26, 4), Chunk(20, 4, 4))
    assert [c["max_new_tokens"] for c in model.calls] == [c.steps for c in chunks]
    # Each window is primed with the last 20 frames of the audio before it.
    new = [out[:, c.prompt * TINY_HOP :] for out, c in zip(model.outputs, chunks, strict=True)]
    joined = np.concatenate(new, axis=1)
    for k, call in enumerate(model.calls[1:], start=1):
        end = sum(c.new for c in chunks[:k]) * TINY_HOP
        expected = joined[0, end - 20 * TINY_HOP : end]
        assert np.allclose(call["input_values"][0, 0].numpy(), expected, atol=1e-6)
    assert np.array_equal(section.audio, to_output(joined, TINY_RATE, SR, 2 * SR))


def test_stereo_checkpoint(tmp_path: Path, first: SectionAudio) -> None:
    ckpt = build_tiny_checkpoint(tmp_path / "stereo", channels=2)
    stereo = load_backend("musicgen", BackendConfig(checkpoint_dir=ckpt))
    assert isinstance(stereo, MusicgenBackend) and stereo.channels == 2
    rec_backend, model = recording(stereo, context_s=0.5)
    section = rec_backend.generate(PLAN, PLAN.sections[1], previous=first)
    assert model.calls[0]["input_values"].shape == (1, 2, 25 * TINY_HOP)
    assert section.audio.shape == (2 * SR, 2) and np.isfinite(section.audio).all()


# --- progress and cancelling -----------------------------------------------------------------


def test_progress_is_reported_per_step(backend: MusicgenBackend) -> None:
    calls: list[tuple[float, str]] = []
    backend.generate(PLAN, PLAN.sections[0], progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and calls[-1] == (1.0, "done")
    assert max(fractions[:-1]) < 1.0  # 1.0 only once the audio is ready
    assert {m for _, m in calls} == {"preparing", "generating", "done"}
    assert len(calls) > 50  # per decoder step, not just start and end


class CancelledByTestError(Exception):
    pass


def test_an_exception_from_progress_cancels(backend: MusicgenBackend, first: SectionAudio) -> None:
    calls = 0

    def cancel_soon(fraction: float, message: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 20:  # in the middle of generation, with the attention cache filled
            raise CancelledByTestError()

    with pytest.raises(CancelledByTestError):
        backend.generate(PLAN, PLAN.sections[0], progress=cancel_soon)
    assert calls == 20
    assert np.array_equal(backend.generate(PLAN, PLAN.sections[0]).audio, first.audio)


# --- a real worker process ------------------------------------------------------------------


section_job = functools.partial(job, backend="musicgen", plan=PLAN)


def test_sections_continue_across_jobs_in_a_worker(checkpoint: Path, tmp_path: Path) -> None:
    worker = Worker(checkpoint, tmp_path / "clips", backend="musicgen")
    try:
        ready = worker.read()
        assert isinstance(ready, Ready) and ready.backend == "musicgen"
        progress, first = worker.run(section_job("m1", 0))
        assert first.sample_rate == SR and first.body_frames == 2 * SR
        assert any("generating" in p.progress.message for p in progress)
        assert ATTRIBUTION in first.notes and first.state_path is None
        _, second = worker.run(section_job("m2", 1, previous=first.as_stored_section()))
        _, alone = worker.run(section_job("m3", 1))
        assert second.body_frames == alone.body_frames == 2 * SR
        continued, _ = sf.read(second.stem_path, dtype="float32")
        fresh, _ = sf.read(alone.stem_path, dtype="float32")
        assert continued.shape == fresh.shape and not np.allclose(continued, fresh, atol=1e-3)
    finally:
        worker.close()
    assert worker.proc.wait(timeout=30) == 0

"""The Jukebox backend end to end on tiny random checkpoints: load, sample, continue, upsample."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("transformers")

from models.base import (
    BackendConfig,
    BackendError,
    CheckpointMissing,
    SectionAudio,
    UnsupportedRequest,
)
from models.factory import load_backend
from models.jukebox.backend import ATTRIBUTION, JukeboxBackend
from models.jukebox.configs import TINY_LYRICS
from models.jukebox.state import JukeboxState
from tests.jukebox_tiny import build_tiny_checkpoint, make_plan

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("one_torch_thread")]
PLAN = make_plan(style="jazz", mood="funky", prompt="in the style of Miles Davis, smoky")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_checkpoint(tmp_path_factory.mktemp("jukebox") / "tiny")


@pytest.fixture(scope="module")
def backend(checkpoint: Path) -> JukeboxBackend:
    loaded = load_backend("jukebox", BackendConfig(checkpoint_dir=checkpoint, device="cpu"))
    assert isinstance(loaded, JukeboxBackend)
    return loaded


@pytest.fixture(scope="module")
def first(backend: JukeboxBackend) -> SectionAudio:
    return backend.generate(PLAN, PLAN.sections[0])


def state_of(section: SectionAudio) -> JukeboxState:
    assert section.state is not None
    return JukeboxState.from_bytes(section.state)


def with_history(section: SectionAudio, history: np.ndarray[Any, Any]) -> SectionAudio:
    state = state_of(section)
    top = history[len(history) - len(state.levels[0]) :].astype(np.int32)
    levels = (top, *state.levels[1:])
    changed = dataclasses.replace(state, history=history.astype(np.int32), levels=levels)
    return dataclasses.replace(section, state=changed.to_bytes())


# --- loading -------------------------------------------------------------------------------


def test_missing_checkpoint_names_what_to_put_where(tmp_path: Path) -> None:
    with pytest.raises(CheckpointMissing, match="needs a checkpoint directory"):
        load_backend("jukebox", BackendConfig(checkpoint_dir=None))
    with pytest.raises(
        CheckpointMissing, match=r"does not exist.*config\.json.*pytorch_model\.bin"
    ):
        load_backend("jukebox", BackendConfig(checkpoint_dir=tmp_path / "nowhere"))
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "artists.json").write_text("{}")
    with pytest.raises(CheckpointMissing) as info:
        load_backend("jukebox", BackendConfig(checkpoint_dir=tmp_path))
    message = str(info.value)
    assert "missing genres.json, lyrics.json, pytorch_model.bin" in message
    assert str(tmp_path) in message and "docs/jukebox.md" in message


def test_cuda_without_a_gpu_is_a_clear_error(checkpoint: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(BackendError, match="CUDA is not available"):
        load_backend("jukebox", BackendConfig(checkpoint_dir=checkpoint, device="cuda"))


def test_backend_identity(backend: JukeboxBackend) -> None:
    import torch

    assert backend.name == "jukebox" and backend.needs_previous
    assert backend.sample_rate == 4000  # the checkpoint's VQ-VAE rate, not BackendConfig's
    assert backend.loaded.prior_dtype == torch.float32  # half precision is for CUDA only


# --- first section ------------------------------------------------------------------------


def test_first_section_is_sampled_ancestrally(first: SectionAudio) -> None:
    state = state_of(first)
    n = 62  # 2 bars at 240 bpm = 2 s = 8000 samples ≈ 62.5 tokens of 128 samples
    assert state.source == "ancestral" and state.start_token == 0
    assert [len(lv) for lv in state.levels] == [n]  # preview: top level only
    assert state.extra["context_tokens"] == 0
    assert first.sample_rate == 4000
    assert first.audio.dtype == np.float32 and first.audio.shape == (n * 128, 2)
    assert first.body_frames == n * 128 and first.tail_frames == 0
    assert np.array_equal(first.audio[:, 0], first.audio[:, 1])  # mono duplicated
    assert np.isfinite(first.audio).all() and np.abs(first.audio).max() > 0
    assert state.conditioning.genres == ("jazz", "funk")
    assert state.conditioning.artist == "miles davis"
    assert "Jukebox has no artist or genre for 'smoky'; those words were ignored" in first.notes
    assert first.notes[0] == ATTRIBUTION  # OpenAI's licence asks for it


def test_same_plan_same_tokens_other_seed_other_tokens(
    backend: JukeboxBackend, first: SectionAudio
) -> None:
    again = backend.generate(PLAN, PLAN.sections[0])
    assert again.state == first.state and np.array_equal(again.audio, first.audio)
    reseeded = dataclasses.replace(PLAN, seed=PLAN.seed + 1)
    other = backend.generate(reseeded, reseeded.sections[0])
    assert not np.array_equal(state_of(other).levels[0], state_of(first).levels[0])


# --- continuation -------------------------------------------------------------------------


def test_second_section_continues_from_the_stored_tokens(
    backend: JukeboxBackend, first: SectionAudio
) -> None:
    second = backend.generate(PLAN, PLAN.sections[1], previous=first)
    prev, cont = state_of(first), state_of(second)
    assert cont.source == "tokens" and cont.start_token == prev.end_token == 62
    c = int(cont.extra["context_tokens"])
    assert c == 24  # one window (32) less one hop (8)
    # The context it sampled from is exactly the end of the stored tokens...
    assert np.array_equal(cont.history[:c], prev.history[-c:])
    assert np.array_equal(cont.history[c:], cont.levels[0])
    assert cont.conditioning == prev.conditioning
    assert second.audio.shape == (len(cont.levels[0]) * 128, 2)
    # ...and is deterministic given that context.
    again = backend.generate(PLAN, PLAN.sections[1], previous=first)
    assert np.array_equal(state_of(again).levels[0], cont.levels[0])


def test_new_tokens_are_conditioned_on_the_context(
    backend: JukeboxBackend, first: SectionAudio
) -> None:
    base = state_of(backend.generate(PLAN, PLAN.sections[1], previous=first)).levels[0]
    history = state_of(first).history.copy()
    history[-3:] = (history[-3:] + 17) % 64  # change only the last three context tokens
    changed = backend.generate(PLAN, PLAN.sections[1], previous=with_history(first, history))
    new = state_of(changed)
    assert np.array_equal(new.history[: int(new.extra["context_tokens"])], history[-24:])
    assert not np.array_equal(new.levels[0], base)  # same seed, other context


def test_without_state_the_previous_audio_is_reencoded(
    backend: JukeboxBackend, first: SectionAudio
) -> None:
    no_state = dataclasses.replace(first, state=None)
    second = backend.generate(PLAN, PLAN.sections[1], previous=no_state)
    state = state_of(second)
    assert state.source == "audio" and state.extra["context_tokens"] == 24
    assert any("continues from its re-encoded audio" in n for n in second.notes)
    # Audio at another rate (e.g. from the embedded composer) is resampled first.
    resampled = SectionAudio(
        audio=np.zeros((24000, 2), dtype=np.float32), sample_rate=48000, body_frames=24000
    )
    third = backend.generate(PLAN, PLAN.sections[1], previous=resampled)
    assert state_of(third).source == "audio"


def test_state_from_another_checkpoint_falls_back_to_audio(
    backend: JukeboxBackend, first: SectionAudio
) -> None:
    foreign = dataclasses.replace(state_of(first), checkpoint_id="someone-else")
    second = backend.generate(
        PLAN, PLAN.sections[1], previous=dataclasses.replace(first, state=foreign.to_bytes())
    )
    assert state_of(second).source == "audio"
    assert any("another Jukebox checkpoint" in n for n in second.notes)


# --- quality -------------------------------------------------------------------------------


def test_full_quality_upsamples_and_matches_refining_the_preview(
    backend: JukeboxBackend, first: SectionAudio
) -> None:
    full = backend.generate(PLAN, PLAN.sections[0], quality="full")
    state = state_of(full)
    n = len(state.levels[0])
    assert [len(lv) for lv in state.levels] == [n, 2 * n, 4 * n]
    assert np.array_equal(state.levels[0], state_of(first).levels[0])  # same seed, same top
    assert full.audio.shape == first.audio.shape and full.body_frames == first.body_frames
    assert not np.array_equal(full.audio, first.audio)  # decoded from the finest level instead
    refined = backend.generate(PLAN, PLAN.sections[0], quality="full", refine=first)
    assert refined.state is not None
    assert all(
        np.array_equal(a, b) for a, b in zip(state_of(refined).levels, state.levels, strict=True)
    )
    assert np.array_equal(refined.audio, full.audio)


def test_full_continuation_uses_lower_level_context(backend: JukeboxBackend) -> None:
    full = backend.generate(PLAN, PLAN.sections[0], quality="full")
    second = backend.generate(PLAN, PLAN.sections[1], previous=full, quality="full")
    cont = state_of(second)
    s = int(cont.extra["lower_context_tokens"])
    assert s == 4  # the bottom upsampler keeps (32 - 16) // 4 top tokens of context
    assert cont.source == "tokens" and len(cont.levels) == 3
    assert second.audio.shape == (len(cont.levels[0]) * 128, 2)


def test_refining_another_section_is_refused(backend: JukeboxBackend, first: SectionAudio) -> None:
    with pytest.raises(UnsupportedRequest, match="different section"):
        backend.generate(PLAN, PLAN.sections[1], quality="full", refine=first)
    with pytest.raises(UnsupportedRequest, match="quality"):
        backend.generate(PLAN, PLAN.sections[0], quality="ultra")


# --- progress and cancellation ---------------------------------------------------------------


def test_progress_is_reported_per_window_and_level(backend: JukeboxBackend) -> None:
    calls: list[tuple[float, str]] = []
    backend.generate(
        PLAN, PLAN.sections[0], quality="full", progress=lambda f, m: calls.append((f, m))
    )
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    labels = {m for _, m in calls}
    assert "top level window 1/5" in labels
    assert any(m.startswith("upsampling level 1 window") for m in labels)
    assert any(m.startswith("upsampling level 2 window") for m in labels)
    assert "decoding" in labels
    assert len(calls) > 20  # token-level progress, not just per window


class CancelledByTestError(Exception):
    pass


def test_an_exception_from_progress_cancels_and_leaves_the_model_clean(
    backend: JukeboxBackend, first: SectionAudio
) -> None:
    calls = 0

    def cancel_soon(fraction: float, message: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 15:  # in the middle of a window, with the attention cache filled
            raise CancelledByTestError()

    with pytest.raises(CancelledByTestError):
        backend.generate(PLAN, PLAN.sections[0], progress=cancel_soon)
    assert calls == 15
    again = backend.generate(PLAN, PLAN.sections[0])
    assert again.state == first.state  # no stale cache leaked into the next job


# --- a 1B-style top prior (lyrics merged into the context) -----------------------------------


def test_encoder_decoder_top_prior(tmp_path: Path) -> None:
    ckpt = build_tiny_checkpoint(tmp_path / "lyrics", TINY_LYRICS)
    backend = load_backend("jukebox", BackendConfig(checkpoint_dir=ckpt))
    plan = make_plan(style="lofi")
    one = backend.generate(plan, plan.sections[0])
    two = backend.generate(plan, plan.sections[1], previous=one, quality="full")
    c = int(state_of(two).extra["context_tokens"])
    assert np.array_equal(state_of(two).history[:c], state_of(one).history[-c:])
    assert two.audio.shape == (len(state_of(two).levels[0]) * 128, 2)


def test_continuing_another_songs_clip_from_its_start(
    backend: JukeboxBackend, first: SectionAudio
) -> None:
    # A jam session: a new plan whose first section continues someone else's clip.
    other = make_plan(style="hiphop", seed=11, bars=(2,))
    section = backend.generate(other, other.sections[0], previous=first)
    state = state_of(section)
    assert state.source == "tokens" and state.start_token == 0
    c = int(state.extra["context_tokens"])
    assert c == 24 and np.array_equal(state.history[:c], state_of(first).history[-c:])
    assert state.extra["label_total_samples"] >= (c + len(state.levels[0])) * 128


def test_refining_a_preview_made_without_context(backend: JukeboxBackend) -> None:
    full = backend.generate(PLAN, PLAN.sections[0], quality="full")
    alone = backend.generate(PLAN, PLAN.sections[1])  # a preview of section 2 on its own
    refined = backend.generate(PLAN, PLAN.sections[1], previous=full, refine=alone, quality="full")
    state = state_of(refined)
    assert np.array_equal(state.levels[0], state_of(alone).levels[0])
    assert state.extra["lower_context_tokens"] == 0  # nothing known before it at the top level
    assert [len(lv) for lv in state.levels] == [len(state.levels[0]) * k for k in (1, 2, 4)]

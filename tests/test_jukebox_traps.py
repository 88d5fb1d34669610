"""transformers' Jukebox traps (see /work/shared/notes/neural-backends.md), each shown on the
upstream code and fixed in ours.  Tiny random models on CPU."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch

from models.base import BackendConfig
from models.factory import load_backend
from models.jukebox import sampling
from models.jukebox.configs import TINY, TINY_LYRICS, build_config, transformers_module
from models.jukebox.labels import Conditioning
from models.jukebox.state import JukeboxState
from tests.jukebox_tiny import build_tiny_checkpoint, build_tiny_model, make_plan

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("one_torch_thread")]
CPU = torch.device("cpu")
COND = Conditioning("unknown", ("jazz",), (0, 0, 0), ((1,), (1,), (1,)))


@pytest.fixture(scope="module")
def model() -> Any:
    return build_tiny_model()


@pytest.fixture(scope="module")
def labels(model: Any) -> list[Any]:
    return sampling.build_labels(COND, model, CPU)


def ids(n: int, seed: int = 0) -> Any:
    return torch.randint(0, 64, (1, n), generator=torch.Generator().manual_seed(seed))


# --- trap 1: uninitialised weights -------------------------------------------------------------


def test_trap1_the_constructor_leaves_weights_uninitialised() -> None:
    hf = transformers_module()
    deterministic: Any = torch.utils.deterministic
    torch.use_deterministic_algorithms(True)
    fill = deterministic.fill_uninitialized_memory
    deterministic.fill_uninitialized_memory = True  # torch.empty → NaN
    try:
        raw = hf.JukeboxModel(build_config(TINY))
        initialised = build_tiny_model()
    finally:
        torch.use_deterministic_algorithms(False)
        deterministic.fill_uninitialized_memory = fill
    assert any(not torch.isfinite(p).all() for p in raw.parameters())  # the trap
    assert all(torch.isfinite(p).all() for p in initialised.parameters())  # our builder


# --- trap 2: safetensors and tied weights -----------------------------------------------------


def test_trap2_safetensors_refuses_tied_weights_bin_reloads_exactly(tmp_path: Path) -> None:
    model = build_tiny_model()
    with pytest.raises(RuntimeError, match="shared tensors"):
        model.save_pretrained(str(tmp_path / "st"))
    ckpt = build_tiny_checkpoint(tmp_path / "bin")
    assert (ckpt / "pytorch_model.bin").is_file()
    backend: Any = load_backend("jukebox", BackendConfig(checkpoint_dir=ckpt))
    loaded = backend.loaded.model.state_dict()
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded[name], tensor), name


# --- trap 4: upsampler conditioning slice -----------------------------------------------------


def test_trap4_upstream_conditions_every_window_on_the_whole_upper_level(model: Any) -> None:
    top = ids(60)
    mid_prior = model.priors[1]  # n_ctx 32, cond_downsample 2: a window lies over 16 top tokens
    upstream = mid_prior.get_music_tokens_conds([top, ids(0), ids(0)], 32, 64)
    assert upstream[0].shape[1] == 60  # the trap: the computed slice is discarded
    ours = sampling.window_conditioning(mid_prior, top, 32, 64)
    assert torch.equal(ours[0], top[:, 16:32])
    short = sampling.window_conditioning(mid_prior, top[:, :10], 0, 32)
    assert short[0].shape == (1, 16) and torch.equal(short[0][:, :10], top[:, :10])
    assert not short[0][:, 10:].any()


def test_trap4_fixed_a_window_depends_only_on_the_tokens_above_it(
    model: Any, labels: list[Any]
) -> None:
    top = ids(40, seed=1)
    changed = top.clone()
    changed[:, 16:] = ids(24, seed=9)  # everything after the first window's 16 top tokens
    later_differ = []
    for seed in range(4):
        runs = []
        for upper in (top, changed):
            with sampling.seeded(seed, CPU):
                runs.append(
                    sampling.sample_level(
                        model, 1, ids(0), 80, labels=labels[1], offset=0, total_samples=20000,
                        hop=16, upper=upper,
                    )
                )  # fmt: skip
        assert torch.equal(runs[0][:, :32], runs[1][:, :32])  # the first window: same conditioning
        later_differ.append(not torch.equal(runs[0], runs[1]))
    assert any(later_differ)  # later windows see the change


# --- trap 5: short continuation ----------------------------------------------------------------


def test_trap5_short_continuation_samples_exactly_the_missing_tokens(
    model: Any, labels: list[Any]
) -> None:
    context = ids(16, seed=2)
    model.total_length = 20000
    kwargs = {"temp": 0.98, "chunk_size": 32, "sample_tokens": None}
    upstream = model.sample_level([context, ids(0), ids(0)], labels[0], 0, kwargs, 0, 24, 8, 1)
    assert upstream[0].shape[1] == 40  # the trap: the total (24) is read as 24 *new* tokens
    with sampling.seeded(0, CPU):
        ours = sampling.sample_level(
            model, 0, context, 24, labels=labels[0], offset=0, total_samples=20000, hop=8
        )
    assert ours.shape == (1, 24) and torch.equal(ours[:, :16], context)


# --- trap 6: decoding a level --------------------------------------------------------------------


def test_trap6_each_level_decodes_with_its_own_codebook(model: Any) -> None:
    top, mid, bottom = ids(10), ids(20), ids(40)
    upstream = model.decode([top, mid, bottom])  # as the docstring shows
    assert upstream.shape[1] == 10 * 32  # the trap: top tokens through the finest decoder
    audio = sampling.decode_tokens(model, top, 0)
    assert audio.shape == (10 * 128,) and audio.dtype == np.float32
    expected = model.vqvae.decode([top], start_level=2, end_level=3)[0, :, 0].clamp(-1, 1)
    assert np.allclose(audio, expected.detach().numpy())
    assert sampling.decode_tokens(model, bottom, 2).shape == (40 * 32,)


def test_encoding_round_trips_the_token_grid(model: Any) -> None:
    audio = sampling.decode_tokens(model, ids(8), 0)
    encoded = sampling.encode_audio(model, audio, CPU)
    assert [t.shape[1] for t in encoded] == [8, 16, 32]


# --- trap 7: min_duration ------------------------------------------------------------------------


def test_trap7_songs_shorter_than_min_duration(tmp_path: Path) -> None:
    ckpt = build_tiny_checkpoint(tmp_path / "min", min_duration=5.0)
    backend: Any = load_backend("jukebox", BackendConfig(checkpoint_dir=ckpt))
    model = backend.loaded.model
    labels = sampling.build_labels(COND, model, CPU)
    prior = model.priors[0]
    with pytest.raises(TypeError, match="Range"):  # the trap: a 4 s song, trained from 5 s
        prior.get_cond(None, prior.get_metadata(labels[0], 0, 16000, 0))
    plan = make_plan()  # 2 + 2 bars at 240 bpm = 4 s
    section = backend.generate(plan, plan.sections[0])
    state = JukeboxState.from_bytes(section.state)
    assert state.extra["song_samples"] == 16000
    assert state.extra["label_total_samples"] == 20000  # labelled as the shortest trained song


# --- trap 8: JukeboxConfig.from_configs -----------------------------------------------------------


def test_trap8_from_configs_drops_the_vqvae_config() -> None:
    hf = transformers_module()
    priors = [hf.JukeboxPriorConfig(**p) for p in TINY["prior_config_list"]]
    via_from_configs = hf.JukeboxConfig.from_configs(
        priors, hf.JukeboxVQVAEConfig(**TINY["vqvae_config"])
    )
    assert via_from_configs.vqvae_config.nb_discrete_codes == 2048  # the trap: defaults
    assert build_config(TINY).vqvae_config.nb_discrete_codes == 64


# --- the causal mask and the attention cache -----------------------------------------------------


def test_loading_enforces_the_causal_mask(tmp_path: Path) -> None:
    ckpt = build_tiny_checkpoint(tmp_path / "nomask")
    config = json.loads((ckpt / "config.json").read_text())
    for prior in config["prior_config_list"]:
        prior["mask"] = False
    (ckpt / "config.json").write_text(json.dumps(config))
    backend: Any = load_backend("jukebox", BackendConfig(checkpoint_dir=ckpt))
    for prior in backend.loaded.model.priors:
        assert all(block.attn.mask for block in prior.prior.transformer._attn_mods)


@pytest.mark.parametrize("spec", [TINY, TINY_LYRICS], ids=["separate", "encoder-decoder"])
def test_cached_and_uncached_sampling_agree(spec: dict[str, Any]) -> None:
    model = build_tiny_model(spec)
    labels = sampling.build_labels(COND, model, CPU)
    context = ids(10, seed=4)
    top = []
    for cache in (True, False):
        with sampling.seeded(5, CPU):
            top.append(
                sampling.sample_level(
                    model, 0, context, 44, labels=labels[0], offset=3, total_samples=20000,
                    hop=8, use_cache=cache,
                )
            )  # fmt: skip
    assert torch.equal(top[0], top[1])
    mid = []
    for cache in (True, False):
        with sampling.seeded(6, CPU):
            mid.append(
                sampling.sample_level(
                    model, 1, ids(0), 48, labels=labels[1], offset=0, total_samples=20000,
                    hop=16, upper=top[0], use_cache=cache,
                )
            )  # fmt: skip
    assert torch.equal(mid[0], mid[1])

"""Jukebox architectures as plain dicts, and the one way we turn them into a ``JukeboxConfig``.

Shapes follow OpenAI's published hyper-parameters (``jukebox/hparams.py``) mapped onto
transformers' names; levels are numbered top first, as in ``JukeboxModel.priors``.  ``TINY`` is a
few-thousand-parameter model with the same structure, for tests and the CPU benchmark mode.

Always build with :func:`build_config` (``JukeboxConfig(vqvae_config=..., prior_config_list=...)``):
``JukeboxConfig.from_configs`` silently ignores the VQ-VAE config it is given.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Mapping
from typing import Any

__all__ = [
    "JUKEBOX_1B",
    "JUKEBOX_5B",
    "SPECS",
    "TINY",
    "TINY_LYRICS",
    "build_config",
    "transformers_module",
]

_VQVAE_REAL: dict[str, Any] = {
    "levels": 3,
    "embed_dim": 64,
    "nb_discrete_codes": 2048,
    "res_conv_width": 32,
    "res_conv_depth": 4,
    "multipliers": [2, 1, 1],
    "res_downs_t": [3, 2, 2],
    "res_strides_t": [2, 2, 2],
    "res_dilation_growth_rate": 3,
    "hop_fraction": [0.125, 0.5, 0.5],
    "sample_length": 1058304,
    "commit": 0.02,
    "lmu": 0.99,
}


def _upsampler(level: int) -> dict[str, Any]:
    return {
        "level": level,
        "hidden_size": 1920,
        "num_layers": 72,
        "n_heads": 1,
        "attention_pattern": "raw_column_previous_row_attention",
        "blocks": 128,
        "n_ctx": 8192,
        "init_scale": 0.4,
        "music_vocab_size": 2048,
        "res_conv_width": 1024,
        "res_conv_depth": 16,
        "res_dilation_growth_rate": 3,
        "res_dilation_cycle": 8,
        "conv_res_scale": level == 1,
        "res_downs_t": [3, 2, 2],
        "res_strides_t": [2, 2, 2],
        "is_encoder_decoder": False,
        "merged_decoder": False,
        "nb_relevant_lyric_tokens": 0,
        "metadata_dims": [120, 4111],
        "mask": True,
    }


#: OpenAI ``5b_lyrics``: separate lyric encoder, 79-layer top prior of width 4800.
JUKEBOX_5B: dict[str, Any] = {
    "vqvae_config": _VQVAE_REAL,
    "prior_config_list": [
        {
            "level": 0,
            "hidden_size": 4800,
            "num_layers": 79,
            "n_heads": 8,
            "attention_pattern": "large_separated_enc_dec_w_lyrics",
            "blocks": 128,
            "n_ctx": 8192,
            "init_scale": 0.1,
            "music_vocab_size": 2048,
            "is_encoder_decoder": False,
            "merged_decoder": True,
            "nb_relevant_lyric_tokens": 512,
            "lyric_vocab_size": 80,
            "metadata_dims": [120, 4111],
            "res_downs_t": [3, 2, 2],
            "res_strides_t": [2, 2, 2],
            "mask": True,
            "encoder_config": {
                "hidden_size": 1280,
                "num_layers": 18,
                "n_heads": 4,
                "attention_pattern": "raw_column_previous_row_attention",
                "blocks": 32,
                "n_ctx": 512,
                "init_scale": 0.7,
                "nb_relevant_lyric_tokens": 512,
                "lyric_vocab_size": 80,
                "is_encoder_decoder": False,
                "mask": True,
            },
        },
        _upsampler(1),
        _upsampler(2),
    ],
    "sampling_rate": 44100,
    "timing_dims": 128,
    "min_duration": 23.8,
    "max_duration": 600.0,
    "max_nb_genres": 5,
}

#: OpenAI ``1b_lyrics``: one encoder-decoder top prior (lyrics merged into its context).
JUKEBOX_1B: dict[str, Any] = {
    "vqvae_config": _VQVAE_REAL,
    "prior_config_list": [
        {
            "level": 0,
            "hidden_size": 2048,
            "num_layers": 72,
            "n_heads": 2,
            "attention_pattern": "enc_dec_with_lyrics",
            "blocks": 64,
            "n_ctx": 6144,
            "init_scale": 0.2,
            "music_vocab_size": 2048,
            "is_encoder_decoder": True,
            "nb_relevant_lyric_tokens": 384,
            "lyric_vocab_size": 80,
            "metadata_dims": [604, 7898],
            "res_downs_t": [3, 2, 2],
            "res_strides_t": [2, 2, 2],
            "mask": True,
        },
        _upsampler(1),
        _upsampler(2),
    ],
    "sampling_rate": 44100,
    "timing_dims": 64,
    "min_duration": 17.84,
    "max_duration": 600.0,
    "max_nb_genres": 5,
}


def _tiny_prior(level: int, *, lyrics: bool = False) -> dict[str, Any]:
    prior: dict[str, Any] = {
        "level": level,
        "hidden_size": 32,
        "num_layers": 2,
        "n_heads": 2,
        "attention_pattern": "raw_column_previous_row_attention",
        "blocks": 4,
        "n_ctx": 32,
        # Larger random weights than Jukebox's 0.1-0.7: a random model's next-token distribution
        # then depends visibly on its context and conditioning instead of being nearly uniform.
        # (The upsamplers tie input and output embeddings: larger scales make them repeat a token.)
        "init_scale": 10.0 if level == 0 else 2.0,
        "music_vocab_size": 64,
        "res_conv_width": 16,
        "res_conv_depth": 2,
        "res_dilation_growth_rate": 3,
        "res_downs_t": [5, 1, 1],
        "res_strides_t": [2, 2, 2],
        "is_encoder_decoder": False,
        "merged_decoder": level == 0,
        "nb_relevant_lyric_tokens": 0,
        "lyric_vocab_size": 80,
        "metadata_dims": [32, 8],
        "mask": True,
    }
    if lyrics:
        prior.update(
            attention_pattern="enc_dec_with_lyrics",
            is_encoder_decoder=True,
            merged_decoder=True,
            nb_relevant_lyric_tokens=8,
        )
    return prior


#: A tiny model with Jukebox's structure: 3 levels, 128 samples per top token, n_ctx 32.
TINY: dict[str, Any] = {
    "vqvae_config": {
        "levels": 3,
        "embed_dim": 16,
        "nb_discrete_codes": 64,
        "res_conv_width": 8,
        "res_conv_depth": 1,
        "multipliers": [1, 1, 1],
        "res_downs_t": [5, 1, 1],
        "res_strides_t": [2, 2, 2],
        "res_dilation_growth_rate": 3,
        "hop_fraction": [0.25, 0.5, 0.5],
        "sample_length": 4096,
    },
    "prior_config_list": [_tiny_prior(0), _tiny_prior(1), _tiny_prior(2)],
    "sampling_rate": 4000,
    "timing_dims": 16,
    "min_duration": 0.0,
    "max_duration": 600.0,
    "max_nb_genres": 3,
}

#: ``TINY`` with a 1B-style encoder-decoder top prior that reads 8 lyric tokens.
TINY_LYRICS: dict[str, Any] = {
    **TINY,
    "prior_config_list": [_tiny_prior(0, lyrics=True), _tiny_prior(1), _tiny_prior(2)],
}

SPECS: Mapping[str, dict[str, Any]] = {
    "5b": JUKEBOX_5B,
    "1b": JUKEBOX_1B,
    "tiny": TINY,
    "tiny-lyrics": TINY_LYRICS,
}


def build_config(spec: Mapping[str, Any], **overrides: Any) -> Any:
    """A ``transformers.JukeboxConfig`` for ``spec`` (one of :data:`SPECS` or the same shape)."""
    kwargs = copy.deepcopy(dict(spec))
    kwargs.update(overrides)
    return transformers_module().JukeboxConfig(**kwargs)


def transformers_module() -> Any:
    """``transformers``, imported on first use (and kept out of static analysis: its Jukebox
    code is untyped, so every object from it is treated as ``Any``)."""
    return importlib.import_module("transformers")

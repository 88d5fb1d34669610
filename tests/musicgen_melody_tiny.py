"""Tiny random MusicGen-Melody checkpoints in the on-disk layout the backend loads (tests only).

The tiny MusicGen of :mod:`tests.musicgen_tiny` (T5, EnCodec at 8 kHz with 4 codebooks, the
offline tokenizer) with MusicGen-Melody's decoder, which reads a 12-bin chroma prefix.  The chroma
runs at 8 kHz too, with the real model's frame rate (7.8 frames/s: a 1024-sample hop) and prefix
length (235 frames = 30 s).  ``preprocessor_config.json`` is written as
``MusicgenMelodyProcessor.save_pretrained`` writes it: transformers' feature extractor itself needs
torchaudio, which this project does not install.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.musicgen.chroma import ChromaSettings
from models.musicgen.loading import transformers_module
from tests.musicgen_tiny import (
    build_tiny_tokenizer,
    calibrate_codebooks,
    set_tiny_generation_config,
    tiny_sub_configs,
)

__all__ = ["TINY_CHROMA", "build_tiny_melody_checkpoint", "build_tiny_melody_model"]

TINY_CHROMA = ChromaSettings(sampling_rate=8000, n_fft=2048, hop_length=1024)


def build_tiny_melody_model(*, vocab_size: int, seed: int = 0, channels: int = 1) -> Any:
    """A randomly initialised tiny ``MusicgenMelodyForConditionalGeneration``."""
    import torch

    hf = transformers_module()
    text, codec, decoder = tiny_sub_configs(vocab_size=vocab_size, channels=channels)
    # Chroma prefix (235) + text + prompt + new frames share the decoder's positions.
    decoder["max_position_embeddings"] = 1024
    config = hf.MusicgenMelodyConfig(
        text_encoder=text.to_dict(),
        audio_encoder=codec.to_dict(),
        decoder=hf.MusicgenMelodyDecoderConfig(**decoder).to_dict(),
        num_chroma=TINY_CHROMA.num_chroma,
        chroma_length=235,
    )
    torch.manual_seed(seed)
    model = hf.MusicgenMelodyForConditionalGeneration(config).eval()
    calibrate_codebooks(model)
    # Initialised at std 0.02, the chroma projection gives the decoder one-hot inputs a hundred
    # times weaker than the (layer-normed) text states, and the output heads give near-uniform
    # logits that no condition moves: the sampled codes would not depend on the condition at
    # all.  Trained weights are at these scales.
    with torch.no_grad():
        model.audio_enc_to_dec_proj.weight.normal_(0.0, 1.0)
        for head in model.decoder.lm_heads:
            head.weight.normal_(0.0, 0.5)
    set_tiny_generation_config(model)
    model.generation_config.top_k = 250
    return model


def preprocessor_config(settings: ChromaSettings) -> dict[str, Any]:
    """``preprocessor_config.json`` as ``MusicgenMelodyProcessor.save_pretrained`` writes it."""
    return {
        "chunk_length": settings.chunk_length_s,
        "feature_extractor_type": "MusicgenMelodyFeatureExtractor",
        "feature_size": settings.num_chroma,
        "hop_length": settings.hop_length,
        "n_fft": settings.n_fft,
        "num_chroma": settings.num_chroma,
        "padding_side": "right",
        "padding_value": 0.0,
        "processor_class": "MusicgenMelodyProcessor",
        "return_attention_mask": False,
        "sampling_rate": settings.sampling_rate,
        "stem_indices": [3, 2],
    }


def build_tiny_melody_checkpoint(directory: Path, *, seed: int = 0, channels: int = 1) -> Path:
    """Write a tiny checkpoint (model, tokenizer, feature extractor config) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tiny_tokenizer()
    model = build_tiny_melody_model(vocab_size=len(tokenizer), seed=seed, channels=channels)
    model.save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    text = json.dumps(preprocessor_config(TINY_CHROMA), indent=2)
    (directory / "preprocessor_config.json").write_text(text)
    return directory

"""Tiny random MusicGen checkpoints in the on-disk layout the backend loads (tests only).

MusicGen's real structure (T5 text encoder, EnCodec, a decoder over 4 delayed codebooks) with a
few thousand parameters: 8 kHz audio, 160 samples per EnCodec frame (50 frames per second, like
the real 32 kHz model), a 64-entry codebook.  The tokenizer is built offline: a ``tokenizers``
Unigram model over a small word list, wrapped in ``T5TokenizerFast``.  Random weights make noise,
which is all the tests need: they check lengths, seeding, priming and progress, not the music.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from models.musicgen.loading import transformers_module
from models.styles import STYLES

__all__ = [
    "TINY_CODEBOOK",
    "TINY_CODEBOOKS",
    "TINY_HOP",
    "TINY_RATE",
    "Recording",
    "build_tiny_checkpoint",
    "build_tiny_model",
    "build_tiny_processor",
    "build_tiny_tokenizer",
    "calibrate_codebooks",
    "set_tiny_generation_config",
    "tiny_sub_configs",
]

TINY_RATE = 8000
TINY_HOP = 160
TINY_CODEBOOK = 64
TINY_CODEBOOKS = 4
_SPECIAL = ("<pad>", "</s>", "<unk>")
_EXTRA_WORDS = (
    "intro verse chorus bridge climax outro calm sparse relaxed energetic intense full with bpm "
    "major minor a b c d e f g smoky funky chill rainy night saxophone piano"
)


def _words() -> list[str]:
    text = " ".join(s.description for s in STYLES.values()) + " " + _EXTRA_WORDS
    words = {w.strip(",.").lower() for w in text.split()}
    return sorted(w for w in words if w)


def build_tiny_tokenizer() -> Any:
    """A ``T5TokenizerFast`` made offline: ids 0/1/2 are pad, end of sequence and unknown."""
    tk: Any = importlib.import_module("tokenizers")  # untyped
    pieces = [(token, 0.0) for token in _SPECIAL]
    pieces += [(f"▁{w}", -1.0 - i / 1000) for i, w in enumerate(_words())]
    pieces += [(c, -10.0) for c in "▁abcdefghijklmnopqrstuvwxyz0123456789,.-#"]
    tokenizer = tk.Tokenizer(tk.models.Unigram(pieces, unk_id=2))
    tokenizer.normalizer = tk.normalizers.Lowercase()
    tokenizer.pre_tokenizer = tk.pre_tokenizers.Metaspace()
    tokenizer.decoder = tk.decoders.Metaspace()
    return transformers_module().T5TokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        extra_ids=0,
    )


def build_tiny_processor(*, channels: int = 1) -> Any:
    hf = transformers_module()
    features = hf.EncodecFeatureExtractor(
        feature_size=channels, sampling_rate=TINY_RATE, padding_value=0.0
    )
    return hf.MusicgenProcessor(feature_extractor=features, tokenizer=build_tiny_tokenizer())


def tiny_sub_configs(*, vocab_size: int, channels: int = 1) -> tuple[Any, Any, dict[str, Any]]:
    """The tiny T5 and EnCodec configs and the decoder's settings (shared with MusicGen-Melody,
    whose decoder config is another class)."""
    hf = transformers_module()
    text = hf.T5Config(
        vocab_size=vocab_size, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2,
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )  # fmt: skip
    # 1000 * 1.2 kbps // (50 frames/s * 6 bits) = 4 quantizers = the decoder's codebooks.
    codec = hf.EncodecConfig(
        sampling_rate=TINY_RATE, audio_channels=1, upsampling_ratios=[8, 5, 4],
        target_bandwidths=[1.2], codebook_size=TINY_CODEBOOK, codebook_dim=16, hidden_size=16,
        num_filters=4, num_residual_layers=1, num_lstm_layers=1, normalize=False,
    )  # fmt: skip
    assert codec.hop_length == TINY_HOP and codec.num_quantizers == TINY_CODEBOOKS
    start = TINY_CODEBOOK  # decoder start, pad and bos = the decoder vocabulary size
    decoder = dict(
        vocab_size=TINY_CODEBOOK, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
        ffn_dim=32, num_codebooks=TINY_CODEBOOKS * channels, audio_channels=channels,
        max_position_embeddings=512, pad_token_id=start, bos_token_id=start,
        decoder_start_token_id=start,
    )  # fmt: skip
    return text, codec, decoder


def build_tiny_model(*, vocab_size: int, seed: int = 0, channels: int = 1) -> Any:
    """A randomly initialised tiny ``MusicgenForConditionalGeneration``."""
    import torch

    hf = transformers_module()
    text, codec, decoder = tiny_sub_configs(vocab_size=vocab_size, channels=channels)
    config = hf.MusicgenConfig(
        text_encoder=text.to_dict(),
        audio_encoder=codec.to_dict(),
        decoder=hf.MusicgenDecoderConfig(**decoder).to_dict(),
    )
    torch.manual_seed(seed)
    model = hf.MusicgenForConditionalGeneration(config).eval()
    calibrate_codebooks(model)
    set_tiny_generation_config(model)
    return model


def set_tiny_generation_config(model: Any) -> None:
    start = TINY_CODEBOOK
    generation = model.generation_config
    generation.decoder_start_token_id = start
    generation.pad_token_id = start
    generation.bos_token_id = start
    generation.do_sample = True
    generation.guidance_scale = 3.0
    generation.top_k = 16
    generation.max_length = 500


def calibrate_codebooks(model: Any) -> None:
    """Spread EnCodec's codebooks over what its random encoder outputs.

    The codebooks are buffers that start as zeros (real ones come from the checkpoint): every code
    would decode to the same audio and every prompt would encode to code 0.  A random encoder's
    output barely moves with its input, so the first codebook is centred on its mean with the
    spread it has over time; later (residual) codebooks are centred on zero.
    """
    import torch

    generator = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        noise = torch.randn(4, 1, TINY_RATE, generator=generator) * 0.3
        hidden = model.audio_encoder.encoder(noise)  # (batch, dim, frames)
        frames = hidden.transpose(1, 2).reshape(-1, hidden.shape[1])
        centre, spread = frames.mean(dim=0), frames.std(dim=0).mean()
        for k, layer in enumerate(model.audio_encoder.quantizer.layers):
            codebook = layer.codebook
            embed = torch.randn(codebook.embed.shape, generator=generator) * spread
            codebook.embed.copy_(embed + centre if k == 0 else embed / 2)
            codebook.embed_avg.copy_(codebook.embed)


def build_tiny_checkpoint(directory: Path, *, seed: int = 0, channels: int = 1) -> Path:
    """Write a tiny checkpoint (model + processor) into ``directory``, as ``save_pretrained``
    writes a real one."""
    directory.mkdir(parents=True, exist_ok=True)
    processor = build_tiny_processor(channels=channels)
    model = build_tiny_model(vocab_size=len(processor.tokenizer), seed=seed, channels=channels)
    model.save_pretrained(str(directory))
    processor.save_pretrained(str(directory))
    return directory


class Recording:
    """A model wrapper for tests: the real model, with every ``generate()`` call's inputs and
    output kept."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.calls: list[dict[str, Any]] = []
        self.outputs: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def generate(self, **kwargs: Any) -> Any:
        self.calls.append({k: v for k, v in kwargs.items() if k != "streamer"})
        out = self.model.generate(**kwargs)
        self.outputs.append(out[0].numpy().copy())
        return out

"""Loading a MusicGen checkpoint from a local directory; nothing is ever downloaded.

Directory layout (``BackendConfig.checkpoint_dir``)::

    <checkpoint_dir>/
        config.json               MusicgenConfig (text encoder, EnCodec, decoder)
        generation_config.json    decoder start/pad ids, sampling defaults
        model.safetensors         weights (or model.safetensors.index.json + shards,
                                  or pytorch_model.bin, or pytorch_model.bin.index.json + shards)
        preprocessor_config.json  EncodecFeatureExtractor (sampling rate, channels)
        tokenizer.json            the T5 tokenizer (or spiece.model), with tokenizer_config.json
                                  and special_tokens_map.json

This is exactly what ``MusicgenForConditionalGeneration.save_pretrained(dir)`` plus
``MusicgenProcessor.save_pretrained(dir)`` write, and what a snapshot of a Hugging Face MusicGen
repository (e.g. ``facebook/musicgen-small``) contains.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from models.base import BackendError, CheckpointMissing

__all__ = [
    "CheckpointFiles",
    "LoadedMusicgen",
    "check_codec",
    "find_checkpoint",
    "load_checkpoint",
    "offline_transformers",
    "place_model",
    "resolve_device",
    "transformers_module",
]

log = logging.getLogger(__name__)

WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
TOKENIZER_FILES = ("tokenizer.json", "spiece.model")
REQUIRED_FILES = ("config.json", "generation_config.json", "preprocessor_config.json")
LAYOUT_HINT = (
    "put a MusicGen checkpoint there: config.json, generation_config.json and model.safetensors "
    "written by MusicgenForConditionalGeneration.save_pretrained(dir), plus "
    "preprocessor_config.json, tokenizer.json (or spiece.model) and tokenizer_config.json written "
    "by MusicgenProcessor.save_pretrained(dir), e.g. a copy of facebook/musicgen-small "
    "(see docs/musicgen.md)"
)


def transformers_module() -> Any:
    """``transformers``, imported on first use and kept out of static analysis (every object from
    it is treated as ``Any``)."""
    return importlib.import_module("transformers")


@dataclass(frozen=True, slots=True)
class CheckpointFiles:
    root: Path
    config: Path
    weights: Path
    tokenizer: Path


def find_checkpoint(
    checkpoint_dir: Path | None, *, label: str = "MusicGen", hint: str = LAYOUT_HINT
) -> CheckpointFiles:
    """Check the layout; :class:`CheckpointMissing` names exactly what is missing and where.
    ``label`` names the model and ``hint`` says what to put there (MusicGen-Melody has its own)."""
    if checkpoint_dir is None:
        raise CheckpointMissing(
            f"the {label} backend needs a checkpoint directory: set checkpoint_dir and {hint}"
        )
    root = Path(checkpoint_dir).expanduser()
    if not root.is_dir():
        raise CheckpointMissing(f"{label} checkpoint directory {root} does not exist; {hint}")
    missing = [name for name in REQUIRED_FILES if not (root / name).is_file()]
    weights = next((root / n for n in WEIGHT_FILES if (root / n).is_file()), None)
    if weights is None:
        missing.append("model.safetensors")
    tokenizer = next((root / n for n in TOKENIZER_FILES if (root / n).is_file()), None)
    if tokenizer is None:
        missing.append("tokenizer.json")
    if missing:
        names = ", ".join(missing)
        raise CheckpointMissing(
            f"{label} checkpoint in {root} is incomplete: missing {names}; {hint}"
        )
    assert weights is not None and tokenizer is not None
    return CheckpointFiles(
        root=root, config=root / "config.json", weights=weights, tokenizer=tokenizer
    )


@dataclass(frozen=True, slots=True)
class LoadedMusicgen:
    """A loaded ``MusicgenForConditionalGeneration`` and ``MusicgenProcessor`` (typed Any)."""

    model: Any
    processor: Any
    device: torch.device
    dtype: torch.dtype


def resolve_device(name: str) -> torch.device:
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError) as exc:
        raise BackendError(f"not a torch device: {name!r}") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise BackendError(
            f"device {name!r} was asked for but CUDA is not available here; use device 'cpu' "
            "(slow: several seconds of compute per second of audio) or a machine with a GPU"
        )
    if device.type not in ("cpu", "cuda"):
        raise BackendError(f"the MusicGen backend runs on 'cpu' or 'cuda', not {name!r}")
    return device


def check_consistency(model: Any, processor: Any) -> None:
    """Mismatches that would otherwise fail deep inside ``generate()``."""
    check_codec(model)
    codec = model.config.audio_encoder
    channels = int(model.config.decoder.audio_channels)
    rate = int(processor.feature_extractor.sampling_rate)
    if rate != int(codec.sampling_rate):
        raise BackendError(
            f"MusicGen checkpoint is inconsistent: preprocessor_config.json says {rate} Hz, "
            f"the audio encoder {codec.sampling_rate} Hz"
        )
    if int(processor.feature_extractor.feature_size) != channels:
        raise BackendError(
            "MusicGen checkpoint is inconsistent: preprocessor_config.json has "
            f"{processor.feature_extractor.feature_size} channel(s), the decoder {channels}"
        )


def check_codec(model: Any, label: str = "MusicGen") -> None:
    """EnCodec and the decoder agree on codebooks; generation can start."""
    codec, decoder = model.config.audio_encoder, model.config.decoder
    # Stereo checkpoints interleave one set of codebooks per channel.
    channels = int(decoder.audio_channels)
    if int(codec.num_quantizers) * channels != int(decoder.num_codebooks):
        raise BackendError(
            f"{label} checkpoint is inconsistent: EnCodec has {codec.num_quantizers} quantizers "
            f"but the decoder predicts {decoder.num_codebooks} codebooks for {channels} channel(s)"
        )
    if model.generation_config.decoder_start_token_id is None:
        raise BackendError(f"{label} generation_config.json has no decoder_start_token_id")


def place_model(
    model: Any, target: torch.device, *, half_precision: bool, label: str = "MusicGen"
) -> torch.dtype:
    """Evaluation mode on ``target``: float16 on CUDA with ``half_precision`` (EnCodec stays
    float32), float32 otherwise.  Returns the dtype of the text encoder and decoder."""
    model.eval()
    model.requires_grad_(False)
    use_half = half_precision and target.type == "cuda"
    if half_precision and target.type != "cuda":
        log.info("half precision is for CUDA only; %s runs in float32 on %s", label, target)
    dtype = torch.float16 if use_half else torch.float32
    model.to(device=target, dtype=dtype)
    model.audio_encoder.to(torch.float32)
    return dtype


def offline_transformers(device: str) -> tuple[Any, torch.device]:
    """``transformers`` set to load local files only (never download), and ``device`` checked."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    hf = transformers_module()
    hf.utils.logging.disable_progress_bar()
    return hf, resolve_device(device)


def load_checkpoint(
    files: CheckpointFiles, *, device: str = "cpu", half_precision: bool = True
) -> LoadedMusicgen:
    """Model and processor from ``files`` only (offline), on ``device``, ready for sampling.

    With ``half_precision`` on CUDA the text encoder and decoder run in float16; EnCodec always
    runs in float32 (it encodes the float32 audio prompt and is a small part of the cost).
    """
    hf, target = offline_transformers(device)
    root = str(files.root)
    try:
        processor = hf.MusicgenProcessor.from_pretrained(root, local_files_only=True)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise BackendError(f"MusicGen processor files in {root} are unreadable: {exc}") from exc
    try:
        model = hf.MusicgenForConditionalGeneration.from_pretrained(root, local_files_only=True)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise BackendError(f"MusicGen weights in {root} could not be loaded: {exc}") from exc
    check_consistency(model, processor)
    dtype = place_model(model, target, half_precision=half_precision)
    log.info(
        "loaded MusicGen from %s on %s (%d Hz, %d codebooks, %s)",
        root,
        target,
        int(model.config.audio_encoder.sampling_rate),
        int(model.config.decoder.num_codebooks),
        dtype,
    )
    return LoadedMusicgen(model=model, processor=processor, device=target, dtype=dtype)

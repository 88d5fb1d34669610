"""Loading a Jukebox checkpoint from a local directory; nothing is ever downloaded.

Directory layout (``BackendConfig.checkpoint_dir``)::

    <checkpoint_dir>/
        config.json               JukeboxConfig (JukeboxModel.save_pretrained)
        pytorch_model.bin         weights (or pytorch_model.bin.index.json + shards,
                                  or model.safetensors, or model.safetensors.index.json + shards)
        artists.json              JukeboxTokenizer vocab files (JukeboxTokenizer.save_pretrained)
        genres.json
        lyrics.json
        tokenizer_config.json     optional: the per-prior label versions (default v3, v2, v2)

This is exactly what ``JukeboxModel.save_pretrained(dir, safe_serialization=False)`` plus
``JukeboxTokenizer.save_pretrained(dir)`` write (safetensors cannot store the upsamplers' tied
weights, hence ``.bin``).
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from models.base import BackendError, CheckpointMissing
from models.jukebox.configs import transformers_module
from models.jukebox.labels import LabelVocab
from models.jukebox.timeline import TokenGeometry

__all__ = ["CheckpointFiles", "LoadedJukebox", "find_checkpoint", "load_checkpoint"]

log = logging.getLogger(__name__)

WEIGHT_FILES = (
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
    "model.safetensors",
    "model.safetensors.index.json",
)
VOCAB_FILES = ("artists.json", "genres.json", "lyrics.json")
LAYOUT_HINT = (
    "put a Jukebox checkpoint there: config.json and pytorch_model.bin written by "
    "JukeboxModel.save_pretrained(dir, safe_serialization=False), plus artists.json, genres.json "
    "and lyrics.json written by JukeboxTokenizer.save_pretrained(dir) (see docs/jukebox.md)"
)


@dataclass(frozen=True, slots=True)
class CheckpointFiles:
    root: Path
    config: Path
    weights: Path
    artists: Path
    genres: Path
    lyrics: Path
    tokenizer_config: Path | None


def find_checkpoint(checkpoint_dir: Path | None) -> CheckpointFiles:
    """Check the layout; :class:`CheckpointMissing` names exactly what is missing and where."""
    if checkpoint_dir is None:
        raise CheckpointMissing(
            "the Jukebox backend needs a checkpoint directory: set checkpoint_dir and "
            + LAYOUT_HINT
        )
    root = Path(checkpoint_dir).expanduser()
    if not root.is_dir():
        raise CheckpointMissing(
            f"Jukebox checkpoint directory {root} does not exist; {LAYOUT_HINT}"
        )
    missing = [name for name in ("config.json", *VOCAB_FILES) if not (root / name).is_file()]
    weights = next((root / n for n in WEIGHT_FILES if (root / n).is_file()), None)
    if weights is None:
        missing.append("pytorch_model.bin")
    if missing:
        names = ", ".join(missing)
        raise CheckpointMissing(
            f"Jukebox checkpoint in {root} is incomplete: missing {names}; {LAYOUT_HINT}"
        )
    assert weights is not None
    tokenizer_config = root / "tokenizer_config.json"
    return CheckpointFiles(
        root=root,
        config=root / "config.json",
        weights=weights,
        artists=root / "artists.json",
        genres=root / "genres.json",
        lyrics=root / "lyrics.json",
        tokenizer_config=tokenizer_config if tokenizer_config.is_file() else None,
    )


@dataclass(frozen=True, slots=True)
class LoadedJukebox:
    """A loaded model (``JukeboxModel``, typed Any) and what the backend derives from it."""

    model: Any
    vocab: LabelVocab
    geometry: TokenGeometry
    checkpoint_id: str
    device: torch.device
    prior_dtype: torch.dtype


def checkpoint_id(files: CheckpointFiles) -> str:
    """A short fingerprint of the config, vocabularies and weights (first MiB and size)."""
    digest = hashlib.sha256()
    for path in (files.config, files.artists, files.genres):
        digest.update(path.read_bytes())
    with files.weights.open("rb") as fh:
        digest.update(fh.read(1 << 20))
    digest.update(str(files.weights.stat().st_size).encode())
    return digest.hexdigest()[:16]


def resolve_device(name: str) -> torch.device:
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError) as exc:
        raise BackendError(f"not a torch device: {name!r}") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise BackendError(
            f"device {name!r} was asked for but CUDA is not available here; Jukebox needs a GPU "
            "for real checkpoints (use device 'cpu' only for tiny test models)"
        )
    if device.type not in ("cpu", "cuda"):
        raise BackendError(f"the Jukebox backend runs on 'cpu' or 'cuda', not {name!r}")
    return device


def geometry_of(model: Any) -> TokenGeometry:
    config = model.config
    priors = list(model.priors)
    hop_fraction = list(config.hop_fraction)
    return TokenGeometry(
        sample_rate=int(config.sampling_rate),
        raw_to_tokens=tuple(int(p.raw_to_tokens) for p in priors),
        n_ctx=tuple(int(p.n_ctx) for p in priors),
        hop=tuple(max(1, int(hop_fraction[i] * int(p.n_ctx))) for i, p in enumerate(priors)),
        min_duration_s=float(config.min_duration),
        max_duration_s=float(config.max_duration),
    )


def load_checkpoint(
    files: CheckpointFiles, *, device: str = "cpu", half_precision: bool = True
) -> LoadedJukebox:
    """Load model and vocabularies from ``files`` only (offline), ready for sampling."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    hf = transformers_module()
    hf.utils.logging.disable_progress_bar()  # transformers' per-token tqdm bars
    target = resolve_device(device)
    try:
        config = hf.JukeboxConfig.from_pretrained(str(files.root), local_files_only=True)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise BackendError(f"Jukebox config.json in {files.root} is unreadable: {exc}") from exc
    # Jukebox's transformers are causal; a config without the mask would prime context
    # non-causally (the prefix pass attends to later tokens).
    for prior_config in config.prior_configs:
        for cfg in (prior_config, prior_config.encoder_config):
            if cfg is not None and not cfg.mask:
                log.warning("enabling the causal attention mask missing from %s", files.config)
                cfg.mask = True
    try:
        model = hf.JukeboxModel.from_pretrained(
            str(files.root), config=config, local_files_only=True
        )
    except (OSError, ValueError, RuntimeError) as exc:
        raise BackendError(f"Jukebox weights in {files.root} could not be loaded: {exc}") from exc
    model.eval()
    model.requires_grad_(False)
    use_half = half_precision and target.type == "cuda"
    if half_precision and target.type != "cuda":
        log.info("half precision is for CUDA only; Jukebox runs in float32 on %s", target)
    model.to(target)
    prior_dtype = torch.float16 if use_half else torch.float32
    for prior in model.priors:
        prior.to(prior_dtype)
    model.vqvae.to(torch.float32)  # the VQ-VAE's encoder casts its input to float32
    geometry = geometry_of(model)
    max_genres = int(config.max_nb_genres)
    try:
        vocab = LabelVocab.from_files(
            files.artists,
            files.genres,
            files.tokenizer_config,
            n_priors=len(model.priors),
            max_genres=max_genres,
        )
    except (OSError, ValueError) as exc:
        raise BackendError(
            f"Jukebox vocabulary files in {files.root} are unreadable: {exc}"
        ) from exc
    log.info(
        "loaded Jukebox from %s on %s (%s priors, %d Hz, %s)",
        files.root,
        target,
        len(model.priors),
        geometry.sample_rate,
        prior_dtype,
    )
    return LoadedJukebox(
        model=model,
        vocab=vocab,
        geometry=geometry,
        checkpoint_id=checkpoint_id(files),
        device=target,
        prior_dtype=prior_dtype,
    )

"""Sampling, decoding and encoding on a loaded ``JukeboxModel``, with transformers' traps fixed.

We drive each prior window ourselves instead of ``JukeboxModel._sample``:

* trap 4: :func:`window_conditioning` gives an upsampler window the slice of the level above that
  lies under it (transformers' ``get_music_tokens_conds`` computes that slice and then returns the
  whole upper sequence, so every step attends over all of it: slow and wrong);
* trap 5: :func:`~models.jukebox.timeline.plan_windows` samples exactly the missing tokens of a
  short level (``sample_partial_window`` overshoots);
* trap 6: :func:`decode_tokens` decodes one level with that level's own codebook and decoder;
* trap 7: labels carry a total length within the trained range
  (:func:`~models.jukebox.timeline.label_total_samples`).

Progress is counted per sampled token through a forward hook on each prior's output projection;
an exception raised by the progress callback propagates out of the sampling loop (cancellation),
and the attention caches are cleared on the way out.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from models.base import ProgressCallback
from models.jukebox.labels import Conditioning
from models.jukebox.timeline import Window, plan_windows

__all__ = [
    "ProgressMeter",
    "build_labels",
    "count_new_tokens",
    "decode_tokens",
    "derive_seed",
    "encode_audio",
    "sample_level",
    "seeded",
    "window_conditioning",
]

log = logging.getLogger(__name__)


def derive_seed(seed: int, section_index: int, level: int) -> int:
    """A 63-bit seed for one level of one section, from the plan's seed."""
    digest = hashlib.sha256(f"jukebox:{seed}:{section_index}:{level}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & ((1 << 63) - 1)


@contextmanager
def seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch's generators for a block and restore the previous state afterwards."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class ProgressMeter:
    """Turns sampled tokens (and other work units) into ``progress(fraction, label)`` calls.

    Reports at most ~200 times over the whole job, plus on every stage change.
    """

    def __init__(self, callback: ProgressCallback | None, total_units: int) -> None:
        self._callback = callback
        self._total = max(1, total_units)
        self._done = 0
        self._label = ""
        self._last_step = -1

    @property
    def done(self) -> int:
        return self._done

    def stage(self, label: str) -> None:
        self._label = label
        self._report(force=True)

    def advance(self, units: int = 1) -> None:
        self._done += units
        self._report(force=False)

    def finish(self, label: str = "done") -> None:
        self._done = self._total
        self._label = label
        self._report(force=True)

    def _report(self, *, force: bool) -> None:
        if self._callback is None:
            return
        fraction = min(1.0, self._done / self._total)
        step = int(fraction * 200)
        if force or step != self._last_step:
            self._last_step = step
            self._callback(fraction, self._label)

    @contextmanager
    def counting(self, prior: Any) -> Iterator[None]:
        """Count one unit per token the prior samples (one output projection per token)."""

        def hook(_module: Any, _inputs: Any, _output: Any) -> None:
            self.advance(1)

        handle = prior.prior.fc_proj_out.register_forward_hook(hook)
        try:
            yield
        finally:
            handle.remove()


def build_labels(
    conditioning: Conditioning, model: Any, device: torch.device
) -> list[torch.Tensor]:
    """One label row per prior: ``[total, offset, length, artist, genres (-1 padded)]``.

    The first three are filled in per window by ``JukeboxPrior.get_metadata``; lyrics are empty.
    """
    labels = []
    for level, prior in enumerate(model.priors):
        slots = int(prior.metadata_embedding.max_nb_genres) if prior.metadata_conditioning else 0
        genres = list(conditioning.genre_ids[level])[:slots]
        row = [0, 0, 0, conditioning.artist_ids[level], *genres, *([-1] * (slots - len(genres)))]
        labels.append(torch.tensor([row], dtype=torch.long, device=device))
    return labels


def window_conditioning(
    prior: Any, upper: torch.Tensor, start: int, end: int
) -> list[torch.Tensor]:
    """The upper level's tokens under window ``[start, end)`` of an upsampler (trap 4 fix).

    Returns ``n_ctx // cond_downsample`` tokens; a window that runs past the end of the upper
    sequence (a level shorter than one context) is padded with token 0, as transformers does.
    """
    down = int(prior.cond_downsample)
    if start % down:
        raise ValueError(f"window start {start} is not on the upper level's grid ({down})")
    want = int(prior.n_ctx) // down
    piece = upper[:, start // down : end // down]
    if piece.shape[1] < want:
        pad = torch.zeros(
            piece.shape[0], want - piece.shape[1], dtype=piece.dtype, device=piece.device
        )
        piece = torch.cat([piece, pad], dim=1)
    return [piece.long()]


def _clear_caches(prior: Any) -> None:
    prior.prior.transformer.del_cache()
    encoder = getattr(prior, "encoder", None)
    if encoder is not None:
        encoder.transformer.del_cache()


def _sample_window_cached(
    prior: Any,
    context: torch.Tensor,
    *,
    window: Window,
    conds: list[torch.Tensor] | None,
    metadata: torch.Tensor,
    temperature: float,
    chunk_size: int,
) -> torch.Tensor:
    try:
        out: torch.Tensor = prior.sample(
            n_samples=1,
            music_tokens=context,
            music_tokens_conds=conds,
            metadata=metadata,
            temp=temperature,
            chunk_size=chunk_size,
            sample_tokens=window.end - window.start,
        )
    finally:
        _clear_caches(prior)
    if out.shape[1] != window.end - window.start:
        raise RuntimeError(f"prior returned {out.shape[1]} tokens for a {window} window")
    return out[:, window.have - window.start :]


def _draw(logits: torch.Tensor) -> torch.Tensor:
    """One token per row, drawn exactly as transformers' cached sampler draws it."""
    draw: torch.Tensor = torch.distributions.Categorical(logits=logits).sample()  # type: ignore[no-untyped-call]
    return draw


@torch.no_grad()
def _sample_window_uncached(
    prior: Any,
    context: torch.Tensor,
    *,
    window: Window,
    conds: list[torch.Tensor] | None,
    metadata: torch.Tensor,
    temperature: float,
) -> torch.Tensor:
    """The same window without the key/value cache: one full-context forward pass per token."""
    audio_cond, metadata_cond, lyric_tokens = prior.get_cond(conds, metadata)
    n_ctx = int(prior.n_ctx)
    first, last = window.have - window.start, window.end - window.start
    tokens = torch.zeros(1, n_ctx, dtype=torch.long, device=context.device)
    tokens[:, :first] = context
    if not prior.is_encoder_decoder:
        encoder_states = prior.get_encoder_states(lyric_tokens, sample=True)
        for t in range(first, last):
            _, preds = prior.prior(
                tokens, audio_cond, metadata_cond, encoder_states, get_preds=True
            )
            logits = preds[:, t] / temperature
            tokens[:, t] = _draw(logits)
        return tokens[:, first:last]
    # Encoder-decoder (1B): lyrics and music share one sequence and one merged vocabulary.  As in
    # the cached path, a sampled id is fed back as is and shifted back only at the end.
    n_lyrics = int(prior.nb_relevant_lyric_tokens)
    shift = int(prior.embed_dim_shift[1])
    merged = torch.cat([lyric_tokens, tokens + shift], dim=1)
    zeros = torch.zeros(1, n_lyrics, audio_cond.shape[-1], dtype=audio_cond.dtype)
    audio_cond = torch.cat([zeros.to(audio_cond.device), audio_cond], dim=1)
    for t in range(first, last):
        _, preds = prior.prior(merged, audio_cond, metadata_cond, get_preds=True)
        logits = preds[:, n_lyrics + t] / temperature
        merged[:, n_lyrics + t] = _draw(logits)
    return (merged[:, n_lyrics + first : n_lyrics + last] - shift).clamp(min=0)


def sample_level(
    model: Any,
    level: int,
    tokens: torch.Tensor,
    target: int,
    *,
    labels: torch.Tensor,
    offset: int,
    total_samples: int,
    hop: int,
    upper: torch.Tensor | None = None,
    temperature: float = 0.98,
    chunk_size: int = 128,
    use_cache: bool = True,
    meter: ProgressMeter | None = None,
    label: str = "",
) -> torch.Tensor:
    """Grow ``tokens`` (shape ``(1, existing)``, a local array) of ``level`` to ``target`` tokens.

    ``offset``: song position of local index 0 in this level's tokens (for the timing labels).
    ``upper``: for an upsampler, the level above as a local array aligned with ``tokens``
    (index ``i`` here lies under index ``i // cond_downsample`` there).
    """
    prior = model.priors[level]
    if level > 0 and upper is None:
        raise ValueError("an upsampler needs the level above it")
    windows = plan_windows(int(tokens.shape[1]), target, int(prior.n_ctx), hop)
    for number, window in enumerate(windows, start=1):
        if meter is not None:
            meter.stage(f"{label} window {number}/{len(windows)}".strip())
        context = tokens[:, window.start : window.have]
        conds = None
        if upper is not None:
            conds = window_conditioning(prior, upper, window.start, window.start + int(prior.n_ctx))
        metadata = prior.get_metadata(labels, window.start, total_samples, offset)
        counting: AbstractContextManager[None] = (
            meter.counting(prior) if meter is not None else nullcontext()
        )
        with counting:
            if use_cache:
                new = _sample_window_cached(
                    prior,
                    context,
                    window=window,
                    conds=conds,
                    metadata=metadata,
                    temperature=temperature,
                    chunk_size=chunk_size,
                )
            else:
                new = _sample_window_uncached(
                    prior,
                    context,
                    window=window,
                    conds=conds,
                    metadata=metadata,
                    temperature=temperature,
                )
        tokens = torch.cat([tokens, new.to(tokens.dtype)], dim=1)
    return tokens


def count_new_tokens(existing: int, target: int, n_ctx: int, hop: int) -> int:
    return sum(w.new_tokens for w in plan_windows(existing, target, n_ctx, hop))


@torch.no_grad()
def decode_tokens(model: Any, tokens: torch.Tensor, level: int) -> npt.NDArray[np.float32]:
    """Mono audio of one level's tokens (trap 6: that level's codebook and decoder only)."""
    vq_level = len(model.priors) - 1 - level  # the VQ-VAE numbers levels finest first
    audio = model.vqvae.decode([tokens.long()], start_level=vq_level, end_level=vq_level + 1)
    mono: npt.NDArray[np.float32] = (
        audio[0, :, 0].float().clamp(-1.0, 1.0).cpu().numpy().astype(np.float32)
    )
    return mono


@torch.no_grad()
def encode_audio(
    model: Any, mono: npt.NDArray[np.float32], device: torch.device
) -> list[torch.Tensor]:
    """VQ-VAE tokens of mono audio at the model's rate, one ``(1, n)`` tensor per level, top first.

    The audio length must be a multiple of the top level's token size.
    """
    levels = len(model.priors)
    x = torch.from_numpy(np.ascontiguousarray(mono, dtype=np.float32))[None, :, None].to(device)
    tokens: Sequence[torch.Tensor] = model.vqvae.encode(x, start_level=0, end_level=levels)
    return [t.long() for t in reversed(list(tokens))]

"""What a section continues from: stored tokens of the previous section, its re-encoded audio, or
nothing; and the stored preview a full render refines.

The context is a local token array per level that ends exactly where the section starts:
the top level keeps up to one window less one hop (:meth:`TokenGeometry.history_tokens`); the
upsampled levels keep the same (short) stretch of time at their own resolution, and only when the
previous section was rendered in full (or is re-encoded from audio).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from math import gcd
from typing import Any

import numpy as np
import torch
from scipy.signal import resample_poly

from models.base import BackendError, SectionAudio, UnsupportedRequest
from models.jukebox.sampling import encode_audio
from models.jukebox.state import JukeboxState, StateError
from models.jukebox.timeline import SectionSpan, TokenGeometry

__all__ = ["Context", "context_from_previous", "refined_tokens"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Context:
    """Tokens just before a section.  ``top`` is ``(1, c)``; ``lower[i]`` is level ``i + 1`` over
    the last ``lower_span`` top-level tokens of ``top`` (empty when there is none)."""

    top: torch.Tensor
    lower: tuple[torch.Tensor, ...]
    lower_span: int
    source: str  # "ancestral", "tokens" or "audio"
    note: str | None = None


def _empty(device: torch.device, levels: int, source: str, note: str | None = None) -> Context:
    empty = torch.zeros(1, 0, dtype=torch.long, device=device)
    return Context(empty, tuple(empty for _ in range(levels - 1)), 0, source, note)


def _as_tokens(array: np.ndarray[Any, Any], device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.asarray(array, dtype=np.int64)).to(device)[None, :]


def _lower_from(
    levels: list[torch.Tensor], top_len: int, geometry: TokenGeometry, span: int
) -> tuple[tuple[torch.Tensor, ...], int]:
    """Lower-level context over the last ``span`` top tokens (``levels[0]`` is the top level)."""
    span = max(0, min(span, top_len, geometry.lower_context_tokens()))
    if span == 0 or any(lv.shape[1] < span * geometry.ratio(i) for i, lv in enumerate(levels)):
        return tuple(lv[:, :0] for lv in levels[1:]), 0
    return tuple(
        lv[:, lv.shape[1] - span * geometry.ratio(i) :] for i, lv in enumerate(levels) if i
    ), span


def context_from_previous(
    previous: SectionAudio | None,
    span: SectionSpan,
    *,
    model: Any,
    geometry: TokenGeometry,
    checkpoint_id: str,
    device: torch.device,
) -> Context:
    """The context a section continues from (see the module docstring)."""
    levels = geometry.levels
    if previous is None:
        return _empty(device, levels, "ancestral")
    keep = geometry.history_tokens()
    reason = "had no stored Jukebox tokens"
    if previous.state is not None:
        try:
            state = JukeboxState.from_bytes(previous.state)
        except StateError as exc:
            log.warning("previous section's state is unusable (%s); re-encoding its audio", exc)
            state = None
            reason = "had unreadable Jukebox tokens"
        if state is not None and state.checkpoint_id != checkpoint_id:
            state = None
            reason = "was made with another Jukebox checkpoint"
        if state is not None:
            if state.end_token != span.start_token:
                log.warning(
                    "previous section ends at token %d, this one starts at %d; continuing anyway",
                    state.end_token,
                    span.start_token,
                )
            history = state.history[len(state.history) - min(keep, len(state.history)) :]
            top = _as_tokens(history, device)
            if len(state.levels) == levels:
                own = [_as_tokens(lv, device) for lv in state.levels]
                lower, lower_span = _lower_from(own, top.shape[1], geometry, len(state.levels[0]))
            else:
                lower, lower_span = tuple(top[:, :0] for _ in range(levels - 1)), 0
            return Context(top, lower, lower_span, "tokens")
    note = f"the previous section {reason}, so this one continues from its re-encoded audio"
    return _context_from_audio(
        previous, keep, model=model, geometry=geometry, device=device, note=note
    )


def _context_from_audio(
    previous: SectionAudio,
    keep: int,
    *,
    model: Any,
    geometry: TokenGeometry,
    device: torch.device,
    note: str,
) -> Context:
    """Encode the end of the previous section's audio (body only) with the VQ-VAE."""
    body = previous.audio[: previous.body_frames].astype(np.float64).mean(axis=1)
    sr_in, sr_out = previous.sample_rate, geometry.sample_rate
    if sr_in != sr_out:
        g = gcd(sr_in, sr_out)
        body = resample_poly(body, sr_out // g, sr_in // g)
    r = geometry.raw_to_tokens[0]
    n_tokens = min(keep, len(body) // r)
    if n_tokens <= 0:
        return _empty(
            device,
            geometry.levels,
            "ancestral",
            "the previous section was too short to continue from",
        )
    mono = np.clip(body[len(body) - n_tokens * r :], -1.0, 1.0).astype(np.float32)
    encoded = encode_audio(model, mono, device)
    top = encoded[0]
    lower, lower_span = _lower_from(encoded, top.shape[1], geometry, top.shape[1])
    return Context(top, lower, lower_span, "audio", note)


def refined_tokens(
    refine: SectionAudio,
    section_index: int,
    span: SectionSpan,
    *,
    geometry: TokenGeometry,
    checkpoint_id: str,
    device: torch.device,
) -> tuple[JukeboxState, torch.Tensor]:
    """The stored preview's state and its top-level local array (context + the section's tokens)."""
    if refine.state is None:
        raise UnsupportedRequest("this clip has no stored Jukebox tokens, so it cannot be refined")
    try:
        state = JukeboxState.from_bytes(refine.state)
    except StateError as exc:
        raise BackendError(f"the stored preview cannot be refined: {exc}") from exc
    if state.checkpoint_id != checkpoint_id:
        raise UnsupportedRequest(
            "the stored preview was made with another Jukebox checkpoint; render it anew instead"
        )
    if (state.section_index, state.start_token, len(state.levels[0])) != (
        section_index,
        span.start_token,
        span.n_tokens,
    ):
        raise UnsupportedRequest(
            "the stored preview belongs to a different section or song length; render it anew"
        )
    keep = min(len(state.history), geometry.history_tokens() + span.n_tokens)
    return state, _as_tokens(state.history[len(state.history) - keep :], device)

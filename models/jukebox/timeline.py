"""Where a section lies in Jukebox tokens, and which windows a prior samples.  Pure Python.

Levels are numbered like ``JukeboxModel.priors``: 0 is the top (coarsest) level.  One top-level
token covers ``raw_to_tokens[0]`` audio samples (128 for real Jukebox, 2.9 ms at 44.1 kHz).
Section boundaries are rounded to whole top-level tokens from the song's start, so adjacent
sections tile exactly and rounding never accumulates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.base import UnsupportedRequest
from models.plan import SectionPlan, SongPlan

__all__ = [
    "SectionSpan",
    "TokenGeometry",
    "Window",
    "label_total_samples",
    "plan_windows",
    "section_span",
]


@dataclass(frozen=True, slots=True)
class TokenGeometry:
    """The token grid of a checkpoint: sample rate, samples per token, context and hop per level."""

    sample_rate: int
    raw_to_tokens: tuple[int, ...]  # audio samples per token, top level first
    n_ctx: tuple[int, ...]
    hop: tuple[int, ...]  # window hop in tokens
    min_duration_s: float
    max_duration_s: float

    def __post_init__(self) -> None:
        n = len(self.raw_to_tokens)
        if not n or len(self.n_ctx) != n or len(self.hop) != n:
            raise ValueError("geometry needs one raw_to_tokens, n_ctx and hop per level")
        for upper, lower in zip(self.raw_to_tokens, self.raw_to_tokens[1:], strict=False):
            if upper % lower:
                raise ValueError("each level's token size must divide the one above")
        if any(h < 1 or h > c for h, c in zip(self.hop, self.n_ctx, strict=True)):
            raise ValueError("window hops must be within 1..n_ctx")

    @property
    def levels(self) -> int:
        return len(self.raw_to_tokens)

    def ratio(self, level: int) -> int:
        """Tokens of ``level`` per top-level token."""
        return self.raw_to_tokens[0] // self.raw_to_tokens[level]

    def cond_ratio(self, level: int) -> int:
        """Tokens of ``level`` per token of the level above it (``level`` ≥ 1)."""
        return self.raw_to_tokens[level - 1] // self.raw_to_tokens[level]

    @property
    def window_s(self) -> float:
        """Length of one top-level window in seconds."""
        return self.n_ctx[0] * self.raw_to_tokens[0] / self.sample_rate

    def history_tokens(self) -> int:
        """Top-level tokens of context kept for continuation: a full window less one hop."""
        return self.n_ctx[0] - self.hop[0]

    def lower_context_tokens(self) -> int:
        """Top-level tokens of lower-level context the upsamplers can use: for every upsampler the
        context must leave at least one hop of its window for new tokens."""
        limits = [(self.n_ctx[lv] - self.hop[lv]) // self.ratio(lv) for lv in range(1, self.levels)]
        return max(0, min(limits, default=0))


@dataclass(frozen=True, slots=True)
class SectionSpan:
    """A section in top-level tokens, ``[start_token, end_token)`` from the song's start."""

    start_token: int
    end_token: int
    song_samples: int  # nominal song length in samples

    @property
    def n_tokens(self) -> int:
        return self.end_token - self.start_token


def section_span(plan: SongPlan, section: SectionPlan, geometry: TokenGeometry) -> SectionSpan:
    """Token span of ``section``: its bar lines rounded to whole top-level tokens."""
    sr = geometry.sample_rate
    r = geometry.raw_to_tokens[0]
    start_s = section.start_bar * plan.bar_s
    end_s = (section.start_bar + section.bars) * plan.bar_s
    start_token = round(start_s * sr / r)
    end_token = max(start_token + 1, round(end_s * sr / r))
    # The same for every section of the song (it is part of the conditioning).
    song_samples = max(round(plan.duration_s * sr), round(plan.duration_s * sr / r) * r)
    limit_s = geometry.max_duration_s - geometry.window_s
    if song_samples / sr > limit_s:
        raise UnsupportedRequest(
            f"Jukebox can place music only within its first {limit_s:.0f} s; this song is "
            f"{song_samples / sr:.0f} s long (try fewer bars or a faster tempo)"
        )
    return SectionSpan(start_token, end_token, song_samples)


def label_total_samples(song_samples: int, geometry: TokenGeometry) -> int:
    """The song length written into the labels, within the range the checkpoint was trained on.

    The total-length embedding only accepts lengths ≥ ``min_duration`` (shorter ones raise a
    ``TypeError`` about a range inside transformers); a shorter song is labelled as the shortest
    length the model knows, which keeps its trained embedding instead of re-binning it.
    """
    low = math.ceil(geometry.min_duration_s * geometry.sample_rate)
    return max(song_samples, low)


@dataclass(frozen=True, slots=True)
class Window:
    """One prior pass: tokens ``[start, end)`` of the level, of which ``[have, end)`` are new."""

    start: int
    have: int
    end: int

    @property
    def new_tokens(self) -> int:
        return self.end - self.have


def plan_windows(existing: int, target: int, n_ctx: int, hop: int) -> tuple[Window, ...]:
    """Windows that grow a level from ``existing`` to ``target`` tokens.

    A total that fits in one context is one window from 0 that samples exactly
    ``target - existing`` tokens (transformers' ``sample_partial_window`` treats the total as the
    number of *new* tokens and overshoots).  Longer totals slide a full ``n_ctx`` window by
    ``hop``, skipping windows that are already filled, as Jukebox does.
    """
    if existing < 0 or n_ctx < 1 or not 1 <= hop <= n_ctx:
        raise ValueError("bad window parameters")
    if target <= existing:
        return ()
    if target <= n_ctx:
        return (Window(0, existing, target),)
    windows: list[Window] = []
    have = existing
    last = target - n_ctx
    start = 0
    while True:
        start = min(start, last)
        end = start + n_ctx
        if end > have:
            windows.append(Window(start, have, end))
            have = end
        if start == last:
            break
        start += hop
    return tuple(windows)

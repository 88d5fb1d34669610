"""The one interface every music backend implements.

Backends take already-built parts (a loaded SoundFont, a loaded checkpoint); loading lives in
:mod:`models.factory`.  There is one generation path, :meth:`MusicBackend.generate`, which renders
one section of a :class:`~models.plan.SongPlan` and reports progress through a callback.

This package never imports ``discord``, ``bot`` or ``cogs``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from models.plan import SectionPlan, SongPlan

__all__ = [
    "BackendConfig",
    "BackendError",
    "CheckpointMissing",
    "MusicBackend",
    "ProgressCallback",
    "SectionAudio",
    "UnsupportedRequest",
]

#: ``progress(fraction, message)``: fraction of this call's work done (0..1) and a short label.
ProgressCallback = Callable[[float, str], None]

AudioArray = npt.NDArray[np.float32]


class BackendError(RuntimeError):
    """A backend could not load or generate.  ``str(error)`` is safe to show to a user."""


class CheckpointMissing(BackendError):
    """The weights a neural backend needs are not where the settings say."""


class UnsupportedRequest(BackendError):
    """The plan asks for something this backend cannot do (e.g. a meter it cannot play)."""


@dataclass(frozen=True, slots=True)
class BackendConfig:
    """What a factory needs to build a backend.  Every field has a safe offline default."""

    device: str = "cpu"
    sample_rate: int = 48_000
    soundfont: Path | None = None  # None: the GM SoundFont shipped with pretty_midi
    checkpoint_dir: Path | None = None  # neural backends: local weights, never downloaded
    half_precision: bool = True  # neural backends on CUDA
    quality: str = "preview"  # neural backends: "preview" (top level) or "full" (upsampled)
    midi: bool = True  # symbolic backends: a MIDI file per section (the CLI asks only for --midi)


@dataclass(frozen=True, slots=True)
class SectionAudio:
    """One rendered section.

    ``audio`` is float32 stereo, shape ``(frames, 2)``.  It starts exactly on the section's first
    downbeat; ``body_frames`` is where its last bar line falls; frames after that are the tail
    (note releases, reverb) that the stitcher crossfades into the next section.
    ``midi`` is a Standard MIDI File of the section when the backend is symbolic.
    ``state`` is opaque continuation state (e.g. Jukebox top-level tokens) stored with the clip so
    that the next section can continue from it.
    """

    audio: AudioArray
    sample_rate: int
    body_frames: int
    midi: bytes | None = None
    state: bytes | None = None
    notes: tuple[str, ...] = ()  # user-facing remarks, e.g. words a backend could not map

    def __post_init__(self) -> None:
        if self.audio.ndim != 2 or self.audio.shape[1] != 2:
            raise ValueError(f"section audio must be (frames, 2), got {self.audio.shape}")
        if not 0 < self.body_frames <= self.audio.shape[0]:
            raise ValueError("body_frames must be within the audio")

    @property
    def duration_s(self) -> float:
        return self.body_frames / self.sample_rate

    @property
    def tail_frames(self) -> int:
        return int(self.audio.shape[0] - self.body_frames)


class MusicBackend(abc.ABC):
    """Renders sections of a song plan to audio."""

    #: Registry name (``embedded``, ``jukebox``, ``musicgen``).
    name: ClassVar[str]
    #: True when a section must be continued from the previous section's ``state``/audio, so the
    #: sections of one song have to run in order on one worker.
    needs_previous: ClassVar[bool] = False
    #: How many sections of one song may render at once, on threads (independent sections
    #: only): for a backend whose ``generate`` is thread-safe and spends part of its time
    #: outside the GIL, so a second section uses the second core.
    concurrent_sections: ClassVar[int] = 1

    @property
    @abc.abstractmethod
    def sample_rate(self) -> int:
        """Sample rate of the audio this backend returns."""

    @abc.abstractmethod
    def generate(
        self,
        plan: SongPlan,
        section: SectionPlan,
        *,
        previous: SectionAudio | None = None,
        refine: SectionAudio | None = None,
        quality: str = "preview",
        progress: ProgressCallback | None = None,
        tail_s: float | None = None,
    ) -> SectionAudio:
        """Render ``section`` of ``plan``.

        ``previous``: the section just before this one in the song, when there is one; a
        continuation backend continues from its ``state`` (not from re-encoded audio).
        ``refine``: a stored render of this very section to re-render at ``quality`` from its
        ``state`` instead of sampling anew (e.g. Jukebox "full" upsampling of a preview).
        ``quality``: ``"preview"`` (fast) or ``"full"``; a backend with one quality ignores it.
        ``progress``: called with (fraction 0..1, label) as work advances; it may raise to cancel.
        ``tail_s``: how much audio the caller will use after the last bar line (a section that
        another follows in the same song is cut a few milliseconds after it); None: the whole
        natural tail (releases, reverb).  A backend may return more than asked, never less.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the backend holds (GPU memory, synth handles)."""

"""Bring your own melody: a MIDI file or a hummed recording becomes the song's motif.

:func:`load_melody` turns uploaded bytes into a :class:`Melody` (notes on a beat grid, tempo,
key); :func:`models.melody.fit.fit_plan` makes it the motif of a song plan, harmonised.
Nothing here imports ``bot``, ``cogs`` or ``discord``; librosa is imported only when a
recording is transcribed, and the readers only when a file is loaded (the package itself is
light: planning a song without a melody imports its errors and types alone).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from models.melody.errors import (
    AbsurdTempo,
    CorruptFile,
    DrumsOnly,
    LongerThanLimit,
    MelodyError,
    NoNotes,
    NoStablePitch,
    NotAMelodyFile,
    Polyphonic,
    Silent,
    TooLarge,
    TooLong,
)
from models.melody.types import Melody, MelodyNote, MelodySource

if TYPE_CHECKING:
    from models.melody.decode import MAX_BYTES, MAX_DURATION_S
    from models.melody.loading import load_melody, melody_from_transcription

__all__ = [
    "MAX_BYTES",
    "MAX_DURATION_S",
    "AbsurdTempo",
    "CorruptFile",
    "DrumsOnly",
    "LongerThanLimit",
    "Melody",
    "MelodyError",
    "MelodyNote",
    "MelodySource",
    "NoNotes",
    "NoStablePitch",
    "NotAMelodyFile",
    "Polyphonic",
    "Silent",
    "TooLarge",
    "TooLong",
    "load_melody",
    "melody_from_transcription",
]

_LAZY = {
    "MAX_BYTES": "models.melody.decode",
    "MAX_DURATION_S": "models.melody.decode",
    "load_melody": "models.melody.loading",
    "melody_from_transcription": "models.melody.loading",
}


def __getattr__(name: str) -> Any:
    """The readers, imported on first use (PEP 562)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Why a melody upload was refused.  Every message is short, specific and safe to show a user."""

from __future__ import annotations

__all__ = [
    "AbsurdTempo",
    "CorruptFile",
    "DrumsOnly",
    "LongerThanLimit",
    "MelodyError",
    "NoNotes",
    "NoStablePitch",
    "NotAMelodyFile",
    "Polyphonic",
    "Silent",
    "TooLarge",
    "TooLong",
]


class MelodyError(ValueError):
    """A melody file could not be used.  ``str(error)`` is the user-facing reason."""


class NotAMelodyFile(MelodyError):
    """Neither audio nor MIDI."""


class CorruptFile(MelodyError):
    """Looks like audio or MIDI but cannot be read to the end."""


class TooLarge(MelodyError):
    """Over the upload size limit."""


class TooLong(MelodyError):
    """Over the length limit."""


class Silent(MelodyError):
    """Audio with nothing audible in it."""


class NoStablePitch(MelodyError):
    """Noise, speech or anything else without a held, singable pitch."""


class Polyphonic(MelodyError):
    """Several pitches at once (a full mix, chords): one voice is needed."""


class DrumsOnly(MelodyError):
    """A MIDI file whose only notes are drums."""


class NoNotes(MelodyError):
    """A MIDI file (or a transcription) with no notes, or too few to make a tune."""


class LongerThanLimit(MelodyError):
    """The tune alone, at the song's tempo, lasts longer than the song may."""


class AbsurdTempo(MelodyError):
    """A tempo outside what a song can be played at."""

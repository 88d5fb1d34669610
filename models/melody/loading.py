"""Uploaded bytes → a :class:`~models.melody.types.Melody` (MIDI read, audio transcribed)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from models.melody.analysis import estimate_key, estimate_tempo, first_position, quantise
from models.melody.decode import FileKind, decode_audio, sniff
from models.melody.types import Melody, MelodyNote, MelodySource

if TYPE_CHECKING:
    from models.melody.transcribe import Transcription

__all__ = ["load_melody", "melody_from_transcription"]

log = logging.getLogger(__name__)


def _from_midi(data: bytes) -> Melody:
    from models.melody.midi_in import read_midi_line

    line = read_midi_line(data)
    shift = 0.0
    if line.notes[0][1] == 0:  # on the file's bar line: a pickup written from tick 0?
        shift = first_position([(s, n) for _p, s, n in line.notes], line.bar_beats)
    notes = tuple(MelodyNote(p, round(s + shift, 4), round(n, 4)) for p, s, n in line.notes)
    key = estimate_key([(n.pitch, n.length_beats) for n in notes])
    log.info("melody from MIDI track %r: %d notes", line.track, len(notes))
    return Melody(notes, round(line.bpm, 2), key, MelodySource.MIDI, bpm_from_file=True)


def _from_audio(data: bytes, kind: FileKind) -> Melody:
    from models.melody.transcribe import transcribe

    return melody_from_transcription(transcribe(decode_audio(data, kind)))


def melody_from_transcription(heard: Transcription) -> Melody:
    """Notes heard in a recording → a melody: tempo and beat grid, quantised notes placed in
    their bar (a tune that starts with a pickup starts before the downbeat), key."""
    onsets = [n.onset_s for n in heard.notes]
    fit = estimate_tempo(onsets)
    timed = quantise(onsets, [n.offset_s for n in heard.notes], fit)
    notes: list[MelodyNote] = []
    for h, (start, length) in zip(heard.notes, timed, strict=True):
        if notes and abs(notes[-1].start_beats - start) < 1e-6:
            notes.pop()  # two onsets on one grid point: the later one is the note
        notes.append(MelodyNote(h.pitch, start, length))
    shift = first_position([(n.start_beats, n.length_beats) for n in notes])  # a pickup?
    notes = [MelodyNote(n.pitch, n.start_beats + shift, n.length_beats) for n in notes]
    key = estimate_key([(n.pitch, n.length_beats) for n in notes])
    return Melody(tuple(notes), round(fit.bpm, 1), key, MelodySource.AUDIO, heard.tuning_cents)


def load_melody(data: bytes) -> Melody:
    """A melody from an uploaded file (recognised by content).  Raises a :class:`MelodyError`
    whose message says what is wrong with the file."""
    kind = sniff(data)
    melody = _from_midi(data) if kind is FileKind.MIDI else _from_audio(data, kind)
    log.info("melody: %s", melody.summary)
    return melody

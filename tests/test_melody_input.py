"""Melody uploads: every accepted format decodes to the same tune, MIDI melody lines are picked
and kept in rhythm, and every kind of bad file gets its own specific message."""

from __future__ import annotations

import io
import struct

import mido
import numpy as np
import pytest

from models.melody import (
    AbsurdTempo,
    CorruptFile,
    DrumsOnly,
    Melody,
    MelodyError,
    MelodySource,
    NoNotes,
    NoStablePitch,
    NotAMelodyFile,
    Polyphonic,
    Silent,
    TooLarge,
    TooLong,
    load_melody,
)
from models.plan import Key
from tests.melody_signals import (
    SR,
    TUNES,
    Tune,
    encode,
    full_mix,
    hum,
    speech_like,
    tune_midi,
    white_noise,
)

SHORT = Tune(
    "short",
    "C major",
    120,
    ((60, 0, 1), (64, 1, 1), (67, 2, 0.5), (65, 2.5, 0.5), (64, 3, 1), (60, 4, 2)),
)


@pytest.fixture(scope="module")
def short_hum() -> np.ndarray:
    audio, _truth = hum(SHORT, wave="voice", vibrato_cents=30, seed=3)
    return audio


@pytest.mark.parametrize("fmt", ["wav", "flac", "ogg-opus", "mp3", "m4a", "webm"])
def test_every_accepted_audio_format_gives_the_tune(short_hum: np.ndarray, fmt: str) -> None:
    melody = load_melody(encode(short_hum, SR, fmt))
    assert [n.pitch for n in melody.notes] == SHORT.pitches
    assert melody.key == Key.parse("C major")


def test_a_midi_track_named_melody_is_chosen_over_busier_ones() -> None:
    tune = TUNES[1]
    melody = load_melody(tune_midi(tune, track_name="Lead Vocal", accompaniment=True, drums=True))
    assert melody.source is MelodySource.MIDI
    assert [n.pitch for n in melody.notes] == tune.pitches
    assert [(n.start_beats, n.length_beats) for n in melody.notes] == [
        (s, n) for _p, s, n in tune.notes
    ]
    assert melody.bpm == tune.bpm and melody.bpm_from_file
    assert melody.key == Key.parse(tune.key)
    assert melody.summary == f"read {len(tune.notes)} notes in {tune.key} at {tune.bpm} bpm"


def test_without_a_name_the_skyline_of_the_busiest_track_is_the_melody() -> None:
    """One piano track: the tune on top of chords struck with it, and a quieter bass track."""
    tune = TUNES[4]
    mid = mido.MidiFile(type=1, ticks_per_beat=96)
    track = mido.MidiTrack()
    events = []
    for p, s, n in tune.notes:
        for pitch in (p, p - 5, p - 9):  # chord tones under the tune
            events.append((round(s * 96), 1, mido.Message("note_on", note=pitch, velocity=70)))
            events.append((round((s + n) * 96) - 4, 0, mido.Message("note_off", note=pitch)))
    events.sort(key=lambda e: (e[0], e[1]))
    now = 0
    for tick, _o, msg in events:
        msg.time = tick - now
        now = tick
        track.append(msg)
    mid.tracks.append(track)
    bass = mido.MidiTrack(
        [
            mido.Message("note_on", note=43, velocity=60, channel=1, time=0),
            mido.Message("note_off", note=43, channel=1, time=96 * 8),
        ]
    )
    mid.tracks.append(bass)
    buf = io.BytesIO()
    mid.save(file=buf)
    melody = load_melody(buf.getvalue())
    assert [n.pitch for n in melody.notes] == tune.pitches
    assert melody.bpm == 120.0  # no tempo event: the MIDI default


def test_a_melody_travels_as_json() -> None:
    melody = load_melody(tune_midi(TUNES[0]))
    assert Melody.from_dict(melody.to_dict()) == melody
    with pytest.raises(MelodyError):
        Melody.from_dict({"notes": [[60, "x"]], "bpm": 1})


def _midi_with_tempo(bpm: float) -> bytes:
    data = bytearray(tune_midi(TUNES[0]))
    tempo = round(60e6 / TUNES[0].bpm).to_bytes(3, "big")
    i = data.index(b"\xff\x51\x03" + tempo)
    data[i + 3 : i + 6] = round(60e6 / bpm).to_bytes(3, "big")
    return bytes(data)


def _wav(audio: np.ndarray) -> bytes:
    return encode(audio.astype(np.float32), SR, "wav")


def _truncated_wav() -> bytes:
    data = _wav(hum(SHORT)[0])
    return data[: len(data) // 2]


def _midi_no_notes() -> bytes:
    mid = mido.MidiFile(type=1)
    mid.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500_000)]))
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def _drums_only() -> bytes:
    return tune_midi(Tune("none", "C major", 100, ()), drums=True)


def _truncated_midi() -> bytes:
    data = tune_midi(TUNES[0])
    return data[: len(data) - 40]


def _corrupt_midi_header() -> bytes:
    return b"MThd" + struct.pack(">IHHH", 6, 1, 1, 0) + b"MTrk\x00\x00\x00\x10garbage"


BAD_FILES = {
    "text": (lambda: b"hello, this is not a song at all", NotAMelodyFile, "not audio or MIDI"),
    "png": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(64), NotAMelodyFile, "not audio or MIDI"),
    "garbage wav": (
        lambda: b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)),
        CorruptFile,
        "damaged or cut short",
    ),
    "truncated wav": (_truncated_wav, CorruptFile, "damaged or cut short"),
    "garbage ogg": (lambda: b"OggS" + bytes(range(200)) * 3, CorruptFile, "damaged or cut short"),
    "truncated midi": (_truncated_midi, CorruptFile, "MIDI file is damaged"),
    "midi without time base": (_corrupt_midi_header, CorruptFile, "MIDI file is damaged"),
    "too large": (lambda: b"RIFF" + bytes(11 * 1024 * 1024), TooLarge, "at most 10 MB"),
    "too long": (
        lambda: _wav(np.sin(np.arange(61 * SR) * 0.05) * 0.3),
        TooLong,
        "at most 60 seconds",
    ),
    "silence": (lambda: _wav(np.zeros(3 * SR)), Silent, "silent"),
    "noise": (lambda: _wav(white_noise(seed=4)), NoStablePitch, "no steady pitch"),
    "speech": (lambda: _wav(speech_like(4.0, seed=5)), NoStablePitch, "no steady pitch"),
    "full mix": (lambda: _wav(full_mix(TUNES[2], seed=6)), Polyphonic, "several notes at once"),
    "drums only": (_drums_only, DrumsOnly, "only has drums"),
    "no notes": (_midi_no_notes, NoNotes, "no notes"),
    "absurd tempo": (lambda: _midi_with_tempo(900.0), AbsurdTempo, "900 bpm"),
    "too slow": (lambda: _midi_with_tempo(8.0), AbsurdTempo, "8 bpm"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_each_bad_file_gets_its_own_message(name: str) -> None:
    make, error, words = BAD_FILES[name]
    with pytest.raises(error) as caught:
        load_melody(make())
    assert words in str(caught.value)
    assert "Traceback" not in str(caught.value)

"""A tune that starts on an upbeat (a pickup, anacrusis) is placed with its pickup before the
downbeat, not as if its first note were the downbeat: "When the Saints Go Marching In" (three
pickup notes, then a long note on the downbeat) as a MIDI file written from tick 0 and as a
hummed recording; tunes that start on the downbeat stay where they are."""

from __future__ import annotations

import numpy as np
import pytest

from models.melody import Melody, load_melody
from models.melody.fit import melody_motif
from models.plan import Key, Meter
from tests.melody_signals import SR, TUNES, Tune, encode, hum, tune_midi

#: (pitch, start beat, length beats); the first note on beat 2 of a 4/4 bar (1 beat in).
SAINTS = Tune(
    "saints",
    "C major",
    100,
    (
        (60, 1, 1), (64, 2, 1), (65, 3, 1), (67, 4, 4),
        (60, 9, 1), (64, 10, 1), (65, 11, 1), (67, 12, 4),
        (60, 17, 1), (64, 18, 1), (65, 19, 1), (67, 20, 2), (64, 22, 2),
        (60, 24, 2), (64, 26, 2), (62, 28, 4),
        (64, 33, 1), (64, 34, 1), (62, 35, 1), (60, 36, 3),
    ),
)  # fmt: skip
FROM_TICK_0 = Tune(
    SAINTS.name, SAINTS.key, SAINTS.bpm, tuple((p, s - 1, n) for p, s, n in SAINTS.notes)
)


def _assert_saints_placed(melody: Melody) -> None:
    assert [n.pitch for n in melody.notes] == SAINTS.pitches
    first = melody.notes[0].start_beats
    assert first % 4 == 1  # three pickup notes before the downbeat
    long_gs = [n for n in melody.notes if n.pitch == 67 and n.length_beats >= 2]
    assert long_gs and all((n.start_beats - first + 1) % 4 == 0 for n in long_gs)
    assert melody.notes[-1].start_beats % 4 == 0  # the final C on a downbeat too


@pytest.mark.parametrize("tune", [SAINTS, FROM_TICK_0], ids=["written-pickup", "from-tick-0"])
def test_a_midi_pickup_is_placed_before_the_downbeat(tune: Tune) -> None:
    melody = load_melody(tune_midi(tune))
    _assert_saints_placed(melody)
    assert melody.notes[0].start_beats == 1.0  # bar 0, beat 2


def test_a_hummed_pickup_is_placed_before_the_downbeat() -> None:
    audio, _truth = hum(SAINTS, wave="voice", vibrato_cents=30, noise_db=30, seed=7)
    melody = load_melody(encode(audio.astype(np.float32), SR, "wav"))
    assert melody.bpm == pytest.approx(100, rel=0.05) and melody.key == Key.parse("C major")
    _assert_saints_placed(melody)


def test_the_pickup_comes_before_the_motifs_first_strong_beat() -> None:
    fitted = melody_motif(load_melody(tune_midi(FROM_TICK_0)), Key.parse("C major"), Meter(4, 4))
    strong = [m for m in fitted.motif if m.accent == 1.0]
    assert fitted.motif[0].start == 1.0 and fitted.motif[0].accent < 1.0
    assert strong[0].start == 4.0 and strong[0].length == 4.0  # the long G on bar 2's downbeat


@pytest.mark.parametrize("tune", TUNES, ids=[t.name for t in TUNES])
def test_tunes_that_start_on_the_downbeat_stay_there(tune: Tune) -> None:
    assert load_melody(tune_midi(tune)).notes[0].start_beats == 0.0
    audio, _truth = hum(tune, wave="sine", seed=1)
    assert load_melody(encode(audio, SR, "wav")).notes[0].start_beats == 0.0

"""The composer's building blocks: numerals, voicings, chord scales, swing, tempo maps, scores,
instrument words."""

from __future__ import annotations

import pytest

from models.embedded.humanise import swing_q
from models.embedded.instruments import apply_instruments, instrument_for
from models.embedded.score import Note, TempoMap, Track
from models.embedded.theory import (
    chord_scale,
    nearest_pitch,
    parse_numeral,
    parse_progression,
    voice_chord,
)
from models.plan import Chord, InstrumentPart, Key, Mode, PartRole, PlanError


@pytest.mark.parametrize(
    ("text", "mode", "root", "quality"),
    [
        ("I", Mode.MAJOR, 0, "maj"),
        ("vi7", Mode.MAJOR, 9, "min7"),
        ("V7", Mode.MINOR, 7, "dom7"),
        ("V", Mode.MINOR, 7, "maj"),
        ("VI", Mode.MINOR, 8, "maj"),
        ("III", Mode.MINOR, 3, "maj"),
        ("bVII", Mode.MAJOR, 10, "maj"),
        ("iiø", Mode.MINOR, 2, "m7b5"),
        ("vii°", Mode.MAJOR, 11, "dim"),
        ("IVmaj7", Mode.MAJOR, 5, "maj7"),
        ("i9", Mode.MINOR, 0, "min9"),
        ("Iadd9", Mode.MAJOR, 0, "add9"),
        ("i6", Mode.MINOR, 0, "min6"),
    ],
)
def test_roman_numerals(text: str, mode: Mode, root: int, quality: str) -> None:
    chord = parse_numeral(text, mode)
    assert (chord.root, chord.quality) == (root, quality)


def test_progression_lengths_and_bad_numerals() -> None:
    chords = parse_progression("i iv V7:0.5 i:1.5", Mode.MINOR)
    assert [c.bars for c in chords] == [1.0, 1.0, 0.5, 1.5]
    with pytest.raises(PlanError):
        parse_numeral("X7", Mode.MAJOR)
    with pytest.raises(PlanError):
        parse_numeral("Isus7", Mode.MAJOR)


def test_dominant_in_minor_raises_the_leading_tone_in_the_melody_scale() -> None:
    a_minor = Key.parse("A minor")
    e_major = Chord(7, "maj").pitch_classes(a_minor)
    assert 8 in chord_scale(a_minor, e_major) and 7 not in chord_scale(a_minor, e_major)
    assert 7 in chord_scale(a_minor, Chord(0, "min").pitch_classes(a_minor))


def test_voicings_stay_in_range_and_move_little() -> None:
    key = Key.parse("C major")
    previous = None
    for chord in parse_progression("I vi IV V I", Mode.MAJOR):
        pcs = chord.pitch_classes(key)
        voicing = voice_chord(pcs, previous, 52, 76)
        assert all(52 <= p <= 76 for p in voicing)
        assert {p % 12 for p in voicing} == set(pcs)
        assert list(voicing) == sorted(voicing)
        if previous:
            moved = sum(min(abs(p - q) for q in previous) for p in voicing)
            assert moved <= 6  # common tones held, the rest by step
        previous = voicing
    five = voice_chord((0, 4, 7, 11, 2), None, 50, 74, max_notes=4)
    assert len(five) == 4 and 7 not in {p % 12 for p in five}  # the fifth goes first


def test_nearest_pitch() -> None:
    assert nearest_pitch(0, 62) == 60
    assert nearest_pitch(9, 40, 28, 45) == 45
    assert nearest_pitch(4, 30, 40, 60) == 40


def test_swing_moves_offbeats_only() -> None:
    assert swing_q(1.0, 1 / 3, 0.5) == pytest.approx(1.0)
    assert swing_q(1.5, 1 / 3, 0.5) == pytest.approx(1 + 2 / 3)  # triplet feel
    assert swing_q(0.25, 0.2, 0.25) == pytest.approx(0.3)
    assert swing_q(2.75, 0.0, 0.5) == 2.75
    positions = [swing_q(i / 8, 0.3, 0.5) for i in range(17)]
    assert positions == sorted(positions)


def test_tempo_map_with_a_ritardando() -> None:
    tempo = TempoMap([(0.0, 0.5), (4.0, 0.6), (6.0, 0.8)])
    assert tempo.seconds(2.0) == pytest.approx(1.0)
    assert tempo.seconds(5.0) == pytest.approx(2.6)
    assert tempo.seconds(8.0) == pytest.approx(2.0 + 1.2 + 1.6)
    assert tempo.spq_at(7.0) == 0.8
    with pytest.raises(ValueError):
        TempoMap([(1.0, 0.5)])


def test_track_legalise_clips_and_untangles_notes() -> None:
    track = Track("t", PartRole.HARMONY, 0, 0)
    track.notes = [
        Note(-0.1, 1.0, 60, 200),
        Note(0.5, 1.0, 60, 80),
        Note(3.5, 2.0, 64, 0),
        Note(1.0, 0.0005, 67, 90),
    ]
    track.legalise(4.0)
    assert [(round(n.start_q, 3), round(n.end_q, 3), n.pitch) for n in track.notes] == [
        (0.0, 0.499, 60),
        (0.5, 1.5, 60),
        (3.5, 4.0, 64),
    ]
    assert [n.velocity for n in track.notes] == [127, 80, 1]


def test_instrument_words() -> None:
    assert instrument_for("Flutes") == InstrumentPart(PartRole.LEAD, 73, "Flute")
    assert instrument_for("electric  piano") is not None
    assert instrument_for("didgeridoo") is None
    base = (InstrumentPart(PartRole.HARMONY, 0, "Piano"), InstrumentPart(PartRole.LEAD, 80, "Sq"))
    parts, unknown = apply_instruments(base, ("guitar", "organ", "flute", "didgeridoo"))
    assert parts[0].program == 25 and parts[1].program == 73
    assert InstrumentPart(PartRole.HARMONY, 16, "Organ") in parts  # a second chord instrument
    assert unknown == ("didgeridoo",)

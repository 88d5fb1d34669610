"""Transcription of synthetic hums: note F1 (mir_eval, onsets within 50 ms), tuning, key and tempo.

Each tune is rendered once per condition: clean tones (sine, saw, voice-like) must score F1 ≥ 0.9,
hums with vibrato, glides, breath noise, timing jitter and detuning ≥ 0.8.  (Voice messages in
Ogg Opus go the same way in tests/test_melody_input.py, the CLI and the bot tests.)"""

from __future__ import annotations

import pytest

from models.melody import MelodySource, melody_from_transcription
from models.melody.decode import ANALYSIS_SR
from models.melody.transcribe import Transcription, transcribe
from models.plan import Key
from tests.melody_metrics import note_f1
from tests.melody_signals import TUNES, hum

CLEAN = ("sine", "saw", "voice", "saw", "voice")
NOISY = (
    {"wave": "voice", "vibrato_cents": 50, "noise_db": 20, "glide_s": 0.04, "jitter_s": 0.02},
    {"wave": "sine", "vibrato_cents": 60, "noise_db": 15},
    {"wave": "saw", "glide_s": 0.06, "jitter_s": 0.03, "noise_db": 18},
    {"wave": "voice", "vibrato_cents": 40, "noise_db": 15, "jitter_s": 0.025, "glide_s": 0.05},
    {"wave": "voice", "vibrato_cents": 70, "vibrato_hz": 6.0, "noise_db": 20},
)
DETUNE = (30.0, -40.0, 0.0, 20.0, -25.0)


def _heard(t: Transcription) -> list[tuple[float, float, float]]:
    cents = t.tuning_cents / 100.0
    return [(n.onset_s, n.offset_s, 440.0 * 2 ** ((n.pitch - 69 + cents) / 12)) for n in t.notes]


@pytest.mark.parametrize("i", range(len(TUNES)), ids=[t.name for t in TUNES])
def test_clean_hums_are_transcribed_with_f1_of_at_least_0_9(i: int) -> None:
    audio, truth = hum(TUNES[i], wave=CLEAN[i], sr=ANALYSIS_SR, seed=i)
    heard = transcribe(audio)
    assert note_f1(truth, _heard(heard)) >= 0.9
    assert [n.pitch for n in heard.notes] == TUNES[i].pitches


@pytest.mark.parametrize("i", range(len(TUNES)), ids=[t.name for t in TUNES])
def test_noisy_detuned_hums_with_vibrato_keep_f1_of_at_least_0_8(i: int) -> None:
    audio, truth = hum(
        TUNES[i],
        sr=ANALYSIS_SR,
        seed=10 + i,
        detune_cents=DETUNE[i],
        **NOISY[i],  # type: ignore[arg-type]
    )
    heard = transcribe(audio)
    assert note_f1(truth, _heard(heard)) >= 0.8
    # the singer's tuning offset is measured and taken out of the notes
    assert abs(heard.tuning_cents - DETUNE[i]) <= 12.0


@pytest.mark.parametrize("i", range(len(TUNES)), ids=[t.name for t in TUNES])
def test_key_tempo_and_rhythm_are_estimated_from_a_rough_hum(i: int) -> None:
    tune = TUNES[i]
    audio, _truth = hum(
        tune,
        wave="voice",
        vibrato_cents=40,
        noise_db=22,
        jitter_s=0.015,
        sr=ANALYSIS_SR,
        seed=20 + i,
    )
    melody = melody_from_transcription(transcribe(audio))
    assert melody.source is MelodySource.AUDIO
    assert melody.key == Key.parse(tune.key)
    assert abs(melody.bpm - tune.bpm) / tune.bpm < 0.03
    assert [n.pitch for n in melody.notes] == tune.pitches
    got = [(n.start_beats, n.length_beats) for n in melody.notes]
    want = [(s, n) for _p, s, n in tune.notes]
    exact = sum(1 for g, w in zip(got, want, strict=True) if g == w)
    assert exact >= 0.9 * len(want)
    approx = "~" + str(round(tune.bpm))
    assert melody.summary == f"heard {len(tune.notes)} notes in {tune.key} at {approx} bpm"

"""A user's melody as the song's motif: stated in the lead of every style, harmonised, transposed
when a key is asked for, exported as its own MIDI track, and deterministic."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from models.embedded.backend import EmbeddedBackend
from models.melody import Melody, load_melody
from models.melody.export import MELODY_TRACK
from models.melody.fit import plan_melody
from models.melody.planning import plan_with_melody
from models.midi import join_midi, read_notes, section_midi
from models.plan import Key, Meter, SongPlan
from models.planning import PlanRequest
from models.styles import STYLE_IDS
from tests.melody_metrics import interval_match, lead_records, skyline
from tests.melody_signals import TUNES, Tune, tune_midi
from tests.test_embedded_support import shared_backend


@pytest.fixture(scope="module")
def backend() -> EmbeddedBackend:
    return shared_backend(22_050)


@pytest.fixture(scope="module")
def melodies() -> list[Melody]:
    return [load_melody(tune_midi(t)) for t in TUNES]


def _song_midi(backend: EmbeddedBackend, plan: SongPlan, render: tuple[int, ...]) -> bytes:
    parts = [(i, section_midi(backend.compose(plan, plan.sections[i]))) for i in render]
    return join_midi(plan, parts)


@pytest.mark.parametrize("style", STYLE_IDS)
def test_the_lead_carries_the_melody_in_every_style(
    backend: EmbeddedBackend, melodies: list[Melody], style: str
) -> None:
    for i, (tune, melody) in enumerate(zip(TUNES, melodies, strict=True)):
        plan, render = plan_with_melody(PlanRequest(kind="song", style=style, seed=i), melody)
        assert plan.key == Key.parse(tune.key) and plan.bpm == tune.bpm
        line = skyline(lead_records(plan, _song_midi(backend, plan, render)))
        assert interval_match(tune.pitches, line) >= 0.9, (style, tune.name)


def test_a_requested_key_and_tempo_transpose_and_fit_the_melody(
    backend: EmbeddedBackend, melodies: list[Melody]
) -> None:
    tune, melody = TUNES[0], melodies[0]  # D major
    request = PlanRequest(kind="song", style="pop", key=Key.parse("Bb major"), bpm=128.0, seed=5)
    plan, render = plan_with_melody(request, melody)
    assert plan.key == Key.parse("Bb major") and plan.bpm == 128.0
    midi = _song_midi(backend, plan, render)
    assert interval_match(tune.pitches, skyline(lead_records(plan, midi))) >= 0.9
    heard = [r for r in read_notes(midi) if r.track == MELODY_TRACK]
    assert [r.pitch for r in heard] == [p - 4 for p in tune.pitches]  # D → Bb: 4 down
    assert plan.extra("melody_estimated") is None


def test_the_melody_is_exported_as_its_own_track_where_the_song_states_it(
    backend: EmbeddedBackend, melodies: list[Melody]
) -> None:
    tune, melody = TUNES[1], melodies[1]
    plan, render = plan_with_melody(PlanRequest(kind="song", style="synthwave", seed=2), melody)
    records = read_notes(_song_midi(backend, plan, render))
    heard = [r for r in records if r.track == MELODY_TRACK]
    assert [r.pitch for r in heard] == tune.pitches
    beat_s = 60.0 / plan.bpm
    first = next(s for s in plan.sections if s.role.value in ("verse", "chorus", "climax"))
    assert heard[0].start_s == pytest.approx(first.start_bar * plan.bar_s, abs=1e-3)
    starts = [round((r.start_s - heard[0].start_s) / beat_s, 3) for r in heard]
    assert starts == [s for _p, s, _n in tune.notes]
    assert plan.extra("melody") == f"read 15 notes in E minor at {tune.bpm} bpm"
    assert plan.extra("melody_estimated") == "key,tempo"


def test_chords_are_chosen_to_fit_the_melody(melodies: list[Melody]) -> None:
    """Notes on the first pulse of a chord's span are tones of that chord (the harmonisation's
    job), for at least 85 % of them across the test tunes."""
    fitting = total = 0
    for i, melody in enumerate(melodies):
        plan, _render = plan_with_melody(PlanRequest(kind="song", style="rock", seed=i), melody)
        section = next(s for s in plan.sections if s.role.value in ("verse", "chorus", "climax"))
        pos = 0.0
        spans = []
        for c in section.progression:
            spans.append((pos, pos + c.bars * plan.meter.pulses_per_bar, c))
            pos += c.bars * plan.meter.pulses_per_bar
        pcs = json.loads(plan.extra("melody_notes") or "[]")
        for pitch, start, _length in pcs:
            for a, _b, chord in spans:
                if abs(start - a) < 1e-6:
                    total += 1
                    fitting += pitch % 12 in chord.pitch_classes(plan.key)
    assert total >= 20 and fitting / total >= 0.85


@pytest.mark.parametrize("meter", ["3/4", "6/8"])
def test_other_meters_keep_the_tune(
    backend: EmbeddedBackend, melodies: list[Melody], meter: str
) -> None:
    tune, melody = TUNES[2], melodies[2]
    request = PlanRequest(kind="song", style="piano", meter=Meter.parse(meter), seed=1)
    plan, render = plan_with_melody(request, melody)
    line = skyline(lead_records(plan, _song_midi(backend, plan, render)))
    assert interval_match(tune.pitches, line) >= 0.9


def test_same_request_same_melody_same_song(
    backend: EmbeddedBackend, melodies: list[Melody]
) -> None:
    request = PlanRequest(kind="section", style="lofi", seed=9)
    a = plan_with_melody(request, melodies[3])
    b = plan_with_melody(request, melodies[3])
    assert a == b
    assert _song_midi(backend, *a) == _song_midi(backend, *b)
    # the plan (motif alterations, the melody itself) survives its JSON round trip
    plan = SongPlan.from_dict(json.loads(json.dumps(a[0].to_dict())))
    assert plan == a[0]
    assert plan_melody(plan) == melodies[3]


def test_chromatic_notes_are_kept(backend: EmbeddedBackend) -> None:
    pitches = [60, 62, 63, 64, 66, 67, 68, 69, 70, 71, 72, 67, 64, 61, 62, 60]
    # a chromatic line in C major: altered degrees, not scale notes
    line_tune = Tune(
        "chromatic", "C major", 100, tuple((p, i * 0.5, 0.5) for i, p in enumerate(pitches))
    )
    melody = load_melody(tune_midi(line_tune))
    for style in ("jazz", "house"):
        plan, render = plan_with_melody(PlanRequest(kind="song", style=style, seed=4), melody)
        assert any(n.alter for n in plan.motif)
        line = skyline(lead_records(plan, _song_midi(backend, plan, render)))
        assert interval_match(pitches, line) >= 0.9


def test_text_prompted_backends_are_asked_for_the_lead_melody(melodies: list[Melody]) -> None:
    from models.musicgen.prompting import text_prompt

    plan, render = plan_with_melody(PlanRequest(kind="song", style="house", seed=1), melodies[0])
    assert "lead melody" in text_prompt(plan, plan.sections[render[0]])
    plain, _ = plan_with_melody(PlanRequest(kind="song", style="house", seed=1), melodies[0])
    assert "lead melody" not in text_prompt(replace(plain, extras=()), plain.sections[0])

"""Standard MIDI Files: section files round-trip, DAW essentials, joining sections into songs."""

from __future__ import annotations

import io

import mido
import pytest

from models.embedded.composer import compose_section
from models.midi import TICKS_PER_QUARTER, join_midi, read_notes, section_midi
from models.plan import Key, Meter, SectionRole, SongPlan
from models.planning import PlanRequest, plan_request

TOLERANCE_S = 1.5 / TICKS_PER_QUARTER  # a tick and a half at 60 bpm


def _song(style: str = "pop", meter: Meter | None = None, seconds: float = 60.0) -> SongPlan:
    return plan_request(
        PlanRequest(
            kind="song",
            style=style,
            key=Key.parse("F# minor"),
            meter=meter,
            duration_s=seconds,
            seed=5,
        )
    )[0]


@pytest.mark.parametrize(
    ("style", "meter"), [("pop", "4/4"), ("hiphop", "4/4"), ("cinematic", "6/8"), ("jazz", "3/4")]
)
def test_section_file_round_trips_every_note(style: str, meter: str) -> None:
    plan = _song(style, Meter.parse(meter))
    for section in plan.sections:
        score = compose_section(plan, section)
        notes = read_notes(section_midi(score))
        expected = sorted(
            (
                track.name,
                n.pitch,
                n.velocity,
                score.tempo.seconds(n.start_q),
                score.tempo.seconds(n.end_q),
            )
            for track in score.tracks
            for n in track.notes
        )
        got = sorted((r.track, r.pitch, r.velocity, r.start_s, r.end_s) for r in notes)
        assert len(got) == len(expected) > 0
        for (tn, p, v, s, e), (tn2, p2, v2, s2, e2) in zip(expected, got, strict=True):
            assert (tn, p, v) == (tn2, p2, v2)
            assert s2 == pytest.approx(s, abs=TOLERANCE_S)
            assert e2 == pytest.approx(e, abs=TOLERANCE_S)


def test_section_file_has_what_a_daw_needs() -> None:
    plan = _song("hiphop")
    section = plan.sections[1]
    score = compose_section(plan, section)
    mid = mido.MidiFile(file=io.BytesIO(section_midi(score)))
    assert mid.type == 1 and mid.ticks_per_beat == TICKS_PER_QUARTER
    meta = [m for m in mid.tracks[0] if m.is_meta]
    tempo = next(m for m in meta if m.type == "set_tempo")
    assert mido.tempo2bpm(tempo.tempo) == pytest.approx(plan.bpm, rel=1e-4)
    sig = next(m for m in meta if m.type == "time_signature")
    assert (sig.numerator, sig.denominator) == (4, 4)
    assert next(m for m in meta if m.type == "key_signature").key == "F#m"
    instruments = mid.tracks[1:]
    assert len(instruments) == sum(1 for t in score.tracks if t.notes)
    for track, part in zip(instruments, [t for t in score.tracks if t.notes], strict=True):
        names = [m.name for m in track if m.type == "track_name"]
        programs = [m for m in track if m.type == "program_change"]
        channels = {m.channel for m in track if not m.is_meta}
        assert names == [part.name]
        assert len(channels) == 1
        assert programs and programs[0].channel == part.channel
        if part.is_drum:
            assert channels == {9}
        else:
            assert 9 not in channels and programs[0].program == part.program
        assert any(m.type == "control_change" and m.control == 7 for m in track)
    bends = [m for t in instruments for m in t if m.type == "pitchwheel"]
    assert bends, "the 808 glides are written as pitch bends"


def test_six_eight_time_signature_and_ritardando_tempo_map() -> None:
    plan = _song("cinematic", Meter(6, 8), seconds=40)
    outro = plan.sections[-1]
    assert outro.role is SectionRole.OUTRO
    mid = mido.MidiFile(file=io.BytesIO(section_midi(compose_section(plan, outro))))
    sig = next(m for m in mid.tracks[0] if m.type == "time_signature")
    assert (sig.numerator, sig.denominator) == (6, 8)
    tempos = [m.tempo for m in mid.tracks[0] if m.type == "set_tempo"]
    assert len(tempos) > 1 and tempos == sorted(tempos)  # slowing down: longer quarter notes
    # 6/8 at N bpm counts dotted quarters: a quarter note lasts 2/3 of a counted pulse
    assert tempos[0] == pytest.approx(60e6 / (plan.bpm * 1.5), rel=1e-4)


def test_join_places_sections_one_after_another_and_merges_tracks() -> None:
    plan = _song("rock", seconds=70)
    parts = []
    expected: list[tuple[str, int, float]] = []
    bar_s = plan.bar_s
    for section in plan.sections:
        score = compose_section(plan, section)
        parts.append((section.index, section_midi(score)))
        offset = section.start_bar * bar_s
        expected += [
            (t.name, n.pitch, offset + score.tempo.seconds(n.start_q))
            for t in score.tracks
            for n in t.notes
        ]
    song = join_midi(plan, parts)
    mid = mido.MidiFile(file=io.BytesIO(song))
    names = [next(m.name for m in t if m.type == "track_name") for t in mid.tracks[1:]]
    assert sorted(names) == sorted({p.name for p in plan.instruments})
    sigs = [m for m in mid.tracks[0] if m.type == "time_signature"]
    assert len(sigs) == 1
    notes = read_notes(song)
    assert len(notes) == len(expected)
    got: dict[tuple[str, int], list[float]] = {}
    want: dict[tuple[str, int], list[float]] = {}
    for r in notes:
        got.setdefault((r.track, r.pitch), []).append(r.start_s)
    for name, pitch, start in expected:
        want.setdefault((name, pitch), []).append(start)
    assert got.keys() == want.keys()
    for ident, times in want.items():
        assert sorted(got[ident]) == pytest.approx(sorted(times), abs=TOLERANCE_S)
    assert mid.length == pytest.approx(plan.duration_s, abs=2 * bar_s)


def test_join_follows_the_audio_a_lone_or_reordered_section_starts_at_zero() -> None:
    """A lone section (the outro, at bar 20 of its song) starts at 0 as its audio does, and
    parts in another order (a session song: outro then intro) play one after the other."""
    plan = _song("lofi", seconds=60)
    first, last = plan.sections[0], plan.sections[-1]
    assert last.start_bar > 0
    last_score = compose_section(plan, last)
    alone = read_notes(join_midi(plan, [(last.index, section_midi(last_score))]))
    earliest = min(n.start_q for t in last_score.tracks for n in t.notes)
    assert min(r.start_s for r in alone) == pytest.approx(
        last_score.tempo.seconds(earliest), abs=0.05
    )
    assert max(r.end_s for r in alone) <= last_score.tempo.seconds(last_score.body_q) + plan.bar_s
    first_score = compose_section(plan, first)
    both = read_notes(
        join_midi(
            plan,
            [(last.index, section_midi(last_score)), (first.index, section_midi(first_score))],
        )
    )
    outro_s = last.bars * plan.bar_s
    intro_notes = [r for r in both if r.start_s >= outro_s - 1e-6]
    assert len(intro_notes) >= len([n for t in first_score.tracks for n in t.notes]) > 0
    assert max(r.end_s for r in both) <= outro_s + first.bars * plan.bar_s + plan.bar_s
    with pytest.raises(ValueError, match="at least one"):
        join_midi(plan, [])


def test_a_stored_file_that_kept_its_song_offset_is_moved_to_zero() -> None:
    """Clips stored before files followed their audio have their section's song-time offset
    as leading silence; joined again (a session song) they start at 0 all the same."""
    plan = _song("lofi", seconds=60)
    last = plan.sections[-1]
    clean = section_midi(compose_section(plan, last))
    stale = mido.MidiFile(file=io.BytesIO(clean))
    lead = last.start_bar * plan.meter.quarters_per_bar * stale.ticks_per_beat
    for track in stale.tracks:
        first = next(m for m in track if m.type != "track_name")
        first.time += round(lead)  # everything after the names moves by the offset
    buf = io.BytesIO()
    stale.save(file=buf)
    assert min(r.start_s for r in read_notes(buf.getvalue())) > 10
    joined = read_notes(join_midi(plan, [(last.index, buf.getvalue())]))
    expected = read_notes(join_midi(plan, [(last.index, clean)]))
    assert [(r.pitch, round(r.start_s, 3)) for r in joined] == [
        (r.pitch, round(r.start_s, 3)) for r in expected
    ]

"""A whole song: every section in the same key and tempo, the climax loudest, the motif in every
section, fills and crashes at the seams, the ending resolving and ringing out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.base import SectionAudio
from models.embedded.backend import EmbeddedBackend
from models.embedded.score import Score
from models.plan import Key, PartRole, SectionRole, SongPlan
from models.planning import PlanRequest, plan_request
from models.styles import style_info
from tests.audio_analysis import estimate_key, estimate_tempo, loudness_lufs, tempo_matches
from tests.test_embedded_support import shared_backend

SR = 22_050
SONGS = [  # (style, key, bpm, seconds): a 45 s song and a longer, fuller one
    ("lofi", "A minor", 85, 45),
    ("synthwave", "F# minor", 104, 75),
    ("pop", "Eb major", 112, 60),
]


@pytest.fixture(scope="module")
def backend() -> EmbeddedBackend:
    return shared_backend(SR)


Rendered = tuple[SongPlan, list[Score], list[SectionAudio]]


@pytest.fixture(scope="module", params=SONGS, ids=[s[0] for s in SONGS])
def song(request: pytest.FixtureRequest, backend: EmbeddedBackend) -> Rendered:
    style, key, bpm, seconds = request.param
    plan, indices = plan_request(
        PlanRequest(
            kind="song", style=style, key=Key.parse(key), bpm=bpm, duration_s=seconds, seed=21
        )
    )
    scores = [backend.compose(plan, plan.sections[i]) for i in indices]
    audio = [backend.generate(plan, plan.sections[i]) for i in indices]
    return plan, scores, audio


def _prior(plan: SongPlan) -> float:
    return style_info(plan.style).default_bpm


def test_song_length_matches_the_request(song: Rendered) -> None:
    plan, _scores, audio = song
    wanted = next(s[3] for s in SONGS if s[0] == plan.style)
    body_s = sum(a.duration_s for a in audio)
    assert abs(body_s - wanted) <= plan.bar_s * 1.25  # whole bars, plus the final ritardando


def test_every_section_is_in_the_song_key_and_tempo(song: Rendered) -> None:
    plan, scores, audio = song
    for section, score, out in zip(plan.sections, scores, audio, strict=True):
        body = out.audio[: out.body_frames]
        assert estimate_key(body, SR) == plan.key, section.role
        if section.role is SectionRole.OUTRO:
            # leave out the ritardando (the last two bars), which slows down on purpose
            steady_q = score.tempo.starts_q[1] if len(score.tempo.starts_q) > 1 else score.body_q
            body = body[: round(score.tempo.seconds(steady_q) * SR)]
        tempo = estimate_tempo(body, SR, start_bpm=_prior(plan))
        assert tempo_matches(tempo, plan.bpm), (section.role, tempo)


def test_the_climax_is_the_loudest(song: Rendered) -> None:
    plan, _scores, audio = song
    loud = {
        s.role: loudness_lufs(a.audio[: a.body_frames], SR)
        for s, a in zip(plan.sections, audio, strict=True)
    }
    assert loud[SectionRole.CLIMAX] > loud[SectionRole.INTRO] + 2.0
    assert loud[SectionRole.CLIMAX] > loud[SectionRole.OUTRO] + 2.0


def _active_parts(score: Score, bar: int) -> set[str]:
    b0, b1 = bar * score.meter.quarters_per_bar, (bar + 1) * score.meter.quarters_per_bar
    return {t.name for t in score.tracks if any(n.start_q < b1 and n.end_q > b0 for n in t.notes)}


def test_intro_builds_in_and_climax_is_fullest(song: Rendered) -> None:
    plan, scores, _audio = song
    by_role = {s.role: sc for s, sc in zip(plan.sections, scores, strict=True)}
    intro, climax = by_role[SectionRole.INTRO], by_role[SectionRole.CLIMAX]
    bars = plan.section(SectionRole.INTRO).bars
    assert len(_active_parts(intro, 0)) < len(_active_parts(intro, bars - 1))
    assert _active_parts(climax, 1) == {t.name for t in climax.tracks}

    def top_line(sc: Score) -> float:  # the melody: the highest lead note at each onset
        lead = next(t for t in sc.tracks if t.role is PartRole.LEAD)
        tops: dict[float, int] = {}
        for n in lead.notes:
            onset = round(n.start_q, 1)
            tops[onset] = max(tops.get(onset, 0), n.pitch)
        return float(np.mean(list(tops.values())))

    leads = {role: top_line(sc) for role, sc in by_role.items()}
    others = [v for r, v in leads.items() if r is not SectionRole.CLIMAX]
    assert leads[SectionRole.CLIMAX] > max(others)  # the lead climbs for the climax


def test_sections_join_with_fills_and_crashes(song: Rendered) -> None:
    plan, scores, _audio = song
    drums_by_section = [next((t for t in sc.tracks if t.is_drum), None) for sc in scores]
    bar_q = plan.meter.quarters_per_bar
    for i, (section, drums) in enumerate(zip(plan.sections, drums_by_section, strict=True)):
        if drums is None:
            continue
        if i > 0 and any(n.start_q < bar_q for n in drums.notes):
            assert any(n.pitch in (49, 57) and n.start_q < 0.05 for n in drums.notes), i
        if i + 1 < len(plan.sections) and section.role is not SectionRole.OUTRO:
            last = (section.bars - 1) * bar_q
            fill = [n for n in drums.notes if n.start_q >= last + bar_q / 2]
            toms_or_snares = [n for n in fill if n.pitch in (38, 40, 41, 43, 45, 47, 48, 50)]
            assert len(toms_or_snares) >= 3, (i, section.role)


def test_the_motif_is_heard_in_every_section(song: Rendered) -> None:
    """The lead states the motif's rhythm (the song's identity) somewhere in every section:
    stated, sequenced or inverted in place, augmented (twice as slow) in the outro."""
    plan, scores, _audio = song
    pulse = plan.meter.quarters_per_pulse
    for section, score in zip(plan.sections, scores, strict=True):
        lead = next(t for t in score.tracks if t.role is PartRole.LEAD)
        onsets = np.array(sorted(n.start_q for n in lead.notes))
        stretch = 2.0 if section.role is SectionRole.OUTRO else 1.0
        motif = [m.start * pulse * stretch for m in plan.motif]
        bar_q = plan.meter.quarters_per_bar
        best = 0.0
        for bar in range(section.bars):
            hits = sum(np.any(np.abs(onsets - (bar * bar_q + m)) < 0.12) for m in motif)
            best = max(best, hits / len(motif))
        assert best >= 0.75, (section.role, best)


def test_the_song_ends_on_a_resolved_ringing_tonic(song: Rendered) -> None:
    plan, scores, audio = song
    outro, score = audio[-1], scores[-1]
    assert score.tempo.spq[-1] > score.tempo.spq[0]  # ritardando
    assert score.tempo.seconds(score.body_q) > plan.sections[-1].bars * plan.bar_s
    tail = outro.audio[outro.body_frames :]
    body_level = math.sqrt(float(np.mean(outro.audio[: outro.body_frames] ** 2)))
    end_level = math.sqrt(float(np.mean(tail[-int(0.1 * SR) :] ** 2)))
    assert end_level < 0.01 * body_level
    last_bar = outro.audio[outro.body_frames - int(plan.bar_s * SR) : outro.body_frames]
    assert estimate_key(last_bar, SR).tonic == plan.key.tonic

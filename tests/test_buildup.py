"""The build-up: words name it, dance forms place it before a drop by the seed, and a rendered
build-up rises: its snare roll speeds up (in the MIDI and in the audio), its music brightens, and
the drop's downbeat lands louder than its last beat."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import librosa
import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf

from bot.parsing import parse_request
from bot.service.planning import plan_from_spec
from models.base import BackendConfig, SectionAudio
from models.embedded.backend import EmbeddedBackend, render_settings
from models.factory import load_backend
from models.midi import read_notes
from models.plan import Key, PartRole, SectionPlan, SectionRole, SongPlan
from models.planning import PlanRequest, plan_request
from tests.audio_analysis import estimate_key
from tests.test_embedded_support import shared_backend
from tests.test_midi_matches_audio import assert_matches, render

SR = 22_050
_SNARES = (38, 39, 40)
_FORM = (SectionRole.INTRO, SectionRole.BRIDGE, SectionRole.BUILDUP, SectionRole.CLIMAX)


@pytest.mark.parametrize(
    "words",
    [
        "build up 128bpm house",
        "a buildup",
        "a house build-up",
        "a riser into the drop",
        "the rise at 126 bpm",
        "edm buildup with risers",
    ],
)
def test_words_name_a_buildup(words: str) -> None:
    spec = parse_request(words)
    assert spec.section is SectionRole.BUILDUP, (words, spec)


def test_a_named_form_keeps_its_buildup() -> None:
    spec = parse_request("a song with intro, build up, drop and outro")
    assert spec.form == (
        SectionRole.INTRO,
        SectionRole.BUILDUP,
        SectionRole.CLIMAX,
        SectionRole.OUTRO,
    )
    assert parse_request("rise up lofi").section is None  # a verb, not a section


def test_dance_songs_rise_into_a_drop_by_the_seed() -> None:
    with_buildup = 0
    for seed in range(10):
        plan, _ = plan_request(PlanRequest(kind="song", style="house", duration_s=60, seed=seed))
        roles = [s.role for s in plan.sections]
        assert abs(plan.duration_s - 60) <= plan.bar_s, (seed, plan.duration_s)
        for i, role in enumerate(roles):
            if role is SectionRole.BUILDUP:
                with_buildup += 1
                assert roles[i + 1] is SectionRole.CLIMAX, roles
                assert plan.sections[i].bars >= 4
    assert 0 < with_buildup < 10  # some seeds build up into the drop, some do not


def test_any_style_plans_a_buildup_before_its_climax() -> None:
    plan, render = plan_request(
        PlanRequest(section=SectionRole.BUILDUP, style="lofi", key=Key.parse("D minor"), seed=4)
    )
    section = plan.sections[render[0]]
    assert section.role is SectionRole.BUILDUP
    assert plan.sections[render[0] + 1].role is SectionRole.CLIMAX
    # the harmony holds the tonic, turning to the dominant for the last half bar
    assert section.progression[0].root == 0 and section.progression[0].bars >= section.bars - 1
    assert section.progression[-1].root == 7


@pytest.mark.parametrize("style", ["house", "lofi", "jazz"])
def test_a_song_asked_with_a_buildup_has_one_before_its_climax(style: str) -> None:
    """ "a house song with a build up into the drop": whatever form the seed picks, the song has
    the build-up, right before the climax, within the duration asked."""
    for seed in range(6):
        plan, render = plan_request(
            PlanRequest(
                kind="song", section=SectionRole.BUILDUP, style=style, duration_s=60, seed=seed
            )
        )
        roles = [s.role for s in plan.sections]
        assert SectionRole.BUILDUP in roles, roles
        at = roles.index(SectionRole.BUILDUP)
        assert roles[at + 1] is SectionRole.CLIMAX, roles
        assert render == tuple(range(len(roles)))
        assert abs(plan.duration_s - 60) <= 2 * plan.bar_s, plan.duration_s


@dataclass(frozen=True)
class Rendered:
    plan: SongPlan
    buildup: SectionPlan
    audio: SectionAudio  # the build-up
    drop: SectionAudio
    drums: npt.NDArray[np.float32]  # the build-up's drum part alone, mono, body only


@pytest.fixture(scope="module", params=["piano-house", "dance-pop", "darksynth"])
def rendered(request: pytest.FixtureRequest) -> Rendered:
    """(darksynth: its gated snare room must close between the roll's hits, or the roll is
    heard as one wash)"""
    backend: EmbeddedBackend = shared_backend(SR)
    style = {"dance-pop": "pop", "darksynth": "synthwave"}.get(request.param, "house")
    plan, _ = plan_request(
        PlanRequest(
            kind="song",
            style=style,
            substyle=request.param,
            key=Key.parse("A minor"),
            bpm=124,
            form=_FORM,
            duration_s=32,
            seed=5,
        )
    )
    index = [s.role for s in plan.sections].index(SectionRole.BUILDUP)
    buildup = plan.sections[index]
    score = backend.compose(plan, buildup)
    score.tracks = [t for t in score.tracks if t.role is PartRole.DRUMS]
    drums, body = backend.renderer.render(score, render_settings(plan, buildup))
    return Rendered(
        plan,
        buildup,
        backend.generate(plan, buildup),
        backend.generate(plan, plan.sections[index + 1]),
        drums[:body].mean(axis=1),
    )


def _bars(x: npt.NDArray[np.float32], plan: SongPlan, bars: int) -> list[npt.NDArray[np.float32]]:
    n = round(plan.bar_s * SR)
    return [x[k * n : (k + 1) * n] for k in range(bars)]


def test_the_midi_has_a_roll_that_speeds_up(rendered: Rendered) -> None:
    assert rendered.audio.midi is not None
    notes = read_notes(rendered.audio.midi)
    bar_s, bars = rendered.plan.bar_s, rendered.buildup.bars
    rolls = [n for n in notes if n.is_drum and n.pitch in _SNARES]
    first = [n for n in rolls if n.start_s < bar_s]
    last = [n for n in rolls if n.start_s >= (bars - 1) * bar_s]
    assert len(last) >= 4 * len(first) > 0, (len(first), len(last))
    onsets = sorted({round(n.start_s, 3) for n in last})
    assert min(np.diff(onsets)) < bar_s / 24  # thirty-seconds in the last bar
    assert max(n.velocity for n in last) > max(n.velocity for n in first) + 15  # a crescendo


def test_the_roll_is_heard_faster(rendered: Rendered) -> None:
    """Onsets per beat of the drum part, measured in its audio: the last bar at least twice the
    first, and every bar at least as many as the one before."""
    strength = librosa.onset.onset_strength(y=rendered.drums, sr=SR, hop_length=128)
    times = librosa.onset.onset_detect(
        onset_envelope=strength, sr=SR, hop_length=128, units="time", delta=0.02, wait=4
    )
    bar_s = rendered.plan.bar_s
    counts = [
        sum(1 for t in times if k * bar_s <= t < (k + 1) * bar_s)
        for k in range(rendered.buildup.bars)
    ]
    assert counts[-1] >= 2 * counts[0] > 0, counts
    assert all(b >= a for a, b in itertools.pairwise(counts)), counts


def _centroid_hz(x: npt.NDArray[np.float32]) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    freqs = np.fft.rfftfreq(x.size, 1.0 / SR)
    return float((spectrum * freqs).sum() / spectrum.sum())


def test_the_buildup_brightens(rendered: Rendered) -> None:
    mix = rendered.audio.audio[: rendered.audio.body_frames].mean(axis=1)
    centroids = [_centroid_hz(b) for b in _bars(mix, rendered.plan, rendered.buildup.bars)]
    assert centroids[-1] >= 1.3 * centroids[0], centroids
    assert all(b > a for a, b in itertools.pairwise(centroids)), centroids


def _rms_db(x: npt.NDArray[np.float32]) -> float:
    return float(10.0 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-12))


def test_the_drop_lands_louder_than_the_last_beat(rendered: Rendered) -> None:
    beat = round(rendered.plan.bar_s / rendered.plan.meter.pulses_per_bar * SR)
    body = rendered.audio.audio[: rendered.audio.body_frames].mean(axis=1)
    drop = rendered.drop.audio.mean(axis=1)
    assert _rms_db(drop[:beat]) >= _rms_db(body[-beat:]) + 3.0


def test_the_buildup_stays_in_the_key(rendered: Rendered) -> None:
    body = rendered.audio.audio[: rendered.audio.body_frames]
    assert estimate_key(body, SR) == rendered.plan.key


def test_a_song_rises_through_its_buildup_into_the_drop(tmp_path: Path) -> None:
    """Through the bot's pipeline (plan from words, render, stitch, master, MIDI): the song's
    MIDI matches its audio, and in the mastered song the drop's downbeat is louder than the
    build-up's last beat."""
    spec = parse_request("a house song with intro, build up, drop and outro at 124 bpm seed 3")
    plan, order = plan_from_spec(spec)
    roles = [plan.sections[i].role for i in order]
    assert roles == [SectionRole.INTRO, SectionRole.BUILDUP, SectionRole.CLIMAX, SectionRole.OUTRO]
    backend = load_backend("embedded", BackendConfig(sample_rate=SR))
    try:
        clip = render(backend, tmp_path, plan, order)
    finally:
        backend.close()
    assert_matches(clip, plan)
    song, rate = sf.read(clip.audio_path, dtype="float32")
    assert rate == SR
    mono = song.mean(axis=1)
    drop_at = round(plan.sections[order[2]].start_bar * plan.bar_s * SR)
    beat = round(plan.bar_s / plan.meter.pulses_per_bar * SR)
    assert _rms_db(mono[drop_at : drop_at + beat]) >= _rms_db(mono[drop_at - beat : drop_at]) + 3.0

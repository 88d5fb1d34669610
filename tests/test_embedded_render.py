"""The embedded backend: audio shape and timing, determinism, levels, parts, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.base import BackendConfig, BackendError, SectionAudio
from models.embedded.backend import EmbeddedBackend, default_soundfont, load
from models.factory import load_backend
from models.midi import read_notes
from models.plan import Key, PartRole, SectionRole
from models.planning import PlanRequest, plan_request, vary_plan
from models.styles import STYLE_IDS
from tests.audio_analysis import peak, rms_windows
from tests.test_embedded_support import section_plan, shared_backend

SR = 48_000


@pytest.fixture(scope="module")
def backend() -> EmbeddedBackend:
    return shared_backend(SR)


@pytest.mark.parametrize("style", STYLE_IDS)
def test_section_audio_shape_timing_and_headroom(backend: EmbeddedBackend, style: str) -> None:
    plan, section = section_plan(style, Key.parse("D minor"), 100, bars=4, seed=1)
    calls: list[tuple[float, str]] = []
    out = backend.generate(plan, section, progress=lambda f, label: calls.append((f, label)))
    assert isinstance(out, SectionAudio)
    assert out.audio.dtype == np.float32 and out.audio.ndim == 2 and out.audio.shape[1] == 2
    assert out.sample_rate == SR == backend.sample_rate
    # the body ends on the last bar line (solo piano breathes a little at phrase ends), a tail
    # of releases and room follows
    score = backend.compose(plan, section)
    assert out.body_frames == round(score.body_s * SR)
    nominal = round(section.bars * plan.bar_s * SR)
    assert nominal <= out.body_frames <= nominal * (1.02 if style == "piano" else 1.0)
    assert 1.0 <= out.tail_frames / SR <= 2.0
    assert 0.02 < peak(out.audio) < 1.0
    assert np.all(np.isfinite(out.audio))
    # it starts on the first downbeat: sound within the first 30 ms
    assert np.abs(out.audio[: int(0.03 * SR)]).max() > 1e-3
    assert calls[0][0] == 0.0 and calls[-1][0] == 1.0
    notes = read_notes(out.midi or b"")
    assert notes and max(n.end_s for n in notes) <= out.duration_s + 1e-3


def test_same_plan_same_bytes_new_seed_new_audio(backend: EmbeddedBackend) -> None:
    plan, section = section_plan("lofi", Key.parse("Eb major"), 82, bars=4, seed=3)
    a = backend.generate(plan, section)
    b = backend.generate(plan, section)
    assert a.audio.tobytes() == b.audio.tobytes()
    assert a.midi == b.midi
    fresh = load(BackendConfig(sample_rate=SR))
    assert fresh.generate(plan, section).audio.tobytes() == a.audio.tobytes()
    varied = vary_plan(plan, 4)
    c = backend.generate(varied, varied.sections[section.index])
    assert c.audio.shape == a.audio.shape  # same tempo and length
    assert c.audio.tobytes() != a.audio.tobytes()


def test_rendering_other_sections_in_between_changes_nothing(backend: EmbeddedBackend) -> None:
    plan, indices = plan_request(PlanRequest(kind="song", style="rock", duration_s=30, seed=2))
    first = [backend.generate(plan, plan.sections[i]).audio.tobytes() for i in indices]
    again = [backend.generate(plan, plan.sections[i]).audio.tobytes() for i in reversed(indices)]
    assert first == list(reversed(again))


@pytest.mark.parametrize("style", STYLE_IDS)
def test_every_part_is_audible(backend: EmbeddedBackend, style: str) -> None:
    plan, section = section_plan(
        style, Key.parse("A minor"), 96, role=SectionRole.CLIMAX, bars=4, seed=5
    )
    score = backend.compose(plan, section)
    backend.renderer.calibrate(score)
    stems = backend.renderer.render_stems(score)
    levels = {name: float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) for name, x in stems.items()}
    loudest = max(levels.values())
    for name, level in levels.items():
        # every part of a climax plays, within 20 dB of the loudest (before the master gain)
        assert level > loudest * 0.1, (name, levels)


def test_drum_hits_land_on_the_grid(backend: EmbeddedBackend) -> None:
    import librosa

    plan, section = section_plan("house", Key.parse("G minor"), 124, bars=4, seed=6)
    score = backend.compose(plan, section)
    backend.renderer.calibrate(score)
    drums = backend.renderer.render_stems(score)[score.tracks[0].name]
    notes = score.tracks[0].notes
    kicks = [n.start_q for n in notes if n.pitch == 36 and n.start_q < 11.5]
    assert kicks == pytest.approx(list(np.arange(0, 12, 1.0)), abs=0.02)  # four on the floor
    # the last bar leads into the next section with a snare roll
    roll = [n for n in notes if n.pitch == 38 and n.start_q >= 12]
    assert len(roll) >= 6
    crash = [n for n in notes if n.pitch in (49, 57) and n.start_q < 0.05]
    assert crash  # a new section starts with a crash
    mono = drums.mean(axis=1)
    onsets = librosa.onset.onset_detect(y=mono, sr=SR, units="time", hop_length=256)
    beat_s = 60.0 / plan.bpm
    for k in range(1, 12):  # (an onset detector cannot report the very first frame)
        assert np.min(np.abs(onsets - k * beat_s)) < 0.03


def test_ending_rings_out_on_the_tonic(backend: EmbeddedBackend) -> None:
    plan, indices = plan_request(
        PlanRequest(kind="song", style="pop", key=Key.parse("B minor"), duration_s=40, seed=8)
    )
    outro = plan.sections[indices[-1]]
    assert outro.role is SectionRole.OUTRO
    out = backend.generate(plan, outro)
    score = backend.compose(plan, outro)
    nominal = outro.bars * plan.bar_s
    assert out.duration_s > nominal  # the ritardando stretches the last bars
    levels = rms_windows(out.audio, SR, 0.1)
    assert levels[-1] < 0.01 * levels.max()  # rings down to near silence
    end_q = outro.bars * plan.meter.quarters_per_bar
    # what still sounds over the final beat: the tonic chord, the bass on the tonic
    final = [
        (t.role, n.pitch)
        for t in score.tracks
        if not t.is_drum
        for n in t.notes
        if n.end_q > end_q - 0.5
    ]
    assert final
    tonic_triad = {plan.key.tonic, (plan.key.tonic + 3) % 12, (plan.key.tonic + 7) % 12}
    assert {p % 12 for _r, p in final} <= tonic_triad
    bass = [p for r, p in final if r is PartRole.BASS]
    assert bass and min(bass) % 12 == plan.key.tonic
    lead = next(t for t in score.tracks if t.role is PartRole.LEAD)
    assert lead.notes[-1].pitch % 12 == plan.key.tonic  # the melody lands on the tonic


def test_default_soundfont_is_the_one_shipped_with_pretty_midi() -> None:
    path = default_soundfont()
    assert path.name == "TimGM6mb.sf2" and path.is_file()
    assert "pretty_midi" in str(path)


def test_factory_builds_the_embedded_backend() -> None:
    backend = load_backend("embedded", BackendConfig(sample_rate=22_050))
    assert isinstance(backend, EmbeddedBackend)
    assert backend.name == "embedded" and backend.needs_previous is False
    assert backend.sample_rate == 22_050


def test_missing_or_broken_soundfont_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sf2"
    with pytest.raises(BackendError, match=r"SoundFont not found: .*nope\.sf2"):
        load(BackendConfig(soundfont=missing))
    broken = tmp_path / "broken.sf2"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00not a soundfont at all")
    with pytest.raises(BackendError, match=r"broken\.sf2"):
        load(BackendConfig(soundfont=broken))


def test_unknown_style_and_foreign_section_are_backend_errors(backend: EmbeddedBackend) -> None:
    plan, _section = section_plan("pop", Key.parse("C major"), 110, bars=2)
    bad = plan.to_dict()
    bad["style"] = "polka"
    from models.plan import SongPlan

    polka = SongPlan.from_dict(bad)
    with pytest.raises(BackendError, match="polka"):
        backend.generate(polka, polka.sections[0])
    other, _ = plan_request(PlanRequest(style="rock", seed=99))
    with pytest.raises(BackendError, match="not in this plan"):
        backend.generate(plan, other.sections[3])


def test_closed_backend_refuses_politely() -> None:
    backend = load(BackendConfig(sample_rate=22_050))
    plan, section = section_plan("piano", Key.parse("C major"), 80, bars=2)
    backend.close()
    with pytest.raises(BackendError, match="closed"):
        backend.generate(plan, section)


def test_unknown_instrument_words_are_reported(backend: EmbeddedBackend) -> None:
    plan, (index,) = plan_request(
        PlanRequest(style="pop", instruments=("theremin",), duration_s=5, seed=1)
    )
    out = backend.generate(plan, plan.sections[index])
    assert any("theremin" in note for note in out.notes)

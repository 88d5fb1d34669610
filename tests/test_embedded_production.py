"""Production chains are really applied: measured on rendered stems and sections.

Each test renders a real section with the bundled SoundFont, runs the style's chain and measures
what a listener would hear: lofi darker with crackle, house pumping with the kick, rock guitars
distorted, synthwave pads widened by chorus and a gated snare room.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from models.embedded.backend import EmbeddedBackend, render_settings
from models.embedded.production import FAMILIES, bus_key, family, production_for
from models.embedded.production.chains import apply_effects, apply_snare_verb, gate_curve
from models.embedded.production.tables import NEUTRAL, PRODUCTIONS
from models.embedded.production.types import Chorus, Sweep
from models.embedded.render import RenderSettings, section_cues
from models.embedded.score import Score
from models.plan import Key, PartRole, SectionRole
from models.substyles import SUBSTYLES
from tests.style_features import band_share, clicks_per_s, features, pump_db, width_db
from tests.test_embedded_support import section_plan, shared_backend

SR = 48_000
_ROLES = {r.value for r in PartRole}


@pytest.fixture(scope="module")
def backend() -> EmbeddedBackend:
    return shared_backend(SR)


def _score(backend: EmbeddedBackend, style: str, bpm: float, seed: int = 2) -> Score:
    plan, section = section_plan(style, Key.parse("A minor"), bpm, bars=4, seed=seed)
    score = backend.compose(plan, section)
    backend.renderer.calibrate(score)
    return score


def _stem(backend: EmbeddedBackend, score: Score, role: PartRole) -> np.ndarray:
    track = next(t for t in score.tracks if t.role is role and t.notes)
    return backend.renderer.render_stems(score)[track.name]


def test_lookup_falls_back_from_substyle_to_style_to_neutral() -> None:
    assert production_for("hiphop", "Trap") is PRODUCTIONS["hiphop/trap"]
    assert production_for("hiphop", "boom bap") is PRODUCTIONS["hiphop/boom-bap"]
    assert production_for("house", "deep-house") is PRODUCTIONS["house/deep-house"]
    assert production_for("hiphop", "no such thing") is PRODUCTIONS["hiphop"]
    assert production_for("lofi") is PRODUCTIONS["lofi"]
    assert production_for("polka") is NEUTRAL
    rock = production_for("rock")
    assert family(30) == "electric_guitar" and family(24) == "acoustic_guitar"
    assert bus_key(rock, 30, "harmony", False) == "electric_guitar"
    assert bus_key(rock, 0, "harmony", False) is None  # a requested piano is not distorted
    assert bus_key(rock, 0, "drums", True) == "drums"  # a kit is never "piano"


def test_tables_use_known_bus_keys_sub_styles_and_sane_values() -> None:
    keys = set(FAMILIES) | {"acoustic_guitar", "electric_guitar"} | _ROLES
    for name, production in PRODUCTIONS.items():
        style, _, substyle = name.partition("/")
        assert production_for(style) is PRODUCTIONS[style], name
        if substyle:
            assert SUBSTYLES[substyle].style == style, name  # a real sub-style of that style
            assert production_for(style, substyle) is production
        assert set(production.buses) <= keys, name
        assert 0.0 <= production.room.wet <= 0.6 and 0.0 < production.room.size < 1.0
        for bus in production.buses.values():
            for effect in bus.effects:
                if isinstance(effect, Sweep):
                    assert set(effect.roles) <= {r.value for r in SectionRole}


def test_lofi_is_low_passed_and_carries_crackle(backend: EmbeddedBackend) -> None:
    plan, section = section_plan("lofi", Key.parse("C minor"), 85, bars=4, seed=9)
    score = backend.compose(plan, section)
    backend.renderer.calibrate(score)
    clean, body = backend.renderer.render(score, RenderSettings(seed=1))
    dusty, _ = backend.renderer.render(score, render_settings(plan, section))
    assert band_share(dusty[:body], SR, 8000, 16000) < 0.3 * band_share(
        clean[:body], SR, 8000, 16000
    )
    low_ratio = band_share(dusty[:body], SR, 60, 1000) / band_share(clean[:body], SR, 60, 1000)
    assert 0.7 < low_ratio < 1.5  # the body of the beat stays
    tail = slice(-int(0.5 * SR), -int(0.05 * SR))  # the music has gone quiet: noise remains
    assert clicks_per_s(dusty[tail], SR) > 2.0
    assert np.abs(dusty[tail]).mean() > 3 * np.abs(clean[tail]).mean()


def test_house_pad_pumps_with_the_kick(backend: EmbeddedBackend) -> None:
    score = _score(backend, "house", 124)
    pad = _stem(backend, score, PartRole.PAD)
    cues = section_cues(score, SR, "chorus")
    assert len(cues.kick_frames) >= 12  # four on the floor over 4 bars
    bus = production_for("house").buses["pad"]
    pumped = apply_effects(pad, bus.effects, cues)
    beat_s = score.tempo.spq_at(0.0)
    body = slice(int(0.5 * SR), round(score.body_s * SR))
    dry_depth = pump_db(pad[body], SR, beat_s)
    wet_depth = pump_db(pumped[body], SR, beat_s)
    assert wet_depth > dry_depth + 5.0
    # the dip follows each kick: 50 ms after a kick is quieter than just before it
    after = [np.abs(pumped[k + 2000 : k + 2800]).mean() for k in cues.kick_frames[2:-2]]
    before = [np.abs(pumped[k - 1200 : k - 400]).mean() for k in cues.kick_frames[2:-2]]
    assert np.median(np.array(after) / np.maximum(np.array(before), 1e-9)) < 0.6


def test_house_intro_filter_opens(backend: EmbeddedBackend) -> None:
    score = _score(backend, "house", 124)
    chords = _stem(backend, score, PartRole.HARMONY)
    bus = production_for("house").buses["harmony"]
    intro = apply_effects(chords, bus.effects, section_cues(score, SR, "intro"))
    n = round(score.body_s * SR)
    first, last = intro[: n // 4], intro[3 * n // 4 : n]
    assert band_share(first, SR, 2000, 12000) < 0.2 * band_share(last, SR, 2000, 12000)


def test_rock_guitar_is_distorted(backend: EmbeddedBackend) -> None:
    score = _score(backend, "rock", 120)
    guitar = next(t for t in score.tracks if family(t.program) == "electric_guitar" and t.notes)
    clean = backend.renderer.render_stems(score)[guitar.name]
    bus = production_for("rock").buses["electric_guitar"]
    driven = apply_effects(clean, bus.effects, section_cues(score, SR, "chorus"))
    body = slice(0, round(score.body_s * SR))

    def crest_db(x: np.ndarray) -> float:
        return float(20 * np.log10(np.abs(x).max() / np.sqrt(np.mean(x.astype(np.float64) ** 2))))

    # clipping squares the waves (lower crest factor) and fills the spectrum between the
    # partials with harmonics and intermodulation (higher spectral flatness)
    assert crest_db(driven[body]) < crest_db(clean[body]) - 3.0
    clean_f = features(clean[body], SR, 0.5)["flatness"]
    assert features(driven[body], SR, 0.5)["flatness"] > 3.0 * clean_f
    rms_in = np.sqrt(np.mean(clean[body].astype(np.float64) ** 2))
    rms_out = np.sqrt(np.mean(driven[body].astype(np.float64) ** 2))
    assert rms_out == pytest.approx(rms_in, rel=0.3)  # tone changes, level stays the arranger's


def test_synthwave_pad_is_widened_and_the_snare_room_is_gated(backend: EmbeddedBackend) -> None:
    score = _score(backend, "synthwave", 110)
    production = production_for("synthwave")
    cues = section_cues(score, SR, "chorus")
    stems = backend.renderer.render_stems(score)
    synth = next(
        t
        for t in score.tracks
        if t.notes
        and not t.is_drum
        and any(
            isinstance(e, Chorus)
            for e in production.buses[
                bus_key(production, t.program, t.role.value, False) or "drums"
            ].effects
        )
    )
    key = bus_key(production, synth.program, synth.role.value, False)
    assert key is not None
    dry = stems[synth.name]
    chorused = apply_effects(dry, production.buses[key].effects, cues)

    def correlation(x: np.ndarray) -> float:
        return float(np.corrcoef(x[:, 0].astype(np.float64), x[:, 1].astype(np.float64))[0, 1])

    assert correlation(dry) > 0.98  # a panned mono synth
    assert correlation(chorused) < 0.9  # the chorus spreads it
    assert width_db(chorused) > width_db(dry) + 3.0
    # gated reverb: the room on the snare is loud while the gate holds, gone just after it
    drums = next(t for t in score.tracks if t.is_drum)
    verb = production.buses["drums"].snare
    assert verb is not None and cues.snare_frames
    snare = stems[drums.name]
    wet = apply_snare_verb(snare, verb, cues)
    hold = int(verb.hold_s * SR)
    hits = cues.snare_frames
    alone = [s for s, nxt in itertools.pairwise(hits) if nxt - s > hold + 4000]
    assert alone
    inside = np.mean([np.abs(wet[s + hold // 2 : s + hold]).mean() for s in alone])
    after = np.mean([np.abs(wet[s + hold + 800 : s + hold + 3000]).mean() for s in alone])
    assert after < 0.1 * inside
    gate = gate_curve(SR, [0], 0.25, SR)
    assert gate[int(0.2 * SR)] == 1.0 and gate[int(0.3 * SR)] == 0.0


def test_a_snare_roll_opens_the_gate_hit_by_hit() -> None:
    """Sixteenths at 120 bpm under a 0.28 s gate: the room is heard after each hit and shut
    before the next (a roll, not one wash); hits far apart keep the whole hold."""
    step = SR // 8  # 125 ms
    roll = [i * step for i in range(8)]
    gate = gate_curve(SR * 2, roll, 0.28, SR)
    for hit in roll[:-1]:
        assert gate[hit + step // 4] == 1.0  # open after the hit
        assert gate[hit + step - 10] == 0.0  # shut before the next
    assert gate[roll[-1] + int(0.27 * SR)] == 1.0  # the last hit keeps its hold


def test_production_output_is_deterministic_and_finite(backend: EmbeddedBackend) -> None:
    plan, section = section_plan("synthwave", Key.parse("E minor"), 100, bars=2, seed=4)
    a = backend.generate(plan, section).audio
    b = backend.generate(plan, section).audio
    assert a.tobytes() == b.tobytes() and np.all(np.isfinite(a))

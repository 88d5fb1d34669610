"""How a build-up rises, measured, per dance sub-style; "before" is the same section planned as
the climax ("build up" words were read as a climax before the build-up section existed).

For each sub-style a song breakdown → build-up → drop is planned (A minor, 124 bpm) and the
section before the drop is rendered (22.05 kHz) both ways.  Printed per bar: snare/clap onsets
heard in the drum part alone (librosa onset detection), the mix's spectral centroid, and the
step from the section's last beat to the drop's first (RMS dB).  Plus the key heard.

    python bench/bench_buildup.py [--only deep-house]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import librosa
import numpy as np
import numpy.typing as npt

from models.embedded.backend import render_settings
from models.plan import Key, PartRole, SectionRole, SongPlan
from models.planning import PlanRequest, plan_request
from models.substyles import SUBSTYLES
from tests.audio_analysis import estimate_key
from tests.test_embedded_support import shared_backend

SR = 22_050
SUBS = ("piano-house", "deep-house", "tech-house", "dance-pop", "darksynth")
FORM = (SectionRole.INTRO, SectionRole.BRIDGE, SectionRole.BUILDUP, SectionRole.CLIMAX)
Audio = npt.NDArray[np.float32]


def _centroid_hz(x: Audio) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float((spectrum * np.fft.rfftfreq(x.size, 1.0 / SR)).sum() / spectrum.sum())


def _rms_db(x: Audio) -> float:
    return float(10.0 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-12))


def measure(plan: SongPlan, index: int) -> str:
    backend = shared_backend(SR)
    section = plan.sections[index]
    score = backend.compose(plan, section)
    score.tracks = [t for t in score.tracks if t.role is PartRole.DRUMS]
    drums, body = backend.renderer.render(score, render_settings(plan, section))
    strength = librosa.onset.onset_strength(y=drums[:body].mean(axis=1), sr=SR, hop_length=128)
    times = librosa.onset.onset_detect(
        onset_envelope=strength, sr=SR, hop_length=128, units="time", delta=0.02, wait=4
    )
    audio = backend.generate(plan, section)
    drop = backend.generate(plan, plan.sections[index + 1])
    mix = audio.audio[: audio.body_frames].mean(axis=1)
    bar = round(plan.bar_s * SR)
    beat = bar // plan.meter.pulses_per_bar
    onsets = [
        sum(1 for t in times if k * bar <= t * SR < (k + 1) * bar) for k in range(section.bars)
    ]
    centroids = [_centroid_hz(mix[k * bar : (k + 1) * bar]) for k in range(section.bars)]
    step = _rms_db(drop.audio.mean(axis=1)[:beat]) - _rms_db(mix[-beat:])
    key = estimate_key(audio.audio[: audio.body_frames], SR)
    return (
        f"onsets/bar {onsets}  centroid Hz {[round(c) for c in centroids]}  "
        f"drop step {step:+.1f} dB  key {key}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    for sub in SUBS:
        if args.only and sub != args.only:
            continue
        plan, _ = plan_request(
            PlanRequest(
                kind="song",
                style=SUBSTYLES[sub].style,
                substyle=sub,
                key=Key.parse("A minor"),
                bpm=124,
                form=FORM,
                duration_s=32,
                seed=5,
            )
        )
        index = FORM.index(SectionRole.BUILDUP)
        as_climax = replace(
            plan.sections[index],
            role=SectionRole.CLIMAX,
            energy=1.0,
            progression=plan.sections[index + 1].progression,
        )
        before = replace(
            plan,
            sections=tuple(as_climax if i == index else s for i, s in enumerate(plan.sections)),
        )
        print(f"{sub:12} before (climax):  {measure(before, index)}")
        print(f"{'':12} after (build-up): {measure(plan, index)}")


if __name__ == "__main__":
    main()

"""Speed of the embedded composer alone: compose + render every section of a 45 s song.

Warm backend (SoundFont loaded once, as in a worker), 48 kHz.  Prints, per style, the median over
several runs of composing (notes), rendering (synth and production: effects, room) and writing
the section MIDI, the total, and × real time.  The product's target for a 45 s three-section
song composed, rendered, mastered and encoded is ≤ 1 s; this part aims at ≤ 0.35 s.

    python bench/bench_embedded.py [--runs 5] [--style lofi --style rock] [--seconds 45]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.base import BackendConfig
from models.embedded.backend import load, render_settings
from models.embedded.composer import compose_section
from models.midi import section_midi
from models.plan import Key
from models.planning import PlanRequest, plan_request
from models.styles import STYLE_IDS, style_info


def bench_style(style: str, runs: int, seconds: float, sample_rate: int) -> dict[str, float]:
    backend = load(BackendConfig(sample_rate=sample_rate))
    renderer = backend.renderer  # the bench splits the stages; generate() runs them together
    rows: list[tuple[float, float, float, float]] = []
    for run in range(runs + 1):  # run 0 warms caches (preset loudness, impulse responses)
        mode = style_info(style).default_mode
        plan, indices = plan_request(
            PlanRequest(kind="song", style=style, key=Key(9, mode), duration_s=seconds, seed=run)
        )
        compose_s = render_s = midi_s = 0.0
        audio_s = 0.0
        for i in indices:
            section = plan.sections[i]
            t0 = time.perf_counter()
            score = compose_section(plan, section)
            renderer.calibrate(score)
            t1 = time.perf_counter()
            _audio, body = renderer.render(score, render_settings(plan, section))
            t2 = time.perf_counter()
            section_midi(score)
            t3 = time.perf_counter()
            compose_s += t1 - t0
            render_s += t2 - t1
            midi_s += t3 - t2
            audio_s += body / sample_rate
        if run:
            rows.append((compose_s, render_s, midi_s, audio_s))
    med = {
        "compose": statistics.median(r[0] for r in rows),
        "render": statistics.median(r[1] for r in rows),
        "midi": statistics.median(r[2] for r in rows),
        "audio": statistics.median(r[3] for r in rows),
    }
    med["total"] = med["compose"] + med["render"] + med["midi"]
    return med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--style", action="append", choices=STYLE_IDS)
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--sample-rate", type=int, default=48_000)
    args = parser.parse_args()
    styles = args.style or list(STYLE_IDS)
    t0 = time.perf_counter()
    load(BackendConfig(sample_rate=args.sample_rate))
    print(f"backend load (SoundFont): {time.perf_counter() - t0:.3f} s")
    print(
        f"{'style':10s} {'audio':>7s} {'compose':>8s} {'render':>8s} {'midi':>7s} "
        f"{'total':>7s} {'x RT':>6s}"
    )
    totals = []
    for style in styles:
        m = bench_style(style, args.runs, args.seconds, args.sample_rate)
        totals.append(m["total"])
        print(
            f"{style:10s} {m['audio']:6.1f}s {m['compose']:7.3f}s {m['render']:7.3f}s "
            f"{m['midi']:6.3f}s {m['total']:6.3f}s {m['audio'] / m['total']:5.0f}x"
        )
    print(f"median total over styles: {statistics.median(totals):.3f} s (target ≤ 0.35 s)")


if __name__ == "__main__":
    main()

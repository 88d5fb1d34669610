"""The main job's speed: a 45 s three-section song composed, rendered, mastered and encoded.

Runs the same path as `composer song` (plan → embedded backend → stitch → master → encode →
clip store) in-process with a warm backend (a worker loads its SoundFont once), and prints the
median over several runs, × real time, the split between stages, the cold start, and peak RSS.
Target: ≤ 1 s per 45 s song (≥ 45× real time) on a 2-core machine.

    python bench/bench_song.py [--runs 7] [--format ogg] [--style lofi]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.runtime.jobs import AudioFormat, JobKind, OutputSpec, RenderJob
from bot.runtime.pipeline import Timings, render_job
from models.base import BackendConfig
from models.embedded.backend import EmbeddedBackend
from models.factory import load_backend
from models.plan import Key, Mode
from models.planning import PlanRequest, plan_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--format", default="ogg")
    parser.add_argument("--style", default="lofi")
    parser.add_argument("--bpm", type=float, default=85.0)
    args = parser.parse_args()

    t0 = time.perf_counter()
    backend = load_backend("embedded", BackendConfig(sample_rate=48_000))
    assert isinstance(backend, EmbeddedBackend)
    load_s = time.perf_counter() - t0
    fmt = AudioFormat.parse(args.format)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs + 1):  # the first run warms caches and is reported apart
            t_plan = time.perf_counter()
            plan, sections = plan_request(
                PlanRequest(
                    kind="song",
                    style=args.style,
                    key=Key(9, Mode.MINOR),
                    bpm=args.bpm,
                    duration_s=45.0,
                    seed=run,
                )
            )
            plan_s = time.perf_counter() - t_plan
            job = RenderJob(
                job_id=uuid.uuid4().hex,
                clip_id=f"bench{run}",
                kind=JobKind.SONG,
                backend="embedded",
                plan=plan,
                sections=sections,
                output=OutputSpec(format=fmt, waveform=True),
            )
            # Composing (notes only) timed apart; the pipeline's render stage includes it.
            t_compose = time.perf_counter()
            for index in sections:
                backend.compose(plan, plan.sections[index])
            compose_s = time.perf_counter() - t_compose
            timings = Timings()
            start = time.perf_counter()
            clip = render_job(job, backend, Path(tmp), timings=timings)
            total_s = time.perf_counter() - start + plan_s
            rows.append((total_s, plan_s, timings, clip.duration_s, len(sections), compose_s))
    first, rows = rows[0], rows[1:]
    totals = [r[0] for r in rows]
    med = statistics.median(totals)
    duration = statistics.median(r[3] for r in rows)

    def median_of(attr: str) -> float:
        return statistics.median(getattr(r[2], attr) for r in rows)

    print(
        f"song: {args.style}, {args.bpm:g} bpm, {rows[0][4]} sections, {duration:.1f} s of audio, "
        f"format {fmt.value}"
    )
    print(
        f"median over {len(rows)} runs: {med:.3f} s  → {duration / med:.0f}× real time "
        f"(min {min(totals):.3f} s, max {max(totals):.3f} s; target ≤ 1 s)"
    )
    compose_ms = statistics.median(r[5] for r in rows) * 1000
    render_ms = median_of("render_s") * 1000
    print(
        "split (median): "
        f"plan {statistics.median(r[1] for r in rows) * 1000:.0f} ms · "
        f"compose {compose_ms:.0f} ms · render {render_ms - compose_ms:.0f} ms · "
        f"stitch {median_of('stitch_s') * 1000:.0f} ms · "
        f"master {median_of('master_s') * 1000:.0f} ms · "
        f"encode ‖ MIDI+waveform+stem {median_of('encode_s') * 1000:.0f} ms · "
        f"atomic write {median_of('write_s') * 1000:.0f} ms"
    )
    print(f"cold: backend load {load_s:.2f} s, first song {first[0]:.3f} s")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()

"""Does a reroll sound like a new song?  Variety between seeds of one request, measured.

For each request (style, key and tempo fixed, so that only the seed differs) five seeds are
planned, composed and rendered by the embedded backend, and three figures are printed:

* **MFCC ratio**: mean distance between the songs' mean MFCC vectors (coefficients 1-19, the
  timbre; c0, the loudness, left out) over all seed pairs ÷ the mean distance between the two
  halves of one song.  1.0: two seeds are as alike as two halves of one song.  Goal ≥ 1.5.
* **chroma ratio**: the same with the mean constant-Q chroma (normalised to sum 1).  Goal ≥ 1.5.
* **drum-grid overlap**: each song's drum grid is the set of (drum class, sixteenth step) cells
  hit in at least a fifth of its drum bars (kick, snare/clap/rim, closed and open hats,
  ride, crashes, toms and each hand percussion: classes a listener tells apart);
  overlap = Jaccard index of two seeds' grids, mean over seed pairs.  Goal ≤ 50 %.

Also printed: how many distinct palettes (instrument sets), sub-styles and forms the seeds got.

The default run measures every request at 40 s and at 60 s and prints the means.

    python bench/bench_variety.py [--seeds 5] [--durations 40,60] [--only lofi]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.base import BackendConfig
from models.embedded.backend import EmbeddedBackend
from models.factory import load_backend
from models.plan import Key, SongPlan
from models.planning import PlanRequest, plan_request

Vec = npt.NDArray[np.float64]
ANALYSIS_SR = 22_050

#: (label, PlanRequest keyword arguments): key and tempo fixed so only the seed varies the
#: arrangement; the last request leaves them to the seed too, as a reroll of "lofi" does.
REQUESTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("lofi, A minor, 85 bpm", {"style": "lofi", "key": "A minor", "bpm": 85.0}),
    ("pop, C major, 112 bpm", {"style": "pop", "key": "C major", "bpm": 112.0}),
    ("hiphop, F minor, 88 bpm", {"style": "hiphop", "key": "F minor", "bpm": 88.0}),
    ("house, G minor, 124 bpm", {"style": "house", "key": "G minor", "bpm": 124.0}),
    ("lofi, key and tempo free", {"style": "lofi"}),
)
#: drum classes a listener tells apart: the kick, the backbeat (snare, clap, rim, one class so a
#: clap on 2 and 4 matches a snare there), closed and open hats, ride, crashes, toms, and each
#: hand percussion (a shaker is not a conga)
_DRUM_CLASS = {35: "kick", 36: "kick", 37: "snare", 38: "snare", 39: "snare", 40: "snare"}
_DRUM_CLASS.update({42: "hat", 44: "hat", 46: "open hat", 49: "cym", 51: "ride", 57: "cym"})
_DRUM_CLASS.update({41: "tom", 43: "tom", 45: "tom", 47: "tom", 48: "tom", 50: "tom"})
_DRUM_CLASS.update({54: "tamb", 56: "cowbell", 70: "shaker", 62: "conga", 64: "conga"})
_DRUM_CLASS.update({63: "conga", 75: "claves", 69: "shaker"})


@dataclass
class Song:
    mfcc: tuple[Vec, Vec, Vec]  # whole, first half, second half
    chroma: tuple[Vec, Vec, Vec]
    grid: frozenset[tuple[str, int]]
    palette: tuple[str, ...]
    substyle: str
    form: str


def _means(frames: Vec) -> tuple[Vec, Vec, Vec]:
    half = frames.shape[1] // 2
    return frames.mean(axis=1), frames[:, :half].mean(axis=1), frames[:, half:].mean(axis=1)


def _features(audio: Vec, sample_rate: int) -> tuple[tuple[Vec, Vec, Vec], tuple[Vec, Vec, Vec]]:
    import librosa

    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    y = librosa.resample(mono.astype(np.float32), orig_sr=sample_rate, target_sr=ANALYSIS_SR)
    mfcc = librosa.feature.mfcc(y=y, sr=ANALYSIS_SR, n_mfcc=20)[1:].astype(np.float64)
    chroma = librosa.feature.chroma_cqt(y=y, sr=ANALYSIS_SR).astype(np.float64)
    chroma = chroma / np.maximum(chroma.sum(axis=0, keepdims=True), 1e-9)
    return _means(mfcc), _means(chroma)


def _drum_grid(backend: EmbeddedBackend, plan: SongPlan) -> frozenset[tuple[str, int]]:
    counts: dict[tuple[str, int], int] = {}
    bars = 0
    bar_q = plan.meter.quarters_per_bar
    for section in plan.sections:
        score = backend.compose(plan, section)
        for track in score.tracks:
            if not track.is_drum:
                continue
            per_bar: dict[int, set[tuple[str, int]]] = {}
            for note in track.notes:
                bar = int((note.start_q + 0.06) // bar_q)
                step = round((note.start_q - bar * bar_q) / 0.25) % round(bar_q / 0.25)
                per_bar.setdefault(bar, set()).add((_DRUM_CLASS.get(note.pitch, "other"), step))
            bars += len(per_bar)
            for cells in per_bar.values():
                for cell in cells:
                    counts[cell] = counts.get(cell, 0) + 1
    return frozenset(c for c, n in counts.items() if n >= max(1, bars) / 5)


def _song(backend: EmbeddedBackend, plan: SongPlan) -> Song:
    parts = []
    for section in plan.sections:
        clip = backend.generate(plan, section)
        parts.append(np.asarray(clip.audio[: clip.body_frames], dtype=np.float64))
    mfcc, chroma = _features(np.concatenate(parts), backend.sample_rate)
    form = "-".join(f"{s.role.value}{s.bars}" for s in plan.sections)
    return Song(
        mfcc,
        chroma,
        _drum_grid(backend, plan),
        tuple(f"{p.role.value}:{p.program}" for p in plan.instruments),
        str(getattr(plan, "substyle", "")),
        form,
    )


def _ratio(songs: list[Song], which: str) -> float:
    feats = [getattr(s, which) for s in songs]
    within = statistics.fmean(float(np.linalg.norm(f[1] - f[2])) for f in feats)
    between = statistics.fmean(
        float(np.linalg.norm(a[0] - b[0])) for a, b in itertools.combinations(feats, 2)
    )
    return between / within


def _overlap(songs: list[Song]) -> float:
    values = []
    for a, b in itertools.combinations(songs, 2):
        union = a.grid | b.grid
        values.append(len(a.grid & b.grid) / len(union) if union else 1.0)
    return statistics.fmean(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--durations", default="40,60", help="song lengths, s, comma-separated")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--only", default="", help="requests whose label starts with this")
    args = parser.parse_args()
    backend = load_backend("embedded", BackendConfig(sample_rate=32_000))
    assert isinstance(backend, EmbeddedBackend)
    durations_s = [float(d) for d in args.durations.split(",") if d.strip()]
    print(f"{args.seeds} seeds per request, songs of {args.durations} s, embedded backend")
    header = f"{'request':34} {'MFCC':>6} {'chroma':>6} {'drums':>6} palettes sub-styles forms"
    print(header)
    totals: list[tuple[float, float, float]] = []
    t0 = time.perf_counter()
    for duration_s in durations_s:
        for label, kwargs in REQUESTS:
            if not label.startswith(args.only):
                continue
            row = _measure(backend, kwargs, duration_s, args.first_seed, args.seeds)
            if "key" in kwargs:
                totals.append(row[:3])
            name = f"{label}, {duration_s:g} s"
            print(f"{name:34} {row[0]:6.2f} {row[1]:6.2f} {row[2]:6.0%} {row[3]}")
    if totals:
        mean = [statistics.fmean(t[i] for t in totals) for i in range(3)]
        worst = (min(t[0] for t in totals), min(t[1] for t in totals), max(t[2] for t in totals))
        label = "mean (key and tempo fixed)"
        print(f"{label:34} {mean[0]:6.2f} {mean[1]:6.2f} {mean[2]:6.0%}")
        print(f"{'worst request':34} {worst[0]:6.2f} {worst[1]:6.2f} {worst[2]:6.0%}")
    print("goals (every request): MFCC ≥ 1.5, chroma ≥ 1.5, drum-grid overlap ≤ 50 %")
    print(f"({time.perf_counter() - t0:.0f} s)")


def _measure(
    backend: EmbeddedBackend, kwargs: dict[str, Any], duration_s: float, first: int, seeds: int
) -> tuple[float, float, float, str]:
    """(MFCC ratio, chroma ratio, drum overlap, counts of distinct palettes, sub-styles, forms)."""
    songs = []
    for seed in range(first, first + seeds):
        fields = dict(kwargs)
        if "key" in fields:
            fields["key"] = Key.parse(str(fields["key"]))
        req = PlanRequest(kind="song", duration_s=duration_s, seed=seed, **fields)
        plan, _render = plan_request(req)
        songs.append(_song(backend, plan))
    counts = (
        f"{len({s.palette for s in songs}):8d} {len({s.substyle for s in songs}):10d} "
        f"{len({s.form for s in songs}):5d}"
    )
    return _ratio(songs, "mfcc"), _ratio(songs, "chroma"), _overlap(songs), counts


if __name__ == "__main__":
    main()

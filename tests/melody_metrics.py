"""Measures for the melody feature: transcription F1 (mir_eval) and how much of a melody's
interval sequence the song's lead carries."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from models.midi import NoteRecord, read_notes
from models.plan import PartRole, SongPlan


def note_f1(
    truth: Sequence[tuple[float, float, float]],
    heard: Sequence[tuple[float, float, float]],
    onset_tolerance_s: float = 0.05,
) -> float:
    """Note F1 of (onset s, offset s, Hz) lists: onset within ±50 ms, pitch within 50 cents."""
    import mir_eval

    ref_i = np.array([[a, b] for a, b, _h in truth])
    ref_p = np.array([h for _a, _b, h in truth])
    est_i = np.array([[a, b] for a, b, _h in heard]).reshape(-1, 2)
    est_p = np.array([h for _a, _b, h in heard])
    _p, _r, f1, _o = mir_eval.transcription.precision_recall_f1_overlap(
        ref_i, ref_p, est_i, est_p, onset_tolerance=onset_tolerance_s, offset_ratio=None
    )
    return float(f1)


def lead_records(plan: SongPlan, midi: bytes) -> list[NoteRecord]:
    lead = plan.part(PartRole.LEAD)
    assert lead is not None, "the plan has no lead part"
    return [r for r in read_notes(midi) if r.track == lead.name and not r.is_drum]


def skyline(records: Sequence[NoteRecord]) -> list[int]:
    """The highest pitch at each onset (onsets within 30 ms are one)."""
    tops: list[tuple[float, int]] = []
    for r in sorted(records, key=lambda r: (r.start_s, -r.pitch)):
        if tops and r.start_s - tops[-1][0] < 0.03:
            tops[-1] = (tops[-1][0], max(tops[-1][1], r.pitch))
        else:
            tops.append((r.start_s, r.pitch))
    return [p for _t, p in tops]


def interval_match(melody: Sequence[int], line: Sequence[int]) -> float:
    """Best share of the melody's intervals (semitones, so any transposition) found in order in
    ``line`` at one alignment."""
    want = [b - a for a, b in itertools.pairwise(melody)]
    have = [b - a for a, b in itertools.pairwise(line)]
    if not want:
        return 1.0
    best = 0
    for j in range(max(1, len(have) - len(want) + 1)):
        hits = sum(1 for i, w in enumerate(want) if j + i < len(have) and have[j + i] == w)
        best = max(best, hits)
    return best / len(want)

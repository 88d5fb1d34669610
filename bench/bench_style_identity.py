"""Listening proxies of style identity, per style, from the composed scores (no audio).

For each style, ``--seeds`` songs (60 s, the seed picks everything else) are planned and
composed, and what makes the records of a style recognisable is counted:

* ``4otf``: share of drum bars with a kick on all four beats (house: ~100 %, others: low);
* ``bb24`` / ``bb3``: share of drum bars with the backbeat (snare or clap) on 2 and 4 / only on 3
  (trap and drill are half time: the snare on 3);
* ``hats``: hi-hat hits per drum bar; ``rolls``: share of bars with a hat roll (gaps < 1/8 q);
* ``swing``: the plans' mean swing;
* ``bend``: share of songs whose bass glides (pitch bends: the 808);
* instrument families in the palettes, in % of pitched parts: ``keys`` (GM 0-7), ``gtr``
  (24-31; ``ac``: acoustic 24-25 alone), ``str`` (strings and string pads 40-55 and 88-95),
  ``synth`` (80-87), ``jazz`` (upright bass 32 or nylon guitar 24 present, % of songs);
* ``subs`` / ``pal`` / ``grv``: distinct sub-styles, palettes, drum grooves over the seeds.

    python bench/bench_style_identity.py [--seeds 6]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.embedded.composer import compose_section
from models.plan import PartRole, SongPlan
from models.planning import PlanRequest, plan_request
from models.styles import STYLE_IDS

KICKS, BACKBEAT, HATS = {35, 36}, {37, 38, 39, 40}, {42, 44, 46}


def _drum_bars(plan: SongPlan) -> list[list[tuple[float, int]]]:
    bars: list[list[tuple[float, int]]] = []
    bar_q = plan.meter.quarters_per_bar
    for section in plan.sections:
        score = compose_section(plan, section)
        for track in score.tracks:
            if not track.is_drum:
                continue
            per: dict[int, list[tuple[float, int]]] = {}
            for n in track.notes:
                bar = int((n.start_q + 0.06) // bar_q)
                per.setdefault(bar, []).append((n.start_q - bar * bar_q, n.pitch))
            bars += [per[b] for b in sorted(per) if b < section.bars - 1]  # no fills, no ending
    return bars


def _near(hits: list[tuple[float, int]], q: float, drums: set[int]) -> bool:
    return any(abs(pos - q) < 0.1 and pitch in drums for pos, pitch in hits)


def _row(style: str, seeds: int) -> dict[str, float]:
    plans = [
        plan_request(PlanRequest(kind="song", style=style, duration_s=60, seed=s))[0]
        for s in range(1, seeds + 1)
    ]
    bars = [b for plan in plans for b in _drum_bars(plan)]
    n = max(1, len(bars))
    pitched = [p for plan in plans for p in plan.instruments if p.role is not PartRole.DRUMS]
    m = max(1, len(pitched))

    def rolls(hits: list[tuple[float, int]]) -> bool:
        times = sorted(pos for pos, pitch in hits if pitch in HATS)
        return any(0.01 < b - a < 0.2 for a, b in itertools.pairwise(times))

    def bends(plan: SongPlan) -> bool:
        bass = [i for i, p in enumerate(plan.instruments) if p.role is PartRole.BASS]
        if not bass:
            return False
        score = compose_section(plan, max(plan.sections, key=lambda s: s.energy))
        return any(c.kind == "bend" and c.value for t in score.tracks for c in t.controls)

    return {
        "4otf": sum(all(_near(b, q, KICKS) for q in (0, 1, 2, 3)) for b in bars) / n,
        "bb24": sum(_near(b, 1, BACKBEAT) and _near(b, 3, BACKBEAT) for b in bars) / n,
        "bb3": sum(
            _near(b, 2, BACKBEAT) and not _near(b, 1, BACKBEAT) and not _near(b, 3, BACKBEAT)
            for b in bars
        )
        / n,
        "hats": sum(sum(p in HATS for _q, p in b) for b in bars) / n,
        "rolls": sum(rolls(b) for b in bars) / n,
        "swing": statistics.fmean(p.swing for p in plans),
        "bend": sum(bends(p) for p in plans) / len(plans),
        "keys": sum(p.program <= 7 for p in pitched) / m,
        "gtr": sum(24 <= p.program <= 31 for p in pitched) / m,
        "ac": sum(p.program in (24, 25) for p in pitched) / m,
        "str": sum(40 <= p.program <= 55 or 88 <= p.program <= 95 for p in pitched) / m,
        "synth": sum(80 <= p.program <= 87 for p in pitched) / m,
        "jazz": sum(any(p.program in (24, 32) for p in plan.instruments) for plan in plans)
        / len(plans),
        "subs": len({str(getattr(p, "substyle", "")) for p in plans}),
        "pal": len({tuple(p.program for p in plan.instruments) for plan in plans}),
        "grv": len(
            {(str(getattr(p, "substyle", "")), dict(p.extras).get("pattern.0")) for p in plans}
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=6)
    args = parser.parse_args()
    percent = ("4otf", "bb24", "bb3", "rolls", "bend", "keys", "gtr", "ac", "str", "synth", "jazz")
    columns = ("4otf", "bb24", "bb3", "hats", "rolls", "swing", "bend", "keys", "gtr", "ac",
               "str", "synth", "jazz", "subs", "pal", "grv")  # fmt: skip
    print(f"{args.seeds} seeds per style, 60 s songs (composed scores, no audio)")
    print(f"{'style':10}" + "".join(f"{c:>6}" for c in columns))
    for style in STYLE_IDS:
        row = _row(style, args.seeds)
        cells = []
        for c in columns:
            v = row[c]
            if c in percent:
                cells.append(f"{v:6.0%}")
            elif c in ("subs", "pal", "grv"):
                cells.append(f"{v:6.0f}")
            else:
                cells.append(f"{v:6.2f}")
        print(f"{style:10}" + "".join(cells))


if __name__ == "__main__":
    main()

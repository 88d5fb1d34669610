"""Key and tempo heard per sub-style, over more seeds, keys and sections than the tests use.

Every sub-style renders ``--cases`` eight-bar sections (verse, chorus, climax, bridge in turn;
keys with sharps and flats, both modes; tempos across its range; seeds the test suites never
use) and a standard key finder and beat tracker (:mod:`tests.audio_analysis`) judge them: the
key must be exact (minor heard as minor), the tempo within 2 % (half or double time accepted).
Prints hits per sub-style and lists the misses.  (Bridges set out from the tonic on purpose and
are where the few misses are.)

    python bench/bench_substyle_keys.py [--cases 4] [--only trap]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.plan import Key, Meter, SectionRole
from models.substyles import SUBSTYLES
from tests.audio_analysis import estimate_key, estimate_tempo, tempo_matches
from tests.test_embedded_support import render_section

SR = 22_050
KEYS = ("C minor", "F# minor", "Bb major", "E major", "G# minor", "D minor", "A major", "Eb minor")
ROLES = (SectionRole.VERSE, SectionRole.CHORUS, SectionRole.CLIMAX, SectionRole.BRIDGE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=4)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    misses: list[str] = []
    totals = [0, 0, 0]
    for i, sub in enumerate(SUBSTYLES.values()):
        if args.only and sub.id != args.only:
            continue
        hits = [0, 0]
        for j in range(args.cases):
            key = Key.parse(KEYS[(i + 3 * j) % len(KEYS)])
            low, high = sub.bpm_range
            bpm = round(low + (j + 0.5) / args.cases * (high - low))
            role = ROLES[(i + j) % len(ROLES)]
            seed = 5000 + 101 * i + 7 * j
            out = render_section(
                sub.style, key, bpm, role=role, bars=8, meter=Meter(4, 4), seed=seed,
                sample_rate=SR, substyle=sub.id,
            )  # fmt: skip
            body = out.audio[: out.body_frames]
            heard = estimate_key(body, SR)
            tempo = estimate_tempo(body, SR, start_bpm=(low + high) / 2)
            key_ok = heard == key
            tempo_ok = tempo_matches(tempo, bpm, octave_ok=True)
            hits[0] += key_ok
            hits[1] += tempo_ok
            if not (key_ok and tempo_ok):
                misses.append(
                    f"  {sub.id} {key.name} {bpm} bpm {role.value} seed {seed}: "
                    f"heard {heard.name}, {tempo:.1f} bpm"
                )
        totals = [totals[0] + args.cases, totals[1] + hits[0], totals[2] + hits[1]]
        print(f"{sub.id:14} key {hits[0]}/{args.cases}  tempo {hits[1]}/{args.cases}")
    print(f"{'all':14} key {totals[1]}/{totals[0]}  tempo {totals[2]}/{totals[0]}")
    if misses:
        print("misses:\n" + "\n".join(misses))


if __name__ == "__main__":
    main()

"""Arrangements of jazz: a swing trio with a horn, bebop, and bossa nova.

Swing and bebop keep the ride-cymbal groove, the walking bass and rootless comping; bossa nova
plays straight eighths: nylon-guitar comping on a syncopated rhythm, cross-stick clave, a bass
on roots and fifths.  Their forms are AABA.
"""

from __future__ import annotations

from models.embedded.arrangements.types import B, D, H, L, P, PartSpec, StyleArrangement

_p = PartSpec

__all__ = ["JAZZ"]

# fmt: off
JAZZ: tuple[StyleArrangement, ...] = (
    StyleArrangement(
        "jazz",
        (
            _p(D, 0, "Jazz kit", "jazz", kit=32, min_energy=0.25, velocity=86),
            _p(B, 32, "Walking bass", "walking", low=31, high=52, pan=58, velocity=98,
               min_energy=0.2),
            _p(H, 0, "Piano comping", "comp", low=50, high=74, pan=44, send=0.3, velocity=78,
               alternatives=((26, "Jazz guitar"),)),
            _p(L, 66, "Tenor sax", "lead", low=55, high=80, pan=78, send=0.35, velocity=92,
               min_energy=0.35,
               alternatives=((56, "Trumpet"), (11, "Vibraphone"), (65, "Alto sax"))),
        ),
        substyle="swing",
        timing_ms=10.0,
        drum_timing_ms=5.0,
        reverb_wet=0.24,
        reverb_decay_s=1.4,
        gain_db=2.0,
        motif_feel="swing",
    ),
    StyleArrangement(
        "jazz",
        (
            _p(D, 0, "Bop kit", "jazz", kit=32, min_energy=0.2, velocity=90),
            _p(B, 32, "Walking bass", "walking", low=31, high=52, pan=58, velocity=100,
               min_energy=0.15),
            _p(H, 0, "Piano comping", "comp", low=50, high=74, pan=44, send=0.28, velocity=80),
            _p(L, 65, "Alto sax", "lead", low=58, high=82, pan=76, send=0.3, velocity=96,
               min_energy=0.3, alternatives=((56, "Trumpet"),)),
        ),
        substyle="bebop",
        timing_ms=8.0,
        drum_timing_ms=4.0,
        reverb_wet=0.2,
        reverb_decay_s=1.2,
        gain_db=2.0,
        motif_feel="swing",
    ),
    StyleArrangement(
        "jazz",
        (
            _p(D, 0, "Bossa kit", "bossa_a", kit=32, min_energy=0.2, velocity=84),
            _p(B, 32, "Bass", "riff_bossa", low=31, high=50, pan=60, velocity=96,
               min_energy=0.2, alternatives=((33, "Electric bass"),)),
            _p(H, 24, "Nylon guitar", "bossa_comp", low=48, high=72, pan=40, send=0.3,
               velocity=80, alternatives=((0, "Piano"),)),
            _p(P, 48, "Soft strings", "pad", low=55, high=76, pan=84, send=0.55, velocity=58,
               min_energy=0.75),
            _p(L, 73, "Flute", "lead", low=62, high=86, pan=74, send=0.4, velocity=86,
               min_energy=0.35, alternatives=((66, "Tenor sax"), (11, "Vibraphone"))),
        ),
        substyle="bossa-nova",
        timing_ms=8.0,
        drum_timing_ms=4.0,
        reverb_wet=0.24,
        reverb_decay_s=1.4,
        gain_db=2.0,
        motif_feel="syncopated",
    ),
)
# fmt: on

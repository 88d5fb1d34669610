"""Arrangements of the electronic styles: house (deep, tech, piano) and synthwave (outrun,
darksynth, dreamwave).

House is four on the floor with off-beat open hats, an off-beat or rolling bass, chord stabs and
a pumping pad; its forms have breakdowns and drops.  Synthwave is saw leads and pads, gated
snares, arpeggios and octave bass; no poly-synth or string pads (those become strings in some
SoundFonts).
"""

from __future__ import annotations

from models.embedded.arrangements.types import B, D, H, L, P, PartSpec, StyleArrangement, T

_p = PartSpec

__all__ = ["DANCE"]

# fmt: off
DANCE: tuple[StyleArrangement, ...] = (
    StyleArrangement(
        "house",
        (
            _p(D, 0, "House kit", "house_a", kit=25, min_energy=0.2, velocity=104,
               patterns=("house",)),
            _p(B, 38, "Sub bass", "offbeat", low=33, high=50, pan=64, velocity=100,
               min_energy=0.35, patterns=("riff_disco",)),
            _p(H, 0, "Piano stabs", "stabs", low=55, high=79, pan=40, send=0.35, velocity=94,
               alternatives=((1, "Bright piano"),), patterns=("pop_stabs",)),
            _p(P, 89, "Pumping pad", "pump_pad", low=52, high=74, pan=86, send=0.5, velocity=72,
               min_energy=0.3),
            _p(L, 0, "Piano riff", "lead", low=64, high=86, pan=70, send=0.35, velocity=96,
               min_energy=0.45, alternatives=((81, "Saw lead"), (17, "Organ riff"))),
        ),
        substyle="piano-house",
        timing_ms=3.0,
        drum_timing_ms=1.5,
        velocity_spread=4.0,
        reverb_wet=0.2,
        reverb_decay_s=1.2,
        gain_db=2.9,
        motif_feel="syncopated",
    ),
    StyleArrangement(
        "house",
        (
            _p(D, 0, "Deep kit", "deep_a", kit=25, min_energy=0.2, velocity=100,
               patterns=("deep_b",)),
            _p(B, 39, "Deep bass", "offbeat", low=31, high=48, pan=64, velocity=100,
               min_energy=0.3, alternatives=((38, "Sub bass"),), patterns=("riff_chill",)),
            _p(H, 17, "Organ chords", "deep_stabs", low=52, high=74, pan=44, send=0.4,
               velocity=84, alternatives=((4, "Electric piano"), (5, "Electric piano 2"))),
            _p(P, 89, "Pumping pad", "pump_pad", low=52, high=72, pan=84, send=0.55,
               velocity=66, min_energy=0.5),
            _p(L, 11, "Vibraphone", "lead", low=62, high=84, pan=72, send=0.4, velocity=86,
               min_energy=0.5, alternatives=((54, "Voice chops"), (4, "Electric piano"))),
        ),
        substyle="deep-house",
        timing_ms=4.0,
        drum_timing_ms=2.0,
        velocity_spread=5.0,
        reverb_wet=0.24,
        reverb_decay_s=1.4,
        gain_db=2.6,
        motif_feel="sparse",
    ),
    StyleArrangement(
        "house",
        (
            _p(D, 0, "Tech kit", "tech_a", kit=25, min_energy=0.2, velocity=106,
               patterns=("tech_b",)),
            _p(B, 38, "Rolling bass", "riff_rolling", low=31, high=48, pan=64, velocity=104,
               min_energy=0.3, alternatives=((39, "Acid bass"),)),
            _p(H, 81, "Short stabs", "tech_stabs", low=52, high=74, pan=40, send=0.35,
               velocity=86, voices=3, alternatives=((17, "Organ stabs"),)),
            _p(P, 95, "Sweep pad", "pump_pad", low=52, high=72, pan=86, send=0.5, velocity=62,
               min_energy=0.7),
            _p(L, 80, "Square hook", "lead", low=60, high=82, pan=70, send=0.35, velocity=88,
               min_energy=0.55, alternatives=((87, "Bass and lead"),)),
        ),
        substyle="tech-house",
        timing_ms=2.0,
        drum_timing_ms=1.0,
        velocity_spread=4.0,
        reverb_wet=0.16,
        reverb_decay_s=1.0,
        gain_db=3.0,
        motif_feel="syncopated",
    ),
    StyleArrangement(
        "synthwave",
        (
            _p(D, 0, "Gated drums", "outrun_a", kit=16, min_energy=0.3, velocity=104,
               patterns=("outrun_b", "synthwave")),
            _p(B, 39, "Synth bass", "octaves", low=31, high=52, pan=64, velocity=100,
               min_energy=0.25, alternatives=((38, "Synth bass 1"),)),
            _p(T, 81, "Saw arpeggio", "arp16", low=57, high=84, pan=92, send=0.4, velocity=76,
               min_energy=0.0, alternatives=((80, "Square arpeggio"),)),
            _p(H, 81, "Saw chords", "synth_chords", low=52, high=74, pan=38, voices=3, send=0.4,
               velocity=78, min_energy=0.1, alternatives=((62, "Synth brass"),)),
            _p(P, 95, "Sweep pad", "pad", low=55, high=76, pan=20, send=0.6, velocity=64,
               min_energy=0.6),
            _p(L, 81, "Saw lead", "lead", low=62, high=86, pan=64, send=0.45, velocity=92,
               min_energy=0.4, alternatives=((87, "Bass and lead"),)),
        ),
        substyle="outrun",
        timing_ms=3.0,
        drum_timing_ms=1.5,
        velocity_spread=4.0,
        reverb_wet=0.3,
        reverb_decay_s=1.8,
        gain_db=-0.8,
        motif_feel="straight",
    ),
    StyleArrangement(
        "synthwave",
        (
            _p(D, 0, "Dark kit", "dark_a", kit=25, min_energy=0.25, velocity=108),
            _p(B, 38, "Pulse bass", "riff_pulse", low=31, high=48, pan=64, velocity=100,
               min_energy=0.25, alternatives=((39, "Growl bass"),)),
            _p(H, 81, "Saw stabs", "stabs", low=50, high=72, pan=40, voices=3, send=0.35,
               velocity=84, alternatives=((62, "Brass stabs"),)),
            _p(T, 80, "Square arpeggio", "arp16", low=55, high=79, pan=90, send=0.35,
               velocity=72, min_energy=0.5),
            _p(L, 87, "Bass and lead", "lead", low=60, high=82, pan=64, send=0.4, velocity=92,
               min_energy=0.45, alternatives=((81, "Saw lead"),)),
        ),
        substyle="darksynth",
        timing_ms=2.0,
        drum_timing_ms=1.0,
        velocity_spread=4.0,
        reverb_wet=0.24,
        reverb_decay_s=1.4,
        gain_db=-0.5,
        motif_feel="straight",
    ),
    StyleArrangement(
        "synthwave",
        (
            _p(D, 0, "Gated drums", "dream_a", kit=16, min_energy=0.3, velocity=98),
            _p(B, 38, "Soft synth bass", "roots_soft", low=31, high=50, pan=64, velocity=96,
               min_energy=0.25, alternatives=((39, "Synth bass 2"),)),
            _p(H, 81, "Saw pad", "pad", low=52, high=74, pan=40, voices=3, send=0.55,
               velocity=70),
            _p(T, 81, "Slow arpeggio", "arp8", low=57, high=84, pan=90, send=0.5, velocity=70,
               min_energy=0.35, alternatives=((8, "Celesta arpeggio"),)),
            _p(L, 85, "Voice lead", "lead", low=62, high=84, pan=66, send=0.5, velocity=88,
               min_energy=0.4, alternatives=((81, "Saw lead"), (80, "Square lead"))),
        ),
        substyle="dreamwave",
        timing_ms=4.0,
        drum_timing_ms=2.0,
        velocity_spread=4.0,
        reverb_wet=0.36,
        reverb_decay_s=2.2,
        gain_db=-0.5,
        motif_feel="slow",
    ),
)
# fmt: on

"""Arrangements of the beat styles: hip-hop (boom-bap, trap, drill) and lo-fi (a beat first).

Hip-hop is drums and bass up front: boom-bap's swung sixteenth hats and hard snare over a sub
bass that sits on the kick, chopped chords from a "sample"; trap and drill in half time (the
snare on beat 3 at 130-150 bpm) with a gliding 808 and hat rolls, a sparse dark melody.
Lo-fi is a beat too: dusty drums forward, electric-piano sevenths and ninths, a simple bass; no
jazz trio (no upright bass, no nylon guitar).
"""

from __future__ import annotations

from models.embedded.arrangements.types import B, D, H, L, P, PartSpec, StyleArrangement, T

_p = PartSpec

__all__ = ["BEATS"]

# fmt: off
BEATS: tuple[StyleArrangement, ...] = (
    StyleArrangement(
        "hiphop",
        (
            _p(D, 0, "Boom-bap kit", "boombap_a", kit=8, min_energy=0.25, velocity=108,
               patterns=("boombap_b", "boombap_c", "boombap_d")),
            _p(B, 38, "Sub bass", "riff_boombap", low=31, high=48, velocity=104, min_energy=0.3,
               alternatives=((33, "Finger bass"),), patterns=("bass808",)),
            _p(H, 4, "Chopped keys", "chops", low=50, high=72, pan=46, send=0.35, velocity=84,
               alternatives=((0, "Dusty piano"), (11, "Vibraphone chops"), (16, "Soul organ")),
               patterns=("rhodes", "dark_keys")),
            _p(P, 61, "Horn stabs", "stabs", low=55, high=74, pan=84, send=0.35, velocity=72,
               min_energy=0.75, alternatives=((48, "Soul strings"),)),
            _p(L, 73, "Flute loop", "lead", low=64, high=86, pan=72, send=0.4, velocity=84,
               min_energy=0.45, alternatives=((59, "Muted trumpet"), (11, "Vibraphone"))),
        ),
        substyle="boom-bap",
        swing_grid_q=0.25,
        timing_ms=8.0,
        drum_timing_ms=5.0,
        late_backbeat_ms=8.0,
        reverb_wet=0.16,
        reverb_decay_s=1.0,
        gain_db=2.6,
        motif_feel="sparse",
    ),
    StyleArrangement(
        "hiphop",
        (
            _p(D, 0, "Trap kit", "trap_a", kit=25, min_energy=0.25, velocity=104,
               patterns=("trap_b", "trap_c")),
            _p(B, 38, "808 bass", "bass808", low=31, high=48, velocity=108, min_energy=0.3),
            _p(H, 0, "Dark piano", "dark_keys", low=48, high=70, pan=46, send=0.45, velocity=78,
               alternatives=((46, "Dark harp"), (88, "Dark pad keys"))),
            _p(P, 52, "Choir", "pad", low=52, high=70, pan=82, send=0.55, velocity=62,
               min_energy=0.7, alternatives=((49, "Dark strings"),)),
            _p(L, 10, "Music box", "lead", low=67, high=89, pan=72, send=0.5, velocity=88,
               min_energy=0.4,
               alternatives=((75, "Pan flute"), (14, "Tubular bells"), (9, "Glockenspiel"))),
        ),
        substyle="trap",
        timing_ms=4.0,
        drum_timing_ms=1.5,
        velocity_spread=5.0,
        reverb_wet=0.2,
        reverb_decay_s=1.5,
        gain_db=2.8,
        motif_feel="sparse",
    ),
    StyleArrangement(
        "hiphop",
        (
            _p(D, 0, "Drill kit", "drill_a", kit=25, min_energy=0.25, velocity=104,
               patterns=("drill_b",)),
            _p(B, 38, "Sliding 808", "bass808", low=31, high=48, velocity=108, min_energy=0.3),
            _p(H, 49, "Dark strings", "tech_stabs", low=50, high=72, pan=40, send=0.45,
               velocity=84, alternatives=((0, "Dark piano"), (52, "Choir stabs")),
               patterns=("pad",)),
            _p(L, 14, "Bells", "lead", low=64, high=86, pan=76, send=0.5, velocity=86,
               min_energy=0.4, alternatives=((71, "Clarinet"), (10, "Music box"))),
        ),
        substyle="drill",
        timing_ms=4.0,
        drum_timing_ms=1.5,
        velocity_spread=5.0,
        reverb_wet=0.2,
        reverb_decay_s=1.6,
        gain_db=3.0,
        motif_feel="sparse",
    ),
    StyleArrangement(
        "lofi",
        (
            _p(D, 0, "Dusty kit", "lofi_a", kit=8, min_energy=0.2, velocity=100,
               patterns=("lofi_b", "lofi_c", "boombap_c")),
            _p(B, 33, "Soft bass", "roots_soft", low=31, high=48, pan=64, velocity=96,
               min_energy=0.25, alternatives=((38, "Sub bass"),), patterns=("riff_boombap",)),
            _p(H, 4, "Electric piano", "rhodes", low=50, high=74, pan=50, send=0.4, velocity=74,
               alternatives=((5, "Electric piano 2"), (0, "Felt piano"))),
            _p(L, 11, "Vibraphone", "lead", low=62, high=84, pan=78, send=0.45, velocity=80,
               min_energy=0.45, alternatives=((108, "Kalimba"), (73, "Flute"))),
            _p(P, 89, "Warm pad", "pad", low=52, high=72, pan=40, send=0.55, velocity=58,
               min_energy=0.75),
        ),
        substyle="lofi-beat",
        swing_grid_q=0.25,
        timing_ms=12.0,
        drum_timing_ms=6.0,
        late_backbeat_ms=14.0,
        reverb_wet=0.24,
        reverb_decay_s=1.2,
        tape=True,
        gain_db=0.8,
        motif_feel="sparse",
    ),
    StyleArrangement(
        "lofi",
        (
            _p(D, 0, "Crisp kit", "chillhop_a", kit=0, min_energy=0.2, velocity=98,
               patterns=("chillhop_b", "lofi_c")),
            _p(B, 33, "Round bass", "riff_chill", low=31, high=50, pan=64, velocity=98,
               min_energy=0.25, alternatives=((38, "Synth bass"),)),
            _p(H, 4, "Rhodes", "rhodes", low=50, high=74, pan=44, send=0.4, velocity=74,
               alternatives=((0, "Piano"),), patterns=("chops",)),
            _p(T, 27, "Clean guitar", "arp8", low=55, high=79, pan=92, send=0.4, velocity=70,
               min_energy=0.5, alternatives=((28, "Muted guitar"),)),
            _p(L, 59, "Muted trumpet", "lead", low=60, high=82, pan=74, send=0.4, velocity=82,
               min_energy=0.45, alternatives=((73, "Flute"), (11, "Vibraphone"))),
        ),
        substyle="chillhop",
        swing_grid_q=0.25,
        timing_ms=10.0,
        drum_timing_ms=5.0,
        late_backbeat_ms=8.0,
        reverb_wet=0.22,
        reverb_decay_s=1.2,
        tape=True,
        gain_db=0.6,
        motif_feel="syncopated",
    ),
    StyleArrangement(
        "lofi",
        (
            _p(D, 0, "Soft kit", "sleepy_a", kit=8, min_energy=0.2, velocity=92,
               patterns=("lofi_b", "lofi_c")),
            _p(B, 33, "Soft bass", "roots_soft", low=31, high=48, pan=64, velocity=96,
               min_energy=0.25, alternatives=((38, "Warm sub"),)),
            _p(H, 0, "Felt piano", "rhodes", low=50, high=74, pan=54, send=0.45, velocity=70,
               alternatives=((4, "Electric piano"),)),
            _p(P, 89, "Hazy pad", "pad", low=52, high=72, pan=30, send=0.6, velocity=60,
               min_energy=0.4, alternatives=((92, "Bowed pad"),)),
            _p(L, 108, "Kalimba", "lead", low=64, high=88, pan=80, send=0.5, velocity=84,
               level=2.0, min_energy=0.45, alternatives=((8, "Celesta"), (11, "Vibraphone"))),
        ),
        substyle="sleepy-lofi",
        swing_grid_q=0.25,
        timing_ms=12.0,
        drum_timing_ms=7.0,
        late_backbeat_ms=16.0,
        reverb_wet=0.3,
        reverb_decay_s=1.6,
        tape=True,
        gain_db=1.2,
        motif_feel="slow",
    ),
)
# fmt: on

"""Drum grooves as data: one line per drum, written on a sixteenth-note grid.

``X`` accent, ``x`` hit, ``o`` ghost, ``.`` rest; 16 characters are one bar of 4/4, 32 a two-bar
pattern (the second bar answers the first).  A line plays from ``lo`` to below ``hi`` section
energy, so verses thin out and choruses fill in.  ``rolls`` adds trap hi-hat rolls (triplets and
32nds) at that many places a bar when the energy is high; ``fill`` names the fill family
(see :func:`models.embedded.drums._fill`).  Grooves are meant for 4/4; other meters get the
generic groove.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["GROOVES", "Groove", "Line"]

KICK, KICK2, RIM, SNARE, CLAP, SNARE2 = 36, 35, 37, 38, 39, 40
HAT, PEDAL_HAT, OPEN_HAT, CRASH, RIDE, CRASH2 = 42, 44, 46, 49, 51, 57
TAMB, COWBELL, SHAKER, HI_CONGA, LO_CONGA, CLAVES = 54, 56, 70, 62, 64, 75
FLOOR_TOM, LOW_TOM, HIGH_TOM = 41, 45, 50


@dataclass(frozen=True, slots=True)
class Line:
    drum: int
    pattern: str
    lo: float = 0.0
    hi: float = 1.01


@dataclass(frozen=True, slots=True)
class Groove:
    lines: tuple[Line, ...]
    fill: str = "toms"  # toms, snare_roll, trap, jazz
    rolls: int = 0
    crash: int = CRASH


_ = Line

#: groove name → groove.  Names are what arrangements list as their drum patterns.
GROOVES: Mapping[str, Groove] = {
    # --- boom-bap: hard snare on 2 and 4, kick pushed around it, swung sixteenth hats ------------
    "boombap_a": Groove((
        _(KICK, "X.........X..x..X.....x...X....."),
        _(SNARE, "....X.......X.......X.......X..."),
        _(HAT, "x.x.x.x.x.x.x.x.", 0.0, 0.7),
        _(HAT, "x.xox.xox.xox.xo", 0.7),
        _(OPEN_HAT, "..............x.", 0.6),
    ), fill="snare_roll", crash=CRASH2),
    "boombap_b": Groove((
        _(KICK, "X..X......X.....X..X.....XX....."),
        _(SNARE, "....X..o....X.......X..o....X..o"),
        _(HAT, "x.xxx.x.x.xxx.x."),
        _(TAMB, "....x.......x...", 0.75),
    ), fill="snare_roll", crash=CRASH2),
    "boombap_c": Groove((
        _(KICK, "X.....X.X.......X.....X...X..X.."),
        _(SNARE, "....X.......X..."),
        _(RIM, "..o.......o....o", 0.0, 0.5),
        _(HAT, "x...x...x...x..."),
        _(SHAKER, "xoxoxoxoxoxoxoxo"),
    ), fill="snare_roll", crash=CRASH2),
    "boombap_d": Groove((
        _(KICK, "X.......XX......X..X....X.....X."),
        _(SNARE, "....X.......X..."),
        _(OPEN_HAT, "..x...x...x...x.", 0.0, 0.7),
        _(HAT, "..x...x...x...x.", 0.7),
        _(RIDE, "x.x.x.x.x.x.x.x.", 0.7),
        _(TAMB, "....x.......x...", 0.5),
    ), fill="snare_roll", crash=CRASH2),
    # --- trap / drill: half-time (snare on beat 3), 808 kick, hat rolls ---------------------------
    "trap_a": Groove((
        _(KICK, "X.........X.....X......X..X....x"),
        _(CLAP, "........X.......", 0.35),
        _(SNARE, "........x.......", 0.7),
        _(HAT, "x.x.x.x.x.x.x.x.", 0.0, 0.6),
        _(HAT, "x.xxx.x.x.xxx.x.", 0.6),
        _(OPEN_HAT, "..............x.", 0.75),
    ), fill="trap", rolls=2, crash=CRASH2),
    "trap_b": Groove((
        _(KICK, "X......X..X.....X.........X..X.."),
        _(CLAP, "........X.......", 0.3),
        _(HAT, "x..x..x.x..x..x.", 0.0, 0.6),
        _(HAT, "xxx.x.x.xxx.x.x.", 0.6),
        _(RIM, "...........o...o", 0.7),
    ), fill="trap", rolls=1, crash=CRASH2),
    "trap_c": Groove((
        _(KICK, "X.....X...X.....X.....X..X......"),
        _(CLAP, "........X.......", 0.3),
        _(SNARE, "........X.....o.", 0.75),
        _(HAT, "x.x.x.x.x.x.x.x."),
        _(OPEN_HAT, "......x.......x.", 0.8),
    ), fill="trap", rolls=2, crash=CRASH2),
    "drill_a": Groove((
        _(KICK, "X.........X.....X..X............"),
        _(SNARE, "........X.....x.........X.....x."),
        _(HAT, "x.x.x.x.x.x.x.x.", 0.0, 0.7),
        _(HAT, "x.x.x.xxx.x.x.xx", 0.7),
        _(RIM, "...o..o....o..o.", 0.6),
    ), fill="trap", rolls=2, crash=CRASH2),
    "drill_b": Groove((
        _(KICK, "X......X........X.........X....."),
        _(SNARE, "........X.......", 0.3),
        _(SNARE, "...o..........X.", 0.6),
        _(HAT, "x.x.x.x.x.x.x.x."),
        _(OPEN_HAT, "......x.......x.", 0.7),
    ), fill="trap", rolls=2, crash=CRASH2),
    # --- lo-fi: dusty, lazy snare (late), soft hats, the beat up front -----------------------
    "lofi_a": Groove((
        _(KICK, "X.....x...x.....X.....x..x...x.."),
        _(RIM, "....x.......x...", 0.0, 0.45),
        _(SNARE, "....X.......X...", 0.45),
        _(HAT, "x.o.x.oxx.o.x.oo"),
        _(OPEN_HAT, "..............x.", 0.75),
    ), fill="snare_roll", crash=CRASH2),
    "lofi_b": Groove((
        _(KICK, "X..x......X.....X..x.....xX....."),
        _(RIM, "....x.......x...", 0.0, 0.35),
        _(SNARE, "....X.......X...", 0.35),
        _(HAT, "x...x...x...x..."),
        _(SHAKER, ".x.x.x.x.x.x.x.x"),
    ), fill="snare_roll", crash=CRASH2),
    "lofi_c": Groove((
        _(KICK, "X.......X..x....X.x.....X......."),
        _(SNARE, "....X.......X..."),
        _(RIDE, "x.x.x.x.x.x.x.x.", 0.0, 0.75),
        _(RIDE, "x.xxx.xxx.xxx.xx", 0.75),
        _(PEDAL_HAT, "....x.......x...", 0.4),
    ), fill="snare_roll", crash=CRASH2),
    "chillhop_a": Groove((
        _(KICK, "X..x......X..x..X.........X..x.."),
        _(SNARE, "....X.......X...", 0.3),
        _(SNARE, ".......o.o......", 0.6),
        _(HAT, "xoxoxoxoxoxoxoxo"),
        _(OPEN_HAT, "......x.........", 0.7),
    ), fill="snare_roll", crash=CRASH2),
    "chillhop_b": Groove((
        _(KICK, "X.....X...X.X...X......X..X....."),
        _(CLAP, "....X.......X...", 0.3),
        _(HAT, "x.xxx.xxx.xxx.xx"),
        _(TAMB, "............x...", 0.7),
    ), fill="snare_roll", crash=CRASH2),
    "sleepy_a": Groove((
        _(KICK, "X.......x.......X.........x....."),
        _(RIM, "....x.......x..."),
        _(HAT, "x...x...x...x...", 0.0, 0.6),
        _(HAT, "x.o.x.o.x.o.x.o.", 0.6),
        _(SHAKER, ".o.o.o.o.o.o.o.o", 0.75),
    ), fill="snare_roll", crash=CRASH2),
    # --- pop: punchy kick and claps ---------------------------------------------------------------
    "pop_a": Groove((
        _(KICK, "X.......X.x.....", 0.0, 0.85),
        _(KICK, "X......xX.x.....", 0.85),
        _(CLAP, "....X.......X..."),
        _(SNARE, "....x.......x...", 0.75),
        _(HAT, "x.x.x.x.x.x.x.x.", 0.0, 0.8),
        _(HAT, "xoxoxoxoxoxoxoxo", 0.8),
    )),
    "pop_b": Groove((
        _(KICK, "X..x....X.......X..x....X..x...."),
        _(CLAP, "....X.......X...", 0.3),
        _(SNARE, "....X.......X...", 0.7),
        _(HAT, "..x...x...x...x.", 0.0, 0.6),
        _(HAT, "x.xxx.xxx.xxx.xx", 0.6),
        _(OPEN_HAT, "..............x.", 0.8),
    )),
    "pop_c": Groove((
        _(KICK, "X...X...X...X...", 0.7),
        _(KICK, "X.......X.......", 0.0, 0.7),
        _(CLAP, "....X.......X..."),
        _(TAMB, "..x...x...x...x.", 0.5),
        _(HAT, "x.x.x.x.x.x.x.x."),
    )),
    "ballad_a": Groove((
        _(KICK, "X.......x.x.....", 0.0, 0.8),
        _(KICK, "X.....x.X.x.....", 0.8),
        _(RIM, "....x.......x...", 0.0, 0.6),
        _(SNARE, "....X.......X...", 0.6),
        _(HAT, "x.x.x.x.x.x.x.x."),
    )),
    "synthpop_a": Groove((
        _(KICK, "X.......X.x.....", 0.0, 0.7),
        _(KICK, "X...X...X...X...", 0.7),
        _(SNARE2, "....X.......X..."),
        _(CLAP, "....x.......x...", 0.6),
        _(HAT, "xoxoxoxoxoxoxoxo"),
    )),
    "synthpop_b": Groove((
        _(KICK, "X..x..x.X.......X..x..x.X...X..."),
        _(SNARE2, "....X.......X..."),
        _(HAT, "x.x.x.x.x.x.x.x.", 0.0, 0.7),
        _(HAT, "xxxxxxxxxxxxxxxx", 0.7),
        _(TAMB, "....x.......x...", 0.8),
    )),
    "dancepop_a": Groove((
        _(KICK, "X...X...X...X..."),
        _(CLAP, "....X.......X...", 0.4),
        _(OPEN_HAT, "..x...x...x...x.", 0.3),
        _(HAT, "xxxxxxxxxxxxxxxx", 0.8),
    ), fill="snare_roll"),
    # --- rock: live kit with fills ----------------------------------------------------------------
    "rock_a": Groove((
        _(KICK, "X.......X.X.....", 0.0, 0.8),
        _(KICK, "X.x.....X.X...x.", 0.8),
        _(SNARE, "....X.......X..."),
        _(HAT, "X.o.X.o.X.o.X.o.", 0.0, 0.9),
        _(RIDE, "X.o.X.o.X.o.X.o.", 0.9),
    )),
    "rock_b": Groove((
        _(KICK, "X.x.....X.x.X...X.x.....X...X.x."),
        _(SNARE, "....X.......X..."),
        _(HAT, "x.x.x.x.x.x.x.x.", 0.0, 0.8),
        _(CRASH, "x...x...x...x...", 0.8),
    )),
    "punk_a": Groove((
        _(KICK, "X.......X.......", 0.0, 0.6),
        _(KICK, "X...X...X...X...", 0.6),
        _(SNARE, "....X.......X...", 0.0, 0.6),
        _(SNARE, "..X...X...X...X.", 0.6),
        _(HAT, "x.x.x.x.x.x.x.x.", 0.0, 0.6),
        _(CRASH, "x...x...x...x...", 0.6),
    )),
    "punk_b": Groove((
        _(KICK, "X.x.....X.x.....X.x.....X.x...x."),
        _(SNARE, "....X.......X..."),
        _(RIDE, "x.x.x.x.x.x.x.x."),
    )),
    "indie_a": Groove((
        _(KICK, "X.....X.X.......X.....X.X...X..."),
        _(SNARE, "....X.......X..."),
        _(HAT, "x.x.x.x.x.x.x.x.", 0.0, 0.7),
        _(OPEN_HAT, "x.x.x.x.x.x.x.x.", 0.7),
    )),
    "indie_b": Groove((
        _(KICK, "X.......X.......X.......X..X...."),
        _(SNARE, "....X.......X...", 0.5),
        _(FLOOR_TOM, "o...o...o...o...", 0.0, 0.75),
        _(HAT, "..x...x...x...x.", 0.0, 0.75),
        _(RIDE, "x.x.x.x.x.x.x.x.", 0.75),
        _(TAMB, "....x.......x...", 0.4),
    )),
    # --- house: four on the floor, off-beat open hats ---------------------------------------------
    "house_a": Groove((
        _(KICK, "X...X...X...X..."),
        _(CLAP, "....X.......X...", 0.45),
        _(SNARE2, "....x.......x...", 0.75),
        _(OPEN_HAT, "..x...x...x...x."),
        _(HAT, ".o.o.o.o.o.o.o.o", 0.6, 0.9),
        _(HAT, ".x.x.x.x.x.x.x.x", 0.9),
        _(SHAKER, "x.o.x.o.x.o.x.o.", 0.85),
    ), fill="snare_roll"),
    "deep_a": Groove((
        _(KICK, "X...X...X...X..."),
        _(CLAP, "....x.......x...", 0.4),
        _(OPEN_HAT, "..x...x...x...x.", 0.3),
        _(HAT, "o.xoo.xoo.xoo.xo", 0.55),
        _(SHAKER, "xoxoxoxoxoxoxoxo", 0.75),
    ), fill="snare_roll"),
    "deep_b": Groove((
        _(KICK, "X...X...X...X..."),
        _(RIM, "...x..x....x..x.", 0.35),
        _(CLAP, "....X.......X...", 0.6),
        _(OPEN_HAT, "..x...x...x...x.", 0.45),
        _(HI_CONGA, "..o..o.o..o..o..", 0.7),
    ), fill="snare_roll"),
    "tech_a": Groove((
        _(KICK, "X...X...X...X..."),
        _(CLAP, "....X.......X...", 0.35),
        _(HAT, "xxoxxxoxxxoxxxox", 0.4),
        _(OPEN_HAT, "..x...x...x...x.", 0.6),
        _(RIM, "...x..x..x....x.x.....x..x..x..."),
    ), fill="snare_roll"),
    "tech_b": Groove((
        _(KICK, "X...X...X...X..."),
        _(CLAP, "....X.......X...", 0.4),
        _(COWBELL, "......x.......x.", 0.7),
        _(HAT, "x.x.x.x.x.x.x.x."),
        _(OPEN_HAT, "..x...x...x...x.", 0.5),
        _(SHAKER, "xoxxxoxxxoxxxoxx", 0.55),
    ), fill="snare_roll"),
    # --- synthwave: gated snare on 2 and 4, straight sixteenth hats -------------------------------
    "outrun_a": Groove((
        _(KICK, "X.......X.x.....", 0.0, 0.7),
        _(KICK, "X...X...X...X...", 0.7),
        _(SNARE2, "....X.......X..."),
        _(CLAP, "....x.......x...", 0.5),
        _(HAT, "x.x.x.x.x.x.x.x.", 0.0, 0.85),
        _(HAT, "xoxoxoxoxoxoxoxo", 0.85),
    )),
    "outrun_b": Groove((
        _(KICK, "X...X...X...X..."),
        _(SNARE2, "....X.......X..."),
        _(HAT, "xxxxxxxxxxxxxxxx", 0.5),
        _(OPEN_HAT, "..x...x...x...x.", 0.8),
    )),
    "dark_a": Groove((
        _(KICK, "X...X...X...X.x.", 0.5),
        _(KICK, "X.......X.x.....", 0.0, 0.5),
        _(SNARE2, "....X.......X..."),
        _(CLAP, "....X.......X...", 0.6),
        _(OPEN_HAT, "..x...x...x...x."),
    )),
    "dream_a": Groove((
        _(KICK, "X.........X.....X.........X..x.."),
        _(SNARE2, "........X......."),
        _(HAT, "x.x.x.x.x.x.x.x."),
        _(TAMB, "....x.......x...", 0.7),
    )),
    # --- bossa nova: cross-stick clave over a bossa kick, shaker eighths --------------------------
    "bossa_a": Groove((
        _(KICK2, "X..oX..oX..oX..o"),
        _(RIM, "x..x..x...x.x...x..x..x...x..x.."),
        _(PEDAL_HAT, "X...X...X...X...", 0.0, 0.7),
        _(HAT, "..x...x...x...x.", 0.0, 0.7),
        _(SHAKER, "xoxoxoxoxoxoxoxo", 0.5),
        _(RIDE, "x.x.x.x.x.x.x.x.", 0.85),
    ), fill="jazz", crash=CRASH2),
}  # fmt: skip

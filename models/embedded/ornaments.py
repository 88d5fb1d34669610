"""What a seed varies around a groove family's backbone, as data (see :mod:`.grooves`).

The backbone of a style stays (claps or snare on 2 and 4, four on the floor, off-beat open hats
in house); around it each song draws, once, its closed-hat pattern (a verse and a chorus line),
in some families its kick, one or two percussion layers (shaker, tambourine, congas, ride, rim,
cowbell, claves; each enters at its section energy) and ghost snares.  So five rerolls of one
request are five drummers, not one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from models.embedded.grooves import (
    CLAVES,
    COWBELL,
    HI_CONGA,
    LO_CONGA,
    OPEN_HAT,
    RIDE,
    RIM,
    SHAKER,
    TAMB,
    Line,
)

__all__ = ["ORNAMENTS", "Ornaments", "ornaments_of"]


@dataclass(frozen=True, slots=True)
class Ornaments:
    """What the seed may vary around a family's backbone (the backbone lines stay).

    ``hats``: closed-hat lines (verse, chorus) that replace the groove's closed hats; ``kicks``:
    kick lines that replace the groove's (empty where the kick is the backbone, four on the
    floor); ``layers``: percussion lines, the seed adds one or two; ``ghosts``: ghost-snare lines.
    """

    hats: tuple[tuple[str, str], ...] = ()
    kicks: tuple[str, ...] = ()
    layers: tuple[Line, ...] = ()
    ghosts: tuple[str, ...] = ()


#: closed hats keep the eighth-note pulse (sparser hats let a beat tracker hear half time)
_HATS_STRAIGHT = (
    ("x.x.x.x.x.x.x.x.", "xxxxxxxxxxxxxxxx"),  # eighths, then sixteenths
    ("x.xxx.xxx.xxx.xx", "xxoxxxoxxxoxxxox"),  # galloping sixteenths
    ("xo.xxo.xxo.xxo.x", "xoxxxoxxxoxxxoxx"),  # shuffled
)
_PERC = (
    Line(SHAKER, "xoxoxoxoxoxoxoxo", 0.5),
    Line(TAMB, "....x.......x...", 0.55),
    Line(TAMB, "..x...x...x...x.", 0.7),
    Line(HI_CONGA, "..o..o.o..o..o..", 0.45),
    Line(LO_CONGA, "x.....o...x..o..", 0.5),
    Line(RIDE, "x.x.x.x.x.x.x.x.", 0.8),
    Line(RIM, "...x..x....x..x.", 0.4),
    Line(COWBELL, "x.....x...x.....", 0.75),
    Line(CLAVES, "x..x..x...x.x...", 0.6),
)

#: groove family (the groove name before its ``_``) → what its seeds vary.  Hip-hop and lo-fi
#: have none: their grooves already differ by seed (under 50 % overlap), and layers over their
#: swung, half-time beats made the tempo ambiguous to a beat tracker.
ORNAMENTS: Mapping[str, Ornaments] = {
    "pop": Ornaments(
        _HATS_STRAIGHT,
        (
            "X.......X.x.....",
            "X..x....X.......",
            "X.....X.X.......",
            "X.x.....X..x..x.",
            "X.......X.....x.",
            "X..x..x.X.......",
        ),
        _PERC,
        ("......o......o..", ".......o.o......", "..o........o...o"),
    ),
    "house": Ornaments(
        _HATS_STRAIGHT[1:],
        (),
        (*_PERC, Line(OPEN_HAT, "..x...x...x...xx", 0.85)),
        ("...o......o....o", ".o.....o...o...."),
    ),
    "rock": Ornaments(
        _HATS_STRAIGHT,
        ("X.......X.X.....", "X.x.....X.X...x.", "X.....X.X.......", "X..x....X.x....."),
        (_PERC[1], _PERC[2], _PERC[5], _PERC[0]),
        ("......o.........", ".......o......o."),
    ),
}
_FAMILY = {
    "pop": "pop", "ballad": "pop", "synthpop": "pop", "outrun": "pop", "dream": "pop",
    "synthwave": "pop", "dancepop": "house", "house": "house", "deep": "house", "tech": "house",
    "dark": "house", "rock": "rock", "punk": "rock", "indie": "rock",
}  # fmt: skip


def ornaments_of(groove_name: str) -> Ornaments | None:
    """The ornaments of ``groove_name``'s family (None: the groove stays as written)."""
    return ORNAMENTS.get(_FAMILY.get(groove_name.split("_", maxsplit=1)[0], ""))

"""How each style is arranged: its parts (GM programs, patterns, mix), groove, room and feel.

This is data only.  Pattern names refer to the generators registered in
:mod:`models.embedded.composer`; a part's ``min_energy`` is the section energy at which it enters
(intros build in part by part, outros thin out the same way in reverse).

Every sub-style (:mod:`models.substyles`) has its own arrangement, a family: its palette, its
grooves, its bass and comping patterns.  A part may list alternative instruments and patterns;
the planner picks among them by the seed (:func:`choose_palette`), so two seeds of one request
get different instruments and grooves, and the plan records the picks.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from models.embedded.arrangements.acoustic import ACOUSTIC
from models.embedded.arrangements.beats import BEATS
from models.embedded.arrangements.dance import DANCE
from models.embedded.arrangements.electric import ELECTRIC
from models.embedded.arrangements.jazz import JAZZ
from models.embedded.arrangements.types import B, D, H, L, P, PartSpec, StyleArrangement, T
from models.plan import InstrumentPart, PartRole

__all__ = [
    "ARRANGEMENTS",
    "PartSpec",
    "StyleArrangement",
    "arrangement_for",
    "choose_palette",
    "generic_spec",
    "pattern_picks",
]

#: sub-style id → its arrangement (the first of a style is the style's default).
ARRANGEMENTS: Mapping[str, StyleArrangement] = {
    a.substyle: a for a in (*BEATS, *ELECTRIC, *DANCE, *JAZZ, *ACOUSTIC)
}
_PATTERN_EXTRA = "pattern."

_p = PartSpec

#: Patterns and registers for parts a request adds to a style that has no part in that role.
_GENERIC: Mapping[PartRole, PartSpec] = {
    PartRole.DRUMS: _p(D, 0, "Drums", "pop", kit=0, min_energy=0.3, velocity=92),
    PartRole.BASS: _p(B, 33, "Bass", "roots_soft", low=31, high=50, velocity=96, min_energy=0.25),
    PartRole.HARMONY: _p(
        H, 0, "Chords", "sustain_chords", low=50, high=74, pan=48, send=0.35, velocity=78
    ),
    PartRole.PAD: _p(
        P, 89, "Pad", "pad", low=52, high=74, pan=36, send=0.6, velocity=66, min_energy=0.5
    ),
    PartRole.LEAD: _p(
        L, 73, "Lead", "lead", low=62, high=86, pan=76, send=0.4, velocity=90, min_energy=0.4
    ),
    PartRole.TEXTURE: _p(
        T, 46, "Texture", "arp8", low=55, high=82, pan=90, send=0.5, velocity=74, min_energy=0.3
    ),
}


def arrangement_for(style: str, substyle: str | None = None) -> StyleArrangement:
    """The arrangement of ``substyle`` (when it is one of ``style``'s), else the style's first."""
    found = ARRANGEMENTS.get(substyle or "")
    if found is not None and found.style == style:
        return found
    for arrangement in ARRANGEMENTS.values():
        if arrangement.style == style:
            return arrangement
    raise KeyError(f"no arrangement for style {style!r}")


def choose_palette(
    arrangement: StyleArrangement, rng: random.Random
) -> tuple[tuple[InstrumentPart, ...], tuple[tuple[str, str], ...]]:
    """The seed's instruments and patterns for ``arrangement``: (parts, plan extras that record
    the pattern picks as ``("pattern.<part index>", name)``)."""
    parts: list[InstrumentPart] = []
    picks: list[tuple[str, str]] = []
    for i, spec in enumerate(arrangement.parts):
        if spec.alternatives:
            program, name = rng.choice(((spec.program, spec.name), *spec.alternatives))
            parts.append(InstrumentPart(spec.role, program, name))
        else:
            parts.append(spec.part)
        if spec.patterns:
            picks.append((f"{_PATTERN_EXTRA}{i}", rng.choice((spec.pattern, *spec.patterns))))
    return tuple(parts), tuple(picks)


def pattern_picks(extras: tuple[tuple[str, str], ...]) -> dict[int, str]:
    """The pattern picks a plan records (see :func:`choose_palette`): part index → pattern."""
    out: dict[int, str] = {}
    for key, value in extras:
        if key.startswith(_PATTERN_EXTRA) and key[len(_PATTERN_EXTRA) :].isdigit():
            out[int(key[len(_PATTERN_EXTRA) :])] = value
    return out


def generic_spec(role: PartRole) -> PartSpec:
    return _GENERIC[role]

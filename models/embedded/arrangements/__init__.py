"""How each style is arranged: its parts (GM programs, patterns, mix), groove, room and feel.

This is data only.  Pattern names refer to the generators registered in
:mod:`models.embedded.composer`; a part's ``min_energy`` is the section energy at which it enters
(intros build in part by part, outros thin out the same way in reverse).
"""

from __future__ import annotations

from collections.abc import Mapping

from models.embedded.arrangements.acoustic import ACOUSTIC
from models.embedded.arrangements.electric import ELECTRIC
from models.embedded.arrangements.types import B, D, H, L, P, PartSpec, StyleArrangement, T
from models.plan import PartRole

__all__ = ["ARRANGEMENTS", "PartSpec", "StyleArrangement", "arrangement_for", "generic_spec"]

ARRANGEMENTS: Mapping[str, StyleArrangement] = {a.style: a for a in (*ELECTRIC, *ACOUSTIC)}

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


def arrangement_for(style: str) -> StyleArrangement:
    try:
        return ARRANGEMENTS[style]
    except KeyError:
        raise KeyError(f"no arrangement for style {style!r}") from None


def generic_spec(role: PartRole) -> PartSpec:
    return _GENERIC[role]

"""Production: per-track effect chains, the shared room, master bus and record noise per style.

:func:`production_for` finds a style's (or sub-style's) :class:`Production` in
:data:`~models.embedded.production.tables.PRODUCTIONS`; :func:`bus_key` says which of its buses
a track plays through.  The renderer (:mod:`models.embedded.render`) runs them.
"""

from __future__ import annotations

from models.embedded.production.tables import NEUTRAL, PRODUCTIONS
from models.embedded.production.types import Bus, Production

__all__ = ["FAMILIES", "Bus", "Production", "bus_key", "family", "production_for"]

#: General MIDI program families (program // 8), as bus keys.
FAMILIES: tuple[str, ...] = (
    "piano",
    "chromatic",
    "organ",
    "guitar",
    "bass",
    "strings",
    "ensemble",
    "brass",
    "reed",
    "pipe",
    "synth_lead",
    "synth_pad",
    "synth_fx",
    "ethnic",
    "percussive",
    "sound_fx",
)


def family(program: int) -> str:
    """The GM family of ``program``; guitars split into acoustic (24, 25) and electric."""
    if program in (24, 25):
        return "acoustic_guitar"
    if 26 <= program <= 31:
        return "electric_guitar"
    return FAMILIES[max(0, min(127, program)) // 8]


def _norm(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


_INDEX = {
    "/".join(_norm(part) for part in key.split("/", 1)): value for key, value in PRODUCTIONS.items()
}


def production_for(style: str, substyle: str | None = None) -> Production:
    """The production of ``style``'s ``substyle`` if it has one, else of ``style``, else a
    neutral one (a room and nothing else)."""
    if substyle:
        found = _INDEX.get(f"{_norm(style)}/{_norm(substyle)}")
        if found is not None:
            return found
    return _INDEX.get(_norm(style), NEUTRAL)


def bus_key(production: Production, program: int, role: str, is_drum: bool) -> str | None:
    """The bus a track plays through: its instrument family's, else its role's, else none."""
    if not is_drum:
        key = family(program)
        if key in production.buses:
            return key
    return role if role in production.buses else None

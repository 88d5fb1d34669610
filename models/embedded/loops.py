"""Chord loops of the sub-styles, on top of their style's (:data:`.progressions.LOOPS`).

Roman numerals in the key's own scale, every loop starting on the tonic (the section's cadence
is added by :func:`.progressions.section_progression`); ``:2`` holds a chord two bars.  A
sub-style's loops join its style's, so two seeds of one request rarely share their loops.
"""

from __future__ import annotations

from collections.abc import Mapping

from models.plan import Mode

__all__ = ["SUBSTYLE_LOOPS"]

_M, _m = Mode.MAJOR, Mode.MINOR

#: sub-style id → mode → loops
SUBSTYLE_LOOPS: Mapping[str, Mapping[Mode, tuple[str, ...]]] = {
    "boom-bap": {
        _m: ("i9:2 iv9:2", "i7 VImaj7 iv7 v7", "i7 iv7 v7 i7", "i7 i7 VImaj7 VImaj7"),
        _M: ("Imaj7:2 IVmaj7:2", "Imaj7 IVmaj7 ii7 IVmaj7", "Imaj9 vi9 ii7 IVmaj7"),
    },
    "trap": {
        _m: ("i i VI VI", "i VI iv iv", "i iv VI v", "i i iv VI"),
        _M: ("I vi IV IV", "I I vi vi", "I IV vi IV"),
    },
    "drill": {
        _m: ("i VI i v", "i iv i VI", "i i VI iv", "i v VI VI"),
        _M: ("I vi I IV", "I IV vi vi"),
    },
    "lofi-beat": {
        _m: ("i9 iv9 VImaj7 v7", "i7 VImaj7 III7 iv7", "i7:2 iv9:2"),
        _M: ("Imaj9 vi7 ii7 IVmaj7", "Imaj7 IVmaj7:2 vi7"),
    },
    "chillhop": {
        _m: ("i9 iv7 VII7 IIImaj7", "i7 iv9 v7 VImaj7", "i9 VImaj7 v7 iv7"),
        _M: ("Imaj9 IVmaj7 vi7 IVmaj7", "Imaj7 IVmaj7 iii7 vi7", "Imaj9 ii9 iii7 IVmaj7"),
    },
    "sleepy-lofi": {
        _m: ("i9:2 VImaj7:2", "i7 iv7 VImaj7:2", "i9 III7 VImaj7 iv7"),
        _M: ("Imaj7:2 IVmaj7:2", "Imaj9 vi7 IVmaj7:2"),
    },
    "modern-pop": {
        _M: ("I IV V vi", "I V IV IV", "I vi ii IV"),
        _m: ("i iv VI VII", "i VII VI VII", "i VI VII VII"),
    },
    "synth-pop": {
        _M: ("I V IV V", "I IV vi V", "I IV I V"),
        _m: ("i VII VI VII", "i III VII VI", "i VI VII i"),
    },
    "dance-pop": {
        _M: ("I V vi IV", "I vi ii V", "I I IV V"),
        _m: ("i VI III VII", "i iv VII III", "i VII iv VI"),
    },
    "ballad": {
        _M: ("I V vi iii IV I IV V", "I vi IV V", "I vi IV iv"),
        _m: ("i VI III VII", "i iv VII III", "i v VI iv"),
    },
    "classic-rock": {
        _M: ("I bVII IV I", "I IV V V", "I V IV I"),
        _m: ("i VII VI VII", "i iv VI VII", "i III VII iv"),
    },
    "punk": {
        _M: ("I V vi IV", "I IV V IV", "I I IV V"),
        _m: ("i VI III VII", "i VII VI VII", "i iv VI V"),
    },
    "indie-rock": {
        _M: ("I IV vi IV", "I IV vi V", "I V IV IV", "Iadd9 IV Iadd9 IV"),
        _m: ("i VI III VII", "i VI III iv", "i iv VI VII"),
    },
    "piano-house": {
        _m: ("i VI III VII", "i iv VII III", "i VI VII v"),
        _M: ("I V vi IV", "I IV vi V"),
    },
    "deep-house": {
        _m: ("i7:2 iv7:2", "i9 VImaj7 iv9 VImaj7", "i7 v7 VImaj7 iv7"),
        _M: ("Imaj9:2 IVmaj9:2", "Imaj7 IVmaj7 vi7 IVmaj7"),
    },
    "tech-house": {
        _m: ("i i i VI", "i:2 iv:2", "i i v v"),
        _M: ("I I IV IV", "I:2 vi:2"),
    },
    "outrun": {
        _m: ("i VI III VII", "i VII VI VII", "i VI VII i"),
        _M: ("I V vi IV", "I IV V V"),
    },
    "darksynth": {
        _m: ("i VI iv V", "i iv i VI", "i i VI VII"),
        _M: ("I vi IV V",),
    },
    "dreamwave": {
        _M: ("Imaj7 IVmaj7 vi7 V", "Imaj7:2 IVmaj7:2", "Iadd9 vi7 IVmaj7 V"),
        _m: ("i9 VImaj7 III iv", "i VImaj7:2 VII"),
    },
    "swing": {
        _M: ("Imaj7 VI7 ii7 V7", "Imaj7 iii7 vi7 ii7"),
        _m: ("i6 VImaj7 iiø V7", "i7 iv7 VII7 IIImaj7"),
    },
    "bebop": {
        _M: ("Imaj7 VI7 ii7 V7", "Imaj7 ii7:0.5 V7:0.5 iii7 VI7"),
        _m: ("i6 iiø:0.5 V7:0.5 i6 iv7",),
    },
    "bossa-nova": {
        _M: ("Imaj7:2 II7:2", "Imaj7 ii7 iii7 VI7", "Imaj9 IVmaj7 iii7 VI7"),
        _m: ("i7 iv7 VII7 IIImaj7", "i6 VImaj7 iiø V7"),
    },
}

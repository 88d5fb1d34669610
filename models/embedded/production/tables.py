"""How each style is produced: per-bus effect chains, the room, the master bus and record noise.

Data only (see :mod:`models.embedded.production.types` for the vocabulary).  A sub-style has an
entry ``"style/sub-style"`` (matched without case, spaces or dashes: ``"hiphop/boom-bap"`` also
serves "boom bap" and "boombap"); a sub-style without its own entry is produced as its style, and
a style without an entry gets :data:`NEUTRAL`.  Bus keys are GM families or track roles.
"""

from __future__ import annotations

from collections.abc import Mapping

from models.embedded.production.types import (
    Bus,
    Chorus,
    Compress,
    Crush,
    Delay,
    Drive,
    Duck,
    GatedVerb,
    HighPass,
    LowPass,
    Production,
    Room,
    Shelf,
    Sweep,
    Vinyl,
    Wow,
)

__all__ = ["NEUTRAL", "PRODUCTIONS"]

#: Glue on a drum kit: fast attack catches the transients, medium release breathes with the beat.
_PUNCH = Compress(threshold_db=-20.0, ratio=4.0, attack_ms=5.0, release_ms=90.0, makeup_db=2.0)
_GLUE = Compress(threshold_db=-16.0, ratio=2.0, attack_ms=20.0, release_ms=200.0)
_ECHO = Delay(0.75, 0.3, 0.18)  # a dotted-eighth echo on leads
_AIR_EQ = Shelf(5000.0, 3.0)  # radio brightness on the master
_WEIGHT = Shelf(70.0, 2.0, high=False)  # kick and sub weight
#: A build-up's filter opening: the music rises from dull to bright into the drop.
_RISE = Sweep(("buildup",), 700.0, 16_000.0)

NEUTRAL = Production("neutral", room=Room(wet=0.25, size=0.55))

# Tracks whose keys map to the same Bus share one effect chain (one pass for all of them).

_GUITARS = Bus((Drive(30.0, 110.0, 5200.0),))  # distortion compresses: no compressor
_ROCK = Production(
    "rock",
    buses={
        "electric_guitar": _GUITARS,
        "drums": Bus((_PUNCH,)),
        "bass": Bus((Drive(8.0, 40.0, 3500.0),)),
    },
    master=(Shelf(3000.0, 2.0),),
    room=Room(wet=0.2, size=0.5, damping=0.45),
)

#: Lo-fi: the music bus wobbles like worn tape, is dull and ducks under the kick.
_LOFI_MUSIC = Bus((Wow(0.5, 6.0, 0.35), LowPass(3400.0), Duck(5.0, 0.8), _RISE))
_LOFI = Production(
    "lofi",
    buses={
        "drums": Bus((LowPass(4200.0), Crush(10.0))),
        "bass": Bus((LowPass(900.0), Duck(4.0, 0.7))),
        "harmony": _LOFI_MUSIC,
        "pad": _LOFI_MUSIC,
        "lead": _LOFI_MUSIC,
        "texture": _LOFI_MUSIC,
    },
    master=(Crush(12.0), LowPass(5200.0)),
    room=Room(wet=0.26, size=0.5, damping=0.7),
    vinyl=Vinyl(crackles_per_s=9.0, hiss_db=-50.0),
)

#: House: everything but the drums pumps; chords and pads open up through the intro, through
#: the breakdown (the bridge) and through the build-up into the drop.
_HOUSE_MUSIC = Bus((Duck(9.0, 0.85), Sweep(("intro", "bridge"), 350.0, 14_000.0), _RISE))
_HOUSE = Production(
    "house",
    buses={
        "drums": Bus((_PUNCH,)),
        "bass": Bus((Duck(9.0, 0.85),)),
        "harmony": _HOUSE_MUSIC,
        "pad": _HOUSE_MUSIC,
        "texture": _HOUSE_MUSIC,
        "lead": Bus((Duck(6.0, 0.8), _ECHO)),
    },
    master=(_WEIGHT, Shelf(6000.0, 2.0), _GLUE),
    room=Room(wet=0.2, size=0.5),
)

#: Synthwave: chorused synths, an echoing lead, the gated-reverb snare.
_SYNTHS = Bus((Chorus(0.6, 0.4, 8.0, 0.55), _RISE))
_SYNTH_LEAD = Bus((Chorus(0.8, 0.3, 7.0, 0.45), Delay(0.75, 0.35, 0.25)))
_SYNTHWAVE = Production(
    "synthwave",
    buses={
        "drums": Bus((_PUNCH,), snare=GatedVerb(room=0.92, level=1.0, hold_s=0.28)),
        "synth_pad": _SYNTHS,
        "harmony": _SYNTHS,
        "pad": _SYNTHS,
        "texture": _SYNTHS,
        "synth_lead": _SYNTH_LEAD,
        "lead": _SYNTH_LEAD,
    },
    master=(Shelf(5000.0, 2.0), _GLUE),
    room=Room(wet=0.3, size=0.75, damping=0.35),
)

_POP = Production(
    "pop",
    buses={
        "drums": Bus((_PUNCH, Shelf(7000.0, 2.5))),
        "lead": Bus((Compress(-18.0, 2.5, 8.0, 120.0), _ECHO)),
        "synth_pad": Bus((Chorus(0.5, 0.35, 8.0, 0.4), Duck(3.0, 0.7))),
    },
    master=(_AIR_EQ, _GLUE),
    room=Room(wet=0.22, size=0.55),
)

#: Boom-bap: hard, saturated drums, a gritty sub, chopped and filtered samples, a little vinyl.
_CHOPS = Bus((HighPass(180.0), LowPass(3000.0), Duck(3.0, 0.7), _RISE))
_HIPHOP = Production(
    "hiphop",
    buses={
        "drums": Bus((Compress(-22.0, 5.0, 3.0, 80.0, 3.0), Drive(6.0, 30.0, 12_000.0), _WEIGHT)),
        "bass": Bus((Drive(9.0, 25.0, 6000.0),)),
        "harmony": _CHOPS,
        "pad": _CHOPS,
        "lead": Bus((LowPass(6000.0), _ECHO)),
    },
    master=(Crush(13.0),),
    room=Room(wet=0.18, size=0.45, damping=0.6),
    vinyl=Vinyl(crackles_per_s=4.0, hiss_db=-60.0),
)

#: Trap: a distorted 808, dark keys, echoes.
_DARK = Bus((LowPass(4500.0), Delay(0.75, 0.3, 0.2), _RISE))
_TRAP = Production(
    "trap",
    buses={
        "drums": Bus((Compress(-20.0, 4.0, 2.0, 60.0, 2.0), Shelf(8000.0, 3.0))),  # crisp hats
        "bass": Bus((Drive(12.0, 25.0, 8000.0), _WEIGHT)),
        "harmony": _DARK,
        "pad": _DARK,
        "lead": Bus((_ECHO,)),
    },
    room=Room(wet=0.2, size=0.6, damping=0.5),
)

_DEEP_MUSIC = Bus(
    (LowPass(5000.0), Duck(6.0, 0.9), Sweep(("intro", "bridge"), 300.0, 9000.0), _RISE)
)
_DEEP_HOUSE = Production(
    "deep house",
    buses={
        **_HOUSE.buses,
        "bass": Bus((Duck(6.0, 0.9),)),
        "harmony": _DEEP_MUSIC,
        "pad": _DEEP_MUSIC,
        "texture": _DEEP_MUSIC,
    },
    master=(_GLUE,),
    room=Room(wet=0.24, size=0.6, damping=0.55),
)

_SYNTH_POP = Production(
    "synth-pop",
    buses={**_POP.buses, **{k: _SYNTHS for k in ("harmony", "texture", "synth_pad")}},
    master=(_AIR_EQ, _GLUE),
    room=Room(wet=0.24, size=0.6),
)

_AIR = Bus((Delay(1.0, 0.4, 0.3),))  # long echoes for ambient melodies

#: Chillhop: lo-fi's crisper cousin: lighter wobble, more top end, less noise.
_CHILL_MUSIC = Bus((Wow(0.5, 6.0, 0.2), LowPass(6000.0), Duck(4.0, 0.8)))
_CHILLHOP = Production(
    "chillhop",
    buses={
        "drums": Bus((LowPass(8000.0), Compress(-20.0, 3.0, 8.0, 100.0, 1.0))),
        "bass": Bus((Duck(3.0, 0.7),)),
        **{k: _CHILL_MUSIC for k in ("harmony", "pad", "lead", "texture")},
    },
    master=(Crush(13.0),),
    room=Room(wet=0.24, size=0.5, damping=0.6),
    vinyl=Vinyl(crackles_per_s=4.0, hiss_db=-58.0),
)

#: Tech house: tight, dry, driven drums; the groove pumps harder than it sings.
_TECH_HOUSE = Production(
    "tech house",
    buses={
        **_HOUSE.buses,
        "drums": Bus((_PUNCH, Drive(4.0, 30.0, 14_000.0))),
        "bass": Bus((Duck(10.0, 0.7), Drive(6.0, 30.0, 9000.0))),
    },
    master=(_GLUE,),
    room=Room(wet=0.14, size=0.4),
)

PRODUCTIONS: Mapping[str, Production] = {
    "pop": _POP,
    "pop/synth-pop": _SYNTH_POP,
    "pop/dance-pop": Production(
        "dance-pop",
        buses={**_POP.buses, **_HOUSE.buses},
        master=(_WEIGHT, _AIR_EQ, _GLUE),
        room=_POP.room,
    ),
    "pop/ballad": Production(
        "ballad",
        buses={"lead": Bus((Compress(-18.0, 2.5, 8.0, 150.0), Delay(0.75, 0.2, 0.12)))},
        room=Room(wet=0.3, size=0.72, damping=0.45),
    ),
    "rock": _ROCK,
    "rock/indie-rock": Production(
        "indie rock",
        buses={
            **_ROCK.buses,
            "electric_guitar": Bus((Drive(18.0, 100.0, 6500.0),)),
            "lead": Bus((Chorus(0.6, 0.25, 7.0, 0.3), Delay(0.75, 0.3, 0.2))),
        },
        master=_ROCK.master,
        room=Room(wet=0.24, size=0.6, damping=0.45),
    ),
    "rock/punk": Production(
        "punk",
        buses={
            "electric_guitar": Bus((Drive(38.0, 120.0, 5000.0),)),
            "drums": Bus((_PUNCH,)),
            "bass": Bus((Drive(14.0, 40.0, 3200.0),)),
        },
        master=_ROCK.master,
        room=Room(wet=0.14, size=0.35),
    ),
    "house": _HOUSE,
    "house/deep-house": _DEEP_HOUSE,
    "house/tech-house": _TECH_HOUSE,
    "hiphop": _HIPHOP,
    "hiphop/boom-bap": _HIPHOP,
    "hiphop/trap": _TRAP,
    "hiphop/drill": _TRAP,
    "synthwave": _SYNTHWAVE,
    "synthwave/darksynth": Production(
        "darksynth",
        buses={**_SYNTHWAVE.buses, "bass": Bus((Drive(14.0, 40.0, 4000.0), _GLUE))},
        master=_SYNTHWAVE.master,
        room=Room(wet=0.26, size=0.7, damping=0.4),
    ),
    "synthwave/dreamwave": Production(
        "dreamwave",
        buses=_SYNTHWAVE.buses,
        master=_SYNTHWAVE.master,
        room=Room(wet=0.36, size=0.85, damping=0.35),
    ),
    "lofi": _LOFI,
    "lofi/chillhop": _CHILLHOP,
    "lofi/sleepy-lofi": Production(
        "sleepy lo-fi",
        buses=_LOFI.buses,
        master=(Crush(12.0), LowPass(4200.0)),
        room=Room(wet=0.3, size=0.6, damping=0.7),
        vinyl=Vinyl(crackles_per_s=7.0, hiss_db=-50.0),
    ),
    "jazz": Production(
        "jazz",
        buses={"drums": Bus((Compress(-24.0, 2.0, 20.0, 200.0),))},
        room=Room(wet=0.24, size=0.5, damping=0.55),
    ),
    "jazz/bossa-nova": Production(
        "bossa nova", buses={}, room=Room(wet=0.28, size=0.55, damping=0.5)
    ),
    "piano": Production("piano", room=Room(wet=0.3, size=0.72, damping=0.45)),
    "ambient": Production(
        "ambient",
        buses={
            "pad": Bus((Chorus(0.25, 0.4, 12.0, 0.5),)),
            "lead": _AIR,
            "texture": _AIR,
        },
        room=Room(wet=0.45, size=0.93, damping=0.35),
    ),
    "cinematic": Production(
        "cinematic",
        buses={"drums": Bus((Compress(-20.0, 2.5, 15.0, 200.0),))},
        master=(_GLUE,),
        room=Room(wet=0.38, size=0.88, damping=0.4),
    ),
}

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
    Sweep,
    Vinyl,
    Wow,
)

__all__ = ["NEUTRAL", "PRODUCTIONS"]

#: Glue on a drum kit: fast attack catches the transients, medium release breathes with the beat.
_PUNCH = Compress(threshold_db=-20.0, ratio=4.0, attack_ms=5.0, release_ms=90.0, makeup_db=2.0)
_GLUE = Compress(threshold_db=-16.0, ratio=2.0, attack_ms=20.0, release_ms=200.0)
_DUSTY = LowPass(4200.0)

NEUTRAL = Production("neutral", room=Room(wet=0.25, size=0.55))

_ROCK = Production(
    "rock",
    buses={
        "electric_guitar": Bus((HighPass(110.0), Drive(30.0, 100.0, 5200.0), _GLUE)),
        "drums": Bus((_PUNCH,)),
        "bass": Bus((Drive(8.0, 40.0, 3500.0), _GLUE)),
        "lead": Bus((Delay(0.75, 0.25, 0.15),)),
    },
    room=Room(wet=0.2, size=0.5, damping=0.45),
)

_LOFI = Production(
    "lofi",
    buses={
        "drums": Bus((_DUSTY, Compress(-22.0, 4.0, 15.0, 120.0, 2.0), Crush(10.0))),
        "bass": Bus((LowPass(900.0), Duck(4.0, 0.7))),
        "harmony": Bus((Wow(0.5, 6.0, 0.35), LowPass(3200.0), Duck(5.0, 0.8))),
        "pad": Bus((Wow(0.4, 5.0, 0.3), LowPass(2600.0), Duck(6.0, 0.9))),
        "lead": Bus((Wow(0.5, 6.0, 0.3), LowPass(3800.0), Delay(0.75, 0.3, 0.18))),
        "texture": Bus((LowPass(3500.0), Duck(4.0, 0.8))),
    },
    master=(Crush(12.0), LowPass(5200.0), Compress(-18.0, 2.5, 20.0, 250.0)),
    room=Room(wet=0.26, size=0.5, damping=0.7),
    vinyl=Vinyl(crackles_per_s=9.0, hiss_db=-50.0),
)

_HOUSE = Production(
    "house",
    buses={
        "drums": Bus((_PUNCH,)),
        "bass": Bus((Duck(9.0, 0.85),)),
        "harmony": Bus((Duck(8.0, 0.85), Sweep(("intro",), 400.0, 14_000.0))),
        "pad": Bus((Duck(10.0, 0.9), Sweep(("intro",), 300.0, 12_000.0))),
        "lead": Bus((Duck(6.0, 0.8), Delay(0.75, 0.3, 0.15))),
        "texture": Bus((Duck(7.0, 0.8), Delay(0.75, 0.25, 0.15))),
    },
    master=(_GLUE,),
    room=Room(wet=0.2, size=0.5),
)

_SYNTHWAVE = Production(
    "synthwave",
    buses={
        "drums": Bus((_PUNCH,), snare=GatedVerb(room=0.92, level=1.0, hold_s=0.28)),
        "bass": Bus((Compress(-18.0, 3.0, 5.0, 80.0),)),
        "synth_pad": Bus((Chorus(0.5, 0.45, 9.0, 0.6),)),
        "synth_lead": Bus((Chorus(0.8, 0.3, 7.0, 0.45), Delay(0.75, 0.35, 0.25))),
        "harmony": Bus((Chorus(0.6, 0.4, 8.0, 0.55),)),
        "pad": Bus((Chorus(0.5, 0.45, 9.0, 0.6),)),
        "lead": Bus((Chorus(0.8, 0.3, 7.0, 0.45), Delay(0.75, 0.35, 0.25))),
        "texture": Bus((Chorus(0.7, 0.3, 7.0, 0.4), Delay(0.5, 0.3, 0.2))),
    },
    master=(_GLUE,),
    room=Room(wet=0.3, size=0.75, damping=0.35),
)

_POP = Production(
    "pop",
    buses={
        "drums": Bus((_PUNCH,)),
        "bass": Bus((Compress(-18.0, 3.0, 8.0, 100.0),)),
        "lead": Bus((Compress(-18.0, 2.5, 8.0, 120.0), Delay(0.75, 0.25, 0.15))),
        "synth_pad": Bus((Chorus(0.5, 0.35, 8.0, 0.4),)),
        "pad": Bus((Duck(3.0, 0.7),)),
    },
    master=(_GLUE,),
    room=Room(wet=0.22, size=0.55),
)

_HIPHOP = Production(
    "hiphop",
    buses={
        "drums": Bus((Compress(-22.0, 5.0, 3.0, 80.0, 3.0), Drive(6.0, 30.0, 12_000.0))),
        "bass": Bus((Drive(9.0, 25.0, 6000.0),)),
        "harmony": Bus((LowPass(3000.0), HighPass(180.0), Duck(3.0, 0.7))),
        "pad": Bus((LowPass(2800.0), Duck(3.0, 0.7))),
        "lead": Bus((LowPass(6000.0), Delay(0.75, 0.3, 0.15))),
    },
    master=(Crush(13.0),),
    room=Room(wet=0.18, size=0.45, damping=0.6),
    vinyl=Vinyl(crackles_per_s=4.0, hiss_db=-60.0),
)

_TRAP = Production(
    "trap",
    buses={
        "drums": Bus((Compress(-20.0, 4.0, 2.0, 60.0, 2.0),)),
        "bass": Bus((Drive(12.0, 25.0, 8000.0),)),
        "harmony": Bus((LowPass(5000.0), Delay(0.75, 0.3, 0.2))),
        "pad": Bus((LowPass(3500.0),)),
        "lead": Bus((Delay(0.75, 0.35, 0.22),)),
    },
    room=Room(wet=0.2, size=0.6, damping=0.5),
)

_DEEP_HOUSE = Production(
    "deep house",
    buses={
        **_HOUSE.buses,
        "bass": Bus((Duck(6.0, 0.9),)),
        "harmony": Bus(
            (LowPass(5000.0), Duck(6.0, 0.9), Sweep(("intro", "bridge"), 300.0, 9000.0))
        ),
        "pad": Bus((Chorus(0.4, 0.35, 9.0, 0.4), Duck(7.0, 0.9))),
    },
    master=(_GLUE,),
    room=Room(wet=0.24, size=0.6, damping=0.55),
)

_SYNTH_POP = Production(
    "synth-pop",
    buses={
        **_POP.buses,
        "synth_lead": Bus((Chorus(0.8, 0.3, 7.0, 0.4), Delay(0.75, 0.3, 0.2))),
        "harmony": Bus((Chorus(0.6, 0.35, 8.0, 0.45), Duck(3.0, 0.6))),
    },
    master=(_GLUE,),
    room=Room(wet=0.24, size=0.6),
)

PRODUCTIONS: Mapping[str, Production] = {
    "pop": _POP,
    "pop/synth-pop": _SYNTH_POP,
    "pop/dance-pop": Production(
        "dance-pop", buses={**_POP.buses, **_HOUSE.buses}, master=(_GLUE,), room=_POP.room
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
            "electric_guitar": Bus((HighPass(100.0), Drive(18.0, 90.0, 6500.0), _GLUE)),
            "lead": Bus((Chorus(0.6, 0.25, 7.0, 0.3), Delay(0.75, 0.3, 0.2))),
        },
        room=Room(wet=0.24, size=0.6, damping=0.45),
    ),
    "rock/punk": Production(
        "punk",
        buses={
            "electric_guitar": Bus((HighPass(120.0), Drive(38.0, 110.0, 5000.0), _GLUE)),
            "drums": Bus((_PUNCH,)),
            "bass": Bus((Drive(14.0, 40.0, 3200.0),)),
        },
        room=Room(wet=0.14, size=0.35),
    ),
    "house": _HOUSE,
    "house/deep-house": _DEEP_HOUSE,
    "hiphop": _HIPHOP,
    "hiphop/boom-bap": _HIPHOP,
    "hiphop/trap": _TRAP,
    "hiphop/drill": _TRAP,
    "synthwave": _SYNTHWAVE,
    "synthwave/darksynth": Production(
        "darksynth",
        buses={**_SYNTHWAVE.buses, "bass": Bus((Drive(14.0, 40.0, 4000.0), _GLUE))},
        master=(_GLUE,),
        room=Room(wet=0.26, size=0.7, damping=0.4),
    ),
    "synthwave/dreamwave": Production(
        "dreamwave",
        buses=_SYNTHWAVE.buses,
        master=(_GLUE,),
        room=Room(wet=0.36, size=0.85, damping=0.35),
    ),
    "lofi": _LOFI,
    "lofi/sleepy-lofi": Production(
        "sleepy lo-fi",
        buses=_LOFI.buses,
        master=(Crush(12.0), LowPass(4200.0), Compress(-18.0, 2.5, 20.0, 250.0)),
        room=Room(wet=0.3, size=0.6, damping=0.7),
        vinyl=Vinyl(crackles_per_s=7.0, hiss_db=-50.0),
    ),
    "jazz": Production(
        "jazz",
        buses={"drums": Bus((Compress(-24.0, 2.0, 20.0, 200.0),))},
        room=Room(wet=0.24, size=0.5, damping=0.55),
    ),
    "piano": Production("piano", room=Room(wet=0.3, size=0.72, damping=0.45)),
    "ambient": Production(
        "ambient",
        buses={
            "pad": Bus((Chorus(0.25, 0.4, 12.0, 0.5),)),
            "lead": Bus((Delay(1.5, 0.45, 0.3),)),
            "texture": Bus((Delay(1.0, 0.4, 0.3),)),
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

"""The physical floor of `composer song`: a process that only synthesises.

Loads a GM SoundFont with TinySoundFont, renders a fixed 45 s five-track arrangement (drums, bass,
pad, keys, lead; Am–F–C–G at 85 bpm, ~560 notes) at 48 kHz in one pass and writes a 16-bit WAV.
No composing, no effects, no mastering, no lossy encoding: whatever `composer song` spends beyond
this process is overhead to justify.  ``bench/bench_cli.py`` times both alternately.

    python bench/floor_render.py SOUNDFONT OUT.wav
"""

from __future__ import annotations

import sys

import numpy as np
import soundfile as sf
import tinysoundfont

SR = 48_000
BPM = 85.0
BARS = 16  # 16 bars of 4/4 at 85 bpm = 45.2 s
PROGRESSION = ((57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62))  # Am F C G
#: channel, GM program (None: drums), velocity
TRACKS = {"drums": (9, None, 100), "bass": (0, 33, 96), "pad": (1, 89, 64), "keys": (2, 4, 80)}
LEAD = (3, 80, 90)

Event = tuple[int, int, int, int, int]  # frame, on(1)/off(0), channel, pitch, velocity


def arrangement() -> list[Event]:
    beat = 60.0 / BPM
    events: list[Event] = []

    def note(ch: int, pitch: int, vel: int, start_beats: float, length_beats: float) -> None:
        on = round(start_beats * beat * SR)
        events.append((on, 1, ch, pitch, vel))
        events.append((on + max(1, round(length_beats * beat * SR)), 0, ch, pitch, 0))

    for bar in range(BARS):
        chord = PROGRESSION[bar % 4]
        b0 = 4.0 * bar
        for i in range(8):  # drums: kick on 1 and 3, snare on 2 and 4, eighth hats
            note(9, 42, 70, b0 + 0.5 * i, 0.25)
        for k in (0, 2):
            note(9, 36, 110, b0 + k, 0.5)
            note(9, 38, 100, b0 + k + 1, 0.5)
        for k in range(4):  # bass: the root, every beat
            note(0, chord[0] - 24, 96, b0 + k, 0.9)
        for p in chord:  # pad: the chord, whole bar
            note(1, p, 64, b0, 4.0)
        for k in (1, 3):  # keys: stabs on 2 and 4
            for p in chord:
                note(2, p + 12, 80, b0 + k, 0.5)
        for i in range(8):  # lead: eighths over the chord tones
            note(
                LEAD[0], chord[i % 3] + 12 + (12 if i % 4 == 3 else 0), LEAD[2], b0 + 0.5 * i, 0.45
            )
    events.sort()
    return events


def main() -> None:
    soundfont, out = sys.argv[1], sys.argv[2]
    synth = tinysoundfont.Synth(gain=-6.0, samplerate=SR)
    sfid = synth.sfload(soundfont)
    for _name, (ch, program, _vel) in (*TRACKS.items(), ("lead", LEAD)):
        if program is None:
            synth.program_select(ch, sfid, 128, 0, True)
        else:
            synth.program_select(ch, sfid, 0, program)
    events = arrangement()
    total = events[-1][0] + 2 * SR
    buf = np.zeros((total, 2), np.float32)
    view = buf.data.cast("B")
    pos = 0
    for frame, on, ch, pitch, vel in events:
        if frame > pos:
            synth.generate_simple(frame - pos, buffer=view[pos * 8 : frame * 8])
            pos = frame
        if on:
            synth.noteon(ch, pitch, vel)
        else:
            synth.noteoff(ch, pitch)
    synth.generate_simple(total - pos, buffer=view[pos * 8 :])
    sf.write(out, buf, SR, subtype="PCM_16")


if __name__ == "__main__":
    main()

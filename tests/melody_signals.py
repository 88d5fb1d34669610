"""Synthetic hums and tunes for the melody tests and bench: known notes in, audio/MIDI out.

A :class:`Tune` is notes in beats at a tempo; :func:`hum` renders it as a sine, a saw or a
voice-like tone (glottal pulses through vowel formants) with optional vibrato, glides between
notes, breath noise, timing jitter and detuning, and returns the ground-truth notes in seconds
(after jitter) for ``mir_eval``.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass

import mido
import numpy as np
import numpy.typing as npt
import soundfile as sf
from scipy.signal import lfilter

SR = 22_050
Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Tune:
    name: str
    key: str  # e.g. "D major"
    bpm: float
    notes: tuple[tuple[int, float, float], ...]  # (MIDI pitch, start beat, length beats)

    @property
    def pitches(self) -> list[int]:
        return [p for p, _s, _n in self.notes]

    @property
    def intervals(self) -> list[int]:
        ps = self.pitches
        return [b - a for a, b in itertools.pairwise(ps)]


def _seq(pitches: list[int], lengths: list[float]) -> tuple[tuple[int, float, float], ...]:
    out, t = [], 0.0
    for p, n in zip(pitches, lengths, strict=True):
        out.append((p, t, n))
        t += n
    return tuple(out)


#: Tunes in known keys and tempos (written for these tests: scale-degree contours that end on
#: the tonic, with repeated notes, leaps and dotted rhythms).
TUNES: tuple[Tune, ...] = (
    Tune(
        "stepwise",
        "D major",
        96,
        _seq(
            [66, 66, 67, 69, 69, 67, 66, 64, 62, 62, 64, 66, 66, 64, 64, 62],
            [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.5, 0.5, 1, 2],
        ),
    ),
    Tune(
        "leaps in minor",
        "E minor",
        92,
        _seq(
            [64, 67, 71, 69, 67, 66, 67, 64, 71, 72, 71, 69, 67, 66, 64],
            [1, 0.5, 0.5, 1, 1, 1, 0.5, 0.5, 1, 1, 0.5, 0.5, 1, 1, 2],
        ),
    ),
    Tune(
        "dotted waltz-like",
        "F major",
        120,
        _seq(
            [60, 65, 65, 67, 69, 65, 69, 70, 72, 70, 69, 67, 65],
            [1, 1.5, 0.5, 1, 1, 1, 1.5, 0.5, 1, 1, 1, 1, 2],
        ),
    ),
    Tune(
        "low minor",
        "A minor",
        80,
        _seq(
            [57, 60, 64, 62, 60, 59, 57, 64, 65, 64, 62, 59, 57],
            [1, 1, 1, 0.5, 0.5, 1, 1, 1, 1, 0.5, 0.5, 1, 2],
        ),
    ),
    Tune(
        "bright major",
        "G major",
        110,
        _seq(
            [67, 71, 74, 71, 72, 74, 76, 74, 71, 69, 67, 69, 71, 69, 67],
            [0.5, 0.5, 1, 1, 0.5, 0.5, 1, 1, 1, 0.5, 0.5, 1, 1, 1, 2],
        ),
    ),
)


def _formants(signal: Array, sr: int, vowel: tuple[float, ...]) -> Array:
    out = np.zeros_like(signal)
    for i, f in enumerate(vowel):
        bw = 80.0 + 40.0 * i
        r = np.exp(-np.pi * bw / sr)
        a = [1.0, -2 * r * np.cos(2 * np.pi * f / sr), r * r]
        out += lfilter([1.0 - r], a, signal) / (i + 1)
    return out


def hum(
    tune: Tune,
    *,
    wave: str = "sine",
    vibrato_cents: float = 0.0,
    vibrato_hz: float = 5.5,
    glide_s: float = 0.0,
    noise_db: float | None = None,
    jitter_s: float = 0.0,
    detune_cents: float = 0.0,
    gap_s: float = 0.04,
    seed: int = 0,
    sr: int = SR,
    lead_in_s: float = 0.3,
) -> tuple[npt.NDArray[np.float32], list[tuple[float, float, float]]]:
    """Render ``tune``; returns (mono float32 audio, [(onset s, offset s, Hz)] ground truth)."""
    rng = np.random.default_rng(seed)
    beat_s = 60.0 / tune.bpm
    truth = []
    for pitch, start, length in tune.notes:
        on = lead_in_s + start * beat_s + (rng.uniform(-jitter_s, jitter_s) if jitter_s else 0.0)
        off = lead_in_s + (start + length) * beat_s - gap_s
        hz = 440.0 * 2 ** ((pitch - 69 + detune_cents / 100.0) / 12)
        truth.append((max(0.0, on), off, hz))
    total = int((truth[-1][1] + 0.6) * sr)
    f0 = np.zeros(total)
    amp = np.zeros(total)
    for i, (on, off, hz) in enumerate(truth):
        a, b = int(on * sr), int(off * sr)
        t = np.arange(b - a) / sr
        track = np.full(b - a, hz)
        if glide_s and i > 0:
            prev = truth[i - 1][2]
            g = min(b - a, int(glide_s * sr))
            track[:g] = prev * (hz / prev) ** (np.arange(g) / g)
        if vibrato_cents:
            onset = np.clip(t / 0.25, 0, 1)  # vibrato grows in as a singer's does
            phase = rng.uniform(0, 2 * np.pi)
            track *= 2 ** (
                vibrato_cents * onset * np.sin(2 * np.pi * vibrato_hz * t + phase) / 1200
            )
        env = np.minimum(1.0, np.minimum(t / 0.02, (t[-1] - t + 1e-9) / 0.03))
        f0[a:b] = track
        amp[a:b] = env * (0.8 + 0.2 * rng.uniform())
    phase = 2 * np.pi * np.cumsum(f0) / sr
    if wave == "sine":
        y = np.sin(phase) + 0.3 * np.sin(2 * phase)
    elif wave == "saw":
        y = sum(np.sin(k * phase) / k for k in range(1, 16))
    elif wave == "voice":
        pulses = sum(np.sin(k * phase) / k**1.2 for k in range(1, 30))
        y = _formants(pulses, sr, (700.0, 1200.0, 2600.0))
    else:
        raise ValueError(wave)
    y = y * amp
    y /= np.max(np.abs(y)) + 1e-12
    if noise_db is not None:
        breath = rng.standard_normal(total)
        breath = lfilter([1.0], [1.0, -0.6], breath)
        rms_y = np.sqrt(np.mean(y[amp > 0] ** 2))
        breath *= rms_y / np.sqrt(np.mean(breath**2)) * 10 ** (-noise_db / 20)
        y = y + breath
    y *= 0.5 / np.max(np.abs(y))
    return y.astype(np.float32), truth


def encode(audio: npt.NDArray[np.float32], sr: int, fmt: str) -> bytes:
    """``audio`` as a file: "wav"/"flac" through libsndfile, "ogg-opus" (a Discord voice
    message), "mp3", "m4a" or "webm" through PyAV."""
    if fmt in ("wav", "flac"):
        buf = io.BytesIO()
        sf.write(buf, audio, sr, format=fmt.upper())
        return buf.getvalue()
    import av

    container_fmt, codec, rate = {
        "ogg-opus": ("ogg", "libopus", 48_000),
        "mp3": ("mp3", "libmp3lame", 44_100),
        "m4a": ("ipod", "aac", 44_100),
        "webm": ("webm", "libopus", 48_000),
    }[fmt]
    from scipy.signal import resample_poly

    y = resample_poly(audio.astype(np.float64), rate, sr).astype(np.float32)
    buf = io.BytesIO()
    with av.open(buf, "w", format=container_fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        frame_size = 960 if "opus" in codec else 1152
        for i in range(0, y.size, frame_size):
            chunk = y[i : i + frame_size]
            frame = av.AudioFrame.from_ndarray(chunk[None, :], format="flt", layout="mono")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def tune_midi(
    tune: Tune, *, track_name: str = "Piano", accompaniment: bool = False, drums: bool = False
) -> bytes:
    """``tune`` as a Standard MIDI File; optionally with a chord track (busier, lower) and drums."""
    tpb = 480
    mid = mido.MidiFile(type=1, ticks_per_beat=tpb)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("set_tempo", tempo=round(60e6 / tune.bpm)))
    mid.tracks.append(conductor)

    def track(name: str, notes: list[tuple[int, float, float]], channel: int) -> None:
        events = []
        for p, s, n in notes:
            events.append(
                (round(s * tpb), 1, mido.Message("note_on", note=p, velocity=80, channel=channel))
            )
            events.append(
                (round((s + n) * tpb) - 10, 0, mido.Message("note_off", note=p, channel=channel))
            )
        events.sort(key=lambda e: (e[0], e[1]))
        t = mido.MidiTrack()
        t.append(mido.MetaMessage("track_name", name=name))
        now = 0
        for tick, _o, msg in events:
            msg.time = tick - now
            now = tick
            t.append(msg)
        mid.tracks.append(t)

    if tune.notes:
        track(track_name, list(tune.notes), 0)
    end = max((s + n for _p, s, n in tune.notes), default=4.0)
    if accompaniment:
        chords = []
        for beat in range(int(end)):
            for p in (48, 52, 55, 60):
                chords.append((p, float(beat), 0.5))
                chords.append((p, beat + 0.5, 0.5))
        track("Strings", chords, 1)
    if drums:
        hits = [(36 if b % 2 == 0 else 38, b * 0.5, 0.25) for b in range(int(end * 2))]
        track("Drums", hits, 9)
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def full_mix(tune: Tune, *, seed: int = 0, sr: int = SR) -> npt.NDArray[np.float32]:
    """The tune over sustained triads, a bass line and drum-like noise bursts (a full mix)."""
    rng = np.random.default_rng(seed)
    melody, _truth = hum(tune, wave="saw", sr=sr, seed=seed)
    n = melody.size
    t = np.arange(n) / sr
    beat = 60.0 / tune.bpm
    root = 440.0 * 2 ** ((tune.notes[0][0] - 69 - 12) / 12)
    mix = melody.astype(np.float64) * 0.8
    for k, ratio in enumerate((1.0, 1.26, 1.5, 2.0)):
        mix += (
            0.35 * sum(np.sin(2 * np.pi * root * ratio * h * t) / h for h in range(1, 6)) / (k + 1)
        )
    mix += 0.5 * np.sin(2 * np.pi * root / 2 * t)
    for start in np.arange(0.0, n / sr - 0.2, beat / 2):
        a = int(start * sr)
        hit = rng.standard_normal(int(0.12 * sr)) * np.exp(-np.arange(int(0.12 * sr)) / (0.02 * sr))
        mix[a : a + hit.size] += 0.6 * hit[: n - a]
    return (0.5 * mix / np.max(np.abs(mix))).astype(np.float32)


def speech_like(seconds: float = 4.0, *, seed: int = 0, sr: int = SR) -> npt.NDArray[np.float32]:
    """Voiced syllables whose pitch glides continuously (as in talking), through changing vowel
    formants, with consonant noise and pauses — voiced, but no held pitch."""
    rng = np.random.default_rng(seed)
    out: list[Array] = []
    total = 0
    while total < seconds * sr:
        syl = int(rng.uniform(0.12, 0.25) * sr)
        start_hz = rng.uniform(110, 200)
        slope = rng.uniform(-1.2, 1.2)  # octaves per second: speech intonation moves all the time
        tt = np.arange(syl) / sr
        f0 = start_hz * 2 ** (slope * tt + 0.15 * np.sin(2 * np.pi * rng.uniform(2, 4) * tt))
        phase = 2 * np.pi * np.cumsum(f0) / sr
        pulses = sum(np.sin(k * phase) / k for k in range(1, 25))
        vowel = tuple(rng.choice([300, 500, 700, 900]) * np.array([1.0, 2.6, 4.0]))
        voiced = _formants(pulses, sr, vowel) * np.hanning(syl)
        consonant = rng.standard_normal(int(0.05 * sr)) * 0.05
        pause = np.zeros(int(rng.uniform(0.0, 0.12) * sr))
        out += [consonant, voiced, pause]
        total += consonant.size + syl + pause.size
    y = np.concatenate(out)
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32)


def white_noise(seconds: float = 4.0, *, seed: int = 0, sr: int = SR) -> npt.NDArray[np.float32]:
    y = np.random.default_rng(seed).standard_normal(int(seconds * sr)) * 0.2
    return y.astype(np.float32)


_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)
_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def random_tune(seed: int) -> Tune:
    """A random singable tune: stepwise-leaning diatonic contour from the tonic back to it, in a
    random key, register, tempo (70–150 bpm) and rhythm of quarters, eighths, dotted notes and
    rests, two to four bars of 4/4."""
    rng = np.random.default_rng(seed)
    minor = bool(rng.integers(2))
    scale = _MINOR if minor else _MAJOR
    tonic_pc = int(rng.integers(12))
    base = 48 + tonic_pc + 12 * int(rng.integers(0, 2)) - 12 * (tonic_pc > 7)  # G#2..G4
    bars = int(rng.integers(2, 5))
    cells = ((1.0,), (0.5, 0.5), (1.5, 0.5), (2.0,), (0.5, 0.5), (1.0,), (0.75, 0.25))
    lengths: list[float] = []
    while sum(lengths) < bars * 4 - 2:
        lengths.extend(cells[int(rng.integers(len(cells)))])
    lengths.append(bars * 4 - sum(lengths))
    degree = 0
    notes = []
    t = 0.0
    for i, length in enumerate(lengths):
        if i == len(lengths) - 1:
            degree = 0 if abs(degree) < 4 else 7 * round(degree / 7)
        elif i > 0:
            degree += int(rng.choice([-2, -1, -1, 1, 1, 2, 0, 3, -3, 4]))
            degree = max(-3, min(8, degree))
        pitch = base + 12 * (degree // 7) + scale[degree % 7]
        if not (i > 0 and rng.random() < 0.08):  # an occasional rest
            notes.append((pitch, t, length))
        t += length
    name = f"{_NAMES[tonic_pc]} {'minor' if minor else 'major'}"
    return Tune(f"random {seed}", name, float(rng.integers(70, 151)), tuple(notes))

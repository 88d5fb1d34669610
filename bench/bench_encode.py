"""Encoding a real rendered 45 s song: CPU, wall time and size per encoder, and the quality that
picks the Opus complexity.

Encoders: Ogg Vorbis (libsndfile, the old default), PyAV's libopus (the old ``opus`` path), and
our encoder (:mod:`bot.audio.opus`, libopus through ctypes) on one thread (one span) and two
(two spans with pre-roll), per complexity.  Quality, against the input: broadband SNR and the
median per-frame noise-to-signal ratio per band (2048-point frames), shown relative to
complexity 10; noise added where a sustained chord has no partials (8–12 kHz); and the join of
two spans measured against one encoder.

    python bench/bench_encode.py [--wav song.wav] [--runs 5] [--kbps 160]

Without ``--wav`` the song is rendered first with
``composer song "chill lofi 85bpm in A minor" --duration 45 --seed 3 --soundfont timgm6mb``.
"""

from __future__ import annotations

import argparse
import functools
import io
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.audio.encode import encode
from bot.audio.opus import (
    DEFAULT_COMPLEXITY,
    FRAME_SAMPLES,
    OPUS_RATE,
    encode_ogg_opus,
    span_bounds,
)
from bot.runtime.jobs import AudioFormat

Audio = npt.NDArray[np.float32]
BANDS_HZ = (0, 250, 500, 1000, 2000, 4000, 8000, 12000, 16000, 20000)
COMPLEXITIES = (10, 5, 3, 2, 1, 0)


def render_song(folder: Path) -> Path:
    wav = folder / "song.wav"
    command = [sys.executable, "-m", "bot.cli", "song", "chill lofi 85bpm in A minor"]
    command += ["--duration", "45", "--seed", "3", "--soundfont", "timgm6mb", "--quiet"]
    subprocess.run([*command, "-o", str(wav)], check=True, timeout=300)
    return wav


def pyav_opus(x: Audio, kbps: int, level: int) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="ogg", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(
            "libopus", rate=OPUS_RATE, options={"compression_level": str(level)}
        )
        stream.bit_rate = kbps * 1000
        stream.layout = "stereo"
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(x.T), format="fltp", layout="stereo"
        )
        frame.sample_rate = OPUS_RATE
        frame.pts = 0
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buf.getvalue()


def timed(fn: Callable[[], bytes], runs: int) -> tuple[float, float, int]:
    """Median CPU seconds (all threads), median wall seconds, size in bytes."""
    cpu, wall = [], []
    data = b""
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        data = fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return statistics.median(cpu), statistics.median(wall), len(data)


def decode(data: bytes) -> Audio:
    x, _ = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return np.asarray(x, dtype=np.float32)


def _power_spectra(x: Audio) -> npt.NDArray[np.float64]:
    n, hop = 2048, 1024
    frames = (x.shape[0] - n) // hop
    index = np.arange(n)[None, :] + hop * np.arange(frames)[:, None]
    window = np.hanning(n)
    total = np.zeros((frames, n // 2 + 1))
    for ch in range(x.shape[1]):
        total += np.abs(np.fft.rfft(x[index, ch] * window, axis=1)) ** 2
    return total


def band_nsr_db(reference: Audio, decoded: Audio) -> list[float]:
    """Median over frames of the noise-to-signal ratio in each band (frames where the band has
    signal within 60 dB of its loudest)."""
    signal, noise = _power_spectra(reference), _power_spectra(decoded - reference)
    freqs = np.fft.rfftfreq(2048, 1 / OPUS_RATE)
    out = []
    for lo, hi in itertools.pairwise(BANDS_HZ):
        cols = (freqs >= lo) & (freqs < hi)
        s, e = signal[:, cols].sum(axis=1), noise[:, cols].sum(axis=1)
        ok = s > s.max() * 1e-6
        out.append(float(np.median(10 * np.log10(e[ok] / s[ok]))))
    return out


def snr_db(reference: Audio, decoded: Audio) -> float:
    return float(10 * np.log10(np.sum(reference**2) / np.sum((decoded - reference) ** 2)))


def chord(seconds: float) -> Audio:
    """A sustained A-minor triad, 11 partials each (top partial 3.6 kHz)."""
    t = np.arange(int(seconds * OPUS_RATE)) / OPUS_RATE
    tone = sum(
        np.sin(2 * np.pi * f * h * t) / h for f in (220, 261.63, 329.63) for h in range(1, 12)
    )
    x = np.stack([tone, np.roll(tone, 300)], axis=1)
    return np.asarray(0.3 * x / np.abs(x).max(), dtype=np.float32)


def empty_band_noise_db(x: Audio, decoded: Audio) -> float:
    """Noise energy at 8–12 kHz (where ``x`` has nothing) relative to the whole signal."""
    freqs = np.fft.rfftfreq(2048, 1 / OPUS_RATE)
    cols = (freqs >= 8000) & (freqs < 12000)
    noise = _power_spectra(decoded - x)[:, cols].sum()
    return float(10 * np.log10(noise / _power_spectra(x).sum()))


def join_figures(x: Audio, single: Audio, chunked: Audio, pre_skip: int) -> tuple[float, ...]:
    total = -(-(x.shape[0] + pre_skip) // FRAME_SAMPLES)
    join = span_bounds(total, x.shape[0] / OPUS_RATE, 2)[1] * FRAME_SAMPLES - pre_skip
    near = slice(join - FRAME_SAMPLES, join + 5 * FRAME_SAMPLES)
    step = slice(join - 480, join + 480)

    def rms(a: Audio) -> float:
        return float(np.sqrt(np.mean(a**2)))

    return (
        rms(chunked[near] - single[near]) / rms(single - x),
        rms(chunked[near] - x[near]) / rms(single[near] - x[near]),
        float(np.abs(np.diff(chunked[step], axis=0)).max())
        / float(np.abs(np.diff(x[step], axis=0)).max()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wav", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kbps", type=int, default=160)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wav = args.wav or render_song(Path(tmp))
        x, rate = sf.read(wav, dtype="float32", always_2d=True)
    assert rate == OPUS_RATE, "render at 48 kHz"
    seconds = x.shape[0] / rate
    print(f"song: {seconds:.1f} s stereo at {rate} Hz, {args.kbps} kb/s, median of {args.runs}")
    print(f"{'encoder':<34} {'CPU s':>6} {'wall s':>7} {'KiB':>6} {'x real time':>11}")

    def row(name: str, fn: Callable[[], bytes]) -> None:
        cpu, wall, size = timed(fn, args.runs)
        print(f"{name:<34} {cpu:6.3f} {wall:7.3f} {size / 1024:6.0f} {seconds / wall:11.0f}")

    row("Vorbis (libsndfile, default q)", lambda: encode(x, rate, AudioFormat.VORBIS).data)
    for level in (10, 2):
        row(f"PyAV libopus, compression {level}", functools.partial(pyav_opus, x, args.kbps, level))
    for c in COMPLEXITIES:
        for chunks in (1, 2):
            name = f"ours c{c}, {chunks} thread{'s' if chunks > 1 else ''}"
            ours = functools.partial(
                encode_ogg_opus, x, rate, bitrate_kbps=args.kbps, complexity=c, chunks=chunks
            )
            row(name, ours)

    print(f"\nquality vs the input (default complexity {DEFAULT_COMPLEXITY}, one thread)")
    bands = " ".join(f"{lo // 1000 if lo >= 1000 else lo:>4}" for lo in BANDS_HZ[:-1])
    print(f"{'':<10} {'SNR dB':>6}  band NSR dB from (Hz/kHz): {bands}   8-12k noise, chord")
    reference: list[float] = []
    test_chord = chord(4.0)
    for c in COMPLEXITIES:
        y = decode(encode_ogg_opus(x, rate, complexity=c, chunks=1, bitrate_kbps=args.kbps))
        nsr = band_nsr_db(x, y)
        reference = reference or nsr
        tone = decode(encode_ogg_opus(test_chord, OPUS_RATE, complexity=c, chunks=1))
        cells = " ".join(f"{v:5.1f}" for v in nsr)
        delta = max(v - r for v, r in zip(nsr, reference, strict=True))
        print(
            f"c{c:<9} {snr_db(x, y):6.2f}  {cells}  worst vs c10 {delta:+.1f} dB  "
            f"{empty_band_noise_db(test_chord, tone):6.1f} dB"
        )

    print("\njoin of two spans vs one encoder: (chunked-single)/noise, error ratio, step ratio")
    for c in (DEFAULT_COMPLEXITY, 10):
        one = encode_ogg_opus(x, rate, complexity=c, chunks=1)
        pre_skip = int.from_bytes(one[28 + 10 : 28 + 12], "little")
        single = decode(one)
        for preroll in (0, 5, 20):
            two = encode_ogg_opus(x, rate, complexity=c, chunks=2, preroll_frames=preroll)
            figures = join_figures(x, single, decode(two), pre_skip)
            same = " (bytes identical to one encoder)" if two == one else ""
            print(
                f"c{c}, pre-roll {preroll * 20:>3} ms: "
                + ", ".join(f"{v:.2f}" for v in figures)
                + same
            )


if __name__ == "__main__":
    main()

"""Run production chains: effect data → ``pedalboard`` plugins (or numpy where no plugin fits).

Audio is float32, shaped (frames, 2).  Every plugin is built fresh for each call, so the output
depends only on the input and the data (same seed → same bytes).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pedalboard as pb
from pedalboard._pedalboard import Pedalboard  # the chain class (not re-exported for typing)

from models.embedded.production.types import (
    Chorus,
    Compress,
    Crush,
    Delay,
    Drive,
    Duck,
    Effect,
    GatedVerb,
    HighPass,
    LowPass,
    Room,
    Shelf,
    Sweep,
    Vinyl,
    Wow,
)

__all__ = ["Cues", "apply_effects", "apply_snare_verb", "room_response", "vinyl"]

Audio = npt.NDArray[np.float32]
_SWEEP_BLOCK = 2048
_ROOM_LOW_CUT_HZ = 220.0


@dataclass(frozen=True, slots=True)
class Cues:
    """What a chain needs to know about the section beyond its audio."""

    sample_rate: int
    seconds_per_beat: float
    section_role: str = ""
    kick_frames: tuple[int, ...] = ()  # onsets of the bass drum (side-chain key)
    snare_frames: tuple[int, ...] = ()


_FLOOR = 1e-6  # −120 dBFS: smaller values vanish inside the ladder filter
_RUN_BLOCK = 1 << 15  # frames per block of an effect chain (a multiple of pedalboard's 8192)


def _run(plugins: Sequence[pb.Plugin], x: Audio, sr: int, *, in_place: bool = False) -> Audio:
    """``x`` through ``plugins``, block by block (the plugins keep their state from one block
    to the next): the whole chain works on a block while it sits in the cache, and its
    temporaries are block-sized, not section-sized; ``in_place``: the result overwrites ``x``.
    A −120 dBFS floor (DC plus a Nyquist tone) added before each plugin keeps filter states out
    of denormal numbers, which make JUCE's filters on a decaying tail some 30 times slower
    (see :func:`_segments`)."""
    if not plugins:
        return x
    out = x if in_place else np.empty_like(x)
    boards = _segments(plugins)
    for lo in range(0, x.shape[0], _RUN_BLOCK):
        block = x[lo : lo + _RUN_BLOCK]
        for board in boards:
            floor = _floor(block.shape[0]) if block.ndim == 2 else np.float32(_FLOOR)
            block = board.process(block + floor, sr, reset=False)
        out[lo : lo + _RUN_BLOCK] = block
    return out


def _segments(plugins: Sequence[pb.Plugin]) -> list[Pedalboard]:
    """``plugins`` as few pedalboards as the floor allows: one board converts the audio to and
    from JUCE once per block (a sixth less time for a chain of four), and the floor's DC and
    Nyquist parts pass through filters, compressors, shelves and choruses to the next plugin.
    A bit-crusher (which rounds the floor away) or a high-pass (which removes its DC, a
    low-pass before it having removed its Nyquist tone) ends a board: the next gets a floor
    of its own."""
    boards: list[Pedalboard] = []
    current: list[pb.Plugin] = []
    for plugin in plugins:
        current.append(plugin)
        if isinstance(plugin, pb.Bitcrush | pb.HighpassFilter):
            boards.append(Pedalboard(current))
            current = []
    if current:
        boards.append(Pedalboard(current))
    return boards


_floor_pattern: list[Audio] = [np.zeros((0, 2), np.float32)]


def _floor(frames: int) -> Audio:
    """The floor pattern for ``frames`` frames: a read-only view of one shared array."""
    pattern = _floor_pattern[0]
    if pattern.shape[0] < frames:
        pattern = np.full((max(frames, 2 * pattern.shape[0]), 2), _FLOOR, np.float32)
        pattern[1::2] = 0.0
        pattern.setflags(write=False)
        _floor_pattern[0] = pattern
    return pattern[:frames]


def _lowpass(hz: float, sr: int, order: int = 2) -> list[pb.LowpassFilter]:
    """``order`` first-order low-passes in series (6 dB/octave each): as steep as a ladder
    filter's 12 dB mode at a seventh of its cost."""
    return [pb.LowpassFilter(cutoff_frequency_hz=min(hz, 0.45 * sr)) for _ in range(order)]


def _highpass(hz: float, order: int = 2) -> list[pb.HighpassFilter]:
    return [pb.HighpassFilter(cutoff_frequency_hz=hz) for _ in range(order)]


def _plugins(effect: Effect, cues: Cues) -> list[pb.Plugin]:
    """The pedalboard plugins for one effect ([] for effects done in numpy)."""
    sr = cues.sample_rate
    if isinstance(effect, Compress):
        return [
            pb.Compressor(
                threshold_db=effect.threshold_db,
                ratio=effect.ratio,
                attack_ms=effect.attack_ms,
                release_ms=effect.release_ms,
            ),
            pb.Gain(effect.makeup_db),
        ]
    if isinstance(effect, Shelf):
        shelf = pb.HighShelfFilter if effect.high else pb.LowShelfFilter
        return [shelf(cutoff_frequency_hz=min(effect.freq_hz, 0.45 * sr), gain_db=effect.gain_db)]
    if isinstance(effect, Crush):
        return [pb.Bitcrush(bit_depth=effect.bits)]
    if isinstance(effect, LowPass):
        return list(_lowpass(effect.cutoff_hz, sr))
    if isinstance(effect, HighPass):
        return list(_highpass(effect.cutoff_hz))
    return []


def _chorus(x: Audio, effect: Chorus, sr: int) -> Audio:
    """Each channel through its own chorus, the right one a little faster and deeper: a mono
    synth comes out wide."""
    out = np.empty_like(x)
    for ch, (rate, delay) in enumerate(((1.0, 1.0), (1.37, 1.21))):
        plugin = pb.Chorus(
            rate_hz=effect.rate_hz * rate,
            depth=effect.depth,
            centre_delay_ms=effect.delay_ms * delay,
            feedback=0.0,
            mix=effect.mix,
        )
        out[:, ch] = _run([plugin], np.ascontiguousarray(x[:, ch]), sr)
    return _keep_level(x, out)


def _wow(x: Audio, effect: Wow, sr: int) -> Audio:
    """Tape wobble: a fully wet chorus is a vibrato; a slow one (wow) then a fast, shallow one
    (flutter)."""
    slow = pb.Chorus(rate_hz=effect.wow_hz, depth=effect.depth, centre_delay_ms=4.0, mix=1.0)
    fast = pb.Chorus(
        rate_hz=effect.flutter_hz, depth=effect.depth * 0.15, centre_delay_ms=2.0, mix=1.0
    )
    return _run([slow, fast], x, sr)


def _drive(x: Audio, effect: Drive, sr: int) -> Audio:
    """Overdrive into a cabinet band-pass, then back to the input's RMS (plus ``level_db``):
    the drive changes the tone, the mix level stays the arranger's.  The clipper is the
    rational soft clip g·x / (1 + |g·x|) (tanh-like, a tenth of its cost)."""
    tight = _run([pb.HighpassFilter(cutoff_frequency_hz=effect.low_cut_hz)], x, sr)
    tight *= np.float32(10.0 ** (effect.drive_db / 20.0) / max(_rms(tight), 1e-9) * 0.25)
    clipped = (tight / (np.float32(1.0) + np.abs(tight))).astype(np.float32, copy=False)
    cabinet = _run(_lowpass(effect.high_cut_hz, sr), clipped, sr, in_place=True)
    return _keep_level(x, cabinet, effect.level_db)


def _rms(x: Audio) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float32), dtype=np.float64)))


def _keep_level(before: Audio, after: Audio, offset_db: float = 0.0) -> Audio:
    """``after`` scaled to the RMS of ``before`` (plus ``offset_db``): effects that change the
    tone (drive, chorus, echoes) leave the bus at the level the arranger set."""
    rms_out = _rms(after)
    if rms_out > 0:
        after *= np.float32(_rms(before) / rms_out * 10.0 ** (offset_db / 20.0))
    return after


def _delay(x: Audio, effect: Delay, cues: Cues) -> Audio:
    echo = pb.Delay(
        delay_seconds=effect.beats * cues.seconds_per_beat, feedback=effect.feedback, mix=effect.mix
    )
    return _keep_level(x, _run([echo], x, cues.sample_rate))


def duck_curve(frames: int, cues: Cues, effect: Duck) -> Audio:
    """Gain per frame: −``depth_db`` 4 ms after each kick, recovering along a raised cosine
    over ``release_beats``."""
    gain = np.ones(frames, np.float32)
    if not cues.kick_frames:
        return gain
    sr = cues.sample_rate
    attack = max(1, int(0.004 * sr))
    release = max(attack + 1, int(effect.release_beats * cues.seconds_per_beat * sr))
    floor = 10.0 ** (-effect.depth_db / 20.0)
    t = np.arange(release, dtype=np.float32)
    shape = np.where(
        t < attack,
        1.0 - (1.0 - floor) * t / attack,
        floor + (1.0 - floor) * 0.5 * (1.0 - np.cos(np.pi * (t - attack) / (release - attack))),
    ).astype(np.float32)
    for start in cues.kick_frames:
        end = min(frames, start + release)
        if end > start:
            np.minimum(gain[start:end], shape[: end - start], out=gain[start:end])
    return gain


def _sweep(x: Audio, effect: Sweep, cues: Cues) -> Audio:
    if cues.section_role not in effect.roles or x.shape[0] == 0:
        return x
    sr = cues.sample_rate
    stages = _lowpass(effect.start_hz, sr, order=3)  # 18 dB/octave
    out = np.empty_like(x)
    n = x.shape[0]
    ratio = math.log(effect.end_hz / effect.start_hz)
    for start in range(0, n, _SWEEP_BLOCK):
        end = min(n, start + _SWEEP_BLOCK)
        block = x[start:end] + _floor(end - start)
        for stage in stages:
            stage.cutoff_frequency_hz = min(
                0.45 * sr, effect.start_hz * math.exp(ratio * start / n)
            )
            block = stage.process(block, sr, reset=False)
        out[start:end] = block
    return out


def apply_effects(
    x: Audio, effects: Sequence[Effect], cues: Cues, *, in_place: bool = False
) -> Audio:
    """``x`` through ``effects`` in order; ``in_place``: ``x`` may be overwritten (the caller
    owns it and will not read it again), which spares a buffer per chain."""
    pending: list[pb.Plugin] = []
    sr = cues.sample_rate
    owned = in_place  # whether the current buffer may be overwritten

    def flush(y: Audio) -> Audio:
        if not pending:
            return y
        result = _run(pending, y, sr, in_place=owned)
        pending.clear()
        return result

    for effect in effects:
        plugins = _plugins(effect, cues)
        if plugins:
            pending.extend(plugins)
            continue
        y = _numpy_effect(flush(x), effect, cues, owned)
        owned = owned or y is not x  # a buffer of its own from here on
        x = y
    return flush(x).astype(np.float32, copy=False)


def _numpy_effect(x: Audio, effect: Effect, cues: Cues, owned: bool) -> Audio:
    """``x`` through one effect that is not a plain chain of plugins (``owned``: ``x`` may be
    overwritten)."""
    sr = cues.sample_rate
    if isinstance(effect, Drive):
        return _drive(x, effect, sr)
    if isinstance(effect, Chorus):
        return _chorus(x, effect, sr)
    if isinstance(effect, Delay):
        return _delay(x, effect, cues)
    if isinstance(effect, Wow):
        return _wow(x, effect, sr)
    if isinstance(effect, Duck):
        gain = duck_curve(x.shape[0], cues, effect)[:, None]
        if owned:
            x *= gain
            return x
        return x * gain
    if isinstance(effect, Sweep):
        return _sweep(x, effect, cues)
    return x


def gate_curve(frames: int, onsets: Sequence[int], hold_s: float, sr: int) -> Audio:
    """1 for ``hold_s`` after each onset, then a 12 ms fade to 0; where the next onset comes
    sooner than twice the hold (a snare roll), the gate stays open only half the gap, so a roll
    is heard as hits, not as one wash of reverb."""
    gate = np.zeros(frames, np.float32)
    hold = int(hold_s * sr)
    fall = max(1, int(0.012 * sr))
    fade = np.linspace(1.0, 0.0, fall, dtype=np.float32)
    ordered = sorted(onsets)
    for i, start in enumerate(ordered):
        gap = (ordered[i + 1] if i + 1 < len(ordered) else frames + 2 * hold) - start
        ramp = np.concatenate([np.ones(min(hold, max(fall, gap // 2)), np.float32), fade])
        end = min(frames, start + ramp.size)
        if end > start:
            np.maximum(gate[start:end], ramp[: end - start], out=gate[start:end])
    return gate


def apply_snare_verb(snare: Audio, verb: GatedVerb, cues: Cues) -> Audio:
    """The snare's gated room alone (to be added to the dry snare)."""
    sr = cues.sample_rate
    room = pb.Reverb(room_size=verb.room, damping=0.3, wet_level=1.0, dry_level=0.0, width=1.0)
    wet = _run([room], snare, sr)
    gate = gate_curve(snare.shape[0], cues.snare_frames, verb.hold_s, sr)
    return (wet * (gate * np.float32(verb.level))[:, None]).astype(np.float32)


@functools.lru_cache(maxsize=32)
def _room_scale(size: float, damping: float, rate: int) -> float:
    """1 / RMS gain of the reverb's impulse response (per channel): rooms of any size send
    the same energy, so ``Room.wet`` alone sets the level."""
    impulse = np.zeros((rate * 6, 2), np.float32)
    impulse[0] = 1.0
    plugin = pb.Reverb(room_size=size, damping=damping, wet_level=1.0, dry_level=0.0)
    response = plugin(impulse, rate)
    energy = float(np.sum(response.astype(np.float64) ** 2) / 2.0)
    return 1.0 / math.sqrt(energy) if energy > 0 else 0.0


def room_response(send: Audio, room: Room, rate: int) -> Audio:
    """The shared room's output for a (frames, 2) ``send`` at a reduced ``rate`` (a room's
    reflections need no more than ~6 kHz of bandwidth)."""
    plugin = pb.Reverb(
        room_size=room.size, damping=room.damping, wet_level=1.0, dry_level=0.0, width=1.0
    )
    # no low end into the room (as engineers high-pass a reverb send): bass and kick stay dry
    clean = _run(
        [pb.HighpassFilter(_ROOM_LOW_CUT_HZ), pb.HighpassFilter(_ROOM_LOW_CUT_HZ)], send, rate
    )
    wet: Audio = plugin(clean, rate)
    wet *= np.float32(_room_scale(room.size, room.damping, rate) * room.wet)
    return wet


_HISS_S = 3.0


@functools.lru_cache(maxsize=4)
def _hiss_loop(sr: int) -> Audio:
    """Three seconds of dark hiss at 0 dB RMS (white noise through a 1 ms moving average)."""
    width = max(2, sr // 1000)
    rng = np.random.default_rng(20240611)
    noise = rng.standard_normal((int(_HISS_S * sr) + width, 2), dtype=np.float32)
    csum = np.cumsum(noise, axis=0, dtype=np.float32)
    hiss = (csum[width:] - csum[:-width]) / np.float32(math.sqrt(width))
    hiss.setflags(write=False)
    return hiss


def vinyl(frames: int, spec: Vinyl, seed: int, sr: int) -> Audio:
    """Record noise for ``frames``: dark hiss (a loop started at a seeded offset) and crackle
    (sparse clicks of random size, each a short decaying ring around 5 kHz)."""
    rng = np.random.default_rng([seed, 4242])
    loop = _hiss_loop(sr)
    reps = -(-(frames + loop.shape[0]) // loop.shape[0])
    offset = int(rng.integers(0, loop.shape[0]))
    out = np.tile(loop, (reps, 1))[offset : offset + frames]
    out *= np.float32(10.0 ** (spec.hiss_db / 20.0))
    count = max(1, int(frames / sr * spec.crackles_per_s))
    starts = rng.integers(0, max(1, frames - 64), size=count)
    amps = (rng.random(count) ** 3 * 0.05 + 0.004).astype(np.float32)
    signs = np.where(rng.random(count) < 0.5, -1.0, 1.0).astype(np.float32)
    ring = np.arange(int(0.0006 * sr) + 1, dtype=np.float32)
    burst = np.exp(-ring / (0.0001 * sr)) * np.cos(ring * np.float32(2 * np.pi * 5000.0 / sr))
    for k in range(burst.size):
        idx = np.minimum(starts + k, frames - 1)
        out[idx, 0] += amps * signs * burst[k]
        out[idx, 1] += amps * signs * burst[k] * np.float32(0.85)
    return out

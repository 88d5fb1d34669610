"""Synthesis: drive TinySoundFont with a sorted event list, then add a room, tape and headroom.

The SoundFont is loaded once per :class:`Renderer`.  A score is rendered in two passes (drums and
bass, then everything else) so the room can be drier on the rhythm section; the room itself is a
convolution with a synthetic, decorrelated stereo impulse response computed at ~12 kHz (a warm
room does not need more) and interpolated back up.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import signal

from models.base import BackendError
from models.embedded.routing import BEND, NOTE_OFF, NOTE_ON, route
from models.embedded.score import Score, Track
from models.plan import Key, Mode, PartRole

__all__ = ["RenderSettings", "Renderer"]

log = logging.getLogger(__name__)

Audio = npt.NDArray[np.float32]
_FLUSH_FRAMES = 4096
#: Where a note at level 0 dB lands (dBFS RMS) before the master gain: low enough that the
#: quietest GM presets still reach their level with CC7 ≤ 127.
REFERENCE_DB = -33.0
#: Gain after mixing that brings a typical arrangement to a healthy level with headroom.
MASTER_GAIN_DB = 5.0


@dataclass(frozen=True, slots=True)
class RenderSettings:
    reverb_wet: float = 0.25
    reverb_decay_s: float = 1.4
    gain_db: float = 0.0
    tape: bool = False
    tail_s: float = 1.5
    fade_out_s: float = 0.25  # fade at the very end of the tail
    seed: int = 0  # vinyl crackle positions


class Renderer:
    """Owns one TinySoundFont synth with the SoundFont loaded; not safe for concurrent use
    (calls are serialised with a lock)."""

    def __init__(self, soundfont: Path, sample_rate: int, max_voices: int = 64) -> None:
        import tinysoundfont

        if sample_rate < 8000 or sample_rate > 192_000:
            raise BackendError(f"unsupported sample rate {sample_rate} Hz")
        if not soundfont.is_file():
            raise BackendError(f"SoundFont not found: {soundfont}")
        self.sample_rate = sample_rate
        self.soundfont = soundfont
        self._synth = tinysoundfont.Synth(gain=-3.0, samplerate=sample_rate)
        try:
            self._sfid = self._synth.sfload(str(soundfont), max_voices=max_voices)
        except Exception as exc:  # tinysoundfont raises plain Exceptions for bad files
            raise BackendError(f"could not load SoundFont {soundfont}: {exc}") from exc
        self._lock = threading.Lock()
        self._scratch = np.zeros((_FLUSH_FRAMES, 2), np.float32)
        self._irs: dict[tuple[float, int], npt.NDArray[np.float32]] = {}
        self._loudness: dict[tuple[bool, int, int], float] = {}
        self._kicks: dict[int, tuple[float, float]] = {}
        self._probe = np.zeros((int(0.5 * sample_rate), 2), np.float32)
        self._hiss = np.zeros((1, 2), np.float32)

    # --- public -------------------------------------------------------------------------------

    def calibrate(self, score: Score) -> None:
        """Set each track's CC7 volume so one of its notes sounds at its ``level_db``: presets of
        a GM SoundFont differ by 15 dB and more, so a fixed volume table cannot balance a mix."""
        with self._lock:
            for track in score.tracks:
                if not track.notes:
                    continue
                gain_db = REFERENCE_DB + track.level_db - self._loudness_db(track)
                track.volume = int(max(1, min(127, round(127 * 10 ** (gain_db / 60.0)))))
                if track.is_drum:
                    track.tuning = _kick_tuning(self._kick_pitch(track.drum_kit), score.key)

    def render_stems(self, score: Score, tail_s: float = 1.5) -> dict[str, Audio]:
        """Each track rendered alone (dry, no master gain), by track name: for inspection."""
        total = round(score.body_s * self.sample_rate) + round(tail_s * self.sample_rate)
        with self._lock:
            return {t.name: self._render_tracks(score, [t], total) for t in score.tracks}

    def render(self, score: Score, settings: RenderSettings) -> tuple[Audio, int]:
        """Render ``score``: returns (stereo float32 audio, body_frames)."""
        sr = self.sample_rate
        body_frames = round(score.body_s * sr)
        total = body_frames + round(settings.tail_s * sr)
        rhythm = [t for t in score.tracks if t.is_drum or t.role.value == "bass"]
        other = [t for t in score.tracks if not (t.is_drum or t.role.value == "bass")]
        with self._lock:
            mix = self._render_tracks(score, rhythm, total)
            wet = self._render_tracks(score, other, total)
        if settings.reverb_wet > 0:
            room = self._room(
                mix,
                wet,
                dry_send=_mean_send(rhythm),
                wet_send=_mean_send(other),
                decay_s=settings.reverb_decay_s,
                level=settings.reverb_wet,
            )
        mix += wet
        if settings.reverb_wet > 0:
            self._add_upsampled(mix, room)
        if settings.tape:
            mix = self._tape(mix, settings.seed)
        mix *= np.float32(10 ** ((settings.gain_db + MASTER_GAIN_DB) / 20.0))
        _fade_tail(mix, int(settings.fade_out_s * sr))
        _soft_limit(mix)
        return mix, body_frames

    # --- synthesis ----------------------------------------------------------------------------

    def _kick_pitch(self, kit: int) -> tuple[float, float]:
        """Pitch class (fractional, 0 = C) of the kit's bass drum and how pitched it is."""
        if kit not in self._kicks:
            probe = Track("probe", PartRole.DRUMS, 0, 0, True, drum_kit=kit)
            self._reset()
            self._setup(0, probe)
            view = self._probe.data.cast("B")
            self._synth.noteon(0, 36, 100)
            self._synth.generate_simple(self._probe.shape[0], buffer=view)
            self._synth.noteoff(0, 36)
            self._kicks[kit] = _pitch_class(self._probe[:, 0], self.sample_rate)
        return self._kicks[kit]

    def _loudness_db(self, track: Track) -> float:
        """RMS level (dBFS) of one typical note of the track's preset at velocity 100, CC7 127."""
        if track.is_drum:
            pitches: tuple[int, ...] = (36, 38)
            key = (True, track.drum_kit, 0)
        else:
            median = sorted(n.pitch for n in track.notes)[len(track.notes) // 2]
            bucket = 6 * round(median / 6)
            pitches = (bucket,)
            key = (False, track.program, bucket)
        if key not in self._loudness:
            probe = Track(
                "probe", track.role, track.program, 0, track.is_drum, drum_kit=track.drum_kit
            )
            levels = []
            frames = self._probe.shape[0]
            view = self._probe.data.cast("B")
            for pitch in pitches:
                self._reset()
                self._setup(0, probe)
                self._synth.control_change(0, 7, 127)
                self._synth.noteon(0, pitch, 100)
                self._synth.generate_simple(frames // 2, buffer=view[: frames // 2 * 8])
                self._synth.noteoff(0, pitch)
                self._synth.generate_simple(frames - frames // 2, buffer=view[frames // 2 * 8 :])
                rms = float(np.sqrt(np.mean(self._probe.astype(np.float64) ** 2)))
                levels.append(20.0 * np.log10(max(rms, 1e-9)))
            self._loudness[key] = float(np.mean(levels))
        return self._loudness[key]

    def _reset(self) -> None:
        synth = self._synth
        synth.sounds_off()
        synth.generate_simple(_FLUSH_FRAMES, buffer=self._scratch.data.cast("B"))

    def _setup(self, ch: int, track: Track, tuning: float = 0.0) -> None:
        synth = self._synth
        try:
            if track.is_drum:
                try:
                    synth.program_select(ch, self._sfid, 128, track.drum_kit, True)
                except RuntimeError:
                    synth.program_select(ch, self._sfid, 128, 0, True)
            else:
                try:
                    synth.program_select(ch, self._sfid, 0, track.program)
                except RuntimeError:
                    synth.program_select(ch, self._sfid, 0, 0)
        except Exception as exc:
            raise BackendError(f"SoundFont {self.soundfont} lacks General MIDI presets") from exc
        synth.control_change(ch, 7, track.volume)
        synth.control_change(ch, 10, track.pan)
        synth.control_change(ch, 11, 127)
        synth.pitchbend_range(ch, float(track.bend_range))
        synth.pitchbend(ch, 8192)
        synth.set_tuning(ch, float(tuning))

    def _render_tracks(self, score: Score, tracks: list[Track], total: int) -> Audio:
        buf = np.zeros((total, 2), np.float32)
        if not any(t.notes for t in tracks):
            return buf
        self._reset()
        setups, events = route(score, tracks, self.sample_rate, total)
        for setup in setups:
            self._setup(setup.channel, setup.track, setup.tuning)
        synth = self._synth
        view = buf.data.cast("B")
        pos = 0
        for frame, kind, ch, a, b in events:
            if frame > pos:
                synth.generate_simple(frame - pos, buffer=view[pos * 8 : frame * 8])
                pos = frame
            if kind == NOTE_ON:
                synth.noteon(ch, a, b)
            elif kind == NOTE_OFF:
                synth.noteoff(ch, a)
            elif a == BEND:
                synth.pitchbend(ch, b)
            else:
                synth.control_change(ch, a, b)
        if pos < total:
            synth.generate_simple(total - pos, buffer=view[pos * 8 : total * 8])
        return buf

    # --- room ---------------------------------------------------------------------------------

    def _decimation(self) -> int:
        return max(1, round(self.sample_rate / 12_000))

    def _room(
        self,
        dry: Audio,
        wet: Audio,
        *,
        dry_send: float,
        wet_send: float,
        decay_s: float,
        level: float,
    ) -> Audio:
        """The room's output at the reduced rate (``level`` applied): the sends of both buses
        box-filtered down to ~12 kHz mono, convolved with the stereo impulse response."""
        factor = self._decimation()
        m = dry.shape[0] // factor
        low = np.zeros(m + 1, np.float32)
        for bus, send in ((dry, dry_send), (wet, wet_send)):
            if send <= 0:
                continue
            acc = np.zeros(m, np.float32)
            for k in range(factor):
                acc += bus[k : m * factor : factor, 0]
                acc += bus[k : m * factor : factor, 1]
            low[:m] += acc * np.float32(send * 0.5 / factor)
        ir = self._impulse(decay_s, self.sample_rate // factor)
        room: Audio = signal.oaconvolve(low[:, None], ir, axes=0)[: m + 1]
        return (room * np.float32(level)).astype(np.float32)

    def _add_upsampled(self, mix: Audio, room: Audio) -> None:
        """Add the reduced-rate room into ``mix``, linearly interpolated back to full rate."""
        factor = self._decimation()
        m = room.shape[0] - 1
        step = room[1:] - room[:-1]
        for k in range(factor):
            mix[k : m * factor : factor] += room[:-1] + step * np.float32(k / factor)

    def _tape(self, x: Audio, seed: int) -> Audio:
        """Lo-fi: a soft top-end roll-off (chained two-point averages: at 48 kHz -4 dB at 6 kHz,
        -12 dB at 10 kHz), a little hiss and sparse vinyl crackle."""
        sr = self.sample_rate
        if self._hiss.shape[0] < 2:
            self._hiss = (np.random.default_rng(7).standard_normal((2 * sr, 2)) * 0.0015).astype(
                np.float32
            )
        y = x
        for _ in range(max(1, round(sr / 16_000))):
            smooth = np.empty_like(y)
            smooth[0] = y[0]
            np.add(y[1:], y[:-1], out=smooth[1:])
            smooth *= np.float32(0.5)
            y = smooth
        rng = np.random.default_rng([seed, 99])
        n = y.shape[0]
        hiss = self._hiss
        offset = int(rng.integers(0, hiss.shape[0]))
        for start in range(0, n, hiss.shape[0]):
            block = np.roll(hiss, offset, axis=0)[: n - start]
            y[start : start + block.shape[0]] += block
        clicks = rng.integers(0, n, size=max(1, int(n / sr * 6)))
        amps = (rng.random(clicks.size) ** 3 * 0.02 + 0.002).astype(np.float32)
        y[clicks, 0] += amps
        y[clicks, 1] += amps * np.float32(0.8)
        return y

    def _impulse(self, decay_s: float, rate: int) -> npt.NDArray[np.float32]:
        key = (round(decay_s, 3), rate)
        if key not in self._irs:
            self._irs[key] = synthetic_impulse(decay_s, rate)
        return self._irs[key]


def synthetic_impulse(decay_s: float, rate: int) -> npt.NDArray[np.float32]:
    """A stereo room impulse response: pre-delay, a few early reflections, then decorrelated
    noise decaying to -60 dB at ``decay_s`` with high frequencies dying faster."""
    rng = np.random.default_rng(20240611)
    n = int(decay_s * rate)
    t = np.arange(n) / rate
    noise = rng.standard_normal((n, 2))
    kernel = np.ones(5) / 5.0
    dark = np.stack([np.convolve(noise[:, c], kernel, mode="same") for c in range(2)], axis=1)
    bright_env = np.exp(-6.91 * t / (0.35 * decay_s))[:, None]
    dark_env = np.exp(-6.91 * t / decay_s)[:, None]
    ir = noise * bright_env * 0.35 + dark * dark_env * 1.6
    onset = np.minimum(1.0, t / 0.02)[:, None]  # the diffuse tail builds up over 20 ms
    ir *= onset
    pre = int(0.012 * rate)
    out = np.zeros((n + pre, 2))
    out[pre:] = ir
    for ms, gain, side in ((7, 0.6, 0), (11, 0.5, 1), (17, 0.4, 0), (23, 0.35, 1), (31, 0.3, 0)):
        i = int(ms / 1000 * rate)
        out[i, side] += gain * 3.0
        out[i + 1, 1 - side] += gain * 2.0
    out /= np.sqrt(np.sum(out**2) / 2.0)
    return out.astype(np.float32)


def _pitch_class(x: npt.NDArray[np.float32], sr: int) -> tuple[float, float]:
    """Dominant pitch class (fractional, 0 = C) of a low sound and how pitched it is (peak over
    mean of the histogram): spectral energy from 25 to 500 Hz folded onto a 10-cent
    pitch-class histogram, lightly smoothed; (NaN, 0) when silent."""
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64) * np.hanning(x.size))) ** 2
    freqs = np.fft.rfftfreq(x.size, 1.0 / sr)
    band = (freqs > 25.0) & (freqs < 500.0)
    if not np.any(spectrum[band] > 0):
        return float("nan"), 0.0
    pitch = 69.0 + 12.0 * np.log2(freqs[band] / 440.0)
    bins = np.round((pitch % 12.0) * 10.0).astype(int) % 120
    hist = np.bincount(bins, weights=spectrum[band], minlength=120)
    smooth = sum(np.roll(hist, k) for k in range(-3, 4))
    return float(np.argmax(smooth)) / 10.0, float(np.max(smooth) / np.mean(smooth))


def _kick_tuning(kick: tuple[float, float], key: Key) -> float:
    """The shift (semitones, within ±6) that puts the kick's pitch class on the tonic, as
    producers tune kicks.  A noisy acoustic kick in a minor key goes to the fifth instead: on
    the minor tonic its inharmonic ring adds a major third and blurs the mode.  Clearly pitched
    kicks (808, orchestral bass drum) double the tonic like a bass note."""
    kick_pc, pitchedness = kick
    if not np.isfinite(kick_pc):
        return 0.0
    noisy_in_minor = key.mode is Mode.MINOR and pitchedness < 6.0
    target = (key.tonic + 7) % 12 if noisy_in_minor else key.tonic
    return float(((target - kick_pc + 6.0) % 12.0) - 6.0)


def _mean_send(tracks: list[Track]) -> float:
    if not tracks:
        return 0.0
    return sum(t.reverb_send for t in tracks) / len(tracks)


def _fade_tail(x: Audio, frames: int) -> None:
    frames = min(frames, x.shape[0])
    if frames > 1:
        ramp = 0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, frames, dtype=np.float32))
        x[-frames:] *= ramp[:, None]


def _soft_limit(x: Audio, threshold: float = 0.8) -> None:
    """Leave headroom: samples above ``threshold`` are bent smoothly toward (but below) 1.0."""
    if max(float(x.max()), -float(x.min())) <= threshold:
        return
    mag = np.abs(x)
    over = mag > threshold
    if np.any(over):
        span = 1.0 - threshold
        bent = threshold + span * np.tanh((mag[over] - threshold) / span) * 0.98
        x[over] = np.sign(x[over]) * bent

"""Synthesis: drive TinySoundFont with a sorted event list, then produce the mix.

The SoundFont is loaded once per :class:`Renderer`.  A score is rendered bus by bus (the tracks
that share an effect chain of the style's :class:`~models.embedded.production.Production`); each
bus runs through its chain and sends to one shared room, which runs at ~12 kHz (a room's
reflections need no more) and is interpolated back up.  The style's master bus and record noise
come last, then headroom.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from models.base import BackendError
from models.embedded.mixdown import (
    add_upsampled,
    bus_groups,
    decimate_into,
    section_cues,
    split_snares,
)
from models.embedded.production import Bus, Production
from models.embedded.production.chains import (
    apply_effects,
    apply_snare_verb,
    room_response,
    vinyl,
)
from models.embedded.production.tables import NEUTRAL
from models.embedded.routing import BEND, NOTE_OFF, NOTE_ON, route
from models.embedded.score import Score, Track
from models.plan import Key, Mode, PartRole

__all__ = ["RenderSettings", "Renderer", "section_cues"]

log = logging.getLogger(__name__)

Audio = npt.NDArray[np.float32]
_FLUSH_FRAMES = 4096
#: Where a note at level 0 dB lands (dBFS RMS) before the master gain: low enough that the
#: quietest GM presets still reach their level with CC7 ≤ 127.
REFERENCE_DB = -33.0
#: Gain after mixing that brings a typical arrangement to a healthy level with headroom.
MASTER_GAIN_DB = 5.0
#: Threads running effect chains while the synth renders the next bus: one per bus of a
#: typical production (drums, bass, the music), so the last bus synthesised, often the busiest,
#: never waits for a free thread.
FX_THREADS = 3


@dataclass(frozen=True, slots=True)
class RenderSettings:
    production: Production = NEUTRAL
    section_role: str = ""  # e.g. "intro": some effects (filter sweeps) depend on it
    reverb_wet: float | None = None  # overrides the production's room level (0: dry)
    gain_db: float = 0.0
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
        _large_buffers_from_mmap()
        self._synth = tinysoundfont.Synth(gain=-3.0, samplerate=sample_rate)
        try:
            self._sfid = self._synth.sfload(str(soundfont), max_voices=max_voices)
        except Exception as exc:  # tinysoundfont raises plain Exceptions for bad files
            raise BackendError(f"could not load SoundFont {soundfont}: {exc}") from exc
        self._lock = threading.Lock()
        self._scratch = np.zeros((_FLUSH_FRAMES, 2), np.float32)
        self._loudness: dict[tuple[bool, int, int], float] = {}
        self._kicks: dict[int, tuple[float, float]] = {}
        self._probe = np.zeros((int(0.5 * sample_rate), 2), np.float32)

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
        """Render ``score``: returns (stereo float32 audio, body_frames).

        Tracks are synthesised bus by bus (see :mod:`models.embedded.production`); while the
        synth renders the next bus, earlier ones run through their effects on helper threads
        (pedalboard releases the GIL), and are summed in the order synthesised (busiest bus first).
        """
        sr = self.sample_rate
        body_frames = round(score.body_s * sr)
        total = body_frames + round(settings.tail_s * sr)
        production = settings.production
        cues = section_cues(score, sr, settings.section_role)
        groups = bus_groups(score, production)
        factor = self._decimation()
        room_wet = production.room.wet if settings.reverb_wet is None else settings.reverb_wet
        send = np.zeros((total // factor + 1, 2), np.float32)
        mix = np.zeros((total, 2), np.float32)

        def produce(audio: Audio, bus: Bus | None, snare: Audio | None) -> Audio:
            if snare is not None:
                audio += snare
                if bus is not None and bus.snare is not None:
                    audio += apply_snare_verb(snare, bus.snare, cues)
            if bus is not None and bus.effects:
                audio = apply_effects(audio, bus.effects, cues, in_place=True)
            return audio

        def collect(job: tuple[Future[Audio], float]) -> None:
            audio = job[0].result()
            if room_wet > 0 and job[1] > 0:
                decimate_into(send, audio, factor, job[1])
            mix[:] += audio  # in a fixed order: the sum is the same bytes every time

        with ThreadPoolExecutor(max_workers=FX_THREADS, thread_name_prefix="fx") as fx:
            # record noise depends on nothing but the length and seed: made while the synth works
            noise = (
                fx.submit(vinyl, total, production.vinyl, settings.seed, sr)
                if production.vinyl is not None
                else None
            )
            pending: list[tuple[Future[Audio], float]] = []
            for bus, tracks in groups:
                if not any(t.notes for t in tracks):
                    continue  # a silent bus: nothing to render, nothing for its effects
                snare_tracks, rest = split_snares(tracks, bus)
                with self._lock:
                    audio = self._render_tracks(score, rest, total)
                    snare = (
                        self._render_tracks(score, snare_tracks, total) if snare_tracks else None
                    )
                pending.append((fx.submit(produce, audio, bus, snare), _mean_send(tracks)))
                if len(pending) > FX_THREADS:  # bounded memory
                    collect(pending.pop(0))
            for job in pending:
                collect(job)
        if room_wet > 0:
            room = room_response(send, replace(production.room, wet=room_wet), sr // factor)
            add_upsampled(mix, room, factor)
        if production.master:
            mix = apply_effects(mix, production.master, cues, in_place=True)
        if noise is not None:
            mix += noise.result()
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

    def _decimation(self) -> int:
        return max(1, round(self.sample_rate / 12_000))


@functools.cache
def _large_buffers_from_mmap() -> None:
    """Make glibc serve every allocation over 16 MiB (song-length audio: 44 s of float32
    stereo at 48 kHz) with its own mmap, returned to the system when freed.  By default glibc
    raises that threshold after the first big free, so such buffers then come from heap arenas
    that never shrink.  Smaller buffers (sections, effect temporaries) stay on the heap: fresh
    mmapped pages for each of them cost ~0.2 s of page faults per song (measured: peak RSS
    258 → 238 MB for a 45 s song at 16 MiB, 200 MB at 256 KiB but +0.2 s CPU).  No-op elsewhere
    than glibc.

    And one malloc arena for every thread: sections render on threads, and by default each
    thread's freed buffers stay in that thread's own arena, unused by the others (peak RSS of a
    45 s song 157 → 137 MB)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 16 << 20)  # M_MMAP_THRESHOLD (setting it disables the adjustment)
        libc.mallopt(-8, 1)  # M_ARENA_MAX
    except (OSError, AttributeError):
        log.debug("mallopt unavailable: large buffers stay on the heap")


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

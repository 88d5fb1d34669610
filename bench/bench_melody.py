"""Bring-your-own-melody figures.  Prints; not a test.

1. ``transcribe``: note F1 (mir_eval, onsets ±50 ms, pitch ±50 cents) of the synthetic test tunes
   hummed clean (sine, saw, voice-like) and rough (vibrato, glides, breath noise, jitter,
   detuning), key and tempo accuracy from a voice message, transcription speed.
2. ``song``: interval match — the share of each melody's intervals the song's lead carries —
   for every tune in every style (the melody's own key, and a requested key), MIDI and hummed.
3. ``bot``: time from a ``/song`` with a voice-message attachment to the finished clip in the
   channel (the real bot, worker subprocess and SQLite, against the fake Discord), split into
   acknowledgement, reading the tune, and composing.

    python bench/bench_melody.py [--only transcribe|song|bot] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.melody import load_melody, melody_from_transcription
from models.melody.decode import ANALYSIS_SR
from models.melody.planning import plan_with_melody
from models.melody.transcribe import transcribe
from models.midi import join_midi, section_midi
from models.plan import Key
from models.planning import PlanRequest
from models.styles import STYLE_IDS
from tests.melody_metrics import interval_match, lead_records, note_f1, skyline
from tests.melody_signals import SR, TUNES, encode, hum, random_tune, tune_midi

ROUGH = {"vibrato_cents": 50, "noise_db": 18, "glide_s": 0.05, "jitter_s": 0.025}


def _f1(tune_index: int, **kw: object) -> tuple[float, float, float]:
    audio, truth = hum(TUNES[tune_index], sr=ANALYSIS_SR, seed=tune_index, **kw)  # type: ignore[arg-type]
    started = time.perf_counter()
    heard = transcribe(audio)
    took = time.perf_counter() - started
    cents = heard.tuning_cents / 100
    est = [(n.onset_s, n.offset_s, 440 * 2 ** ((n.pitch - 69 + cents) / 12)) for n in heard.notes]
    return note_f1(truth, est), took, audio.size / ANALYSIS_SR


def bench_transcribe() -> None:
    print("== transcription (note F1, onset ±50 ms) ==")
    speeds = []
    for label, kw in (
        ("clean sine", {"wave": "sine"}),
        ("clean saw", {"wave": "saw"}),
        ("clean voice", {"wave": "voice"}),
        ("rough voice", {"wave": "voice", **ROUGH, "detune_cents": 30}),
        ("rough saw", {"wave": "saw", **ROUGH, "detune_cents": -40}),
    ):
        scores = []
        for i in range(len(TUNES)):
            f1, took, length = _f1(i, **kw)
            scores.append(f1)
            speeds.append(length / took)
        print(f"{label:12s}  F1 mean {statistics.mean(scores):.3f}  min {min(scores):.3f}")
    print(f"transcription speed: {statistics.median(speeds):.0f}× real time (median)")
    keys = tempos = 0
    for i, tune in enumerate(TUNES):
        audio, _t = hum(tune, wave="voice", vibrato_cents=40, noise_db=22, jitter_s=0.015, seed=i)
        melody = load_melody(encode(audio, SR, "ogg-opus"))
        keys += melody.key == Key.parse(tune.key)
        tempos += abs(melody.bpm - tune.bpm) / tune.bpm < 0.03
        print(f"  {tune.name:18s} {melody.summary}  (truth {tune.key}, {tune.bpm:g} bpm)")
    print(f"key right {keys}/{len(TUNES)}, tempo within 3 % {tempos}/{len(TUNES)}")
    _random_tunes(30)


def _random_tunes(count: int) -> None:
    """Tunes the estimators were not written against: random keys, registers, tempos, rhythms
    (clean and rough hums alternately)."""
    f1s, keys, tempos = [], 0, 0
    for s in range(count):
        tune = random_tune(100 + s)
        kw = {"wave": "voice", **ROUGH} if s % 2 else {"wave": ("sine", "saw", "voice")[s % 3]}
        audio, truth = hum(tune, sr=ANALYSIS_SR, seed=s, **kw)  # type: ignore[arg-type]
        heard = transcribe(audio)
        cents = heard.tuning_cents / 100
        est = [
            (n.onset_s, n.offset_s, 440 * 2 ** ((n.pitch - 69 + cents) / 12)) for n in heard.notes
        ]
        f1s.append(note_f1(truth, est))
        melody = melody_from_transcription(heard)
        keys += melody.key == Key.parse(tune.key)
        tempos += abs(melody.bpm - tune.bpm) / tune.bpm < 0.03
    print(
        f"{count} random tunes: F1 mean {statistics.mean(f1s):.3f} min {min(f1s):.3f}, "
        f"key right {keys}, tempo within 3 % {tempos} (octave errors count as wrong)"
    )


def bench_song() -> None:
    from tests.test_embedded_support import shared_backend

    print("== interval match of the song's lead (share of the melody's intervals) ==")
    backend = shared_backend(22_050)
    sources = {
        "midi": [load_melody(tune_midi(t)) for t in TUNES],
        "hum": [
            load_melody(encode(hum(t, wave="voice", **ROUGH, seed=i)[0], SR, "ogg-opus"))  # type: ignore[arg-type]
            for i, t in enumerate(TUNES)
        ],
    }
    for source, melodies in sources.items():
        for keyed in (False, True):
            scores = []
            started = time.perf_counter()
            for style in STYLE_IDS:
                for i, (tune, melody) in enumerate(zip(TUNES, melodies, strict=True)):
                    key = Key((melody.key.tonic + 5) % 12, melody.key.mode) if keyed else None
                    req = PlanRequest(kind="song", style=style, key=key, seed=i)
                    plan, render = plan_with_melody(req, melody)
                    parts = [
                        (j, section_midi(backend.compose(plan, plan.sections[j]))) for j in render
                    ]
                    line = skyline(lead_records(plan, join_midi(plan, parts)))
                    scores.append(interval_match(tune.pitches, line))
            took = (time.perf_counter() - started) / len(scores)
            where = "requested key" if keyed else "own key"
            print(
                f"{source:4s} {where:13s} mean {statistics.mean(scores):.3f} "
                f"min {min(scores):.3f}  ≥0.9 in {sum(s >= 0.9 for s in scores)}/{len(scores)} "
                f"({took * 1000:.0f} ms to plan + compose a song)"
            )


async def _bot_once(repeats: int) -> None:
    from tests.e2e_support import bot_settings, is_result, running_bot
    from tests.fakediscord.client import pointed_at
    from tests.fakediscord.events import Upload
    from tests.fakediscord.server import FakeDiscord
    from tests.fakediscord.world import default_world

    tune = TUNES[0]
    audio, _t = hum(tune, wave="voice", vibrato_cents=40, noise_db=25, seed=2)
    voice = Upload("voice-message.ogg", encode(audio, SR, "ogg-opus"), "audio/ogg")
    totals, acks = [], []
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeDiscord(default_world()) as fake:
            with pointed_at(fake.rest_base_url, fake.gateway_url):
                async with running_bot(fake, bot_settings(Path(tmp))):
                    for r in range(repeats + 1):  # the first warms the worker
                        started = time.perf_counter()
                        handle = await fake.slash_command(
                            "song", {"request": "synthwave, 30 seconds", "seed": r, "melody": voice}
                        )
                        await handle.response()
                        ack = time.perf_counter() - started
                        await handle.wait_original(is_result, timeout_s=300)
                        if r:
                            totals.append(time.perf_counter() - started)
                            acks.append(ack)
    started = time.perf_counter()
    load_melody(voice.data)
    read_s = time.perf_counter() - started
    print("== /song with a voice message (11.5 s hum), the real bot against the fake Discord ==")
    print(f"acknowledged in {statistics.median(acks) * 1000:.0f} ms (median)")
    print(f"reading the tune: {read_s:.2f} s (decode + pyin + analysis, this process)")
    print(
        f"attachment → finished 30 s song in the channel: median {statistics.median(totals):.1f} s "
        f"over {len(totals)} (min {min(totals):.1f} s, max {max(totals):.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["transcribe", "song", "bot"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.only in (None, "transcribe"):
        bench_transcribe()
    if args.only in (None, "song"):
        bench_song()
    if args.only in (None, "bot"):
        asyncio.run(_bot_once(args.repeats))


if __name__ == "__main__":
    main()

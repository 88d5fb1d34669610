"""``composer song "synthwave" --melody hum.ogg``: the real console script in a subprocess builds
the song on a hummed voice message; the song's MIDI lead carries the tune, the tune is its own
MIDI track, and a file that is no melody exits 2 with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.melody.export import MELODY_TRACK
from models.midi import read_notes
from models.plan import Key, SongPlan
from tests.melody_metrics import interval_match, lead_records, skyline
from tests.melody_signals import SR, TUNES, encode, hum
from tests.test_cli_song import composer

pytestmark = pytest.mark.slow


def test_song_on_a_hummed_melody(tmp_path: Path) -> None:
    tune = TUNES[1]  # E minor, 92 bpm
    audio, _truth = hum(tune, wave="voice", vibrato_cents=40, noise_db=25, seed=1)
    (tmp_path / "hum.ogg").write_bytes(encode(audio, SR, "ogg-opus"))
    done = composer(
        "song", "synthwave, 30 seconds", "--melody", "hum.ogg", "--seed", "4", "-o", "song.ogg",
        "--midi", "song.mid", "--json-summary", "summary.json", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert "heard 15 notes in E minor at ~92 bpm" in done.stdout + done.stderr
    plan = SongPlan.from_dict(json.loads((tmp_path / "summary.json").read_text())["plan"])
    assert plan.key == Key.parse("E minor") and plan.bpm == 92.0
    midi = (tmp_path / "song.mid").read_bytes()
    assert interval_match(tune.pitches, skyline(lead_records(plan, midi))) >= 0.9
    heard = [r.pitch for r in read_notes(midi) if r.track == MELODY_TRACK]
    assert heard == tune.pitches
    assert (tmp_path / "song.ogg").stat().st_size > 10_000


def test_a_file_that_is_no_melody_is_refused_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("la la la")
    done = composer(
        "song", "pop", "--melody", "notes.txt", "-o", "x.ogg", cwd=tmp_path, check=False
    )
    assert done.returncode == 2
    assert "not audio or MIDI" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.ogg").exists()
